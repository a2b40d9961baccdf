/// The tasks a PREEMPT AND ABORT aborts (SPC-4 §5.13.11.2.6): on the logical unit, every task received through an
/// I_T nexus that a preempted registration covers, except through the I_T nexus the PERSISTENT RESERVE OUT came
/// through.
///
/// The reservation state machine names them; the transport, which holds the tasks, aborts them the way it carries
/// out CLEAR TASK SET for other sessions: silently, or with TASK ABORTED status when the control mode page's TAS
/// bit is set (``LogicalUnit/reportsTaskAbortedStatus``).
public struct PreemptedTasks: Sendable, Hashable {
    /// The registrations the command removed.
    public var registrations: [PersistentReservationRegistration]
    /// The I_T nexus that sent PREEMPT AND ABORT: its own tasks go on.
    public var preemptingNexus: NexusIdentifier

    public init(registrations: [PersistentReservationRegistration], preemptingNexus: NexusIdentifier) {
        self.registrations = registrations
        self.preemptingNexus = preemptingNexus
    }

    /// Whether the tasks received through `nexus` are aborted.
    public func includes(_ nexus: NexusIdentifier) -> Bool {
        nexus != self.preemptingNexus && self.registrations.contains { $0.covers(nexus) }
    }
}
