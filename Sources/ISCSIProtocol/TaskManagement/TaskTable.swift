import ISCSIWire

/// The tasks of one session that exist at the target (RFC 7143 §4.2.3, SAM-5 §5.5): SCSI commands received and
/// not yet answered, by Initiator Task Tag. A task leaves the table when its response is sent or when a task
/// management function terminates it; after that an ABORT TASK naming it gets "Task does not exist".
///
/// `Payload` is what the connection keeps for a task in its current phase (the data-out collected so far, the
/// scheduled deferred response); the table hands payloads back when tasks are terminated, so that the
/// connection can stop them. The table performs no I/O.
public struct TaskTable<Payload> {
    /// One task.
    public struct Task {
        /// The Initiator Task Tag of the SCSI Command that created the task.
        public var initiatorTaskTag: UInt32
        /// The LUN field of that command.
        public var logicalUnitNumber: UInt64
        /// Its CmdSN (for an immediate command: the CmdSN it carried, which it did not consume).
        public var commandSequenceNumber: SerialNumber
        /// Whether the command was immediate (it holds no slot of the command window).
        public var isImmediate: Bool
        /// What the connection keeps for the task.
        public var payload: Payload

        /// Creates a task.
        public init(
            initiatorTaskTag: UInt32,
            logicalUnitNumber: UInt64,
            commandSequenceNumber: SerialNumber,
            isImmediate: Bool,
            payload: Payload
        ) {
            self.initiatorTaskTag = initiatorTaskTag
            self.logicalUnitNumber = logicalUnitNumber
            self.commandSequenceNumber = commandSequenceNumber
            self.isImmediate = isImmediate
            self.payload = payload
        }

        mutating func modifyPayload(_ body: (inout Payload) -> Void) {
            body(&self.payload)
        }
    }

    /// How many terminated tags are remembered so that their late Data-Out PDUs are recognised.
    public static var terminatedTagMemory: Int { 64 }

    private var tasks: [UInt32: Task] = [:]
    /// Tags of tasks terminated by task management, oldest first.
    private var terminatedTags: [UInt32] = []

    /// An empty table.
    public init() {}

    /// The number of tasks.
    public var count: Int { self.tasks.count }

    /// Whether no task exists.
    public var isEmpty: Bool { self.tasks.isEmpty }

    /// The task tagged `initiatorTaskTag`, if it exists.
    public subscript(initiatorTaskTag: UInt32) -> Task? {
        self.tasks[initiatorTaskTag]
    }

    /// Records a new task; a task with the same tag is replaced (an initiator must not reuse a live tag, and
    /// the newest command wins). Returns the replaced task.
    @discardableResult
    public mutating func insert(_ task: Task) -> Task? {
        self.terminatedTags.removeAll { $0 == task.initiatorTaskTag }
        return self.tasks.updateValue(task, forKey: task.initiatorTaskTag)
    }

    /// Runs `body` on the payload of the task tagged `initiatorTaskTag` in place; nil when no such task exists.
    public mutating func modifyPayload<Result>(
        forTag initiatorTaskTag: UInt32,
        _ body: (inout Payload) -> Result
    ) -> Result? {
        var result: Result?
        self.tasks[initiatorTaskTag]?.modifyPayload { result = body(&$0) }
        return result
    }

    /// Removes a task whose response is being sent (or that ended otherwise) and returns it.
    @discardableResult
    public mutating func remove(initiatorTaskTag: UInt32) -> Task? {
        self.tasks.removeValue(forKey: initiatorTaskTag)
    }

    /// Removes every task, for a connection that closes; returns them so their work can be cancelled.
    public mutating func removeAll() -> [Task] {
        defer { self.tasks.removeAll() }
        return Array(self.tasks.values)
    }

    /// Whether `initiatorTaskTag` named a task that task management terminated recently: Data-Out PDUs the
    /// initiator had already sent for it are discarded silently.
    public func wasTerminated(initiatorTaskTag: UInt32) -> Bool {
        self.terminatedTags.contains(initiatorTaskTag)
    }

    /// Every task on `logicalUnitNumber`, or every task when it is nil, removed and remembered as terminated.
    mutating func terminateTasks(onLogicalUnit logicalUnitNumber: UInt64?) -> [Task] {
        let affected = self.tasks.values
            .filter { task in logicalUnitNumber.map { task.logicalUnitNumber == $0 } ?? true }
            .sorted { $0.commandSequenceNumber.precedes($1.commandSequenceNumber) }
        for task in affected {
            self.terminate(initiatorTaskTag: task.initiatorTaskTag)
        }
        return affected
    }

    /// Removes one task and remembers it as terminated, so that its late Data-Out PDUs are discarded.
    @discardableResult
    public mutating func terminate(initiatorTaskTag: UInt32) -> Task? {
        guard let task = self.tasks.removeValue(forKey: initiatorTaskTag) else { return nil }
        self.terminatedTags.append(initiatorTaskTag)
        if self.terminatedTags.count > Self.terminatedTagMemory {
            self.terminatedTags.removeFirst(self.terminatedTags.count - Self.terminatedTagMemory)
        }
        return task
    }

    /// Whether any task exists on `logicalUnitNumber`.
    func hasTasks(onLogicalUnit logicalUnitNumber: UInt64) -> Bool {
        self.tasks.values.contains { $0.logicalUnitNumber == logicalUnitNumber }
    }
}

extension TaskTable: Sendable where Payload: Sendable {}
extension TaskTable.Task: Sendable where Payload: Sendable {}
