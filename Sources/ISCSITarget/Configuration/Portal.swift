/// One listening address of a portal group, as configured (strings, like SPDK).
///
/// `host` is an IPv4 address, an IPv6 address in brackets, or a wildcard (`0.0.0.0`, `[::]`);
/// `port` is kept as the decimal string the user gave.
public struct Portal: Sendable, Hashable {
    public var host: String
    public var port: String

    public init(host: String, port: String) {
        self.host = host
        self.port = port
    }

    /// SPDK's maximum lengths of the host and port strings.
    static let maximumHostLength = 256
    static let maximumPortLength = 32

    /// The portal as a user configured it, with SPDK's rewrites: `*` → `0.0.0.0`, `[*]` → `[::]`.
    /// Returns nil when a string is too long.
    init?(configuredHost host: String, port: String) {
        guard host.utf8.count <= Self.maximumHostLength, port.utf8.count <= Self.maximumPortLength else {
            return nil
        }
        switch host {
        case "*": self.init(host: "0.0.0.0", port: port)
        case "[*]": self.init(host: "[::]", port: port)
        default: self.init(host: host, port: port)
        }
    }

    /// The host without IPv6 brackets, as socket APIs want it.
    var socketHost: String {
        if self.host.hasPrefix("["), self.host.hasSuffix("]"), self.host.count >= 2 {
            return String(self.host.dropFirst().dropLast())
        }
        return self.host
    }

    /// The host is `0.0.0.0` or `[::]`: the portal listens on every address.
    public var isWildcard: Bool { self.host == "0.0.0.0" || self.host == "[::]" }
}
