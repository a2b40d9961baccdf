#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An initiator group: which initiator names, from which addresses, may log in (iscsi-options.md §4).
public struct InitiatorGroupSnapshot: Sendable, Equatable {
    public var tag: Int32
    /// Names (`ANY`, an exact name, or `!name` / `!ANY` to deny), in insertion order.
    public var initiators: [String]
    /// Addresses (`ANY`, `a.b.c.d[/len]`, `[v6][/len]`), in insertion order; not validated when stored.
    public var netmasks: [String]

    public init(tag: Int32, initiators: [String] = [], netmasks: [String] = []) {
        self.tag = tag
        self.initiators = initiators
        self.netmasks = netmasks
    }

    /// The first entry matching `initiatorName` (case-insensitively) decides: `false` for a
    /// `!name`/`!ANY` entry, `true` for `name`/`ANY`; nil when no entry matches.
    public func nameDecision(_ initiatorName: String) -> Bool? {
        let name = initiatorName.lowercased()
        for entry in self.initiators {
            let lowered = entry.lowercased()
            if lowered.hasPrefix("!") {
                let denied = lowered.dropFirst()
                if denied == "any" || denied == name { return false }
            }
            if lowered == "any" || lowered == name { return true }
        }
        return nil
    }

    /// Whether some netmask entry matches `address` (an IPv4 or IPv6 address, brackets optional).
    public func allowsAddress(_ address: String) -> Bool {
        self.netmasks.contains { Self.netmask($0, matches: address) }
    }

    static func netmask(_ netmask: String, matches address: String) -> Bool {
        if netmask.lowercased() == "any" { return true }
        let (network, prefixText) = Self.split(netmask)
        let host = Self.unbracketed(address)
        if network.hasPrefix("[") {
            guard network.hasSuffix("]"),
                let networkBytes = Self.ipv6Bytes(Self.unbracketed(network)),
                let hostBytes = Self.ipv6Bytes(host),
                let prefix = Self.prefixLength(prefixText, maximum: 128)
            else { return false }
            return Self.samePrefix(networkBytes, hostBytes, bits: prefix)
        }
        guard let networkBytes = Self.ipv4Bytes(network), let hostBytes = Self.ipv4Bytes(host),
            let prefix = Self.prefixLength(prefixText, maximum: 32)
        else { return false }
        return Self.samePrefix(networkBytes, hostBytes, bits: prefix)
    }

    private static func split(_ netmask: String) -> (String, Substring?) {
        guard let slash = netmask.lastIndex(of: "/") else { return (netmask, nil) }
        return (String(netmask[..<slash]), netmask[netmask.index(after: slash)...])
    }

    private static func prefixLength(_ text: Substring?, maximum: Int) -> Int? {
        guard let text else { return maximum }
        guard let value = Int(text), (0...maximum).contains(value) else { return nil }
        return value
    }

    private static func unbracketed(_ host: String) -> String {
        guard host.hasPrefix("["), host.hasSuffix("]"), host.count >= 2 else { return host }
        return String(host.dropFirst().dropLast())
    }

    private static func ipv4Bytes(_ text: String) -> [UInt8]? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    private static func ipv6Bytes(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    private static func samePrefix(_ lhs: [UInt8], _ rhs: [UInt8], bits: Int) -> Bool {
        var remaining = bits
        for (left, right) in zip(lhs, rhs) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            guard left & mask == right & mask else { return false }
            remaining -= 8
        }
        return true
    }
}
