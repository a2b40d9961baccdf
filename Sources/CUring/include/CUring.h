#ifndef CURING_H
#define CURING_H

#include <linux/falloc.h>
#include <linux/io_uring.h>
#include <stdint.h>

/// A minimal io_uring driver over the raw system calls (no liburing): one ring per thread, created on first
/// use, whose submission and completion queues are mapped into this process. Every function returns 0 (or a
/// count) on success and -errno on failure, so callers never read the thread's errno.

/// RWF_DSYNC for `io_uring_sqe.rw_flags` (a cast macro in <linux/fs.h>, not imported into Swift).
enum { CURING_RWF_DSYNC = 0x00000002 };

/// IORING_FSYNC_DATASYNC for `io_uring_sqe.fsync_flags`: fdatasync instead of fsync.
enum { CURING_FSYNC_DATASYNC = IORING_FSYNC_DATASYNC };

/// The fallocate modes of UNMAP and write zeroes; both keep the file size.
enum {
    CURING_FALLOC_PUNCH_HOLE = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE,
    CURING_FALLOC_ZERO_RANGE = FALLOC_FL_KEEP_SIZE | FALLOC_FL_ZERO_RANGE,
};

/// The bytes of the aligned bounce buffer each ring owns, the most one read or write SQE transfers.
enum { CURING_BOUNCE_BYTES = 1 << 20 };

/// The memory and offset alignment of the bounce buffer (a page: enough for every O_DIRECT device).
enum { CURING_BOUNCE_ALIGNMENT = 4096 };

/// A ring: its descriptor, the mapped queues and a bounce buffer for O_DIRECT transfers.
struct curing_ring;

/// The calling thread's ring, created on first use (a thread-specific value, closed when the thread exits);
/// NULL with `*error` set to -errno when io_uring is not available.
struct curing_ring *curing_thread_ring(int *error);

/// The next free submission queue entry, zeroed, or NULL when the queue is full (submit first).
struct io_uring_sqe *curing_next_sqe(struct curing_ring *ring);

/// Submits the entries taken since the last submission and waits until at least `wait` completions are queued:
/// 0 or -errno (EINTR is retried).
int curing_submit_and_wait(struct curing_ring *ring, unsigned wait);

/// Takes the oldest completion: 1 with `*user_data` and `*result` set, 0 when the completion queue is empty.
int curing_pop_completion(struct curing_ring *ring, uint64_t *user_data, int32_t *result);

/// The ring's bounce buffer: CURING_BOUNCE_BYTES bytes aligned to CURING_BOUNCE_ALIGNMENT.
void *curing_bounce_buffer(struct curing_ring *ring);

/// open(path, O_RDWR | O_DIRECT | O_CLOEXEC): the descriptor, or -errno (-EINVAL when the file system refuses
/// direct I/O).
int curing_open_direct(const char *path);

/// The O_DIRECT alignment of an open file (statx STATX_DIOALIGN, Linux 6.1): 0 with `*offset_alignment` set
/// (0 when the file system does not support direct I/O on it), or -errno (-EOPNOTSUPP when the kernel does not
/// report it).
int curing_direct_io_alignment(int fd, uint32_t *offset_alignment);

#endif
