/*
 * The I/O thread and datapath against a SOCK_SEQPACKET socketpair, in event
 * and poll mode: full-duplex integrity and ordering, RX back-pressure without
 * loss or spinning, a forwarder that lends RX frames in place, EOF, a full
 * packet fd when the guest exits (the stashed TX frame is retried, then
 * counted), oversized frames, a hostile guest TX ring, and idle CPU use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <urcu/system.h>

#include "datapath/datapath.h"
#include "io_harness.h"

#define DUPLEX_FRAMES 20000u
#define WAIT_MS       5000

/* The guest side of a full-duplex run: send `n` frames on TX while reading
 * `n` frames from RX, sleeping on the wake fd whenever neither can move. */
static void guest_duplex(struct io_h *h, uint32_t n)
{
    uint8_t buf[H_FRAME_MAX + 64];
    uint32_t got = 0, sent = 0;
    uint64_t deadline = h_now_ms() + 60000;

    while (got < n || sent < n) {
        bool progress = false, tx_full = false;
        uint32_t len;
        while (got < n) {
            int rv = h_guest_read(h, buf, sizeof(buf), &len);
            if (rv == SHMS_NO_DATA)
                break;
            assert_int_equal(rv, SHMS_OK);
            if (!h_frame_check(buf, len, got))
                fail_msg("RX frame %u corrupt or out of order (len %u)", got, len);
            got++;
            progress = true;
            if (got % 16 == 0)
                h_guest_rx_release(h);
        }
        h_guest_rx_release(h);
        while (sent < n) {
            h_frame_fill(buf, sent);
            int rv = h_guest_send(h, buf, h_frame_len(sent));
            if (rv == SHMS_FULL) {
                tx_full = true;
                break;
            }
            assert_int_equal(rv, SHMS_OK);
            sent++;
            progress = true;
            if (sent % 8 == 0)
                h_guest_tx_publish(h);
        }
        h_guest_tx_publish(h);
        if (!progress) {
            h_guest_wait(h, got < n, tx_full && sent < n, 100);
            if (h_now_ms() > deadline)
                fail_msg("stuck: rx %u/%u tx %u/%u", got, n, sent, n);
        }
    }
}

static void duplex(unsigned mode)
{
    static struct io_h h;
    h_init(&h, 256);
    h_attach_socketpair(&h);
    h_start(&h, mode);
    /* The guest activates TX after the I/O thread runs, as a real one does. */
    h_guest_tx_init(&h);

    struct h_peer wr = { .h = &h, .count = DUPLEX_FRAMES };
    struct h_peer rd = { .h = &h, .count = DUPLEX_FRAMES };
    h_peer_writer_start(&wr);
    h_peer_reader_start(&rd);
    guest_duplex(&h, DUPLEX_FRAMES);
    h_peer_join(&wr);
    h_peer_join(&rd);
    bool uring = h_uring(&h);
    h_stop(&h);

    assert_int_equal(wr.bad, 0);
    assert_int_equal(rd.bad, 0);
    assert_int_equal(rd.done, DUPLEX_FRAMES);
    /* The path the harness chose really moved the frames. */
    if (uring)
        assert_int_not_equal(h.nic.stats.tap_batches, 0);
    else
        assert_int_equal(h.nic.stats.tap_batches, 0);
    const struct skiff_nic_stats *s = &h.nic.stats;
    print_message("kicks %llu io_wakeups %llu guest_wakeups %llu tx_waiter_wakeups %llu "
                  "rx_ring_full %llu\n",
                  (unsigned long long)s->guest_kicks, (unsigned long long)s->io_wakeups,
                  (unsigned long long)s->guest_wakeups, (unsigned long long)s->tx_waiter_wakeups,
                  (unsigned long long)s->rx_ring_full);
    assert_int_equal(s->rx_frames, DUPLEX_FRAMES);
    assert_int_equal(s->tx_frames, DUPLEX_FRAMES);
    assert_int_equal(h_drops(s->rx_drops), 0);
    assert_int_equal(h_drops(s->tx_drops), 0);
    assert_false(h.nic.closed);
    h_fini(&h);
}

static void test_duplex_event(void **state)
{
    (void)state;
    duplex(SKIFF_IO_EVENT);
}

static void test_duplex_poll(void **state)
{
    (void)state;
    duplex(SKIFF_IO_POLL);
}

