/*
 * The I/O thread: bridges every NIC's SHMStream channels to its packet fd,
 * event-driven (libev/epoll) or busy-polling with adaptive backoff.
 */
#ifndef SKIFF_IO_H
#define SKIFF_IO_H

#include <stdbool.h>
#include <stdint.h>

#include "net/nic.h"

struct skiff_io;

struct skiff_io_config {
    unsigned mode;          /* SKIFF_IO_EVENT or SKIFF_IO_POLL */
    uint64_t spin_ns;       /* poll mode: spin this long idle before sleeping */
    struct skiff_nic *nics; /* array shared with main; rings already set up */
    unsigned nic_count;
    bool no_seccomp;   /* debugging only: run the thread unconfined */
    unsigned io_uring; /* SKIFF_IO_URING_AUTO/OFF/ON (pktio_uring.h) */
};

/*
 * Start the I/O thread. Every NIC needs its packet fd (skiff_tap_attach), the
 * RX writer initialised and activated, the TX reader bound with
 * shms_reader_init (it syncs once the guest activates TX), and its eventfds;
 * the kick fd is made non-blocking. spin_ns 0 means the default (50 us).
 * Returns NULL and prints a one-line error on failure.
 */
struct skiff_io *skiff_io_start(const struct skiff_io_config *cfg);

/*
 * Graceful shutdown: treat every NIC as if its packet fd had reached end of
 * file. The guest reads what is already in its rings, then sees its devices
 * closed and can exit on its own. Returns at once.
 */
void skiff_io_close_nics(struct skiff_io *io);

/* The eventfd main writes to close NICs or stop the thread (main's seccomp
 * allowlist names it). */
int skiff_io_stop_fd(const struct skiff_io *io);

/*
 * How the I/O thread moves frames on the packet fds: "io_uring" (batched)
 * or "readv" (one read/write per frame); *why says why not io_uring (NULL
 * when it is used).
 */
const char *skiff_io_tap_io(const struct skiff_io *io, const char **why);

/* Stop and join the I/O thread, releasing everything it owns. */
void skiff_io_stop(struct skiff_io *io);

#endif /* SKIFF_IO_H */
