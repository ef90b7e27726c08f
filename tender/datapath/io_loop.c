/*
 * The I/O thread's loop, for both modes: a libev loop (epoll backend)
 * drives the datapath. --io=poll is the same loop with a spin before it
 * sleeps: while the datapath keeps finding work (or for spin_ns after it
 * last did) the thread calls it directly, without announcing anything, so
 * the guest does not kick; once the spin budget is spent it sleeps in the
 * loop exactly as event mode does, and spins again after the wake-up. An
 * idle tender costs 0% CPU in either mode.
 *
 * Per NIC: an ev_io on the packet fd (EV_READ unless the RX ring is full,
 * the fd is closed or left to the guest - the source hand-off, datapath.h -
 * EV_WRITE only while a TX frame waits for the fd) and an ev_io on the kick
 * eventfd; nic_watch() is the one place that maps the datapath's want_*
 * answers to watchers. Before every block an ev_prepare announces "asleep"
 * on each TX reader (double-check: the ring library re-checks after
 * announcing); if any reader has work an idle watcher keeps the loop from
 * blocking and drains TX. An ev_check withdraws the announcements after the
 * loop wakes.
 *
 * Priorities: the check watcher runs first after a wake-up, then the idle
 * (TX) watcher, then fd watchers; the idle watcher outranks fd events so a
 * busy packet fd cannot starve guest TX (libev queues idle watchers only
 * when nothing of the same or higher priority is pending).
 *
 * Fairness: one loop iteration (or one turn of the spin) is one pass; the
 * check watcher (the spin) starts it by refilling every NIC's budget
 * (skiff_dp_pass_begin). A NIC that spent its budget with work left keeps
 * the loop from blocking (its packet fd stays readable, or prepare finds TX
 * work and starts the idle watcher), so it continues in the next
 * iteration, after every other NIC had its turn.
 * --net-rate: a NIC held back by its limiter stops watching its packet fd
 * (RX) or its ring (TX); a per-NIC timer brings it back. The same timer ends
 * the other holds: a TX resync bound, and a kick fd muted after kicks that
 * moved nothing (datapath.h). The spin skips a held direction until then.
 */
#include "datapath/io_internal.h"

#include <ev.h>
#include <stdio.h>
#include <stdlib.h>

#include <urcu/arch.h>

struct ev_nic {
    ev_io pkt;
    ev_io kick;
    ev_timer limit;    /* --net-rate: fires when a held-back direction may move */
    int pkt_events;    /* events pkt is started with (0 = stopped) */
    uint64_t woke_gen; /* loop generation io_wakeups was counted for */
    struct skiff_dp *dp;
    struct ev_state *st;
};

struct ev_state {
    struct ev_loop *loop;
    struct skiff_io *io;
    ev_io stop;
    ev_prepare prepare;
    ev_check check;
    ev_idle idle;
    ev_timer drain;     /* polls closed NICs until the guest has read all */
    uint64_t gen;       /* bumped by every prepare */
    uint64_t slept_gen; /* generation in which the loop may block */
    unsigned n;
    struct ev_nic nics[];
};

/* Watch the packet fd, the kick fd and the holds' timer for what the
 * datapath needs now: the one place its want_* answers become watchers. */
static void nic_watch(struct ev_nic *en)
{
    struct ev_state *st = en->st;
    int want =
        (skiff_dp_want_read(en->dp) ? EV_READ : 0) | (skiff_dp_want_write(en->dp) ? EV_WRITE : 0);
    if (want != en->pkt_events) {
        ev_io_stop(st->loop, &en->pkt);
        ev_io_set(&en->pkt, en->dp->nic->fd, want);
        if (want != 0)
            ev_io_start(st->loop, &en->pkt);
        en->pkt_events = want;
    }
    if (skiff_dp_want_kick(en->dp) != (bool)ev_is_active(&en->kick)) {
        if (ev_is_active(&en->kick))
            ev_io_stop(st->loop, &en->kick);
        else
            ev_io_start(st->loop, &en->kick);
    }
    if (en->dp->rx_draining && !ev_is_active(&st->drain))
        ev_timer_again(st->loop, &st->drain);
    if ((en->dp->rx_resume_ns | en->dp->tx_resume_ns | en->dp->kick_resume_ns) != 0) {
        /* A hold is in force: the timer must fire at the earliest end. */
        uint64_t now = skiff_dp_now_ns();
        uint64_t resume = skiff_dp_limit_check(en->dp, now);
        if (resume == 0) {
            ev_feed_event(st->loop, &en->limit, EV_TIMER); /* a hold just ended */
        } else {
            double in = (double)(resume - now) / 1e9;
            if (!ev_is_active(&en->limit) || in < ev_timer_remaining(st->loop, &en->limit)) {
                ev_timer_stop(st->loop, &en->limit);
                ev_timer_set(&en->limit, in, 0.);
                ev_timer_start(st->loop, &en->limit);
            }
        }
    }
}

