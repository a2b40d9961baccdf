import FoundationEssentials
import NIOCore
import Synchronization

/// A device with no storage: SPDK's `bdev_null`. Reads return zeroes and writes are discarded.
///
/// Its size can grow at run time (`bdev_null_resize`); after ``resize(blockCount:)`` call
/// ``BlockDeviceRegistry/notifyResized(_:)`` so logical units raise their capacity-changed unit attention.
public final class NullBlockDevice: BlockDevice {
    /// The parameters of `bdev_null_create`.
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

        /// Creates a configuration; `uuid` defaults to a random one.
        public init(
            name: String,
            blockCount: UInt64,
            blockSize: UInt32,
            physicalBlockSize: UInt32 = 0,
            uuid: UUID = UUID()
        ) {
            self.name = name
            self.blockCount = blockCount
            self.blockSize = blockSize
            self.physicalBlockSize = physicalBlockSize
            self.uuid = uuid
        }
    }

    /// The configuration the device was created with (its `blockCount` is the initial size).
    public let configuration: Configuration
    public let physicalBlockSize: UInt32
    public let ioAccounting: BlockIOAccounting? = BlockIOAccounting()
    private let currentBlockCount: Atomic<UInt64>

    /// Creates a device.
    ///
    /// - Throws: ``BlockDeviceError/invalidArgument`` for an empty device, a block size that is not a multiple
    ///   of 512, or a physical block size that is not a multiple of the block size.
    public init(_ configuration: Configuration) throws(BlockDeviceError) {
        let blockSize = configuration.blockSize
        let physicalBlockSize = configuration.physicalBlockSize == 0 ? blockSize : configuration.physicalBlockSize
        guard configuration.blockCount > 0, blockSize > 0, blockSize % 512 == 0,
            physicalBlockSize % blockSize == 0
        else {
            throw .invalidArgument
        }
        self.configuration = configuration
        self.physicalBlockSize = physicalBlockSize
        self.currentBlockCount = Atomic(configuration.blockCount)
    }

    public var name: String { self.configuration.name }
    public var productName: String { "Null disk" }
    public var uuid: UUID { self.configuration.uuid }
    public var blockSize: UInt32 { self.configuration.blockSize }
    public var blockCount: UInt64 { self.currentBlockCount.load(ordering: .acquiring) }
    public var optimalIOBoundary: UInt32 { 0 }
    public var writeCacheEnabled: Bool { false }
    public var supportedIOTypes: BlockIOTypes { [.read, .write, .writeZeroes, .reset, .abort] }

    /// Sets the number of blocks. The caller (`bdev_null_resize`) validates that the device does not shrink.
    public func resize(blockCount: UInt64) {
        self.currentBlockCount.store(blockCount, ordering: .releasing)
    }

    public func read(lba: UInt64, blocks: UInt32, into buffer: inout ByteBuffer) -> BlockIOStatus {
        guard self.contains(lba: lba, blocks: UInt64(blocks)) else {
            return .failed(.outOfRange)
        }
        buffer.writeRepeatingByte(0, count: Int(blocks) * Int(self.blockSize))
        return .success
    }

    public func write(lba: UInt64, data: ByteBuffer) -> BlockIOStatus {
        self.discard(lba: lba, bytes: data.readableBytes)
    }

    public func write(lba: UInt64, segments: [ByteBuffer]) -> BlockIOStatus {
        self.discard(lba: lba, bytes: segments.reduce(0) { $0 + $1.readableBytes })
    }

    public func writeZeroes(lba: UInt64, blocks: UInt64) -> BlockIOStatus {
        self.contains(lba: lba, blocks: blocks) ? .success : .failed(.outOfRange)
    }

    public func unmap(lba: UInt64, blocks: UInt64) -> BlockIOStatus {
        .failed(.unsupported)
    }

    public func flush() -> BlockIOStatus {
        .success
    }

    private func discard(lba: UInt64, bytes: Int) -> BlockIOStatus {
        let blockSize = Int(self.blockSize)
        guard bytes % blockSize == 0, self.contains(lba: lba, blocks: UInt64(bytes / blockSize)) else {
            return .failed(.outOfRange)
        }
        return .success
    }
}
