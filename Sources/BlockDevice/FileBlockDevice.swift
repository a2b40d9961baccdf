import CFileIO
import FoundationEssentials
import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A block device stored in a regular file or on a kernel block device (a disk, a partition, a loop device):
/// SPDK's `bdev_aio`.
///
/// I/O runs inline on the caller's thread through the page cache (`preadv`/`pwritev2`), which for cached data
/// costs about a microsecond, less than any hand-off to another thread (`SWIFT-NOTES.md` §3). Durability follows
/// the SCSI rules: ``flush()`` is `fdatasync`, a write with force unit access is one `pwritev2(RWF_DSYNC)`.
/// With ``Configuration/usesFallocate`` UNMAP punches holes (`FALLOC_FL_PUNCH_HOLE`) and write zeroes uses
/// `FALLOC_FL_ZERO_RANGE`, both keeping the file size.
///
/// An I/O that fails with `ENODEV` or `ENXIO` means the device is gone (a removed disk, a detached loop device):
/// the device then fails every request with ``BlockIOError/deviceRemoved`` and calls its removal handler once,
/// which unregisters it (the hot-remove path).
public final class FileBlockDevice: BlockDevice {
    /// The parameters of `bdev_aio_create`.
    public struct Configuration: Sendable, Hashable {
        /// The device name.
        public var name: String
        /// The path of the regular file or block device.
        public var filename: String
        /// Bytes per logical block, or 0 to detect it (a block device's logical block size, 512 for a file).
        public var blockSize: UInt32
        /// Open the file read-only and refuse writes.
        public var isReadOnly: Bool
        /// Implement UNMAP and write zeroes with `fallocate` (SPDK's `fallocate` option); without it the device
        /// does not advertise UNMAP.
        public var usesFallocate: Bool
        /// The device UUID.
        public var uuid: UUID

        /// Creates a configuration; `uuid` defaults to a random one.
        public init(
            name: String,
            filename: String,
            blockSize: UInt32 = 0,
            isReadOnly: Bool = false,
            usesFallocate: Bool = false,
            uuid: UUID = UUID()
        ) {
            self.name = name
            self.filename = filename
            self.blockSize = blockSize
            self.isReadOnly = isReadOnly
            self.usesFallocate = usesFallocate
            self.uuid = uuid
        }
    }

    /// The configuration the device was created with.
    public let configuration: Configuration
    public let blockSize: UInt32
    public let ioAccounting: BlockIOAccounting? = BlockIOAccounting()
    private let descriptor: CInt
    private let currentBlockCount: Atomic<UInt64>
    private let removal = DeviceRemovalLatch()
    private let onDeviceGone: @Sendable (FileBlockDevice) -> Void

