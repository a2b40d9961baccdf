#define _GNU_SOURCE
#include "CUring.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/// Submission entries per ring. The device submits at most a few entries per request and waits for them, so a
/// small ring is never the bottleneck.
enum { CURING_ENTRIES = 32 };

struct curing_ring {
    int fd;
    unsigned *sq_head;
    unsigned *sq_tail;
    unsigned sq_mask;
    unsigned *sq_array;
    struct io_uring_sqe *sqes;
    unsigned sq_local_tail; // entries taken, not yet published to the kernel
    unsigned sq_published;  // entries published by the last submission
    unsigned *cq_head;
    unsigned *cq_tail;
    unsigned cq_mask;
    struct io_uring_cqe *cqes;
    void *rings;
    size_t rings_bytes;
    size_t sqes_bytes;
    void *bounce;
};

static void curing_ring_destroy(struct curing_ring *ring) {
    if (ring->sqes != NULL && ring->sqes != MAP_FAILED) {
        munmap(ring->sqes, ring->sqes_bytes);
    }
    if (ring->rings != NULL && ring->rings != MAP_FAILED) {
        munmap(ring->rings, ring->rings_bytes);
    }
    if (ring->fd >= 0) {
        close(ring->fd);
    }
    free(ring->bounce);
    free(ring);
}

static int curing_ring_create(struct curing_ring **result) {
    struct curing_ring *ring = calloc(1, sizeof(*ring));
    if (ring == NULL) {
        return -ENOMEM;
    }
    struct io_uring_params params;
    memset(&params, 0, sizeof(params));
    ring->fd = (int)syscall(__NR_io_uring_setup, (long)CURING_ENTRIES, &params);
    if (ring->fd < 0) {
        int error = -errno;
        free(ring);
        return error;
    }
    // One mapping for both queue headers (IORING_FEAT_SINGLE_MMAP, Linux 5.4), required here.
    if (!(params.features & IORING_FEAT_SINGLE_MMAP)) {
        close(ring->fd);
        free(ring);
        return -EOPNOTSUPP;
    }
    size_t sq_bytes = params.sq_off.array + params.sq_entries * sizeof(unsigned);
    size_t cq_bytes = params.cq_off.cqes + params.cq_entries * sizeof(struct io_uring_cqe);
    ring->rings_bytes = sq_bytes > cq_bytes ? sq_bytes : cq_bytes;
    ring->rings = mmap(NULL, ring->rings_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring->fd,
                       IORING_OFF_SQ_RING);
    ring->sqes_bytes = params.sq_entries * sizeof(struct io_uring_sqe);
    ring->sqes = mmap(NULL, ring->sqes_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring->fd,
                      IORING_OFF_SQES);
    if (ring->rings == MAP_FAILED || ring->sqes == MAP_FAILED) {
        int error = -errno;
        curing_ring_destroy(ring);
        return error;
    }
    if (posix_memalign(&ring->bounce, CURING_BOUNCE_ALIGNMENT, CURING_BOUNCE_BYTES) != 0) {
        ring->bounce = NULL;
        curing_ring_destroy(ring);
        return -ENOMEM;
    }
    char *base = ring->rings;
    ring->sq_head = (unsigned *)(base + params.sq_off.head);
    ring->sq_tail = (unsigned *)(base + params.sq_off.tail);
    ring->sq_mask = *(unsigned *)(base + params.sq_off.ring_mask);
    ring->sq_array = (unsigned *)(base + params.sq_off.array);
    ring->sq_local_tail = *ring->sq_tail;
    ring->sq_published = ring->sq_local_tail;
    ring->cq_head = (unsigned *)(base + params.cq_off.head);
    ring->cq_tail = (unsigned *)(base + params.cq_off.tail);
    ring->cq_mask = *(unsigned *)(base + params.cq_off.ring_mask);
    ring->cqes = (struct io_uring_cqe *)(base + params.cq_off.cqes);
    *result = ring;
    return 0;
}

static pthread_key_t curing_key;
static pthread_once_t curing_key_once = PTHREAD_ONCE_INIT;
static int curing_key_error;

static void curing_thread_exit(void *ring) {
    curing_ring_destroy(ring);
}

static void curing_make_key(void) {
    curing_key_error = pthread_key_create(&curing_key, curing_thread_exit);
}

struct curing_ring *curing_thread_ring(int *error) {
    pthread_once(&curing_key_once, curing_make_key);
    if (curing_key_error != 0) {
        *error = -curing_key_error;
        return NULL;
    }
    struct curing_ring *ring = pthread_getspecific(curing_key);
    if (ring != NULL) {
        return ring;
    }
    int result = curing_ring_create(&ring);
    if (result < 0) {
        *error = result;
        return NULL;
    }
    result = pthread_setspecific(curing_key, ring);
    if (result != 0) {
        curing_ring_destroy(ring);
        *error = -result;
        return NULL;
    }
    return ring;
}

struct io_uring_sqe *curing_next_sqe(struct curing_ring *ring) {
    unsigned head = __atomic_load_n(ring->sq_head, __ATOMIC_ACQUIRE);
    if (ring->sq_local_tail - head > ring->sq_mask) {
        return NULL;
    }
    unsigned index = ring->sq_local_tail & ring->sq_mask;
    struct io_uring_sqe *sqe = &ring->sqes[index];
    memset(sqe, 0, sizeof(*sqe));
    ring->sq_array[index] = index;
    ring->sq_local_tail += 1;
    return sqe;
}

/// Completions queued and not yet taken.
static unsigned curing_ready(struct curing_ring *ring) {
    return __atomic_load_n(ring->cq_tail, __ATOMIC_ACQUIRE) - *ring->cq_head;
}

int curing_submit_and_wait(struct curing_ring *ring, unsigned wait) {
    unsigned to_submit = ring->sq_local_tail - ring->sq_published;
    // Publish the filled entries before the kernel reads the tail.
    __atomic_store_n(ring->sq_tail, ring->sq_local_tail, __ATOMIC_RELEASE);
    ring->sq_published = ring->sq_local_tail;
    // A signal may end the wait early (EINTR, or a return after the submission only): wait again.
    while (to_submit > 0 || curing_ready(ring) < wait) {
        // syscall() is variadic: every argument is passed as a full register (a plain 0 would leave the upper half
        // undefined).
        long result = syscall(__NR_io_uring_enter, (long)ring->fd, (long)to_submit, (long)wait,
                              (long)(wait > 0 ? IORING_ENTER_GETEVENTS : 0), (long)0, (long)0);
        if (result < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        to_submit -= (unsigned)result < to_submit ? (unsigned)result : to_submit;
    }
    return 0;
}

int curing_pop_completion(struct curing_ring *ring, uint64_t *user_data, int32_t *result) {
    unsigned head = *ring->cq_head;
    if (head == __atomic_load_n(ring->cq_tail, __ATOMIC_ACQUIRE)) {
        return 0;
    }
    struct io_uring_cqe *cqe = &ring->cqes[head & ring->cq_mask];
    *user_data = cqe->user_data;
    *result = cqe->res;
    __atomic_store_n(ring->cq_head, head + 1, __ATOMIC_RELEASE);
    return 1;
}

void *curing_bounce_buffer(struct curing_ring *ring) {
    return ring->bounce;
}
