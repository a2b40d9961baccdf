/// Errors of the iSCSI PDU codec.
///
/// The decoder consumes a PDU before reporting `dataDigestMismatch`, so decoding can continue after
/// it; the other decoder errors leave the stream unsynchronised and call for dropping the connection.
public enum ISCSIWireError: Error, Sendable {
    /// The header digest did not match: the header cannot be trusted, so the connection must be dropped.
    case headerDigestMismatch(expected: UInt32, received: UInt32)
    /// The data digest did not match; the PDU was consumed and is handed back for Reject / recovery.
    case dataDigestMismatch(ISCSIPDU)
    /// DataSegmentLength exceeds the negotiated MaxRecvDataSegmentLength.
    case dataSegmentTooLong(length: Int, limit: Int)
    /// The opcode is not one this decoding step accepts (unknown, or sent by the wrong side).
    case unknownOpcode(ISCSIOpcode)
    /// A typed view was asked for a PDU of another opcode.
    case unexpectedOpcode(expected: ISCSIOpcode, actual: ISCSIOpcode)
    /// The additional header segments are malformed (bad length or type).
    case malformedAdditionalHeaderSegment
    /// A header field holds a value the protocol does not allow.
    case invalidField(String)
}
