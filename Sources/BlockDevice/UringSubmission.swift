import CUring

/// One io_uring operation of a ``UringBlockDevice``, as the submission queue entry (SQE) it becomes.
///
/// Kept apart from the ring so that the entries the device builds can be checked without a kernel: the opcode,
/// the offset and length, `RWF_DSYNC` on a FUA write, `IORING_FSYNC_DATASYNC` on a flush, the fallocate mode.
struct UringSubmission: Hashable {
    /// What the entry asks the kernel to do.
    enum Operation: Hashable {
        /// `IORING_OP_READ` of `length` bytes at `offset` into `buffer`.
        case read(buffer: UnsafeMutableRawPointer, length: UInt32, offset: UInt64)
        /// `IORING_OP_WRITE` of `length` bytes from `buffer` at `offset`; with `dataSync` the entry carries
        /// `RWF_DSYNC`, so the data (and the metadata needed to read it) is durable when it completes.
        case write(buffer: UnsafeRawPointer, length: UInt32, offset: UInt64, dataSync: Bool)
        /// `IORING_OP_FSYNC` with `IORING_FSYNC_DATASYNC`: `fdatasync` of the whole file.
        case dataSync
        /// `IORING_OP_FALLOCATE` with `mode` (``CURING_FALLOC_PUNCH_HOLE`` or ``CURING_FALLOC_ZERO_RANGE``) over
        /// `length` bytes at `offset`.
        case fallocate(mode: Int32, offset: UInt64, length: UInt64)
    }

    /// The file descriptor the operation works on.
    var descriptor: CInt
    /// The operation.
    var operation: Operation

    /// Fills `entry`, a zeroed submission queue entry, tagging it with `userData`.
    func encode(into entry: inout io_uring_sqe, userData: UInt64) {
        entry.fd = self.descriptor
        entry.user_data = userData
        switch self.operation {
        case .read(let buffer, let length, let offset):
            entry.opcode = UInt8(IORING_OP_READ.rawValue)
            entry.addr = UInt64(UInt(bitPattern: buffer))
            entry.len = length
            entry.off = offset
        case .write(let buffer, let length, let offset, let dataSync):
            entry.opcode = UInt8(IORING_OP_WRITE.rawValue)
            entry.addr = UInt64(UInt(bitPattern: buffer))
            entry.len = length
            entry.off = offset
            entry.rw_flags = dataSync ? UInt32(CURING_RWF_DSYNC) : 0
        case .dataSync:
            entry.opcode = UInt8(IORING_OP_FSYNC.rawValue)
            entry.fsync_flags = UInt32(CURING_FSYNC_DATASYNC)
        case .fallocate(let mode, let offset, let length):
            // The kernel reads the mode from `len` and the length from `addr`.
            entry.opcode = UInt8(IORING_OP_FALLOCATE.rawValue)
            entry.len = UInt32(bitPattern: mode)
            entry.off = offset
            entry.addr = length
        }
    }
}

extension UringSubmission {
    /// Which way the bytes of a transfer go.
    enum Direction: Hashable {
        /// From the file into the bounce buffer.
        case read
        /// From the bounce buffer into the file; with `dataSync` (force unit access) each entry carries
        /// `RWF_DSYNC`.
        case write(dataSync: Bool)
    }

    /// The entries of a `length`-byte transfer at `offset` through `bounce`: one per bounce-buffer-full, in order,
    /// each starting at the bounce buffer's first byte (the caller fills or drains it between entries).
    static func transfers(
        descriptor: CInt,
        _ direction: Direction,
        offset: Int,
        length: Int,
        bounce: UnsafeMutableRawBufferPointer
    ) -> [UringSubmission] {
        guard let base = bounce.baseAddress, bounce.count > 0 else {
            return []
        }
        return stride(from: 0, to: length, by: bounce.count).map { done in
            let count = UInt32(min(bounce.count, length - done))
            let position = UInt64(offset + done)
            switch direction {
            case .read:
                return UringSubmission(
                    descriptor: descriptor,
                    operation: .read(buffer: base, length: count, offset: position)
                )
            case .write(let dataSync):
                return UringSubmission(
                    descriptor: descriptor,
                    operation: .write(buffer: base, length: count, offset: position, dataSync: dataSync)
                )
            }
        }
    }

    /// The bytes a read or write entry transfers; 0 for the other operations.
    var transferLength: Int {
        switch self.operation {
        case .read(_, let length, _), .write(_, let length, _, _): Int(length)
        case .dataSync, .fallocate: 0
        }
    }

    /// The entry that transfers what a read or write left after a short transfer of `bytes` (less than
    /// ``transferLength``); the same entry for the other operations.
    func remainder(after bytes: Int) -> UringSubmission {
        var next = self
        switch self.operation {
        case .read(let buffer, let length, let offset):
            next.operation = .read(
                buffer: buffer + bytes,
                length: length - UInt32(bytes),
                offset: offset + UInt64(bytes)
            )
        case .write(let buffer, let length, let offset, let dataSync):
            next.operation = .write(
                buffer: buffer + bytes,
                length: length - UInt32(bytes),
                offset: offset + UInt64(bytes),
                dataSync: dataSync
            )
        case .dataSync, .fallocate:
            break
        }
        return next
    }
}
