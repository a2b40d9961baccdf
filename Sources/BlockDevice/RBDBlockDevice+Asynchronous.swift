import CLibRBD
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension RBDBlockDevice: AsynchronousBlockDevice {
    /// One `rbd_aio_read` of the whole range straight into `buffer`'s writable bytes (no copy on our side).
    public func submitRead(
        lba: UInt64,
        blocks: UInt32,
        into buffer: consuming ByteBuffer,
        completion: @escaping @Sendable (BlockIOStatus, consuming ByteBuffer) -> Void
    ) {
        var target = consume buffer
        guard let (offset, length) = self.byteRange(lba: lba, blocks: UInt64(blocks)) else {
            return completion(.failed(.outOfRange), consume target)
        }
        guard length > 0 else {
            return completion(.success, consume target)
        }
        // Unique storage with room for the data: it does not move while `held` keeps it and nobody writes to it.
        target.reserveCapacity(minimumWritableBytes: length)
        let destination = target.withUnsafeMutableWritableBytes { $0.baseAddress }
        let held = ReadTarget(consume target)
        let result = RBDRequest.submit(
            { tag in crbd_aio_read(self.image.handle, offset, length, destination, tag) },
            completion: { result in
                var filled = held.take()
                // A short read means the image shrank under us: the buffer stays as it was.
                guard result == Int64(length) else {
                    return completion(.failed(.ioError), consume filled)
                }
                filled.moveWriterIndex(forwardBy: length)
                completion(.success, consume filled)
            }
        )
        if result < 0 {
            completion(.failed(.ioError), held.take())
        }
    }

    /// One `rbd_aio_writev` of all the segments (librbd copies them into its own buffers); with
    /// `forceUnitAccess` and librbd's cache on, an `rbd_aio_flush` after it (without the cache the write is on the
    /// OSDs when it completes).
    public func submitWrite(
        lba: UInt64,
        segments: [ByteBuffer],
        forceUnitAccess: Bool,
        completion: @escaping @Sendable (BlockIOStatus) -> Void
    ) {
        let total = segments.reduce(0) { $0 + $1.readableBytes }
        guard total % Int(self.blockSize) == 0,
            let (offset, length) = self.byteRange(lba: lba, blocks: UInt64(total / Int(self.blockSize)))
        else {
            return completion(.failed(.outOfRange))
        }
        guard !self.isReadOnly else {
            return completion(.failed(.ioError))
        }
        guard length > 0 else {
            return completion(.success)
        }
        let vectors = IOVectors(segments)
        let result = RBDRequest.submit(
            { tag in crbd_aio_writev(self.image.handle, vectors.base, vectors.count, offset, tag) },
            completion: { result in
                vectors.release()
                guard result >= 0 else {
                    return completion(.failed(.ioError))
                }
                guard forceUnitAccess, self.writeCacheEnabled else {
                    return completion(.success)
                }
                self.submitFlush(completion: completion)
            }
        )
        if result < 0 {
            vectors.release()
            completion(.failed(.ioError))
        }
    }

    /// `rbd_aio_flush`: every write completed before it is on the OSDs when it completes.
    public func submitFlush(completion: @escaping @Sendable (BlockIOStatus) -> Void) {
        let result = RBDRequest.submit(
            { tag in crbd_aio_flush(self.image.handle, tag) },
            completion: { result in completion(result >= 0 ? .success : .failed(.ioError)) }
        )
        if result < 0 {
            completion(.failed(.ioError))
        }
    }

    /// `rbd_aio_write_zeroes`, in pieces of at most ``zeroingChunk`` one after the other: whole objects are
    /// deallocated and the rest zeroed.
    public func submitWriteZeroes(
        lba: UInt64,
        blocks: UInt64,
        completion: @escaping @Sendable (BlockIOStatus) -> Void
    ) {
        guard let (offset, length) = self.byteRange(lba: lba, blocks: blocks) else {
            return completion(.failed(.outOfRange))
        }
        guard !self.isReadOnly else {
            return completion(.failed(.ioError))
        }
        self.submitZeroing(from: offset, to: offset + UInt64(length), completion: completion)
    }

    /// Write zeroes (see the type's documentation: `rbd_aio_discard` may leave partial objects as they were).
    public func submitUnmap(lba: UInt64, blocks: UInt64, completion: @escaping @Sendable (BlockIOStatus) -> Void) {
        self.submitWriteZeroes(lba: lba, blocks: blocks, completion: completion)
    }

    /// `rbd_aio_writesame` of the one-block pattern (librbd repeats it; at most the maximum transfer length).
    public func submitWriteSame(
        lba: UInt64,
        blocks: UInt64,
        pattern: ByteBuffer,
        completion: @escaping @Sendable (BlockIOStatus) -> Void
    ) {
        guard pattern.readableBytes == Int(self.blockSize),
            let (offset, length) = self.byteRange(lba: lba, blocks: blocks)
        else {
            return completion(.failed(.outOfRange))
        }
        guard !self.isReadOnly else {
            return completion(.failed(.ioError))
        }
        guard length > 0 else {
            return completion(.success)
        }
        let vectors = IOVectors([pattern])
        let result = RBDRequest.submit(
            { tag in
                crbd_aio_writesame(
                    self.image.handle,
                    offset,
                    length,
                    vectors.base[0].iov_base,
                    pattern.readableBytes,
                    tag
                )
            },
            completion: { result in
                vectors.release()
                completion(result >= 0 ? .success : .failed(.ioError))
            }
        )
        if result < 0 {
            vectors.release()
            completion(.failed(.ioError))
        }
    }

    /// Bytes zeroed by one `rbd_aio_write_zeroes`: librbd reports the count in an `int`.
    private static var zeroingChunk: UInt64 { 1 << 30 }

    /// Zeroes `[offset, end)` one chunk after the other.
    private func submitZeroing(
        from offset: UInt64,
        to end: UInt64,
        completion: @escaping @Sendable (BlockIOStatus) -> Void
    ) {
        guard offset < end else {
            return completion(.success)
        }
        let length = min(end - offset, Self.zeroingChunk)
        let result = RBDRequest.submit(
            { tag in crbd_aio_write_zeroes(self.image.handle, offset, Int(length), tag) },
            completion: { result in
                guard result >= 0 else {
                    return completion(.failed(.ioError))
                }
                self.submitZeroing(from: offset + length, to: end, completion: completion)
            }
        )
        if result < 0 {
            completion(.failed(.ioError))
        }
    }
}

