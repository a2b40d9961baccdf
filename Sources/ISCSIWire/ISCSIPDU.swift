import NIOCore

/// One iSCSI PDU as it travels on the wire: its header, its additional header segments and its
/// data segment.
///
/// When decoded, `additionalHeaderSegments` and `dataSegment` are slices of the receive buffer (no
/// copy). When encoding, the encoder derives TotalAHSLength and DataSegmentLength from the buffers.
public struct ISCSIPDU: Sendable, Equatable {
    /// The Basic Header Segment.
    public var header: ISCSIBasicHeaderSegment
    /// The raw AHS bytes (a multiple of four), empty when there are none.
    public var additionalHeaderSegments: ByteBuffer
    /// The data segment without its padding, empty when there is none.
    public var dataSegment: ByteBuffer

    /// Creates a PDU from its parts, setting the header's TotalAHSLength and DataSegmentLength to match.
    public init(
        header: ISCSIBasicHeaderSegment,
        additionalHeaderSegments: ByteBuffer = ByteBuffer(),
        dataSegment: ByteBuffer = ByteBuffer()
    ) {
        self.header = header
        self.header.totalAHSLength = additionalHeaderSegments.readableBytes
        self.header.dataSegmentLength = dataSegment.readableBytes
        self.additionalHeaderSegments = additionalHeaderSegments
        self.dataSegment = dataSegment
    }

    /// The header's opcode.
    public var opcode: ISCSIOpcode { self.header.opcode }

    /// Throws `ISCSIWireError.unexpectedOpcode` unless the header carries `opcode`.
    func expectOpcode(_ opcode: ISCSIOpcode) throws {
        guard self.header.opcode == opcode else {
            throw ISCSIWireError.unexpectedOpcode(expected: opcode, actual: self.header.opcode)
        }
    }

    /// Throws `ISCSIWireError.malformedAdditionalHeaderSegment` when the PDU carries additional header segments:
    /// RFC 7143 defines them for SCSI Commands only.
    func expectNoAdditionalHeaderSegments() throws {
        guard self.additionalHeaderSegments.readableBytes == 0 else {
            throw ISCSIWireError.malformedAdditionalHeaderSegment
        }
    }
}

/// A PDU type with a typed view over the raw `ISCSIPDU`.
public protocol ISCSIPDUConvertible: Sendable {
    /// The opcode every PDU of this type carries.
    static var opcode: ISCSIOpcode { get }

    /// Decodes the typed view of `pdu`, throwing `ISCSIWireError` when the opcode or a field is invalid.
    init(_ pdu: ISCSIPDU) throws

    /// The raw PDU, ready for the encoder.
    func makePDU() -> ISCSIPDU
}
