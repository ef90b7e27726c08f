/*
 * Block devices of a run: backing files opened and checked before the guest
 * starts (Solo5's --block:NAME=PATH and --block-sector-size:NAME=N).
 */
#ifndef SKIFF_BLOCK_H
#define SKIFF_BLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "skiff/abi.h"

struct skiff_block {
    char name[SKIFF_BLOCK_NAME_SIZE];
    int fd;              /* -1 until opened */
    uint64_t capacity;   /* bytes */
    uint32_t block_size; /* bytes, a power of 2 >= 512 */
    bool read_only;      /* the file could only be opened for reading */
};

/* Open PATH for block device b (name and block_size already set): read and
 * write if the file allows it, else read-only. One error line and -1 if it
 * cannot be used (missing, not a file or disk, size not whole blocks). */
int skiff_block_open(struct skiff_block *b, const char *path);

void skiff_block_close(struct skiff_block *b);

#endif /* SKIFF_BLOCK_H */
