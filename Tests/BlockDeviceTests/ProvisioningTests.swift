import BlockDevice
import NIOCore
import Testing

@Suite struct ProvisioningTests {
    private func extents(_ device: some BlockDevice, from lba: UInt64 = 0, maximum: Int = 100) -> [[UInt64]] {
        device.provisioningExtents(from: lba, maximumExtents: maximum).map { [$0.lba, $0.blocks, $0.isMapped ? 1 : 0] }
    }

    @Test func freshMallocIsDeallocated() throws {
        let device = try MallocBlockDevice(.init(name: "Malloc0", blockCount: 200, blockSize: 512))
        #expect(self.extents(device) == [[0, 200, 0]])
        #expect(self.extents(device, from: 199) == [[199, 1, 0]])
        #expect(self.extents(device, from: 200).isEmpty)
        #expect(!device.isReadOnly)
    }

    @Test func writesMapAcrossWordBoundaries() throws {
        let device = try MallocBlockDevice(.init(name: "Malloc0", blockCount: 200, blockSize: 512))
        #expect(device.write(lba: 60, data: ByteBuffer(repeating: 1, count: 70 * 512)) == .success)
        #expect(self.extents(device) == [[0, 60, 0], [60, 70, 1], [130, 70, 0]])
        #expect(device.writeZeroes(lba: 190, blocks: 10) == .success)
        #expect(self.extents(device, from: 100) == [[100, 30, 1], [130, 60, 0], [190, 10, 1]])
        #expect(self.extents(device, maximum: 2) == [[0, 60, 0], [60, 70, 1]])
    }

    @Test func segmentedWritesMapToo() throws {
        let device = try MallocBlockDevice(.init(name: "Malloc0", blockCount: 8, blockSize: 512))
        let segments = [ByteBuffer(repeating: 1, count: 100), ByteBuffer(repeating: 2, count: 924)]
        #expect(device.write(lba: 3, segments: segments) == .success)
        #expect(self.extents(device) == [[0, 3, 0], [3, 2, 1], [5, 3, 0]])
    }

    @Test func unmapDeallocatesAndZeroes() throws {
        let device = try MallocBlockDevice(.init(name: "Malloc0", blockCount: 128, blockSize: 4096))
        #expect(device.write(lba: 0, data: ByteBuffer(repeating: 7, count: 128 * 4096)) == .success)
        #expect(device.unmap(lba: 63, blocks: 2) == .success)
        #expect(self.extents(device) == [[0, 63, 1], [63, 2, 0], [65, 63, 1]])
        var buffer = ByteBuffer()
        #expect(device.read(lba: 63, blocks: 2, into: &buffer) == .success)
        #expect(buffer.readableBytesView.allSatisfy { $0 == 0 })
        #expect(device.unmap(lba: 127, blocks: 2) == .failed(.outOfRange))
    }

    @Test func defaultReportsOneMappedExtent() throws {
        let device = try NullBlockDevice(.init(name: "Null0", blockCount: 16, blockSize: 512))
        #expect(self.extents(device, from: 4) == [[4, 12, 1]])
        #expect(self.extents(device, from: 16).isEmpty)
        #expect(!device.isReadOnly)
    }
}
