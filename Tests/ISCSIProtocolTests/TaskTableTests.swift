import ISCSIProtocol
import ISCSIWire
import Testing

@Suite struct TaskTableTests {
    /// The phases a task can be in while the table holds it.
    enum Phase: Hashable, CaseIterable {
        case awaitingDataOut
        case responseDeferred
    }

    typealias Function = TaskManagementRequestPDU.Function
    typealias Response = TaskManagementResponsePDU.Response

    static let lun0: UInt64 = 0
    static let lun1: UInt64 = 1 << 48
    /// A LUN field no logical unit answers to.
    static let missingLUN: UInt64 = 7 << 48

    /// ExpCmdSN 20, MaxCmdSN 51; LUNs 0 and 1 exist.
    static var context: TaskManagementContext {
        TaskManagementContext(
            expectedCommandSequenceNumber: SerialNumber(20),
            maximumCommandSequenceNumber: SerialNumber(51),
            logicalUnitExists: { $0 == lun0 || $0 == lun1 }
        )
    }

    /// Tasks 1 and 2 on LUN 0 (CmdSN 10, 11), task 3 on LUN 1 (CmdSN 12), task 4 immediate on LUN 0 (CmdSN 20).
    func table(_ phase: Phase) -> TaskTable<Phase> {
        var table = TaskTable<Phase>()
        let tasks: [(UInt32, UInt64, UInt32, Bool)] = [
            (1, Self.lun0, 10, false), (2, Self.lun0, 11, false),
            (3, Self.lun1, 12, false), (4, Self.lun0, 20, true),
        ]
        for (tag, lun, cmdSN, isImmediate) in tasks {
            table.insert(
                TaskTable.Task(
                    initiatorTaskTag: tag,
                    logicalUnitNumber: lun,
                    commandSequenceNumber: SerialNumber(cmdSN),
                    isImmediate: isImmediate,
                    payload: phase
                )
            )
        }
        return table
    }

    func request(
        _ function: Function,
        lun: UInt64 = lun0,
        referencedTaskTag: UInt32 = 0xffff_ffff,
        refCmdSN: UInt32 = 0,
        cmdSN: UInt32 = 20
    ) -> TaskManagementRequestPDU {
        TaskManagementRequestPDU(
            function: function,
            logicalUnitNumber: lun,
            initiatorTaskTag: 0x99,
            referencedTaskTag: referencedTaskTag,
            cmdSN: cmdSN,
            expStatSN: 1,
            refCmdSN: refCmdSN
        )
    }

    // MARK: - ABORT TASK

    @Test(arguments: Phase.allCases)
    func abortTaskTerminatesTheReferencedTask(phase: Phase) {
        var table = self.table(phase)
        let outcome = table.perform(self.request(.abortTask, referencedTaskTag: 2, refCmdSN: 11), in: Self.context)
        #expect(outcome.response == .functionComplete)
        #expect(outcome.terminatedTasks.map(\.initiatorTaskTag) == [2])
        #expect(outcome.terminatedTasks.map(\.payload) == [phase])
        #expect(outcome.effect == nil)
        #expect(table[2] == nil && table.count == 3)
        #expect(table.wasTerminated(initiatorTaskTag: 2))
        #expect(!table.wasTerminated(initiatorTaskTag: 1))
    }

    @Test(arguments: Phase.allCases)
    func abortTaskOfATaskAnsweredAlreadySaysTaskDoesNotExist(phase: Phase) {
        var table = self.table(phase)
        table.remove(initiatorTaskTag: 2)
        // libiscsi's AbortTaskSimpleAsync: the write was answered; its CmdSN (11) is below ExpCmdSN.
        let outcome = table.perform(self.request(.abortTask, referencedTaskTag: 2, refCmdSN: 11), in: Self.context)
        #expect(outcome.response == .taskDoesNotExist)
        #expect(outcome.terminatedTasks.isEmpty)
        #expect(table.count == 3)
        #expect(!table.wasTerminated(initiatorTaskTag: 2))
    }

    @Test func abortTaskOfACommandLostInTheWindowCompletes() {
        var table = self.table(.awaitingDataOut)
        // CmdSN 25 lies in [20, 51] and before the request's CmdSN 30: the command is considered received.
        let lost = table.perform(
            self.request(.abortTask, referencedTaskTag: 9, refCmdSN: 25, cmdSN: 30),
            in: Self.context
        )
        #expect(lost.response == .functionComplete)
        #expect(lost.terminatedTasks.isEmpty)
        // Not before the request itself: no such task.
        let ahead = table.perform(
            self.request(.abortTask, referencedTaskTag: 9, refCmdSN: 25, cmdSN: 25),
            in: Self.context
        )
        #expect(ahead.response == .taskDoesNotExist)
        // Beyond MaxCmdSN: no such task.
        let outside = table.perform(
            self.request(.abortTask, referencedTaskTag: 9, refCmdSN: 60, cmdSN: 70),
            in: Self.context
        )
        #expect(outside.response == .taskDoesNotExist)
        #expect(table.count == 4)
    }

