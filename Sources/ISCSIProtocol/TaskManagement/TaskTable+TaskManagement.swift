import ISCSIWire

/// The session state a task management function is judged against.
public struct TaskManagementContext {
    /// ExpCmdSN of the session.
    public var expectedCommandSequenceNumber: SerialNumber
    /// MaxCmdSN of the session.
    public var maximumCommandSequenceNumber: SerialNumber
    /// Whether a LUN field addresses a logical unit of the target.
    public var logicalUnitExists: (UInt64) -> Bool

    /// Creates a context.
    public init(
        expectedCommandSequenceNumber: SerialNumber,
        maximumCommandSequenceNumber: SerialNumber,
        logicalUnitExists: @escaping (UInt64) -> Bool
    ) {
        self.expectedCommandSequenceNumber = expectedCommandSequenceNumber
        self.maximumCommandSequenceNumber = maximumCommandSequenceNumber
        self.logicalUnitExists = logicalUnitExists
    }
}

extension TaskTable {
    /// Carries out a Task Management Function Request on this session's tasks (RFC 7143 §11.5, §11.6.1;
    /// RFC 7144 §4) and says what to answer.
    ///
    /// - ABORT TASK terminates the task named by Referenced Task Tag on the request's LUN. When no such task
    ///   exists, the answer is "Function complete" if RefCmdSN lies in the command window and before the
    ///   request's own CmdSN (the command was lost on the way and is now considered received), else "Task does
    ///   not exist" (its response was already sent, or it never came). A task whose CmdSN differs from
    ///   RefCmdSN gets "Function rejected" (for an immediate task RefCmdSN may also be the request's CmdSN).
    /// - ABORT TASK SET and CLEAR TASK SET terminate every task on the LUN, LOGICAL UNIT RESET too and
    ///   resets the logical unit; TARGET WARM RESET and TARGET COLD RESET terminate every task and reset the
    ///   target (cold reset then closes the connections). CLEAR TASK SET and the resets also reach the tasks of
    ///   the target's other sessions (``TaskManagementOutcome/otherSessions``), which the caller terminates with
    ///   ``terminateTasks(in:)`` on each of them.
    /// - QUERY TASK and QUERY TASK SET answer "Function succeeded" when the task (any task on the LUN) exists,
    ///   else "Function complete".
    /// - Functions addressed to a logical unit that does not exist answer "LUN does not exist"; CLEAR ACA
    ///   (ACA is never established: NACA is not supported), I_T NEXUS RESET, QUERY ASYNCHRONOUS EVENT and
    ///   unknown codes answer "Function not supported"; TASK REASSIGN answers "Task allegiance reassignment not
    ///   supported" (ErrorRecoveryLevel 0).
    public mutating func perform(
        _ request: TaskManagementRequestPDU,
        in context: TaskManagementContext
    ) -> TaskManagementOutcome<Payload> {
        guard let function = TaskManagementRequestPDU.Function(rawValue: request.function) else {
            return TaskManagementOutcome(response: .functionNotSupported)
        }
        let logicalUnitNumber = request.logicalUnitNumber
        switch function {
        case .abortTask, .abortTaskSet, .clearTaskSet, .logicalUnitReset, .queryTask, .queryTaskSet:
            guard context.logicalUnitExists(logicalUnitNumber) else {
                return TaskManagementOutcome(response: .logicalUnitDoesNotExist)
            }
        case .clearACA, .targetWarmReset, .targetColdReset, .taskReassign, .itNexusReset,
            .queryAsynchronousEvent:
            break
        }
        switch function {
        case .abortTask:
            return self.abortTask(request, in: context)
        case .abortTaskSet:
            return TaskManagementOutcome(
                response: .functionComplete,
                terminatedTasks: self.terminateTasks(onLogicalUnit: logicalUnitNumber),
                effect: nil
            )
        case .clearTaskSet:
            return TaskManagementOutcome(
                response: .functionComplete,
                terminatedTasks: self.terminateTasks(onLogicalUnit: logicalUnitNumber),
                effect: nil,
                otherSessions: .logicalUnit(logicalUnitNumber)
            )
        case .logicalUnitReset:
            return TaskManagementOutcome(
                response: .functionComplete,
                terminatedTasks: self.terminateTasks(onLogicalUnit: logicalUnitNumber),
                effect: .resetLogicalUnit(logicalUnitNumber),
                otherSessions: .logicalUnit(logicalUnitNumber)
            )
        case .targetWarmReset:
            return TaskManagementOutcome(
                response: .functionComplete,
                terminatedTasks: self.terminateTasks(onLogicalUnit: nil),
                effect: .resetTarget,
                otherSessions: .target
            )
        case .targetColdReset:
            return TaskManagementOutcome(
                response: .functionComplete,
                terminatedTasks: self.terminateTasks(onLogicalUnit: nil),
                effect: .resetTargetAndCloseConnections
            )
        case .queryTask:
            let exists = self[request.referencedTaskTag]?.logicalUnitNumber == logicalUnitNumber
            return TaskManagementOutcome(response: exists ? .functionSucceeded : .functionComplete)
        case .queryTaskSet:
            let exists = self.hasTasks(onLogicalUnit: logicalUnitNumber)
            return TaskManagementOutcome(response: exists ? .functionSucceeded : .functionComplete)
        case .taskReassign:
            return TaskManagementOutcome(response: .taskAllegianceReassignmentNotSupported)
        case .clearACA, .itNexusReset, .queryAsynchronousEvent:
            return TaskManagementOutcome(response: .functionNotSupported)
        }
    }

    private mutating func abortTask(
        _ request: TaskManagementRequestPDU,
        in context: TaskManagementContext
    ) -> TaskManagementOutcome<Payload> {
        let referencedCommand = SerialNumber(request.refCmdSN)
        guard let task = self[request.referencedTaskTag], task.logicalUnitNumber == request.logicalUnitNumber else {
            let wasLost =
                referencedCommand.isWithin(
                    lower: context.expectedCommandSequenceNumber,
                    upper: context.maximumCommandSequenceNumber
                ) && referencedCommand.precedes(SerialNumber(request.cmdSN))
            return TaskManagementOutcome(response: wasLost ? .functionComplete : .taskDoesNotExist)
        }
        let matches =
            referencedCommand == task.commandSequenceNumber
            || (task.isImmediate && request.refCmdSN == request.cmdSN)
        guard matches else {
            return TaskManagementOutcome(response: .functionRejected)
        }
        self.terminate(initiatorTaskTag: task.initiatorTaskTag)
        return TaskManagementOutcome(response: .functionComplete, terminatedTasks: [task], effect: nil)
    }

    /// Terminates the tasks in `scope` for a task management function carried out on another session of the
    /// target, and returns them.
    public mutating func terminateTasks(in scope: TaskManagementScope) -> [Task] {
        switch scope {
        case .logicalUnit(let logicalUnitNumber):
            return self.terminateTasks(onLogicalUnit: logicalUnitNumber)
        case .target:
            return self.terminateTasks(onLogicalUnit: nil)
        }
    }
}
