import FoundationEssentials
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A RAM disk: SPDK's `bdev_malloc`.
///
/// The whole device is one anonymous private memory mapping, so it starts zero-filled and untouched pages
/// cost nothing. Reads and writes are one `memcpy` between the mapping and the caller's `ByteBuffer`.
/// UNMAP and WRITE ZEROES return whole pages to the kernel (they read back as zeroes) and zero the edges.
/// The device is thin: a bitmap tracks which blocks are deallocated (all of them at first, every unmapped block
/// later) for GET LBA STATUS; a write maps its blocks again.
///
/// `@unchecked Sendable`: every stored property is immutable; the mapping itself is shared mutable memory
/// that concurrent requests access with `memcpy`, exactly as concurrent DMA reaches a disk. Requests on
/// disjoint ranges never interfere, and requests on overlapping ranges are unordered by contract
/// (see ``BlockDevice``), which initiators already have to serialise themselves.
public final class MallocBlockDevice: BlockDevice, @unchecked Sendable {
    /// The parameters of `bdev_malloc_create`.
    public struct Configuration: Sendable, Hashable {
        /// The device name.
        public var name: String
        /// Number of logical blocks; must be positive.
        public var blockCount: UInt64
        /// Bytes per logical block; a positive multiple of 512.
        public var blockSize: UInt32
        /// Bytes per physical block; a multiple of `blockSize`, or 0 for "same as `blockSize`".
        public var physicalBlockSize: UInt32
        /// The device UUID.
        public var uuid: UUID
        /// Preferred I/O boundary in blocks (0: none).
        public var optimalIOBoundary: UInt32

        /// Creates a configuration; `uuid` defaults to a random one.
        public init(
            name: String,
            blockCount: UInt64,
            blockSize: UInt32,
            physicalBlockSize: UInt32 = 0,
            uuid: UUID = UUID(),
            optimalIOBoundary: UInt32 = 0
        ) {
            self.name = name
            self.blockCount = blockCount
            self.blockSize = blockSize
            self.physicalBlockSize = physicalBlockSize
            self.uuid = uuid
            self.optimalIOBoundary = optimalIOBoundary
        }
    }

    /// The configuration the device was created with.
    public let configuration: Configuration
    public let physicalBlockSize: UInt32
    public let ioAccounting: BlockIOAccounting? = BlockIOAccounting()
    private let memory: UnsafeMutableRawPointer
    private let byteCount: Int
    private let deallocated: DeallocationBitmap

