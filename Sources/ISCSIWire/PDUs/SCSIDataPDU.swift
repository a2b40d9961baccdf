import NIOCore

/// SCSI Data-Out, opcode 0x05 (RFC 7143 §11.7): write data sent by the initiator.
public struct SCSIDataOutPDU: ISCSIPDUConvertible {
    public static let opcode = ISCSIOpcode.scsiDataOut

    /// F: the last PDU of this sequence (unsolicited burst or R2T).
    public var isFinal: Bool
    public var logicalUnitNumber: UInt64
    public var initiatorTaskTag: UInt32
    /// The TTT of the R2T answered, or 0xffffffff for unsolicited data.
    public var targetTransferTag: UInt32
    public var expStatSN: UInt32
    public var dataSN: UInt32
    public var bufferOffset: UInt32
    public var data: ByteBuffer

    /// Creates a Data-Out PDU.
    public init(
        isFinal: Bool,
        logicalUnitNumber: UInt64,
        initiatorTaskTag: UInt32,
        targetTransferTag: UInt32,
        expStatSN: UInt32,
        dataSN: UInt32,
        bufferOffset: UInt32,
        data: ByteBuffer
    ) {
        self.isFinal = isFinal
        self.logicalUnitNumber = logicalUnitNumber
        self.initiatorTaskTag = initiatorTaskTag
        self.targetTransferTag = targetTransferTag
        self.expStatSN = expStatSN
        self.dataSN = dataSN
        self.bufferOffset = bufferOffset
        self.data = data
    }

    public init(_ pdu: ISCSIPDU) throws {
        try pdu.expectOpcode(Self.opcode)
        try pdu.expectNoAdditionalHeaderSegments()
        let header = pdu.header
        self.isFinal = header.isFinal
        self.logicalUnitNumber = header.logicalUnitNumber
        self.initiatorTaskTag = header.initiatorTaskTag
        self.targetTransferTag = header.uint32(at: 20)
        self.expStatSN = header.uint32(at: 28)
        self.dataSN = header.uint32(at: 36)
        self.bufferOffset = header.uint32(at: 40)
        self.data = pdu.dataSegment
    }

    public func makePDU() -> ISCSIPDU {
        var header = ISCSIBasicHeaderSegment(opcode: Self.opcode)
        header.isFinal = self.isFinal
        header.logicalUnitNumber = self.logicalUnitNumber
        header.initiatorTaskTag = self.initiatorTaskTag
        header.setUInt32(self.targetTransferTag, at: 20)
        header.setUInt32(self.expStatSN, at: 28)
        header.setUInt32(self.dataSN, at: 36)
        header.setUInt32(self.bufferOffset, at: 40)
        return ISCSIPDU(header: header, dataSegment: self.data)
    }
}

/// SCSI Data-In, opcode 0x25 (RFC 7143 §11.7): read data sent by the target, optionally with status.
public struct SCSIDataInPDU: ISCSIPDUConvertible {
    public static let opcode = ISCSIOpcode.scsiDataIn

    /// F: the last PDU of this sequence.
    public var isFinal: Bool
    /// A: the target asks for a positive acknowledgement (ERL > 0).
    public var acknowledge: Bool
    /// O: residual overflow; only with status.
    public var residualOverflow: Bool
    /// U: residual underflow; only with status.
    public var residualUnderflow: Bool
    /// The SCSI status carried by this final PDU (S bit), or nil when a SCSI Response follows.
    public var status: UInt8?
    public var logicalUnitNumber: UInt64
    public var initiatorTaskTag: UInt32
    public var targetTransferTag: UInt32
    /// StatSN, meaningful only when `status` is set.
    public var statSN: UInt32
    public var expCmdSN: UInt32
    public var maxCmdSN: UInt32
    public var dataSN: UInt32
    public var bufferOffset: UInt32
    public var residualCount: UInt32
    public var data: ByteBuffer

    /// Creates a Data-In PDU.
    public init(
        isFinal: Bool,
        acknowledge: Bool = false,
        residualOverflow: Bool = false,
        residualUnderflow: Bool = false,
        status: UInt8? = nil,
        logicalUnitNumber: UInt64,
        initiatorTaskTag: UInt32,
        targetTransferTag: UInt32 = 0xffff_ffff,
        statSN: UInt32 = 0,
        expCmdSN: UInt32,
        maxCmdSN: UInt32,
        dataSN: UInt32,
        bufferOffset: UInt32,
        residualCount: UInt32 = 0,
        data: ByteBuffer
    ) {
        self.isFinal = isFinal
        self.acknowledge = acknowledge
        self.residualOverflow = residualOverflow
        self.residualUnderflow = residualUnderflow
        self.status = status
        self.logicalUnitNumber = logicalUnitNumber
        self.initiatorTaskTag = initiatorTaskTag
        self.targetTransferTag = targetTransferTag
        self.statSN = statSN
        self.expCmdSN = expCmdSN
        self.maxCmdSN = maxCmdSN
        self.dataSN = dataSN
        self.bufferOffset = bufferOffset
        self.residualCount = residualCount
        self.data = data
    }

