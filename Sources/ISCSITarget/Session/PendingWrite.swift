import ISCSIWire
import NIOCore
import SCSI

/// A WRITE-direction command waiting for its data-out: immediate data first, then solicited Data-Out
/// sequences, one R2T at a time (the target offers MaxOutstandingR2T=1 and InitialR2T=Yes).
struct PendingWrite {
    /// What the next Data-Out must look like.
    enum DataOutOutcome: Equatable {
        /// The data was taken; wait for more.
        case accepted
        /// The burst ended and more data is needed: send an R2T for `burst`.
        case solicit(Burst)
        /// All the data arrived: run the command.
        case complete
        /// The PDU does not fit the sequence (TTT, DataSN, offset or length): a protocol error that ends the task.
        case invalid
    }

    /// One solicited data sequence.
    struct Burst: Equatable {
        var targetTransferTag: UInt32
        var r2tSN: UInt32
        var offset: Int
        var length: Int
    }

    let command: SCSICommandPDU
    let prepared: SCSIPreparedCommand
    let maxBurstLength: Int
    /// When the command arrived (uptime nanoseconds), for its latency; 0 when metrics are off.
    var arrivalUptimeNanoseconds: UInt64 = 0
    private(set) var segments: [ByteBuffer] = []
    private(set) var received = 0
    private(set) var burst: Burst?
    private var nextR2TSN: UInt32 = 0
    /// The DataSN the next Data-Out of the current burst must carry (each burst numbers from 0).
    private var nextDataSN: UInt32 = 0

    /// Starts collecting, counting the command's immediate data.
    init(command: SCSICommandPDU, prepared: SCSIPreparedCommand, maxBurstLength: Int) {
        self.command = command
        self.prepared = prepared
        self.maxBurstLength = max(1, maxBurstLength)
        if command.data.readableBytes > 0 {
            self.segments.append(command.data)
            self.received = command.data.readableBytes
        }
    }

    /// Whether every byte has arrived.
    var isComplete: Bool { self.received >= self.prepared.dataOutLength }

    /// The R2T for the next burst, tagged `targetTransferTag`.
    mutating func nextBurst(targetTransferTag: UInt32) -> Burst {
        let burst = Burst(
            targetTransferTag: targetTransferTag,
            r2tSN: self.nextR2TSN,
            offset: self.received,
            length: min(self.prepared.dataOutLength - self.received, self.maxBurstLength)
        )
        self.nextR2TSN &+= 1
        self.nextDataSN = 0
        self.burst = burst
        return burst
    }

    /// Takes one Data-Out PDU of the current burst.
    mutating func receive(_ dataOut: SCSIDataOutPDU, nextTargetTransferTag: () -> UInt32) -> DataOutOutcome {
        guard let burst = self.burst, dataOut.targetTransferTag == burst.targetTransferTag,
            dataOut.dataSN == self.nextDataSN,
            Int(dataOut.bufferOffset) == self.received,
            self.received + dataOut.data.readableBytes <= burst.offset + burst.length
        else {
            return .invalid
        }
        self.nextDataSN &+= 1
        if dataOut.data.readableBytes > 0 {
            self.segments.append(dataOut.data)
            self.received += dataOut.data.readableBytes
        }
        guard dataOut.isFinal else { return .accepted }
        guard self.received == burst.offset + burst.length else { return .invalid }
        if self.isComplete {
            self.burst = nil
            return .complete
        }
        return .solicit(self.nextBurst(targetTransferTag: nextTargetTransferTag()))
    }
}
