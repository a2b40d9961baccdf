import BlockDevice
import JSONRPC
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
