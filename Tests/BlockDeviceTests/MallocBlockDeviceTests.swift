import BlockDevice
import NIOCore
import Testing

@Suite struct MallocBlockDeviceTests {
    private func makeDevice(blocks: UInt64 = 64, blockSize: UInt32 = 512) throws -> MallocBlockDevice {
        try MallocBlockDevice(.init(name: "Malloc0", blockCount: blocks, blockSize: blockSize))
    }

    private func read(_ device: MallocBlockDevice, lba: UInt64, blocks: UInt32) -> [UInt8] {
        var buffer = ByteBuffer()
        #expect(device.read(lba: lba, blocks: blocks, into: &buffer) == .success)
        return Array(buffer.readableBytesView)
    }

    @Test func identity() throws {
        let device = try self.makeDevice()
        #expect(device.name == "Malloc0")
        #expect(device.productName == "Malloc disk")
        #expect(device.blockCount == 64)
        #expect(device.blockSize == 512)
        #expect(device.physicalBlockSize == 512)
        #expect(device.writeCacheEnabled)
        #expect(device.supportedIOTypes.isSuperset(of: [.read, .write, .unmap, .writeZeroes, .flush]))
        #expect(!device.supportedIOTypes.contains(.compareAndWrite))
    }

    @Test func startsZeroFilled() throws {
        let device = try self.makeDevice()
        #expect(self.read(device, lba: 0, blocks: 64) == [UInt8](repeating: 0, count: 64 * 512))
    }

    @Test func writeThenReadRoundTrips() throws {
        let device = try self.makeDevice()
        let payload = (0..<1024).map { UInt8(truncatingIfNeeded: $0 * 7) }
        #expect(device.write(lba: 3, data: ByteBuffer(bytes: payload)) == .success)
        #expect(self.read(device, lba: 3, blocks: 2) == payload)
        #expect(self.read(device, lba: 2, blocks: 1) == [UInt8](repeating: 0, count: 512))
        #expect(self.read(device, lba: 5, blocks: 1) == [UInt8](repeating: 0, count: 512))
    }

    @Test func readAppendsAfterExistingBytes() throws {
        let device = try self.makeDevice()
        var buffer = ByteBuffer(bytes: [1, 2, 3])
        #expect(device.read(lba: 0, blocks: 1, into: &buffer) == .success)
        #expect(buffer.readableBytes == 515)
        #expect(buffer.getBytes(at: 0, length: 3) == [1, 2, 3])
    }