/* Count a wake-up once per NIC per blocking poll. */
static void ev_nic_woke(struct ev_nic *en)
{
    struct ev_state *st = en->st;
    if (st->slept_gen == st->gen && en->woke_gen != st->gen) {
        en->woke_gen = st->gen;
        SKIFF_STAT_ADD(en->dp->nic->stats.io_wakeups, 1);
    }
}

static void pkt_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct ev_nic *en = w->data;
    (void)loop;
    ev_nic_woke(en);
    if (revents & EV_WRITE)
        skiff_dp_tx_writable(en->dp);
    if ((revents & EV_READ) && !skiff_dp_rx_handoff(en->dp))
        skiff_dp_rx(en->dp, true);
    nic_watch(en);
}

static void kick_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct ev_nic *en = w->data;
    (void)loop;
    (void)revents;
    ev_nic_woke(en);
    bool kicked = skiff_dp_kick(en->dp);
    /* One eventfd serves TX data, RX space and the packet fd given back:
     * look at all three. */
    bool resumed = skiff_dp_rx_resume(en->dp);
    if (skiff_dp_rx_takeback(en->dp) || resumed) /* both checks, always */
        skiff_dp_rx(en->dp, false);
    skiff_dp_tx(en->dp);
    skiff_dp_rx_drain(en->dp);
    if (kicked)
        skiff_dp_kick_done(en->dp);
    nic_watch(en);
}

static void limit_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct ev_nic *en = w->data;
    (void)loop;
    (void)revents;
    skiff_dp_limit_check(en->dp, skiff_dp_now_ns());
    skiff_dp_rx(en->dp, false);
    skiff_dp_tx(en->dp);
    nic_watch(en);
}

static void stop_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct ev_state *st = w->data;
    (void)revents;
    if (skiff_io_control(st->io)) {
        ev_break(loop, EVBREAK_ALL);
        return;
    }
    for (unsigned i = 0; i < st->n; i++)
        nic_watch(&st->nics[i]);
}

static void prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
    struct ev_state *st = w->data;
    bool work = false;
    (void)revents;

    st->gen++;
    for (unsigned i = 0; i < st->n; i++) {
        struct ev_nic *en = &st->nics[i];
        /* Normally the guest's kick resumes RX; this catches a guest that
         * released slots without kicking (it costs one shared load). */
        bool resumed = skiff_dp_rx_resume(en->dp);
        if (skiff_dp_rx_takeback(en->dp) || resumed)
            nic_watch(en);
        if (!skiff_dp_tx_prepare_sleep(en->dp))
            work = true;
    }
    if (work)
        ev_idle_start(loop, &st->idle);
    else
        st->slept_gen = st->gen;
}

static void check_cb(struct ev_loop *loop, ev_check *w, int revents)
{
    struct ev_state *st = w->data;
    (void)loop;
    (void)revents;
    for (unsigned i = 0; i < st->n; i++) {
        skiff_dp_tx_finish_sleep(st->nics[i].dp);
        skiff_dp_pass_begin(st->nics[i].dp);
    }
}

static void idle_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
    struct ev_state *st = w->data;
    (void)revents;
    ev_idle_stop(loop, w);
    for (unsigned i = 0; i < st->n; i++) {
        skiff_dp_tx(st->nics[i].dp);
        nic_watch(&st->nics[i]);
    }
}

static void drain_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct ev_state *st = w->data;
    bool pending = false;
    (void)revents;
    for (unsigned i = 0; i < st->n; i++)
        pending |= skiff_dp_rx_drain(st->nics[i].dp);
    if (!pending)
        ev_timer_stop(loop, w);
}

