import BlockDevice
import JSONRPC
import NIOPosix
import Testing

@testable import ISCSITarget

#if canImport(Glibc)
    import Glibc
#endif

/// bdev_aio_*, bdev_delay_*, bdev_error_* through the method table, and their save_config entries.
@Suite struct StorageMethodTests {
    /// A 1 MiB sparse file, removed by the caller.
    private func makeFile() throws -> String {
        var template = Array("/tmp/storage-rpc-test-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        try #require(ftruncate(descriptor, 1 << 20) == 0)
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test func aioCreateRescanDeleteAndErrors() async throws {
        let harness = try await RPCHarness()
        let path = try self.makeFile()
        defer { unlink(path) }
        #expect(try await harness.call("bdev_aio_create", ["name": "AIO0", "filename": .string(path)]) == "AIO0")
        #expect(await harness.error("bdev_aio_create", ["name": "AIO0", "filename": .string(path)]) == .fileExists)
        #expect(
            await harness.error("bdev_aio_create", ["name": "AIO1", "filename": "/nonexistent"]) == .errno(2)
        )
        #expect(
            await harness.error("bdev_aio_create", ["name": "AIO1", "filename": .string(path), "block_size": 700])
                == .invalidArgument
        )
        #expect(await harness.error("bdev_aio_create", ["name": "AIO1"]) == .decodeFailed)
        let device = try #require(try await harness.call("bdev_get_bdevs", ["name": "AIO0"]).arrayValue?.first)
        #expect(device.objectValue?["num_blocks"] == 2048)
        #expect(
            device.objectValue?["driver_specific"]
                == [
                    "aio": [
                        "filename": .string(path), "block_size_override": false, "readonly": false,
                        "fallocate": false,
                    ]
                ]
        )
        truncate(path, 2 << 20)
        #expect(try await harness.call("bdev_aio_rescan", ["name": "AIO0"]) == true)
        #expect(
            try await harness.call("bdev_get_bdevs", ["name": "AIO0"]).arrayValue?.first?.objectValue?["num_blocks"]
                == 4096
        )
        #expect(await harness.error("bdev_aio_rescan", ["name": "nothing"]) == .errno(19))
        #expect(try await harness.call("bdev_aio_delete", ["name": "AIO0"]) == true)
        #expect(await harness.error("bdev_aio_delete", ["name": "AIO0"]) == .errno(19))
        await harness.shutdown()
    }

    @Test func stackedDevicesSaveInCreationOrderAndGoWithTheirBase() async throws {
        let harness = try await RPCHarness()
        let path = try self.makeFile()
        defer { unlink(path) }
        try await harness.call("bdev_aio_create", ["name": "AIO0", "filename": .string(path), "block_size": 4096])
        try await harness.call("bdev_malloc_create", ["name": "M0", "num_blocks": 16, "block_size": 512])
        let latencies: [(String, JSONValue)] = [
            ("avg_read_latency", 1), ("p99_read_latency", 2), ("avg_write_latency", 3), ("p99_write_latency", 4),
        ]
        #expect(
            try await harness.call(
                "bdev_delay_create",
                .object(JSONObject([("base_bdev_name", "AIO0"), ("name", "D0")] + latencies))
            ) == "D0"
        )
        #expect(try await harness.call("bdev_error_create", ["base_name": "D0"]) == true)
        #expect(
            try await harness.call(
                "bdev_delay_update_latency",
                ["delay_bdev_name": "D0", "latency_type": "p99_write", "latency_us": 40]
            ) == true
        )
        #expect(
            try await harness.call(
                "bdev_error_inject_error",
                ["name": "EE_D0", "io_type": "write", "error_type": "failure", "num": 3]
            ) == true
        )
        #expect(
            await harness.error("bdev_error_inject_error", ["name": "M0", "io_type": "all", "error_type": "failure"])
                == .errno(19)
        )
        #expect(
            await harness.error(
                "bdev_error_inject_error",
                ["name": "EE_D0", "io_type": "read", "error_type": "pending"]
            ) == .errno(95)
        )
        #expect(try await harness.call("bdev_error_resume_pending", ["name": "EE_D0"]) == true)
        #expect(await harness.error("bdev_error_resume_pending", ["name": "D0"]) == .errno(19))
        let bdev = try #require(await harness.service.subsystemConfig(named: "bdev")?.arrayValue)
        #expect(
            bdev.compactMap { $0.objectValue?["method"]?.stringValue }
                == [
                    "bdev_set_options", "bdev_aio_create", "bdev_malloc_create", "bdev_delay_create",
                    "bdev_error_create", "bdev_wait_for_examine",
                ]
        )
        #expect(bdev[1].objectValue?["params"]?.objectValue?["block_size"] == 4096)
        #expect(bdev[3].objectValue?["params"]?.objectValue?["p99_write_latency"] == 40)
        #expect(bdev[4].objectValue?["params"]?.objectValue?["base_name"] == "D0")

        // Deleting the file bdev takes the devices stacked on it along.
        try await harness.call("bdev_aio_delete", ["name": "AIO0"])
        let names = try await harness.call("bdev_get_bdevs").arrayValue?.compactMap {
            $0.objectValue?["name"]?.stringValue
        }
        #expect(names == ["M0"])
        await harness.shutdown()
    }
}

