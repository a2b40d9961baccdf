import CLibRBD
import FoundationEssentials
import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A block device on a Ceph RBD image: SPDK's `bdev_rbd`.
///
/// Reads, writes, flushes, UNMAP and WRITE SAME are asynchronous (``AsynchronousBlockDevice``): one `rbd_aio_*`
/// request each, whose completion librados reports on its own threads, so an event loop never waits for an OSD
/// round trip on the data path. A 128 KiB read is one `rbd_aio_read`. The synchronous requests of ``BlockDevice``
/// (used by the rare read-then-write commands: COMPARE AND WRITE, ORWRITE, VERIFY, WRITE AND VERIFY) are librbd's
/// blocking calls.
///
/// Our connections turn librbd's cache off (``RBDConnection``): a write completes once the OSDs have it, so the
/// device reports no volatile write cache (``writeCacheEnabled`` false: the caching mode page's WCE bit is 0). SPDK's
/// `bdev_rbd` reports no write cache either, but leaves librbd's cache on, which acknowledges writes from memory
/// once it has seen a flush. When the administrator turns the cache on for the image, the device reports a write
/// cache. SYNCHRONIZE CACHE is `rbd_aio_flush` either way; FUA adds one only with the cache on.
///
/// UNMAP and write zeroes are `rbd_aio_write_zeroes`, which deallocates whole objects and zeroes the rest:
/// librbd runs it as its own discard with a discard granularity of 0, so it costs what a discard costs (one OSD
/// round trip per object touched). `rbd_aio_discard` itself may skip the partial-object parts of a range
/// (`rbd_skip_partial_discard`, `rbd_discard_granularity_bytes`), which would then not read back as zeroes. Range checks are done here: librbd clips a write that crosses the end of the image.
public final class RBDBlockDevice: BlockDevice {
    /// The parameters of `bdev_rbd_create`.
    public struct Configuration: Sendable, Hashable {
        /// The device name.
        public var name: String
        /// The pool holding the image.
        public var poolName: String
        /// The image.
        public var imageName: String
        /// Bytes per logical block: a positive multiple of 512.
        public var blockSize: UInt32
        /// The device's own connection settings (`user_id`, `config`), used when it is not opened through a
        /// registered cluster.
        public var settings: RBDConnectionSettings
        /// Open the image read-only and refuse writes.
        public var isReadOnly: Bool
        /// The device UUID.
        public var uuid: UUID

        /// Creates a configuration; `uuid` defaults to a random one.
        public init(
            name: String,
            poolName: String,
            imageName: String,
            blockSize: UInt32,
            settings: RBDConnectionSettings = RBDConnectionSettings(),
            isReadOnly: Bool = false,
            uuid: UUID = UUID()
        ) {
            self.name = name
            self.poolName = poolName
            self.imageName = imageName
            self.blockSize = blockSize
            self.settings = settings
            self.isReadOnly = isReadOnly
            self.uuid = uuid
        }
    }

    /// The configuration the device was created with.
    public let configuration: Configuration
    /// The registered cluster the image was opened through, or nil when the device has a connection of its own.
    public let cluster: RBDCluster?
    public let ioAccounting: BlockIOAccounting? = BlockIOAccounting()
    let image: OpenImage
    /// Whether librbd may complete a write before the OSDs have it: the image's effective `rbd_cache` settings.
    public let writeCacheEnabled: Bool
    let currentBlockCount: Atomic<UInt64>
    /// The watch on the image header that ``watchResizes(_:)`` set up.
    let updateWatch = Mutex<ImageUpdateWatch?>(nil)

    /// Opens the image through `cluster`'s connection, or through a new connection made with the configuration's
    /// ``Configuration/settings`` when `cluster` is nil.
    ///
    /// - Throws: ``BlockDeviceError/invalidArgument`` for a block size that is not a positive multiple of 512 or
    ///   an image smaller than one block; ``BlockDeviceError/system(errno:)`` with librados' or librbd's errno
    ///   when the cluster, pool or image cannot be reached (`ENOENT` for a missing image);
    ///   ``BlockDeviceError/libraryUnavailable(_:)`` without librbd.
    public init(_ configuration: Configuration, cluster: RBDCluster? = nil) throws(BlockDeviceError) {
        guard configuration.blockSize > 0, configuration.blockSize % 512 == 0 else {
            throw .invalidArgument
        }
        try RBDRequest.loadLibrary()
        let connection: RBDConnection
        if let cluster {
            connection = cluster.connection
        } else {
            connection = try RBDConnection(configuration.settings)
        }
        let image = try OpenImage(
            connection: connection,
            pool: configuration.poolName,
            image: configuration.imageName,
            readOnly: configuration.isReadOnly
        )
        let bytes = try image.size()
        guard bytes >= UInt64(configuration.blockSize) else {
            throw .invalidArgument
        }
        self.configuration = configuration
        self.cluster = cluster
        self.image = image
        self.writeCacheEnabled = try image.writeCacheEnabled()
        self.currentBlockCount = Atomic(bytes / UInt64(configuration.blockSize))
    }

    public var name: String { self.configuration.name }
    public var productName: String { "Ceph Rbd Disk" }
    public var uuid: UUID { self.configuration.uuid }
    public var blockSize: UInt32 { self.configuration.blockSize }
    public var blockCount: UInt64 { self.currentBlockCount.load(ordering: .acquiring) }
    public var physicalBlockSize: UInt32 { self.blockSize }
    public var optimalIOBoundary: UInt32 { 0 }
    public var isReadOnly: Bool { self.configuration.isReadOnly }
    public var supportedIOTypes: BlockIOTypes { [.read, .write, .flush, .reset, .unmap, .writeZeroes] }

