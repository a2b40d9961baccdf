import ISCSITarget
import JSONRPC
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// `--config-autosave PATH`: keeps PATH equal to `save_config`'s output.
///
/// ``save()`` runs after every successful RPC; it writes only when the configuration differs from what the
/// file holds, and atomically: a temporary file in the same directory, `fsync`, `rename` over PATH, `fsync` of
/// the directory. A crash at any point leaves either the old or the new file, never a torn one.
actor ConfigAutosaver {
    let path: String
    private let service: ISCSITargetService
    private let logger: Logger
    private var savedText: String?

    init(path: String, service: ISCSITargetService, logger: Logger) {
        self.path = path
        self.service = service
        self.logger = logger
    }

    /// Writes the current configuration if it changed since the last write.
    func save() async {
        var subsystems: [JSONValue] = []
        for subsystem in SubsystemCatalog.subsystems {
            var config: JSONValue = .array([])
            if SubsystemCatalog.serviceSubsystems.contains(subsystem.name) {
                config = SubsystemCatalog.flattened(await self.service.subsystemConfig(named: subsystem.name) ?? .null)
            }
            subsystems.append(.object(["subsystem": .string(subsystem.name), "config": config]))
        }
        let text = JSONValue.object(["subsystems": .array(subsystems)]).prettyText(indent: 2) + "\n"
        guard text != self.savedText else { return }
        if let failure = Self.writeAtomically(text, to: self.path) {
            self.logger.error("Could not autosave the configuration to \(self.path): \(failure)")
            return
        }
        self.savedText = text
    }

    /// Writes `text` to `path` through a synced temporary file and a rename; a message on failure.
    private static func writeAtomically(_ text: String, to path: String) -> String? {
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return "open \(temporary): errno \(errno)" }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            guard result > 0 else {
                if result < 0 && errno == EINTR { continue }
                close(descriptor)
                return "write \(temporary): errno \(errno)"
            }
            written += result
        }
        guard fsync(descriptor) == 0 else {
            close(descriptor)
            return "fsync \(temporary): errno \(errno)"
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else { return "rename to \(path): errno \(errno)" }
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let directoryDescriptor = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryDescriptor >= 0 else { return "open \(directory): errno \(errno)" }
        defer { close(directoryDescriptor) }
        return fsync(directoryDescriptor) == 0 ? nil : "fsync \(directory): errno \(errno)"
    }
}
