import BlockDevice
import NIOCore
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A file on a real file system (O_DIRECT needs one), removed when the test ends.
private final class DirectIOFile {
    let path: String

    init(bytes: Int) throws {
        var template = Array("/var/tmp/uring-bdev-test-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(descriptor >= 0)
        self.path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        try #require(ftruncate(descriptor, off_t(bytes)) == 0)
        close(descriptor)
    }

    deinit {
        unlink(self.path)
    }

    func resize(to bytes: Int) {
        truncate(self.path, off_t(bytes))
    }

    /// Bytes of disk space the file occupies (st_blocks is in 512-byte units).
    var allocatedBytes: Int {
        var status = stat()
        stat(self.path, &status)
        return Int(status.st_blocks) * 512
    }

    /// The file's bytes at `offset`, read without the device.
    func contents(at offset: Int, count: Int) -> [UInt8] {
        let descriptor = open(self.path, O_RDONLY)
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0xEE, count: count)
        _ = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(offset)) }
        return bytes
    }
}

@Suite struct UringBlockDeviceTests {
    private func makeDevice(_ file: DirectIOFile, blockSize: UInt32 = 0) throws -> UringBlockDevice {
        try UringBlockDevice(.init(name: "Uring0", filename: file.path, blockSize: blockSize))
    }

    private func pattern(_ seed: UInt8, count: Int) -> ByteBuffer {
        ByteBuffer(bytes: (0..<count).map { UInt8(truncatingIfNeeded: $0 / 7) &+ seed })
    }

    @Test func sizesTheFileInBlocks() throws {
        let file = try DirectIOFile(bytes: 4 << 20)
        let detected = try self.makeDevice(file)
        // The file system's direct I/O alignment, at least 512.
        #expect(detected.blockSize >= 512)
        #expect(detected.blockCount == UInt64(4 << 20) / UInt64(detected.blockSize))
        let device = try self.makeDevice(file, blockSize: 4096)
        #expect(device.blockCount == 1024)
        #expect(device.productName == "URING bdev")
        #expect(device.writeCacheEnabled)
        #expect(device.supportedIOTypes.contains([.read, .write, .flush, .unmap, .writeZeroes]))
    }