    public init(_ pdu: ISCSIPDU) throws {
        try pdu.expectOpcode(Self.opcode)
        let header = pdu.header
        self.isFinal = header.isFinal
        self.acknowledge = header.bytes[1] & 0x40 != 0
        self.residualOverflow = header.bytes[1] & 0x04 != 0
        self.residualUnderflow = header.bytes[1] & 0x02 != 0
        self.status = header.bytes[1] & 0x01 != 0 ? header.bytes[3] : nil
        self.logicalUnitNumber = header.logicalUnitNumber
        self.initiatorTaskTag = header.initiatorTaskTag
        self.targetTransferTag = header.uint32(at: 20)
        self.statSN = header.uint32(at: 24)
        self.expCmdSN = header.uint32(at: 28)
        self.maxCmdSN = header.uint32(at: 32)
        self.dataSN = header.uint32(at: 36)
        self.bufferOffset = header.uint32(at: 40)
        self.residualCount = header.uint32(at: 44)
        self.data = pdu.dataSegment
    }

    public func makePDU() -> ISCSIPDU {
        ISCSIPDU(header: self.makeHeader(), dataSegment: self.data)
    }

    /// The PDU's Basic Header Segment without its DataSegmentLength, which the encoder fills in: for
    /// `ISCSIPDUEncoder.encode(header:intoFrontOf:)`, which puts it in front of a data segment already in place.
    public func makeHeader() -> ISCSIBasicHeaderSegment {
        var header = ISCSIBasicHeaderSegment(opcode: Self.opcode)
        header.isFinal = self.isFinal
        header.setBit(0x40, ofByte: 1, to: self.acknowledge)
        header.setBit(0x04, ofByte: 1, to: self.residualOverflow)
        header.setBit(0x02, ofByte: 1, to: self.residualUnderflow)
        if let status = self.status {
            header.bytes[1] |= 0x01
            header.bytes[3] = status
        }
        header.logicalUnitNumber = self.logicalUnitNumber
        header.initiatorTaskTag = self.initiatorTaskTag
        header.setUInt32(self.targetTransferTag, at: 20)
        header.setUInt32(self.statSN, at: 24)
        header.setUInt32(self.expCmdSN, at: 28)
        header.setUInt32(self.maxCmdSN, at: 32)
        header.setUInt32(self.dataSN, at: 36)
        header.setUInt32(self.bufferOffset, at: 40)
        header.setUInt32(self.residualCount, at: 44)
        return header
    }
}

/// Ready To Transfer (R2T), opcode 0x31 (RFC 7143 §11.8): the target solicits write data.
public struct ReadyToTransferPDU: ISCSIPDUConvertible {
    public static let opcode = ISCSIOpcode.readyToTransfer

    public var logicalUnitNumber: UInt64
    public var initiatorTaskTag: UInt32
    public var targetTransferTag: UInt32
    public var statSN: UInt32
    public var expCmdSN: UInt32
    public var maxCmdSN: UInt32
    public var r2tSN: UInt32
    public var bufferOffset: UInt32
    public var desiredDataTransferLength: UInt32

    /// Creates an R2T.
    public init(
        logicalUnitNumber: UInt64,
        initiatorTaskTag: UInt32,
        targetTransferTag: UInt32,
        statSN: UInt32,
        expCmdSN: UInt32,
        maxCmdSN: UInt32,
        r2tSN: UInt32,
        bufferOffset: UInt32,
        desiredDataTransferLength: UInt32
    ) {
        self.logicalUnitNumber = logicalUnitNumber
        self.initiatorTaskTag = initiatorTaskTag
        self.targetTransferTag = targetTransferTag
        self.statSN = statSN
        self.expCmdSN = expCmdSN
        self.maxCmdSN = maxCmdSN
        self.r2tSN = r2tSN
        self.bufferOffset = bufferOffset
        self.desiredDataTransferLength = desiredDataTransferLength
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
        self.r2tSN = header.uint32(at: 36)
        self.bufferOffset = header.uint32(at: 40)
        self.desiredDataTransferLength = header.uint32(at: 44)
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
        header.setUInt32(self.r2tSN, at: 36)
        header.setUInt32(self.bufferOffset, at: 40)
        header.setUInt32(self.desiredDataTransferLength, at: 44)
        return ISCSIPDU(header: header)
    }
}
