/// An R2T the target must send to solicit a burst of write data (RFC 7143 §11.8).
public struct ReadyToTransfer: Hashable, Sendable {
    /// R2TSN: numbers the task's R2Ts from 0.
    public var r2tSequenceNumber: UInt32
    /// Target Transfer Tag the initiator echoes in the burst's Data-Out PDUs.
    public var targetTransferTag: UInt32
    /// Where the burst starts in the task's buffer.
    public var bufferOffset: UInt32
    /// How many bytes the burst carries (at most MaxBurstLength).
    public var desiredDataTransferLength: UInt32
}

/// The fields of a SCSI Data-Out PDU the sequence checks (RFC 7143 §11.7).
public struct DataOutHeader: Hashable, Sendable {
    /// Target Transfer Tag: `DataOutSequence.unsolicitedTransferTag` for unsolicited data.
    public var targetTransferTag: UInt32
    /// DataSN within the burst, from 0.
    public var dataSequenceNumber: UInt32
    /// Offset of the payload in the task's buffer.
    public var bufferOffset: UInt32
    /// Payload length.
    public var dataLength: UInt32
    /// The F bit: last PDU of the burst.
    public var isFinal: Bool

    /// Creates a header.
    public init(
        targetTransferTag: UInt32,
        dataSequenceNumber: UInt32,
        bufferOffset: UInt32,
        dataLength: UInt32,
        isFinal: Bool
    ) {
        self.targetTransferTag = targetTransferTag
        self.dataSequenceNumber = dataSequenceNumber
        self.bufferOffset = bufferOffset
        self.dataLength = dataLength
        self.isFinal = isFinal
    }
}

/// A write's data flow violates the negotiated rules; the connection answers with a protocol-error Reject
/// (or drops the connection at ERL 0).
public enum DataOutError: Error, Hashable, Sendable {
    /// Immediate data while ImmediateData=No, or more immediate data than FirstBurstLength allows.
    case immediateDataNotAllowed
    /// Unsolicited Data-Out announced (command F bit clear) while InitialR2T=Yes or with no room left.
    case unsolicitedDataNotAllowed
    /// Data beyond the expected transfer length or beyond the burst it belongs to.
    case overrun
    /// A Target Transfer Tag that names no open burst.
    case unexpectedTransferTag(UInt32)
    /// A DataSN out of order within its burst.
    case unexpectedDataSequenceNumber(expected: UInt32, received: UInt32)
    /// A buffer offset out of order (DataPDUInOrder=Yes).
    case unexpectedBufferOffset(expected: UInt32, received: UInt32)
    /// The F bit set before the burst's end, or missing at its end.
    case finalBitMismatch
}

/// What happened after a Data-Out PDU was accepted.
public enum DataOutProgress: Hashable, Sendable {
    /// More data is expected; send these R2Ts (possibly none) first.
    case needsData(send: [ReadyToTransfer])
    /// All expected data has arrived: the write can be executed.
    case complete
}

/// The Data-Out flow of one write task (RFC 7143 §4.2.5): immediate data, unsolicited Data-Out up to
/// FirstBurstLength when InitialR2T=No, then R2Ts of at most MaxBurstLength each with at most
/// MaxOutstandingR2T open at once. It validates each Data-Out's tag, DataSN, offset and F bit; placing the
/// payload is the caller's job.
public struct DataOutSequence: Sendable {
    /// The Target Transfer Tag of unsolicited data.
    public static let unsolicitedTransferTag: UInt32 = 0xFFFF_FFFF

    /// One burst being received: unsolicited, or answering an R2T.
    private struct Burst: Sendable {
        var targetTransferTag: UInt32
        var nextOffset: UInt32
        var endOffset: UInt32
        var nextDataSequenceNumber: UInt32 = 0
    }

    private let expectedTransferLength: UInt32
    private let targetTransferTag: UInt32
    private let maxBurstLength: UInt32
    private let maxOutstandingR2T: UInt32
    private var unsolicitedBurst: Burst?
    private var solicitedBursts: [Burst] = []
    private var nextR2TOffset: UInt32
    private var nextR2TSequenceNumber: UInt32 = 0
    private var receivedLength: UInt32

