/*
 * Everything main sets up for one guest run, shared by guest memory setup,
 * the backend and teardown. One instance per process.
 */
#ifndef SKIFF_VM_H
#define SKIFF_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/block.h"
#include "core/elf_load.h"
#include "net/nic.h"
#include "report/stats.h"
#include "skiff/abi.h"

struct skiff_backend;

struct skiff_vm {
    const struct skiff_backend *backend;
    void *backend_priv;

    const struct skiff_image *img;
    const uint8_t *image_buf; /* the file, for copying segments */
    size_t image_len;

    uint64_t mem_size; /* guest memory is [0, mem_size) */
    void *mem;         /* host mapping of [mem_lo, mem_size) */
    uint64_t mem_lo;   /* lowest mapped gpa: spt 1 MiB (null pointers
                        * fault), hvt 0 (page tables live below 1 MiB) */
    bool mem_at_gpa;   /* spt: host address == gpa; hvt: anywhere */
    int mem_fd;        /* spt: the memfd behind `mem`, shared with the
                        * guest process; hvt: -1 (private memory) */

    uint64_t boot_gpa;
    struct skiff_boot_info *boot;

    unsigned io_mode; /* SKIFF_IO_* */
    bool single;      /* one thread: the guest runs on main (backend.h) */
    struct skiff_nic nics[SKIFF_MAX_NICS];
    unsigned nic_count;
    struct skiff_block blocks[SKIFF_MAX_BLOCKS]; /* in manifest order */
    unsigned block_count;

    /* fds handed to the guest (see struct skiff_boot_info); -1 if unused */
    int epoll_fd, timer_fd, console_fd, exit_fd;

    /* Direct mode: a pipe whose read end sits in epoll_fd with tag
     * SKIFF_SPT_TAG_CLOSED; closing the write end closes every NIC for the
     * guest (graceful stop). -1 in ring modes. */
    int closed_rd, closed_wr;

    /* Readable when the guest has ended (spt: its process's pidfd); -1 if
     * the backend has none. */
    int end_fd;

    /* VM exits to user space (hvt only; has_exits false on spt). */
    bool has_exits;
    struct skiff_exit_stats exits;
};

/* Put every fd to -1 and every pointer to NULL. */
void skiff_vm_init(struct skiff_vm *vm);

#endif /* SKIFF_VM_H */
