/// A connection's StatSN counter (RFC 7143 §4.2.2.2): every response that carries status takes the next
/// number.
public struct StatusSequence: Hashable, Sendable {
    /// The StatSN the next status-bearing response will carry.
    public private(set) var next: SerialNumber

    /// Starts numbering at `first`; the target chooses it (SPDK starts every connection at 0).
    public init(first: SerialNumber) {
        self.next = first
    }

    /// Takes the next StatSN.
    public mutating func assign() -> SerialNumber {
        defer { self.next = self.next.advanced(by: 1) }
        return self.next
    }
}
