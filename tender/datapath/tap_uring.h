/*
 * Batched packet-fd I/O with io_uring: the I/O thread queues a batch of
 * reads (or writes) for one NIC and moves it with one io_uring_enter. The
 * ring is created on the I/O thread before its seccomp filter, carries only
 * READV/WRITE on the NICs' packet fds (registered, IORING_REGISTER_
 * RESTRICTIONS), and is used synchronously: every batch is waited for in
 * full, so slots are committed or released only for finished operations.
 */
#ifndef SKIFF_TAP_URING_H
#define SKIFF_TAP_URING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <liburing.h>

struct skiff_uring {
    struct io_uring ring;
    bool broken; /* an io_uring_enter failed: use read/write from now on */
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

/*
 * One readv per iov pair (iov[2*i], iov[2*i+1]) on fixed file `idx`, in
 * order (hard-linked: a short or failed read does not stop the next), all
 * submitted and waited for with one io_uring_enter. res[i] gets each
 * read's result (bytes or -errno). Returns 0, or -errno if the ring failed
 * (then u->broken is set and nothing was read).
 */
int skiff_uring_readv(struct skiff_uring *u, unsigned idx, const struct iovec *iov, unsigned k,
                      int *res);

/*
 * One write per buffer on fixed file `idx`, in order and linked: a write
 * that fails or is short cancels the rest (-ECANCELED), so frames never
 * reach the fd out of order. Same results and return as skiff_uring_readv.
 */
int skiff_uring_write(struct skiff_uring *u, unsigned idx, const void *const *buf,
                      const uint32_t *len, unsigned k, int *res);

#endif /* SKIFF_TAP_URING_H */
