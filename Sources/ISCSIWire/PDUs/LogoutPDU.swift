/// Logout Request, opcode 0x06 (RFC 7143 §11.14).
public struct LogoutRequestPDU: ISCSIPDUConvertible {
    public static let opcode = ISCSIOpcode.logoutRequest

    /// The reason codes of RFC 7143 §11.14.1.
    public enum Reason: UInt8, Sendable, Hashable {
        case closeSession = 0
        case closeConnection = 1
        case removeConnectionForRecovery = 2
    }

    public var isImmediate: Bool
    /// The raw reason code; `Reason(rawValue:)` names the known ones.
    public var reasonCode: UInt8
    public var initiatorTaskTag: UInt32
    /// The connection to close (for `closeConnection` and `removeConnectionForRecovery`).
    public var cid: UInt16
    public var cmdSN: UInt32
    public var expStatSN: UInt32

    /// Creates a logout request.
    public init(
        isImmediate: Bool = false,
        reason: Reason,
        initiatorTaskTag: UInt32,
        cid: UInt16,
        cmdSN: UInt32,
        expStatSN: UInt32
    ) {
        self.isImmediate = isImmediate
        self.reasonCode = reason.rawValue
        self.initiatorTaskTag = initiatorTaskTag
        self.cid = cid
        self.cmdSN = cmdSN
        self.expStatSN = expStatSN
    }

    public init(_ pdu: ISCSIPDU) throws {
        try pdu.expectOpcode(Self.opcode)
        try pdu.expectNoAdditionalHeaderSegments()
        let header = pdu.header
        self.isImmediate = header.isImmediate
        self.reasonCode = header.bytes[1] & 0x7f
        self.initiatorTaskTag = header.initiatorTaskTag
        self.cid = header.uint16(at: 20)
        self.cmdSN = header.uint32(at: 24)
        self.expStatSN = header.uint32(at: 28)
    }

    public func makePDU() -> ISCSIPDU {
        var header = ISCSIBasicHeaderSegment(opcode: Self.opcode, isImmediate: self.isImmediate)
        header.bytes[1] = 0x80 | (self.reasonCode & 0x7f)
        header.initiatorTaskTag = self.initiatorTaskTag
        header.setUInt16(self.cid, at: 20)
        header.setUInt32(self.cmdSN, at: 24)
        header.setUInt32(self.expStatSN, at: 28)
        return ISCSIPDU(header: header)
    }
}

/// Logout Response, opcode 0x26 (RFC 7143 §11.15).
public struct LogoutResponsePDU: ISCSIPDUConvertible {
    public static let opcode = ISCSIOpcode.logoutResponse

    /// The response codes of RFC 7143 §11.15.1.
    public enum Response: UInt8, Sendable, Hashable {
        case closedSuccessfully = 0
        case cidNotFound = 1
        case recoveryNotSupported = 2
        case cleanupFailed = 3
    }

    public var response: UInt8
    public var initiatorTaskTag: UInt32
    public var statSN: UInt32
    public var expCmdSN: UInt32
    public var maxCmdSN: UInt32
    public var time2Wait: UInt16
    public var time2Retain: UInt16

    /// Creates a logout response.
    public init(
        response: Response,
        initiatorTaskTag: UInt32,
        statSN: UInt32,
        expCmdSN: UInt32,
        maxCmdSN: UInt32,
        time2Wait: UInt16 = 0,
        time2Retain: UInt16 = 0
    ) {
        self.response = response.rawValue
        self.initiatorTaskTag = initiatorTaskTag
        self.statSN = statSN
        self.expCmdSN = expCmdSN
        self.maxCmdSN = maxCmdSN
        self.time2Wait = time2Wait
        self.time2Retain = time2Retain
    }

    public init(_ pdu: ISCSIPDU) throws {
        try pdu.expectOpcode(Self.opcode)
        let header = pdu.header
        self.response = header.bytes[2]
        self.initiatorTaskTag = header.initiatorTaskTag
        self.statSN = header.uint32(at: 24)
        self.expCmdSN = header.uint32(at: 28)
        self.maxCmdSN = header.uint32(at: 32)
        self.time2Wait = header.uint16(at: 40)
        self.time2Retain = header.uint16(at: 42)
    }

    public func makePDU() -> ISCSIPDU {
        var header = ISCSIBasicHeaderSegment(opcode: Self.opcode)
        header.isFinal = true
        header.bytes[2] = self.response
        header.initiatorTaskTag = self.initiatorTaskTag
        header.setUInt32(self.statSN, at: 24)
        header.setUInt32(self.expCmdSN, at: 28)
        header.setUInt32(self.maxCmdSN, at: 32)
        header.setUInt16(self.time2Wait, at: 40)
        header.setUInt16(self.time2Retain, at: 42)
        return ISCSIPDU(header: header)
    }
}
