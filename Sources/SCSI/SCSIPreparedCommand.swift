/// A command that passed decoding and validation, ready for ``SCSIDevice/execute(_:dataOut:dataIn:nexus:)``.
public struct SCSIPreparedCommand: Sendable {
    /// The logical unit addressed, or nil when the LUN has none (only INQUIRY and REPORT LUNS get here).
    let logicalUnit: LogicalUnit?
    /// The decoded CDB.
    public let operation: SCSIOperation
    /// The bytes of data-out the command needs, exactly: the transport collects this many (immediate data,
    /// unsolicited Data-Out, R2Ts) before executing. 0 for commands that send no data to the target.
    /// Never more than the expected data transfer length; the difference is the write's residual underflow.
    public let dataOutLength: Int
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
