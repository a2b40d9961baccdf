import JSONRPC
import SCSI
import Testing

@testable import ISCSITarget

@Suite struct TargetNodeMethodTests {
    static let name = "iqn.2016-06.io.spdk:disk1"

    /// The seed's target with some members replaced.
    static func target(_ changes: [String: JSONValue]) -> JSONValue {
        var object = RPCHarness.seedTarget.objectValue!
        for (key, value) in changes {
            object[key] = value
        }
        return .object(object)
    }

    @Test func seedIsListedFieldByField() async throws {
        let harness = try await RPCHarness()
        try await harness.createSeed()
        let expected = try JSONValue.parse(
            """
            [{"name":"iqn.2016-06.io.spdk:disk1","alias_name":"Data Disk1","pg_ig_maps":[{"pg_tag":1,"ig_tag":2}],
              "luns":[{"bdev_name":"Malloc0","lun_id":0},{"bdev_name":"Malloc1","lun_id":1}],"queue_depth":64,
              "disable_chap":true,"require_chap":false,"mutual_chap":false,"chap_group":0,
              "header_digest":false,"data_digest":false}]
            """
        )
        #expect(try await harness.call("iscsi_get_target_nodes") == expected)
        #expect(try await harness.call("scsi_get_devices") == [["id": 0, "device_name": "iqn.2016-06.io.spdk:disk1"]])
        let snapshot = try #require(harness.service.configuration.snapshot.target(named: "IQN.2016-06.IO.SPDK:DISK1"))
        #expect(snapshot.logicalUnits.map(\.id) == [0, 1])
        #expect(snapshot.maps == [PortalGroupInitiatorGroupMap(pgTag: 1, igTag: 2)])
        #expect(snapshot.auth == CHAPPolicy(disable: true))
        #expect(!snapshot.isBeingDeleted)
        #expect(snapshot.scsiDevice.id == 0)
        #expect(snapshot.scsiDevice.name == "iqn.2016-06.io.spdk:disk1")
        #expect(
            snapshot.scsiDevice.ports == [SCSITargetPort(targetName: "iqn.2016-06.io.spdk:disk1", portalGroupTag: 1)]
        )
        #expect(snapshot.scsiDevice.logicalUnits.map(\.id) == [0, 1])
        #expect(
            await harness.error("iscsi_get_target_nodes", [:])
                == .invalidParameters("iscsi_get_target_nodes requires no parameters")
        )
        await harness.shutdown()
    }

    @Test(
        arguments: [
            ["luns": [["bdev_name": "Nope", "lun_id": 0]]],
            ["luns": [["bdev_name": "Malloc0", "lun_id": 1]]],
            ["luns": []],
            ["luns": [["bdev_name": "Malloc0", "lun_id": 0], ["bdev_name": "Malloc1", "lun_id": 0]]],
            ["luns": [["bdev_name": "Malloc0", "lun_id": 0], ["bdev_name": "Malloc1", "lun_id": 256]]],
            ["name": "disk_1"], ["name": "disk 1"], ["name": "iqn.2016-6.x:y"], ["name": "a/b"],
            ["name": .string(String(repeating: "a", count: 210))],
            ["alias_name": .string(String(repeating: "a", count: 224))],
            ["disable_chap": true, "require_chap": true], ["mutual_chap": true, "disable_chap": false],
            ["chap_group": -1], ["pg_ig_maps": []], ["pg_ig_maps": [["pg_tag": 7, "ig_tag": 2]]],
            ["pg_ig_maps": [["pg_tag": 1, "ig_tag": 7]]],
            ["pg_ig_maps": [["pg_tag": 1, "ig_tag": 2], ["pg_tag": 1, "ig_tag": 2]]],
            ["queue_depth": "64"], ["bogus": 1],
        ] as [[String: JSONValue]]
    )
    func creationErrors(changes: [String: JSONValue]) async throws {
        let harness = try await RPCHarness()
        try await harness.createSeedPrerequisites()
        #expect(await harness.error("iscsi_create_target_node", Self.target(changes)) == .invalidParameters)
        #expect(try await harness.call("iscsi_get_target_nodes") == [])
        await harness.shutdown()
    }

    @Test func duplicateNamesAndPortalLimit() async throws {
        let harness = try await RPCHarness()
        try await harness.createSeed()
        #expect(await harness.error("iscsi_create_target_node", Self.target(["name": "DISK1"])) == .invalidParameters)
        #expect(
            await harness.error("iscsi_create_target_node", Self.target(["name": "IQN.2016-06.io.spdk:disk1"]))
                == .invalidParameters
        )
        for tag in 2...5 {
            try await harness.createLoopbackPortalGroup(tag: Int64(tag))
        }
        let fourGroups: JSONValue = .array((1...4).map { ["pg_tag": .integer(Int64($0)), "ig_tag": 2] })
        let fiveGroups: JSONValue = .array((1...5).map { ["pg_tag": .integer(Int64($0)), "ig_tag": 2] })
        try await harness.call("iscsi_create_target_node", Self.target(["name": "four", "pg_ig_maps": fourGroups]))
        #expect(
            await harness.error("iscsi_create_target_node", Self.target(["name": "five", "pg_ig_maps": fiveGroups]))
                == .invalidParameters
        )
        #expect(
            await harness.error(
                "iscsi_target_node_add_pg_ig_maps",
                ["name": "iqn.2016-06.io.spdk:four", "pg_ig_maps": [["pg_tag": 5, "ig_tag": 2]]]
            ) == .invalidParameters
        )
        await harness.shutdown()
    }

    @Test(arguments: [(0, 64), (-5, 64), (65, 64), (1, 1), (64, 64)] as [(Int64, Int64)])
    func queueDepthIsClamped(requested: Int64, stored: Int64) async throws {
        let harness = try await RPCHarness()
        try await harness.createSeedPrerequisites()
        try await harness.call("iscsi_create_target_node", Self.target(["queue_depth": .integer(requested)]))
        let nodes = try await harness.call("iscsi_get_target_nodes")
        #expect(nodes.arrayValue?.first?.objectValue?["queue_depth"] == .integer(stored))
        await harness.shutdown()
    }

    @Test func addLUN() async throws {
        let harness = try await RPCHarness()
        try await harness.createSeed()
        try await harness.call("iscsi_target_node_add_lun", ["name": .string(Self.name), "bdev_name": "Malloc0"])
        try await harness.call(
            "iscsi_target_node_add_lun",
            ["name": .string(Self.name), "bdev_name": "Malloc1", "lun_id": 5]
        )
        for bad: JSONValue in [
            ["name": "disk1", "bdev_name": "Malloc0"],
            ["name": .string(Self.name), "bdev_name": "Nope"],
            ["name": .string(Self.name), "bdev_name": "Malloc0", "lun_id": 5],
            ["name": .string(Self.name), "bdev_name": "Malloc0", "lun_id": -2],
            ["name": .string(Self.name), "bdev_name": "Malloc0", "lun_id": 256],
        ] {
            #expect(await harness.error("iscsi_target_node_add_lun", bad) == .invalidParameters)
        }
        let luns = harness.service.configuration.snapshot.targets[0].logicalUnits.map(\.id)
        #expect(luns == [0, 1, 2, 5])
        await harness.shutdown()
    }

    @Test func setAuth() async throws {
        let harness = try await RPCHarness()
        try await harness.createSeed()
        try await harness.call(
            "iscsi_target_node_set_auth",
            ["name": .string(Self.name), "require_chap": true, "chap_group": 1]
        )
        #expect(harness.service.configuration.snapshot.targets[0].auth == CHAPPolicy(require: true, group: 1))
        #expect(
            await harness.error("iscsi_target_node_set_auth", ["name": "disk1"])
                == .invalidParameters("Could not find target disk1")
        )
        #expect(
            await harness.error("iscsi_target_node_set_auth", ["name": .string(Self.name), "mutual_chap": true])
                == .invalidParameters("Invalid combination of auth params")
        )
        await harness.shutdown()
    }

    @Test func mapsAddAndRemoveWithRollback() async throws {
        let harness = try await RPCHarness()
        try await harness.createSeed()
        try await harness.createLoopbackPortalGroup(tag: 3)
        try await harness.call("iscsi_create_initiator_group", ["tag": 4, "initiators": ["ANY"], "netmasks": ["ANY"]])
        try await harness.call(
            "iscsi_target_node_add_pg_ig_maps",
            ["name": .string(Self.name), "pg_ig_maps": [["pg_tag": 3, "ig_tag": 2], ["pg_tag": 1, "ig_tag": 4]]]
        )
        // Grouped by portal group, then initiator group.
        #expect(
            harness.service.configuration.snapshot.targets[0].maps
                == [.init(pgTag: 1, igTag: 2), .init(pgTag: 1, igTag: 4), .init(pgTag: 3, igTag: 2)]
        )
        // The second pair is already mapped: nothing changes.
        #expect(
            await harness.error(
                "iscsi_target_node_add_pg_ig_maps",
                ["name": .string(Self.name), "pg_ig_maps": [["pg_tag": 3, "ig_tag": 4], ["pg_tag": 1, "ig_tag": 2]]]
            ) == .invalidParameters
        )
        #expect(harness.service.configuration.snapshot.targets[0].maps.count == 3)
        #expect(
            await harness.error(
                "iscsi_target_node_remove_pg_ig_maps",
                ["name": .string(Self.name), "pg_ig_maps": [["pg_tag": 3, "ig_tag": 2], ["pg_tag": 3, "ig_tag": 4]]]
            ) == .invalidParameters
        )
        #expect(harness.service.configuration.snapshot.targets[0].maps.count == 3)
        try await harness.call(
            "iscsi_target_node_remove_pg_ig_maps",
            ["name": .string(Self.name), "pg_ig_maps": [["pg_tag": 3, "ig_tag": 2], ["pg_tag": 1, "ig_tag": 2]]]
        )
        #expect(harness.service.configuration.snapshot.targets[0].maps == [.init(pgTag: 1, igTag: 4)])
        await harness.shutdown()
    }

    @Test func redirect() async throws {
        let harness = try await RPCHarness()
        try await harness.createSeed()
        try await harness.call(
            "iscsi_create_portal_group",
            ["tag": 5, "portals": [["host": "127.0.0.5", "port": "0"]], "private": true]
        )
        let failure = RPCError.invalidParameters("Failed to redirect target \(Self.name), (-22): Invalid argument")
        func redirect(_ members: [String: JSONValue]) -> JSONValue {
            var object: JSONObject = ["name": .string(Self.name)]
            for (key, value) in members { object[key] = value }
            return .object(object)
        }
        #expect(
            await harness.error("iscsi_target_node_set_redirect", ["name": "disk1", "pg_tag": 1])
                == .invalidParameters("Target disk1 is not found")
        )
        for bad in [
            redirect(["pg_tag": 9, "redirect_host": "10.0.0.3", "redirect_port": "3260"]),
            redirect(["pg_tag": 5, "redirect_host": "10.0.0.3", "redirect_port": "3260"]),
            redirect(["pg_tag": 1, "redirect_host": "10.0.0.3"]),
            redirect(["pg_tag": 1, "redirect_host": "host.name", "redirect_port": "3260"]),
            redirect(["pg_tag": 1, "redirect_host": "10.0.0.3", "redirect_port": "x"]),
            redirect(["pg_tag": 1, "redirect_host": "127.0.0.1", "redirect_port": "0"]),
        ] {
            #expect(await harness.error("iscsi_target_node_set_redirect", bad) == failure)
        }
        try await harness.call(
            "iscsi_target_node_set_redirect",
            redirect(["pg_tag": 1, "redirect_host": "10.0.0.3", "redirect_port": "3260"])
        )
        #expect(
            harness.service.configuration.snapshot.targets[0].redirects == [1: Portal(host: "10.0.0.3", port: "3260")]
        )
        try await harness.call(
            "iscsi_target_node_set_redirect",
            redirect(["pg_tag": 1, "redirect_host": "fe80::1", "redirect_port": "3260"])
        )
        #expect(harness.service.configuration.snapshot.targets[0].redirects[1]?.host == "[fe80::1]")
        try await harness.call("iscsi_target_node_set_redirect", redirect(["pg_tag": 1]))
        #expect(harness.service.configuration.snapshot.targets[0].redirects.isEmpty)
        await harness.shutdown()
    }

    @Test func deletionAndDeviceSlots() async throws {
        let harness = try await RPCHarness()
        try await harness.createSeed()
        try await harness.call("iscsi_create_target_node", Self.target(["name": "disk2"]))
        try await harness.call("iscsi_create_target_node", Self.target(["name": "disk3"]))
        try await harness.call("iscsi_delete_target_node", ["name": "IQN.2016-06.io.spdk:DISK2"])
        #expect(await harness.error("iscsi_delete_target_node", ["name": "iqn.2016-06.io.spdk:disk2"]) == .errno(2))
        #expect(
            await harness.error("iscsi_delete_target_node", ["name": "disk1"])?.message == "No such file or directory"
        )
        #expect(await harness.error("iscsi_delete_target_node", ["nom": "disk1"]) == .invalidParameters)
        try await harness.call("iscsi_create_target_node", Self.target(["name": "disk4"]))
        let devices = try await harness.call("scsi_get_devices")
        #expect(
            devices
                == [
                    ["id": 0, "device_name": "iqn.2016-06.io.spdk:disk1"],
                    ["id": 1, "device_name": "iqn.2016-06.io.spdk:disk4"],
                    ["id": 2, "device_name": "iqn.2016-06.io.spdk:disk3"],
                ]
        )
        let names = try await harness.call("iscsi_get_target_nodes").arrayValue?.compactMap { $0.objectValue?["name"] }
        #expect(names == ["iqn.2016-06.io.spdk:disk1", "iqn.2016-06.io.spdk:disk3", "iqn.2016-06.io.spdk:disk4"])
        await harness.shutdown()
    }

    @Test func histogramSwitch() async throws {
        let harness = try await RPCHarness()
        try await harness.createSeed()
        try await harness.call("iscsi_enable_histogram", ["name": .string(Self.name), "enable": true])
        #expect(await harness.error("iscsi_enable_histogram", ["name": "nope", "enable": true]) == .invalidParameters)
        #expect(await harness.error("iscsi_enable_histogram", ["name": .string(Self.name)]) == .decodeFailed)
        let config = try #require(await harness.service.subsystemConfig(named: "iscsi")?.arrayValue)
        #expect(
            config.last == [
                "method": "iscsi_enable_histogram", "params": ["name": .string(Self.name), "enable": true],
            ]
        )
        await harness.shutdown()
    }
}

extension RPCHarness {
    /// The seed's bdevs and groups without its target.
    func createSeedPrerequisites() async throws {
        try await self.call("bdev_malloc_create", ["num_blocks": 1024, "block_size": 512])
        try await self.call("bdev_malloc_create", ["num_blocks": 1024, "block_size": 512])
        try await self.createLoopbackPortalGroup(tag: 1)
        try await self.call(
            "iscsi_create_initiator_group",
            ["tag": 2, "initiators": ["ANY"], "netmasks": ["10.0.0.2/32"]]
        )
    }
}
