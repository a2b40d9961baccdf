import ISCSIWire
import NIOCore

/// Cuts the data-in of one SCSI command into Data-In PDUs no larger than the initiator's
/// MaxRecvDataSegmentLength (RFC 7143 §11.7), each a slice of the read buffer.
///
/// When the command ended GOOD without sense, the final Data-In carries the status (S bit) and the
/// residual, and no SCSI Response follows; otherwise the caller sends a SCSI Response after the last PDU.
struct DataInSequence {
    /// The status carried by the final PDU.
    struct FinalStatus: Hashable, Sendable {
        var status: UInt8
        var residual: SCSIResidual
    }

    private let initiatorTaskTag: UInt32
    private let logicalUnitNumber: UInt64
    private let maxSegmentLength: Int
    private let finalStatus: FinalStatus?
    private var remaining: ByteBuffer
    private var bufferOffset: UInt32 = 0
    private var dataSN: UInt32 = 0
    private var isFinished = false

    /// Prepares the Data-In PDUs for `data`.
    /// - Parameter finalStatus: the status to put in the final PDU, or nil when a SCSI Response follows.
    init(
        initiatorTaskTag: UInt32,
        logicalUnitNumber: UInt64,
        data: ByteBuffer,
        maxSegmentLength: Int,
        finalStatus: FinalStatus?
    ) {
        self.initiatorTaskTag = initiatorTaskTag
        self.logicalUnitNumber = logicalUnitNumber
        self.remaining = data
        self.maxSegmentLength = max(1, maxSegmentLength)
        self.finalStatus = finalStatus
    }

    /// The one Data-In PDU of a command whose `length` bytes of data fit in a single PDU and which ended
    /// with `finalStatus`, without its data segment: the caller encodes it in front of the data
    /// (`ISCSIPDUEncoder.encode(header:intoFrontOf:)`). Its fields are those `nextPDU` would give.
    static func onlyPDUHeader(
        initiatorTaskTag: UInt32,
        logicalUnitNumber: UInt64,
        finalStatus: FinalStatus,
        statSN: UInt32,
        expCmdSN: UInt32,
        maxCmdSN: UInt32
    ) -> SCSIDataInPDU {
        SCSIDataInPDU(
            isFinal: true,
            residualOverflow: finalStatus.residual.overflow,
            residualUnderflow: finalStatus.residual.underflow,
            status: finalStatus.status,
            logicalUnitNumber: logicalUnitNumber,
            initiatorTaskTag: initiatorTaskTag,
            statSN: statSN,
            expCmdSN: expCmdSN,
            maxCmdSN: maxCmdSN,
            dataSN: 0,
            bufferOffset: 0,
            residualCount: finalStatus.residual.count,
            data: ByteBuffer()
        )
    }

    /// The DataSN the next PDU will carry; after the last one, the ExpDataSN of a following SCSI Response.
    var nextDataSN: UInt32 { self.dataSN }

    /// The next Data-In PDU, or nil when all were handed out. `statSN` is used, and must then be
    /// advanced by the caller, only when the returned PDU carries a status.
    mutating func nextPDU(statSN: UInt32, expCmdSN: UInt32, maxCmdSN: UInt32) -> SCSIDataInPDU? {
        guard !self.isFinished, self.remaining.readableBytes > 0 else { return nil }
        let length = min(self.remaining.readableBytes, self.maxSegmentLength)
        guard let data = self.remaining.readSlice(length: length) else { return nil }
        let isLast = self.remaining.readableBytes == 0
        let status = isLast ? self.finalStatus : nil
        let pdu = SCSIDataInPDU(
            isFinal: isLast,
            residualOverflow: status?.residual.overflow ?? false,
            residualUnderflow: status?.residual.underflow ?? false,
            status: status?.status,
            logicalUnitNumber: self.logicalUnitNumber,
            initiatorTaskTag: self.initiatorTaskTag,
            statSN: status == nil ? 0 : statSN,
            expCmdSN: expCmdSN,
            maxCmdSN: maxCmdSN,
            dataSN: self.dataSN,
            bufferOffset: self.bufferOffset,
            residualCount: status?.residual.count ?? 0,
            data: data
        )
        self.dataSN &+= 1
        self.bufferOffset &+= UInt32(length)
        self.isFinished = isLast
        return pdu
    }
}
