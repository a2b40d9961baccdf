import NIOCore

/// How one atomic compare-and-write ended.
public enum CompareAndWriteStatus: Sendable, Hashable {
    /// The stored blocks matched and were replaced.
    case written
    /// The stored blocks differ from the expected data at byte `offset` of it; nothing was written.
    case miscompare(offset: Int)
    /// The request failed; the blocks may hold either version.
    case failed(BlockIOError)
}

/// An asynchronous block device whose storage compares and writes atomically by itself, so that the command stays
/// atomic whichever process sends it: an RBD image served by several gateways (`rbd_aio_compare_and_write` is one
/// compare-extent and write operation on the OSD). Other devices emulate COMPARE AND WRITE in the SCSI layer, which
/// is atomic only within this process.
public protocol AtomicCompareAndWriteDevice: AsynchronousBlockDevice {
    /// The most blocks one ``submitCompareAndWrite(lba:expected:replacement:completion:)`` may cover; 0 when the
    /// device cannot compare and write atomically at its block size.
    var maximumCompareAndWriteBlocks: UInt8 { get }

    /// Compares the blocks at `lba` with `expected` and, when they match, writes `replacement` (as many bytes,
    /// a whole number of blocks up to ``maximumCompareAndWriteBlocks``) in one atomic step. The device keeps both
    /// buffers until `completion` runs, once, on any thread.
    func submitCompareAndWrite(
        lba: UInt64,
        expected: ByteBuffer,
        replacement: ByteBuffer,
        completion: @escaping @Sendable (CompareAndWriteStatus) -> Void
    )
}
