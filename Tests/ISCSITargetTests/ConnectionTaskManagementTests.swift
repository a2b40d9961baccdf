import ISCSIWire
import NIOCore
import NIOEmbedded
import Testing

@testable import ISCSITarget

@Suite struct ConnectionTaskManagementTests {
    private let normal = [
        "SessionType": "Normal",
        "TargetName": ConnectionTestInitiator.targetName,
        "ImmediateData": "Yes",
        "MaxRecvDataSegmentLength": "512",
    ]

    /// Sends WRITE(10) of two blocks at LBA 8 without immediate data; returns it with the R2T it got.
    private func startWrite(_ initiator: ConnectionTestInitiator) throws -> (SCSICommandPDU, ReadyToTransferPDU) {
        let write = initiator.command(cdb: [0x2a, 0, 0, 0, 0, 8, 0, 0, 2, 0], write: true, expectedLength: 1024)
        try initiator.send(write.makePDU())
        let r2t = try ReadyToTransferPDU(try #require(try initiator.receiveAll().first))
        return (write, r2t)
    }

    private func taskManagement(
        _ initiator: ConnectionTestInitiator,
        _ function: TaskManagementRequestPDU.Function,
        logicalUnitNumber: UInt64 = 0,
        referencing command: SCSICommandPDU? = nil
    ) throws -> TaskManagementResponsePDU {
        try initiator.send(
            TaskManagementRequestPDU(
                function: function,
                logicalUnitNumber: logicalUnitNumber,
                initiatorTaskTag: initiator.takeTag(),
                referencedTaskTag: command?.initiatorTaskTag ?? 0xffff_ffff,
                cmdSN: initiator.cmdSN,
                expStatSN: initiator.expStatSN,
                refCmdSN: command?.cmdSN ?? 0
            ).makePDU()
        )
        let response = try TaskManagementResponsePDU(try #require(try initiator.receiveAll().first))
        initiator.expStatSN = response.statSN &+ 1
        return response
    }

    private func dataOut(for write: SCSICommandPDU, r2t: ReadyToTransferPDU, dataSN: UInt32 = 0) -> ISCSIPDU {
        SCSIDataOutPDU(
            isFinal: true,
            logicalUnitNumber: 0,
            initiatorTaskTag: write.initiatorTaskTag,
            targetTransferTag: r2t.targetTransferTag,
            expStatSN: 1,
            dataSN: dataSN,
            bufferOffset: 0,
            data: ByteBuffer(repeating: 0x5a, count: 1024)
        ).makePDU()
    }

    @Test func abortTaskDropsAWriteWaitingForDataAndIgnoresItsLateDataOut() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        let (write, r2t) = try self.startWrite(initiator)
        #expect(r2t.maxCmdSN == write.cmdSN + 63)

        let response = try self.taskManagement(initiator, .abortTask, referencing: write)
        #expect(response.response == TaskManagementResponsePDU.Response.functionComplete.rawValue)
        // The write's window slot is free again.
        #expect(response.maxCmdSN == write.cmdSN + 64)

        try initiator.send(self.dataOut(for: write, r2t: r2t))
        #expect(try initiator.receiveAll().isEmpty)
        #expect(initiator.channel.isActive)
    }

    @Test func abortTaskOfAnAnsweredWriteSaysTaskDoesNotExist() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        let write = initiator.command(
            cdb: [0x2a, 0, 0, 0, 0, 8, 0, 0, 1, 0],
            write: true,
            expectedLength: 512,
            data: ByteBuffer(repeating: 1, count: 512)
        )
        try initiator.send(write.makePDU())
        let answer = try SCSIResponsePDU(try #require(try initiator.receiveAll().first))
        #expect(answer.status == 0)
        initiator.expStatSN = answer.statSN &+ 1

        let response = try self.taskManagement(initiator, .abortTask, referencing: write)
        #expect(response.response == TaskManagementResponsePDU.Response.taskDoesNotExist.rawValue)
    }

    @Test func logicalUnitResetTerminatesTheWritesOfTheLogicalUnit() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        let (write, r2t) = try self.startWrite(initiator)
        let response = try self.taskManagement(initiator, .logicalUnitReset)
        #expect(response.response == TaskManagementResponsePDU.Response.functionComplete.rawValue)
        try initiator.send(self.dataOut(for: write, r2t: r2t))
        #expect(try initiator.receiveAll().isEmpty)

        // The next abort of it finds nothing; the window is whole again.
        let again = try self.taskManagement(initiator, .abortTask, referencing: write)
        #expect(again.response == TaskManagementResponsePDU.Response.taskDoesNotExist.rawValue)
        #expect(again.maxCmdSN == initiator.cmdSN + 63)
    }

