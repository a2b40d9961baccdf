#ifndef CLIBRBD_AIO_H
#define CLIBRBD_AIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/// Asynchronous librbd requests (rbd_aio_*). Each submission takes an opaque `tag`; when it returns 0 the request
/// is under way and the handler given to crbd_aio_load is called exactly once, on one of librados' own threads
/// (two requests may complete at the same time on two threads), with the tag and librbd's result: the byte count
/// or 0 on success, -errno on failure. When a submission returns -errno the handler is not called.

/// Called when a request ends. It runs on a librados thread that serves other requests too: it must not block.
typedef void (*crbd_aio_handler)(void *tag, int64_t result);

/// Resolves the aio functions in librbd (after a successful crbd_load) and installs `handler` for every request;
/// loads once (later calls return the first outcome): 0, or -1 with the reason in crbd_aio_load_error().
int crbd_aio_load(crbd_aio_handler handler);

/// Why crbd_aio_load failed, or NULL.
const char *crbd_aio_load_error(void);

/// rbd_aio_read: `length` bytes at `offset` into `buffer`, which stays valid and unmoved until completion.
int crbd_aio_read(void *image, uint64_t offset, size_t length, void *buffer, void *tag);

/// rbd_aio_writev: the vectors' bytes at `offset`; the vectors and the bytes stay valid until completion.
int crbd_aio_writev(void *image, const struct iovec *vectors, int count, uint64_t offset, void *tag);

/// rbd_aio_flush: every write completed before the submission is durable at completion.
int crbd_aio_flush(void *image, void *tag);

/// rbd_aio_write_zeroes: the range reads back as zeroes at completion; whole objects are deallocated.
int crbd_aio_write_zeroes(void *image, uint64_t offset, size_t length, void *tag);

/// rbd_aio_writesame: `length` bytes at `offset` filled with repeats of the `pattern_length` bytes at `pattern`
/// (`length` a multiple of it), which stay valid until completion.
int crbd_aio_writesame(void *image, uint64_t offset, size_t length, const void *pattern, size_t pattern_length,
                       void *tag);

/// rbd_aio_compare_and_write: when the `length` bytes at `offset` equal `compare`, writes `write` there, atomically on
/// the OSD (librbd 16.2 takes one 512-byte sector, aligned, and answers -EINVAL otherwise). A mismatch completes
/// with -EILSEQ after librbd stored the image offset of the first differing byte in `mismatch_offset`. The buffers
/// and `mismatch_offset` stay valid until completion.
int crbd_aio_compare_and_write(void *image, uint64_t offset, size_t length, const void *compare, const void *write,
                               uint64_t *mismatch_offset, void *tag);

#endif
