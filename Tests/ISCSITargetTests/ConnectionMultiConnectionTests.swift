import ISCSIWire
import NIOCore
import NIOEmbedded
import Testing

@testable import ISCSITarget

/// Sessions with several connections (MC/S): joining, the shared command window, connection allegiance, logout
/// reasons and the ERL 0 failure of a session whose connection drops.
@Suite struct ConnectionMultiConnectionTests {
    /// Logs `initiator` in with `cid`: a new session, or with `tsih` a connection of that session.
    private static func login(
        _ initiator: ConnectionTestInitiator,
        tsih: UInt16 = 0,
        cid: UInt16,
        maxConnections: Int = 2,
        extraKeys: String = ""
    ) throws -> LoginResponsePDU {
        let text =
            "InitiatorName=\(ConnectionTestInitiator.initiatorName)\0SessionType=Normal\0"
            + "TargetName=\(ConnectionTestInitiator.targetName)\0MaxConnections=\(maxConnections)\0" + extraKeys
        try initiator.send(
            LoginRequestPDU(
                isTransit: true,
                currentStage: .loginOperationalNegotiation,
                nextStage: .fullFeaturePhase,
                isid: 0x8000_0000_0042,
                tsih: tsih,
                initiatorTaskTag: initiator.takeTag(),
                cid: cid,
                cmdSN: initiator.cmdSN,
                expStatSN: 0,
                data: ByteBuffer(string: text)
            ).makePDU()
        )
        let response = try LoginResponsePDU(try #require(try initiator.receiveAll().last))
        initiator.expStatSN = response.statSN &+ 1
        return response
    }

    /// A session with connections `first` (CID 0) and `second` (CID 1).
    private static func twoConnections() throws -> (
        first: ConnectionTestInitiator, second: ConnectionTestInitiator, tsih: UInt16
    ) {
        let first = try ConnectionTestInitiator()
        let opened = try Self.login(first, cid: 0)
        #expect(opened.status == .success)
        let second = try ConnectionTestInitiator(sharing: first)
        second.cmdSN = first.cmdSN
        let joined = try Self.login(second, tsih: opened.tsih, cid: 1)
        #expect(joined.status == .success)
        #expect(joined.tsih == opened.tsih)
        return (first, second, opened.tsih)
    }

    private static func testUnitReady(_ initiator: ConnectionTestInitiator, cmdSN: UInt32) throws -> UInt32 {
        initiator.cmdSN = cmdSN
        let command = initiator.command(cdb: [0x00], expectedLength: 0)
        try initiator.send(command.makePDU())
        return command.initiatorTaskTag
    }

    private static func responses(_ initiator: ConnectionTestInitiator) throws -> [SCSIResponsePDU] {
        try initiator.receiveAll().compactMap { try? SCSIResponsePDU($0) }
    }

    @Test func aSecondConnectionJoinsAndAThirdIsTooMany() throws {
        let (first, second, tsih) = try Self.twoConnections()
        let third = try ConnectionTestInitiator(sharing: first)
        #expect(try Self.login(third, tsih: tsih, cid: 2).status == .tooManyConnections)
        #expect(!third.channel.isActive)
        #expect(first.channel.isActive && second.channel.isActive)
        let cids = first.registry.connections(ofTarget: ConnectionTestInitiator.targetName).map(\.info.cid).sorted()
        #expect(cids == [0, 1])
    }

    @Test func aCommandGapOnOneConnectionIsFilledByTheOther() throws {
        let (first, second, _) = try Self.twoConnections()
        let base = first.cmdSN
        let later = try Self.testUnitReady(second, cmdSN: base &+ 1)
        #expect(try Self.responses(second).isEmpty)
        let earlier = try Self.testUnitReady(first, cmdSN: base)
        let firstAnswers = try Self.responses(first)
        let secondAnswers = try Self.responses(second)
        // Each command is answered on the connection it arrived on, with the session-wide ExpCmdSN.
        #expect(firstAnswers.map(\.initiatorTaskTag) == [earlier])
        #expect(secondAnswers.map(\.initiatorTaskTag) == [later])
        #expect(secondAnswers.first?.expCmdSN == base &+ 2)
        // StatSN is per connection: each connection's first status follows its own login response.
        #expect(firstAnswers.first?.statSN == first.expStatSN)
        #expect(secondAnswers.first?.statSN == second.expStatSN)
    }

    @Test func loggingOutOneConnectionKeepsTheSession() throws {
        let (first, second, _) = try Self.twoConnections()
        try second.send(
            LogoutRequestPDU(
                isImmediate: true,
                reason: .closeConnection,
                initiatorTaskTag: second.takeTag(),
                cid: 1,
                cmdSN: first.cmdSN,
                expStatSN: second.expStatSN
            ).makePDU()
        )
        let logout = try LogoutResponsePDU(try #require(try second.receiveAll().last))
        #expect(logout.response == LogoutResponsePDU.Response.closedSuccessfully.rawValue)
        second.channel.embeddedEventLoop.run()
        #expect(!second.channel.isActive)
        #expect(first.channel.isActive)
        let tag = try Self.testUnitReady(first, cmdSN: first.cmdSN)
        #expect(try Self.responses(first).map(\.initiatorTaskTag) == [tag])
    }

    @Test func loggingOutTheSessionClosesEveryConnection() throws {
        let (first, second, _) = try Self.twoConnections()
        try first.send(
            LogoutRequestPDU(
                isImmediate: true,
                reason: .closeSession,
                initiatorTaskTag: first.takeTag(),
                cid: 0,
                cmdSN: first.cmdSN,
                expStatSN: first.expStatSN
            ).makePDU()
        )
        first.channel.embeddedEventLoop.run()
        second.channel.embeddedEventLoop.run()
        #expect(!first.channel.isActive)
        #expect(!second.channel.isActive)
    }

    @Test func aDroppedConnectionFailsTheSessionAtErrorRecoveryLevelZero() throws {
        let (first, second, _) = try Self.twoConnections()
        try second.channel.close().wait()
        let messages = try first.receiveAll().compactMap { try? AsyncMessagePDU($0) }
        #expect(messages.map(\.asyncEvent) == [AsyncMessagePDU.Event.allConnectionsWillBeDropped.rawValue])
        first.channel.embeddedEventLoop.run()
        #expect(!first.channel.isActive)
    }

    @Test func reinstatingOneConnectionKeepsTheSession() throws {
        let (first, second, tsih) = try Self.twoConnections()
        let replacement = try ConnectionTestInitiator(sharing: first)
        replacement.cmdSN = first.cmdSN
        #expect(try Self.login(replacement, tsih: tsih, cid: 1).status == .success)
        second.channel.embeddedEventLoop.run()
        #expect(!second.channel.isActive)
        #expect(first.channel.isActive && replacement.channel.isActive)
        #expect(try first.receiveAll().compactMap { try? AsyncMessagePDU($0) }.isEmpty)
        let base = first.cmdSN
        let later = try Self.testUnitReady(replacement, cmdSN: base &+ 1)
        let earlier = try Self.testUnitReady(first, cmdSN: base)
        #expect(try Self.responses(first).map(\.initiatorTaskTag) == [earlier])
        #expect(try Self.responses(replacement).map(\.initiatorTaskTag) == [later])
    }

    @Test func abortTaskReachesAWriteWaitingOnAnotherConnection() throws {
        let (first, second, _) = try Self.twoConnections()
        second.cmdSN = first.cmdSN
        let write = second.command(cdb: [0x2a, 0, 0, 0, 0, 8, 0, 0, 2, 0], write: true, expectedLength: 1024)
        try second.send(write.makePDU())
        let r2t = try ReadyToTransferPDU(try #require(try second.receiveAll().first))
        #expect(r2t.initiatorTaskTag == write.initiatorTaskTag)
        try first.send(
            TaskManagementRequestPDU(
                isImmediate: true,
                function: .abortTask,
                logicalUnitNumber: 0,
                initiatorTaskTag: first.takeTag(),
                referencedTaskTag: write.initiatorTaskTag,
                cmdSN: second.cmdSN,
                expStatSN: first.expStatSN,
                refCmdSN: write.cmdSN
            ).makePDU()
        )
        let response = try TaskManagementResponsePDU(try #require(try first.receiveAll().first))
        #expect(response.response == TaskManagementResponsePDU.Response.functionComplete.rawValue)
        // The aborted write gave its slot back to the session's window.
        #expect(response.maxCmdSN == write.cmdSN &+ 64)
        #expect(try second.receiveAll().isEmpty)
    }

    @Test func aJoiningLoginIsAnsweredWithTheSessionWideValuesOfTheSession() throws {
        let first = try ConnectionTestInitiator()
        let opened = try Self.login(first, cid: 0, extraKeys: "MaxBurstLength=131072\0")
        #expect(opened.status == .success)
        let second = try ConnectionTestInitiator(sharing: first)
        second.cmdSN = first.cmdSN
        let joined = try Self.login(second, tsih: opened.tsih, cid: 1, extraKeys: "MaxBurstLength=65536\0")
        #expect(joined.status == .success)
        let keys = String(buffer: joined.data).split(separator: "\0")
        #expect(keys.contains("MaxBurstLength=131072"))
        #expect(keys.contains("MaxConnections=2"))
    }

    @Test func aConnectionThatLeavesGivesTheSlotsOfItsTasksBack() throws {
        let (first, second, _) = try Self.twoConnections()
        second.cmdSN = first.cmdSN
        let write = second.command(cdb: [0x2a, 0, 0, 0, 0, 8, 0, 0, 2, 0], write: true, expectedLength: 1024)
        try second.send(write.makePDU())
        let r2t = try ReadyToTransferPDU(try #require(try second.receiveAll().first))
        #expect(r2t.maxCmdSN == write.cmdSN &+ 63)
        try first.send(
            LogoutRequestPDU(
                isImmediate: true,
                reason: .closeConnection,
                initiatorTaskTag: first.takeTag(),
                cid: 1,
                cmdSN: second.cmdSN,
                expStatSN: first.expStatSN
            ).makePDU()
        )
        second.channel.embeddedEventLoop.run()
        #expect(!second.channel.isActive)
        try first.send(
            NOPOutPDU(initiatorTaskTag: first.takeTag(), cmdSN: second.cmdSN, expStatSN: first.expStatSN).makePDU()
        )
        let nopIn = try NOPInPDU(try #require(try first.receiveAll().last))
        #expect(nopIn.maxCmdSN == write.cmdSN &+ 64)
    }
}