    /// Allocates a zero-filled device.
    ///
    /// - Throws: ``BlockDeviceError/invalidArgument`` for an empty device, a block size that is not a multiple
    ///   of 512, a physical block size that is not a multiple of the block size, or a size that does not fit in
    ///   the address space; ``BlockDeviceError/outOfMemory`` when the mapping cannot be created.
    public init(_ configuration: Configuration) throws(BlockDeviceError) {
        let blockSize = configuration.blockSize
        let physicalBlockSize = configuration.physicalBlockSize == 0 ? blockSize : configuration.physicalBlockSize
        guard configuration.blockCount > 0, blockSize > 0, blockSize % 512 == 0,
            physicalBlockSize % blockSize == 0
        else {
            throw .invalidArgument
        }
        let (bytes, overflow) = configuration.blockCount.multipliedReportingOverflow(by: UInt64(blockSize))
        guard !overflow, bytes <= UInt64(Int.max) else {
            throw .invalidArgument
        }
        let mapping = mmap(nil, Int(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let mapping, mapping != MAP_FAILED else {
            throw .outOfMemory
        }
        self.configuration = configuration
        self.physicalBlockSize = physicalBlockSize
        self.memory = mapping
        self.byteCount = Int(bytes)
        self.deallocated = DeallocationBitmap(blockCount: configuration.blockCount, allDeallocated: true)
    }

    deinit {
        munmap(self.memory, self.byteCount)
    }

    public var name: String { self.configuration.name }
    public var productName: String { "Malloc disk" }
    public var uuid: UUID { self.configuration.uuid }
    public var blockSize: UInt32 { self.configuration.blockSize }
    public var blockCount: UInt64 { self.configuration.blockCount }
    public var optimalIOBoundary: UInt32 { self.configuration.optimalIOBoundary }
    public var writeCacheEnabled: Bool { true }
    public var supportedIOTypes: BlockIOTypes {
        [.read, .write, .unmap, .writeZeroes, .flush, .reset, .zeroCopy, .compare, .abort, .copy]
    }

    public func read(lba: UInt64, blocks: UInt32, into buffer: inout ByteBuffer) -> BlockIOStatus {
        guard let range = self.byteRange(lba: lba, blocks: UInt64(blocks)) else {
            return .failed(.outOfRange)
        }
        guard !range.isEmpty else {
            return .success
        }
        let source = self.memory + range.lowerBound
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: range.count) { destination in
            destination.copyMemory(from: UnsafeRawBufferPointer(start: source, count: range.count))
            return range.count
        }
        return .success
    }

    public func write(lba: UInt64, data: ByteBuffer) -> BlockIOStatus {
        self.copyIn(lba: lba, segments: CollectionOfOne(data))
    }

    public func write(lba: UInt64, segments: [ByteBuffer]) -> BlockIOStatus {
        self.copyIn(lba: lba, segments: segments)
    }

    public func writeZeroes(lba: UInt64, blocks: UInt64) -> BlockIOStatus {
        guard let range = self.byteRange(lba: lba, blocks: blocks) else {
            return .failed(.outOfRange)
        }
        self.zero(range)
        self.deallocated.markMapped(lba: lba, blocks: blocks)
        return .success
    }

    public func unmap(lba: UInt64, blocks: UInt64) -> BlockIOStatus {
        guard let range = self.byteRange(lba: lba, blocks: blocks) else {
            return .failed(.outOfRange)
        }
        self.deallocated.markDeallocated(lba: lba, blocks: blocks)
        self.zero(range)
        return .success
    }

    public func provisioningExtents(from lba: UInt64, maximumExtents: Int) -> [ProvisioningExtent] {
        self.deallocated.extents(from: lba, maximumExtents: maximumExtents)
    }

    public func flush() -> BlockIOStatus {
        .success
    }

    /// Copies the concatenated segments to the device, one `memcpy` per segment.
    private func copyIn(lba: UInt64, segments: some Collection<ByteBuffer>) -> BlockIOStatus {
        let total = segments.reduce(0) { $0 + $1.readableBytes }
        guard total % Int(self.blockSize) == 0,
            let range = self.byteRange(lba: lba, blocks: UInt64(total / Int(self.blockSize)))
        else {
            return .failed(.outOfRange)
        }
        var destination = self.memory + range.lowerBound
        for segment in segments {
            segment.withUnsafeReadableBytes { source in
                if let base = source.baseAddress {
                    destination.copyMemory(from: base, byteCount: source.count)
                }
                destination += source.count
            }
        }
        self.deallocated.markMapped(lba: lba, blocks: UInt64(total / Int(self.blockSize)))
        return .success
    }

    /// The byte range of `blocks` blocks at `lba`, or nil when any of them lies past the end.
    private func byteRange(lba: UInt64, blocks: UInt64) -> Range<Int>? {
        guard self.contains(lba: lba, blocks: blocks) else {
            return nil
        }
        // Both products are bounded by byteCount, which fits in Int.
        let start = Int(lba) * Int(self.blockSize)
        return start..<(start + Int(blocks) * Int(self.blockSize))
    }

    /// Zeroes `range`: whole pages go back to the kernel (they read back as zero), the edges are cleared.
    private func zero(_ range: Range<Int>) {
        let pageSize = Self.pageSize
        let firstPage = (range.lowerBound + pageSize - 1) / pageSize * pageSize
        let lastPage = range.upperBound / pageSize * pageSize
        guard lastPage > firstPage else {
            memset(self.memory + range.lowerBound, 0, range.count)
            return
        }
        memset(self.memory + range.lowerBound, 0, firstPage - range.lowerBound)
        if madvise(self.memory + firstPage, lastPage - firstPage, MADV_DONTNEED) != 0 {
            memset(self.memory + firstPage, 0, lastPage - firstPage)
        }
        memset(self.memory + lastPage, 0, range.upperBound - lastPage)
    }

    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
}