    @Test(arguments: Phase.allCases)
    func abortTaskWithAWrongRefCmdSNIsRejected(phase: Phase) {
        var table = self.table(phase)
        let outcome = table.perform(self.request(.abortTask, referencedTaskTag: 2, refCmdSN: 12), in: Self.context)
        #expect(outcome.response == .functionRejected)
        #expect(outcome.terminatedTasks.isEmpty)
        #expect(table[2] != nil)
    }

    @Test func abortTaskOfAnImmediateTaskTakesTheRequestsOwnCmdSN() {
        var table = self.table(.responseDeferred)
        let outcome = table.perform(
            self.request(.abortTask, referencedTaskTag: 4, refCmdSN: 21, cmdSN: 21),
            in: Self.context
        )
        #expect(outcome.response == .functionComplete)
        #expect(outcome.terminatedTasks.map(\.initiatorTaskTag) == [4])
    }

    @Test func abortTaskOnAnotherLogicalUnitFindsNoTask() {
        var table = self.table(.awaitingDataOut)
        let outcome = table.perform(
            self.request(.abortTask, lun: Self.lun1, referencedTaskTag: 2, refCmdSN: 11),
            in: Self.context
        )
        #expect(outcome.response == .taskDoesNotExist)
        #expect(table[2] != nil)
    }

    // MARK: - Task sets and resets

    @Test(arguments: Phase.allCases, [Function.abortTaskSet, .clearTaskSet, .logicalUnitReset])
    func logicalUnitFunctionsTerminateEveryTaskOnTheLogicalUnit(phase: Phase, function: Function) {
        var table = self.table(phase)
        let outcome = table.perform(self.request(function), in: Self.context)
        #expect(outcome.response == .functionComplete)
        #expect(outcome.terminatedTasks.map(\.initiatorTaskTag) == [1, 2, 4])
        #expect(table.count == 1 && table[3] != nil)
        #expect(outcome.effect == (function == .logicalUnitReset ? .resetLogicalUnit(Self.lun0) : nil))
        // ABORT TASK SET reaches only the requesting I_T nexus; the others every nexus.
        #expect(outcome.otherSessions == (function == .abortTaskSet ? nil : .logicalUnit(Self.lun0)))
    }

    @Test(arguments: Phase.allCases, [Function.targetWarmReset, .targetColdReset])
    func targetResetsTerminateEveryTask(phase: Phase, function: Function) {
        var table = self.table(phase)
        let outcome = table.perform(self.request(function, lun: Self.missingLUN), in: Self.context)
        #expect(outcome.response == .functionComplete)
        #expect(outcome.terminatedTasks.map(\.initiatorTaskTag) == [1, 2, 3, 4])
        #expect(table.isEmpty)
        #expect(outcome.effect == (function == .targetWarmReset ? .resetTarget : .resetTargetAndCloseConnections))
        #expect(outcome.otherSessions == (function == .targetWarmReset ? .target : nil))
    }

    @Test func taskSetFunctionsOnAnEmptyLogicalUnitComplete() {
        var table = TaskTable<Phase>()
        for function in [Function.abortTaskSet, .clearTaskSet, .logicalUnitReset, .targetWarmReset] {
            let outcome = table.perform(self.request(function), in: Self.context)
            #expect(outcome.response == .functionComplete)
            #expect(outcome.terminatedTasks.isEmpty)
        }
    }

    @Test(arguments: [
        Function.abortTask, .abortTaskSet, .clearTaskSet, .logicalUnitReset, .queryTask, .queryTaskSet,
    ])
    func functionsOnAMissingLogicalUnitSayLUNDoesNotExist(function: Function) {
        var table = self.table(.awaitingDataOut)
        let outcome = table.perform(
            self.request(function, lun: Self.missingLUN, referencedTaskTag: 1, refCmdSN: 10),
            in: Self.context
        )
        #expect(outcome.response == .logicalUnitDoesNotExist)
        #expect(outcome.terminatedTasks.isEmpty)
        #expect(table.count == 4)
    }

