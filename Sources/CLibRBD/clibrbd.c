#include "CLibRBD.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

// Prototypes of librados/librbd 16.2 (rados/librados.h, rbd/librbd.h); the handles are opaque pointers.
typedef int (*rados_create_fn)(void **cluster, const char *id);
typedef int (*rados_conf_read_file_fn)(void *cluster, const char *path);
typedef int (*rados_conf_set_fn)(void *cluster, const char *option, const char *value);
typedef int (*rados_connect_fn)(void *cluster);
typedef void (*rados_shutdown_fn)(void *cluster);
typedef int (*rados_ioctx_create_fn)(void *cluster, const char *pool_name, void **io_context);
typedef void (*rados_ioctx_destroy_fn)(void *io_context);
typedef int (*rbd_open_fn)(void *io_context, const char *name, void **image, const char *snap_name);
typedef int (*rbd_close_fn)(void *image);
typedef int (*rbd_get_size_fn)(void *image, uint64_t *size);
typedef int (*rbd_resize_fn)(void *image, uint64_t size);
typedef ssize_t (*rbd_read2_fn)(void *image, uint64_t offset, size_t length, char *buffer, int op_flags);
typedef int (*rbd_aio_create_completion_fn)(void *argument, void (*callback)(void *, void *), void **completion);
typedef int (*rbd_aio_writev_fn)(void *image, const struct iovec *vectors, int count, uint64_t offset,
                                 void *completion);
typedef int (*rbd_aio_wait_for_complete_fn)(void *completion);
typedef int (*rbd_aio_get_return_value_fn)(void *completion);
typedef void (*rbd_aio_release_fn)(void *completion);
typedef int (*rbd_write_zeroes_fn)(void *image, uint64_t offset, size_t length, int zero_flags, int op_flags);
typedef int (*rbd_flush_fn)(void *image);

static struct {
    rados_create_fn rados_create;
    rados_conf_read_file_fn rados_conf_read_file;
    rados_conf_set_fn rados_conf_set;
    rados_connect_fn rados_connect;
    rados_shutdown_fn rados_shutdown;
    rados_ioctx_create_fn rados_ioctx_create;
    rados_ioctx_destroy_fn rados_ioctx_destroy;
    rbd_open_fn rbd_open;
    rbd_open_fn rbd_open_read_only;
    rbd_close_fn rbd_close;
    rbd_get_size_fn rbd_get_size;
    rbd_resize_fn rbd_resize;
    rbd_read2_fn rbd_read2;
    rbd_aio_create_completion_fn rbd_aio_create_completion;
    rbd_aio_writev_fn rbd_aio_writev;
    rbd_aio_wait_for_complete_fn rbd_aio_wait_for_complete;
    rbd_aio_get_return_value_fn rbd_aio_get_return_value;
    rbd_aio_release_fn rbd_aio_release;
    rbd_write_zeroes_fn rbd_write_zeroes;
    rbd_flush_fn rbd_flush;
} api;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded = -1;
static char load_error[512];

static void *symbol(void *library, const char *name) {
    void *address = dlsym(library, name);
    if (address == NULL && load_error[0] == 0) {
        snprintf(load_error, sizeof(load_error), "%s: %s", name, dlerror());
    }
    return address;
}

static void load_libraries(void) {
    void *rados = dlopen("librados.so.2", RTLD_NOW | RTLD_LOCAL);
    void *rbd = rados == NULL ? NULL : dlopen("librbd.so.1", RTLD_NOW | RTLD_LOCAL);
    if (rbd == NULL) {
        snprintf(load_error, sizeof(load_error), "%s", dlerror());
        return;
    }
    api.rados_create = (rados_create_fn)symbol(rados, "rados_create");
    api.rados_conf_read_file = (rados_conf_read_file_fn)symbol(rados, "rados_conf_read_file");
    api.rados_conf_set = (rados_conf_set_fn)symbol(rados, "rados_conf_set");
    api.rados_connect = (rados_connect_fn)symbol(rados, "rados_connect");
    api.rados_shutdown = (rados_shutdown_fn)symbol(rados, "rados_shutdown");
    api.rados_ioctx_create = (rados_ioctx_create_fn)symbol(rados, "rados_ioctx_create");
    api.rados_ioctx_destroy = (rados_ioctx_destroy_fn)symbol(rados, "rados_ioctx_destroy");
    api.rbd_open = (rbd_open_fn)symbol(rbd, "rbd_open");
    api.rbd_open_read_only = (rbd_open_fn)symbol(rbd, "rbd_open_read_only");
    api.rbd_close = (rbd_close_fn)symbol(rbd, "rbd_close");
    api.rbd_get_size = (rbd_get_size_fn)symbol(rbd, "rbd_get_size");
    api.rbd_resize = (rbd_resize_fn)symbol(rbd, "rbd_resize");
    api.rbd_read2 = (rbd_read2_fn)symbol(rbd, "rbd_read2");
    api.rbd_aio_create_completion = (rbd_aio_create_completion_fn)symbol(rbd, "rbd_aio_create_completion");
    api.rbd_aio_writev = (rbd_aio_writev_fn)symbol(rbd, "rbd_aio_writev");
    api.rbd_aio_wait_for_complete = (rbd_aio_wait_for_complete_fn)symbol(rbd, "rbd_aio_wait_for_complete");
    api.rbd_aio_get_return_value = (rbd_aio_get_return_value_fn)symbol(rbd, "rbd_aio_get_return_value");
    api.rbd_aio_release = (rbd_aio_release_fn)symbol(rbd, "rbd_aio_release");
    api.rbd_write_zeroes = (rbd_write_zeroes_fn)symbol(rbd, "rbd_write_zeroes");
    api.rbd_flush = (rbd_flush_fn)symbol(rbd, "rbd_flush");
    loaded = load_error[0] == 0 ? 0 : -1;
}

