import FoundationEssentials
import NIOCore

/// A block device: a fixed-size array of equally sized blocks addressed by logical block address (LBA).
///
/// Requests complete synchronously on the caller's thread and return their outcome. Implementations must be
/// safe to call concurrently from several event loops: like a disk, overlapping concurrent writes land in an
/// unspecified order, but a request never crashes and never touches blocks outside its own range.
///
/// Every request is checked against ``blockCount`` first and fails with ``BlockIOError/outOfRange`` when any
/// of its blocks lies past the end; callers that need a protocol-specific answer (SCSI's LBA OUT OF RANGE)
/// check with ``contains(lba:blocks:)`` before calling.
public protocol BlockDevice: AnyObject, Sendable {
    /// The unique name (`Malloc0`, `Null0`).
    var name: String { get }
    /// The product name (`Malloc disk`, `Null disk`): SCSI INQUIRY's product identification and
    /// `bdev_get_bdevs`'s `product_name`.
    var productName: String { get }
    /// The device's UUID, also registered as an alias of its name.
    var uuid: UUID { get }
    /// Bytes per logical block.
    var blockSize: UInt32 { get }
    /// Number of logical blocks; may grow at run time (resize), so read it once per request.
    var blockCount: UInt64 { get }
    /// Bytes per physical block (a multiple of ``blockSize``), reported to initiators as an alignment hint.
    var physicalBlockSize: UInt32 { get }
    /// Preferred I/O boundary in blocks (0 when the device has none).
    var optimalIOBoundary: UInt32 { get }
    /// The operations the device implements.
    var supportedIOTypes: BlockIOTypes { get }
    /// The device's I/O statistics and rate limits, which the SCSI layer feeds with every block I/O; nil (the
    /// default) for a device that keeps none.
    var ioAccounting: BlockIOAccounting? { get }
    /// Whether the device acknowledges writes before they are durable (SCSI caching mode page WCE).
    var writeCacheEnabled: Bool { get }
    /// Whether the device refuses writes (SCSI answers DATA PROTECT / WRITE PROTECTED and sets MODE SENSE's WP bit).
    var isReadOnly: Bool { get }

    /// Appends `blocks` blocks starting at `lba` to `buffer`; on failure `buffer` is left unchanged.
    func read(lba: UInt64, blocks: UInt32, into buffer: inout ByteBuffer) -> BlockIOStatus
    /// Writes the readable bytes of `data`, a whole number of blocks, starting at `lba`.
    func write(lba: UInt64, data: ByteBuffer) -> BlockIOStatus
    /// Writes the concatenated readable bytes of `segments`, a whole number of blocks in total (each segment
    /// may be any length), starting at `lba`.
    ///
    /// This is how a SCSI WRITE's immediate data and Data-Out payloads reach the device without being gathered
    /// into one buffer first. The default implementation gathers them and calls ``write(lba:data:)``.
    func write(lba: UInt64, segments: [ByteBuffer]) -> BlockIOStatus
    /// Writes like ``write(lba:segments:)``; with `forceUnitAccess` the data is durable when the call returns
    /// (SCSI's FUA bit).
    ///
    /// The default implementation writes, then calls ``flush()`` when ``writeCacheEnabled`` is set; devices that
    /// can make one write durable on its own (`RWF_DSYNC`) do that instead.
    func write(lba: UInt64, segments: [ByteBuffer], forceUnitAccess: Bool) -> BlockIOStatus
    /// Sets `blocks` blocks starting at `lba` to zero.
    func writeZeroes(lba: UInt64, blocks: UInt64) -> BlockIOStatus
    /// Deallocates `blocks` blocks starting at `lba`; they read back as zeroes afterwards.
    func unmap(lba: UInt64, blocks: UInt64) -> BlockIOStatus
    /// Makes every completed write durable.
    func flush() -> BlockIOStatus
    /// The provisioning state of the blocks from `lba` on, as consecutive extents (mapped or deallocated),
    /// at most `maximumExtents` of them, the last one possibly ending before the device does. `lba` must lie on
    /// the device. The default reports one mapped extent to the end: a device that does not track unmapped
    /// blocks.
    func provisioningExtents(from lba: UInt64, maximumExtents: Int) -> [ProvisioningExtent]
    /// How long the response to a completed I/O of `kind` is held back (a test device's latency); `.zero` by
    /// default. The I/O itself has already run: the transport only delays the answer.
    func responseDelay(for kind: BlockIOKind) -> TimeAmount
}

/// A run of consecutive blocks with the same provisioning state (SBC-3 §4.7, reported by GET LBA STATUS).
public struct ProvisioningExtent: Sendable, Hashable {
    /// The first block.
    public var lba: UInt64
    /// How many blocks the run holds (at least one).
    public var blocks: UInt64
    /// Mapped (holds data) or deallocated (unmapped: reads back as zeroes).
    public var isMapped: Bool

    public init(lba: UInt64, blocks: UInt64, isMapped: Bool) {
        self.lba = lba
        self.blocks = blocks
        self.isMapped = isMapped
    }
}

extension BlockDevice {
    public var isReadOnly: Bool { false }

    public var ioAccounting: BlockIOAccounting? { nil }

    public func responseDelay(for kind: BlockIOKind) -> TimeAmount {
        .zero
    }

    public func write(lba: UInt64, segments: [ByteBuffer], forceUnitAccess: Bool) -> BlockIOStatus {
        let status = self.write(lba: lba, segments: segments)
        guard case .success = status, forceUnitAccess, self.writeCacheEnabled else {
            return status
        }
        return self.flush()
    }

    /// Whether the `blocks` blocks starting at `lba` all lie on the device (overflow-safe).
    public func contains(lba: UInt64, blocks: UInt64) -> Bool {
        let count = self.blockCount
        return blocks <= count && lba <= count - blocks
    }

    public func provisioningExtents(from lba: UInt64, maximumExtents: Int) -> [ProvisioningExtent] {
        let count = self.blockCount
        guard lba < count, maximumExtents > 0 else {
            return []
        }
        return [ProvisioningExtent(lba: lba, blocks: count - lba, isMapped: true)]
    }

    public func write(lba: UInt64, segments: [ByteBuffer]) -> BlockIOStatus {
        switch segments.count {
        case 0:
            return self.write(lba: lba, data: ByteBuffer())
        case 1:
            return self.write(lba: lba, data: segments[0])
        default:
            let total = segments.reduce(0) { $0 + $1.readableBytes }
            var gathered = ByteBuffer()
            gathered.reserveCapacity(total)
            for var segment in segments {
                gathered.writeBuffer(&segment)
            }
            return self.write(lba: lba, data: gathered)
        }
    }
}
