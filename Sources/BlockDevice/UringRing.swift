import CUring

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The calling thread's io_uring: one per event loop thread, created by the C shim on the first I/O the thread
/// submits and closed when the thread exits, shared by every ``UringBlockDevice``.
///
/// A request's entries are submitted from the caller's thread and their completions reaped on that same thread
/// (`io_uring_enter` with `IORING_ENTER_GETEVENTS`): the ``BlockDevice`` contract is synchronous, so the caller's
/// loop waits for the device, as it does for an aio bdev's `pread`/`pwrite`. Only one request at a time is in
/// flight on a ring, so its single completion is the answer to the entry just submitted.
struct UringRing {
    /// The bytes of the ring's aligned bounce buffer: the most one read or write entry transfers.
    static let bounceBytes = Int(CURING_BOUNCE_BYTES)
    /// The bounce buffer's alignment, enough for O_DIRECT on any device.
    static let bounceAlignment = Int(CURING_BOUNCE_ALIGNMENT)

    private let ring: OpaquePointer

    private init(ring: OpaquePointer) {
        self.ring = ring
    }

    /// The calling thread's ring, created on first use.
    ///
    /// - Throws: ``UringBlockDevice/CreationFailure/uringUnavailable(errno:)`` when io_uring is not available
    ///   (`ENOSYS`, or `EPERM` under a seccomp filter or `kernel.io_uring_disabled`).
    static func current() throws(UringBlockDevice.CreationFailure) -> UringRing {
        var error: CInt = 0
        guard let ring = curing_thread_ring(&error) else {
            throw .uringUnavailable(errno: -error)
        }
        return UringRing(ring: ring)
    }

    /// The ring's bounce buffer: ``bounceBytes`` bytes aligned to ``bounceAlignment``, where O_DIRECT reads land
    /// and writes are gathered.
    var bounceBuffer: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: curing_bounce_buffer(self.ring), count: Self.bounceBytes)
    }

    /// Submits `submission` and waits for its completion: the completion's result, a byte count (reads and
    /// writes), 0, or `-errno`.
    func run(_ submission: UringSubmission) -> Int32 {
        guard let entry = curing_next_sqe(self.ring) else {
            return -EBUSY
        }
        submission.encode(into: &entry.pointee, userData: Self.userData)
        let submitted = curing_submit_and_wait(self.ring, 1)
        guard submitted == 0 else {
            return submitted
        }
        var userData: UInt64 = 0
        var result: Int32 = 0
        guard curing_pop_completion(self.ring, &userData, &result) == 1, userData == Self.userData else {
            return -EIO
        }
        return result
    }

    /// The tag of every entry (one in flight per ring).
    private static let userData: UInt64 = 0x7572_696e_67
}
