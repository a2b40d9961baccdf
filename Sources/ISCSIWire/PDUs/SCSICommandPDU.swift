import NIOCore

/// The task attribute of a SCSI Command (RFC 7143 §11.3.1, SAM task attributes).
public enum SCSITaskAttribute: UInt8, Sendable, Hashable {
    case untagged = 0
    case simple = 1
    case ordered = 2
    case headOfQueue = 3
    case acaNaca = 4
}

/// SCSI Command, opcode 0x01 (RFC 7143 §11.3).
public struct SCSICommandPDU: ISCSIPDUConvertible {
    public static let opcode = ISCSIOpcode.scsiCommand

    public var isImmediate: Bool
    /// F: no unsolicited Data-Out follows this PDU.
    public var isFinal: Bool
    /// R: the command reads data from the target.
    public var isRead: Bool
    /// W: the command writes data to the target.
    public var isWrite: Bool
    /// ATTR; values 5-7 are reserved and decode as `nil`.
    public var taskAttribute: SCSITaskAttribute?
    public var logicalUnitNumber: UInt64
    public var initiatorTaskTag: UInt32
    public var expectedDataTransferLength: UInt32
    public var cmdSN: UInt32
    public var expStatSN: UInt32
    /// The first 16 bytes of the CDB (bytes 32-47 of the header).
    public var cdb: InlineArray<16, UInt8>
    /// CDB bytes beyond 16, from an Extended CDB AHS (type 1), empty when absent.
    public var extendedCDB: ByteBuffer
    /// Bidirectional Read Expected Data Transfer Length from its AHS (type 2), when present.
    public var expectedBidirectionalReadDataLength: UInt32?
    /// Immediate data.
    public var data: ByteBuffer

    /// Creates a SCSI Command.
    public init(
        isImmediate: Bool = false,
        isFinal: Bool = true,
        isRead: Bool,
        isWrite: Bool,
        taskAttribute: SCSITaskAttribute? = .simple,
        logicalUnitNumber: UInt64,
        initiatorTaskTag: UInt32,
        expectedDataTransferLength: UInt32,
        cmdSN: UInt32,
        expStatSN: UInt32,
        cdb: InlineArray<16, UInt8>,
        extendedCDB: ByteBuffer = ByteBuffer(),
        expectedBidirectionalReadDataLength: UInt32? = nil,
        data: ByteBuffer = ByteBuffer()
    ) {
        self.isImmediate = isImmediate
        self.isFinal = isFinal
        self.isRead = isRead
        self.isWrite = isWrite
        self.taskAttribute = taskAttribute
        self.logicalUnitNumber = logicalUnitNumber
        self.initiatorTaskTag = initiatorTaskTag
        self.expectedDataTransferLength = expectedDataTransferLength
        self.cmdSN = cmdSN
        self.expStatSN = expStatSN
        self.cdb = cdb
        self.extendedCDB = extendedCDB
        self.expectedBidirectionalReadDataLength = expectedBidirectionalReadDataLength
        self.data = data
    }

