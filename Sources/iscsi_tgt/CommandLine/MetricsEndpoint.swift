/// Where `--metrics HOST:PORT` serves Prometheus metrics: an IPv4 address or name, or a bracketed IPv6 address,
/// and a port.
struct MetricsEndpoint: Equatable, Sendable, CustomStringConvertible {
    var host: String
    var port: Int

    /// Parses `127.0.0.1:9100`, `localhost:9100` or `[::1]:9100`; nil when the host or port is missing or bad.
    init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65535).contains(port)
        else { return nil }
        var host = text[..<colon]
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = host.dropFirst().dropLast()
        } else if host.contains(":") {
            return nil
        }
        guard !host.isEmpty else { return nil }
        self.host = String(host)
        self.port = port
    }

    var description: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }
}
