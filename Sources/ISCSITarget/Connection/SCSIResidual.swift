/// The residual of a SCSI command (RFC 7143 §11.4.5): how far the data the command wanted to move
/// differs from the initiator's Expected Data Transfer Length.
struct SCSIResidual: Hashable, Sendable {
    /// The command wanted more than expected (O bit).
    var overflow: Bool
    /// The command wanted less than expected (U bit).
    var underflow: Bool
    /// The difference, in bytes (Residual Count).
    var count: UInt32

    /// The residual between `expected` bytes and the `actual` bytes the command wanted to move.
    init(expected: UInt32, actual: Int) {
        let expected = Int(expected)
        self.overflow = actual > expected
        self.underflow = actual < expected
        self.count = UInt32(clamping: abs(actual - expected))
    }

    /// No residual.
    static let none = SCSIResidual(expected: 0, actual: 0)
}
