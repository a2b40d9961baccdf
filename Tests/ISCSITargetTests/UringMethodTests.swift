import BlockDevice
import JSONRPC
import Testing

@testable import ISCSITarget

#if canImport(Glibc)
    import Glibc
#endif

/// bdev_uring_* through the method table, bdev_get_bdevs' driver_specific and the save_config entry.
@Suite struct UringMethodTests {
    /// A 1 MiB sparse file on a disk file system (O_DIRECT), removed by the caller.
    private func makeFile() throws -> String {
        var template = Array("/var/tmp/uring-rpc-test-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        try #require(ftruncate(descriptor, 1 << 20) == 0)
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test func createRescanDeleteAndErrors() async throws {
        let harness = try await RPCHarness()
        let path = try self.makeFile()
        defer { unlink(path) }
        let uuid = "0f0e0d0c-0b0a-4908-8706-050403020100"
        #expect(
            try await harness.call(
                "bdev_uring_create",
                ["name": "U0", "filename": .string(path), "block_size": 4096, "uuid": .string(uuid)]
            ) == "U0"
        )
        // SPDK answers every failed create with one message.
        let failed = RPCError(code: -32603, message: "Unable to create URING bdev.")
        #expect(await harness.error("bdev_uring_create", ["name": "U0", "filename": .string(path)]) == failed)
        #expect(await harness.error("bdev_uring_create", ["name": "U1", "filename": "/nonexistent"]) == failed)
        #expect(
            await harness.error("bdev_uring_create", ["name": "U1", "filename": .string(path), "block_size": 700])
                == failed
        )
        #expect(await harness.error("bdev_uring_create", ["name": "U1"]) == .decodeFailed)
        #expect(
            await harness.error("bdev_uring_create", ["name": "U1", "filename": .string(path), "uuid": "x"])
                == .decodeFailed
        )
        let device = try #require(try await harness.call("bdev_get_bdevs", ["name": "U0"]).arrayValue?.first)
        #expect(device.objectValue?["num_blocks"] == 256)
        #expect(device.objectValue?["product_name"] == "URING bdev")
        #expect(device.objectValue?["driver_specific"] == ["uring": ["filename": .string(path)]])

        let bdev = try #require(await harness.service.subsystemConfig(named: "bdev")?.arrayValue)
        #expect(
            bdev[1]
                == [
                    "method": "bdev_uring_create",
                    "params": ["name": "U0", "block_size": 4096, "filename": .string(path), "uuid": .string(uuid)],
                ]
        )

        truncate(path, 2 << 20)
        #expect(try await harness.call("bdev_uring_rescan", ["name": "U0"]) == true)
        #expect(
            try await harness.call("bdev_get_bdevs", ["name": "U0"]).arrayValue?.first?.objectValue?["num_blocks"]
                == 512
        )
        #expect(await harness.error("bdev_uring_rescan", ["name": "nothing"]) == .errno(19))
        try await harness.call("bdev_malloc_create", ["name": "M0", "num_blocks": 16, "block_size": 512])
        #expect(await harness.error("bdev_uring_delete", ["name": "M0"]) == .errno(19))
        #expect(try await harness.call("bdev_uring_delete", ["name": "U0"]) == true)
        #expect(await harness.error("bdev_uring_delete", ["name": "U0"]) == .errno(19))
        await harness.shutdown()
    }
}