@Suite struct IOStatisticsMethodTests {
    @Test func qosLimitsRoundAndShowInBdevsAndConfig() async throws {
        let harness = try await RPCHarness()
        try await harness.call("bdev_malloc_create", ["name": "M0", "num_blocks": 16, "block_size": 512])
        #expect(
            await harness.error("bdev_set_qos_limit", ["name": "M0"])
                == RPCError(code: -22, message: "No rate limits specified")
        )
        #expect(await harness.error("bdev_set_qos_limit", ["name": "nothing", "rw_ios_per_sec": 1000]) == .errno(19))
        #expect(try await harness.call("bdev_set_qos_limit", ["name": "M0", "rw_ios_per_sec": 1500]) == true)
        #expect(try await harness.call("bdev_set_qos_limit", ["name": "M0", "r_mbytes_per_sec": 10]) == true)
        let device = try #require(try await harness.call("bdev_get_bdevs", ["name": "M0"]).arrayValue?.first)
        #expect(
            device.objectValue?["assigned_rate_limits"]
                == ["rw_ios_per_sec": 2000, "rw_mbytes_per_sec": 0, "r_mbytes_per_sec": 10, "w_mbytes_per_sec": 0]
        )
        let bdev = try #require(await harness.service.subsystemConfig(named: "bdev")?.arrayValue)
        #expect(
            bdev.compactMap { $0.objectValue?["method"]?.stringValue }
                == ["bdev_set_options", "bdev_malloc_create", "bdev_set_qos_limit", "bdev_wait_for_examine"]
        )
        await harness.shutdown()
    }

    @Test func iostatShapeAndErrors() async throws {
        let harness = try await RPCHarness()
        try await harness.call("bdev_malloc_create", ["name": "M0", "num_blocks": 16, "block_size": 512])
        try await harness.call("bdev_null_create", ["name": "N0", "num_blocks": 16, "block_size": 512])
        let all = try #require(try await harness.call("bdev_get_iostat").objectValue)
        #expect(all.keys == ["tick_rate", "ticks", "bdevs"])
        #expect(all["tick_rate"] == 1_000_000_000)
        let first = try #require(all["bdevs"]?.arrayValue?.first?.objectValue)
        #expect(first["name"] == "M0")
        #expect(first.keys.prefix(5) == ["name", "bytes_read", "num_read_ops", "bytes_written", "num_write_ops"])
        let one = try await harness.call("bdev_get_iostat", ["names": ["N0"], "per_channel": false])
        #expect(one.objectValue?["bdevs"]?.arrayValue?.count == 1)
        #expect(await harness.error("bdev_get_iostat", ["names": ["nothing"]]) == .errno(19))
        #expect(await harness.error("bdev_get_iostat", ["per_channel": true]) == .errno(22))
        #expect(await harness.error("bdev_get_iostat", ["reset_mode": "some"]) == .decodeFailed)
        #expect(await harness.error("bdev_get_iostat", ["name": "N0", "names": ["N0"]]) == .errno(22))
        await harness.shutdown()
    }

    @Test func iostatPerChannelAndResets() async throws {
        let harness = try await RPCHarness()
        try await harness.call("bdev_malloc_create", ["name": "M0", "num_blocks": 16, "block_size": 512])
        let accounting = try #require(harness.service.blockDevices.device(named: "M0")?.ioAccounting)
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        try await loop.submit {
            _ = accounting.record(.read, bytes: 4096, latencyNanoseconds: 300)
            _ = accounting.record(.read, bytes: 512, latencyNanoseconds: 100)
        }.get()

        let perChannel = try #require(
            try await harness.call("bdev_get_iostat", ["name": "M0", "per_channel": true]).objectValue
        )
        #expect(perChannel.keys == ["tick_rate", "ticks", "name", "channels"])
        #expect(perChannel["name"] == "M0")
        let channels = try #require(perChannel["channels"]?.arrayValue)
        #expect(channels.count == 1)
        let channel = try #require(channels.first?.objectValue)
        #expect(channel.keys.prefix(3) == ["thread_id", "bytes_read", "num_read_ops"])
        #expect(channel["num_read_ops"] == 2 && channel["bytes_read"] == 4608)

        let withReset = try await harness.call("bdev_get_iostat", ["names": ["M0"], "reset_mode": "maxmin"])
        let before = try #require(withReset.objectValue?["bdevs"]?.arrayValue?.first?.objectValue)
        #expect(before["max_read_latency_ticks"] == 300 && before["min_read_latency_ticks"] == 100)
        let after = try #require(
            try await harness.call("bdev_get_iostat", ["names": ["M0"]]).objectValue?["bdevs"]?.arrayValue?.first
        )
        #expect(after.objectValue?["num_read_ops"] == 2 && after.objectValue?["max_read_latency_ticks"] == 0)

        #expect(await harness.error("bdev_reset_iostat", ["name": "nothing"]) == .errno(19))
        #expect(await harness.error("bdev_reset_iostat", ["mode": "some"]) == .decodeFailed)
        #expect(try await harness.call("bdev_reset_iostat", ["name": "nothing", "mode": "none"]) == true)
        #expect(try await harness.call("bdev_reset_iostat", ["name": "M0"]) == true)
        #expect(accounting.statistics == .zero)
        await harness.shutdown()
    }
}
