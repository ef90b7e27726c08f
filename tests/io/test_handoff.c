/*
 * The RX source hand-off (docs/shmstream.md 7.6b) seen from the I/O thread,
 * event mode, one read per frame: a guest that sleeps with its ring drained
 * and asks for the packet fd gets it when a frame comes (and the thread does
 * not read that frame), frames stay in order across a grant and a give-back,
 * and a guest that flips its request as fast as it can gets a bounded
 * number of grants while its frames keep moving through the ring.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <urcu/system.h>

#include "datapath/datapath.h" /* SKIFF_DP_HANDOFF_* */
#include "io_harness.h"

#define WAIT_MS 5000

/* One NIC on a socketpair, event mode; `eligible` is what spt --io=event
 * sets up for a NIC without vnet headers or --net-rate. */
static void h_setup(struct io_h *h, bool eligible)
{
    h_init(h, 64);
    h_attach_socketpair(h);
    h_guest_tx_init(h);
    h->nic.rx_handoff = eligible;
    h_start(h, SKIFF_IO_EVENT);
    assert_false(h_uring(h)); /* io_uring keeps the fd: registered readv only */
}

static void peer_send(struct io_h *h, uint32_t seq)
{
    uint8_t buf[H_FRAME_MAX];
    h_frame_fill(buf, seq);
    assert_int_equal(write(h->peer, buf, h_frame_len(seq)), (ssize_t)h_frame_len(seq));
}

static void kick(struct io_h *h)
{
    uint64_t one = 1;
    assert_int_equal(write(h->nic.tx_kick_fd, &one, sizeof one), (ssize_t)sizeof one);
}

/* Granted, read ourselves, given back: order kept, counters add up. */
static void test_grant_and_give_back(void **state)
{
    (void)state;
    static struct io_h h;
    uint8_t buf[H_FRAME_MAX];
    uint32_t len;
    h_setup(&h, true);

    /* Ask, sleep; the first frame makes the thread grant and wake us. */
    shms_reader_want_handoff(&h.grx, true);
    assert_true(shms_reader_prepare_sleep(&h.grx));
    peer_send(&h, 0);
    uint64_t deadline = h_now_ms() + WAIT_MS;
    while (!shms_reader_handed_off(&h.grx)) {
        assert_true(h_now_ms() < deadline);
        struct pollfd pfd = { .fd = h.nic.rx_wake_fd, .events = POLLIN };
        poll(&pfd, 1, 100);
    }
    shms_reader_finish_sleep(&h.grx);
    assert_int_equal(CMM_LOAD_SHARED(h.nic.stats.rx_handoffs), 1);
    assert_int_equal(CMM_LOAD_SHARED(h.nic.stats.rx_frames), 0); /* left to us */
    ssize_t n = read(h.nic.fd, buf, sizeof buf);
    assert_true(n > 0 && h_frame_check(buf, (uint32_t)n, 0));
    shms_reader_count_bypass(&h.grx, 1);

    /* Frames sent while the fd is ours wait for us, not for the thread. */
    peer_send(&h, 1);
    usleep(50 * 1000);
    assert_int_equal(CMM_LOAD_SHARED(h.nic.stats.rx_frames), 0);
    n = read(h.nic.fd, buf, sizeof buf);
    assert_true(n > 0 && h_frame_check(buf, (uint32_t)n, 1));
    shms_reader_count_bypass(&h.grx, 1);

    /* Give back; what comes next goes through the ring, in order. */
    peer_send(&h, 2);
    shms_reader_want_handoff(&h.grx, false);
    kick(&h);
    peer_send(&h, 3);
    for (uint32_t seq = 2; seq <= 3;) {
        int rv = h_guest_read(&h, buf, sizeof buf, &len);
        if (rv == SHMS_NO_DATA) {
            assert_true(h_now_ms() < deadline);
            h_guest_rx_release(&h);
            h_guest_wait(&h, true, false, 100);
            continue;
        }
        assert_int_equal(rv, SHMS_OK);
        assert_true(h_frame_check(buf, len, seq));
        seq++;
    }
    h_guest_rx_release(&h);
    assert_int_equal(CMM_LOAD_SHARED(h.nic.stats.rx_frames), 2);
    assert_int_equal(shms_writer_reader_bypass(&h.nic.rx), 2);
    assert_false(shms_reader_handed_off(&h.grx));
    h_stop(&h);
    h_fini(&h);
}

