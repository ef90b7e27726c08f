/*
 * The datapath for a NIC with vnet headers, over a SOCK_SEQPACKET
 * socketpair. A socket cannot carry vnet semantics (the attach turns vnet off
 * with a warning, checked first), but the datapath only moves bytes: with
 * vnet forced on, "12-byte header + frame" must cross in one message each
 * way, sit in the slot as vnet_len 12 + len, and be limited to a 64 KiB GSO
 * frame; slots without the header are dropped as bad.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "datapath/datapath.h"
#include "io_harness.h"
#include "net/vnet.h"

#define HDR     SKIFF_VNET_HDR_LEN
#define MAXF    SKIFF_VNET_FRAME_MAX
#define WAIT_MS 10000

static uint8_t buf[HDR + MAXF + 64], rbuf[HDR + MAXF + 64];

/* Header + frame `seq` of `len` frame bytes: a pattern both sides can check. */
static uint32_t fill(uint8_t *p, uint32_t seq, uint32_t len)
{
    for (uint32_t i = 0; i < HDR + len; i++)
        p[i] = (uint8_t)(seq * 131u + i * 7u + (i < HDR ? 0x5a : 0));
    return HDR + len;
}

static void vnet_on(struct io_h *h)
{
    h_init_vnet(h, 8);
    h_attach_socketpair(h);
    assert_false(h->nic.vnet); /* a socket is not a TAP: vnet turned off */
    h->nic.vnet = true;        /* ...but the datapath just moves bytes */
    int sz = 4 << 20;
    setsockopt(h->peer, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    h_guest_tx_init(h);
}

/* Guest TX of one "header + frame" buffer as a vnet slot. */
static int guest_send_vnet(struct io_h *h, const uint8_t *p, uint32_t total)
{
    struct shms_wslot ws;
    int rv = shms_writer_reserve(&h->gtx, &ws);
    if (rv != SHMS_OK)
        return rv;
    memcpy(ws.data, p, total);
    return shms_writer_commit(&h->gtx, &ws, total - HDR, HDR);
}

static void rx_tx(unsigned mode)
{
    static struct io_h h;
    vnet_on(&h);
    h_start(&h, mode);

    /* RX: good frames, a runt (header only) and one byte too many. */
    static const uint32_t lens[] = { 60, 1514, 9000, 65000, MAXF };
    const uint32_t nlens = sizeof lens / sizeof lens[0];
    uint64_t bytes = 0;
    for (uint32_t k = 0; k < nlens; k++) {
        uint32_t n = fill(buf, k, lens[k]);
        assert_int_equal(write(h.peer, buf, n), (ssize_t)n);
        bytes += lens[k];
        if (k == 0) {
            assert_int_equal(write(h.peer, buf, HDR), HDR);
            n = fill(buf, 99, MAXF + 1);
            assert_int_equal(write(h.peer, buf, n), (ssize_t)n);
        }
    }
    uint64_t deadline = h_now_ms() + WAIT_MS;
    while (shms_reader_available(&h.grx) < nlens) {
        h_guest_wait(&h, true, false, 100);
        assert_true(h_now_ms() < deadline);
    }
    for (uint32_t k = 0; k < nlens; k++) {
        struct shms_rslot rs;
        assert_int_equal(shms_reader_peek(&h.grx, &rs), SHMS_OK);
        assert_int_equal(rs.vnet_len, HDR);
        assert_int_equal(rs.len, lens[k]);
        fill(buf, k, lens[k]);
        assert_memory_equal((const uint8_t *)rs.data - HDR, buf, HDR + lens[k]);
    }
    shms_reader_release(&h.grx);
    h_guest_rx_release(&h);

    /* TX: a good frame, a slot without header, one too big, a GSO-sized one. */
    uint32_t n = fill(buf, 1, 1514);
    assert_int_equal(guest_send_vnet(&h, buf, n), SHMS_OK);
    assert_int_equal(h_guest_send(&h, buf, 1514), SHMS_OK); /* vnet_len 0 */
    n = fill(buf, 2, MAXF + 1);
    assert_int_equal(guest_send_vnet(&h, buf, n), SHMS_OK);
    n = fill(buf, 3, MAXF);
    assert_int_equal(guest_send_vnet(&h, buf, n), SHMS_OK);
    h_guest_tx_publish(&h);
    ssize_t got = read(h.peer, rbuf, sizeof rbuf);
    assert_int_equal(got, HDR + 1514);
    fill(buf, 1, 1514);
    assert_memory_equal(rbuf, buf, HDR + 1514);
    got = read(h.peer, rbuf, sizeof rbuf);
    assert_int_equal(got, HDR + MAXF);
    fill(buf, 3, MAXF);
    assert_memory_equal(rbuf, buf, HDR + MAXF);

    h_stop(&h);
    const struct skiff_nic_stats *st = &h.nic.stats;
    assert_int_equal(st->rx_frames, nlens);
    assert_int_equal(st->rx_bytes, bytes); /* frame bytes, headers not counted */
    assert_int_equal(st->rx_drops[SKIFF_DROP_BAD_SLOT], 1);
    assert_int_equal(st->rx_drops[SKIFF_DROP_TOO_BIG], 1);
    assert_int_equal(st->tx_frames, 2);
    assert_int_equal(st->tx_bytes, 1514 + MAXF);
    assert_int_equal(st->tx_drops[SKIFF_DROP_BAD_SLOT], 1);
    assert_int_equal(st->tx_drops[SKIFF_DROP_TOO_BIG], 1);
    h_fini(&h);
}

static void test_rx_tx_event(void **state)
{
    (void)state;
    rx_tx(SKIFF_IO_EVENT);
}

static void test_rx_tx_poll(void **state)
{
    (void)state;
    rx_tx(SKIFF_IO_POLL);
}

/* A congested packet fd: the frame that hits EAGAIN is stashed with its
 * header and goes out intact and in order once the fd drains.
 *
 * The guest reads the peer only while a frame it sent is still on its way
 * (sent > got). With every frame read and the ring still full, the tender
 * has written them all but not yet handed their slots back (it releases
 * after each batch): nothing more will reach the peer, so the guest waits
 * for room the way a real one does (announce, sleep on the wake fd), and
 * the tender's release must wake it. */
static void test_congested(void **state)
{
    (void)state;
    static struct io_h h;
    vnet_on(&h);
    int sz = 128 << 10;
    setsockopt(h.nic.fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    h_start(&h, SKIFF_IO_EVENT);

    const uint32_t frames = 40, len = 60000;
    uint32_t sent = 0, got = 0, waits = 0;
    uint64_t deadline = h_now_ms() + WAIT_MS;
    while (got < frames) {
        assert_true(h_now_ms() < deadline);
        if (sent < frames) {
            uint32_t n = fill(buf, sent, len);
            int rv = guest_send_vnet(&h, buf, n);
            h_guest_tx_publish(&h);
            if (rv == SHMS_OK) {
                sent++;
                continue;
            }
            assert_int_equal(rv, SHMS_FULL);
            if (sent == got) {
                assert_true(h_guest_wait(&h, false, true, WAIT_MS));
                waits++;
                continue;
            }
        }
        ssize_t n = read(h.peer, rbuf, sizeof rbuf);
        assert_int_equal(n, HDR + len);
        fill(buf, got, len);
        assert_memory_equal(rbuf, buf, HDR + len);
        got++;
    }
    h_stop(&h);
    print_message("waits for room %u, tender wake-ups for room %llu\n", waits,
                  (unsigned long long)h.nic.stats.tx_waiter_wakeups);
    assert_int_equal(h.nic.stats.tx_frames, frames);
    assert_int_equal(h_drops(h.nic.stats.tx_drops), 0);
    h_fini(&h);
}

/*
 * What test_congested's guest relies on, step by step with no I/O thread:
 * with its ring full, a guest is woken when the tender hands slots back
 * only if it announced that it waits for room; one that did not announce
 * gets no wake-up (and so must not sleep on anything else, such as the
 * peer, while nothing is in flight).
 */
static void test_room_wake(void **state)
{
    (void)state;
    static struct io_h h;
    static struct skiff_dp dp;
    const uint32_t len = 1000;
    vnet_on(&h);
    assert_int_equal(skiff_dp_init(&dp, &h.nic), 0);
    for (uint32_t round = 0; round < 2; round++) {
        bool announce = round == 1;
        uint32_t n = 0;
        while (guest_send_vnet(&h, buf, fill(buf, round * 8 + n, len)) == SHMS_OK)
            n++;
        assert_int_equal(n, 8);
        h_guest_tx_publish(&h);
        if (announce)
            assert_true(shms_writer_prepare_wait(&h.gtx)); /* full: may sleep */
        skiff_dp_pass_begin(&dp);
        assert_int_equal(skiff_dp_tx(&dp), 8); /* written, then released */
        uint64_t v;
        bool woken = read(h.nic.rx_wake_fd, &v, sizeof v) == (ssize_t)sizeof v;
        assert_int_equal(woken, announce);
        assert_int_equal(h.nic.stats.tx_waiter_wakeups, round);
        if (announce)
            shms_writer_finish_wait(&h.gtx);
        assert_int_equal(shms_writer_space(&h.gtx), 8);
        for (uint32_t k = 0; k < n; k++) {
            assert_int_equal(read(h.peer, rbuf, sizeof rbuf), HDR + len);
            fill(buf, round * 8 + k, len);
            assert_memory_equal(rbuf, buf, HDR + len);
        }
    }
    skiff_dp_fini(&dp);
    h_fini(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_rx_tx_event, h_teardown),
        cmocka_unit_test_teardown(test_rx_tx_poll, h_teardown),
        cmocka_unit_test_teardown(test_congested, h_teardown),
        cmocka_unit_test_teardown(test_room_wake, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