    @Test func functionsOnAMissingLogicalUnitSayLUNDoesNotExist() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        for function in [TaskManagementRequestPDU.Function.abortTaskSet, .logicalUnitReset, .queryTaskSet] {
            let response = try self.taskManagement(initiator, function, logicalUnitNumber: 5 << 48)
            #expect(response.response == TaskManagementResponsePDU.Response.logicalUnitDoesNotExist.rawValue)
        }
    }

    @Test func queryTaskReportsAWriteWaitingForData() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        let (write, _) = try self.startWrite(initiator)
        let response = try self.taskManagement(initiator, .queryTask, referencing: write)
        #expect(response.response == TaskManagementResponsePDU.Response.functionSucceeded.rawValue)
    }

    /// A second session (another ISID) from the same initiator to the same target.
    private func secondSession(sharing first: ConnectionTestInitiator) throws -> ConnectionTestInitiator {
        let second = try ConnectionTestInitiator(sharing: first)
        var text = "InitiatorName=\(ConnectionTestInitiator.initiatorName)\0"
        for (key, value) in self.normal.sorted(by: { $0.key < $1.key }) {
            text += "\(key)=\(value)\0"
        }
        try second.send(
            LoginRequestPDU(
                isTransit: true,
                currentStage: .loginOperationalNegotiation,
                nextStage: .fullFeaturePhase,
                isid: 0x8000_0000_0002,
                tsih: 0,
                initiatorTaskTag: second.takeTag(),
                cid: 0,
                cmdSN: second.cmdSN,
                expStatSN: 0,
                data: ByteBuffer(string: text)
            ).makePDU()
        )
        let login = try LoginResponsePDU(try #require(try second.receiveAll().last))
        #expect(login.status == .success)
        second.expStatSN = login.statSN &+ 1
        #expect(first.channel.isActive)
        return second
    }

    @Test func logicalUnitResetReachesTheTasksOfOtherSessions() throws {
        let first = try ConnectionTestInitiator()
        _ = try first.login(keys: self.normal)
        let second = try self.secondSession(sharing: first)
        let (write, r2t) = try self.startWrite(second)

        // ABORT TASK SET on the first session leaves the second one's write alone.
        _ = try self.taskManagement(first, .abortTaskSet)
        second.channel.embeddedEventLoop.run()
        let query = try self.taskManagement(second, .queryTask, referencing: write)
        #expect(query.response == TaskManagementResponsePDU.Response.functionSucceeded.rawValue)

        let reset = try self.taskManagement(first, .logicalUnitReset)
        #expect(reset.response == TaskManagementResponsePDU.Response.functionComplete.rawValue)
        second.channel.embeddedEventLoop.run()
        try second.send(self.dataOut(for: write, r2t: r2t))
        #expect(try second.receiveAll().isEmpty)
        let again = try self.taskManagement(second, .queryTask, referencing: write)
        #expect(again.response == TaskManagementResponsePDU.Response.functionComplete.rawValue)
        #expect(again.maxCmdSN == second.cmdSN + 63)
    }

    @Test func targetColdResetAnswersThenClosesTheConnections() throws {
        let first = try ConnectionTestInitiator()
        _ = try first.login(keys: self.normal)
        let second = try self.secondSession(sharing: first)
        let response = try self.taskManagement(first, .targetColdReset)
        #expect(response.response == TaskManagementResponsePDU.Response.functionComplete.rawValue)
        first.channel.embeddedEventLoop.run()
        #expect(!first.channel.isActive)
        second.channel.embeddedEventLoop.run()
        #expect(!second.channel.isActive)
    }

    @Test func aWrongDataSNIsRejectedAndEndsTheTaskWithCheckCondition() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        let (write, r2t) = try self.startWrite(initiator)
        try initiator.send(self.dataOut(for: write, r2t: r2t, dataSN: 27))
        let pdus = try initiator.receiveAll()
        #expect(pdus.count == 2)
        let reject = try RejectPDU(try #require(pdus.first))
        #expect(reject.reason == RejectPDU.Reason.protocolError.rawValue)
        let response = try SCSIResponsePDU(try #require(pdus.last))
        #expect(response.initiatorTaskTag == write.initiatorTaskTag)
        #expect(response.status == 0x02)
        // ABORTED COMMAND, DATA PHASE ERROR.
        #expect(response.data.getInteger(at: 2 + 2, as: UInt8.self).map { $0 & 0x0f } == 0x0b)
        #expect(response.data.getInteger(at: 2 + 12, as: UInt8.self) == 0x4b)
        #expect(response.maxCmdSN == write.cmdSN + 64)

        // The rest of the task's data is discarded; the connection goes on.
        try initiator.send(self.dataOut(for: write, r2t: r2t, dataSN: 0))
        #expect(try initiator.receiveAll().isEmpty)
        #expect(initiator.channel.isActive)
    }

    @Test func aReadSentAsAWriteRunsAndSendsNoData() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        // libiscsi's Read10Invalid: READ(10) of one block with the W bit and a block of immediate data.
        let read = initiator.command(
            cdb: [0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0],
            write: true,
            expectedLength: 512,
            data: ByteBuffer(repeating: 0xa6, count: 512)
        )
        try initiator.send(read.makePDU())
        let pdus = try initiator.receiveAll()
        #expect(pdus.count == 1)
        let response = try SCSIResponsePDU(try #require(pdus.first))
        #expect(response.status == 0)
    }
}
