import JSONRPC
import Testing

@testable import ISCSITarget

/// rpc_config.py's target-node and SCSI-device steps (scenarios.md, steps 5 and 6), on loopback.
@Suite struct RPCConfigScenarioTests {
    static let target: JSONValue = [
        "name": "Target3", "alias_name": "Target3_alias", "luns": [["bdev_name": "Malloc3", "lun_id": 0]],
        "pg_ig_maps": [["pg_tag": 1, "ig_tag": 1]], "queue_depth": 64, "disable_chap": true,
        "require_chap": false, "mutual_chap": false, "header_digest": false, "data_digest": false,
    ]

    @Test func targetNodeSteps() async throws {
        let harness = try await RPCHarness()
        for _ in 0..<4 {
            try await harness.call("bdev_malloc_create", ["num_blocks": 131072, "block_size": 512])
        }
        let nodeBase = try await harness.call("iscsi_get_options").objectValue?["node_base"]?.stringValue
        let name = "\(try #require(nodeBase)):Target3"
        #expect(try await harness.call("iscsi_get_target_nodes") == [])
        try await harness.createLoopbackPortalGroup(tag: 1)
        try await harness.call(
            "iscsi_create_initiator_group",
            ["tag": 1, "initiators": ["ANY"], "netmasks": ["10.0.0.2/32"]]
        )
        try await harness.call("iscsi_create_target_node", Self.target)
        let node = try #require(try await harness.call("iscsi_get_target_nodes").arrayValue?.first?.objectValue)
        #expect(node["name"] == .string(name))
        #expect(node["alias_name"] == "Target3_alias")
        #expect(node["luns"] == [["bdev_name": "Malloc3", "lun_id": 0]])
        #expect(node["pg_ig_maps"] == [["pg_tag": 1, "ig_tag": 1]])
        #expect(node["queue_depth"] == 64)
        #expect(node["disable_chap"] == true)
        #expect(node["mutual_chap"] == false)
        #expect(node["require_chap"] == false)
        #expect(node["chap_group"] == 0)
        #expect(node["header_digest"] == false)
        #expect(node["data_digest"] == false)
        try await harness.call(
            "iscsi_target_node_add_lun",
            ["name": .string(name), "bdev_name": "Malloc3", "lun_id": 1]
        )
        let luns = try await harness.call("iscsi_get_target_nodes").arrayValue?.first?.objectValue?["luns"]
        #expect(luns == [["bdev_name": "Malloc3", "lun_id": 0], ["bdev_name": "Malloc3", "lun_id": 1]])
        try await harness.call("iscsi_delete_target_node", ["name": .string(name)])
        #expect(try await harness.call("iscsi_get_target_nodes") == [])

        try await harness.call("iscsi_create_target_node", Self.target)
        try await harness.call("iscsi_delete_portal_group", ["tag": 1])
        try await harness.call("iscsi_delete_initiator_group", ["tag": 1])
        #expect(try await harness.call("iscsi_get_target_nodes").arrayValue?.count == 1)
        try await harness.call("iscsi_delete_target_node", ["name": .string(name)])
        #expect(try await harness.call("iscsi_get_target_nodes") == [])
        #expect(try await harness.call("scsi_get_devices") == [])
        await harness.shutdown()
    }
}