/// The I/O vectors of a write's segments, and the segments themselves, kept until librbd is done with them.
private final class IOVectors: @unchecked Sendable {
    let base: UnsafeMutablePointer<iovec>
    let count: CInt
    private var segments: [ByteBuffer]

    init(_ segments: [ByteBuffer]) {
        let base = UnsafeMutablePointer<iovec>.allocate(capacity: max(1, segments.count))
        var count: CInt = 0
        for segment in segments where segment.readableBytes > 0 {
            // The segments' storage stays put: this object holds them and nobody writes to them.
            segment.withUnsafeReadableBytes { bytes in
                base[Int(count)] = iovec(
                    iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress),
                    iov_len: bytes.count
                )
            }
            count += 1
        }
        self.segments = segments
        self.base = base
        self.count = count
    }

    /// Lets the segments go; called once, when the write ended or was refused.
    func release() {
        self.segments = []
    }

    deinit {
        self.base.deallocate()
    }
}

/// The buffer of one `rbd_aio_read` while librbd fills it: taken back, not copied, by the completion, which then
/// holds the only reference. Filled in before the submission and taken once by the completion, which librbd runs
/// after the submission: never touched by two threads at once.
private final class ReadTarget: @unchecked Sendable {
    private var buffer: ByteBuffer?

    init(_ buffer: consuming ByteBuffer) {
        self.buffer = buffer
    }

    /// The buffer; the box holds nothing after.
    func take() -> ByteBuffer {
        self.buffer.take() ?? ByteBuffer()
    }
}
