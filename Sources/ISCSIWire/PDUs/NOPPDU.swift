import NIOCore

/// NOP-Out, opcode 0x00 (RFC 7143 §11.18): a ping from the initiator, or its answer to a NOP-In.
public struct NOPOutPDU: ISCSIPDUConvertible {
    public static let opcode = ISCSIOpcode.nopOut

    public var isImmediate: Bool
    public var logicalUnitNumber: UInt64
    /// 0xffffffff when the NOP-Out answers a NOP-In and wants no response.
    public var initiatorTaskTag: UInt32
    /// The TTT of the NOP-In being answered, else 0xffffffff.
    public var targetTransferTag: UInt32
    public var cmdSN: UInt32
    public var expStatSN: UInt32
    /// Ping data, echoed in the NOP-In.
    public var data: ByteBuffer

    /// Creates a NOP-Out.
    public init(
        isImmediate: Bool = true,
        logicalUnitNumber: UInt64 = 0,
        initiatorTaskTag: UInt32,
        targetTransferTag: UInt32 = 0xffff_ffff,
        cmdSN: UInt32,
        expStatSN: UInt32,
        data: ByteBuffer = ByteBuffer()
    ) {
        self.isImmediate = isImmediate
        self.logicalUnitNumber = logicalUnitNumber
        self.initiatorTaskTag = initiatorTaskTag
        self.targetTransferTag = targetTransferTag
        self.cmdSN = cmdSN
        self.expStatSN = expStatSN
        self.data = data
    }

    public init(_ pdu: ISCSIPDU) throws {
        try pdu.expectOpcode(Self.opcode)
        try pdu.expectNoAdditionalHeaderSegments()
        let header = pdu.header
        self.isImmediate = header.isImmediate
        self.logicalUnitNumber = header.logicalUnitNumber
        self.initiatorTaskTag = header.initiatorTaskTag
        self.targetTransferTag = header.uint32(at: 20)
        self.cmdSN = header.uint32(at: 24)
        self.expStatSN = header.uint32(at: 28)
        self.data = pdu.dataSegment
    }

    public func makePDU() -> ISCSIPDU {
        var header = ISCSIBasicHeaderSegment(opcode: Self.opcode, isImmediate: self.isImmediate)
        header.isFinal = true
        header.logicalUnitNumber = self.logicalUnitNumber
        header.initiatorTaskTag = self.initiatorTaskTag
        header.setUInt32(self.targetTransferTag, at: 20)
        header.setUInt32(self.cmdSN, at: 24)
        header.setUInt32(self.expStatSN, at: 28)
        return ISCSIPDU(header: header, dataSegment: self.data)
    }
}

/// NOP-In, opcode 0x20 (RFC 7143 §11.19): the answer to a NOP-Out, or a ping from the target.
public struct NOPInPDU: ISCSIPDUConvertible {
    public static let opcode = ISCSIOpcode.nopIn

    public var logicalUnitNumber: UInt64
    /// The NOP-Out's ITT when answering, else 0xffffffff.
    public var initiatorTaskTag: UInt32
    /// 0xffffffff when answering; a tag the initiator must echo when the target pings.
    public var targetTransferTag: UInt32
    public var statSN: UInt32
    public var expCmdSN: UInt32
    public var maxCmdSN: UInt32
    /// Echoed ping data.
    public var data: ByteBuffer

    /// Creates a NOP-In.
    public init(
        logicalUnitNumber: UInt64 = 0,
        initiatorTaskTag: UInt32,
        targetTransferTag: UInt32 = 0xffff_ffff,
        statSN: UInt32,
        expCmdSN: UInt32,
        maxCmdSN: UInt32,
        data: ByteBuffer = ByteBuffer()
    ) {
        self.logicalUnitNumber = logicalUnitNumber
        self.initiatorTaskTag = initiatorTaskTag
        self.targetTransferTag = targetTransferTag
        self.statSN = statSN
        self.expCmdSN = expCmdSN
        self.maxCmdSN = maxCmdSN
        self.data = data
    }

    public init(_ pdu: ISCSIPDU) throws {
        try pdu.expectOpcode(Self.opcode)
        let header = pdu.header
        self.logicalUnitNumber = header.logicalUnitNumber
        self.initiatorTaskTag = header.initiatorTaskTag
        self.targetTransferTag = header.uint32(at: 20)
        self.statSN = header.uint32(at: 24)
        self.expCmdSN = header.uint32(at: 28)
        self.maxCmdSN = header.uint32(at: 32)
        self.data = pdu.dataSegment
    }

    public func makePDU() -> ISCSIPDU {
        var header = ISCSIBasicHeaderSegment(opcode: Self.opcode)
        header.isFinal = true
        header.logicalUnitNumber = self.logicalUnitNumber
        header.initiatorTaskTag = self.initiatorTaskTag
        header.setUInt32(self.targetTransferTag, at: 20)
        header.setUInt32(self.statSN, at: 24)
        header.setUInt32(self.expCmdSN, at: 28)
        header.setUInt32(self.maxCmdSN, at: 32)
        return ISCSIPDU(header: header, dataSegment: self.data)
    }
}