    /// Opens the file and sizes the device.
    ///
    /// - Parameter onDeviceGone: called once, on the thread of the failing I/O, when the device reports that it
    ///   no longer exists (`ENODEV`, `ENXIO`).
    /// - Throws: ``BlockDeviceError/system(errno:)`` when the file cannot be opened or sized;
    ///   ``BlockDeviceError/invalidArgument`` when it is neither a regular file nor a block device, the block size
    ///   is not a power of two of at least 512 or is below the device's own, or the file holds no whole block.
    public init(
        _ configuration: Configuration,
        onDeviceGone: @escaping @Sendable (FileBlockDevice) -> Void = { _ in }
    ) throws(BlockDeviceError) {
        let flags = (configuration.isReadOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC
        let descriptor = open(configuration.filename, flags)
        guard descriptor >= 0 else {
            throw .system(errno: errno)
        }
        do throws(BlockDeviceError) {
            let geometry = try FileGeometry(descriptor: descriptor)
            let blockSize = configuration.blockSize == 0 ? geometry.logicalBlockSize : configuration.blockSize
            guard blockSize >= 512, blockSize & (blockSize - 1) == 0, blockSize >= geometry.logicalBlockSize,
                geometry.bytes >= UInt64(blockSize)
            else {
                throw .invalidArgument
            }
            self.configuration = configuration
            self.blockSize = blockSize
            self.descriptor = descriptor
            self.currentBlockCount = Atomic(geometry.bytes / UInt64(blockSize))
            self.onDeviceGone = onDeviceGone
        } catch {
            close(descriptor)
            throw error
        }
    }

    deinit {
        close(self.descriptor)
    }

    public var name: String { self.configuration.name }
    public var productName: String { "AIO disk" }
    public var uuid: UUID { self.configuration.uuid }
    public var blockCount: UInt64 { self.currentBlockCount.load(ordering: .acquiring) }
    public var physicalBlockSize: UInt32 { self.blockSize }
    public var optimalIOBoundary: UInt32 { 0 }
    /// Writes land in the page cache first: SCSI's FUA and SYNCHRONIZE CACHE make them durable.
    public var writeCacheEnabled: Bool { true }
    public var isReadOnly: Bool { self.configuration.isReadOnly }
    public var supportedIOTypes: BlockIOTypes {
        self.configuration.usesFallocate
            ? [.read, .write, .flush, .reset, .unmap, .writeZeroes] : [.read, .write, .flush, .reset]
    }

    /// Whether an I/O reported that the device no longer exists.
    public var isGone: Bool {
        self.removal.isSet
    }

    /// Re-reads the size of the file or block device; true when the number of blocks changed (the caller then
    /// raises the resize event).
    ///
    /// - Throws: ``BlockDeviceError/system(errno:)`` when the size cannot be read.
    public func rescan() throws(BlockDeviceError) -> Bool {
        let geometry = try FileGeometry(descriptor: self.descriptor)
        let blocks = geometry.bytes / UInt64(self.blockSize)
        return self.currentBlockCount.exchange(blocks, ordering: .acquiringAndReleasing) != blocks
    }

    public func read(lba: UInt64, blocks: UInt32, into buffer: inout ByteBuffer) -> BlockIOStatus {
        self.withByteRange(lba: lba, blocks: UInt64(blocks), writing: false) { offset, length in
            var result: ssize_t = 0
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { destination in
                guard let base = destination.baseAddress else {
                    return 0
                }
                var done = 0
                while done < length {
                    var vector = iovec(iov_base: base + done, iov_len: length - done)
                    result = cfileio_preadv(self.descriptor, &vector, 1, off_t(offset + done))
                    // 0 is the end of the file: it shrank under us.
                    guard result > 0 else {
                        return 0
                    }
                    done += result
                }
                return length
            }
            return result > 0 ? .success : self.failure(errnoResult: result)
        }
    }

    public func write(lba: UInt64, data: ByteBuffer) -> BlockIOStatus {
        self.write(lba: lba, segments: [data], forceUnitAccess: false)
    }

    public func write(lba: UInt64, segments: [ByteBuffer]) -> BlockIOStatus {
        self.write(lba: lba, segments: segments, forceUnitAccess: false)
    }

    /// One `pwritev2` for all the segments (more only past `IOV_MAX` segments or after a short write); with
    /// `forceUnitAccess` it carries `RWF_DSYNC`, so the data is durable when it returns.
    public func write(lba: UInt64, segments: [ByteBuffer], forceUnitAccess: Bool) -> BlockIOStatus {
        let total = segments.reduce(0) { $0 + $1.readableBytes }
        let blockSize = Int(self.blockSize)
        guard total % blockSize == 0 else {
            return .failed(.outOfRange)
        }
        return self.withByteRange(lba: lba, blocks: UInt64(total / blockSize), writing: true) { offset, _ in
            var vectors = IOVectors(segments)
            defer { vectors.release() }
            let result = vectors.writeAll(to: self.descriptor, at: offset, dataSync: forceUnitAccess)
            return result == 0 ? .success : self.failure(errnoResult: result)
        }
    }

    public func writeZeroes(lba: UInt64, blocks: UInt64) -> BlockIOStatus {
        self.withByteRange(lba: lba, blocks: blocks, writing: true) { offset, length in
            if self.configuration.usesFallocate {
                // Not every file system zeroes ranges (tmpfs only punches holes); a hole reads back as zeroes too.
                var result = cfileio_zero_range(self.descriptor, off_t(offset), off_t(length))
                if result == -EOPNOTSUPP {
                    result = cfileio_punch_hole(self.descriptor, off_t(offset), off_t(length))
                }
                if result != -EOPNOTSUPP {
                    return result == 0 ? .success : self.failure(errnoResult: ssize_t(result))
                }
            }
            return self.writeZeroBlocks(offset: offset, length: length)
        }
    }

    /// Punches a hole (the range reads back as zeroes); unsupported without ``Configuration/usesFallocate``.
    public func unmap(lba: UInt64, blocks: UInt64) -> BlockIOStatus {
        guard self.configuration.usesFallocate else {
            return .failed(.unsupported)
        }
        return self.withByteRange(lba: lba, blocks: blocks, writing: true) { offset, length in
            let result = cfileio_punch_hole(self.descriptor, off_t(offset), off_t(length))
            if result == -EOPNOTSUPP {
                return self.writeZeroBlocks(offset: offset, length: length)
            }
            return result == 0 ? .success : self.failure(errnoResult: ssize_t(result))
        }
    }

    /// `fdatasync`: every completed write of this file is durable when it returns.
    public func flush() -> BlockIOStatus {
        guard !self.isGone else {
            return .failed(.deviceRemoved)
        }
        let result = cfileio_fdatasync(self.descriptor)
        return result == 0 ? .success : self.failure(errnoResult: ssize_t(result))
    }

    /// Writes zeroes over the range in chunks of at most 1 MiB.
    private func writeZeroBlocks(offset: Int, length: Int) -> BlockIOStatus {
        let chunk = ByteBuffer(repeating: 0, count: min(length, Self.zeroChunkBytes))
        var done = 0
        while done < length {
            let count = min(chunk.readableBytes, length - done)
            var vectors = IOVectors([chunk.getSlice(at: chunk.readerIndex, length: count) ?? chunk])
            let result = vectors.writeAll(to: self.descriptor, at: offset + done, dataSync: false)
            vectors.release()
            guard result >= 0 else {
                return self.failure(errnoResult: result)
            }
            done += count
        }
        return .success
    }

    /// Runs `body` with the byte offset and length of `blocks` blocks at `lba`, after checking that they lie on
    /// the device, that the device is still there and, for `writing`, that it is writable; an empty range
    /// succeeds without calling `body`.
    private func withByteRange(
        lba: UInt64,
        blocks: UInt64,
        writing: Bool,
        _ body: (_ offset: Int, _ length: Int) -> BlockIOStatus
    ) -> BlockIOStatus {
        guard self.contains(lba: lba, blocks: blocks) else {
            return .failed(.outOfRange)
        }
        guard !self.isGone else {
            return .failed(.deviceRemoved)
        }
        // The descriptor is read-only: a write would fail with EBADF anyway.
        guard !writing || !self.configuration.isReadOnly else {
            return .failed(.ioError)
        }
        // Both products are bounded by the device size, which fits in off_t.
        let length = Int(blocks) * Int(self.blockSize)
        guard length > 0 else {
            return .success
        }
        return body(Int(lba) * Int(self.blockSize), length)
    }

    /// Maps a failed system call's `-errno` (or 0 for an unexpected end of file) to the I/O error; a vanished
    /// device triggers the removal handler, once.
    private func failure(errnoResult result: ssize_t) -> BlockIOStatus {
        self.removal.failure(errno: -CInt(truncatingIfNeeded: result)) { self.onDeviceGone(self) }
    }

    private static let zeroChunkBytes = 1 << 20
}

/// The size and logical block size of an open regular file or block device.
struct FileGeometry {
    var bytes: UInt64
    var logicalBlockSize: UInt32