int skiff_io_loop_setup(struct skiff_io *io)
{
    unsigned n = io->cfg.nic_count;
    struct ev_state *st = calloc(1, sizeof(*st) + n * sizeof(st->nics[0]));
    if (st == NULL) {
        fprintf(stderr, "skiff: error: out of memory\n");
        return -1;
    }
    st->loop = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV);
    if (st->loop == NULL) {
        fprintf(stderr, "skiff: error: cannot create the event loop (epoll)\n");
        free(st);
        return -1;
    }
    st->io = io;
    st->n = n;

    ev_io_init(&st->stop, stop_cb, io->stop_fd, EV_READ);
    st->stop.data = st;
    ev_io_start(st->loop, &st->stop);

    ev_prepare_init(&st->prepare, prepare_cb);
    st->prepare.data = st;
    ev_prepare_start(st->loop, &st->prepare);

    ev_check_init(&st->check, check_cb);
    st->check.data = st;
    ev_set_priority(&st->check, EV_MAXPRI);
    ev_check_start(st->loop, &st->check);

    ev_idle_init(&st->idle, idle_cb);
    st->idle.data = st;
    ev_set_priority(&st->idle, EV_MAXPRI - 1);

    double every = SKIFF_IO_DRAIN_CHECK_MS / 1000.0;
    ev_timer_init(&st->drain, drain_cb, every, every);
    st->drain.data = st;

    for (unsigned i = 0; i < n; i++) {
        struct ev_nic *en = &st->nics[i];
        en->dp = &io->dps[i];
        en->st = st;
        ev_io_init(&en->pkt, pkt_cb, en->dp->nic->fd, 0);
        en->pkt.data = en;
        ev_io_init(&en->kick, kick_cb, en->dp->nic->tx_kick_fd, EV_READ);
        en->kick.data = en;
        ev_timer_init(&en->limit, limit_cb, 0., 0.);
        en->limit.data = en;
        ev_io_start(st->loop, &en->kick);
        nic_watch(en);
    }
    io->mode = st;
    return 0;
}

/*
 * --io=poll: one turn of the spin, a pass over every NIC with nothing
 * announced. Returns the frames it moved.
 */
static unsigned spin_pass(struct ev_state *st)
{
    unsigned work = 0;
    for (unsigned i = 0; i < st->n; i++) {
        struct skiff_dp *dp = st->nics[i].dp;
        skiff_dp_pass_begin(dp);
        skiff_dp_rx_resume(dp);
        unsigned rx = skiff_dp_rx(dp, false);
        unsigned tx = dp->tx_blocked ? skiff_dp_tx_writable(dp) : skiff_dp_tx(dp);
        if (dp->rx_draining)
            skiff_dp_rx_drain(dp);
        work += rx + tx;
    }
    return work;
}

/* Spin while there is work, and spin_ns after; then sleep in the loop
 * until something happens, and spin again. */
static void spin_run(struct skiff_io *io, struct ev_state *st)
{
    uint64_t last_work = skiff_dp_now_ns();

    while (!CMM_LOAD_SHARED(io->stopping)) {
        unsigned work = spin_pass(st);
        uint64_t t = skiff_dp_now_ns();
        if (work != 0) {
            last_work = t;
            continue;
        }
        if (t - last_work < io->cfg.spin_ns) {
            caa_cpu_relax();
            continue;
        }
        /* The spin changed what the NICs need: watch that, then sleep. */
        for (unsigned i = 0; i < st->n; i++)
            nic_watch(&st->nics[i]);
        ev_run(st->loop, EVRUN_ONCE);
        last_work = skiff_dp_now_ns();
    }
}

void skiff_io_loop_run(struct skiff_io *io)
{
    struct ev_state *st = io->mode;
    if (io->cfg.spin_ns != 0)
        spin_run(io, st);
    else
        ev_run(st->loop, 0);
    for (unsigned i = 0; i < st->n; i++)
        skiff_dp_tx_finish_sleep(st->nics[i].dp);
}

void skiff_io_loop_teardown(struct skiff_io *io)
{
    struct ev_state *st = io->mode;
    ev_loop_destroy(st->loop);
    free(st);
    io->mode = NULL;
}
