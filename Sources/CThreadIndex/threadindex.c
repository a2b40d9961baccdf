#include "CThreadIndex.h"

#include <pthread.h>
#include <stdint.h>

__thread unsigned cthreadindex_slot __attribute__((tls_model("initial-exec")));

/// Which indices live threads hold, one bit each; guarded by `cthreadindex_lock`.
static uint64_t cthreadindex_used[CTHREADINDEX_CAPACITY / 64];
static pthread_mutex_t cthreadindex_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t cthreadindex_key;
static pthread_once_t cthreadindex_key_once = PTHREAD_ONCE_INIT;
static int cthreadindex_key_error;

/// Frees an exiting thread's index (the key's value is the index plus one, never NULL once set).
static void cthreadindex_release(void *value) {
    unsigned index = (unsigned)(uintptr_t)value - 1;
    cthreadindex_slot = 0;
    if (index == CTHREADINDEX_CAPACITY - 1) {
        return; // the shared last index is never marked used
    }
    pthread_mutex_lock(&cthreadindex_lock);
    cthreadindex_used[index / 64] &= ~(UINT64_C(1) << (index % 64));
    pthread_mutex_unlock(&cthreadindex_lock);
}

static void cthreadindex_make_key(void) {
    cthreadindex_key_error = pthread_key_create(&cthreadindex_key, cthreadindex_release);
}

unsigned cthreadindex_assign(void) {
    pthread_once(&cthreadindex_key_once, cthreadindex_make_key);
    unsigned index = CTHREADINDEX_CAPACITY - 1;
    pthread_mutex_lock(&cthreadindex_lock);
    for (unsigned candidate = 0; candidate < CTHREADINDEX_CAPACITY - 1; candidate++) {
        uint64_t bit = UINT64_C(1) << (candidate % 64);
        if ((cthreadindex_used[candidate / 64] & bit) == 0) {
            cthreadindex_used[candidate / 64] |= bit;
            index = candidate;
            break;
        }
    }
    pthread_mutex_unlock(&cthreadindex_lock);
    // Without the key (never in practice) the index is kept for the life of the process.
    if (cthreadindex_key_error == 0) {
        pthread_setspecific(cthreadindex_key, (void *)(uintptr_t)(index + 1));
    }
    cthreadindex_slot = index + 1;
    return index;
}
