#define _GNU_SOURCE
#include "CFileIO.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

ssize_t cfileio_pwritev(int fd, const struct iovec *iov, int count, off_t offset, int dsync) {
    ssize_t written;
    do {
        written = pwritev2(fd, iov, count, offset, dsync ? RWF_DSYNC : 0);
    } while (written < 0 && errno == EINTR);
    return written < 0 ? -errno : written;
}

ssize_t cfileio_preadv(int fd, const struct iovec *iov, int count, off_t offset) {
    ssize_t read;
    do {
        read = preadv(fd, iov, count, offset);
    } while (read < 0 && errno == EINTR);
    return read < 0 ? -errno : read;
}

static int cfileio_fallocate(int fd, int mode, off_t offset, off_t length) {
    int result;
    do {
        result = fallocate(fd, mode, offset, length);
    } while (result < 0 && errno == EINTR);
    return result < 0 ? -errno : 0;
}

int cfileio_punch_hole(int fd, off_t offset, off_t length) {
    return cfileio_fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
}

int cfileio_zero_range(int fd, off_t offset, off_t length) {
    return cfileio_fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, offset, length);
}

int cfileio_fdatasync(int fd) {
    int result;
    do {
        result = fdatasync(fd);
    } while (result < 0 && errno == EINTR);
    return result < 0 ? -errno : 0;
}

int cfileio_block_device_size(int fd, uint64_t *bytes) {
    return ioctl(fd, BLKGETSIZE64, bytes) < 0 ? -errno : 0;
}

int cfileio_block_device_logical_block_size(int fd, uint32_t *bytes) {
    int size = 0;
    if (ioctl(fd, BLKSSZGET, &size) < 0) {
        return -errno;
    }
    *bytes = (uint32_t)size;
    return 0;
}