    public init(_ pdu: ISCSIPDU) throws {
        try pdu.expectOpcode(Self.opcode)
        let header = pdu.header
        self.isImmediate = header.isImmediate
        self.isFinal = header.isFinal
        self.isRead = header.bytes[1] & 0x40 != 0
        self.isWrite = header.bytes[1] & 0x20 != 0
        self.taskAttribute = SCSITaskAttribute(rawValue: header.bytes[1] & 0x07)
        self.logicalUnitNumber = header.logicalUnitNumber
        self.initiatorTaskTag = header.initiatorTaskTag
        self.expectedDataTransferLength = header.uint32(at: 20)
        self.cmdSN = header.uint32(at: 24)
        self.expStatSN = header.uint32(at: 28)
        var cdb = InlineArray<16, UInt8>(repeating: 0)
        // One 16-byte copy rather than a bounds-checked loop: this runs for every command.
        withUnsafeMutableBytes(of: &cdb) { destination in
            withUnsafeBytes(of: header.bytes) { source in
                destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[32..<48]))
            }
        }
        self.cdb = cdb
        self.extendedCDB = ByteBuffer()
        self.expectedBidirectionalReadDataLength = nil
        self.data = pdu.dataSegment
        if pdu.additionalHeaderSegments.readableBytes > 0 {
            try self.parseAdditionalHeaderSegments(pdu.additionalHeaderSegments)
        }
    }

    /// Reads the Extended CDB and Bidirectional Read Expected Data Transfer Length AHSs (RFC 7143 §11.2.2).
    private mutating func parseAdditionalHeaderSegments(_ segments: ByteBuffer) throws {
        var segments = segments
        while segments.readableBytes > 0 {
            guard let length = segments.readInteger(as: UInt16.self),
                let type = segments.readInteger(as: UInt8.self),
                length > 0,
                var body = segments.readSlice(length: Int(length))
            else {
                throw ISCSIWireError.malformedAdditionalHeaderSegment
            }
            // The AHS-specific byte after the type is the first byte counted in AHSLength.
            body.moveReaderIndex(forwardBy: 1)
            segments.moveReaderIndex(
                forwardBy: min(ISCSIPDU.paddingLength(forDataSegmentLength: Int(length) + 3), segments.readableBytes)
            )
            switch type {
            case 1:
                self.extendedCDB = body
            case 2:
                guard body.readableBytes == 4, let readLength = body.readInteger(as: UInt32.self) else {
                    throw ISCSIWireError.malformedAdditionalHeaderSegment
                }
                self.expectedBidirectionalReadDataLength = readLength
            default:
                throw ISCSIWireError.malformedAdditionalHeaderSegment
            }
        }
    }

    public func makePDU() -> ISCSIPDU {
        var header = ISCSIBasicHeaderSegment(opcode: Self.opcode, isImmediate: self.isImmediate)
        header.isFinal = self.isFinal
        header.setBit(0x40, ofByte: 1, to: self.isRead)
        header.setBit(0x20, ofByte: 1, to: self.isWrite)
        header.bytes[1] |= self.taskAttribute?.rawValue ?? 0
        header.logicalUnitNumber = self.logicalUnitNumber
        header.initiatorTaskTag = self.initiatorTaskTag
        header.setUInt32(self.expectedDataTransferLength, at: 20)
        header.setUInt32(self.cmdSN, at: 24)
        header.setUInt32(self.expStatSN, at: 28)
        for index in 0..<16 {
            header.bytes[32 + index] = self.cdb[index]
        }
        var ahs = ByteBuffer()
        if self.extendedCDB.readableBytes > 0 {
            ahs.writeInteger(UInt16(self.extendedCDB.readableBytes + 1))
            ahs.writeInteger(UInt8(1))
            ahs.writeInteger(UInt8(0))
            ahs.writeImmutableBuffer(self.extendedCDB)
            ahs.writeRepeatingByte(0, count: ISCSIPDU.paddingLength(forDataSegmentLength: ahs.readableBytes))
        }
        if let readLength = self.expectedBidirectionalReadDataLength {
            ahs.writeInteger(UInt16(5))
            ahs.writeInteger(UInt8(2))
            ahs.writeInteger(UInt8(0))
            ahs.writeInteger(readLength)
        }
        return ISCSIPDU(header: header, additionalHeaderSegments: ahs, dataSegment: self.data)
    }
}

/// The iSCSI service response of a SCSI Response (RFC 7143 §11.4.3).
public enum SCSIServiceResponse: UInt8, Sendable, Hashable {
    case commandCompleted = 0x00
    case targetFailure = 0x01
}

/// SCSI Response, opcode 0x21 (RFC 7143 §11.4).
public struct SCSIResponsePDU: ISCSIPDUConvertible {
    public static let opcode = ISCSIOpcode.scsiResponse

    /// o: bidirectional read residual overflow.
    public var bidirectionalReadResidualOverflow: Bool
    /// u: bidirectional read residual underflow.
    public var bidirectionalReadResidualUnderflow: Bool
    /// O: residual overflow (the initiator expected less than the command wanted).
    public var residualOverflow: Bool
    /// U: residual underflow (less was transferred than expected).
    public var residualUnderflow: Bool
    public var response: UInt8
    /// The SCSI status byte (GOOD 0x00, CHECK CONDITION 0x02, ...).
    public var status: UInt8
    public var initiatorTaskTag: UInt32
    public var snackTag: UInt32
    public var statSN: UInt32
    public var expCmdSN: UInt32
    public var maxCmdSN: UInt32
    public var expDataSN: UInt32
    public var bidirectionalReadResidualCount: UInt32
    public var residualCount: UInt32
    /// SenseLength (2 bytes) + sense data + response data, empty for GOOD status.
    public var data: ByteBuffer

