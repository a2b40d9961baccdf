#include "CLibRBD.h"
#include "clibrbd_open_images.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
typedef struct {
    char *name;
    char *value;
    int source;
} rbd_config_option;
typedef int (*rbd_config_image_list_fn)(void *image, rbd_config_option *options, int *max_options);
typedef void (*rbd_config_image_list_cleanup_fn)(rbd_config_option *options, int max_options);

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
    rbd_config_image_list_fn rbd_config_image_list;
    rbd_config_image_list_cleanup_fn rbd_config_image_list_cleanup;
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
    api.rbd_config_image_list = (rbd_config_image_list_fn)symbol(rbd, "rbd_config_image_list");
    api.rbd_config_image_list_cleanup =
        (rbd_config_image_list_cleanup_fn)symbol(rbd, "rbd_config_image_list_cleanup");
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

// Images open now. librbd releases an image's exclusive lock and header watch only in rbd_close: an image still open
// when the process exits would keep other clients from writing until the OSD expires the dead client's watch (about
// 30 s). So the exit handler closes the images nobody closed, and waits for the closes under way on other threads
// (a device released while the process shuts down), which exit would otherwise cut short. rbd_close waits for the
// image's requests in flight, which a cluster that stopped answering never ends: the handler closes each image on a
// thread of its own and waits a bounded time, then ends the process at once (`_exit` with the status `exit` was
// given), since the destructors that run after it would tear librados down under threads still inside it.
struct open_image {
    void *io_context;
    void *image;
    int closing;
    struct open_image *next;
};
static pthread_mutex_t open_images_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t open_image_closed = PTHREAD_COND_INITIALIZER;
static struct open_image *open_images;
static pthread_once_t exit_handler_once = PTHREAD_ONCE_INIT;

/// How long the exit handler waits for the images to close.
static const int exit_close_wait_seconds = 10;

/// Closes `entry`'s image (marked closing by the caller, with the lock not held) and then forgets it.
static void close_entry(struct open_image *entry) {
    api.rbd_close(entry->image);
    api.rados_ioctx_destroy(entry->io_context);
    pthread_mutex_lock(&open_images_lock);
    struct open_image **link = &open_images;
    while (*link != entry) {
        link = &(*link)->next;
    }
    *link = entry->next;
    pthread_cond_broadcast(&open_image_closed);
    pthread_mutex_unlock(&open_images_lock);
    free(entry);
}

static void *close_entry_thread(void *entry) {
    close_entry(entry);
    return NULL;
}

static void close_open_images(int status, void *unused) {
    (void)unused;
    pthread_mutex_lock(&open_images_lock);
    for (;;) {
        struct open_image *entry = open_images;
        while (entry != NULL && entry->closing) {
            entry = entry->next;
        }
        if (entry == NULL) {
            break;
        }
        entry->closing = 1;
        pthread_mutex_unlock(&open_images_lock);
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&thread, &attributes, close_entry_thread, entry) != 0) {
            close_entry(entry);
        }
        pthread_attr_destroy(&attributes);
        pthread_mutex_lock(&open_images_lock);
    }
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += exit_close_wait_seconds;
    while (open_images != NULL) {
        if (pthread_cond_timedwait(&open_image_closed, &open_images_lock, &deadline) == ETIMEDOUT) {
            break;
        }
    }
    int stuck = open_images != NULL;
    pthread_mutex_unlock(&open_images_lock);
    if (stuck) {
        fprintf(stderr, "librbd did not close every image within %d s (the cluster does not answer): exiting\n",
                exit_close_wait_seconds);
        fflush(NULL);
        _exit(status);
    }
}

static void install_exit_handler(void) {
    on_exit(close_open_images, NULL);
}

int crbd_hold_open_image(void *image) {
    pthread_mutex_lock(&open_images_lock);
    for (struct open_image *entry = open_images; entry != NULL; entry = entry->next) {
        if (entry->image == image && !entry->closing) {
            return 1;
        }
    }
    pthread_mutex_unlock(&open_images_lock);
    return 0;
}

void crbd_release_open_image(void) {
    pthread_mutex_unlock(&open_images_lock);
}

int crbd_open(void *cluster, const char *pool_name, const char *image_name, int read_only, void **image) {
    if (loaded != 0) {
        return -ENOSYS;
    }
    struct open_image *entry = malloc(sizeof(*entry));
    if (entry == NULL) {
        return -ENOMEM;
    }
    void *context = NULL;
    int result = api.rados_ioctx_create(cluster, pool_name, &context);
    if (result < 0) {
        free(entry);
        return result;
    }
    result = (read_only ? api.rbd_open_read_only : api.rbd_open)(context, image_name, image, NULL);
    if (result < 0) {
        api.rados_ioctx_destroy(context);
        free(entry);
        return result;
    }
    pthread_once(&exit_handler_once, install_exit_handler);
    entry->io_context = context;
    entry->image = *image;
    entry->closing = 0;
    pthread_mutex_lock(&open_images_lock);
    entry->next = open_images;
    open_images = entry;
    pthread_mutex_unlock(&open_images_lock);
    return 0;
}

void crbd_close(void *image) {
    if (loaded != 0) {
        return;
    }
    pthread_mutex_lock(&open_images_lock);
    struct open_image *entry = open_images;
    while (entry != NULL && entry->image != image) {
        entry = entry->next;
    }
    // Gone or closing: the exit handler closes it.
    int ours = entry != NULL && !entry->closing;
    if (ours) {
        entry->closing = 1;
    }
    pthread_mutex_unlock(&open_images_lock);
    if (ours) {
        close_entry(entry);
    }
}

/// The value of option `name` in `options`, or NULL.
static const char *option_value(const rbd_config_option *options, int count, const char *name) {
    for (int index = 0; index < count; index++) {
        if (strcmp(options[index].name, name) == 0) {
            return options[index].value;
        }
    }
    return NULL;
}

int crbd_write_cache_enabled(void *image) {
    if (loaded != 0) {
        return -ENOSYS;
    }
    int count = 0;
    int result = api.rbd_config_image_list(image, NULL, &count);
    if (result < 0 && result != -ERANGE) {
        return result;
    }
    rbd_config_option *options = calloc((size_t)count, sizeof(*options));
    if (options == NULL) {
        return -ENOMEM;
    }
    result = api.rbd_config_image_list(image, options, &count);
    if (result >= 0) {
        const char *cache = option_value(options, count, "rbd_cache");
        const char *policy = option_value(options, count, "rbd_cache_policy");
        const char *max_dirty = option_value(options, count, "rbd_cache_max_dirty");
        // Without the cache, or with one that never holds dirty data, a write completes once the OSDs have it.
        int enabled = cache == NULL || strcmp(cache, "true") == 0;
        if (policy != NULL && strcmp(policy, "writethrough") == 0) {
            enabled = 0;
        }
        if (max_dirty != NULL && strcmp(max_dirty, "0") == 0) {
            enabled = 0;
        }
        result = enabled;
        api.rbd_config_image_list_cleanup(options, count);
    }
    free(options);
    return result;
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
