/// SNACK Request, opcode 0x10 (RFC 7143 §11.16): the initiator asks for retransmission (ERL > 0).
public struct SNACKRequestPDU: ISCSIPDUConvertible {
    public static let opcode = ISCSIOpcode.snackRequest

    /// The SNACK types of RFC 7143 §11.16.1.
    public enum SNACKType: UInt8, Sendable, Hashable {
        case dataR2T = 0
        case status = 1
        case dataACK = 2
        case rDataSNACK = 3
    }

    /// The raw type; `SNACKType(rawValue:)` names the known ones.
    public var type: UInt8
    public var logicalUnitNumber: UInt64
    public var initiatorTaskTag: UInt32
    /// The TTT (DataACK) or SNACK Tag (R-Data).
    public var targetTransferTag: UInt32
    public var expStatSN: UInt32
    public var begRun: UInt32
    public var runLength: UInt32

    /// Creates a SNACK request.
    public init(
        type: SNACKType,
        logicalUnitNumber: UInt64 = 0,
        initiatorTaskTag: UInt32,
        targetTransferTag: UInt32 = 0xffff_ffff,
        expStatSN: UInt32,
        begRun: UInt32,
        runLength: UInt32
    ) {
        self.type = type.rawValue
        self.logicalUnitNumber = logicalUnitNumber
        self.initiatorTaskTag = initiatorTaskTag
        self.targetTransferTag = targetTransferTag
        self.expStatSN = expStatSN
        self.begRun = begRun
        self.runLength = runLength
    }

    public init(_ pdu: ISCSIPDU) throws {
        try pdu.expectOpcode(Self.opcode)
        try pdu.expectNoAdditionalHeaderSegments()
        let header = pdu.header
        self.type = header.bytes[1] & 0x0f
        self.logicalUnitNumber = header.logicalUnitNumber
        self.initiatorTaskTag = header.initiatorTaskTag
        self.targetTransferTag = header.uint32(at: 20)
        self.expStatSN = header.uint32(at: 28)
        self.begRun = header.uint32(at: 40)
        self.runLength = header.uint32(at: 44)
    }

    public func makePDU() -> ISCSIPDU {
        var header = ISCSIBasicHeaderSegment(opcode: Self.opcode)
        header.bytes[1] = 0x80 | (self.type & 0x0f)
        header.logicalUnitNumber = self.logicalUnitNumber
        header.initiatorTaskTag = self.initiatorTaskTag
        header.setUInt32(self.targetTransferTag, at: 20)
        header.setUInt32(self.expStatSN, at: 28)
        header.setUInt32(self.begRun, at: 40)
        header.setUInt32(self.runLength, at: 44)
        return ISCSIPDU(header: header)
    }
}
