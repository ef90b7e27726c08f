/*
 * Shared state of the I/O thread and its loop. Private to tender/datapath/io_*.c.
 */
#ifndef SKIFF_IO_INTERNAL_H
#define SKIFF_IO_INTERNAL_H

#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>

#include "datapath/datapath.h"
#include "datapath/io.h"

struct skiff_io {
    struct skiff_io_config cfg;
    struct skiff_dp *dps; /* one per NIC */
    int stop_fd;          /* eventfd main writes to stop the thread */
    bool stopping;        /* set by main before stop_fd (CMM_STORE_SHARED) */
    bool closing;         /* main asked to close every NIC (graceful stop) */
    bool closed_all;      /* I/O thread has acted on `closing` */
    void *mode;           /* the mode's private state */
    pthread_t thread;
    sem_t started; /* thread -> main: seccomp installed (or not) */
    int start_rc;
    struct skiff_uring uring; /* batched packet-fd I/O (see pktio_uring.h) */
    bool uring_on;            /* set up and used by the datapath */
    char uring_why[160];      /* why not (for --stats) */
};

/*
 * The loop (io_loop.c), both modes: setup runs on the caller's thread (so
 * failures are reported by skiff_io_start), run on the I/O thread until
 * stopped (spinning first if cfg.spin_ns is not 0: --io=poll), teardown
 * after join.
 */
int skiff_io_loop_setup(struct skiff_io *io);
void skiff_io_loop_run(struct skiff_io *io);
void skiff_io_loop_teardown(struct skiff_io *io);

/*
 * I/O thread: stop_fd fired. Drains it, acts on a close request, and returns
 * true if the thread must leave its loop.
 */
bool skiff_io_control(struct skiff_io *io);

/* Milliseconds between drain checks for a closed NIC. */
#define SKIFF_IO_DRAIN_CHECK_MS 5

/*
 * Install the I/O thread's seccomp allowlist on the calling thread. read,
 * write and their vector forms are allowed on `fds` only; io_uring_enter
 * on `ring_fd` only (none if negative). 0 or -errno.
 */
int skiff_io_seccomp_install(const int *fds, unsigned nfds, int ring_fd);

#endif /* SKIFF_IO_INTERNAL_H */
