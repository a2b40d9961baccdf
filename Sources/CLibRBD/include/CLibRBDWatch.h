#ifndef CLIBRBD_WATCH_H
#define CLIBRBD_WATCH_H

#include <stdint.h>

/// What librbd calls (on a thread of its own) after the image's header changed: a resize, a snapshot, a feature
/// change, made through this client or any other.
typedef void (*crbd_update_callback)(void *argument);

/// rbd_update_watch: calls `callback` with `argument` after every change of the image header, until
/// crbd_update_unwatch; `handle` identifies the watch. 0 or -errno (-ENOSYS without librbd).
int crbd_update_watch(void *image, uint64_t *handle, crbd_update_callback callback, void *argument);

/// rbd_update_unwatch: ends the watch; when it returns no callback of it runs or will run. 0 or -errno.
int crbd_update_unwatch(void *image, uint64_t handle);

#endif