/* A NIC that may not hand off (vnet, --net-rate, io_uring) never does. */
static void test_not_eligible(void **state)
{
    (void)state;
    static struct io_h h;
    h_setup(&h, false);
    shms_reader_want_handoff(&h.grx, true);
    peer_send(&h, 0);
    uint64_t deadline = h_now_ms() + WAIT_MS;
    while (shms_reader_available(&h.grx) == 0) {
        assert_true(h_now_ms() < deadline);
        h_guest_wait(&h, true, false, 100);
    }
    assert_false(shms_reader_handed_off(&h.grx));
    assert_int_equal(CMM_LOAD_SHARED(h.nic.stats.rx_handoffs), 0);
    assert_int_equal(CMM_LOAD_SHARED(h.nic.stats.rx_frames), 1);
    h_stop(&h);
    h_fini(&h);
}

struct flipper {
    struct io_h *h;
    atomic_bool stop;
    pthread_t thread;
};

/* A hostile guest: always "asleep with everything read", and as soon as a
 * request is granted, a new one - so each grant is taken back at once and
 * the thread, unbounded, would grant and take back without reading. */
static void *flip_main(void *arg)
{
    struct flipper *f = arg;
    struct shms_ctrl *c = f->h->rx_ctrl;
    const struct shms_header *hdr = f->h->rx_mem;
    uint64_t gen = 1, spins = 0;
    CMM_STORE_SHARED(c->r_handoff, gen);
    while (!atomic_load(&f->stop)) {
        CMM_STORE_SHARED(c->r_epoch, CMM_LOAD_SHARED(hdr->epoch));
        CMM_STORE_SHARED(c->rc, CMM_LOAD_SHARED(hdr->wc));
        CMM_STORE_SHARED(c->r_sleep, 1);
        if (CMM_LOAD_SHARED(c->w_handoff) == gen) {
            CMM_STORE_SHARED(c->r_handoff, ++gen);
            kick(f->h); /* "given back": have it taken back at once */
        } else if ((++spins & 1023) == 0) {
            kick(f->h); /* "slots released" */
        }
    }
    return NULL;
}

static void test_flipping_guest_is_bounded(void **state)
{
    (void)state;
    static struct io_h h;
    h_setup(&h, true);
    struct flipper f = { .h = &h };
    struct h_peer p = { .h = &h, .count = 200000 };
    atomic_init(&f.stop, false);
    uint64_t t0 = h_now_ms();
    assert_int_equal(pthread_create(&f.thread, NULL, flip_main, &f), 0);
    h_peer_writer_start(&p);
    usleep(500 * 1000);
    uint64_t grants = CMM_LOAD_SHARED(h.nic.stats.rx_handoffs);
    uint64_t moved = CMM_LOAD_SHARED(h.nic.stats.rx_frames);
    uint64_t ms = h_now_ms() - t0;
    atomic_store(&f.stop, true);
    pthread_join(f.thread, NULL);
    h_stop(&h);
    shutdown(h.peer, SHUT_RDWR);
    h_peer_join(&p);
    print_message("%llu grants, %llu frames through the ring in %llu ms\n",
                  (unsigned long long)grants, (unsigned long long)moved, (unsigned long long)ms);
    /* The bucket (datapath.h): a burst, then a steady rate; 10 % slack. */
    uint64_t bound = SKIFF_DP_HANDOFF_BURST + SKIFF_DP_HANDOFF_RATE * (ms + 100) / 1000;
    assert_true(grants <= bound + bound / 10);
    assert_true(moved > 1000); /* the thread kept reading */
    h_fini(&h);
}

int main(void)
{
    setenv("SKIFF_TEST_IO_URING", "off", 1); /* the harness's packet-fd path */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_grant_and_give_back, h_teardown),
        cmocka_unit_test_teardown(test_not_eligible, h_teardown),
        cmocka_unit_test_teardown(test_flipping_guest_is_bounded, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
