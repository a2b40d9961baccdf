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
#include "CLibRBDWatch.h"

// ---------------------------------------------------------------------------------------------------------------
// RADOS objects beside an image: versioned reads, compare-and-swap writes, watch and notify (the persistent
// reservation state that every gateway serving the image shares).

/// rbd_get_id: the image's id (stable across renames) into `buffer`, NUL-terminated.
int crados_image_id(void *image, char *buffer, size_t length);

/// Opens an I/O context on pool `pool_name` of `cluster`.
int crados_open_pool(void *cluster, const char *pool_name, void **io_context);

/// rados_ioctx_destroy.
void crados_close_pool(void *io_context);

/// Creates object `oid` empty when it does not exist (an existing object is left as it is).
int crados_create(void *io_context, const char *oid);

/// Reads up to `length` bytes of object `oid` from offset 0 and its version: the bytes read, or -errno (-ENOENT
/// for a missing object). Not safe to call concurrently on one I/O context (the version is the context's last).
ssize_t crados_read(void *io_context, const char *oid, void *buffer, size_t length, uint64_t *version);

/// Replaces the whole of object `oid` by `data` if its version is still `version`, and answers the new version:
/// 0, or -ERANGE / -EOVERFLOW when another client wrote it since, or another -errno. Not safe to call
/// concurrently on one I/O context.
int crados_write_if_version(void *io_context, const char *oid, const void *data, size_t length, uint64_t version,
                            uint64_t *new_version);

/// Called on a librados thread for each notification sent to a watched object (rados_watchcb2_t: `notifier_id`
/// is the sending client's id); the watcher must answer with crados_notify_ack.
typedef void (*crados_notify_callback)(void *argument, uint64_t notify_id, uint64_t cookie, uint64_t notifier_id,
                                       void *data, size_t length);

/// Called on a librados thread when a watch is lost (-ENOTCONN after a disconnection, -ETIMEDOUT...).
typedef void (*crados_watch_error_callback)(void *argument, uint64_t cookie, int error);

/// rados_watch2: watches object `oid` (which must exist); the watch's cookie goes to `cookie`.
int crados_watch(void *io_context, const char *oid, crados_notify_callback notify,
                 crados_watch_error_callback error, void *argument, uint64_t *cookie);

/// rados_unwatch2, then rados_watch_flush: no callback runs for the watch when it returns.
int crados_unwatch(void *cluster, void *io_context, uint64_t cookie);

/// rados_notify_ack without a reply payload.
int crados_notify_ack(void *io_context, const char *oid, uint64_t notify_id, uint64_t cookie);

/// rados_notify2: sends `data` to every watcher of `oid` and waits until all of them acknowledged, or
/// `timeout_ms` passed (-ETIMEDOUT).
int crados_notify(void *io_context, const char *oid, const void *data, size_t length, uint64_t timeout_ms);

#endif
