/*
 * --io=poll: call the datapath in a busy loop (non-blocking reads on the
 * packet fds, ring checks) for the lowest latency, and after spin_ns without
 * work fall back to sleeping in epoll exactly like event mode: announce
 * "asleep" on every TX reader, re-check, block on the packet fds and kick
 * eventfds. So an idle tender costs 0% CPU once the spin budget is spent,
 * and a 2-core machine is not starved by an idle guest.
 */
#include "io_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <urcu/arch.h>

/* epoll tags: the stop fd, then two per NIC (kick, packet fd). */
#define TAG_STOP    UINT64_MAX
#define TAG_KICK(i) ((uint64_t)(i)*2)
#define TAG_PKT(i)  ((uint64_t)(i)*2 + 1)

struct poll_state {
    int epfd;
    unsigned n;
    uint32_t pkt_events[]; /* events the packet fd is registered with, 0 = not */
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int ep_ctl(int epfd, int op, int fd, uint32_t events, uint64_t tag)
{
    struct epoll_event ev = { .events = events, .data.u64 = tag };
    return epoll_ctl(epfd, op, fd, &ev);
}

int skiff_io_poll_setup(struct skiff_io *io)
{
    unsigned n = io->cfg.nic_count;
    struct poll_state *st = calloc(1, sizeof(*st) + n * sizeof(st->pkt_events[0]));
    if (st == NULL) {
        fprintf(stderr, "skiff: error: out of memory\n");
        return -1;
    }
    st->n = n;
    st->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (st->epfd < 0)
        goto fail;
    if (ep_ctl(st->epfd, EPOLL_CTL_ADD, io->stop_fd, EPOLLIN, TAG_STOP) < 0)
        goto fail;
    for (unsigned i = 0; i < n; i++)
        if (ep_ctl(st->epfd, EPOLL_CTL_ADD, io->cfg.nics[i].tx_kick_fd, EPOLLIN, TAG_KICK(i)) < 0)
            goto fail;
    io->mode = st;
    return 0;
fail:
    fprintf(stderr, "skiff: error: cannot set up epoll for --io=poll: %s\n", strerror(errno));
    if (st->epfd >= 0)
        close(st->epfd);
    free(st);
    return -1;
}

void skiff_io_poll_teardown(struct skiff_io *io)
{
    struct poll_state *st = io->mode;
    close(st->epfd);
    free(st);
    io->mode = NULL;
}

/* Register the packet fd for exactly what the datapath needs. A closed or
 * full NIC is removed: epoll reports EPOLLHUP even with no events asked. */
static void poll_update(struct skiff_io *io, struct poll_state *st, unsigned i)
{
    const struct skiff_dp *dp = &io->dps[i];
    uint32_t want =
        (skiff_dp_want_read(dp) ? EPOLLIN : 0) | (skiff_dp_want_write(dp) ? EPOLLOUT : 0);
    uint32_t have = st->pkt_events[i];
    int op;

    if (want == have)
        return;
    if (want == 0)
        op = EPOLL_CTL_DEL;
    else
        op = have == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    if (ep_ctl(st->epfd, op, dp->nic->fd, want, TAG_PKT(i)) == 0 || op == EPOLL_CTL_DEL)
        st->pkt_events[i] = want;
}

/* Nothing to do for spin_ns: announce, re-check, block. */
static void poll_sleep(struct skiff_io *io, struct poll_state *st)
{
    struct epoll_event evs[1 + 2 * SKIFF_MAX_NICS];
    bool work = false, draining = false;
    bool woke[SKIFF_MAX_NICS] = { false };

    for (unsigned i = 0; i < st->n; i++) {
        if (!skiff_dp_tx_prepare_sleep(&io->dps[i]))
            work = true;
        draining |= io->dps[i].rx_draining;
    }
    if (!work) {
        for (unsigned i = 0; i < st->n; i++)
            poll_update(io, st, i);
        int timeout = draining ? SKIFF_IO_DRAIN_CHECK_MS : -1;
        int got = epoll_wait(st->epfd, evs, (int)(sizeof(evs) / sizeof(evs[0])), timeout);
        for (int k = 0; k < got; k++) {
            uint64_t tag = evs[k].data.u64;
            if (tag == TAG_STOP) {
                skiff_io_control(io); /* the loop checks io->stopping */
                continue;
            }
            unsigned i = (unsigned)(tag / 2);
            if (i >= st->n)
                continue;
            struct skiff_dp *dp = &io->dps[i];
            woke[i] = true;
            if (tag == TAG_KICK(i)) {
                skiff_dp_kick(dp);
                continue;
            }
            if (evs[k].events & EPOLLOUT)
                skiff_dp_tx_writable(dp);
            if (evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                skiff_dp_rx(dp, true);
        }
    }
    for (unsigned i = 0; i < st->n; i++) {
        skiff_dp_tx_finish_sleep(&io->dps[i]);
        if (woke[i])
            SKIFF_STAT_ADD(io->dps[i].nic->stats.io_wakeups, 1);
    }
}

void skiff_io_poll_run(struct skiff_io *io)
{
    struct poll_state *st = io->mode;
    uint64_t last_work = now_ns();

    while (!CMM_LOAD_SHARED(io->stopping)) {
        unsigned work = 0;
        for (unsigned i = 0; i < st->n; i++) {
            struct skiff_dp *dp = &io->dps[i];
            skiff_dp_rx_resume(dp);
            work += skiff_dp_rx(dp, false);
            work += dp->tx_blocked ? skiff_dp_tx_writable(dp) : skiff_dp_tx(dp);
            if (dp->rx_draining)
                skiff_dp_rx_drain(dp);
        }
        uint64_t t = now_ns();
        if (work != 0) {
            last_work = t;
            continue;
        }
        if (t - last_work < io->cfg.spin_ns) {
            caa_cpu_relax();
            continue;
        }
        poll_sleep(io, st);
        last_work = now_ns();
    }
}
