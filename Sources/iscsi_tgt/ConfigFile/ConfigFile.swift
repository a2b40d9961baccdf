import Glibc
import JSONRPC

/// Why a `-c` file cannot be used at all (config-file.md §1).
enum ConfigFileError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read; `errno` of the failing call.
    case unreadable(path: String, errno: Int32)
    /// The text is not one JSON value (comments allowed).
    case invalidJSON(path: String, reason: String)
    /// The JSON is not `{"subsystems": [{"subsystem": name, "config": [entries] | null}, ...]}`.
    case invalidStructure(path: String, reason: String)

    var description: String {
        switch self {
        case .unreadable(let path, let code):
            "Read JSON configuration file \(path) failed: \(String(cString: strerror(code)))"
        case .invalidJSON(let path, let reason):
            "Parsing JSON configuration file \(path) failed: \(reason)"
        case .invalidStructure(let path, let reason):
            "Invalid JSON configuration file \(path): \(reason)"
        }
    }
}

/// A parsed JSON configuration file: its entries in file order, batches flattened.
struct ConfigFile: Sendable, Equatable {
    /// One `{"method": ..., "params": ...}` entry and the subsystem it is listed under.
    struct Entry: Sendable, Equatable {
        var subsystem: String
        var method: String
        var params: JSONValue?
    }

    /// The file's path, for messages.
    var path: String
    /// Every entry, in order.
    var entries: [Entry]
    /// True when the top-level object had no `subsystems` key (SPDK: only a warning).
    var lacksSubsystems: Bool

    init(path: String, entries: [Entry], lacksSubsystems: Bool) {
        self.path = path
        self.entries = entries
        self.lacksSubsystems = lacksSubsystems
    }

    /// Reads and parses the file at `path`.
    static func read(path: String) throws(ConfigFileError) -> ConfigFile {
        let bytes: [UInt8]
        do {
            bytes = try FileContents.read(path: path)
        } catch {
            throw .unreadable(path: path, errno: error.code)
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes, allowComments: true)
        } catch {
            throw .invalidJSON(path: path, reason: "\(error)")
        }
        return try ConfigFile(path: path, value: value)
    }

    /// Checks the structure of a parsed configuration.
    init(path: String, value: JSONValue) throws(ConfigFileError) {
        self.path = path
        guard case .object(let root) = value else {
            throw .invalidStructure(path: path, reason: "the top level is not a JSON object")
        }
        guard let subsystems = root["subsystems"] else {
            self.entries = []
            self.lacksSubsystems = true
            return
        }
        guard case .array(let list) = subsystems else {
            throw .invalidStructure(path: path, reason: "'subsystems' is not an array")
        }
        var entries: [Entry] = []
        for (index, item) in list.enumerated() {
            guard case .object(let subsystem) = item, case .string(let name)? = subsystem["subsystem"] else {
                throw .invalidStructure(path: path, reason: "subsystems[\(index)] has no 'subsystem' name")
            }
            switch subsystem["config"] {
            case nil, .null?:
                continue
            case .array(let config)?:
                for element in config {
                    let batch: [JSONValue]
                    if case .array(let items) = element { batch = items } else { batch = [element] }
                    for item in batch {
                        entries.append(try Self.entry(item, subsystem: name, path: path))
                    }
                }
            default:
                throw .invalidStructure(path: path, reason: "the config of subsystem '\(name)' is not an array")
            }
        }
        self.entries = entries
        self.lacksSubsystems = false
    }

    private static func entry(_ value: JSONValue, subsystem: String, path: String) throws(ConfigFileError) -> Entry {
        guard case .object(let object) = value, case .string(let method)? = object["method"] else {
            throw .invalidStructure(path: path, reason: "an entry of subsystem '\(subsystem)' has no 'method' string")
        }
        switch object["params"] {
        case nil, .null?, .object?:
            return Entry(subsystem: subsystem, method: method, params: object["params"])
        default:
            throw .invalidStructure(path: path, reason: "the params of '\(method)' are not an object")
        }
    }
}
