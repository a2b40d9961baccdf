#define _GNU_SOURCE
#include "CUring.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/stat.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int curing_open_direct(const char *path) {
    int fd;
    do {
        fd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : fd;
}

int curing_direct_io_alignment(int fd, uint32_t *offset_alignment) {
    struct statx status;
    memset(&status, 0, sizeof(status));
    if (syscall(__NR_statx, (long)fd, "", (long)AT_EMPTY_PATH, (long)STATX_DIOALIGN, &status) < 0) {
        return -errno;
    }
    if (!(status.stx_mask & STATX_DIOALIGN)) {
        return -EOPNOTSUPP;
    }
    *offset_alignment = status.stx_dio_offset_align;
    return 0;
}
