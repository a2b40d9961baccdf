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

// ---------------------------------------------------------------------------------------------------------------
// RADOS objects beside an image (persistent reservations shared by gateways). Their symbols are resolved on first
// use, after crbd_load succeeded, from the libraries it opened (dlopen of a loaded library returns its handle).

typedef int (*rbd_get_id_fn)(void *image, char *id, size_t length);
typedef void *(*rados_create_op_fn)(void);
typedef void (*rados_release_op_fn)(void *op);
typedef void (*rados_read_op_read_fn)(void *op, uint64_t offset, size_t length, char *buffer, size_t *bytes_read,
                                      int *result);
typedef int (*rados_read_op_operate_fn)(void *op, void *io_context, const char *oid, int flags);
typedef uint64_t (*rados_get_last_version_fn)(void *io_context);
typedef void (*rados_write_op_create_fn)(void *op, int exclusive, const char *category);
typedef void (*rados_write_op_assert_version_fn)(void *op, uint64_t version);
typedef void (*rados_write_op_write_full_fn)(void *op, const char *buffer, size_t length);
typedef int (*rados_write_op_operate_fn)(void *op, void *io_context, const char *oid, void *mtime, int flags);
typedef int (*rados_watch2_fn)(void *io_context, const char *oid, uint64_t *cookie, crados_notify_callback notify,
                               crados_watch_error_callback error, void *argument);
typedef int (*rados_unwatch2_fn)(void *io_context, uint64_t cookie);
typedef int (*rados_watch_flush_fn)(void *cluster);
typedef int (*rados_notify_ack_fn)(void *io_context, const char *oid, uint64_t notify_id, uint64_t cookie,
                                   const char *buffer, int length);
typedef int (*rados_notify2_fn)(void *io_context, const char *oid, const char *buffer, int length,
                                uint64_t timeout_ms, char **reply, size_t *reply_length);
typedef void (*rados_buffer_free_fn)(char *buffer);

static struct {
    rbd_get_id_fn rbd_get_id;
    rados_create_op_fn rados_create_read_op;
    rados_release_op_fn rados_release_read_op;
    rados_read_op_read_fn rados_read_op_read;
    rados_read_op_operate_fn rados_read_op_operate;
    rados_get_last_version_fn rados_get_last_version;
    rados_create_op_fn rados_create_write_op;
    rados_release_op_fn rados_release_write_op;
    rados_write_op_create_fn rados_write_op_create;
    rados_write_op_assert_version_fn rados_write_op_assert_version;
    rados_write_op_write_full_fn rados_write_op_write_full;
    rados_write_op_operate_fn rados_write_op_operate;
    rados_watch2_fn rados_watch2;
    rados_unwatch2_fn rados_unwatch2;
    rados_watch_flush_fn rados_watch_flush;
    rados_notify_ack_fn rados_notify_ack;
    rados_notify2_fn rados_notify2;
    rados_buffer_free_fn rados_buffer_free;
} objects_api;

static pthread_once_t objects_once = PTHREAD_ONCE_INIT;
static int objects_loaded = -1;

