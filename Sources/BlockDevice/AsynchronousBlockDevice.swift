import NIOCore

/// A block device that can run reads, writes, flushes, unmaps and write-same requests without blocking the caller: a submission starts the
/// request and returns, and the device reports the outcome later, from a thread of its own.
///
/// ``BlockDevice``'s synchronous requests stay available; callers use them for the rare commands that read, then
/// write. Each completion handler runs exactly once, on any thread (a thread of the device's library, possibly two
/// at a time, possibly before the submission returns), and must not block: a caller hands the outcome back to its
/// event loop. Range and read-only checks are the device's, as for the synchronous requests.
public protocol AsynchronousBlockDevice: BlockDevice {
    /// Reads `blocks` blocks starting at `lba` and appends them to `buffer`, which the device holds, unmoved, until
    /// it hands it back to `completion` (unchanged on failure). The device keeps no reference to it then: the caller
    /// writes a header in front of the data in the same buffer, which another reference would turn into a copy.
    func submitRead(
        lba: UInt64,
        blocks: UInt32,
        into buffer: consuming ByteBuffer,
        completion: @escaping @Sendable (BlockIOStatus, consuming ByteBuffer) -> Void
    )

    /// Writes the concatenated readable bytes of `segments`, a whole number of blocks, starting at `lba`; with
    /// `forceUnitAccess` the data is durable when `completion` runs. The device keeps the segments until then.
    func submitWrite(
        lba: UInt64,
        segments: [ByteBuffer],
        forceUnitAccess: Bool,
        completion: @escaping @Sendable (BlockIOStatus) -> Void
    )

    /// Makes every write completed before the submission durable.
    func submitFlush(completion: @escaping @Sendable (BlockIOStatus) -> Void)

    /// Sets `blocks` blocks starting at `lba` to zero.
    func submitWriteZeroes(lba: UInt64, blocks: UInt64, completion: @escaping @Sendable (BlockIOStatus) -> Void)

    /// Deallocates `blocks` blocks starting at `lba`; they read back as zeroes afterwards.
    func submitUnmap(lba: UInt64, blocks: UInt64, completion: @escaping @Sendable (BlockIOStatus) -> Void)

    /// Writes `pattern`, one block, into each of the `blocks` blocks starting at `lba`.
    func submitWriteSame(
        lba: UInt64,
        blocks: UInt64,
        pattern: ByteBuffer,
        completion: @escaping @Sendable (BlockIOStatus) -> Void
    )
}
