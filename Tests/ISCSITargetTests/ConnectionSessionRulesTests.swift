import ISCSIWire
import NIOCore
import NIOEmbedded
import Testing

@testable import ISCSITarget

/// MaxSessions, joins of existing sessions (TSIH ≠ 0) and reinstatement past the session limit.
@Suite struct ConnectionSessionRulesTests {
    private static func snapshot(maxSessions: UInt32) -> ConfigurationSnapshot {
        var snapshot = ConnectionTestInitiator.defaultSnapshot()
        snapshot.options.maxSessions = maxSessions
        return snapshot
    }

    /// Logs `initiator` in to a Normal session with `isid`, or joins session `tsih`; returns the response.
    private static func login(
        _ initiator: ConnectionTestInitiator,
        isid: UInt64,
        tsih: UInt16 = 0,
        cid: UInt16 = 0,
        discovery: Bool = false
    ) throws -> LoginResponsePDU {
        var text = "InitiatorName=\(ConnectionTestInitiator.initiatorName)\0"
        text +=
            discovery
            ? "SessionType=Discovery\0" : "SessionType=Normal\0TargetName=\(ConnectionTestInitiator.targetName)\0"
        try initiator.send(
            LoginRequestPDU(
                isTransit: true,
                currentStage: .loginOperationalNegotiation,
                nextStage: .fullFeaturePhase,
                isid: isid,
                tsih: tsih,
                initiatorTaskTag: initiator.takeTag(),
                cid: cid,
                cmdSN: 1,
                expStatSN: 0,
                data: ByteBuffer(string: text)
            ).makePDU()
        )
        return try LoginResponsePDU(try #require(try initiator.receiveAll().last))
    }

    @Test func loginsBeyondMaxSessionsAreOutOfResourcesUntilASessionCloses() throws {
        let first = try ConnectionTestInitiator(snapshot: Self.snapshot(maxSessions: 2))
        #expect(try Self.login(first, isid: 1).status == .success)
        let second = try ConnectionTestInitiator(sharing: first)
        #expect(try Self.login(second, isid: 2, discovery: true).status == .success)
        let third = try ConnectionTestInitiator(sharing: first)
        #expect(try Self.login(third, isid: 3).status == .outOfResources)
        #expect(!third.channel.isActive)

        try first.channel.close().wait()
        let fourth = try ConnectionTestInitiator(sharing: first)
        #expect(try Self.login(fourth, isid: 4).status == .success)
    }

    @Test func reinstatementGetsASessionEvenWhenAllAreTaken() throws {
        let first = try ConnectionTestInitiator(snapshot: Self.snapshot(maxSessions: 1))
        #expect(try Self.login(first, isid: 7).status == .success)
        let stranger = try ConnectionTestInitiator(sharing: first)
        #expect(try Self.login(stranger, isid: 8).status == .outOfResources)
        let again = try ConnectionTestInitiator(sharing: first)
        #expect(try Self.login(again, isid: 7).status == .success)
        first.channel.embeddedEventLoop.run()
        #expect(!first.channel.isActive)
        #expect(again.channel.isActive)
    }

    @Test func joiningASessionIsAnsweredWithTheRightStatus() throws {
        let first = try ConnectionTestInitiator()
        let response = try Self.login(first, isid: 5)
        #expect(response.status == .success)
        let join = try ConnectionTestInitiator(sharing: first)
        #expect(try Self.login(join, isid: 5, tsih: response.tsih, cid: 1).status == .success)
        let beyond = try ConnectionTestInitiator(sharing: first)
        #expect(try Self.login(beyond, isid: 5, tsih: response.tsih, cid: 2).status == .tooManyConnections)
        let stale = try ConnectionTestInitiator(sharing: first)
        #expect(try Self.login(stale, isid: 5, tsih: response.tsih &+ 100).status == .sessionDoesNotExist)
        let discovery = try ConnectionTestInitiator(sharing: first)
        #expect(try Self.login(discovery, isid: 5, tsih: response.tsih, discovery: true).status == .sessionDoesNotExist)
        let otherPort = try ConnectionTestInitiator(sharing: first)
        #expect(try Self.login(otherPort, isid: 6, tsih: response.tsih).status == .sessionDoesNotExist)
        #expect(first.channel.isActive)
    }

    @Test func slotsAreKeptOncePerConnectionAndGivenBack() throws {
        let table = SessionTable()
        let channel = EmbeddedChannel()
        let connection = ISCSIConnection(channel: channel, portalGroupTag: 1)
        #expect(table.reserveSlot(for: connection, limit: 1))
        #expect(table.reserveSlot(for: connection, limit: 1))
        #expect(table.slotsInUse == 1)
        let other = ISCSIConnection(channel: EmbeddedChannel(), portalGroupTag: 1)
        #expect(!table.reserveSlot(for: other, limit: 1))
        table.releaseSlot(of: connection)
        #expect(table.slotsInUse == 0)
        #expect(table.reserveSlot(for: other, limit: 1))
    }

    @Test func aLoginWithTheTSIHAndCIDOfAnOpenSessionReinstatesTheConnection() throws {
        let first = try ConnectionTestInitiator(snapshot: Self.snapshot(maxSessions: 1))
        let opened = try Self.login(first, isid: 9)
        #expect(opened.status == .success)
        let replacement = try ConnectionTestInitiator(sharing: first)
        let reinstated = try Self.login(replacement, isid: 9, tsih: opened.tsih)
        #expect(reinstated.status == .success)
        #expect(reinstated.tsih == opened.tsih)
        first.channel.embeddedEventLoop.run()
        #expect(!first.channel.isActive)
        #expect(replacement.channel.isActive)
        let handler = try replacement.channel.pipeline.syncOperations.handler(type: ISCSIConnectionHandler.self)
        #expect(handler.connection.info.tsih == opened.tsih)
    }
}
