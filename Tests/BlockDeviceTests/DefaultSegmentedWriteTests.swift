import BlockDevice
import FoundationEssentials
import NIOCore
import Synchronization
import Testing

/// A device that only records whole-buffer writes, to check the protocol's default segmented write.
private final class RecordingDevice: BlockDevice {
    let name = "Recorder"
    let productName = "Recorder"
    let uuid = UUID()
    let blockSize: UInt32 = 512
    let blockCount: UInt64 = 8
    let physicalBlockSize: UInt32 = 512
    let optimalIOBoundary: UInt32 = 0
    let supportedIOTypes: BlockIOTypes = [.read, .write]
    let writeCacheEnabled = false
    let writes = Mutex<[(UInt64, [UInt8])]>([])

    func read(lba: UInt64, blocks: UInt32, into buffer: inout ByteBuffer) -> BlockIOStatus { .failed(.unsupported) }
    func writeZeroes(lba: UInt64, blocks: UInt64) -> BlockIOStatus { .failed(.unsupported) }
    func unmap(lba: UInt64, blocks: UInt64) -> BlockIOStatus { .failed(.unsupported) }
    func flush() -> BlockIOStatus { .success }

    func write(lba: UInt64, data: ByteBuffer) -> BlockIOStatus {
        self.writes.withLock { $0.append((lba, Array(data.readableBytesView))) }
        return .success
    }
}

@Suite struct DefaultSegmentedWriteTests {
    @Test func gathersSegmentsIntoOneWrite() {
        let device = RecordingDevice()
        let segments = [ByteBuffer(bytes: [1, 2]), ByteBuffer(bytes: []), ByteBuffer(bytes: [3])]
        #expect(device.write(lba: 5, segments: segments) == .success)
        #expect(device.write(lba: 6, segments: [ByteBuffer(bytes: [9])]) == .success)
        let writes = device.writes.withLock { $0 }
        #expect(writes.map(\.0) == [5, 6])
        #expect(writes.map(\.1) == [[1, 2, 3], [9]])
    }

    @Test func containsIsOverflowSafe() {
        let device = RecordingDevice()
        #expect(device.contains(lba: 0, blocks: 8))
        #expect(device.contains(lba: 8, blocks: 0))
        #expect(!device.contains(lba: 1, blocks: 8))
        #expect(!device.contains(lba: .max, blocks: 2))
        #expect(!device.contains(lba: 2, blocks: .max))
    }
}