    /// Grows the image to `bytes` and the device with it; the caller checks that it does not shrink and then
    /// raises the resize event.
    ///
    /// - Throws: ``BlockDeviceError/system(errno:)`` with librbd's errno.
    public func resize(toBytes bytes: UInt64) throws(BlockDeviceError) {
        let result = crbd_resize(self.image.handle, bytes)
        guard result == 0 else {
            throw .system(errno: -result)
        }
        self.currentBlockCount.store(try self.image.size() / UInt64(self.blockSize), ordering: .releasing)
    }

    public func read(lba: UInt64, blocks: UInt32, into buffer: inout ByteBuffer) -> BlockIOStatus {
        guard let (offset, length) = self.byteRange(lba: lba, blocks: UInt64(blocks)) else {
            return .failed(.outOfRange)
        }
        guard length > 0 else {
            return .success
        }
        var result = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { destination in
            result = crbd_read(self.image.handle, offset, length, destination.baseAddress)
            // A short read means the image shrank under us: keep the buffer unchanged.
            return result == length ? length : 0
        }
        return result == length ? .success : .failed(.ioError)
    }

    public func write(lba: UInt64, data: ByteBuffer) -> BlockIOStatus {
        self.write(lba: lba, segments: [data])
    }

    /// One librbd write for all the segments (`rbd_aio_writev`, waited on).
    public func write(lba: UInt64, segments: [ByteBuffer]) -> BlockIOStatus {
        let total = segments.reduce(0) { $0 + $1.readableBytes }
        guard total % Int(self.blockSize) == 0,
            let (offset, length) = self.byteRange(lba: lba, blocks: UInt64(total / Int(self.blockSize)))
        else {
            return .failed(.outOfRange)
        }
        guard !self.isReadOnly else {
            return .failed(.ioError)
        }
        guard length > 0 else {
            return .success
        }
        var vectors: [iovec] = []
        var storages: [Unmanaged<AnyObject>] = []
        vectors.reserveCapacity(segments.count)
        storages.reserveCapacity(segments.count)
        defer { storages.forEach { $0.release() } }
        for segment in segments where segment.readableBytes > 0 {
            segment.withUnsafeReadableBytesWithStorageManagement { bytes, storage in
                storages.append(storage.retain())
                vectors.append(
                    iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count)
                )
            }
        }
        return Self.status(crbd_writev(self.image.handle, vectors, CInt(vectors.count), offset))
    }

    public func writeZeroes(lba: UInt64, blocks: UInt64) -> BlockIOStatus {
        guard let (offset, length) = self.byteRange(lba: lba, blocks: blocks) else {
            return .failed(.outOfRange)
        }
        guard !self.isReadOnly else {
            return .failed(.ioError)
        }
        guard length > 0 else {
            return .success
        }
        return Self.status(crbd_write_zeroes(self.image.handle, offset, UInt64(length)))
    }

    /// Deallocates with `rbd_write_zeroes` (see the type's documentation): the range reads back as zeroes.
    public func unmap(lba: UInt64, blocks: UInt64) -> BlockIOStatus {
        self.writeZeroes(lba: lba, blocks: blocks)
    }

    /// `rbd_flush`: every completed write is on the OSDs when it returns.
    public func flush() -> BlockIOStatus {
        Self.status(crbd_flush(self.image.handle))
    }

    /// The byte offset and length of `blocks` blocks at `lba`, or nil when they do not all lie on the device.
    func byteRange(lba: UInt64, blocks: UInt64) -> (offset: UInt64, length: Int)? {
        guard self.contains(lba: lba, blocks: blocks) else {
            return nil
        }
        // Both products are bounded by the image size.
        return (lba * UInt64(self.blockSize), Int(blocks) * Int(self.blockSize))
    }

    private static func status(_ result: CInt) -> BlockIOStatus {
        result >= 0 ? .success : .failed(.ioError)
    }
}

/// An open image and its pool's I/O context, closed together before the connection they were opened through is
/// released (librbd crashes closing an image whose cluster handle was shut down).
final class OpenImage: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    let connection: RBDConnection

    init(connection: RBDConnection, pool: String, image: String, readOnly: Bool) throws(BlockDeviceError) {
        var handle: UnsafeMutableRawPointer?
        let result = crbd_open(connection.handle, pool, image, readOnly ? 1 : 0, &handle)
        guard result == 0, let handle else {
            throw .system(errno: -result)
        }
        self.handle = handle
        self.connection = connection
    }

    deinit {
        crbd_close(self.handle)
    }

    /// Whether librbd may complete a write before the OSDs have it (see `crbd_write_cache_enabled`).
    func writeCacheEnabled() throws(BlockDeviceError) -> Bool {
        let result = crbd_write_cache_enabled(self.handle)
        guard result >= 0 else {
            throw .system(errno: -result)
        }
        return result == 1
    }

    /// The image size in bytes.
    func size() throws(BlockDeviceError) -> UInt64 {
        var bytes: UInt64 = 0
        let result = crbd_get_size(self.handle, &bytes)
        guard result == 0 else {
            throw .system(errno: -result)
        }
        return bytes
    }
}