    @Test func segmentedWriteNeedNotBeBlockAligned() throws {
        let device = try self.makeDevice()
        let payload = (0..<1536).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }
        let segments = [
            ByteBuffer(bytes: payload[0..<100]),
            ByteBuffer(bytes: payload[100..<1000]),
            ByteBuffer(bytes: payload[1000...]),
        ]
        #expect(device.write(lba: 10, segments: segments) == .success)
        #expect(self.read(device, lba: 10, blocks: 3) == payload)
    }

    @Test func partialBlockWriteIsRejected() throws {
        let device = try self.makeDevice()
        #expect(device.write(lba: 0, data: ByteBuffer(bytes: [1, 2, 3])) == .failed(.outOfRange))
        #expect(self.read(device, lba: 0, blocks: 1) == [UInt8](repeating: 0, count: 512))
    }

    @Test func outOfRangeRequestsFail() throws {
        let device = try self.makeDevice()
        var buffer = ByteBuffer()
        #expect(device.read(lba: 63, blocks: 2, into: &buffer) == .failed(.outOfRange))
        #expect(device.read(lba: .max, blocks: 1, into: &buffer) == .failed(.outOfRange))
        #expect(buffer.readableBytes == 0)
        let block = ByteBuffer(repeating: 1, count: 512)
        #expect(device.write(lba: 64, data: block) == .failed(.outOfRange))
        #expect(device.writeZeroes(lba: 1, blocks: .max) == .failed(.outOfRange))
        #expect(device.unmap(lba: 65, blocks: 0) == .failed(.outOfRange))
        #expect(device.read(lba: 64, blocks: 0, into: &buffer) == .success)
    }

    @Test func unmapAndWriteZeroesClearOnlyTheirRange() throws {
        // 4 KiB blocks over several pages exercise both the page-release path and the edges.
        let device = try self.makeDevice(blocks: 32, blockSize: 4096)
        let ones = ByteBuffer(repeating: 0xFF, count: 32 * 4096)
        #expect(device.write(lba: 0, data: ones) == .success)
        #expect(device.unmap(lba: 2, blocks: 5) == .success)
        #expect(device.writeZeroes(lba: 20, blocks: 1) == .success)
        let content = self.read(device, lba: 0, blocks: 32)
        for block in 0..<32 {
            let expected: UInt8 = (2..<7).contains(block) || block == 20 ? 0 : 0xFF
            #expect(content[(block * 4096)..<((block + 1) * 4096)].allSatisfy { $0 == expected }, "block \(block)")
        }
    }

    @Test func subPageZeroingKeepsNeighbours() throws {
        let device = try self.makeDevice(blocks: 16, blockSize: 512)
        #expect(device.write(lba: 0, data: ByteBuffer(repeating: 0xAA, count: 16 * 512)) == .success)
        #expect(device.writeZeroes(lba: 3, blocks: 10) == .success)
        let content = self.read(device, lba: 0, blocks: 16)
        #expect(content[0..<(3 * 512)].allSatisfy { $0 == 0xAA })
        #expect(content[(3 * 512)..<(13 * 512)].allSatisfy { $0 == 0 })
        #expect(content[(13 * 512)...].allSatisfy { $0 == 0xAA })
    }

    @Test(arguments: [
        MallocBlockDevice.Configuration(name: "a", blockCount: 0, blockSize: 512),
        MallocBlockDevice.Configuration(name: "b", blockCount: 8, blockSize: 520),
        MallocBlockDevice.Configuration(name: "c", blockCount: 8, blockSize: 0),
        MallocBlockDevice.Configuration(name: "d", blockCount: 8, blockSize: 4096, physicalBlockSize: 512),
        MallocBlockDevice.Configuration(name: "e", blockCount: .max, blockSize: 512),
    ])
    func invalidConfigurationsAreRejected(_ configuration: MallocBlockDevice.Configuration) {
        #expect(throws: BlockDeviceError.invalidArgument) {
            try MallocBlockDevice(configuration)
        }
    }

    @Test func hugeDeviceFailsWithOutOfMemory() {
        // 2^61 bytes: representable, but no machine can map it.
        let configuration = MallocBlockDevice.Configuration(name: "huge", blockCount: 1 << 52, blockSize: 512)
        #expect(throws: BlockDeviceError.outOfMemory) {
            try MallocBlockDevice(configuration)
        }
    }

    @Test func physicalBlockSizeDefaultsToBlockSize() throws {
        let device = try MallocBlockDevice(
            .init(name: "m", blockCount: 8, blockSize: 512, physicalBlockSize: 4096, optimalIOBoundary: 16)
        )
        #expect(device.physicalBlockSize == 4096)
        #expect(device.optimalIOBoundary == 16)
    }

    @Test func concurrentDisjointWritesDoNotInterfere() async throws {
        let device = try self.makeDevice(blocks: 256, blockSize: 512)
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    let pattern = ByteBuffer(repeating: UInt8(worker + 1), count: 512)
                    for round in 0..<200 {
                        _ = device.write(lba: UInt64(worker * 32 + round % 32), data: pattern)
                    }
                }
            }
        }
        for worker in 0..<8 {
            let content = self.read(device, lba: UInt64(worker * 32), blocks: 32)
            #expect(content.allSatisfy { $0 == UInt8(worker + 1) })
        }
    }
}