static void load_object_symbols(void) {
    if (crbd_load() != 0) {
        return;
    }
    void *rados = dlopen("librados.so.2", RTLD_NOW | RTLD_LOCAL);
    void *rbd = dlopen("librbd.so.1", RTLD_NOW | RTLD_LOCAL);
    if (rados == NULL || rbd == NULL) {
        return;
    }
    int missing = 0;
#define RESOLVE(library, name)                                                                                   \
    missing |= (objects_api.name = (__typeof__(objects_api.name))dlsym(library, #name)) == NULL
    RESOLVE(rbd, rbd_get_id);
    RESOLVE(rados, rados_create_read_op);
    RESOLVE(rados, rados_release_read_op);
    RESOLVE(rados, rados_read_op_read);
    RESOLVE(rados, rados_read_op_operate);
    RESOLVE(rados, rados_get_last_version);
    RESOLVE(rados, rados_create_write_op);
    RESOLVE(rados, rados_release_write_op);
    RESOLVE(rados, rados_write_op_create);
    RESOLVE(rados, rados_write_op_assert_version);
    RESOLVE(rados, rados_write_op_write_full);
    RESOLVE(rados, rados_write_op_operate);
    RESOLVE(rados, rados_watch2);
    RESOLVE(rados, rados_unwatch2);
    RESOLVE(rados, rados_watch_flush);
    RESOLVE(rados, rados_notify_ack);
    RESOLVE(rados, rados_notify2);
    RESOLVE(rados, rados_buffer_free);
#undef RESOLVE
    objects_loaded = missing ? -1 : 0;
}

static int objects_ready(void) {
    pthread_once(&objects_once, load_object_symbols);
    return objects_loaded == 0;
}

int crados_image_id(void *image, char *buffer, size_t length) {
    return objects_ready() ? objects_api.rbd_get_id(image, buffer, length) : -ENOSYS;
}

int crados_open_pool(void *cluster, const char *pool_name, void **io_context) {
    return objects_ready() ? api.rados_ioctx_create(cluster, pool_name, io_context) : -ENOSYS;
}

void crados_close_pool(void *io_context) {
    if (objects_ready()) {
        api.rados_ioctx_destroy(io_context);
    }
}

int crados_create(void *io_context, const char *oid) {
    if (!objects_ready()) {
        return -ENOSYS;
    }
    void *op = objects_api.rados_create_write_op();
    objects_api.rados_write_op_create(op, 0, NULL);
    int result = objects_api.rados_write_op_operate(op, io_context, oid, NULL, 0);
    objects_api.rados_release_write_op(op);
    return result;
}

ssize_t crados_read(void *io_context, const char *oid, void *buffer, size_t length, uint64_t *version) {
    if (!objects_ready()) {
        return -ENOSYS;
    }
    size_t bytes_read = 0;
    int read_result = 0;
    void *op = objects_api.rados_create_read_op();
    objects_api.rados_read_op_read(op, 0, length, buffer, &bytes_read, &read_result);
    int result = objects_api.rados_read_op_operate(op, io_context, oid, 0);
    objects_api.rados_release_read_op(op);
    if (result < 0) {
        return result;
    }
    if (read_result < 0) {
        return read_result;
    }
    *version = objects_api.rados_get_last_version(io_context);
    return (ssize_t)bytes_read;
}

int crados_write_if_version(void *io_context, const char *oid, const void *data, size_t length, uint64_t version,
                            uint64_t *new_version) {
    if (!objects_ready()) {
        return -ENOSYS;
    }
    void *op = objects_api.rados_create_write_op();
    objects_api.rados_write_op_assert_version(op, version);
    objects_api.rados_write_op_write_full(op, data, length);
    int result = objects_api.rados_write_op_operate(op, io_context, oid, NULL, 0);
    objects_api.rados_release_write_op(op);
    if (result == 0) {
        *new_version = objects_api.rados_get_last_version(io_context);
    }
    return result;
}

int crados_watch(void *io_context, const char *oid, crados_notify_callback notify,
                 crados_watch_error_callback error, void *argument, uint64_t *cookie) {
    return objects_ready() ? objects_api.rados_watch2(io_context, oid, cookie, notify, error, argument) : -ENOSYS;
}

int crados_unwatch(void *cluster, void *io_context, uint64_t cookie) {
    if (!objects_ready()) {
        return -ENOSYS;
    }
    int result = objects_api.rados_unwatch2(io_context, cookie);
    objects_api.rados_watch_flush(cluster);
    return result;
}

int crados_notify_ack(void *io_context, const char *oid, uint64_t notify_id, uint64_t cookie) {
    return objects_ready() ? objects_api.rados_notify_ack(io_context, oid, notify_id, cookie, NULL, 0) : -ENOSYS;
}

int crados_notify(void *io_context, const char *oid, const void *data, size_t length, uint64_t timeout_ms) {
    if (!objects_ready()) {
        return -ENOSYS;
    }
    if (length > INT32_MAX) {
        return -EINVAL;
    }
    char *reply = NULL;
    size_t reply_length = 0;
    int result = objects_api.rados_notify2(io_context, oid, data, (int)length, timeout_ms, &reply, &reply_length);
    if (reply != NULL) {
        objects_api.rados_buffer_free(reply);
    }
    return result;
}
