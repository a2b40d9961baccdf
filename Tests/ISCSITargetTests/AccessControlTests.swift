import JSONRPC
import Testing

@testable import ISCSITarget

@Suite struct AccessControlTests {
    static let name = "iqn.2016-06.io.spdk:disk1"

    @Test func loginDecisions() async throws {
        let harness = try await RPCHarness()
        try await harness.createSeed()
        try await harness.createLoopbackPortalGroup(tag: 3)
        try await harness.call(
            "iscsi_create_initiator_group",
            ["tag": 4, "initiators": ["!iqn.evil", "ANY"], "netmasks": ["ANY"]]
        )
        try await harness.call(
            "iscsi_create_initiator_group",
            ["tag": 5, "initiators": ["iqn.evil"], "netmasks": ["ANY"]]
        )
        try await harness.call(
            "iscsi_target_node_add_pg_ig_maps",
            ["name": .string(Self.name), "pg_ig_maps": [["pg_tag": 3, "ig_tag": 4], ["pg_tag": 3, "ig_tag": 5]]]
        )
        let snapshot = harness.service.configuration.snapshot
        func access(_ initiator: String, _ address: String, _ tag: Int32, target: String = Self.name) -> LoginAccess {
            snapshot.loginAccess(
                targetName: target,
                initiatorName: initiator,
                initiatorAddress: address,
                portalGroupTag: tag
            )
        }
        #expect(access("iqn.i", "10.0.0.2", 1) == .allowed)
        #expect(access("iqn.i", "10.0.0.2", 1, target: "IQN.2016-06.IO.SPDK:DISK1") == .allowed)
        #expect(access("iqn.i", "10.0.0.3", 1) == .denied)
        #expect(access("iqn.i", "10.0.0.2", 2) == .denied)
        #expect(access("iqn.i", "10.0.0.2", 1, target: "iqn.2016-06.io.spdk:other") == .targetNotFound)
        #expect(access("iqn.i", "10.9.9.9", 3) == .allowed)
        // Group 4 denies by name before group 5 could admit.
        #expect(access("iqn.evil", "10.9.9.9", 3) == .denied)
        #expect(snapshot.isTarget(snapshot.targets[0], visibleTo: "iqn.anyone", at: "127.0.0.1"))

        try await harness.call(
            "iscsi_target_node_set_redirect",
            ["name": .string(Self.name), "pg_tag": 1, "redirect_host": "10.0.0.3", "redirect_port": "3260"]
        )
        let redirected = harness.service.configuration.snapshot.loginAccess(
            targetName: Self.name,
            initiatorName: "iqn.i",
            initiatorAddress: "10.0.0.2",
            portalGroupTag: 1
        )
        #expect(redirected == .redirected(Portal(host: "10.0.0.3", port: "3260")))
        await harness.shutdown()
    }

    @Test func visibilityIsDecidedByTheFirstNameMatch() {
        let groups = [
            InitiatorGroupSnapshot(tag: 1, initiators: ["iqn.a"], netmasks: ["ANY"]),
            InitiatorGroupSnapshot(tag: 2, initiators: ["!iqn.b", "ANY"], netmasks: ["ANY"]),
        ]
        let snapshot = ConfigurationSnapshot(initiatorGroups: groups)
        let target = TargetNodeSnapshot(
            name: Self.name,
            aliasName: "",
            maps: [.init(pgTag: 1, igTag: 1), .init(pgTag: 1, igTag: 2)],
            logicalUnits: [],
            queueDepth: 64,
            auth: CHAPPolicy(),
            headerDigest: false,
            dataDigest: false,
            redirects: [:],
            isBeingDeleted: false,
            histogram: nil,
            scsiDevice: .init(name: Self.name, id: 0)
        )
        #expect(snapshot.isTarget(target, visibleTo: "iqn.a", at: "127.0.0.1"))
        #expect(!snapshot.isTarget(target, visibleTo: "iqn.b", at: "127.0.0.1"))
        #expect(snapshot.isTarget(target, visibleTo: "iqn.c", at: "127.0.0.1"))
        var removed = target
        removed.isBeingDeleted = true
        let removedSnapshot = ConfigurationSnapshot(initiatorGroups: groups, targets: [removed])
        #expect(
            removedSnapshot.loginAccess(
                targetName: Self.name,
                initiatorName: "iqn.a",
                initiatorAddress: "1.2.3.4",
                portalGroupTag: 1
            )
                == .targetRemoved
        )
    }
}
