import BlockDevice
import JSONRPC
import Testing

@testable import ISCSITarget

@Suite struct BlockDeviceMethodTests {
    @Test func mallocNamingAndErrors() async throws {
        let harness = try await RPCHarness()
        #expect(try await harness.call("bdev_malloc_create", ["num_blocks": 16, "block_size": 512]) == "Malloc0")
        #expect(
            try await harness.call("bdev_malloc_create", ["name": "Malloc1", "num_blocks": 16, "block_size": 512])
                == "Malloc1"
        )
        #expect(
            await harness.error("bdev_malloc_create", ["name": "Malloc0", "num_blocks": 16, "block_size": 512])
                == .fileExists
        )
        for bad: JSONValue in [
            ["num_blocks": 16, "block_size": 500], ["num_blocks": 0, "block_size": 512],
            ["num_blocks": 16, "block_size": 0], ["num_blocks": 16, "block_size": 512, "physical_block_size": 100],
            ["num_blocks": 16, "block_size": 512, "md_size": 7], ["num_blocks": 16, "block_size": 512, "dif_type": 4],
        ] {
            #expect(await harness.error("bdev_malloc_create", bad) == .invalidArgument, "\(bad)")
        }
        for bad: JSONValue in [
            ["num_blocks": 16], ["num_blocks": "16", "block_size": 512], ["num_blocks": 16, "block_size": 512, "x": 1],
            ["num_blocks": 16, "block_size": 512, "uuid": "not-a-uuid"], ["num_blocks": -1, "block_size": 512],
        ] {
            #expect(await harness.error("bdev_malloc_create", bad) == .decodeFailed, "\(bad)")
        }
        #expect(
            await harness.error("bdev_malloc_create", ["num_blocks": .integer(Int64.max / 512), "block_size": 512])
                == RPCError(code: -12, message: "Cannot allocate memory")
        )
        await harness.shutdown()
    }

    @Test func autoNameCollidesWithExplicitName() async throws {
        let harness = try await RPCHarness()
        try await harness.call("bdev_malloc_create", ["name": "Malloc0", "num_blocks": 16, "block_size": 512])
        #expect(await harness.error("bdev_malloc_create", ["num_blocks": 16, "block_size": 512]) == .fileExists)
        #expect(try await harness.call("bdev_malloc_create", ["num_blocks": 16, "block_size": 512]) == "Malloc1")
        await harness.shutdown()
    }

    @Test func getBdevsShape() async throws {
        let harness = try await RPCHarness()
        let uuid = "2b5f1c36-4a8e-4d37-9d0f-0a1b2c3d4e01"
        try await harness.call(
            "bdev_malloc_create",
            ["name": "Malloc0", "num_blocks": 131072, "block_size": 512, "uuid": .string(uuid)]
        )
        let all = try await harness.call("bdev_get_bdevs")
        let byAlias = try await harness.call("bdev_get_bdevs", ["name": .string(uuid)])
        #expect(all == byAlias)
        let device = try #require(all.arrayValue?.first?.objectValue)
        #expect(
            device.keys == [
                "name", "aliases", "product_name", "block_size", "num_blocks", "preferred_write_alignment",
                "preferred_write_granularity", "optimal_write_size", "preferred_unmap_alignment",
                "preferred_unmap_granularity", "uuid", "numa_id", "assigned_rate_limits", "claimed", "zoned",
                "supported_io_types", "driver_specific",
            ]
        )
        #expect(device["aliases"] == [.string(uuid)])
        #expect(device["product_name"] == "Malloc disk")
        #expect(device["num_blocks"] == 131072)
        #expect(device["uuid"] == .string(uuid))
        #expect(device["supported_io_types"]?.objectValue?.keys.first == "read")
        #expect(device["supported_io_types"]?.objectValue?["read"] == true)
        #expect(await harness.error("bdev_get_bdevs", ["name": "Nope"]) == .noSuchDevice)
        #expect(await harness.error("bdev_get_bdevs", ["name": "Nope", "timeout": 30]) == .noSuchDevice)
        #expect(await harness.error("bdev_get_bdevs", ["name": 1]) == .decodeFailed)
        await harness.shutdown()
    }

    @Test func getBdevsWaitsForTimeout() async throws {
        let harness = try await RPCHarness()
        async let found = harness.call("bdev_get_bdevs", ["name": "Late", "timeout": 5000])
        try await Task.sleep(for: .milliseconds(50))
        try await harness.call("bdev_null_create", ["name": "Late", "num_blocks": 8, "block_size": 512])
        #expect(try await found.arrayValue?.first?.objectValue?["name"] == "Late")
        await harness.shutdown()
    }

    @Test func deleteKinds() async throws {
        let harness = try await RPCHarness()
        try await harness.call("bdev_malloc_create", ["name": "M", "num_blocks": 16, "block_size": 512])
        try await harness.call("bdev_null_create", ["name": "N", "num_blocks": 16, "block_size": 512])
        #expect(await harness.error("bdev_malloc_delete", ["name": "N"]) == .noSuchDevice)
        #expect(await harness.error("bdev_null_delete", ["name": "M"]) == .noSuchDevice)
        #expect(await harness.error("bdev_malloc_delete", ["name": "X"]) == .noSuchDevice)
        #expect(await harness.error("bdev_malloc_delete", [:]) == .decodeFailed)
        try await harness.call("bdev_malloc_delete", ["name": "M"])
        try await harness.call("bdev_null_delete", ["name": "N"])
        #expect(try await harness.call("bdev_get_bdevs") == [])
        await harness.shutdown()
    }

    @Test func nullCreateAndResize() async throws {
        let harness = try await RPCHarness()
        #expect(
            try await harness.call("bdev_null_create", ["name": "Null0", "num_blocks": 131072, "block_size": 512])
                == "Null0"
        )
        #expect(
            await harness.error("bdev_null_create", ["name": "Null0", "num_blocks": 8, "block_size": 512])
                == .fileExists
        )
        #expect(
            await harness.error("bdev_null_create", ["name": "Null1", "num_blocks": 8, "block_size": 100])
                == .invalidArgument
        )
        #expect(await harness.error("bdev_null_create", ["num_blocks": 8, "block_size": 512]) == .decodeFailed)
        try await harness.call("bdev_malloc_create", ["name": "M", "num_blocks": 16, "block_size": 512])
        #expect(await harness.error("bdev_null_resize", ["name": "Null0", "new_size": 63]) == .invalidArgument)
        #expect(await harness.error("bdev_null_resize", ["name": "M", "new_size": 128]) == .invalidArgument)
        #expect(await harness.error("bdev_null_resize", ["name": "X", "new_size": 128]) == .noSuchDevice)
        try await harness.call("bdev_null_resize", ["name": "Null0", "new_size": 128])
        #expect(harness.service.blockDevices.device(named: "Null0")?.blockCount == 262144)
        let device = try await harness.call("bdev_get_bdevs", ["name": "Null0"]).arrayValue?.first?.objectValue
        #expect(device?["product_name"] == "Null disk")
        #expect(device?["num_blocks"] == 262144)
        await harness.shutdown()
    }

    @Test func deletingABdevHotRemovesItsLUNs() async throws {
        let harness = try await RPCHarness()
        try await harness.createSeed()
        let unit = try #require(harness.service.configuration.snapshot.targets.first?.logicalUnits.last)
        try await harness.call("bdev_malloc_delete", ["name": "Malloc1"])
        #expect(unit.isRemoved)
        let luns = try await harness.call("iscsi_get_target_nodes").arrayValue?.first?.objectValue?["luns"]
        #expect(luns == [["bdev_name": "Malloc0", "lun_id": 0]])
        #expect(harness.service.configuration.snapshot.targets.first?.logicalUnits.count == 1)
        await harness.shutdown()
    }

    @Test func startupOnlyOptionsAndIgnoredMethods() async throws {
        let harness = try await RPCHarness(initialized: false)
        try await harness.call("bdev_set_options", ["bdev_io_pool_size": 5, "bdev_io_cache_size": 1])
        #expect(
            await harness.error("bdev_set_options", ["bdev_io_pool_size": 1, "bdev_io_cache_size": 1])
                == .invalidParameters
        )
        #expect(await harness.error("bdev_set_options", ["bogus": 1]) == .invalidParameters)
        for method in ["iobuf_set_options", "sock_impl_set_options", "accel_set_options", "bdev_nvme_set_options"] {
            #expect(try await harness.call(method, ["anything": [1, 2]]) == true)
        }
        try await harness.initialize()
        #expect(try await harness.call("bdev_nvme_set_options", ["x": 1]) == true)
        #expect(try await harness.call("bdev_nvme_set_hotplug", ["enable": false]) == true)
        #expect(await harness.error("iobuf_set_options", [:])?.code == -1)
        #expect(try await harness.call("bdev_wait_for_examine") == true)
        #expect(
            await harness.error("bdev_wait_for_examine", [:])
                == .invalidParameters("bdev_wait_for_examine requires no parameters")
        )
        let config = try #require(await harness.service.subsystemConfig(named: "bdev")?.arrayValue)
        #expect(config.first?.objectValue?["params"]?.objectValue?["bdev_io_pool_size"] == 5)
        await harness.shutdown()
    }
}