    // MARK: - Queries and unsupported functions

    @Test(arguments: Phase.allCases)
    func queryTaskSaysWhetherTheTaskExists(phase: Phase) {
        var table = self.table(phase)
        #expect(
            table.perform(self.request(.queryTask, referencedTaskTag: 1), in: Self.context).response
                == .functionSucceeded
        )
        #expect(
            table.perform(self.request(.queryTask, referencedTaskTag: 9), in: Self.context).response
                == .functionComplete
        )
        #expect(
            table.perform(self.request(.queryTask, lun: Self.lun1, referencedTaskTag: 1), in: Self.context).response
                == .functionComplete
        )
        #expect(table.count == 4)
    }

    @Test func queryTaskSetSaysWhetherAnyTaskExistsOnTheLogicalUnit() {
        var table = self.table(.responseDeferred)
        #expect(
            table.perform(self.request(.queryTaskSet, lun: Self.lun1), in: Self.context).response == .functionSucceeded
        )
        table.remove(initiatorTaskTag: 3)
        #expect(
            table.perform(self.request(.queryTaskSet, lun: Self.lun1), in: Self.context).response == .functionComplete
        )
    }

    @Test func unsupportedFunctionsTerminateNothing() {
        var table = self.table(.awaitingDataOut)
        let expected: [(UInt8, Response)] = [
            (Function.clearACA.rawValue, .functionNotSupported),
            (Function.taskReassign.rawValue, .taskAllegianceReassignmentNotSupported),
            (Function.itNexusReset.rawValue, .functionNotSupported),
            (Function.queryAsynchronousEvent.rawValue, .functionNotSupported),
            (0, .functionNotSupported),
            (13, .functionNotSupported),
            (0x7f, .functionNotSupported),
        ]
        for (code, response) in expected {
            var request = self.request(.abortTask)
            request.function = code
            let outcome = table.perform(request, in: Self.context)
            #expect(outcome.response == response, "function \(code)")
            #expect(outcome.terminatedTasks.isEmpty)
        }
        #expect(table.count == 4)
    }

    // MARK: - The table

    @Test(arguments: Phase.allCases)
    func tasksOfAnotherSessionAreTerminatedByScope(phase: Phase) {
        var table = self.table(phase)
        #expect(table.terminateTasks(in: .logicalUnit(Self.lun1)).map(\.initiatorTaskTag) == [3])
        #expect(table.wasTerminated(initiatorTaskTag: 3))
        #expect(table.terminateTasks(in: .target).map(\.initiatorTaskTag) == [1, 2, 4])
        #expect(table.isEmpty)
    }

    @Test func aNewTaskWithATerminatedTagIsNoLongerTerminated() {
        var table = self.table(.awaitingDataOut)
        _ = table.perform(self.request(.abortTask, referencedTaskTag: 1, refCmdSN: 10), in: Self.context)
        #expect(table.wasTerminated(initiatorTaskTag: 1))
        table.insert(
            TaskTable.Task(
                initiatorTaskTag: 1,
                logicalUnitNumber: Self.lun0,
                commandSequenceNumber: SerialNumber(30),
                isImmediate: false,
                payload: .awaitingDataOut
            )
        )
        #expect(!table.wasTerminated(initiatorTaskTag: 1))
    }

    @Test func terminatedTagsAreRememberedBoundedly() {
        var table = TaskTable<Phase>()
        let total = UInt32(TaskTable<Phase>.terminatedTagMemory + 10)
        for tag in 0..<total {
            table.insert(
                TaskTable.Task(
                    initiatorTaskTag: tag,
                    logicalUnitNumber: Self.lun0,
                    commandSequenceNumber: SerialNumber(20 + tag),
                    isImmediate: false,
                    payload: .awaitingDataOut
                )
            )
        }
        let outcome = table.perform(self.request(.targetWarmReset), in: Self.context)
        #expect(outcome.terminatedTasks.count == Int(total))
        #expect(!table.wasTerminated(initiatorTaskTag: 0))
        #expect(table.wasTerminated(initiatorTaskTag: total - 1))
    }

    @Test func payloadsChangeInPlaceAndRemoveAllEmptiesTheTable() {
        var table = self.table(.awaitingDataOut)
        #expect(table.modifyPayload(forTag: 1) { $0 = .responseDeferred } != nil)
        #expect(table.modifyPayload(forTag: 9) { $0 = .responseDeferred } == nil)
        #expect(table[1]?.payload == .responseDeferred)
        #expect(table.removeAll().count == 4)
        #expect(table.isEmpty)
    }
}