/*
 * A guest that lends: it peeks a batch of RX frames in place and releases
 * them only after using them. With a 4-slot ring the tender finds the ring
 * full, and waits for room, on almost every batch, so every release must
 * reach it: the kick after a release that finds it waiting, or its own
 * check before it sleeps. `forward`: as the bridge image does on both
 * targets, each lent frame is queued on TX (waiting for room while the
 * batch is still lent), then the batch released and TX published; the
 * frames go out of the same NIC and the peer checks every one, in order.
 * Otherwise the guest checks each frame where it lies and sends nothing, so
 * the release's kick is the only thing that can wake the tender for RX.
 */
static void lend(unsigned mode, bool forward)
{
    const uint32_t frames = 5000, batch = 32;
    static struct io_h h;
    h_init(&h, 4);
    h_attach_socketpair(&h);
    h_start(&h, mode);
    h_guest_tx_init(&h);

    struct h_peer wr = { .h = &h, .count = frames };
    struct h_peer rd = { .h = &h, .count = frames };
    if (forward)
        h_peer_reader_start(&rd);
    h_peer_writer_start(&wr);
    uint32_t moved = 0, idle_ms = 0;
    while (moved < frames) {
        struct shms_rslot rs[32];
        uint32_t n = 0;
        while (n < batch && shms_reader_peek(&h.grx, &rs[n]) == SHMS_OK)
            n++;
        if (n == 0) {
            shms_reader_release(&h.grx); /* the peek that found nothing */
            h_guest_rx_release(&h);
            /* Nothing lent: sleep until the tender publishes. A tender that
             * never learnt of a release shows as idle time while the peer
             * still has frames to send. */
            if (h_guest_wait(&h, true, false, 100))
                idle_ms = 0;
            else if ((idle_ms += 100) >= WAIT_MS)
                fail_msg("stalled with %u of %u frames lent and released (rx %llu, ring full "
                         "%llu, kicks %llu)",
                         moved, frames, (unsigned long long)CMM_LOAD_SHARED(h.nic.stats.rx_frames),
                         (unsigned long long)CMM_LOAD_SHARED(h.nic.stats.rx_ring_full),
                         (unsigned long long)CMM_LOAD_SHARED(h.nic.stats.guest_kicks));
            continue;
        }
        idle_ms = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (!forward) {
                if (!h_frame_check(rs[i].data, rs[i].len, moved + i))
                    fail_msg("lent frame %u corrupt or out of order", moved + i);
                continue;
            }
            uint64_t deadline = h_now_ms() + WAIT_MS;
            while (h_guest_send(&h, rs[i].data, rs[i].len) == SHMS_FULL) {
                h_guest_tx_publish(&h);
                h_guest_wait(&h, false, true, 100);
                if (h_now_ms() > deadline)
                    fail_msg("no TX room for %d ms with %u frames lent", WAIT_MS, n);
            }
        }
        shms_reader_release(&h.grx);
        h_guest_rx_release(&h);
        if (forward)
            h_guest_tx_publish(&h);
        moved += n;
    }
    h_peer_join(&wr);
    if (forward)
        h_peer_join(&rd);
    h_stop(&h);
    assert_int_equal(wr.bad, 0);
    const struct skiff_nic_stats *s = &h.nic.stats;
    if (forward) {
        assert_int_equal(rd.bad, 0);
        assert_int_equal(rd.done, frames);
        assert_int_equal(s->tx_frames, frames);
    }
    assert_int_equal(s->rx_frames, frames);
    assert_int_equal(h_drops(s->rx_drops) + h_drops(s->tx_drops), 0);
    assert_true(s->rx_ring_full > 0); /* the case this test is about */
    print_message("ring full %llu times, kicks %llu, guest wake-ups %llu\n",
                  (unsigned long long)s->rx_ring_full, (unsigned long long)s->guest_kicks,
                  (unsigned long long)s->guest_wakeups);
    h_fini(&h);
}

static void test_lend_event(void **state)
{
    (void)state;
    lend(SKIFF_IO_EVENT, false);
}

static void test_lend_poll(void **state)
{
    (void)state;
    lend(SKIFF_IO_POLL, false);
}

static void test_lend_forward_event(void **state)
{
    (void)state;
    lend(SKIFF_IO_EVENT, true);
}

static void test_lend_forward_poll(void **state)
{
    (void)state;
    lend(SKIFF_IO_POLL, true);
}

