import NIOCore

/// Reject, opcode 0x3f (RFC 7143 §11.17): the target refuses a PDU, returning its header.
public struct RejectPDU: ISCSIPDUConvertible {
    public static let opcode = ISCSIOpcode.reject

    /// The reason codes of RFC 7143 §11.17.1.
    public enum Reason: UInt8, Sendable, Hashable {
        case dataDigestError = 0x02
        case snackReject = 0x03
        case protocolError = 0x04
        case commandNotSupported = 0x05
        case immediateCommandRejected = 0x06
        case taskInProgress = 0x07
        case invalidDataACK = 0x08
        case invalidPDUField = 0x09
        case longOperationReject = 0x0a
        case deprecated = 0x0b
        case waitingForLogout = 0x0c
    }

    /// The raw reason; `Reason(rawValue:)` names the known ones.
    public var reason: UInt8
    public var statSN: UInt32
    public var expCmdSN: UInt32
    public var maxCmdSN: UInt32
    /// DataSN/R2TSN of the rejected SNACK, else 0.
    public var dataSN: UInt32
    /// The complete header of the rejected PDU.
    public var data: ByteBuffer

    /// Creates a reject carrying `data` (the rejected header).
    public init(
        reason: Reason,
        statSN: UInt32,
        expCmdSN: UInt32,
        maxCmdSN: UInt32,
        dataSN: UInt32 = 0,
        data: ByteBuffer
    ) {
        self.reason = reason.rawValue
        self.statSN = statSN
        self.expCmdSN = expCmdSN
        self.maxCmdSN = maxCmdSN
        self.dataSN = dataSN
        self.data = data
    }

    /// Creates a reject of the PDU whose header is `rejected`.
    public init(
        reason: Reason,
        rejecting rejected: ISCSIBasicHeaderSegment,
        statSN: UInt32,
        expCmdSN: UInt32,
        maxCmdSN: UInt32,
        allocator: ByteBufferAllocator
    ) {
        var data = allocator.buffer(capacity: ISCSIBasicHeaderSegment.byteCount)
        rejected.write(into: &data)
        self.init(reason: reason, statSN: statSN, expCmdSN: expCmdSN, maxCmdSN: maxCmdSN, data: data)
    }

    public init(_ pdu: ISCSIPDU) throws {
        try pdu.expectOpcode(Self.opcode)
        let header = pdu.header
        self.reason = header.bytes[2]
        self.statSN = header.uint32(at: 24)
        self.expCmdSN = header.uint32(at: 28)
        self.maxCmdSN = header.uint32(at: 32)
        self.dataSN = header.uint32(at: 36)
        self.data = pdu.dataSegment
    }

    public func makePDU() -> ISCSIPDU {
        var header = ISCSIBasicHeaderSegment(opcode: Self.opcode)
        header.isFinal = true
        header.bytes[2] = self.reason
        header.initiatorTaskTag = 0xffff_ffff
        header.setUInt32(self.statSN, at: 24)
        header.setUInt32(self.expCmdSN, at: 28)
        header.setUInt32(self.maxCmdSN, at: 32)
        header.setUInt32(self.dataSN, at: 36)
        return ISCSIPDU(header: header, dataSegment: self.data)
    }
}
