/*
 * --io=poll: call the datapath in a busy loop (non-blocking reads on the
 * packet fds, ring checks) for the lowest latency, and after spin_ns without
 * work fall back to sleeping in epoll exactly like event mode: announce
 * "asleep" on every TX reader, re-check, block on the packet fds and kick
 * eventfds. So an idle tender costs 0% CPU once the spin budget is spent,
 * and a 2-core machine is not starved by an idle guest.
 *
 * Fairness: each turn of the busy loop is one pass and refills every NIC's
 * budget (skiff_dp_pass_begin), so the NICs take turns in bounded slices.
 * --net-rate: a held-back direction is skipped until its time comes; when
 * the loop sleeps, epoll's timeout is the earliest such time.
 */
#include "datapath/io_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <urcu/arch.h>

/* epoll tags: the stop fd, then two per NIC (kick, packet fd). A muted kick
 * fd (datapath.h) is taken out of the set until its time is up. */
#define TAG_STOP    UINT64_MAX
#define TAG_KICK(i) ((uint64_t)(i)*2)
#define TAG_PKT(i)  ((uint64_t)(i)*2 + 1)

struct poll_nic {
    uint32_t pkt_events; /* events the packet fd is registered with, 0 = not */
    bool kick_on;        /* kick fd in the set */
    bool kicked;         /* a kick was read: judge it by the next pass */
};

struct poll_state {
    int epfd;
    unsigned n;
    struct poll_nic nics[];
};

static uint64_t now_ns(void)
{
    return skiff_dp_now_ns();
}

static int ep_ctl(int epfd, int op, int fd, uint32_t events, uint64_t tag)
{
    struct epoll_event ev = { .events = events, .data.u64 = tag };
    return epoll_ctl(epfd, op, fd, &ev);
}

int skiff_io_poll_setup(struct skiff_io *io)
{
    unsigned n = io->cfg.nic_count;
    struct poll_state *st = calloc(1, sizeof(*st) + n * sizeof(st->nics[0]));
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
    for (unsigned i = 0; i < n; i++) {
        if (ep_ctl(st->epfd, EPOLL_CTL_ADD, io->cfg.nics[i].tx_kick_fd, EPOLLIN, TAG_KICK(i)) < 0)
            goto fail;
        st->nics[i].kick_on = true;
    }
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
    uint32_t have = st->nics[i].pkt_events;
    int op;

    if (want == have)
        return;
    if (want == 0)
        op = EPOLL_CTL_DEL;
    else
        op = have == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    if (ep_ctl(st->epfd, op, dp->nic->fd, want, TAG_PKT(i)) == 0 || op == EPOLL_CTL_DEL)
        st->nics[i].pkt_events = want;
}

/* The kick fd in or out of the set, as the datapath wants it. */
static void kick_update(struct skiff_io *io, struct poll_state *st, unsigned i)
{
    bool want = skiff_dp_want_kick(&io->dps[i]);
    if (want == st->nics[i].kick_on)
        return;
    int op = want ? EPOLL_CTL_ADD : EPOLL_CTL_DEL;
    if (ep_ctl(st->epfd, op, io->dps[i].nic->tx_kick_fd, EPOLLIN, TAG_KICK(i)) == 0 || !want)
        st->nics[i].kick_on = want;
}

/* Nothing to do for spin_ns: announce, re-check, block. */
static void poll_sleep(struct skiff_io *io, struct poll_state *st)
{
    struct epoll_event evs[1 + 2 * SKIFF_MAX_NICS];
    bool work = false, draining = false;
    bool woke[SKIFF_MAX_NICS] = { false };

    uint64_t now = now_ns(), resume = 0;
    for (unsigned i = 0; i < st->n; i++) {
        /* Holds first: one that just ended must not leave TX unannounced
         * (prepare_sleep announces nothing for a held NIC) while we block
         * with no timeout. */
        uint64_t r = skiff_dp_limit_check(&io->dps[i], now);
        if (r != 0 && (resume == 0 || r < resume))
            resume = r;
        if (!skiff_dp_tx_prepare_sleep(&io->dps[i]))
            work = true;
        draining |= io->dps[i].rx_draining;
    }
    if (!work) {
        for (unsigned i = 0; i < st->n; i++) {
            poll_update(io, st, i);
            kick_update(io, st, i);
        }
        int timeout = draining ? SKIFF_IO_DRAIN_CHECK_MS : -1;
        if (resume != 0) {
            /* Round up: waking a little late beats spinning to the time. */
            uint64_t ms = (resume - now + 999999) / 1000000;
            if (timeout < 0 || ms < (uint64_t)timeout)
                timeout = ms > 1000 ? 1000 : (int)ms;
        }
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
                st->nics[i].kicked |= skiff_dp_kick(dp);
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
            skiff_dp_pass_begin(dp);
            skiff_dp_rx_resume(dp);
            unsigned rx = skiff_dp_rx(dp, false);
            unsigned tx = dp->tx_blocked ? skiff_dp_tx_writable(dp) : skiff_dp_tx(dp);
            if (dp->rx_draining)
                skiff_dp_rx_drain(dp);
            if (st->nics[i].kicked) {
                /* A kick read while asleep: did this pass find its work? */
                st->nics[i].kicked = false;
                skiff_dp_kick_done(dp);
            }
            work += rx + tx;
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