int crbd_load(void) {
    pthread_once(&load_once, load_libraries);
    return loaded;
}

const char *crbd_load_error(void) {
    return load_error[0] == 0 ? NULL : load_error;
}

int crbd_connect(void **cluster, const char *user_id, const char *config_file, int read_default_config,
                 const char *const *keys, const char *const *values, int count, const char *key_file) {
    if (loaded != 0) {
        return -ENOSYS;
    }
    void *handle = NULL;
    int result = api.rados_create(&handle, user_id);
    if (result < 0) {
        return result;
    }
    if (config_file != NULL || read_default_config) {
        result = api.rados_conf_read_file(handle, config_file);
    }
    for (int index = 0; result >= 0 && index < count; index++) {
        result = api.rados_conf_set(handle, keys[index], values[index]);
    }
    if (result >= 0 && key_file != NULL) {
        result = api.rados_conf_set(handle, "keyring", key_file);
    }
    if (result >= 0) {
        result = api.rados_connect(handle);
    }
    if (result < 0) {
        api.rados_shutdown(handle);
        return result;
    }
    *cluster = handle;
    return 0;
}

void crbd_shutdown(void *cluster) {
    if (loaded == 0) {
        api.rados_shutdown(cluster);
    }
}

int crbd_open(void *cluster, const char *pool_name, const char *image_name, int read_only, void **io_context,
              void **image) {
    if (loaded != 0) {
        return -ENOSYS;
    }
    void *context = NULL;
    int result = api.rados_ioctx_create(cluster, pool_name, &context);
    if (result < 0) {
        return result;
    }
    result = (read_only ? api.rbd_open_read_only : api.rbd_open)(context, image_name, image, NULL);
    if (result < 0) {
        api.rados_ioctx_destroy(context);
        return result;
    }
    *io_context = context;
    return 0;
}

void crbd_close(void *io_context, void *image) {
    if (loaded == 0) {
        api.rbd_close(image);
        api.rados_ioctx_destroy(io_context);
    }
}

int crbd_get_size(void *image, uint64_t *bytes) {
    return loaded != 0 ? -ENOSYS : api.rbd_get_size(image, bytes);
}

int crbd_resize(void *image, uint64_t bytes) {
    return loaded != 0 ? -ENOSYS : api.rbd_resize(image, bytes);
}

ssize_t crbd_read(void *image, uint64_t offset, size_t length, void *buffer) {
    return loaded != 0 ? -ENOSYS : api.rbd_read2(image, offset, length, buffer, 0);
}

int crbd_writev(void *image, const struct iovec *vectors, int count, uint64_t offset) {
    if (loaded != 0) {
        return -ENOSYS;
    }
    void *completion = NULL;
    int result = api.rbd_aio_create_completion(NULL, NULL, &completion);
    if (result < 0) {
        return result;
    }
    result = api.rbd_aio_writev(image, vectors, count, offset, completion);
    if (result >= 0) {
        api.rbd_aio_wait_for_complete(completion);
        int written = api.rbd_aio_get_return_value(completion);
        result = written < 0 ? written : 0;
    }
    api.rbd_aio_release(completion);
    return result;
}

int crbd_write_zeroes(void *image, uint64_t offset, uint64_t length) {
    if (loaded != 0) {
        return -ENOSYS;
    }
    // rbd_write_zeroes takes a size_t length and answers the bytes it zeroed; keep chunks well inside int.
    const uint64_t chunk = 1u << 30;
    while (length > 0) {
        uint64_t count = length < chunk ? length : chunk;
        int result = api.rbd_write_zeroes(image, offset, (size_t)count, 0, 0);
        if (result < 0) {
            return result;
        }
        offset += count;
        length -= count;
    }
    return 0;
}

int crbd_flush(void *image) {
    return loaded != 0 ? -ENOSYS : api.rbd_flush(image);
}
