/*
 * I/O thread life cycle: set up the per-NIC datapath state and the chosen
 * mode, start the thread with every signal blocked (signals belong to main;
 * a write to a closed socket must give EPIPE, not kill the tender), let it
 * install its seccomp filter before touching guest memory, and stop/join it.
 */
#include "datapath/io_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "skiff/abi.h"

/* Default spin budget of --io=poll before it sleeps. */
#define SKIFF_IO_SPIN_NS_DEFAULT (50ull * 1000)

/*
 * On the way out, send what the guest published before it stopped: a guest
 * that queues its last replies and exits must not lose them just because the
 * I/O thread was asleep or busy elsewhere (skiff_dp_tx_final: bounded, never
 * blocks, and a frame the fd still refuses is counted, not forgotten).
 */
static void flush_tx(struct skiff_io *io)
{
    for (unsigned i = 0; i < io->cfg.nic_count; i++)
        skiff_dp_tx_final(&io->dps[i]);
}

/*
 * On the I/O thread, before its filter: create the io_uring for the packet
 * fds unless --io-uring=off; with auto, a kernel or sandbox that refuses
 * (ENOSYS, EPERM: io_uring_disabled, a container's seccomp) means one
 * read/write per frame, with the reason kept for --stats. 0, or -errno if
 * --io-uring=on cannot be honoured.
 */
static int uring_setup(struct skiff_io *io)
{
    int fds[SKIFF_MAX_NICS] = { 0 };
    unsigned n = io->cfg.nic_count;

    if (io->cfg.io_uring == SKIFF_IO_URING_OFF) {
        snprintf(io->uring_why, sizeof(io->uring_why), "--io-uring=off");
        return 0;
    }
    for (unsigned i = 0; i < n; i++)
        fds[i] = io->cfg.nics[i].fd;
    int rc = skiff_uring_init(&io->uring, fds, n, io->uring_why, sizeof(io->uring_why));
    if (rc < 0)
        return io->cfg.io_uring == SKIFF_IO_URING_ON ? rc : 0;
    io->uring_on = true;
    for (unsigned i = 0; i < n; i++)
        skiff_dp_use_uring(&io->dps[i], &io->uring, i);
    return 0;
}

static void *io_main(void *arg)
{
    struct skiff_io *io = arg;
    int rc = uring_setup(io);

    if (rc < 0) {
        io->start_rc = rc;
        sem_post(&io->started);
        return NULL;
    }
    if (!io->cfg.no_seccomp) {
        /* stderr for the rare warning line; the rest are the NICs' fds. */
        unsigned n = 0;
        int fds[2 + 3 * SKIFF_MAX_NICS];
        fds[n++] = STDERR_FILENO;
        fds[n++] = io->stop_fd;
        for (unsigned i = 0; i < io->cfg.nic_count; i++) {
            const struct skiff_nic *nic = &io->cfg.nics[i];
            fds[n++] = nic->fd;
            fds[n++] = nic->rx_wake_fd;
            fds[n++] = nic->tx_kick_fd;
        }
        rc = skiff_io_seccomp_install(fds, n, io->uring_on ? skiff_uring_fd(&io->uring) : -1);
    }
    io->start_rc = rc;
    sem_post(&io->started);
    if (rc != 0)
        return NULL;

    skiff_io_loop_run(io);
    flush_tx(io);
    if (io->uring_on)
        skiff_uring_release_files(&io->uring);
    return NULL;
}

static void io_free(struct skiff_io *io)
{
    if (io->mode != NULL)
        skiff_io_loop_teardown(io);
    if (io->dps != NULL) {
        for (unsigned i = 0; i < io->cfg.nic_count; i++)
            skiff_dp_fini(&io->dps[i]);
        free(io->dps);
    }
    if (io->stop_fd >= 0)
        close(io->stop_fd);
    if (io->uring_on)
        skiff_uring_fini(&io->uring);
    free(io);
}

struct skiff_io *skiff_io_start(const struct skiff_io_config *cfg)
{
    if (cfg->mode != SKIFF_IO_EVENT && cfg->mode != SKIFF_IO_POLL) {
        fprintf(stderr, "skiff: error: the I/O thread runs only --io=event or --io=poll\n");
        return NULL;
    }
    if (cfg->nic_count > SKIFF_MAX_NICS || (cfg->nic_count > 0 && cfg->nics == NULL)) {
        fprintf(stderr, "skiff: error: bad NIC list for the I/O thread\n");
        return NULL;
    }