/* A guest that does not read: the ring fills, the tender stops reading the
 * fd without spinning, and every frame arrives once the guest reads. */
static void backpressure(unsigned mode)
{
    const uint32_t slots = 32, frames = 300;
    static struct io_h h;
    h_init(&h, slots);
    h_attach_socketpair(&h);
    h_guest_tx_init(&h);
    h_start(&h, mode);

    struct h_peer wr = { .h = &h, .count = frames };
    h_peer_writer_start(&wr);
    uint64_t t0 = h_now_ms();
    while (CMM_LOAD_SHARED(h.nic.stats.rx_ring_full) == 0 && h_now_ms() - t0 < WAIT_MS)
        usleep(1000);
    assert_int_not_equal(CMM_LOAD_SHARED(h.nic.stats.rx_ring_full), 0);

    /* Full and waiting: the I/O thread must be asleep, not spinning. */
    uint64_t cpu0 = h_cpu_ms();
    usleep(300 * 1000);
    uint64_t cpu = h_cpu_ms() - cpu0;
    assert_true(cpu < 60);
    assert_int_equal(CMM_LOAD_SHARED(h.nic.stats.rx_frames), slots);
    assert_int_equal(shms_reader_available(&h.grx), slots);

    uint8_t buf[H_FRAME_MAX];
    uint32_t got = 0, len;
    uint64_t deadline = h_now_ms() + WAIT_MS;
    while (got < frames) {
        int rv = h_guest_read(&h, buf, sizeof(buf), &len);
        if (rv == SHMS_NO_DATA) {
            h_guest_rx_release(&h);
            h_guest_wait(&h, true, false, 100);
            assert_true(h_now_ms() < deadline);
            continue;
        }
        assert_int_equal(rv, SHMS_OK);
        if (!h_frame_check(buf, len, got))
            fail_msg("frame %u corrupt or out of order", got);
        got++;
        /* Release in small steps so the ring refills many times. */
        if (got % 5 == 0)
            h_guest_rx_release(&h);
    }
    h_guest_rx_release(&h);
    h_peer_join(&wr);
    h_stop(&h);
    assert_int_equal(wr.bad, 0);
    assert_int_equal(h.nic.stats.rx_frames, frames);
    assert_int_equal(h_drops(h.nic.stats.rx_drops), 0);
    assert_true(h.nic.stats.rx_ring_full >= 1);
    h_fini(&h);
}

static void test_backpressure_event(void **state)
{
    (void)state;
    backpressure(SKIFF_IO_EVENT);
}

static void test_backpressure_poll(void **state)
{
    (void)state;
    backpressure(SKIFF_IO_POLL);
}

/* EOF on the packet fd: the frames already sent are still delivered (even to
 * a guest that is slow to read them), then RX goes inactive. */
static void eof(unsigned mode)
{
    const uint32_t frames = 50;
    static struct io_h h;
    h_init(&h, 64);
    h_attach_socketpair(&h);
    h_guest_tx_init(&h);
    h_start(&h, mode);

    struct h_peer wr = { .h = &h, .count = frames, .close_after = true };
    h_peer_writer_start(&wr);
    h_peer_join(&wr);
    uint64_t t0 = h_now_ms();
    while (!CMM_LOAD_SHARED(h.nic.closed) && h_now_ms() - t0 < WAIT_MS)
        usleep(1000);
    assert_true(CMM_LOAD_SHARED(h.nic.closed));
    usleep(50 * 1000); /* slow guest: RX must stay readable meanwhile */

    uint8_t buf[H_FRAME_MAX];
    uint32_t got = 0, len;
    int rv;
    uint64_t deadline = h_now_ms() + WAIT_MS;
    for (;;) {
        rv = h_guest_read(&h, buf, sizeof(buf), &len);
        if (rv == SHMS_OK) {
            if (!h_frame_check(buf, len, got))
                fail_msg("frame %u corrupt or out of order", got);
            got++;
            continue;
        }
        if (rv != SHMS_NO_DATA)
            break;
        h_guest_rx_release(&h);
        h_guest_wait(&h, true, false, 100);
        assert_true(h_now_ms() < deadline);
    }
    assert_int_equal(rv, SHMS_INACTIVE);
    assert_int_equal(got, frames);

    /* TX on a closed NIC is consumed (and counted), never stuck. */
    h_frame_fill(buf, 0);
    assert_int_equal(h_guest_send(&h, buf, h_frame_len(0)), SHMS_OK);
    h_guest_tx_publish(&h);
    t0 = h_now_ms();
    while (CMM_LOAD_SHARED(h.nic.stats.tx_drops[SKIFF_DROP_TAP_ERROR]) == 0 &&
           h_now_ms() - t0 < WAIT_MS)
        usleep(1000);
    h_stop(&h);
    assert_int_equal(h.nic.stats.tx_drops[SKIFF_DROP_TAP_ERROR], 1);
    assert_int_equal(h.nic.stats.rx_frames, frames);
    h_fini(&h);
}