    init(descriptor: CInt) throws(BlockDeviceError) {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw .system(errno: errno)
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG:
            self.bytes = UInt64(status.st_size)
            self.logicalBlockSize = 512
        case S_IFBLK:
            var bytes: UInt64 = 0
            var blockSize: UInt32 = 0
            let sizeResult = cfileio_block_device_size(descriptor, &bytes)
            guard sizeResult == 0 else {
                throw .system(errno: -sizeResult)
            }
            let blockSizeResult = cfileio_block_device_logical_block_size(descriptor, &blockSize)
            guard blockSizeResult == 0 else {
                throw .system(errno: -blockSizeResult)
            }
            self.bytes = bytes
            self.logicalBlockSize = blockSize
        default:
            throw .invalidArgument
        }
    }
}

/// The readable bytes of some `ByteBuffer`s as an `iovec` array, their storage retained until ``release()``
/// (the way NIO's own vector writes pin their buffers).
private struct IOVectors {
    private var vectors: [iovec]
    private var storages: [Unmanaged<AnyObject>]

    init(_ buffers: [ByteBuffer]) {
        self.vectors = []
        self.storages = []
        self.vectors.reserveCapacity(buffers.count)
        self.storages.reserveCapacity(buffers.count)
        for buffer in buffers where buffer.readableBytes > 0 {
            buffer.withUnsafeReadableBytesWithStorageManagement { bytes, storage in
                self.storages.append(storage.retain())
                self.vectors.append(
                    iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count)
                )
            }
        }
    }

    /// Releases the buffers' storage; call exactly once.
    func release() {
        for storage in self.storages {
            storage.release()
        }
    }

    /// Writes every vector at `offset`, resuming after short writes: 0, or the `-errno` of the failing call.
    mutating func writeAll(to descriptor: CInt, at offset: Int, dataSync: Bool) -> ssize_t {
        var position = offset
        var first = 0
        while first < self.vectors.count {
            let count = min(self.vectors.count - first, Int(CFILEIO_IOV_MAX))
            let written = self.vectors.withUnsafeBufferPointer { vectors in
                cfileio_pwritev(
                    descriptor,
                    vectors.baseAddress! + first,
                    CInt(count),
                    off_t(position),
                    dataSync ? 1 : 0
                )
            }
            guard written > 0 else {
                return written == 0 ? -ssize_t(EIO) : written
            }
            position += written
            first = self.advance(from: first, by: written)
        }
        return 0
    }

    /// Drops `bytes` written bytes from the vectors starting at `first`; returns the first vector left to write.
    private mutating func advance(from first: Int, by bytes: Int) -> Int {
        var index = first
        var remaining = bytes
        while index < self.vectors.count, remaining >= self.vectors[index].iov_len {
            remaining -= self.vectors[index].iov_len
            index += 1
        }
        if remaining > 0 {
            self.vectors[index].iov_base += remaining
            self.vectors[index].iov_len -= remaining
        }
        return index
    }
}