    struct skiff_io *io = calloc(1, sizeof(*io));
    if (io == NULL) {
        fprintf(stderr, "skiff: error: out of memory\n");
        return NULL;
    }
    io->cfg = *cfg;
    /* Poll mode is the event loop with a spin before it sleeps. */
    if (io->cfg.mode != SKIFF_IO_POLL)
        io->cfg.spin_ns = 0;
    else if (io->cfg.spin_ns == 0)
        io->cfg.spin_ns = SKIFF_IO_SPIN_NS_DEFAULT;
    io->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (io->stop_fd < 0) {
        fprintf(stderr, "skiff: error: eventfd: %s\n", strerror(errno));
        io_free(io);
        return NULL;
    }
    io->dps = calloc(cfg->nic_count ? cfg->nic_count : 1, sizeof(*io->dps));
    if (io->dps == NULL) {
        fprintf(stderr, "skiff: error: out of memory\n");
        io_free(io);
        return NULL;
    }
    for (unsigned i = 0; i < cfg->nic_count; i++) {
        struct skiff_nic *nic = &cfg->nics[i];
        if (nic->fd < 0 || nic->rx_wake_fd < 0 || nic->tx_kick_fd < 0) {
            fprintf(stderr, "skiff: error: net %s: missing packet or notification fd\n", nic->name);
            io_free(io);
            return NULL;
        }
        if (skiff_dp_init(&io->dps[i], nic) < 0) {
            /* fini on a zeroed entry is harmless */
            io_free(io);
            return NULL;
        }
        /* The thread only ever reads the kick fd after readiness, but a
         * spurious wake-up must not block it. */
        int fl = fcntl(nic->tx_kick_fd, F_GETFL);
        if (fl < 0 || fcntl(nic->tx_kick_fd, F_SETFL, fl | O_NONBLOCK) < 0) {
            fprintf(stderr, "skiff: error: net %s: kick fd: %s\n", nic->name, strerror(errno));
            io_free(io);
            return NULL;
        }
    }
    int rc = skiff_io_loop_setup(io);
    if (rc < 0) {
        io_free(io);
        return NULL;
    }
    if (sem_init(&io->started, 0, 0) != 0) {
        fprintf(stderr, "skiff: error: sem_init: %s\n", strerror(errno));
        io_free(io);
        return NULL;
    }

    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&io->thread, NULL, io_main, io);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        fprintf(stderr, "skiff: error: cannot start the I/O thread: %s\n", strerror(rc));
        sem_destroy(&io->started);
        io_free(io);
        return NULL;
    }
    pthread_setname_np(io->thread, "skiff-io"); /* for top -H, ps -L, benchmarks */
    while (sem_wait(&io->started) != 0 && errno == EINTR)
        ;
    sem_destroy(&io->started);
    if (io->start_rc != 0) {
        pthread_join(io->thread, NULL);
        if (cfg->io_uring == SKIFF_IO_URING_ON && !io->uring_on)
            fprintf(stderr,
                    "skiff: error: --io-uring=on but io_uring is not available (%s); use "
                    "--io-uring=auto or --io-uring=off\n",
                    io->uring_why);
        else
            fprintf(stderr, "skiff: error: cannot install the I/O thread's seccomp filter: %s\n",
                    strerror(-io->start_rc));
        io_free(io);
        return NULL;
    }
    return io;
}

bool skiff_io_control(struct skiff_io *io)
{
    uint64_t v;

    while (read(io->stop_fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
        ;
    if (CMM_LOAD_SHARED(io->stopping))
        return true;
    if (CMM_LOAD_SHARED(io->closing) && !io->closed_all) {
        io->closed_all = true;
        for (unsigned i = 0; i < io->cfg.nic_count; i++)
            skiff_dp_close(&io->dps[i]);
    }
    return false;
}

static void poke(struct skiff_io *io)
{
    uint64_t one = 1;
    ssize_t n;
    do
        n = write(io->stop_fd, &one, sizeof(one));
    while (n < 0 && errno == EINTR);
}

void skiff_io_close_nics(struct skiff_io *io)
{
    if (io == NULL)
        return;
    CMM_STORE_SHARED(io->closing, true);
    poke(io);
}

const char *skiff_io_tap_io(const struct skiff_io *io, const char **why)
{
    if (io != NULL && io->uring_on && !io->uring.broken) {
        *why = NULL;
        return "io_uring";
    }
    if (io != NULL && io->uring_on)
        *why = "io_uring failed while running";
    else
        *why = io != NULL ? io->uring_why : "no I/O thread";
    return "readv";
}

int skiff_io_stop_fd(const struct skiff_io *io)
{
    return io ? io->stop_fd : -1;
}

void skiff_io_stop(struct skiff_io *io)
{
    if (io == NULL)
        return;
    CMM_STORE_SHARED(io->stopping, true);
    poke(io);
    pthread_join(io->thread, NULL);
    io_free(io);
}
