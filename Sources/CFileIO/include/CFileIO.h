#ifndef CFILEIO_H
#define CFILEIO_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/// Linux file and block-device calls that Glibc only declares with _GNU_SOURCE, or that are ioctls
/// (variadic in C, so not imported into Swift). Each returns 0 (or a byte count) on success and -errno on
/// failure, so callers never read the thread's errno.

/// The most vectors one preadv/pwritev2 call takes (Linux's UIO_MAXIOV, IOV_MAX).
enum { CFILEIO_IOV_MAX = 1024 };

/// pwritev2(fd, iov, count, offset, RWF_DSYNC when `dsync` is non-zero): bytes written or -errno.
ssize_t cfileio_pwritev(int fd, const struct iovec *iov, int count, off_t offset, int dsync);

/// preadv(fd, iov, count, offset): bytes read (0 at end of file) or -errno.
ssize_t cfileio_preadv(int fd, const struct iovec *iov, int count, off_t offset);

/// fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE): the range reads back as zeroes and its blocks are
/// freed; 0 or -errno.
int cfileio_punch_hole(int fd, off_t offset, off_t length);

/// fallocate(FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE): the range reads back as zeroes; 0 or -errno.
int cfileio_zero_range(int fd, off_t offset, off_t length);

/// fdatasync(fd): 0 or -errno.
int cfileio_fdatasync(int fd);

/// A block device's size in bytes (BLKGETSIZE64); 0 or -errno.
int cfileio_block_device_size(int fd, uint64_t *bytes);

/// A block device's logical block size (BLKSSZGET); 0 or -errno.
int cfileio_block_device_logical_block_size(int fd, uint32_t *bytes);

#endif
