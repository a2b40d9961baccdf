/// A 32-bit iSCSI sequence number (CmdSN, StatSN, DataSN, R2TSN) compared with serial number
/// arithmetic (RFC 1982, as required by RFC 7143 §4.2.2.1), so that ordering survives the wrap at 2^32.
public struct SerialNumber: Hashable, Sendable, CustomStringConvertible {
    /// The raw value as carried on the wire.
    public var rawValue: UInt32

    /// Wraps a raw wire value.
    public init(_ rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public var description: String { String(self.rawValue) }

    /// `self + distance`, wrapping at 2^32.
    public func advanced(by distance: UInt32) -> SerialNumber {
        SerialNumber(self.rawValue &+ distance)
    }

    /// The forward distance from `other` to `self`, modulo 2^32.
    public func distance(from other: SerialNumber) -> UInt32 {
        self.rawValue &- other.rawValue
    }

    /// `self < other` in serial number arithmetic; false when the two are 2^31 apart (undefined in RFC 1982).
    public func precedes(_ other: SerialNumber) -> Bool {
        let forward = other.rawValue &- self.rawValue
        return forward != 0 && forward < 1 << 31
    }

    /// `self > other` in serial number arithmetic; false when the two are 2^31 apart (undefined in RFC 1982).
    public func follows(_ other: SerialNumber) -> Bool {
        other.precedes(self)
    }

    /// Whether `self` lies in the closed window `[lower, upper]` walked forward from `lower`.
    public func isWithin(lower: SerialNumber, upper: SerialNumber) -> Bool {
        !self.precedes(lower) && !self.follows(upper) && !upper.precedes(lower)
    }
}
