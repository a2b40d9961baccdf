import NIOCore

/// A login stage, as carried in the CSG and NSG fields (RFC 7143 §11.12.3).
public enum ISCSILoginStage: UInt8, Sendable, Hashable {
    case securityNegotiation = 0
    case loginOperationalNegotiation = 1
    case fullFeaturePhase = 3

    /// Decodes a two-bit stage field; the reserved value 2 is an error.
    init(field: UInt8) throws {
        guard let stage = ISCSILoginStage(rawValue: field & 0x03) else {
            throw ISCSIWireError.invalidField("login stage 2 is reserved")
        }
        self = stage
    }
}

/// Login Request, opcode 0x03 (RFC 7143 §11.12).
public struct LoginRequestPDU: ISCSIPDUConvertible {
    public static let opcode = ISCSIOpcode.loginRequest

    /// T: the initiator is ready to move to `nextStage`.
    public var isTransit: Bool
    /// C: the text is continued in the next PDU.
    public var isContinue: Bool
    public var currentStage: ISCSILoginStage
    /// NSG; meaningful only when `isTransit` is set.
    public var nextStage: ISCSILoginStage
    public var versionMax: UInt8
    public var versionMin: UInt8
    /// The 6-byte Initiator Session ID, in the low 48 bits.
    public var isid: UInt64
    public var tsih: UInt16
    public var initiatorTaskTag: UInt32
    public var cid: UInt16
    public var cmdSN: UInt32
    public var expStatSN: UInt32
    /// Text key=value pairs (see `TextKeyValues`).
    public var data: ByteBuffer

    /// Creates a login request.
    public init(
        isTransit: Bool,
        isContinue: Bool = false,
        currentStage: ISCSILoginStage,
        nextStage: ISCSILoginStage,
        versionMax: UInt8 = 0,
        versionMin: UInt8 = 0,
        isid: UInt64,
        tsih: UInt16,
        initiatorTaskTag: UInt32,
        cid: UInt16,
        cmdSN: UInt32,
        expStatSN: UInt32,
        data: ByteBuffer
    ) {
        self.isTransit = isTransit
        self.isContinue = isContinue
        self.currentStage = currentStage
        self.nextStage = nextStage
        self.versionMax = versionMax
        self.versionMin = versionMin
        self.isid = isid
        self.tsih = tsih
        self.initiatorTaskTag = initiatorTaskTag
        self.cid = cid
        self.cmdSN = cmdSN
        self.expStatSN = expStatSN
        self.data = data
    }

    public init(_ pdu: ISCSIPDU) throws {
        try pdu.expectOpcode(Self.opcode)
        try pdu.expectNoAdditionalHeaderSegments()
        let header = pdu.header
        self.isTransit = header.bytes[1] & 0x80 != 0
        self.isContinue = header.bytes[1] & 0x40 != 0
        self.currentStage = try ISCSILoginStage(field: header.bytes[1] >> 2)
        self.nextStage = self.isTransit ? try ISCSILoginStage(field: header.bytes[1]) : self.currentStage
        self.versionMax = header.bytes[2]
        self.versionMin = header.bytes[3]
        self.isid = header.uint64(at: 8) >> 16
        self.tsih = header.uint16(at: 14)
        self.initiatorTaskTag = header.initiatorTaskTag
        self.cid = header.uint16(at: 20)
        self.cmdSN = header.uint32(at: 24)
        self.expStatSN = header.uint32(at: 28)
        self.data = pdu.dataSegment
    }

    public func makePDU() -> ISCSIPDU {
        var header = ISCSIBasicHeaderSegment(opcode: Self.opcode, isImmediate: true)
        header.bytes[1] = Self.stageByte(
            transit: self.isTransit,
            continue: self.isContinue,
            current: self.currentStage,
            next: self.nextStage
        )
        header.bytes[2] = self.versionMax
        header.bytes[3] = self.versionMin
        header.setUInt64(self.isid << 16 | UInt64(self.tsih), at: 8)
        header.initiatorTaskTag = self.initiatorTaskTag
        header.setUInt16(self.cid, at: 20)
        header.setUInt32(self.cmdSN, at: 24)
        header.setUInt32(self.expStatSN, at: 28)
        return ISCSIPDU(header: header, dataSegment: self.data)
    }

    /// Byte 1 of a login request or response: T, C, CSG and NSG (NSG is 0 unless T is set).
    static func stageByte(
        transit: Bool,
        continue isContinue: Bool,
        current: ISCSILoginStage,
        next: ISCSILoginStage
    ) -> UInt8 {
        (transit ? 0x80 : 0) | (isContinue ? 0x40 : 0) | current.rawValue << 2 | (transit ? next.rawValue : 0)
    }
}

/// The status of a Login Response: class and detail (RFC 7143 §11.13.5).
public struct ISCSILoginStatus: Sendable, Hashable, CustomStringConvertible {
    /// Status-Class: 0 success, 1 redirection, 2 initiator error, 3 target error.
    public var statusClass: UInt8
    /// Status-Detail within the class.
    public var statusDetail: UInt8

    /// Creates a status from its class and detail.
    public init(statusClass: UInt8, statusDetail: UInt8) {
        self.statusClass = statusClass
        self.statusDetail = statusDetail
    }