    /// Creates a SCSI Response.
    public init(
        bidirectionalReadResidualOverflow: Bool = false,
        bidirectionalReadResidualUnderflow: Bool = false,
        residualOverflow: Bool = false,
        residualUnderflow: Bool = false,
        response: SCSIServiceResponse = .commandCompleted,
        status: UInt8,
        initiatorTaskTag: UInt32,
        snackTag: UInt32 = 0,
        statSN: UInt32,
        expCmdSN: UInt32,
        maxCmdSN: UInt32,
        expDataSN: UInt32 = 0,
        bidirectionalReadResidualCount: UInt32 = 0,
        residualCount: UInt32 = 0,
        data: ByteBuffer = ByteBuffer()
    ) {
        self.bidirectionalReadResidualOverflow = bidirectionalReadResidualOverflow
        self.bidirectionalReadResidualUnderflow = bidirectionalReadResidualUnderflow
        self.residualOverflow = residualOverflow
        self.residualUnderflow = residualUnderflow
        self.response = response.rawValue
        self.status = status
        self.initiatorTaskTag = initiatorTaskTag
        self.snackTag = snackTag
        self.statSN = statSN
        self.expCmdSN = expCmdSN
        self.maxCmdSN = maxCmdSN
        self.expDataSN = expDataSN
        self.bidirectionalReadResidualCount = bidirectionalReadResidualCount
        self.residualCount = residualCount
        self.data = data
    }

    /// Prefixes fixed-format sense data with its 2-byte SenseLength, as the data segment carries it.
    public static func senseDataSegment(_ senseData: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        var segment = allocator.buffer(capacity: 2 + senseData.readableBytes)
        segment.writeInteger(UInt16(truncatingIfNeeded: senseData.readableBytes))
        segment.writeImmutableBuffer(senseData)
        return segment
    }

    public init(_ pdu: ISCSIPDU) throws {
        try pdu.expectOpcode(Self.opcode)
        let header = pdu.header
        self.bidirectionalReadResidualOverflow = header.bytes[1] & 0x10 != 0
        self.bidirectionalReadResidualUnderflow = header.bytes[1] & 0x08 != 0
        self.residualOverflow = header.bytes[1] & 0x04 != 0
        self.residualUnderflow = header.bytes[1] & 0x02 != 0
        self.response = header.bytes[2]
        self.status = header.bytes[3]
        self.initiatorTaskTag = header.initiatorTaskTag
        self.snackTag = header.uint32(at: 20)
        self.statSN = header.uint32(at: 24)
        self.expCmdSN = header.uint32(at: 28)
        self.maxCmdSN = header.uint32(at: 32)
        self.expDataSN = header.uint32(at: 36)
        self.bidirectionalReadResidualCount = header.uint32(at: 40)
        self.residualCount = header.uint32(at: 44)
        self.data = pdu.dataSegment
    }

    public func makePDU() -> ISCSIPDU {
        var header = ISCSIBasicHeaderSegment(opcode: Self.opcode)
        header.isFinal = true
        header.setBit(0x10, ofByte: 1, to: self.bidirectionalReadResidualOverflow)
        header.setBit(0x08, ofByte: 1, to: self.bidirectionalReadResidualUnderflow)
        header.setBit(0x04, ofByte: 1, to: self.residualOverflow)
        header.setBit(0x02, ofByte: 1, to: self.residualUnderflow)
        header.bytes[2] = self.response
        header.bytes[3] = self.status
        header.initiatorTaskTag = self.initiatorTaskTag
        header.setUInt32(self.snackTag, at: 20)
        header.setUInt32(self.statSN, at: 24)
        header.setUInt32(self.expCmdSN, at: 28)
        header.setUInt32(self.maxCmdSN, at: 32)
        header.setUInt32(self.expDataSN, at: 36)
        header.setUInt32(self.bidirectionalReadResidualCount, at: 40)
        header.setUInt32(self.residualCount, at: 44)
        return ISCSIPDU(header: header, dataSegment: self.data)
    }
}
