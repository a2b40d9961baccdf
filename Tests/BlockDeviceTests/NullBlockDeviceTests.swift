import BlockDevice
import NIOCore
import Testing

@Suite struct NullBlockDeviceTests {
    private func makeDevice() throws -> NullBlockDevice {
        try NullBlockDevice(.init(name: "Null0", blockCount: 128, blockSize: 512))
    }

    @Test func identity() throws {
        let device = try self.makeDevice()
        #expect(device.productName == "Null disk")
        #expect(!device.writeCacheEnabled)
        #expect(device.supportedIOTypes == [.read, .write, .writeZeroes, .reset, .abort])
    }

    @Test func readsZeroesAndDiscardsWrites() throws {
        let device = try self.makeDevice()
        #expect(device.write(lba: 0, data: ByteBuffer(repeating: 0xFF, count: 1024)) == .success)
        var buffer = ByteBuffer()
        #expect(device.read(lba: 0, blocks: 2, into: &buffer) == .success)
        #expect(buffer.readableBytesView.allSatisfy { $0 == 0 })
        #expect(buffer.readableBytes == 1024)
    }

    @Test func checksRanges() throws {
        let device = try self.makeDevice()
        var buffer = ByteBuffer()
        #expect(device.read(lba: 128, blocks: 1, into: &buffer) == .failed(.outOfRange))
        #expect(device.write(lba: 127, data: ByteBuffer(repeating: 0, count: 1024)) == .failed(.outOfRange))
        #expect(device.write(lba: 0, segments: [ByteBuffer(repeating: 0, count: 100)]) == .failed(.outOfRange))
        #expect(device.writeZeroes(lba: 0, blocks: 129) == .failed(.outOfRange))
        #expect(device.unmap(lba: 0, blocks: 1) == .failed(.unsupported))
    }

    @Test func resizeGrowsTheAddressableRange() throws {
        let device = try self.makeDevice()
        device.resize(blockCount: 256)
        #expect(device.blockCount == 256)
        #expect(device.configuration.blockCount == 128)
        var buffer = ByteBuffer()
        #expect(device.read(lba: 200, blocks: 1, into: &buffer) == .success)
    }

    @Test func invalidConfigurationsAreRejected() {
        #expect(throws: BlockDeviceError.invalidArgument) {
            try NullBlockDevice(.init(name: "n", blockCount: 0, blockSize: 512))
        }
        #expect(throws: BlockDeviceError.invalidArgument) {
            try NullBlockDevice(.init(name: "n", blockCount: 8, blockSize: 1000))
        }
    }
}
