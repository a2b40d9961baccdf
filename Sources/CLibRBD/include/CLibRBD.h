#ifndef CLIBRBD_H
#define CLIBRBD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/// A thin shim over librados and librbd (Ceph 16.2), loaded at run time with dlopen so the target builds and
/// starts on machines without Ceph. The prototypes of the few librbd/librados calls used are declared in
/// clibrbd.c, not taken from librbd-dev's headers. Every call returns 0 (or a byte count) on success and
/// -errno on failure; before a successful crbd_load every call but crbd_load returns -ENOSYS.

/// Loads librados.so.2 and librbd.so.1 once (later calls return the first outcome): 0, or -1 with the reason
/// in crbd_load_error().
int crbd_load(void);

/// Why crbd_load failed (dlerror's text), or NULL.
const char *crbd_load_error(void);

/// Creates a RADOS handle for `user_id` (NULL: admin), reads `config_file` (NULL: the default search,
/// CEPH_CONF first, unless `read_default_config` is 0), sets the `count` options (`keys[i]` = `values[i]`),
/// then `keyring` = `key_file` when not NULL, and connects. On failure nothing is left allocated.
int crbd_connect(void **cluster, const char *user_id, const char *config_file, int read_default_config,
                 const char *const *keys, const char *const *values, int count, const char *key_file);

/// rados_shutdown.
void crbd_shutdown(void *cluster);

/// Opens image `image_name` of pool `pool_name` (read-only when `read_only` is non-zero); on failure nothing is
/// left open.
int crbd_open(void *cluster, const char *pool_name, const char *image_name, int read_only, void **io_context,
              void **image);

/// rbd_close, then rados_ioctx_destroy.
void crbd_close(void *io_context, void *image);

/// rbd_get_size.
int crbd_get_size(void *image, uint64_t *bytes);

/// rbd_resize.
int crbd_resize(void *image, uint64_t bytes);

/// rbd_read2: bytes read or -errno.
ssize_t crbd_read(void *image, uint64_t offset, size_t length, void *buffer);

/// rbd_aio_writev waited on: 0 or -errno.
int crbd_writev(void *image, const struct iovec *vectors, int count, uint64_t offset);

/// rbd_write_zeroes: the range reads back as zeroes; whole objects are deallocated.
int crbd_write_zeroes(void *image, uint64_t offset, uint64_t length);

/// rbd_flush: every completed write is durable.
int crbd_flush(void *image);

#include "CLibRBDAio.h"

#endif
