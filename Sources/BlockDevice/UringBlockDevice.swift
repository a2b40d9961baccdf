import CFileIO
import CUring
import FoundationEssentials
import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A block device stored in a regular file or on a kernel block device, opened with `O_DIRECT` and driven
/// through io_uring: SPDK's `bdev_uring`.
///
/// Every request runs on the caller's thread through that thread's ring (``UringRing``: one per event loop,
/// created on first use). `O_DIRECT` bypasses the page cache and needs aligned memory, so each transfer makes
/// exactly one copy through the ring's page-aligned bounce buffer: a read lands there and is copied into the
/// caller's `ByteBuffer`; a write's segments are gathered there (the gather and the alignment are the same copy).
/// Transfers larger than the bounce buffer (1 MiB) are split into entries of at most that size.
///
/// Durability follows the SCSI rules: ``flush()`` is `IORING_OP_FSYNC` with `IORING_FSYNC_DATASYNC`, a write with
/// force unit access carries `RWF_DSYNC`. UNMAP punches a hole and write zeroes zeroes the range with
/// `IORING_OP_FALLOCATE` (both keep the size), writing zero blocks where the file system supports neither.
///
/// An I/O that fails with `ENODEV` or `ENXIO` means the device is gone: the device then fails every request with
/// ``BlockIOError/deviceRemoved`` and calls its removal handler once, which unregisters it (the hot-remove path).
public final class UringBlockDevice: BlockDevice {
    /// The parameters of `bdev_uring_create`.
    public struct Configuration: Sendable, Hashable {
        /// The device name.
        public var name: String
        /// The path of the regular file or block device.
        public var filename: String
        /// Bytes per logical block, or 0 to detect it (a block device's logical block size, a file's direct I/O
        /// alignment, at least 512).
        public var blockSize: UInt32
        /// The device UUID.
        public var uuid: UUID

        /// Creates a configuration; `uuid` defaults to a random one.
        public init(name: String, filename: String, blockSize: UInt32 = 0, uuid: UUID = UUID()) {
            self.name = name
            self.filename = filename
            self.blockSize = blockSize
            self.uuid = uuid
        }
    }

    /// Why a device could not be created: the RPC answers SPDK's one message for all of them, the log says which.
    public enum CreationFailure: Error, Sendable, Hashable {
        /// io_uring is not available (`ENOSYS`, or `EPERM` under a seccomp filter or `kernel.io_uring_disabled`).
        case uringUnavailable(errno: Int32)
        /// The file could not be opened (`ENOENT`, `EACCES`, ...).
        case openFailed(errno: Int32)
        /// The file system refuses `O_DIRECT` on the file.
        case directIORefused
        /// The block size is not a power of two from 512 to 1 MiB, or is below the device's own.
        case invalidBlockSize(UInt32, detected: UInt32)
        /// The file or device holds no whole block, or is neither a regular file nor a block device.
        case invalidFile
    }

    /// The configuration the device was created with.
    public let configuration: Configuration
    public let blockSize: UInt32
    public let ioAccounting: BlockIOAccounting? = BlockIOAccounting()
    private let descriptor: CInt
    private let currentBlockCount: Atomic<UInt64>
    private let removal = DeviceRemovalLatch()
    private let onDeviceGone: @Sendable (UringBlockDevice) -> Void

