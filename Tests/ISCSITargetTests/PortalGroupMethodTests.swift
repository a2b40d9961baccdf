import JSONRPC
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import ISCSITarget

/// Records the channels the listener hands over.
final class RecordingAcceptor: ISCSIConnectionAcceptor {
    let accepted = Mutex<[Int32]>([])

    func configure(channel: any Channel, portalGroupTag: Int32) throws {
        self.accepted.withLock { $0.append(portalGroupTag) }
    }

    var count: Int { self.accepted.withLock { $0.count } }
}

@Suite struct PortalGroupMethodTests {
    @Test func createGetDelete() async throws {
        let harness = try await RPCHarness()
        #expect(try await harness.call("iscsi_get_portal_groups") == [])
        try await harness.createLoopbackPortalGroup(tag: 1)
        try await harness.call(
            "iscsi_create_portal_group",
            ["tag": 2, "portals": [["host": "127.0.0.6", "port": "0"]], "private": true]
        )
        let expected: JSONValue = [
            ["tag": 1, "portals": [["host": "127.0.0.1", "port": "0"]], "private": false],
            ["tag": 2, "portals": [["host": "127.0.0.6", "port": "0"]], "private": true],
        ]
        #expect(try await harness.call("iscsi_get_portal_groups") == expected)
        try await harness.call("iscsi_delete_portal_group", ["tag": 1])
        #expect(try await harness.call("iscsi_get_portal_groups").arrayValue?.count == 1)
        #expect(await harness.error("iscsi_delete_portal_group", ["tag": 1]) == .invalidParameters)
        #expect(await harness.error("iscsi_start_portal_group", ["tag": 1]) == .invalidParameters)
        await harness.shutdown()
    }

    @Test func refusedCreationsKeepNothing() async throws {
        let harness = try await RPCHarness()
        try await harness.createLoopbackPortalGroup(tag: 1)
        let port = String(try await harness.boundPort(ofPortalGroup: 1))
        for bad: JSONValue in [
            ["tag": 1, "portals": [["host": "127.0.0.2", "port": "0"]]],
            ["tag": 2, "portals": [["host": "127.0.0.1", "port": "0"]]],
            ["tag": 2, "portals": [["host": "127.0.0.1", "port": .string(port)]]],
            [
                "tag": 2,
                "portals": [["host": "127.0.0.3", "port": "0"], ["host": "127.0.0.1", "port": .string(port)]],
            ],
            ["tag": 2, "portals": [["host": "127.0.0.1", "port": "iscsi"]]],
            ["tag": 2, "portals": [["host": "192.0.2.1", "port": "0"]]],
            ["tag": 2, "portals": [["host": .string(String(repeating: "1", count: 257)), "port": "0"]]],
            ["tag": 2, "portals": [["host": "127.0.0.1"]]],
            ["tag": 2, "portals": []],
            ["tag": "2", "portals": [["host": "127.0.0.3", "port": "0"]]],
        ] {
            #expect(await harness.error("iscsi_create_portal_group", bad) == .invalidParameters)
        }
        #expect(try await harness.call("iscsi_get_portal_groups").arrayValue?.count == 1)
        // The partial bind of the two-portal attempt was released: its address is free again.
        try await harness.call(
            "iscsi_create_portal_group",
            ["tag": 3, "portals": [["host": "127.0.0.3", "port": "0"]]]
        )
        await harness.shutdown()
    }

    @Test func wildcardHost() async throws {
        let harness = try await RPCHarness()
        try await harness.call("iscsi_create_portal_group", ["tag": 1, "portals": [["host": "*", "port": "0"]]])
        let groups = try await harness.call("iscsi_get_portal_groups")
        #expect(groups == [["tag": 1, "portals": [["host": "0.0.0.0", "port": "0"]], "private": false]])
        await harness.shutdown()
    }

    @Test func acceptsOnlyAfterStartWhenWaiting() async throws {
        let harness = try await RPCHarness()
        let acceptor = RecordingAcceptor()
        harness.service.setConnectionAcceptor(acceptor)
        try await harness.call(
            "iscsi_create_portal_group",
            ["tag": 7, "portals": [["host": "127.0.0.1", "port": "0"]], "wait": true]
        )
        let port = try await harness.boundPort(ofPortalGroup: 7)
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
        try await Task.sleep(for: .milliseconds(100))
        #expect(acceptor.count == 0)
        try await harness.call("iscsi_start_portal_group", ["tag": 7])
        try await harness.call("iscsi_start_portal_group", ["tag": 7])
        for _ in 0..<100 where acceptor.count == 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(acceptor.accepted.withLock { $0 } == [7])
        try await client.close()
        await harness.shutdown()
    }

    @Test func withoutAcceptorConnectionsAreClosed() async throws {
        let harness = try await RPCHarness()
        try await harness.createLoopbackPortalGroup(tag: 1)
        let port = try await harness.boundPort(ofPortalGroup: 1)
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
        try await client.closeFuture.get()
        await harness.shutdown()
    }

    @Test func setAuth() async throws {
        let harness = try await RPCHarness()
        try await harness.createLoopbackPortalGroup(tag: 1)
        try await harness.call("iscsi_portal_group_set_auth", ["tag": 1, "require_chap": true, "chap_group": 2])
        #expect(harness.service.configuration.snapshot.portalGroup(tag: 1)?.auth == CHAPPolicy(require: true, group: 2))
        #expect(
            await harness.error("iscsi_portal_group_set_auth", ["tag": 9])
                == .invalidParameters("Could not find portal group 9")
        )
        #expect(
            await harness.error("iscsi_portal_group_set_auth", ["tag": 1, "disable_chap": true, "mutual_chap": true])
                == .invalidParameters("Invalid combination of auth params")
        )
        await harness.shutdown()
    }

    @Test func discoveryAuthAppliesToGroupsWithoutTheirOwn() async throws {
        let harness = try await RPCHarness()
        try await harness.createLoopbackPortalGroup(tag: 1)
        try await harness.createLoopbackPortalGroup(tag: 2)
        try await harness.call("iscsi_portal_group_set_auth", ["tag": 2, "disable_chap": true])
        try await harness.call(
            "iscsi_set_discovery_auth",
            ["require_chap": true, "mutual_chap": true, "chap_group": 1]
        )
        let snapshot = harness.service.configuration.snapshot
        #expect(snapshot.portalGroup(tag: 1)?.auth == CHAPPolicy(require: true, mutual: true, group: 1))
        #expect(snapshot.portalGroup(tag: 2)?.auth == CHAPPolicy(disable: true))
        await harness.shutdown()
    }

    @Test func deletingAGroupRemovesTargetMaps() async throws {
        let harness = try await RPCHarness()
        try await harness.createSeed()
        try await harness.call("iscsi_delete_portal_group", ["tag": 1])
        try await harness.call("iscsi_delete_initiator_group", ["tag": 2])
        let node = try await harness.call("iscsi_get_target_nodes").arrayValue?.first?.objectValue
        #expect(node?["pg_ig_maps"] == [])
        try await harness.call("iscsi_delete_target_node", ["name": "iqn.2016-06.io.spdk:disk1"])
        #expect(try await harness.call("iscsi_get_target_nodes") == [])
        await harness.shutdown()
    }
}
