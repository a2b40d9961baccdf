#include "CLibRBD.h"
#include "clibrbd_open_images.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>

// Prototypes of librbd 16.2's header watch (rbd/librbd.h); images are opaque pointers.
typedef int (*rbd_update_watch_fn)(void *image, uint64_t *handle, crbd_update_callback callback, void *argument);
typedef int (*rbd_update_unwatch_fn)(void *image, uint64_t handle);

static struct {
    rbd_update_watch_fn watch;
    rbd_update_unwatch_fn unwatch;
} update;

static pthread_once_t update_once = PTHREAD_ONCE_INIT;

static void load_update(void) {
    if (crbd_load() != 0) {
        return;
    }
    // crbd_load opened the library: this only takes another reference to it.
    void *rbd = dlopen("librbd.so.1", RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    if (rbd == NULL) {
        return;
    }
    rbd_update_watch_fn watch = (rbd_update_watch_fn)dlsym(rbd, "rbd_update_watch");
    rbd_update_unwatch_fn unwatch = (rbd_update_unwatch_fn)dlsym(rbd, "rbd_update_unwatch");
    if (watch != NULL && unwatch != NULL) {
        update.watch = watch;
        update.unwatch = unwatch;
    }
}

int crbd_update_watch(void *image, uint64_t *handle, crbd_update_callback callback, void *argument) {
    pthread_once(&update_once, load_update);
    return update.watch == NULL ? -ENOSYS : update.watch(image, handle, callback, argument);
}

int crbd_update_unwatch(void *image, uint64_t handle) {
    pthread_once(&update_once, load_update);
    if (update.unwatch == NULL) {
        return -ENOSYS;
    }
    // Closed by the exit handler (the process exits while a device is released): rbd_close ended the watch.
    if (!crbd_hold_open_image(image)) {
        return -ESHUTDOWN;
    }
    int result = update.unwatch(image, handle);
    crbd_release_open_image();
    return result;
}