static void test_eof_event(void **state)
{
    (void)state;
    eof(SKIFF_IO_EVENT);
}

static void test_eof_poll(void **state)
{
    (void)state;
    eof(SKIFF_IO_POLL);
}

/* Frames the tender took from the guest's TX ring (released to it). */
static uint64_t tx_taken(const struct io_h *h)
{
    return CMM_LOAD_SHARED(h->tx_ctrl->rc);
}

/* The smallest send buffer the kernel allows on the tender's end: a few
 * frames fill it, and the next write would block. */
static void small_sndbuf(struct io_h *h)
{
    int one = 1;
    assert_int_equal(setsockopt(h->nic.fd, SOL_SOCKET, SO_SNDBUF, &one, sizeof one), 0);
}

/* Read every frame waiting on the peer without blocking: they must be
 * frames 0, 1, ... intact and in order. Returns how many. */
static uint32_t peer_drain(struct io_h *h, uint32_t first)
{
    uint8_t buf[H_FRAME_MAX + 64];
    uint32_t got = first;
    ssize_t n;
    while ((n = recv(h->peer, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
        if (!h_frame_check(buf, (uint32_t)n, got))
            fail_msg("peer frame %u corrupt or out of order (len %zd)", got, n);
        got++;
    }
    return got - first;
}

/*
 * The guest exits by itself (no graceful close first) while the packet fd
 * is full: the frame the tender stashed when the fd refused it gets one
 * last non-blocking try at teardown and, still refused, is counted as a
 * TAP-error drop. Frames taken = frames written + counted drops.
 */
static void tx_full_at_exit(unsigned mode)
{
    const uint32_t slots = 64;
    static struct io_h h;
    h_init(&h, slots);
    h_attach_socketpair(&h);
    small_sndbuf(&h);
    h_guest_tx_init(&h);
    h_start(&h, mode);

    uint8_t buf[H_FRAME_MAX];
    uint32_t sent = 0;
    for (; sent < slots; sent++) {
        h_frame_fill(buf, sent);
        if (h_guest_send(&h, buf, h_frame_len(sent)) != SHMS_OK)
            break;
    }
    h_guest_tx_publish(&h);
    /* Nobody reads the peer: the tender writes until the fd is full and
     * waits for it with the next frame stashed. Its slot is back with the
     * guest while the frame is not sent: one slot more released than
     * frames written, which only a stash explains (the release count is
     * read first; a frame written after it would only raise tx_frames). */
    uint64_t t0 = h_now_ms(), out;
    for (;;) {
        uint64_t taken = tx_taken(&h);
        out = CMM_LOAD_SHARED(h.nic.stats.tx_frames);
        if (taken == out + 1)
            break;
        assert_true(h_now_ms() - t0 < WAIT_MS);
        usleep(1000);
    }
    assert_true(out > 0 && out < sent);

    h_stop(&h);
    assert_int_equal(h.nic.stats.tx_frames, out);
    assert_int_equal(h.nic.stats.tx_drops[SKIFF_DROP_TAP_ERROR], 1);
    assert_int_equal(tx_taken(&h), h.nic.stats.tx_frames + h_drops(h.nic.stats.tx_drops));
    assert_int_equal(peer_drain(&h, 0), out);
    h_fini(&h);
}

static void test_tx_full_at_exit_event(void **state)
{
    (void)state;
    tx_full_at_exit(SKIFF_IO_EVENT);
}

static void test_tx_full_at_exit_poll(void **state)
{
    (void)state;
    tx_full_at_exit(SKIFF_IO_POLL);
}

/*
 * skiff_dp_tx_final (no I/O thread) on an fd that drained after the stash
 * was refused: the stash goes out first, then what follows it in the ring
 * until the fd is full again; nothing is lost uncounted and the peer gets
 * every frame written, in order.
 */
static void test_tx_final_retry(void **state)
{
    (void)state;
    const uint32_t slots = 64;
    static struct io_h h;
    static struct skiff_dp dp;
    h_init(&h, slots);
    h_attach_socketpair(&h);
    small_sndbuf(&h);
    h_guest_tx_init(&h);
    assert_int_equal(skiff_dp_init(&dp, &h.nic), 0);

    uint8_t buf[H_FRAME_MAX];
    for (uint32_t i = 0; i < slots; i++) {
        h_frame_fill(buf, i);
        assert_int_equal(h_guest_send(&h, buf, h_frame_len(i)), SHMS_OK);
    }
    h_guest_tx_publish(&h);
    skiff_dp_pass_begin(&dp);
    skiff_dp_tx(&dp);
    assert_true(dp.tx_blocked);
    uint64_t first = h.nic.stats.tx_frames;
    assert_int_equal(tx_taken(&h), first + 1);
    assert_int_equal(peer_drain(&h, 0), first); /* the fd has room again */

    skiff_dp_tx_final(&dp);
    assert_false(dp.tx_blocked);
    uint64_t out = h.nic.stats.tx_frames, drops = h_drops(h.nic.stats.tx_drops);
    assert_true(out > first); /* the stash, at least */
    assert_true(drops <= 1);
    assert_int_equal(drops, h.nic.stats.tx_drops[SKIFF_DROP_TAP_ERROR]);
    assert_int_equal(tx_taken(&h), out + drops);
    assert_int_equal(peer_drain(&h, (uint32_t)first), out - first);
    skiff_dp_fini(&dp);
    h_fini(&h);
}

/* Frames over MTU + 18 are dropped and counted in both directions. */
static void test_too_big(void **state)
{
    (void)state;
    static struct io_h h;
    h_init(&h, 64);
    h_attach_socketpair(&h);
    h_guest_tx_init(&h);
    h_start(&h, SKIFF_IO_EVENT);

    uint8_t big[H_MTU + 100], buf[H_FRAME_MAX];
    memset(big, 0xab, sizeof(big));
    assert_int_equal(write(h.peer, big, sizeof(big)), sizeof(big));
    h_frame_fill(buf, 0);
    assert_int_equal(write(h.peer, buf, h_frame_len(0)), h_frame_len(0));
    /* Exactly at the limit: delivered. */
    assert_int_equal(write(h.peer, big, H_MTU + 18), H_MTU + 18);

    uint32_t len;
    uint64_t deadline = h_now_ms() + WAIT_MS;
    while (shms_reader_available(&h.grx) < 2) {
        h_guest_wait(&h, true, false, 100);
        assert_true(h_now_ms() < deadline);
    }
    assert_int_equal(h_guest_read(&h, buf, sizeof(buf), &len), SHMS_OK);
    assert_true(h_frame_check(buf, len, 0));
    uint8_t edge[H_MTU + 18];
    assert_int_equal(h_guest_read(&h, edge, sizeof(edge), &len), SHMS_OK);
    assert_int_equal(len, H_MTU + 18);
    h_guest_rx_release(&h);

    /* TX: the slot holds it, the MTU does not. */
    assert_int_equal(h_guest_send(&h, big, H_MTU + 19), SHMS_OK);
    h_frame_fill(buf, 1);
    assert_int_equal(h_guest_send(&h, buf, h_frame_len(1)), SHMS_OK);
    h_guest_tx_publish(&h);
    ssize_t n = read(h.peer, big, sizeof(big));
    assert_true(n > 0 && h_frame_check(big, (uint32_t)n, 1));

    h_stop(&h);
    assert_int_equal(h.nic.stats.rx_drops[SKIFF_DROP_TOO_BIG], 1);
    assert_int_equal(h.nic.stats.rx_frames, 2);
    assert_int_equal(h.nic.stats.tx_drops[SKIFF_DROP_TOO_BIG], 1);
    assert_int_equal(h.nic.stats.tx_frames, 1);
    h_fini(&h);
}

/* Send one good frame and check the peer gets it. */
static void tx_one(struct io_h *h, uint32_t seq)
{
    uint8_t buf[H_FRAME_MAX + 64];
    h_frame_fill(buf, seq);
    assert_int_equal(h_guest_send(h, buf, h_frame_len(seq)), SHMS_OK);
    h_guest_tx_publish(h);
    ssize_t n = read(h->peer, buf, sizeof(buf));
    assert_true(n > 0);
    assert_true(h_frame_check(buf, (uint32_t)n, seq));
}

/* Wait until the I/O thread has gone to sleep on TX (so kicks are needed). */
static void settle(void)
{
    usleep(20 * 1000);
}

/* Wait until the I/O thread has counted at least `n` in `*counter`: a fixed
 * sleep is not enough on a loaded machine, where the thread may not run for
 * longer (and a lie the thread never saw cannot be counted). Gives up after
 * 10 s; the caller's assertion then fails with the count it got. */
static uint64_t settle_until(const uint64_t *counter, uint64_t n)
{
    for (int i = 0; i < 10000 && CMM_LOAD_SHARED(*counter) < n; i++)
        usleep(1000);
    settle(); /* and let a count that would overshoot show itself */
    return CMM_LOAD_SHARED(*counter);
}

/* A guest that scribbles over its TX ring: the thread survives, counts
 * drops, and frames flow again once the guest behaves. */
static void hostile(unsigned mode)
{
    static struct io_h h;
    h_init(&h, 16);
    h_attach_socketpair(&h);
    h_guest_tx_init(&h);
    h_start(&h, mode);
    tx_one(&h, 0);

    struct shms_header *hdr = h.tx_mem;
    uint8_t *slots = (uint8_t *)h.tx_mem + sizeof(*hdr);
    uint64_t size = h.geo.size;

    /* 1. Slot lengths past the slot, vnet headers too long. */
    uint64_t wc = hdr->wc;
    struct shms_slot *s = (struct shms_slot *)(void *)(slots + (wc % 16) * size);
    s->len = 0xfffffff0u;
    s->vnet_len = 0;
    s = (struct shms_slot *)(void *)(slots + ((wc + 1) % 16) * size);
    s->len = 20;
    s->vnet_len = 0xffff;
    s = (struct shms_slot *)(void *)(slots + ((wc + 2) % 16) * size);
    s->len = 0; /* empty frame */
    s->vnet_len = 0;
    CMM_STORE_SHARED(hdr->wc, wc + 3);
    CMM_STORE_SHARED(h.gtx.wc, wc + 3);
    uint64_t one = 1;
    assert_int_equal(write(h.nic.tx_kick_fd, &one, 8), 8);
    assert_int_equal(settle_until(&h.nic.stats.tx_drops[SKIFF_DROP_BAD_SLOT], 3), 3);

    /* 2. Counter far ahead (a lie about how much was written), then back. */
    CMM_STORE_SHARED(hdr->wc, wc + 3 + 1000000);
    assert_int_equal(write(h.nic.tx_kick_fd, &one, 8), 8);
    assert_true(settle_until(&h.nic.stats.tx_drops[SKIFF_DROP_OVERRUN], 1) >= 1);
    CMM_STORE_SHARED(hdr->wc, 5);
    assert_int_equal(write(h.nic.tx_kick_fd, &one, 8), 8);
    settle();

    /* 3. Bogus geometry under a new epoch: incompatible, ignored. */
    CMM_STORE_SHARED(hdr->size, 1u << 30);
    CMM_STORE_SHARED(hdr->epoch, 0xdead);
    CMM_STORE_SHARED(hdr->wc, 7);
    assert_int_equal(write(h.nic.tx_kick_fd, &one, 8), 8);
    settle();
    /* 4. Random garbage everywhere (the header stays inactive-or-bogus). */
    for (uint64_t i = sizeof(*hdr); i < h.chan_bytes; i++)
        ((uint8_t *)h.tx_mem)[i] = (uint8_t)(i * 2654435761u >> 13);
    assert_int_equal(write(h.nic.tx_kick_fd, &one, 8), 8);
    settle();

    /* The guest re-initialises properly: frames flow again. */
    uint64_t frames_before = CMM_LOAD_SHARED(h.nic.stats.tx_frames);
    h_guest_tx_init(&h);
    tx_one(&h, 1);
    tx_one(&h, 2);
    h_stop(&h);
    assert_int_equal(h.nic.stats.tx_frames, frames_before + 2);
    h_fini(&h);
}

static void test_hostile_event(void **state)
{
    (void)state;
    hostile(SKIFF_IO_EVENT);
}

static void test_hostile_poll(void **state)
{
    (void)state;
    hostile(SKIFF_IO_POLL);
}

/* Idle: no traffic, the thread sleeps (0% CPU after the spin budget). */
static void idle(unsigned mode)
{
    static struct io_h h;
    h_init(&h, 64);
    h_attach_socketpair(&h);
    h_guest_tx_init(&h);
    h_start(&h, mode);
    usleep(20 * 1000);
    uint64_t cpu0 = h_cpu_ms();
    usleep(500 * 1000);
    uint64_t cpu = h_cpu_ms() - cpu0;
    h_stop(&h);
    print_message("idle CPU over 500 ms: %llu ms\n", (unsigned long long)cpu);
    assert_true(cpu < 25);
    h_fini(&h);
}

static void test_idle_event(void **state)
{
    (void)state;
    idle(SKIFF_IO_EVENT);
}

static void test_idle_poll(void **state)
{
    (void)state;
    idle(SKIFF_IO_POLL);
}

/* Start/stop cycles leave nothing behind (ASan checks the leaks). */
static void test_start_stop(void **state)
{
    (void)state;
    for (int i = 0; i < 20; i++) {
        static struct io_h h;
        h_init(&h, 16);
        h_attach_socketpair(&h);
        h_start(&h, i % 2 ? SKIFF_IO_POLL : SKIFF_IO_EVENT);
        h_stop(&h);
        h_fini(&h);
    }
}

/* Seccomp mode of every thread of this process (0 none, 2 filter). */
static void seccomp_modes(int *filtered, int *unfiltered)
{
    *filtered = *unfiltered = 0;
    DIR *d = opendir("/proc/self/task");
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[300], line[128];
        snprintf(path, sizeof(path), "/proc/self/task/%s/status", e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        while (fgets(line, sizeof(line), f) != NULL)
            if (strncmp(line, "Seccomp:", 8) == 0)
                (atoi(line + 8) == 2 ? filtered : unfiltered)[0]++;
        fclose(f);
    }
    closedir(d);
}

/* The filter confines the I/O thread only, in both modes. */
static void test_seccomp_installed(void **state)
{
    (void)state;
    for (unsigned mode = SKIFF_IO_EVENT; mode <= SKIFF_IO_POLL; mode++) {
        static struct io_h h;
        h_init(&h, 16);
        h_attach_socketpair(&h);
        h_start(&h, mode);
        /* A joined thread can stay listed in /proc for a moment after
         * pthread_join returns (the kernel clears its tid before it is
         * reaped), so an earlier I/O thread may still be counted: wait up
         * to 2 s for exactly one filtered thread. */
        int filtered, unfiltered;
        for (int tries = 0;; tries++) {
            seccomp_modes(&filtered, &unfiltered);
            if (filtered == 1 || tries == 200)
                break;
            usleep(10000);
        }
        assert_int_equal(filtered, 1);
        assert_true(unfiltered >= 1);
        h_stop(&h);
        h_fini(&h);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_duplex_event, h_teardown),
        cmocka_unit_test_teardown(test_duplex_poll, h_teardown),
        cmocka_unit_test_teardown(test_backpressure_event, h_teardown),
        cmocka_unit_test_teardown(test_backpressure_poll, h_teardown),
        cmocka_unit_test_teardown(test_lend_event, h_teardown),
        cmocka_unit_test_teardown(test_lend_poll, h_teardown),
        cmocka_unit_test_teardown(test_lend_forward_event, h_teardown),
        cmocka_unit_test_teardown(test_lend_forward_poll, h_teardown),
        cmocka_unit_test_teardown(test_eof_event, h_teardown),
        cmocka_unit_test_teardown(test_eof_poll, h_teardown),
        cmocka_unit_test_teardown(test_tx_full_at_exit_event, h_teardown),
        cmocka_unit_test_teardown(test_tx_full_at_exit_poll, h_teardown),
        cmocka_unit_test_teardown(test_tx_final_retry, h_teardown),
        cmocka_unit_test_teardown(test_too_big, h_teardown),
        cmocka_unit_test_teardown(test_hostile_event, h_teardown),
        cmocka_unit_test_teardown(test_hostile_poll, h_teardown),
        cmocka_unit_test_teardown(test_idle_event, h_teardown),
        cmocka_unit_test_teardown(test_idle_poll, h_teardown),
        cmocka_unit_test_teardown(test_start_stop, h_teardown),
        cmocka_unit_test_teardown(test_seccomp_installed, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
