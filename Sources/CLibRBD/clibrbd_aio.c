#include "CLibRBD.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

// Prototypes of librbd 16.2's aio calls (rbd/librbd.h); images and completions are opaque pointers.
typedef void (*rbd_callback_fn)(void *completion, void *argument);
typedef int (*rbd_aio_create_completion_fn)(void *argument, rbd_callback_fn callback, void **completion);
typedef ssize_t (*rbd_aio_get_return_value_fn)(void *completion);
typedef void (*rbd_aio_release_fn)(void *completion);
typedef int (*rbd_aio_read_fn)(void *image, uint64_t offset, size_t length, char *buffer, void *completion);
typedef int (*rbd_aio_writev_fn)(void *image, const struct iovec *vectors, int count, uint64_t offset,
                                 void *completion);
typedef int (*rbd_aio_flush_fn)(void *image, void *completion);
typedef int (*rbd_aio_write_zeroes_fn)(void *image, uint64_t offset, size_t length, void *completion, int zero_flags,
                                       int op_flags);
typedef int (*rbd_aio_writesame_fn)(void *image, uint64_t offset, size_t length, const char *pattern,
                                    size_t pattern_length, void *completion, int op_flags);
typedef ssize_t (*rbd_aio_compare_and_write_fn)(void *image, uint64_t offset, size_t length, const char *compare,
                                                const char *write, void *completion, uint64_t *mismatch_offset,
                                                int op_flags);

static struct {
    rbd_aio_create_completion_fn create_completion;
    rbd_aio_get_return_value_fn get_return_value;
    rbd_aio_release_fn release;
    rbd_aio_read_fn read;
    rbd_aio_writev_fn writev;
    rbd_aio_flush_fn flush;
    rbd_aio_write_zeroes_fn write_zeroes;
    rbd_aio_writesame_fn writesame;
    rbd_aio_compare_and_write_fn compare_and_write;
} aio;

// The handler is the same for every request (the first one installed), so a completion carries only the tag.
static _Atomic(crbd_aio_handler) completion_handler;
static pthread_once_t aio_once = PTHREAD_ONCE_INIT;
static int aio_loaded = -1;
static char aio_error[512];

static void *aio_symbol(void *library, const char *name) {
    void *address = dlsym(library, name);
    if (address == NULL && aio_error[0] == 0) {
        snprintf(aio_error, sizeof(aio_error), "%s: %s", name, dlerror());
    }
    return address;
}

static void load_aio(void) {
    if (crbd_load() != 0) {
        snprintf(aio_error, sizeof(aio_error), "librbd is not loaded");
        return;
    }
    // crbd_load opened the library: this only takes another reference to it.
    void *rbd = dlopen("librbd.so.1", RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    if (rbd == NULL) {
        snprintf(aio_error, sizeof(aio_error), "%s", dlerror());
        return;
    }
    aio.create_completion = (rbd_aio_create_completion_fn)aio_symbol(rbd, "rbd_aio_create_completion");
    aio.get_return_value = (rbd_aio_get_return_value_fn)aio_symbol(rbd, "rbd_aio_get_return_value");
    aio.release = (rbd_aio_release_fn)aio_symbol(rbd, "rbd_aio_release");
    aio.read = (rbd_aio_read_fn)aio_symbol(rbd, "rbd_aio_read");
    aio.writev = (rbd_aio_writev_fn)aio_symbol(rbd, "rbd_aio_writev");
    aio.flush = (rbd_aio_flush_fn)aio_symbol(rbd, "rbd_aio_flush");
    aio.write_zeroes = (rbd_aio_write_zeroes_fn)aio_symbol(rbd, "rbd_aio_write_zeroes");
    aio.writesame = (rbd_aio_writesame_fn)aio_symbol(rbd, "rbd_aio_writesame");
    aio.compare_and_write = (rbd_aio_compare_and_write_fn)aio_symbol(rbd, "rbd_aio_compare_and_write");
    aio_loaded = aio_error[0] == 0 ? 0 : -1;
}

int crbd_aio_load(crbd_aio_handler handler) {
    pthread_once(&aio_once, load_aio);
    if (aio_loaded != 0) {
        return -1;
    }
    crbd_aio_handler none = NULL;
    atomic_compare_exchange_strong(&completion_handler, &none, handler);
    return 0;
}

const char *crbd_aio_load_error(void) {
    return aio_error[0] == 0 ? NULL : aio_error;
}

/// librbd's completion callback: reads the result, frees the completion and hands the result on.
static void complete(void *completion, void *tag) {
    ssize_t result = aio.get_return_value(completion);
    aio.release(completion);
    atomic_load_explicit(&completion_handler, memory_order_acquire)(tag, (int64_t)result);
}

/// A completion for `tag`, or NULL after a failed or missing load.
static int create_completion(void *tag, void **completion) {
    if (aio_loaded != 0 || atomic_load_explicit(&completion_handler, memory_order_acquire) == NULL) {
        return -ENOSYS;
    }
    return aio.create_completion(tag, complete, completion);
}

/// Frees the completion of a submission librbd refused (its callback never runs).
static int submitted(void *completion, int result) {
    if (result < 0) {
        aio.release(completion);
        return result;
    }
    return 0;
}

int crbd_aio_read(void *image, uint64_t offset, size_t length, void *buffer, void *tag) {
    void *completion = NULL;
    int result = create_completion(tag, &completion);
    return result < 0 ? result : submitted(completion, aio.read(image, offset, length, buffer, completion));
}

int crbd_aio_writev(void *image, const struct iovec *vectors, int count, uint64_t offset, void *tag) {
    void *completion = NULL;
    int result = create_completion(tag, &completion);
    return result < 0 ? result : submitted(completion, aio.writev(image, vectors, count, offset, completion));
}

int crbd_aio_flush(void *image, void *tag) {
    void *completion = NULL;
    int result = create_completion(tag, &completion);
    return result < 0 ? result : submitted(completion, aio.flush(image, completion));
}

int crbd_aio_write_zeroes(void *image, uint64_t offset, size_t length, void *tag) {
    void *completion = NULL;
    int result = create_completion(tag, &completion);
    return result < 0 ? result : submitted(completion, aio.write_zeroes(image, offset, length, completion, 0, 0));
}

int crbd_aio_writesame(void *image, uint64_t offset, size_t length, const void *pattern, size_t pattern_length,
                       void *tag) {
    void *completion = NULL;
    int result = create_completion(tag, &completion);
    return result < 0 ? result
                      : submitted(completion,
                                  aio.writesame(image, offset, length, pattern, pattern_length, completion, 0));
}

int crbd_aio_compare_and_write(void *image, uint64_t offset, size_t length, const void *compare, const void *write,
                               uint64_t *mismatch_offset, void *tag) {
    void *completion = NULL;
    int result = create_completion(tag, &completion);
    if (result < 0) {
        return result;
    }
    ssize_t submitted_result =
        aio.compare_and_write(image, offset, length, compare, write, completion, mismatch_offset, 0);
    return submitted(completion, submitted_result < 0 ? (int)submitted_result : 0);
}
