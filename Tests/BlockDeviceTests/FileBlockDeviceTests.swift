import BlockDevice
import NIOCore
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A file in the temporary directory, removed when the test ends.
private final class TemporaryFile {
    let path: String

    init(bytes: Int) throws {
        var template = Array("/tmp/file-bdev-test-XXXXXX".utf8CString)
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

@Suite struct FileBlockDeviceTests {
    private func makeDevice(
        _ file: TemporaryFile,
        blockSize: UInt32 = 512,
        readOnly: Bool = false,
        fallocate: Bool = false
    ) throws -> FileBlockDevice {
        try FileBlockDevice(
            .init(
                name: "AIO0",
                filename: file.path,
                blockSize: blockSize,
                isReadOnly: readOnly,
                usesFallocate: fallocate
            )
        )
    }

    private func pattern(_ seed: UInt8, count: Int) -> ByteBuffer {
        ByteBuffer(bytes: (0..<count).map { UInt8(truncatingIfNeeded: $0) &+ seed })
    }

    @Test func sizesTheFileInBlocks() throws {
        let file = try TemporaryFile(bytes: 1 << 20)
        #expect(try self.makeDevice(file).blockCount == 2048)
        #expect(try self.makeDevice(file, blockSize: 4096).blockCount == 256)
        // A regular file has no block size of its own: 512 when none is given.
        #expect(try self.makeDevice(file, blockSize: 0).blockSize == 512)
        let device = try self.makeDevice(file)
        #expect(device.productName == "AIO disk")
        #expect(device.writeCacheEnabled)
        #expect(!device.isReadOnly)
    }

    @Test func refusesBadBlockSizesAndFiles() throws {
        let file = try TemporaryFile(bytes: 1 << 20)
        for size: UInt32 in [256, 1000, 3072] {
            #expect(throws: BlockDeviceError.invalidArgument) { try self.makeDevice(file, blockSize: size) }
        }
        let small = try TemporaryFile(bytes: 100)
        #expect(throws: BlockDeviceError.invalidArgument) { try self.makeDevice(small) }
        #expect(throws: BlockDeviceError.system(errno: ENOENT)) {
            try FileBlockDevice(.init(name: "AIO0", filename: "/nonexistent/file"))
        }
        #expect(throws: BlockDeviceError.invalidArgument) {
            try FileBlockDevice(.init(name: "AIO0", filename: "/dev/null"))
        }
    }

    @Test func segmentedWriteLandsInTheFileAndReadsBack() throws {
        let file = try TemporaryFile(bytes: 1 << 20)
        let device = try self.makeDevice(file)
        let data = self.pattern(7, count: 3 * 512)
        // Segments that do not follow block boundaries.
        let segments = [
            data.getSlice(at: 0, length: 100)!, data.getSlice(at: 100, length: 1000)!,
            data.getSlice(at: 1100, length: 436)!,
        ]
        #expect(device.write(lba: 5, segments: segments) == .success)
        #expect(file.contents(at: 5 * 512, count: 3 * 512) == Array(data.readableBytesView))

        var read = ByteBuffer(string: "head")
        #expect(device.read(lba: 5, blocks: 3, into: &read) == .success)
        #expect(read.readString(length: 4) == "head")
        #expect(read == data)
    }

    @Test func forceUnitAccessWriteAndFlushSucceed() throws {
        let file = try TemporaryFile(bytes: 1 << 20)
        let device = try self.makeDevice(file, blockSize: 4096)
        let data = self.pattern(1, count: 8192)
        #expect(device.write(lba: 10, segments: [data], forceUnitAccess: true) == .success)
        #expect(device.flush() == .success)
        #expect(file.contents(at: 10 * 4096, count: 8192) == Array(data.readableBytesView))
    }

    @Test func requestsPastTheEndFail() throws {
        let file = try TemporaryFile(bytes: 64 * 512)
        let device = try self.makeDevice(file)
        var buffer = ByteBuffer()
        #expect(device.read(lba: 63, blocks: 2, into: &buffer) == .failed(.outOfRange))
        #expect(buffer.readableBytes == 0)
        #expect(device.write(lba: 64, data: self.pattern(0, count: 512)) == .failed(.outOfRange))
        #expect(device.write(lba: 0, data: self.pattern(0, count: 100)) == .failed(.outOfRange))
        #expect(device.writeZeroes(lba: 60, blocks: 5) == .failed(.outOfRange))
    }

    @Test func unmapPunchesHolesOnlyWithFallocate() throws {
        let file = try TemporaryFile(bytes: 1 << 20)
        let plain = try self.makeDevice(file)
        #expect(!plain.supportedIOTypes.contains(.unmap))
        #expect(plain.unmap(lba: 0, blocks: 8) == .failed(.unsupported))

        let device = try self.makeDevice(file, blockSize: 4096, fallocate: true)
        #expect(device.supportedIOTypes.isSuperset(of: [.unmap, .writeZeroes]))
        #expect(device.write(lba: 0, data: self.pattern(3, count: 64 * 4096)) == .success)
        #expect(device.flush() == .success)
        let allocated = file.allocatedBytes
        #expect(device.unmap(lba: 16, blocks: 32) == .success)
        #expect(file.allocatedBytes <= allocated - 32 * 4096)
        var read = ByteBuffer()
        #expect(device.read(lba: 15, blocks: 34, into: &read) == .success)
        let bytes = Array(read.readableBytesView)
        #expect(bytes[4096..<(33 * 4096)].allSatisfy { $0 == 0 })
        #expect(
            bytes[0..<4096] == Array(self.pattern(3, count: 64 * 4096).readableBytesView)[(15 * 4096)..<(16 * 4096)]
        )
        #expect(bytes[(33 * 4096)...].contains { $0 != 0 })
    }

    @Test func writeZeroesWithAndWithoutFallocate() throws {
        for fallocate in [false, true] {
            let file = try TemporaryFile(bytes: 4 << 20)
            let device = try self.makeDevice(file, fallocate: fallocate)
            #expect(device.write(lba: 0, data: self.pattern(9, count: 4 << 20)) == .success)
            // More than one 1 MiB chunk of zeroes without fallocate.
            #expect(device.writeZeroes(lba: 1, blocks: 3000) == .success)
            #expect(file.contents(at: 512, count: 3000 * 512).allSatisfy { $0 == 0 })
            #expect(file.contents(at: 0, count: 512) == Array(self.pattern(9, count: 512).readableBytesView))
            #expect(file.contents(at: 3001 * 512, count: 1) != [0])
        }
    }

    @Test func readOnlyDeviceRefusesWrites() throws {
        let file = try TemporaryFile(bytes: 1 << 20)
        let device = try self.makeDevice(file, readOnly: true, fallocate: true)
        #expect(device.isReadOnly)
        #expect(device.write(lba: 0, data: self.pattern(0, count: 512)) == .failed(.ioError))
        #expect(device.writeZeroes(lba: 0, blocks: 1) == .failed(.ioError))
        #expect(device.unmap(lba: 0, blocks: 1) == .failed(.ioError))
        var read = ByteBuffer()
        #expect(device.read(lba: 0, blocks: 1, into: &read) == .success)
    }

    @Test func rescanFollowsTheFileSize() throws {
        let file = try TemporaryFile(bytes: 1 << 20)
        let device = try self.makeDevice(file, blockSize: 4096)
        #expect(try device.rescan() == false)
        file.resize(to: 2 << 20)
        #expect(try device.rescan() == true)
        #expect(device.blockCount == 512)
        #expect(try device.rescan() == false)
    }
}
