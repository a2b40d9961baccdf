#ifndef CTHREADINDEX_H
#define CTHREADINDEX_H

/// A small index per thread, for per-thread shards of shared counters (each event loop writes only its own
/// shard, so counting needs no lock and no atomic read-modify-write).
///
/// A thread gets the lowest index no live thread holds on its first call to `cthreadindex_current`; the index
/// is freed when the thread exits, so indices stay below the number of threads alive at once. The first
/// `CTHREADINDEX_CAPACITY - 1` threads get indices of their own; beyond that, threads share the last index.

/// How many indices there are.
enum { CTHREADINDEX_CAPACITY = 256 };

/// The calling thread's index plus one; 0 until it has one. Initial-exec TLS: one load from the thread pointer.
extern __thread unsigned cthreadindex_slot __attribute__((tls_model("initial-exec")));

/// Gives the calling thread its index and returns it (the slow path of `cthreadindex_current`).
unsigned cthreadindex_assign(void);

/// The calling thread's index, in `0 ..< CTHREADINDEX_CAPACITY`.
static inline unsigned cthreadindex_current(void) {
    unsigned slot = cthreadindex_slot;
    return slot != 0 ? slot - 1 : cthreadindex_assign();
}

#endif
