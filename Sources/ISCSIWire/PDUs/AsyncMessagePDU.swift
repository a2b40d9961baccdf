import NIOCore

/// Asynchronous Message, opcode 0x32 (RFC 7143 §11.9).
public struct AsyncMessagePDU: ISCSIPDUConvertible {
    public static let opcode = ISCSIOpcode.asyncMessage

    /// The AsyncEvent codes of RFC 7143 §11.9.1.
    public enum Event: UInt8, Sendable, Hashable {
        case scsiAsyncEvent = 0
        /// The target requests a logout; Parameter3 is the time to do it (Logout timeout).
        case logoutRequested = 1
        case connectionWillBeDropped = 2
        case allConnectionsWillBeDropped = 3
        case renegotiationRequested = 4
        case vendorSpecific = 255
    }

    public var logicalUnitNumber: UInt64
    public var statSN: UInt32
    public var expCmdSN: UInt32
    public var maxCmdSN: UInt32
    /// The raw AsyncEvent; `Event(rawValue:)` names the known ones.
    public var asyncEvent: UInt8
    public var asyncVCode: UInt8
    public var parameter1: UInt16
    public var parameter2: UInt16
    public var parameter3: UInt16
    /// Sense data and iSCSI event data.
    public var data: ByteBuffer

    /// Creates an asynchronous message.
    public init(
        event: Event,
        logicalUnitNumber: UInt64 = 0,
        statSN: UInt32,
        expCmdSN: UInt32,
        maxCmdSN: UInt32,
        asyncVCode: UInt8 = 0,
        parameter1: UInt16 = 0,
        parameter2: UInt16 = 0,
        parameter3: UInt16 = 0,
        data: ByteBuffer = ByteBuffer()
    ) {
        self.asyncEvent = event.rawValue
        self.logicalUnitNumber = logicalUnitNumber
        self.statSN = statSN
        self.expCmdSN = expCmdSN
        self.maxCmdSN = maxCmdSN
        self.asyncVCode = asyncVCode
        self.parameter1 = parameter1
        self.parameter2 = parameter2
        self.parameter3 = parameter3
        self.data = data
    }

    public init(_ pdu: ISCSIPDU) throws {
        try pdu.expectOpcode(Self.opcode)
        let header = pdu.header
        self.logicalUnitNumber = header.logicalUnitNumber
        self.statSN = header.uint32(at: 24)
        self.expCmdSN = header.uint32(at: 28)
        self.maxCmdSN = header.uint32(at: 32)
        self.asyncEvent = header.bytes[36]
        self.asyncVCode = header.bytes[37]
        self.parameter1 = header.uint16(at: 38)
        self.parameter2 = header.uint16(at: 40)
        self.parameter3 = header.uint16(at: 42)
        self.data = pdu.dataSegment
    }

    public func makePDU() -> ISCSIPDU {
        var header = ISCSIBasicHeaderSegment(opcode: Self.opcode)
        header.isFinal = true
        header.logicalUnitNumber = self.logicalUnitNumber
        header.initiatorTaskTag = 0xffff_ffff
        header.setUInt32(self.statSN, at: 24)
        header.setUInt32(self.expCmdSN, at: 28)
        header.setUInt32(self.maxCmdSN, at: 32)
        header.bytes[36] = self.asyncEvent
        header.bytes[37] = self.asyncVCode
        header.setUInt16(self.parameter1, at: 38)
        header.setUInt16(self.parameter2, at: 40)
        header.setUInt16(self.parameter3, at: 42)
        return ISCSIPDU(header: header, dataSegment: self.data)
    }
}
