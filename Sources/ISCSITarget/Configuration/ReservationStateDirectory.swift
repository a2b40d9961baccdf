import Glibc
import Logging
import SCSI

/// The state directory (`iscsi_tgt --state-dir`) where logical units keep their persistent reservations when an
/// initiator sets APTPL, one file per block device (`<bdev name>.pr`), so that the reservations survive a restart.
///
/// Files are replaced atomically: written to a temporary file, flushed with `fsync`, renamed over the old one,
/// and the directory is flushed so the rename itself is durable.
public struct ReservationStateDirectory: Sendable {
    /// The default of `--state-dir`.
    public static let defaultPath = "/var/lib/iscsi_tgt"

    /// The directory.
    public let path: String
    private let logger: Logger

    /// Opens (creating it and its parents when missing) the state directory at `path`; nil, after logging why,
    /// when it cannot be created: the target then runs without persistence.
    public init?(path: String, logger: Logger) {
        guard Self.createDirectory(path) else {
            logger.error(
                "cannot create state directory \(path): \(String(cString: strerror(errno))); persistent reservations will not survive a restart"
            )
            return nil
        }
        self.path = path
        self.logger = logger
    }

    /// The storage of the logical units backed by the block device `name`.
    func storage(forBlockDevice name: String) -> some PersistentReservationStorage {
        File(directory: self.path, name: Self.fileName(forBlockDevice: name), logger: self.logger)
    }

    /// A file name for a bdev name: every byte outside `[A-Za-z0-9._-]` becomes `%XX`, so names with slashes
    /// (`lvs/lvol0`) stay inside the directory.
    static func fileName(forBlockDevice name: String) -> String {
        var fileName = ""
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                fileName.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: ".") where !fileName.isEmpty:
                fileName.append(".")
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                fileName += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return fileName + ".pr"
    }

    private static func createDirectory(_ path: String) -> Bool {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                return false
            }
            prefix += "/"
        }
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR && access(path, W_OK) == 0
    }

    /// One block device's state file.
    struct File: PersistentReservationStorage {
        let directory: String
        let path: String
        let logger: Logger

        init(directory: String, name: String, logger: Logger) {
            self.directory = directory
            self.path = directory + "/" + name
            self.logger = logger
        }

        func load() -> PersistentReservationState? {
            guard let text = Self.read(self.path) else {
                return nil
            }
            guard let state = PersistentReservationState(storedText: text) else {
                self.logger.error("ignoring damaged persistent reservation state in \(self.path)")
                return nil
            }
            self.logger.notice(
                "restored persistent reservations from \(self.path): \(state.registrations.count) registrations"
            )
            return state
        }

        func store(_ state: PersistentReservationState?) {
            guard let state else {
                if unlink(self.path) != 0 && errno != ENOENT {
                    self.logFailure("remove")
                }
                return
            }
            if !self.replace(with: Array(state.storedText.utf8)) {
                self.logFailure("write")
            }
        }

        private func logFailure(_ operation: String) {
            self.logger.error(
                "cannot \(operation) persistent reservation state \(self.path): \(String(cString: strerror(errno)))"
            )
        }

        /// Writes `bytes` to a temporary file, syncs it, renames it over `path` and syncs the directory.
        private func replace(with bytes: [UInt8]) -> Bool {
            let temporary = self.path + ".tmp"
            let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                return false
            }
            let written = bytes.withUnsafeBytes { Self.writeAll(descriptor, $0) }
            let synced = written && fsync(descriptor) == 0
            close(descriptor)
            guard synced, rename(temporary, self.path) == 0 else {
                unlink(temporary)
                return false
            }
            let directory = open(self.directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard directory >= 0 else {
                return false
            }
            defer { close(directory) }
            return fsync(directory) == 0
        }

        private static func writeAll(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer) -> Bool {
            guard let base = buffer.baseAddress else {
                return true
            }
            var offset = 0
            while offset < buffer.count {
                let count = write(descriptor, base + offset, buffer.count - offset)
                if count < 0 && errno == EINTR {
                    continue
                }
                guard count > 0 else {
                    return false
                }
                offset += count
            }
            return true
        }

        private static func read(_ path: String) -> String? {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                return nil
            }
            defer { close(descriptor) }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR {
                    continue
                }
                guard count > 0 else {
                    break
                }
                bytes += chunk[..<count]
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