    /// Opens the file with `O_DIRECT` and sizes the device, after checking that this thread can set up a ring.
    ///
    /// - Parameter onDeviceGone: called once, on the thread of the failing I/O, when the device reports that it
    ///   no longer exists (`ENODEV`, `ENXIO`).
    /// - Throws: a ``CreationFailure`` saying why.
    public init(
        _ configuration: Configuration,
        onDeviceGone: @escaping @Sendable (UringBlockDevice) -> Void = { _ in }
    ) throws(CreationFailure) {
        _ = try UringRing.current()
        let descriptor = curing_open_direct(configuration.filename)
        guard descriptor >= 0 else {
            throw descriptor == -EINVAL ? .directIORefused : .openFailed(errno: -descriptor)
        }
        do throws(CreationFailure) {
            let geometry: FileGeometry
            do {
                geometry = try FileGeometry(descriptor: descriptor)
            } catch {
                throw .invalidFile
            }
            let detected = try Self.detectedBlockSize(descriptor: descriptor, geometry: geometry)
            let blockSize = configuration.blockSize == 0 ? detected : configuration.blockSize
            guard blockSize >= 512, blockSize & (blockSize - 1) == 0, blockSize >= detected,
                blockSize <= UringRing.bounceBytes
            else {
                throw .invalidBlockSize(configuration.blockSize, detected: detected)
            }
            guard geometry.bytes >= UInt64(blockSize) else {
                throw .invalidFile
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
    public var productName: String { "URING bdev" }
    public var uuid: UUID { self.configuration.uuid }
    public var blockCount: UInt64 { self.currentBlockCount.load(ordering: .acquiring) }
    public var physicalBlockSize: UInt32 { self.blockSize }
    public var optimalIOBoundary: UInt32 { 0 }
    /// `O_DIRECT` skips the page cache, not the disk's cache nor the file system's allocation metadata: FUA and
    /// SYNCHRONIZE CACHE make writes durable.
    public var writeCacheEnabled: Bool { true }
    public var supportedIOTypes: BlockIOTypes { [.read, .write, .flush, .reset, .unmap, .writeZeroes] }

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
        self.withRing(lba: lba, blocks: UInt64(blocks)) { ring, offset, length in
            var status = BlockIOStatus.success
            let bounce = ring.bounceBuffer
            let entries = UringSubmission.transfers(
                descriptor: self.descriptor,
                .read,
                offset: offset,
                length: length,
                bounce: bounce
            )
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { destination in
                var done = 0
                for entry in entries {
                    status = self.transfer(ring, entry)
                    guard case .success = status else {
                        // Leave the buffer unchanged.
                        return 0
                    }
                    let count = entry.transferLength
                    destination.baseAddress!.advanced(by: done).copyMemory(from: bounce.baseAddress!, byteCount: count)
                    done += count
                }
                return length
            }
            return status
        }
    }

    public func write(lba: UInt64, data: ByteBuffer) -> BlockIOStatus {
        self.write(lba: lba, segments: [data], forceUnitAccess: false)
    }

    public func write(lba: UInt64, segments: [ByteBuffer]) -> BlockIOStatus {
        self.write(lba: lba, segments: segments, forceUnitAccess: false)
    }

    /// Gathers the segments into the bounce buffer and writes them, one entry per 1 MiB; with `forceUnitAccess`
    /// every entry carries `RWF_DSYNC`, so the data is durable when the call returns.
    public func write(lba: UInt64, segments: [ByteBuffer], forceUnitAccess: Bool) -> BlockIOStatus {
        let total = segments.reduce(0) { $0 + $1.readableBytes }
        let blockSize = Int(self.blockSize)
        guard total % blockSize == 0 else {
            return .failed(.outOfRange)
        }
        return self.withRing(lba: lba, blocks: UInt64(total / blockSize)) { ring, offset, length in
            var source = SegmentCursor(segments)
            let bounce = ring.bounceBuffer
            let entries = UringSubmission.transfers(
                descriptor: self.descriptor,
                .write(dataSync: forceUnitAccess),
                offset: offset,
                length: length,
                bounce: bounce
            )
            for entry in entries {
                source.copy(into: UnsafeMutableRawBufferPointer(rebasing: bounce[0..<entry.transferLength]))
                let status = self.transfer(ring, entry)
                guard case .success = status else {
                    return status
                }
            }
            return .success
        }
    }

    /// Zeroes the range with `FALLOC_FL_ZERO_RANGE`, else a punched hole, else written zero blocks.
    public func writeZeroes(lba: UInt64, blocks: UInt64) -> BlockIOStatus {
        self.withRing(lba: lba, blocks: blocks) { ring, offset, length in
            for mode in [CURING_FALLOC_ZERO_RANGE, CURING_FALLOC_PUNCH_HOLE] {
                let result = self.fallocate(ring, mode: Int32(mode), offset: offset, length: length)
                if result != -EOPNOTSUPP {
                    return result == 0 ? .success : self.failure(errno: -result)
                }
            }
            return self.writeZeroBlocks(ring, offset: offset, length: length)
        }
    }

    /// Punches a hole (`FALLOC_FL_PUNCH_HOLE`): the range reads back as zeroes; zero blocks are written where the
    /// file system cannot punch holes.
    public func unmap(lba: UInt64, blocks: UInt64) -> BlockIOStatus {
        self.withRing(lba: lba, blocks: blocks) { ring, offset, length in
            let result = self.fallocate(ring, mode: Int32(CURING_FALLOC_PUNCH_HOLE), offset: offset, length: length)
            if result == -EOPNOTSUPP {
                return self.writeZeroBlocks(ring, offset: offset, length: length)
            }
            return result == 0 ? .success : self.failure(errno: -result)
        }
    }

    /// `IORING_OP_FSYNC` with `IORING_FSYNC_DATASYNC`: every completed write of this file is durable when it
    /// returns.
    public func flush() -> BlockIOStatus {
        guard !self.isGone else {
            return .failed(.deviceRemoved)
        }
        guard let ring = try? UringRing.current() else {
            return .failed(.ioError)
        }
        let result = ring.run(UringSubmission(descriptor: self.descriptor, operation: .dataSync))
        return result == 0 ? .success : self.failure(errno: -result)
    }

    /// Runs a read or write entry, resubmitting the rest after a short transfer.
    private func transfer(_ ring: UringRing, _ entry: UringSubmission) -> BlockIOStatus {
        var entry = entry
        var left = entry.transferLength
        while left > 0 {
            let result = ring.run(entry)
            // 0 is the end of the file: it shrank under us.
            guard result > 0 else {
                return result == 0 ? .failed(.ioError) : self.failure(errno: -result)
            }
            left -= Int(result)
            entry = entry.remainder(after: Int(result))
        }
        return .success
    }

    /// One `IORING_OP_FALLOCATE`: 0 or `-errno`.
    private func fallocate(_ ring: UringRing, mode: Int32, offset: Int, length: Int) -> Int32 {
        ring.run(
            UringSubmission(
                descriptor: self.descriptor,
                operation: .fallocate(mode: mode, offset: UInt64(offset), length: UInt64(length))
            )
        )
    }

    /// Writes zeroes over the range from the zeroed bounce buffer, 1 MiB per entry.
    private func writeZeroBlocks(_ ring: UringRing, offset: Int, length: Int) -> BlockIOStatus {
        let bounce = ring.bounceBuffer
        bounce.initializeMemory(as: UInt8.self, repeating: 0)
        let entries = UringSubmission.transfers(
            descriptor: self.descriptor,
            .write(dataSync: false),
            offset: offset,
            length: length,
            bounce: bounce
        )
        for entry in entries {
            let status = self.transfer(ring, entry)
            guard case .success = status else {
                return status
            }
        }
        return .success
    }

    /// Runs `body` with the calling thread's ring and the byte offset and length of `blocks` blocks at `lba`,
    /// after checking that they lie on the device and that the device is still there; an empty range succeeds
    /// without calling `body`.
    private func withRing(
        lba: UInt64,
        blocks: UInt64,
        _ body: (_ ring: UringRing, _ offset: Int, _ length: Int) -> BlockIOStatus
    ) -> BlockIOStatus {
        guard self.contains(lba: lba, blocks: blocks) else {
            return .failed(.outOfRange)
        }
        guard !self.isGone else {
            return .failed(.deviceRemoved)
        }
        // Both products are bounded by the device size, which fits in off_t.
        let length = Int(blocks) * Int(self.blockSize)
        guard length > 0 else {
            return .success
        }
        guard let ring = try? UringRing.current() else {
            return .failed(.ioError)
        }
        return body(ring, Int(lba) * Int(self.blockSize), length)
    }

    /// Maps a failed operation's errno to the I/O error; a vanished device triggers the removal handler, once.
    private func failure(errno: Int32) -> BlockIOStatus {
        self.removal.failure(errno: errno) { self.onDeviceGone(self) }
    }

    /// The smallest block size `O_DIRECT` allows on the open file: a block device's logical block size, a regular
    /// file's direct I/O offset alignment (Linux 6.1's `STATX_DIOALIGN`; 512 where the kernel does not say).
    private static func detectedBlockSize(
        descriptor: CInt,
        geometry: FileGeometry
    ) throws(CreationFailure) -> UInt32 {
        var alignment: UInt32 = 0
        let result = curing_direct_io_alignment(descriptor, &alignment)
        switch result {
        case 0 where alignment == 0:
            throw .directIORefused
        case 0:
            return max(geometry.logicalBlockSize, alignment)
        default:
            return geometry.logicalBlockSize
        }
    }
}

/// Copies the readable bytes of some `ByteBuffer`s out in order, a piece at a time.
private struct SegmentCursor {
    private let segments: [ByteBuffer]
    private var index = 0
    private var offset = 0

    init(_ segments: [ByteBuffer]) {
        self.segments = segments
    }

    /// Fills `destination` with the next `destination.count` bytes; the caller never asks for more than remain.
    mutating func copy(into destination: UnsafeMutableRawBufferPointer) {
        var filled = 0
        while filled < destination.count, self.index < self.segments.count {
            let segment = self.segments[self.index]
            let count = min(segment.readableBytes - self.offset, destination.count - filled)
            if count > 0 {
                segment.withUnsafeReadableBytes { source in
                    destination.baseAddress!.advanced(by: filled)
                        .copyMemory(from: source.baseAddress!.advanced(by: self.offset), byteCount: count)
                }
            }
            filled += count
            self.offset += count
            if self.offset == segment.readableBytes {
                self.index += 1
                self.offset = 0
            }
        }
    }
}