    /// Starts a write of `expectedTransferLength` bytes whose SCSI Command carried `immediateDataLength` bytes
    /// and had its F bit clear (`unsolicitedDataFollows`) or set. R2Ts of this task carry `targetTransferTag`.
    public init(
        expectedTransferLength: UInt32,
        immediateDataLength: UInt32,
        unsolicitedDataFollows: Bool,
        parameters: NegotiatedParameters,
        targetTransferTag: UInt32
    ) throws(DataOutError) {
        if immediateDataLength > 0
            && (!parameters.immediateData || immediateDataLength > parameters.firstBurstLength)
        {
            throw .immediateDataNotAllowed
        }
        guard immediateDataLength <= expectedTransferLength else {
            throw .overrun
        }
        let unsolicitedEnd = min(parameters.firstBurstLength, expectedTransferLength)
        if unsolicitedDataFollows {
            guard !parameters.initialR2T, immediateDataLength < unsolicitedEnd else {
                throw .unsolicitedDataNotAllowed
            }
            self.unsolicitedBurst = Burst(
                targetTransferTag: Self.unsolicitedTransferTag,
                nextOffset: immediateDataLength,
                endOffset: unsolicitedEnd
            )
        }
        self.expectedTransferLength = expectedTransferLength
        self.targetTransferTag = targetTransferTag
        self.maxBurstLength = max(parameters.maxBurstLength, 1)
        self.maxOutstandingR2T = max(parameters.maxOutstandingR2T, 1)
        self.nextR2TOffset = unsolicitedDataFollows ? unsolicitedEnd : immediateDataLength
        self.receivedLength = immediateDataLength
    }

    /// Whether every expected byte has arrived.
    public var isComplete: Bool {
        self.receivedLength == self.expectedTransferLength
    }

    /// Issues the R2Ts that may be open now; call once after creating the sequence.
    public mutating func solicit() -> [ReadyToTransfer] {
        var r2ts: [ReadyToTransfer] = []
        while self.solicitedBursts.count < self.maxOutstandingR2T && self.nextR2TOffset < self.expectedTransferLength {
            let length = min(self.maxBurstLength, self.expectedTransferLength - self.nextR2TOffset)
            let r2t = ReadyToTransfer(
                r2tSequenceNumber: self.nextR2TSequenceNumber,
                targetTransferTag: self.targetTransferTag,
                bufferOffset: self.nextR2TOffset,
                desiredDataTransferLength: length
            )
            self.solicitedBursts.append(
                Burst(
                    targetTransferTag: self.targetTransferTag,
                    nextOffset: r2t.bufferOffset,
                    endOffset: r2t.bufferOffset + length
                )
            )
            self.nextR2TOffset += length
            self.nextR2TSequenceNumber += 1
            r2ts.append(r2t)
        }
        return r2ts
    }

    /// Validates one Data-Out PDU and accounts for its payload.
    public mutating func receive(_ dataOut: DataOutHeader) throws(DataOutError) -> DataOutProgress {
        if dataOut.targetTransferTag == Self.unsolicitedTransferTag {
            guard var burst = self.unsolicitedBurst else {
                throw .unexpectedTransferTag(dataOut.targetTransferTag)
            }
            let finished = try Self.advance(&burst, with: dataOut)
            self.unsolicitedBurst = finished ? nil : burst
        } else {
            guard dataOut.targetTransferTag == self.targetTransferTag,
                let index = self.solicitedBursts.firstIndex(where: { $0.nextOffset == dataOut.bufferOffset })
                    ?? self.solicitedBursts.indices.first
            else {
                throw .unexpectedTransferTag(dataOut.targetTransferTag)
            }
            let finished = try Self.advance(&self.solicitedBursts[index], with: dataOut)
            if finished {
                self.solicitedBursts.remove(at: index)
            }
        }
        self.receivedLength += dataOut.dataLength
        if self.isComplete {
            return .complete
        }
        return .needsData(send: self.solicit())
    }

    /// Checks a Data-Out against its burst and, if valid, advances it; returns whether the burst is finished.
    private static func advance(_ burst: inout Burst, with dataOut: DataOutHeader) throws(DataOutError) -> Bool {
        guard dataOut.dataSequenceNumber == burst.nextDataSequenceNumber else {
            throw .unexpectedDataSequenceNumber(
                expected: burst.nextDataSequenceNumber,
                received: dataOut.dataSequenceNumber
            )
        }
        guard dataOut.bufferOffset == burst.nextOffset else {
            throw .unexpectedBufferOffset(expected: burst.nextOffset, received: dataOut.bufferOffset)
        }
        guard dataOut.dataLength <= burst.endOffset - burst.nextOffset else {
            throw .overrun
        }
        let finished = burst.nextOffset + dataOut.dataLength == burst.endOffset
        guard finished == dataOut.isFinal else {
            throw .finalBitMismatch
        }
        burst.nextOffset += dataOut.dataLength
        burst.nextDataSequenceNumber += 1
        return finished
    }
}
