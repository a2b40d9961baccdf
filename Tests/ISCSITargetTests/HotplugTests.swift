import BlockDevice
import ISCSIWire
import JSONRPC
import NIOCore
import SCSI
import Testing

@testable import ISCSITarget

/// LUN map changes reaching running sessions, login redirection and target-requested logout.
@Suite struct HotplugTests {
    private static let normal = [
        "SessionType": "Normal",
        "TargetName": ConnectionTestInitiator.targetName,
        "ImmediateData": "Yes",
        "MaxRecvDataSegmentLength": "512",
    ]

    /// The default test target, publishing its device through a `TargetNodeDevice` as the control plane does.
    private static func liveSnapshot() -> (ConfigurationSnapshot, TargetNodeDevice) {
        var snapshot = ConnectionTestInitiator.defaultSnapshot()
        let sessionDevice = TargetNodeDevice()
        sessionDevice.replace(with: snapshot.targets[0].scsiDevice)
        snapshot.targets[0].sessionDevice = sessionDevice
        return (snapshot, sessionDevice)
    }

    private func testUnitReady(_ initiator: ConnectionTestInitiator) throws -> SCSIResponsePDU {
        try initiator.send(initiator.command(cdb: [0, 0, 0, 0, 0, 0], expectedLength: 0).makePDU())
        let response = try SCSIResponsePDU(try #require(try initiator.receiveAll().first))
        initiator.expStatSN = response.statSN &+ 1
        return response
    }

    /// ASC and ASCQ of a CHECK CONDITION response (after the 2-byte SenseLength).
    private func additionalSense(_ response: SCSIResponsePDU) -> [UInt8] {
        [12, 13].compactMap { response.data.getInteger(at: 2 + $0, as: UInt8.self) }
    }

    @Test func aLUNAddedWhileLoggedInReachesTheSessionWithAUnitAttention() throws {
        let (snapshot, sessionDevice) = Self.liveSnapshot()
        let initiator = try ConnectionTestInitiator(snapshot: snapshot)
        #expect(try initiator.login(keys: Self.normal).status == .success)
        #expect(try self.testUnitReady(initiator).status == 0)

        var device = snapshot.targets[0].scsiDevice
        let malloc = try MallocBlockDevice(.init(name: "Malloc1", blockCount: 2048, blockSize: 512))
        device.add(LogicalUnit(id: 1, blockDevice: malloc))
        device.noteReportedLUNsChanged()
        sessionDevice.replace(with: device)

        let attention = try self.testUnitReady(initiator)
        #expect(attention.status == 0x02)
        #expect(self.additionalSense(attention) == [0x3F, 0x0E])
        #expect(try self.testUnitReady(initiator).status == 0)

        // REPORT LUNS now lists LUN 1.
        let report = initiator.command(
            cdb: [0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0],
            read: true,
            expectedLength: 256
        )
        try initiator.send(report.makePDU())
        let dataIn = try SCSIDataInPDU(try #require(try initiator.receiveAll().first))
        #expect(dataIn.data.getInteger(at: 0, as: UInt32.self) == 16)
        #expect(dataIn.data.getInteger(at: 16, as: UInt16.self) == 1)
    }

    @Test func aWriteWaitingForDataOutWhenItsLUNIsRemovedEndsWithCheckCondition() throws {
        let snapshot = ConnectionTestInitiator.defaultSnapshot()
        let initiator = try ConnectionTestInitiator(snapshot: snapshot)
        _ = try initiator.login(keys: Self.normal)
        let write = initiator.command(cdb: [0x2A, 0, 0, 0, 0, 4, 0, 0, 2, 0], write: true, expectedLength: 1024)
        try initiator.send(write.makePDU())
        let r2t = try ReadyToTransferPDU(try #require(try initiator.receiveAll().first))

        try #require(snapshot.targets[0].logicalUnits.first).markRemoved()
        try initiator.send(
            SCSIDataOutPDU(
                isFinal: true,
                logicalUnitNumber: 0,
                initiatorTaskTag: write.initiatorTaskTag,
                targetTransferTag: r2t.targetTransferTag,
                expStatSN: initiator.expStatSN,
                dataSN: 0,
                bufferOffset: 0,
                data: ByteBuffer(repeating: 0x5A, count: 1024)
            ).makePDU()
        )
        let response = try SCSIResponsePDU(try #require(try initiator.receiveAll().first))
        #expect(response.initiatorTaskTag == write.initiatorTaskTag)
        #expect(response.status == 0x02)
        #expect(response.data.getInteger(at: 2 + 2, as: UInt8.self).map { $0 & 0x0F } == 0x05)
        #expect(self.additionalSense(response) == [0x25, 0x00])
        #expect(initiator.channel.isActive)
    }

    @Test func aRedirectedTargetAnswersTargetMovedTemporarily() throws {
        var snapshot = ConnectionTestInitiator.defaultSnapshot()
        snapshot.targets[0].redirects[1] = Portal(host: "10.0.0.3", port: "3261")
        let initiator = try ConnectionTestInitiator(snapshot: snapshot)
        let response = try initiator.login(keys: Self.normal)
        #expect(response.status == .targetMovedTemporarily)
        #expect(try TextKeyValues(parsing: response.data)["TargetAddress"] == "10.0.0.3:3261")
        initiator.channel.embeddedEventLoop.run()
        #expect(!initiator.channel.isActive)
    }

    @Test func aRedirectOnAnotherPortalGroupDoesNotApply() throws {
        var snapshot = ConnectionTestInitiator.defaultSnapshot()
        snapshot.targets[0].redirects[2] = Portal(host: "10.0.0.3", port: "3261")
        let initiator = try ConnectionTestInitiator(snapshot: snapshot)
        #expect(try initiator.login(keys: Self.normal).status == .success)
    }

    @Test func discoveryIsNeverRedirected() throws {
        var snapshot = ConnectionTestInitiator.defaultSnapshot()
        snapshot.targets[0].redirects[1] = Portal(host: "10.0.0.3", port: "3261")
        let initiator = try ConnectionTestInitiator(snapshot: snapshot)
        #expect(try initiator.login(keys: ["SessionType": "Discovery"]).status == .success)
    }

    @Test func aSecondLogoutRequestWhileOneIsPendingSendsNothing() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: Self.normal)
        let handle = try #require(initiator.registry.connections.first)
        handle.requestLogout()
        initiator.channel.embeddedEventLoop.run()
        #expect(try initiator.receiveAll().count == 1)
        initiator.channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        handle.requestLogout()
        initiator.channel.embeddedEventLoop.run()
        #expect(try initiator.receiveAll().isEmpty)
        // The deadline still counts from the first request.
        initiator.channel.embeddedEventLoop.advanceTime(by: .seconds(20))
        #expect(!initiator.channel.isActive)
    }

    @Test func aLogoutWithinTheTimeoutIsAnswered() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: Self.normal)
        let handle = try #require(initiator.registry.connections.first)
        handle.requestLogout()
        initiator.channel.embeddedEventLoop.run()
        let message = try AsyncMessagePDU(try #require(try initiator.receiveAll().first))
        initiator.expStatSN = message.statSN &+ 1
        initiator.channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        try initiator.send(
            LogoutRequestPDU(
                reason: .closeSession,
                initiatorTaskTag: initiator.takeTag(),
                cid: 0,
                cmdSN: initiator.cmdSN,
                expStatSN: initiator.expStatSN
            ).makePDU()
        )
        let response = try LogoutResponsePDU(try #require(try initiator.receiveAll().first))
        #expect(response.response == 0)
    }

    @Test func aDiscoverySessionIsNotAskedToLogOut() throws {
        let initiator = try ConnectionTestInitiator()
        _ = try initiator.login(keys: ["SessionType": "Discovery"])
        let handle = try #require(initiator.registry.connections.first)
        handle.requestLogout()
        initiator.channel.embeddedEventLoop.run()
        #expect(try initiator.receiveAll().isEmpty)
        initiator.channel.embeddedEventLoop.advanceTime(by: .seconds(31))
        #expect(initiator.channel.isActive)
    }

    /// TEST UNIT READY of `lun` through `nexus`, on the device the target publishes now.
    private func testUnitReady(_ source: TargetNodeDevice, lun: UInt16 = 0, nexus: inout SCSINexus) throws
        -> SCSICompletion
    {
        let device = try #require(source.current.device)
        var dataIn = ByteBuffer()
        let command = SCSICommand(
            logicalUnitNumber: LogicalUnitAddress.encode(lun),
            cdb: CDB([0, 0, 0, 0, 0, 0]),
            expectedDataTransferLength: 0,
            isRead: false,
            isWrite: false
        )
        return device.execute(command, dataOut: [], dataIn: &dataIn, nexus: &nexus)
    }

    @Test func liveLUNChangesArePublishedToSessions() async throws {
        let harness = try await RPCHarness()
        try await harness.createSeed()
        try await harness.call("bdev_null_create", ["name": "Null0", "num_blocks": 2048, "block_size": 512])
        let target = try #require(harness.service.configuration.snapshot.targets.first)
        let sessionDevice = try #require(target.sessionDevice)
        var nexus = SCSINexus(
            targetPort: SCSITargetPort(targetName: target.name, portalGroupTag: 1),
            initiatorPortName: "iqn.2016-06.io.test:initiator,i,0x800000000001"
        )
        #expect(try self.testUnitReady(sessionDevice, nexus: &nexus) == .good())
        let lunsChanged = SCSICompletion.checkCondition(
            SenseData(key: .unitAttention, code: .reportedLUNsDataHasChanged)
        )

        try await harness.call("iscsi_target_node_add_lun", ["name": .string(target.name), "bdev_name": "Null0"])
        #expect(try #require(sessionDevice.current.device).logicalUnits.map(\.id) == [0, 1, 2])
        #expect(try self.testUnitReady(sessionDevice, nexus: &nexus) == lunsChanged)
        #expect(try self.testUnitReady(sessionDevice, lun: 2, nexus: &nexus) == .good())

        let removed = try #require(sessionDevice.current.device?.logicalUnit(id: 1))
        try await harness.call("bdev_malloc_delete", ["name": "Malloc1"])
        #expect(removed.isRemoved)
        #expect(try #require(sessionDevice.current.device).logicalUnits.map(\.id) == [0, 2])
        #expect(try self.testUnitReady(sessionDevice, nexus: &nexus) == lunsChanged)
        let nodes = try await harness.call("iscsi_get_target_nodes")
        #expect(nodes.compactText().contains("Null0") && !nodes.compactText().contains("Malloc1"))

        // Deleting a bdev no target uses changes no LUN map.
        let version = sessionDevice.version
        try await harness.call("bdev_malloc_create", ["name": "Spare", "num_blocks": 2048, "block_size": 512])
        try await harness.call("bdev_malloc_delete", ["name": "Spare"])
        #expect(sessionDevice.version == version)
        #expect(try self.testUnitReady(sessionDevice, nexus: &nexus) == .good())
        await harness.shutdown()
    }

    @Test func aBlockDeviceThatVanishesWithoutAnRPCTakesItsLUNDown() async throws {
        let harness = try await RPCHarness()
        try await harness.createSeed()
        let sessionDevice = try #require(harness.service.configuration.snapshot.targets.first?.sessionDevice)
        let unit = try #require(sessionDevice.current.device?.logicalUnit(id: 1))
        try harness.service.blockDevices.unregister(named: "Malloc1")
        for _ in 0..<500 where sessionDevice.current.device?.logicalUnit(id: 1) != nil {
            try await Task.sleep(for: .milliseconds(2))
        }
        let device = try #require(sessionDevice.current.device)
        #expect(device.logicalUnits.map(\.id) == [0])
        #expect(unit.isRemoved)
        await harness.shutdown()
    }
}
