#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why the RPC server could not start.
public enum RPCServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Another process holds `<path>.lock`.
    case socketInUse(String)
    /// The socket path, or its `.lock` companion, does not fit in `sun_path` (108 bytes with the NUL).
    case pathTooLong(String)
    /// The lock file could not be opened.
    case lockFailed(String, errno: Int32)

    public var description: String {
        switch self {
        case .socketInUse(let path):
            return "RPC Unix domain socket path \(path) in use. Specify another."
        case .pathTooLong(let path):
            return "RPC Listen address Unix socket path too long: \(path)"
        case .lockFailed(let path, let error):
            return "Cannot open lock file \(path): \(String(cString: strerror(error)))"
        }
    }
}
