import NIOCore

/// How a SCSI command ended: what goes into the iSCSI SCSI Response (and the Data-In PDUs before it).
public struct SCSICompletion: Sendable, Hashable {
    /// The SCSI status byte.
    public var status: SCSIStatus
    /// Sense data when `status` is CHECK CONDITION; write it with
    /// ``SenseData/writeISCSISenseSegment(to:)`` (the 2-byte length is added there, by the SCSI layer).
    public var sense: SenseData?
    /// How many bytes the command appended to the data-in buffer. Never more than the command's allocation
    /// length or its expected data transfer length; the transport computes residuals from it.
    public var dataInLength: Int
    /// How long the transport holds the response (Data-In and SCSI Response) back after the command ran: the
    /// block device's added latency (delay bdevs, QoS). `.zero` answers at once.
    public var responseDelay: TimeAmount = .zero
    /// PERSISTENT RESERVE OUT PREEMPT AND ABORT: the tasks of other I_T nexuses on this logical unit that the
    /// transport aborts (as it does for CLEAR TASK SET) before answering.
    public var preemptedTasks: PreemptedTasks?

    public init(status: SCSIStatus, sense: SenseData? = nil, dataInLength: Int = 0) {
        self.status = status
        self.sense = sense
        self.dataInLength = dataInLength
    }

    /// GOOD, with `dataInLength` bytes of data-in.
    public static func good(dataInLength: Int = 0) -> SCSICompletion {
        SCSICompletion(status: .good, dataInLength: dataInLength)
    }

    /// CHECK CONDITION with `sense` and no data.
    public static func checkCondition(_ sense: SenseData) -> SCSICompletion {
        SCSICompletion(status: .checkCondition, sense: sense)
    }
}
