import Glibc
import JSONRPC

/// rpc.py's `load_config` / `load_subsystem_config`: replays saved method calls in file order, each
/// as soon as the server's RPC state allows it, starting the framework when possible.
struct ConfigurationLoader {
    let client: RPCClient

    private static let startMethod = "framework_start_init"

    /// What happened to one config entry in a pass.
    private enum EntryOutcome {
        case called
        case droppedEmptyBatch
        case skipped
    }

    /// Applies a whole `{"subsystems": [...]}` document.
    func load(_ document: JSONValue, includeAliases: Bool) throws {
        guard let subsystemList = document.objectValue?["subsystems"]?.arrayValue else {
            throw CommandAbort.exception("KeyError", "'subsystems'")
        }
        var pending = try subsystemList.compactMap(Self.configEntries)
        var allowed = try methods(["include_aliases": .bool(includeAliases)])
        if pending.isEmpty && allowed.contains(Self.startMethod) {
            _ = try client.call(Self.startMethod, arguments: [:])
            return
        }
        try pending.forEach { try validate($0, allowed: allowed) }

        while !pending.isEmpty {
            allowed = try methods(["current": true, "include_aliases": .bool(includeAliases)])
            var progressed = false
            for index in pending.indices {
                var remaining: [JSONValue] = []
                for entry in pending[index] {
                    switch try apply(entry, allowed: allowed) {
                    case .called: progressed = true
                    case .droppedEmptyBatch: break
                    case .skipped: remaining.append(entry)
                    }
                }
                pending[index] = remaining
            }
            pending.removeAll { $0.isEmpty }
            if allowed.contains(Self.startMethod) {
                _ = try client.call(Self.startMethod, arguments: [:])
                progressed = true
            }
            if !progressed { break }
        }
        if !pending.isEmpty {
            Console.out("Some configs were skipped because the RPC state that can call them passed over.")
        }
    }

    /// Applies one `{"subsystem": name, "config": [...]}` object in the current state only.
    func loadSubsystem(_ document: JSONValue) throws {
        guard let entries = try Self.configEntries(document) else { return }
        try validate(entries, allowed: try methods([:]))
        let allowed = try methods(["current": true])
        var remaining: [JSONValue] = []
        for entry in entries where try apply(entry, allowed: allowed) == .skipped {
            remaining.append(entry)
        }
        if !remaining.isEmpty {
            Console.out("Some configs were skipped because they cannot be called in the current RPC state.")
        }
    }

    // MARK: - Entries

    /// The `config` list of a subsystem object, or nil when it is empty or null.
    private static func configEntries(_ subsystem: JSONValue) throws -> [JSONValue]? {
        guard let object = subsystem.objectValue, let config = object["config"] else {
            throw CommandAbort.exception("KeyError", "'config'")
        }
        switch config {
        case .null, .array([]), .object([:]): return nil
        case .array(let entries): return entries
        default: throw CommandAbort.exception("TypeError", "'config' is not a list")
        }
    }

    private func methods(_ arguments: JSONObject) throws -> Set<String> {
        let result = try client.call("rpc_get_methods", arguments: arguments)
        return Set((result.arrayValue ?? []).compactMap(\.stringValue))
    }

    private static func method(of entry: JSONValue) -> String? {
        entry.objectValue?["method"]?.stringValue
    }

    /// Every entry (and every call inside a batch entry) must name a method the server knows.
    private func validate(_ entries: [JSONValue], allowed: Set<String>) throws {
        for entry in entries {
            let calls = entry.arrayValue ?? [entry]
            for call in calls {
                guard let method = Self.method(of: call), allowed.contains(method) else {
                    throw RPCClientError(message: "Unknown method was included in the config file")
                }
            }
        }
    }

    private func apply(_ entry: JSONValue, allowed: Set<String>) throws -> EntryOutcome {
        let calls = entry.arrayValue ?? [entry]
        for call in calls {
            guard let method = Self.method(of: call), allowed.contains(method) else { return .skipped }
        }
        if case .array([]) = entry { return .droppedEmptyBatch }
        for call in calls {
            try send(call)
        }
        return .called
    }

    /// `client.call(**entry)`: the entry's params are sent as written (nulls included).
    private func send(_ entry: JSONValue) throws {
        guard let object = entry.objectValue, let method = Self.method(of: entry) else { return }
        for member in object where member.key != "method" && member.key != "params" {
            throw CommandAbort.exception("TypeError", "call() got an unexpected keyword argument '\(member.key)'")
        }
        switch object["params"] {
        case nil, .null?:
            _ = try client.call(method, params: [:])
        case .object(let params)?:
            _ = try client.call(method, params: params)
        default:
            throw CommandAbort.exception("TypeError", "params must be an object")
        }
    }

    // MARK: - Reading

    /// rpc.py's `json_load`: standard input when no `-j`, else the named file, else the text itself.
    static func readDocument(_ source: String?) throws -> JSONValue {
        let bytes: [UInt8]
        if let source {
            bytes = access(source, F_OK) == 0 ? try readFile(source) : Array(source.utf8)
        } else {
            bytes = readAll(STDIN_FILENO)
        }
        do {
            return try JSONValue.parse(bytes)
        } catch {
            throw CommandAbort.exception("json.decoder.JSONDecodeError", "\(error)")
        }
    }

    private static func readFile(_ path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            let code = errno
            throw CommandAbort.exception(
                "OSError",
                "[Errno \(code)] \(String(cString: strerror(code))): '\(path)'"
            )
        }
        defer { close(descriptor) }
        return readAll(descriptor)
    }

    private static func readAll(_ descriptor: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += chunk[..<count]
        }
        return bytes
    }
}
