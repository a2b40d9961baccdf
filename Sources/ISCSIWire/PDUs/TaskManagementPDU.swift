/// Task Management Function Request, opcode 0x02 (RFC 7143 §11.5).
public struct TaskManagementRequestPDU: ISCSIPDUConvertible {
    public static let opcode = ISCSIOpcode.taskManagementRequest

    /// The function codes of RFC 7143 §11.5.1 and RFC 7144 §4.1.
    public enum Function: UInt8, Sendable, Hashable {
        case abortTask = 1
        case abortTaskSet = 2
        case clearACA = 3
        case clearTaskSet = 4
        case logicalUnitReset = 5
        case targetWarmReset = 6
        case targetColdReset = 7
        case taskReassign = 8
        case queryTask = 9
        case queryTaskSet = 10
        case itNexusReset = 11
        case queryAsynchronousEvent = 12
    }

    public var isImmediate: Bool
    /// The raw function code; `Function(rawValue:)` names the known ones.
    public var function: UInt8
    public var logicalUnitNumber: UInt64
    public var initiatorTaskTag: UInt32
    public var referencedTaskTag: UInt32
    public var cmdSN: UInt32
    public var expStatSN: UInt32
    public var refCmdSN: UInt32
    public var expDataSN: UInt32

    /// Creates a task management request.
    public init(
        isImmediate: Bool = true,
        function: Function,
        logicalUnitNumber: UInt64,
        initiatorTaskTag: UInt32,
        referencedTaskTag: UInt32 = 0xffff_ffff,
        cmdSN: UInt32,
        expStatSN: UInt32,
        refCmdSN: UInt32 = 0,
        expDataSN: UInt32 = 0
    ) {
        self.isImmediate = isImmediate
        self.function = function.rawValue
        self.logicalUnitNumber = logicalUnitNumber
        self.initiatorTaskTag = initiatorTaskTag
        self.referencedTaskTag = referencedTaskTag
        self.cmdSN = cmdSN
        self.expStatSN = expStatSN
        self.refCmdSN = refCmdSN
        self.expDataSN = expDataSN
    }

    public init(_ pdu: ISCSIPDU) throws {
        try pdu.expectOpcode(Self.opcode)
        try pdu.expectNoAdditionalHeaderSegments()
        let header = pdu.header
        self.isImmediate = header.isImmediate
        self.function = header.bytes[1] & 0x7f
        self.logicalUnitNumber = header.logicalUnitNumber
        self.initiatorTaskTag = header.initiatorTaskTag
        self.referencedTaskTag = header.uint32(at: 20)
        self.cmdSN = header.uint32(at: 24)
        self.expStatSN = header.uint32(at: 28)
        self.refCmdSN = header.uint32(at: 32)
        self.expDataSN = header.uint32(at: 36)
    }

    public func makePDU() -> ISCSIPDU {
        var header = ISCSIBasicHeaderSegment(opcode: Self.opcode, isImmediate: self.isImmediate)
        header.bytes[1] = 0x80 | (self.function & 0x7f)
        header.logicalUnitNumber = self.logicalUnitNumber
        header.initiatorTaskTag = self.initiatorTaskTag
        header.setUInt32(self.referencedTaskTag, at: 20)
        header.setUInt32(self.cmdSN, at: 24)
        header.setUInt32(self.expStatSN, at: 28)
        header.setUInt32(self.refCmdSN, at: 32)
        header.setUInt32(self.expDataSN, at: 36)
        return ISCSIPDU(header: header)
    }
}

/// Task Management Function Response, opcode 0x22 (RFC 7143 §11.6).
public struct TaskManagementResponsePDU: ISCSIPDUConvertible {
    public static let opcode = ISCSIOpcode.taskManagementResponse

    /// The response codes of RFC 7143 §11.6.1 and RFC 7144 §4.2.
    public enum Response: UInt8, Sendable, Hashable {
        case functionComplete = 0
        case taskDoesNotExist = 1
        case logicalUnitDoesNotExist = 2
        case taskStillAllegiant = 3
        case taskAllegianceReassignmentNotSupported = 4
        case functionNotSupported = 5
        case functionAuthorizationFailed = 6
        /// A QUERY function found what it asked about (RFC 7144).
        case functionSucceeded = 7
        case functionRejected = 255
    }

    public var response: UInt8
    public var initiatorTaskTag: UInt32
    public var statSN: UInt32
    public var expCmdSN: UInt32
    public var maxCmdSN: UInt32

    /// Creates a task management response.
    public init(response: Response, initiatorTaskTag: UInt32, statSN: UInt32, expCmdSN: UInt32, maxCmdSN: UInt32) {
        self.response = response.rawValue
        self.initiatorTaskTag = initiatorTaskTag
        self.statSN = statSN
        self.expCmdSN = expCmdSN
        self.maxCmdSN = maxCmdSN
    }

    public init(_ pdu: ISCSIPDU) throws {
        try pdu.expectOpcode(Self.opcode)
        let header = pdu.header
        self.response = header.bytes[2]
        self.initiatorTaskTag = header.initiatorTaskTag
        self.statSN = header.uint32(at: 24)
        self.expCmdSN = header.uint32(at: 28)
        self.maxCmdSN = header.uint32(at: 32)
    }

    public func makePDU() -> ISCSIPDU {
        var header = ISCSIBasicHeaderSegment(opcode: Self.opcode)
        header.isFinal = true
        header.bytes[2] = self.response
        header.initiatorTaskTag = self.initiatorTaskTag
        header.setUInt32(self.statSN, at: 24)
        header.setUInt32(self.expCmdSN, at: 28)
        header.setUInt32(self.maxCmdSN, at: 32)
        return ISCSIPDU(header: header)
    }
}
