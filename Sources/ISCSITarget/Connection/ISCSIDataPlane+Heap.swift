#if canImport(Glibc)
    import Glibc
#endif

extension ISCSIDataPlane {
    /// Allocations up to this size come from the heap rather than from a mapping of their own: more than a
    /// receive buffer (256 KiB) and than the data-in buffer of the common large reads (128 KiB to 1 MiB).
    static let heapAllocationLimit: Int32 = 4 << 20
    /// Free memory at the top of a heap that glibc keeps rather than returning to the kernel.
    static let retainedFreeHeap: Int32 = 32 << 20

    /// Makes glibc's allocator keep the memory of freed data buffers for the next command instead of returning
    /// it to the kernel at once. Call it once at startup, before the event loops start.
    ///
    /// Every command allocates its data-in buffer and frees it once the response is written. With glibc's
    /// defaults, freeing a batch of them leaves more than the trim threshold free at the top of the event loop
    /// thread's heap, which is then given back (`madvise(MADV_DONTNEED)`), and a buffer of 128 KiB or more is
    /// its own `mmap`: either way the next command page-faults its buffer back in, zero-filled, page by page.
    /// Measured on 128 KiB reads at QD16 that was three quarters of the target's CPU (170 µs per read instead
    /// of 45 µs), and one `madvise` per socket read on 4 KiB reads. The memory kept is bounded by the data in
    /// flight at the busiest moment (queue depth × transfer size per connection), plus `retainedFreeHeap`.
    public static func keepFreedBuffersInHeap() {
        #if canImport(Glibc)
            // `<malloc.h>` is not part of the Glibc module: mallopt is looked up in the C library instead.
            guard let symbol = dlsym(nil, "mallopt") else { return }
            let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
            // Fixing either threshold also turns off glibc's dynamic adjustment of both.
            _ = mallopt(Self.mmapThresholdParameter, Self.heapAllocationLimit)
            _ = mallopt(Self.trimThresholdParameter, Self.retainedFreeHeap)
        #endif
    }

    #if canImport(Glibc)
        private typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        /// `M_TRIM_THRESHOLD` and `M_MMAP_THRESHOLD` of `<malloc.h>`.
        private static let trimThresholdParameter: Int32 = -1
        private static let mmapThresholdParameter: Int32 = -3
    #endif
}
