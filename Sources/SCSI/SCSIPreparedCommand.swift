/// A command that passed decoding and validation, ready for ``SCSIDevice/execute(_:dataOut:dataIn:nexus:)``.
public struct SCSIPreparedCommand: Sendable {
    /// The logical unit addressed, or nil when the LUN has none (only INQUIRY and REPORT LUNS get here).
    let logicalUnit: LogicalUnit?
    /// The decoded CDB.
    public let operation: SCSIOperation
    /// The bytes of data-out the command needs, exactly: the transport collects this many (immediate data,
    /// unsolicited Data-Out, R2Ts) before executing. 0 for commands that send no data to the target.
    /// Never more than the expected data transfer length (EDTL). A block write whose CDB asks for more than the EDTL
    /// writes only the first EDTL bytes (residual overflow, RFC 7143 §11.4.5.1).
    public let dataOutLength: Int
    /// The bytes the CDB itself asks to move, for block reads and writes (blocks × block size), whatever the
    /// EDTL; the transport reports the residual against it. Nil for other commands, whose residual is measured
    /// from the data actually moved.
    public let transferLength: Int?
    /// The most data-in bytes the command will produce: min(allocation length, expected data transfer length).
    public let dataInLimit: Int
}

/// The outcome of ``SCSIDevice/prepare(_:nexus:)``.
public enum SCSIPreparation: Sendable {
    /// Collect ``SCSIPreparedCommand/dataOutLength`` bytes of data-out, then execute.
    case ready(SCSIPreparedCommand)
    /// The command is answered without running it (a CHECK CONDITION): send this response now and solicit no
    /// data; any unsolicited data the initiator sends for it is discarded.
    case completed(SCSICompletion)
}
