import ISCSIWire

/// What the target does beyond terminating tasks when a task management function completes.
public enum TaskManagementEffect: Hashable, Sendable {
    /// LOGICAL UNIT RESET: the logical unit addressed by this LUN field is reset, which establishes the POWER ON,
    /// RESET, OR BUS DEVICE RESET OCCURRED unit attention for every I_T nexus.
    case resetLogicalUnit(UInt64)
    /// TARGET WARM RESET: every logical unit of the target is reset.
    case resetTarget
    /// TARGET COLD RESET: a warm reset, then every connection to the target is closed once the response is
    /// sent (RFC 7143 §11.5.1).
    case resetTargetAndCloseConnections
}

/// The tasks a task management function reaches.
public enum TaskManagementScope: Hashable, Sendable {
    /// The tasks on the logical unit this LUN field addresses.
    case logicalUnit(UInt64)
    /// Every task of the target.
    case target
}

/// The result of one task management function over a ``TaskTable``: the response to send, the tasks it
/// terminated (which get no response of their own, and whose window slots the caller releases), and the
/// effect to carry out.
public struct TaskManagementOutcome<Payload> {
    /// The Response field of the Task Management Function Response.
    public var response: TaskManagementResponsePDU.Response
    /// The tasks terminated, oldest CmdSN first; they are already out of the table.
    public var terminatedTasks: [TaskTable<Payload>.Task]
    /// What else to do, if anything; only when `response` is `.functionComplete`.
    public var effect: TaskManagementEffect?
    /// The tasks of the target's other sessions (other I_T nexuses) the function also terminates: CLEAR TASK
    /// SET, LOGICAL UNIT RESET and TARGET WARM RESET reach every initiator (SAM-5 §7); ABORT TASK and ABORT
    /// TASK SET only the requesting one. (TARGET COLD RESET closes the other connections instead.)
    public var otherSessions: TaskManagementScope?

    /// An outcome that terminated nothing.
    init(response: TaskManagementResponsePDU.Response) {
        self.init(response: response, terminatedTasks: [], effect: nil)
    }

    init(
        response: TaskManagementResponsePDU.Response,
        terminatedTasks: [TaskTable<Payload>.Task],
        effect: TaskManagementEffect?,
        otherSessions: TaskManagementScope? = nil
    ) {
        self.response = response
        self.terminatedTasks = terminatedTasks
        self.effect = effect
        self.otherSessions = otherSessions
    }
}

extension TaskManagementOutcome: Sendable where Payload: Sendable {}
