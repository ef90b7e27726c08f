/*
 * The io_uring behind the packet-I/O seam (pktio.h): the I/O thread queues a
 * batch of reads (or writes) for one NIC and moves it with one
 * io_uring_enter. The
 * ring is created on the I/O thread before its seccomp filter, carries only
 * READV/WRITE on the NICs' packet fds (registered, IORING_REGISTER_
 * RESTRICTIONS), and is used synchronously: every batch is waited for in
 * full, so slots are committed or released only for finished operations.
 */
#ifndef SKIFF_PKTIO_URING_H
#define SKIFF_PKTIO_URING_H

#include <stdbool.h>
#include <stddef.h>

#include <liburing.h>

struct skiff_uring {
    struct io_uring ring;
    bool broken; /* an io_uring_enter failed: use read/write from now on */
    int err;     /* -errno: why it broke */
};

/*
 * Create the ring for `n` packet fds (fixed-file index = position in fds;
 * negative entries are left empty), restricted and enabled. 0, or -errno
 * with `why` (size why_len) saying what failed.
 */
int skiff_uring_init(struct skiff_uring *u, const int *fds, unsigned n, char *why, size_t why_len);
void skiff_uring_fini(struct skiff_uring *u);

/*
 * Drop the ring's references to the packet fds now (the I/O thread, on its
 * way out): a ring is torn down asynchronously, and until then a TAP it
 * still holds would stay busy for the next attach.
 */
void skiff_uring_release_files(struct skiff_uring *u);

/* The ring's own fd (for the seccomp rule on io_uring_enter). */
int skiff_uring_fd(const struct skiff_uring *u);

#endif /* SKIFF_PKTIO_URING_H */
