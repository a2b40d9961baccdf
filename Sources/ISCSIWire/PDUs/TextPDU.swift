import NIOCore

/// Text Request, opcode 0x04 (RFC 7143 §11.10).
public struct TextRequestPDU: ISCSIPDUConvertible {
    public static let opcode = ISCSIOpcode.textRequest

    public var isImmediate: Bool
    /// F: the last PDU of this text request.
    public var isFinal: Bool
    /// C: the text is continued in the next PDU.
    public var isContinue: Bool
    public var logicalUnitNumber: UInt64
    public var initiatorTaskTag: UInt32
    /// 0xffffffff to start a new exchange, else the TTT of the response being continued.
    public var targetTransferTag: UInt32
    public var cmdSN: UInt32
    public var expStatSN: UInt32
    /// Text key=value pairs.
    public var data: ByteBuffer

    /// Creates a text request.
    public init(
        isImmediate: Bool = false,
        isFinal: Bool = true,
        isContinue: Bool = false,
        logicalUnitNumber: UInt64 = 0,
        initiatorTaskTag: UInt32,
        targetTransferTag: UInt32 = 0xffff_ffff,
        cmdSN: UInt32,
        expStatSN: UInt32,
        data: ByteBuffer
    ) {
        self.isImmediate = isImmediate
        self.isFinal = isFinal
        self.isContinue = isContinue
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
        self.isFinal = header.isFinal
        self.isContinue = header.bytes[1] & 0x40 != 0
        self.logicalUnitNumber = header.logicalUnitNumber
        self.initiatorTaskTag = header.initiatorTaskTag
        self.targetTransferTag = header.uint32(at: 20)
        self.cmdSN = header.uint32(at: 24)
        self.expStatSN = header.uint32(at: 28)
        self.data = pdu.dataSegment
    }

    public func makePDU() -> ISCSIPDU {
        var header = ISCSIBasicHeaderSegment(opcode: Self.opcode, isImmediate: self.isImmediate)
        header.isFinal = self.isFinal
        header.setBit(0x40, ofByte: 1, to: self.isContinue)
        header.logicalUnitNumber = self.logicalUnitNumber
        header.initiatorTaskTag = self.initiatorTaskTag
        header.setUInt32(self.targetTransferTag, at: 20)
        header.setUInt32(self.cmdSN, at: 24)
        header.setUInt32(self.expStatSN, at: 28)
        return ISCSIPDU(header: header, dataSegment: self.data)
    }
}

/// Text Response, opcode 0x24 (RFC 7143 §11.11).
public struct TextResponsePDU: ISCSIPDUConvertible {
    public static let opcode = ISCSIOpcode.textResponse

    /// F: the last PDU of this text response.
    public var isFinal: Bool
    /// C: more text follows (the initiator sends an empty Text Request to fetch it).
    public var isContinue: Bool
    public var logicalUnitNumber: UInt64
    public var initiatorTaskTag: UInt32
    /// 0xffffffff when final, else a tag the initiator echoes to continue.
    public var targetTransferTag: UInt32
    public var statSN: UInt32
    public var expCmdSN: UInt32
    public var maxCmdSN: UInt32
    /// Text key=value pairs.
    public var data: ByteBuffer

    /// Creates a text response.
    public init(
        isFinal: Bool = true,
        isContinue: Bool = false,
        logicalUnitNumber: UInt64 = 0,
        initiatorTaskTag: UInt32,
        targetTransferTag: UInt32 = 0xffff_ffff,
        statSN: UInt32,
        expCmdSN: UInt32,
        maxCmdSN: UInt32,
        data: ByteBuffer
    ) {
        self.isFinal = isFinal
        self.isContinue = isContinue
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
        self.isFinal = header.isFinal
        self.isContinue = header.bytes[1] & 0x40 != 0
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
        header.isFinal = self.isFinal
        header.setBit(0x40, ofByte: 1, to: self.isContinue)
        header.logicalUnitNumber = self.logicalUnitNumber
        header.initiatorTaskTag = self.initiatorTaskTag
        header.setUInt32(self.targetTransferTag, at: 20)
        header.setUInt32(self.statSN, at: 24)
        header.setUInt32(self.expCmdSN, at: 28)
        header.setUInt32(self.maxCmdSN, at: 32)
        return ISCSIPDU(header: header, dataSegment: self.data)
    }
}
