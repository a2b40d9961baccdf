import CLibRBD
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension RBDBlockDevice: AtomicCompareAndWriteDevice {
    /// librbd 16.2 compares and writes one aligned 512-byte sector at a time: one block of a 512-byte LUN, none of
    /// a larger block size (those are emulated in this process).
    public var maximumCompareAndWriteBlocks: UInt8 {
        self.blockSize == Self.compareAndWriteSectorBytes ? 1 : 0
    }

    /// The unit of librbd's compare-and-write.
    private static var compareAndWriteSectorBytes: UInt32 { 512 }

    /// One `rbd_aio_compare_and_write`: the OSD compares and writes in one operation, so the command is atomic
    /// against writes through every gateway of the image.
    public func submitCompareAndWrite(
        lba: UInt64,
        expected: ByteBuffer,
        replacement: ByteBuffer,
        completion: @escaping @Sendable (CompareAndWriteStatus) -> Void
    ) {
        let length = replacement.readableBytes
        guard expected.readableBytes == length, length % Int(self.blockSize) == 0,
            length / Int(self.blockSize) <= Int(self.maximumCompareAndWriteBlocks),
            let (offset, _) = self.byteRange(lba: lba, blocks: UInt64(length / Int(self.blockSize)))
        else {
            return completion(.failed(.outOfRange))
        }
        guard !self.isReadOnly else {
            return completion(.failed(.ioError))
        }
        guard length > 0 else {
            return completion(.written)
        }
        let request = CompareAndWriteBuffers(expected: expected, replacement: replacement)
        let result = RBDRequest.submit(
            { tag in
                crbd_aio_compare_and_write(
                    self.image.handle,
                    offset,
                    length,
                    request.expected,
                    request.replacement,
                    request.mismatchOffset,
                    tag
                )
            },
            completion: { result in
                completion(request.status(result: result, offset: offset))
            }
        )
        if result < 0 {
            completion(.failed(.ioError))
        }
    }
}

/// The two buffers of a compare-and-write and the word librbd stores the mismatch offset in, kept unmoved until
/// the request completes.
private final class CompareAndWriteBuffers: @unchecked Sendable {
    let expected: UnsafeRawPointer
    let replacement: UnsafeRawPointer
    let mismatchOffset: UnsafeMutablePointer<UInt64>
    private let buffers: (ByteBuffer, ByteBuffer)

    init(expected: ByteBuffer, replacement: ByteBuffer) {
        // The buffers' storage stays put: this object holds them and nobody writes to them.
        self.expected = expected.withUnsafeReadableBytes { UnsafeRawPointer($0.baseAddress!) }
        self.replacement = replacement.withUnsafeReadableBytes { UnsafeRawPointer($0.baseAddress!) }
        self.buffers = (expected, replacement)
        self.mismatchOffset = .allocate(capacity: 1)
        self.mismatchOffset.initialize(to: 0)
    }

    /// The outcome of librbd's `result` for a request at image byte `offset`: -EILSEQ is a miscompare at the image
    /// offset librbd stored, reported relative to the compared data.
    func status(result: Int64, offset: UInt64) -> CompareAndWriteStatus {
        switch result {
        case Int64(-EILSEQ):
            let mismatch = self.mismatchOffset.pointee
            return .miscompare(offset: mismatch >= offset ? Int(mismatch - offset) : 0)
        case ..<0:
            return .failed(.ioError)
        default:
            return .written
        }
    }

    deinit {
        self.mismatchOffset.deallocate()
    }
}
