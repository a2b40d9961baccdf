import ISCSIWire
import NIOCore
import NIOEmbedded
import Testing

@testable import ISCSITarget

@Suite struct ConnectionHandlerTests {
    private let normal = [
        "SessionType": "Normal",
        "TargetName": ConnectionTestInitiator.targetName,
        "ImmediateData": "Yes",
        "MaxRecvDataSegmentLength": "512",
    ]

    @Test func discoveryLoginSendTargetsAndLogout() throws {
        let initiator = try ConnectionTestInitiator()
        let login = try initiator.login(keys: ["SessionType": "Discovery"])
        #expect(login.status == .success)
        #expect(login.isTransit && login.nextStage == .fullFeaturePhase)
        #expect(login.tsih != 0)
        #expect(initiator.registry.connections.first?.info.loginPhase == "full_feature_phase")

        try initiator.send(
            TextRequestPDU(
                initiatorTaskTag: initiator.takeTag(),
                cmdSN: initiator.cmdSN,
                expStatSN: initiator.expStatSN,
                data: ByteBuffer(string: "SendTargets=All\0")
            ).makePDU()
        )
        let text = try TextResponsePDU(try #require(try initiator.receiveAll().first))
        #expect(text.isFinal && !text.isContinue)
        #expect(text.statSN == initiator.expStatSN)
        #expect(
            try TextKeyValues(parsing: text.data).pairs == [
                .init(key: "TargetName", value: ConnectionTestInitiator.targetName),
                .init(key: "TargetAddress", value: "127.0.0.1:3260,1"),
            ]
        )

        try initiator.send(
            LogoutRequestPDU(
                isImmediate: true,
                reason: .closeSession,
                initiatorTaskTag: initiator.takeTag(),
                cid: 0,
                cmdSN: initiator.cmdSN,
                expStatSN: initiator.expStatSN
            ).makePDU()
        )
        let logout = try LogoutResponsePDU(try #require(try initiator.receiveAll().first))
        #expect(logout.response == LogoutResponsePDU.Response.closedSuccessfully.rawValue)
        #expect(!initiator.channel.isActive)
        #expect(initiator.registry.connections.isEmpty)
    }

    @Test func unknownTargetIsNotFound() throws {
        let initiator = try ConnectionTestInitiator()
        let login = try initiator.login(keys: ["SessionType": "Normal", "TargetName": "iqn.2016-06.io.spdk:nope"])
        #expect(login.status == .notFound)
        #expect(!initiator.channel.isActive)
    }

    @Test func initiatorGroupDenialIsAuthorizationFailure() throws {
        let snapshot = ConnectionTestInitiator.defaultSnapshot(initiators: ["!" + ConnectionTestInitiator.initiatorName]
        )
        let initiator = try ConnectionTestInitiator(snapshot: snapshot)
        let login = try initiator.login(keys: self.normal)
        #expect(login.status == .authorizationFailure)
        let discovery = try ConnectionTestInitiator(snapshot: snapshot)
        _ = try discovery.login(keys: ["SessionType": "Discovery"])
        try discovery.send(
            TextRequestPDU(
                initiatorTaskTag: 9,
                cmdSN: discovery.cmdSN,
                expStatSN: discovery.expStatSN,
                data: ByteBuffer(string: "SendTargets=All\0")
            ).makePDU()
        )
        let text = try TextResponsePDU(try #require(try discovery.receiveAll().first))
        #expect(text.data.readableBytes == 0)
    }

    @Test func normalLoginOpensTheCommandWindow() throws {
        let initiator = try ConnectionTestInitiator()
        let login = try initiator.login(keys: self.normal)
        #expect(login.status == .success)
        #expect(login.expCmdSN == initiator.cmdSN)
        #expect(login.maxCmdSN == initiator.cmdSN + 63)
        let keys = try TextKeyValues(parsing: login.data)
        #expect(keys["TargetPortalGroupTag"] == "1")
        #expect(keys["TargetAlias"] == "Data Disk1")
        #expect(keys["TargetAddress"] == "127.0.0.1:3260,1")
        #expect(initiator.registry.connections.first?.info.targetNodeName == "disk1")
    }

    @Test func nopOutIsEchoed() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        try initiator.send(
            NOPOutPDU(
                initiatorTaskTag: 0x55,
                cmdSN: initiator.cmdSN,
                expStatSN: initiator.expStatSN,
                data: ByteBuffer(string: "ping")
            ).makePDU()
        )
        let nopIn = try NOPInPDU(try #require(try initiator.receiveAll().first))
        #expect(nopIn.initiatorTaskTag == 0x55 && nopIn.targetTransferTag == 0xffff_ffff)
        #expect(nopIn.data == ByteBuffer(string: "ping"))
        #expect(nopIn.statSN == initiator.expStatSN)
    }

    @Test func writeWithImmediateDataAndR2TThenReadBack() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        let payload = ByteBuffer(bytes: (0..<1024).map { UInt8(truncatingIfNeeded: $0 * 7) })

        // WRITE(10) LBA 4, 2 blocks, with the first 512 bytes as immediate data.
        let write = initiator.command(
            cdb: [0x2a, 0, 0, 0, 0, 4, 0, 0, 2, 0],
            write: true,
            expectedLength: 1024,
            data: payload.getSlice(at: 0, length: 512)!
        )
        try initiator.send(write.makePDU())
        let r2t = try ReadyToTransferPDU(try #require(try initiator.receiveAll().first))
        #expect(r2t.initiatorTaskTag == write.initiatorTaskTag)
        #expect(r2t.bufferOffset == 512 && r2t.desiredDataTransferLength == 512)
        #expect(r2t.r2tSN == 0)

        try initiator.send(
            SCSIDataOutPDU(
                isFinal: true,
                logicalUnitNumber: 0,
                initiatorTaskTag: write.initiatorTaskTag,
                targetTransferTag: r2t.targetTransferTag,
                expStatSN: initiator.expStatSN,
                dataSN: 0,
                bufferOffset: 512,
                data: payload.getSlice(at: 512, length: 512)!
            ).makePDU()
        )
        let writeResponse = try SCSIResponsePDU(try #require(try initiator.receiveAll().first))
        #expect(writeResponse.status == 0 && writeResponse.initiatorTaskTag == write.initiatorTaskTag)
        #expect(!writeResponse.residualUnderflow && !writeResponse.residualOverflow)
        initiator.expStatSN = writeResponse.statSN + 1

        // READ(10) the same blocks: two 512-byte Data-In PDUs, status in the last one.
        let read = initiator.command(cdb: [0x28, 0, 0, 0, 0, 4, 0, 0, 2, 0], read: true, expectedLength: 1024)
        try initiator.send(read.makePDU())
        let dataIn = try initiator.receiveAll().map { try SCSIDataInPDU($0) }
        #expect(dataIn.count == 2)
        #expect(dataIn.map(\.bufferOffset) == [0, 512])
        #expect(dataIn.map(\.status) == [nil, 0])
        #expect(dataIn[1].statSN == initiator.expStatSN)
        var readBack = ByteBuffer()
        for pdu in dataIn {
            readBack.writeImmutableBuffer(pdu.data)
        }
        #expect(readBack == payload)
    }

    @Test func outOfRangeReadAnswersCheckConditionWithSense() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        let read = initiator.command(cdb: [0x28, 0, 0, 0, 0x10, 0, 0, 0, 1, 0], read: true, expectedLength: 512)
        try initiator.send(read.makePDU())
        let response = try SCSIResponsePDU(try #require(try initiator.receiveAll().first))
        #expect(response.status == 0x02)
        #expect(response.residualUnderflow && response.residualCount == 512)
        // SenseLength 18, fixed format, ILLEGAL REQUEST / LBA OUT OF RANGE.
        #expect(response.data.getInteger(at: 0, as: UInt16.self) == 18)
        #expect(response.data.getInteger(at: 2 + 2, as: UInt8.self).map { $0 & 0x0f } == 0x05)
        #expect(response.data.getInteger(at: 2 + 12, as: UInt8.self) == 0x21)
    }

    @Test func unsupportedOpcodeIsRejected() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        var header = ISCSIBasicHeaderSegment(opcode: ISCSIOpcode(rawValue: 0x1c))
        header.initiatorTaskTag = 0x77
        try initiator.send(ISCSIPDU(header: header))
        let reject = try RejectPDU(try #require(try initiator.receiveAll().first))
        #expect(reject.reason == RejectPDU.Reason.commandNotSupported.rawValue)
        #expect(ISCSIBasicHeaderSegment(buffer: reject.data)?.initiatorTaskTag == 0x77)
        #expect(initiator.channel.isActive)
    }

    @Test func loginMustCompleteWithinThirtySeconds() throws {
        let initiator = try ConnectionTestInitiator()
        initiator.channel.embeddedEventLoop.advanceTime(by: .seconds(29))
        #expect(initiator.channel.isActive)
        initiator.channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!initiator.channel.isActive)
    }

    @Test func loginDeadlineEndsWithFullFeaturePhase() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        initiator.channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(initiator.channel.isActive)
    }

    @Test func idleConnectionsArePingedAndDroppedWhenThePingGoesUnanswered() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        initiator.channel.embeddedEventLoop.advanceTime(by: .seconds(29))
        #expect(try initiator.receiveAll().isEmpty)
        initiator.channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        let ping = try NOPInPDU(try #require(try initiator.receiveAll().first))
        #expect(ping.initiatorTaskTag == 0xffff_ffff && ping.targetTransferTag != 0xffff_ffff)

        // Answered: the connection stays.
        try initiator.send(
            NOPOutPDU(
                initiatorTaskTag: 0xffff_ffff,
                targetTransferTag: ping.targetTransferTag,
                cmdSN: initiator.cmdSN,
                expStatSN: initiator.expStatSN
            ).makePDU()
        )
        #expect(try initiator.receiveAll().isEmpty)
        initiator.channel.embeddedEventLoop.advanceTime(by: .seconds(29))
        #expect(initiator.channel.isActive)

        // The next ping goes unanswered for nop_timeout (60 s): the connection is dropped.
        initiator.channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(try initiator.receiveAll().count == 1)
        initiator.channel.embeddedEventLoop.advanceTime(by: .seconds(57))
        #expect(initiator.channel.isActive)
        initiator.channel.embeddedEventLoop.advanceTime(by: .seconds(3))
        #expect(!initiator.channel.isActive)
    }

    @Test func targetRequestedLogoutSendsAnAsyncMessageThenDrops() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: self.normal)
        let handle = try #require(initiator.registry.connections.first)
        handle.requestLogout()
        initiator.channel.embeddedEventLoop.run()
        let message = try AsyncMessagePDU(try #require(try initiator.receiveAll().first))
        #expect(AsyncMessagePDU.Event(rawValue: message.asyncEvent) == .logoutRequested)
        #expect(message.parameter3 == 30)
        #expect(message.statSN == initiator.expStatSN)
        initiator.channel.embeddedEventLoop.advanceTime(by: .seconds(30))
        #expect(!initiator.channel.isActive)
    }

    @Test func aNewLoginWithTheSameISIDReinstatesTheSession() throws {
        let first = try ConnectionTestInitiator()
        _ = try first.login(keys: self.normal)
        let second = try ConnectionTestInitiator(sharing: first)
        #expect(try second.login(keys: self.normal).status == .success)
        first.channel.embeddedEventLoop.run()
        #expect(!first.channel.isActive)
        #expect(second.channel.isActive)
        #expect(second.registry.connections.count == 1)
    }

    @Test func nonLoginPDUBeforeLoginClosesTheConnection() throws {
        let initiator = try ConnectionTestInitiator()
        try initiator.send(NOPOutPDU(initiatorTaskTag: 1, cmdSN: 1, expStatSN: 0).makePDU())
        #expect(!initiator.channel.isActive)
    }
}
