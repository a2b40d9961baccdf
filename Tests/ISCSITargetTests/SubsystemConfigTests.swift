import JSONRPC
import Testing

@testable import ISCSITarget

/// framework_get_config for the seed equals config-file.md §4 (UUIDs and the loopback portal substituted).
@Suite struct SubsystemConfigTests {
    static let expectedBlockDeviceConfig = """
        [{"method":"bdev_set_options","params":{"bdev_io_pool_size":65535,"bdev_io_cache_size":256,"bdev_aut
        o_examine":true,"iobuf_small_cache_size":128,"iobuf_large_cache_size":16}},{"method":"bdev_malloc_cr
        eate","params":{"name":"Malloc0","num_blocks":131072,"block_size":512,"physical_block_size":512,"uui
        d":"UUID0","optimal_io_boundary":0,"md_size":0,"dif_type":0,"dif_is_head_of_md":false,"dif_pi_format
        ":0,"numa_id":-1}},{"method":"bdev_malloc_create","params":{"name":"Malloc1","num_blocks":131072,"bl
        ock_size":512,"physical_block_size":512,"uuid":"UUID1","optimal_io_boundary":0,"md_size":0,"dif_type
        ":0,"dif_is_head_of_md":false,"dif_pi_format":0,"numa_id":-1}},{"method":"bdev_wait_for_examine"}]
        """

    static let expectedISCSIConfig = """
        [{"method":"iscsi_set_options","params":{"node_base":"iqn.2016-06.io.spdk","max_sessions":128,"max_c
        onnections_per_session":2,"max_queue_depth":64,"default_time2wait":2,"default_time2retain":20,"first
        _burst_length":8192,"immediate_data":true,"allow_duplicated_isid":false,"error_recovery_level":0,"no
        p_timeout":60,"nop_in_interval":30,"disable_chap":false,"require_chap":false,"mutual_chap":false,"ch
        ap_group":0,"max_large_datain_per_connection":64,"max_r2t_per_connection":4,"pdu_pool_size":36864,"i
        mmediate_data_pool_size":16384,"data_out_pool_size":2048}},{"method":"iscsi_create_portal_group","pa
        rams":{"tag":1,"portals":[{"host":"127.0.0.1","port":"0"}],"private":false}},{"method":"iscsi_create
        _initiator_group","params":{"tag":2,"initiators":["ANY"],"netmasks":["10.0.0.2/32"]}},{"method":"isc
        si_create_target_node","params":{"name":"iqn.2016-06.io.spdk:disk1","alias_name":"Data Disk1","pg_ig
        _maps":[{"pg_tag":1,"ig_tag":2}],"luns":[{"bdev_name":"Malloc0","lun_id":0},{"bdev_name":"Malloc1","
        lun_id":1}],"queue_depth":64,"disable_chap":true,"require_chap":false,"mutual_chap":false,"chap_grou
        p":0,"header_digest":false,"data_digest":false}}]
        """

    static func parse(_ text: String) throws -> JSONValue {
        try JSONValue.parse(text.split(separator: "\n").joined())
    }

    @Test func seedConfigMatchesTheSpecExample() async throws {
        let harness = try await RPCHarness()
        try await harness.createSeed()
        let uuids = harness.service.blockDevices.devices.map { $0.uuid.uuidString.lowercased() }
        let bdev = Self.expectedBlockDeviceConfig.replacingUUIDs(uuids)
        #expect(await harness.service.subsystemConfig(named: "bdev") == (try Self.parse(bdev)))
        #expect(await harness.service.subsystemConfig(named: "iscsi") == (try Self.parse(Self.expectedISCSIConfig)))
        #expect(await harness.service.subsystemConfig(named: "scsi") == .null)
        #expect(await harness.service.subsystemConfig(named: "nvmf") == nil)
        await harness.shutdown()
    }

    @Test func emptyConfigs() async throws {
        let harness = try await RPCHarness()
        let iscsi = try #require(await harness.service.subsystemConfig(named: "iscsi")?.arrayValue)
        #expect(iscsi.count == 1)
        #expect(iscsi.first?.objectValue?["method"] == "iscsi_set_options")
        let bdev = try #require(await harness.service.subsystemConfig(named: "bdev")?.arrayValue)
        #expect(bdev.compactMap { $0.objectValue?["method"] } == ["bdev_set_options", "bdev_wait_for_examine"])
        await harness.shutdown()
    }

    @Test func nullBdevsAuthGroupsAndEmptyAlias() async throws {
        let harness = try await RPCHarness()
        try await harness.createSeed()
        try await harness.call("bdev_null_create", ["name": "Null0", "num_blocks": 8, "block_size": 512])
        try await harness.call("iscsi_create_auth_group", ["tag": 1, "secrets": [["user": "u", "secret": "s"]]])
        try await harness.call(
            "iscsi_create_target_node",
            TargetNodeMethodTests.target(["name": "noalias", "alias_name": ""])
        )
        let bdev = try #require(await harness.service.subsystemConfig(named: "bdev")?.arrayValue)
        #expect(
            bdev.compactMap { $0.objectValue?["method"]?.stringValue }
                == [
                    "bdev_set_options", "bdev_malloc_create", "bdev_malloc_create", "bdev_null_create",
                    "bdev_wait_for_examine",
                ]
        )
        #expect(bdev[3].objectValue?["params"]?.objectValue?.keys.first == "name")
        let iscsi = try #require(await harness.service.subsystemConfig(named: "iscsi")?.arrayValue)
        #expect(
            iscsi.last == [
                "method": "iscsi_create_auth_group", "params": ["tag": 1, "secrets": [["user": "u", "secret": "s"]]],
            ]
        )
        let noAlias = iscsi[4].objectValue?["params"]?.objectValue
        #expect(noAlias?["name"] == "iqn.2016-06.io.spdk:noalias")
        #expect(noAlias?["alias_name"] == nil)
        await harness.shutdown()
    }

    /// The written config reloads into an equal configuration.
    @Test func configReloads() async throws {
        let original = try await RPCHarness()
        try await original.createSeed()
        let bdev = try #require(await original.service.subsystemConfig(named: "bdev")?.arrayValue)
        let iscsi = try #require(await original.service.subsystemConfig(named: "iscsi")?.arrayValue)
        await original.shutdown()

        let copy = try await RPCHarness(initialized: false)
        for entry in bdev + iscsi {
            let object = try #require(entry.objectValue)
            let method = try #require(object["method"]?.stringValue)
            if copy.table.allowsInCurrentState(method) == true {
                try await copy.call(method, object["params"])
            }
        }
        try await copy.initialize()
        for entry in bdev + iscsi {
            let object = try #require(entry.objectValue)
            let method = try #require(object["method"]?.stringValue)
            if method != "iscsi_set_options", method != "bdev_set_options" {
                try await copy.call(method, object["params"])
            }
        }
        #expect(await copy.service.subsystemConfig(named: "bdev")?.arrayValue == bdev)
        #expect(await copy.service.subsystemConfig(named: "iscsi")?.arrayValue == iscsi)
        await copy.shutdown()
    }
}

extension String {
    fileprivate func replacingUUIDs(_ uuids: [String]) -> String {
        var text = self
        for (index, uuid) in uuids.enumerated() {
            text = text.split(separator: "UUID\(index)", omittingEmptySubsequences: false).joined(separator: uuid)
        }
        return text
    }
}
