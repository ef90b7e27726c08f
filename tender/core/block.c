/*
 * Backing files of block devices. Opened read-write where the file allows
 * it and read-only otherwise (writes then fail in the guest); the size must
 * be whole blocks, and at least one, as Solo5 requires (with its words, which
 * scripts around Solo5 look for). Regular files and block devices.
 */
#include "core/block.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

int skiff_block_open(struct skiff_block *b, const char *path)
{
    int fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
    bool ro = false;
    if (fd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM)) {
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        ro = true;
    }
    if (fd < 0) {
        fprintf(stderr, "skiff: error: --block:%s=%s: Could not open block device: %s: %s\n",
                b->name, path, path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
        fprintf(stderr, "skiff: error: --block:%s=%s: not a regular file or block device\n",
                b->name, path);
        close(fd);
        return -1;
    }
    off_t end = lseek(fd, 0, SEEK_END);
    if (end < 0) {
        fprintf(stderr, "skiff: error: --block:%s=%s: Could not determine capacity: %s\n", b->name,
                path, strerror(errno));
        close(fd);
        return -1;
    }
    if ((uint64_t)end % b->block_size != 0) {
        fprintf(stderr,
                "skiff: error: %s: Backing storage size must be block aligned (%u bytes): "
                "--block:%s=%s is %lld bytes, not a whole number of %u-byte blocks\n",
                b->name, b->block_size, b->name, path, (long long)end, b->block_size);
        close(fd);
        return -1;
    }
    if ((uint64_t)end < b->block_size) {
        fprintf(stderr,
                "skiff: error: %s: Backing storage must be at least 1 block (%u bytes) in size: "
                "--block:%s=%s is empty\n",
                b->name, b->block_size, b->name, path);
        close(fd);
        return -1;
    }
    b->fd = fd;
    b->capacity = (uint64_t)end;
    b->read_only = ro;
    if (ro)
        fprintf(stderr, "skiff: block %s: %s is read-only: the guest's writes will fail\n", b->name,
                path);
    return 0;
}

void skiff_block_close(struct skiff_block *b)
{
    if (b->fd >= 0)
        close(b->fd);
    b->fd = -1;
}