    @Test func refusesBadBlockSizesAndFiles() throws {
        let file = try DirectIOFile(bytes: 1 << 20)
        #expect(throws: UringBlockDevice.CreationFailure.self) { try self.makeDevice(file, blockSize: 1000) }
        #expect(throws: UringBlockDevice.CreationFailure.self) { try self.makeDevice(file, blockSize: 256) }
        #expect(throws: UringBlockDevice.CreationFailure.self) { try self.makeDevice(file, blockSize: 2 << 20) }
        #expect(throws: UringBlockDevice.CreationFailure.openFailed(errno: ENOENT)) {
            try UringBlockDevice(.init(name: "U", filename: "/var/tmp/no-such-uring-file"))
        }
        let tiny = try DirectIOFile(bytes: 100)
        #expect(throws: UringBlockDevice.CreationFailure.invalidFile) { try self.makeDevice(tiny) }
    }

    @Test func segmentedWriteLandsInTheFileAndReadsBack() throws {
        let file = try DirectIOFile(bytes: 4 << 20)
        let device = try self.makeDevice(file, blockSize: 4096)
        let data = self.pattern(3, count: 3 * 4096)
        // Uneven segments, one of them empty.
        let segments = [
            data.getSlice(at: 0, length: 100)!, ByteBuffer(), data.getSlice(at: 100, length: 9000)!,
            data.getSlice(at: 9100, length: 3 * 4096 - 9100)!,
        ]
        #expect(device.write(lba: 5, segments: segments) == .success)
        #expect(file.contents(at: 5 * 4096, count: 3 * 4096) == Array(data.readableBytesView))
        var readBack = ByteBuffer(string: "head")
        #expect(device.read(lba: 5, blocks: 3, into: &readBack) == .success)
        #expect(readBack.readString(length: 4) == "head")
        #expect(readBack == data)
    }

    @Test func transfersLargerThanTheBounceBufferAreSplit() throws {
        let file = try DirectIOFile(bytes: 8 << 20)
        let device = try self.makeDevice(file, blockSize: 512)
        let data = self.pattern(9, count: (3 << 20) + 512)
        #expect(device.write(lba: 1, data: data) == .success)
        var readBack = ByteBuffer()
        #expect(device.read(lba: 1, blocks: UInt32(data.readableBytes / 512), into: &readBack) == .success)
        #expect(readBack == data)
        #expect(file.contents(at: 512 + (3 << 20), count: 512) == Array(data.readableBytesView.suffix(512)))
    }

    @Test func forceUnitAccessWriteAndFlushSucceed() throws {
        let file = try DirectIOFile(bytes: 1 << 20)
        let device = try self.makeDevice(file, blockSize: 4096)
        let data = self.pattern(1, count: 8192)
        #expect(device.write(lba: 2, segments: [data], forceUnitAccess: true) == .success)
        #expect(file.contents(at: 8192, count: 8192) == Array(data.readableBytesView))
        #expect(device.flush() == .success)
    }

    @Test func requestsPastTheEndFail() throws {
        let file = try DirectIOFile(bytes: 1 << 20)
        let device = try self.makeDevice(file, blockSize: 4096)
        var buffer = ByteBuffer()
        #expect(device.read(lba: 255, blocks: 2, into: &buffer) == .failed(.outOfRange))
        #expect(buffer.readableBytes == 0)
        #expect(device.write(lba: 256, data: self.pattern(0, count: 4096)) == .failed(.outOfRange))
        #expect(device.write(lba: 0, data: self.pattern(0, count: 100)) == .failed(.outOfRange))
        #expect(device.unmap(lba: 200, blocks: 100) == .failed(.outOfRange))
        #expect(device.read(lba: 0, blocks: 0, into: &buffer) == .success)
    }

    @Test func unmapAndWriteZeroesReadBackAsZeroes() throws {
        let file = try DirectIOFile(bytes: 4 << 20)
        let device = try self.makeDevice(file, blockSize: 4096)
        #expect(device.write(lba: 0, data: self.pattern(7, count: 1 << 20)) == .success)
        let allocated = file.allocatedBytes
        #expect(device.unmap(lba: 0, blocks: 128) == .success)
        #expect(file.allocatedBytes < allocated)
        #expect(device.writeZeroes(lba: 128, blocks: 64) == .success)
        var readBack = ByteBuffer()
        #expect(device.read(lba: 0, blocks: 192, into: &readBack) == .success)
        #expect(readBack.readableBytesView.allSatisfy { $0 == 0 })
    }

    @Test func rescanFollowsTheFileSize() throws {
        let file = try DirectIOFile(bytes: 1 << 20)
        let device = try self.makeDevice(file, blockSize: 4096)
        #expect(try !device.rescan())
        file.resize(to: 2 << 20)
        #expect(try device.rescan())
        #expect(device.blockCount == 512)
    }

    @Test func eachThreadUsesItsOwnRing() async throws {
        let file = try DirectIOFile(bytes: 4 << 20)
        let device = try self.makeDevice(file, blockSize: 4096)
        let data = (0..<8).map { self.pattern(UInt8($0), count: 64 * 4096) }
        await withTaskGroup(of: Void.self) { group in
            for (index, chunk) in data.enumerated() {
                group.addTask { _ = device.write(lba: UInt64(index * 64), data: chunk) }
            }
        }
        for (index, chunk) in data.enumerated() {
            var readBack = ByteBuffer()
            #expect(device.read(lba: UInt64(index * 64), blocks: 64, into: &readBack) == .success)
            #expect(readBack == chunk)
        }
    }
}