    public static let success = ISCSILoginStatus(statusClass: 0, statusDetail: 0)
    public static let targetMovedTemporarily = ISCSILoginStatus(statusClass: 1, statusDetail: 1)
    public static let targetMovedPermanently = ISCSILoginStatus(statusClass: 1, statusDetail: 2)
    public static let initiatorError = ISCSILoginStatus(statusClass: 2, statusDetail: 0)
    public static let authenticationFailure = ISCSILoginStatus(statusClass: 2, statusDetail: 1)
    public static let authorizationFailure = ISCSILoginStatus(statusClass: 2, statusDetail: 2)
    public static let notFound = ISCSILoginStatus(statusClass: 2, statusDetail: 3)
    public static let targetRemoved = ISCSILoginStatus(statusClass: 2, statusDetail: 4)
    public static let unsupportedVersion = ISCSILoginStatus(statusClass: 2, statusDetail: 5)
    public static let tooManyConnections = ISCSILoginStatus(statusClass: 2, statusDetail: 6)
    public static let missingParameter = ISCSILoginStatus(statusClass: 2, statusDetail: 7)
    public static let cannotIncludeInSession = ISCSILoginStatus(statusClass: 2, statusDetail: 8)
    public static let sessionTypeNotSupported = ISCSILoginStatus(statusClass: 2, statusDetail: 9)
    public static let sessionDoesNotExist = ISCSILoginStatus(statusClass: 2, statusDetail: 10)
    public static let invalidDuringLogin = ISCSILoginStatus(statusClass: 2, statusDetail: 11)
    public static let targetError = ISCSILoginStatus(statusClass: 3, statusDetail: 0)
    public static let serviceUnavailable = ISCSILoginStatus(statusClass: 3, statusDetail: 1)
    public static let outOfResources = ISCSILoginStatus(statusClass: 3, statusDetail: 2)

    public var description: String {
        "0x" + String(UInt16(self.statusClass) << 8 | UInt16(self.statusDetail), radix: 16)
    }
}

/// Login Response, opcode 0x23 (RFC 7143 §11.13).
public struct LoginResponsePDU: ISCSIPDUConvertible {
    public static let opcode = ISCSIOpcode.loginResponse

    public var isTransit: Bool
    public var isContinue: Bool
    public var currentStage: ISCSILoginStage
    public var nextStage: ISCSILoginStage
    public var versionMax: UInt8
    public var versionActive: UInt8
    /// The 6-byte Initiator Session ID, in the low 48 bits.
    public var isid: UInt64
    public var tsih: UInt16
    public var initiatorTaskTag: UInt32
    public var statSN: UInt32
    public var expCmdSN: UInt32
    public var maxCmdSN: UInt32
    public var status: ISCSILoginStatus
    /// Text key=value pairs.
    public var data: ByteBuffer

    /// Creates a login response.
    public init(
        isTransit: Bool,
        isContinue: Bool = false,
        currentStage: ISCSILoginStage,
        nextStage: ISCSILoginStage,
        versionMax: UInt8 = 0,
        versionActive: UInt8 = 0,
        isid: UInt64,
        tsih: UInt16,
        initiatorTaskTag: UInt32,
        statSN: UInt32,
        expCmdSN: UInt32,
        maxCmdSN: UInt32,
        status: ISCSILoginStatus,
        data: ByteBuffer = ByteBuffer()
    ) {
        self.isTransit = isTransit
        self.isContinue = isContinue
        self.currentStage = currentStage
        self.nextStage = nextStage
        self.versionMax = versionMax
        self.versionActive = versionActive
        self.isid = isid
        self.tsih = tsih
        self.initiatorTaskTag = initiatorTaskTag
        self.statSN = statSN
        self.expCmdSN = expCmdSN
        self.maxCmdSN = maxCmdSN
        self.status = status
        self.data = data
    }

    public init(_ pdu: ISCSIPDU) throws {
        try pdu.expectOpcode(Self.opcode)
        let header = pdu.header
        self.isTransit = header.bytes[1] & 0x80 != 0
        self.isContinue = header.bytes[1] & 0x40 != 0
        self.currentStage = try ISCSILoginStage(field: header.bytes[1] >> 2)
        self.nextStage = self.isTransit ? try ISCSILoginStage(field: header.bytes[1]) : self.currentStage
        self.versionMax = header.bytes[2]
        self.versionActive = header.bytes[3]
        self.isid = header.uint64(at: 8) >> 16
        self.tsih = header.uint16(at: 14)
        self.initiatorTaskTag = header.initiatorTaskTag
        self.statSN = header.uint32(at: 24)
        self.expCmdSN = header.uint32(at: 28)
        self.maxCmdSN = header.uint32(at: 32)
        self.status = ISCSILoginStatus(statusClass: header.bytes[36], statusDetail: header.bytes[37])
        self.data = pdu.dataSegment
    }

    public func makePDU() -> ISCSIPDU {
        var header = ISCSIBasicHeaderSegment(opcode: Self.opcode)
        header.bytes[1] = LoginRequestPDU.stageByte(
            transit: self.isTransit,
            continue: self.isContinue,
            current: self.currentStage,
            next: self.nextStage
        )
        header.bytes[2] = self.versionMax
        header.bytes[3] = self.versionActive
        header.setUInt64(self.isid << 16 | UInt64(self.tsih), at: 8)
        header.initiatorTaskTag = self.initiatorTaskTag
        header.setUInt32(self.statSN, at: 24)
        header.setUInt32(self.expCmdSN, at: 28)
        header.setUInt32(self.maxCmdSN, at: 32)
        header.bytes[36] = self.status.statusClass
        header.bytes[37] = self.status.statusDetail
        return ISCSIPDU(header: header, dataSegment: self.data)
    }
}
