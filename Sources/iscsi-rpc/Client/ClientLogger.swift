/// The messages rpc.py's client logs to stderr as `LEVEL: message` when `-v`/`--verbose` is given.
struct ClientLogger {
    /// Python logging levels; the raw value is what rpc.py prints in "Log level set to N".
    enum Level: Int {
        case debug = 10
        case info = 20
        case error = 40

        /// Parses a `--verbose` choice.
        init?(name: String) {
            switch name {
            case "DEBUG": self = .debug
            case "INFO": self = .info
            case "ERROR": self = .error
            default: return nil
            }
        }
    }

    var level: Level

    func debug(_ message: @autoclosure () -> String) {
        if level.rawValue <= Level.debug.rawValue {
            Console.err("DEBUG: " + message())
        }
    }

    func info(_ message: @autoclosure () -> String) {
        if level.rawValue <= Level.info.rawValue {
            Console.err("INFO: " + message())
        }
    }
}
