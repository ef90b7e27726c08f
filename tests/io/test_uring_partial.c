/*
 * io_uring's partial submit: the kernel may take fewer requests of a batch
 * than were queued (it stops at one it cannot allocate and leaves the rest
 * in the submission queue). The ones it took run whatever happens next, so
 * the datapath must use their results and move only the others another way:
 * redoing the whole batch per frame would send TX frames twice and lose RX
 * frames the ring had read. The test links with
 * --wrap=io_uring_submit_and_wait so that one chosen batch submits only its
 * first few requests, through the same io_uring_enter(to_submit) a short
 * kernel submit returns from; then the batch's frames must cross once each,
 * in order and intact, with the counters balanced, and the ring is left for
 * one read/write per frame (a line says so).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <liburing.h>
#include <urcu/system.h>

#include "datapath/datapath.h"
#include "io_harness.h"

#define FRAMES 8u
#define TAKEN  3u /* requests the cut batch submits */

/* 0: submit as liburing does; otherwise the next batch submits only this many. */
static unsigned submit_only;
static unsigned cut_batches;

int __real_io_uring_submit_and_wait(struct io_uring *ring, unsigned wait_nr);
int __wrap_io_uring_submit_and_wait(struct io_uring *ring, unsigned wait_nr);

int __wrap_io_uring_submit_and_wait(struct io_uring *ring, unsigned wait_nr)
{
    unsigned only = submit_only;
    if (only == 0)
        return __real_io_uring_submit_and_wait(ring, wait_nr);
    submit_only = 0;
    cut_batches++;
    /* What liburing does first: publish every queued entry to the kernel. */
    struct io_uring_sq *sq = &ring->sq;
    sq->sqe_head = sq->sqe_tail;
    io_uring_smp_store_release(sq->ktail, sq->sqe_tail);
    /* Then enter asking for fewer: the kernel takes `only` and returns
     * without waiting, as after a short submit of its own. */
    long rc = syscall(__NR_io_uring_enter, ring->ring_fd, only, 0, 0, NULL, 0);
    return rc < 0 ? -errno : (int)rc;
}

static struct io_h h;
static struct skiff_dp dp;
static struct skiff_uring ring;

/* A NIC on a socketpair whose packet-fd I/O goes through a ring of its own. */
static void setup(void)
{
    char why[160];
    cut_batches = 0;
    h_init(&h, 64);
    h_attach_socketpair(&h);
    h_guest_tx_init(&h);
    assert_int_equal(skiff_dp_init(&dp, &h.nic), 0);
    int fd = h.nic.fd;
    if (skiff_uring_init(&ring, &fd, 1, why, sizeof why) < 0) {
        print_message("no io_uring here (%s)\n", why);
        skiff_dp_fini(&dp);
        h_fini(&h);
        skip();
    }
    skiff_dp_use_uring(&dp, &ring, 0);
    assert_true(skiff_pktio_batched(&dp.pkt));
}

static void teardown(void)
{
    assert_false(skiff_pktio_batched(&dp.pkt)); /* per frame after the cut */
    skiff_dp_fini(&dp);
    skiff_uring_release_files(&ring);
    skiff_uring_fini(&ring);
    h_fini(&h);
}

/* TX: a batch of FRAMES writes cut after TAKEN; the rest go per frame. */
static void test_tx_partial(void **state)
{
    (void)state;
    uint8_t buf[H_FRAME_MAX + 64];
    setup();
    for (uint32_t i = 0; i < FRAMES; i++) {
        h_frame_fill(buf, i);
        assert_int_equal(h_guest_send(&h, buf, h_frame_len(i)), SHMS_OK);
    }
    h_guest_tx_publish(&h);
    submit_only = TAKEN;
    for (unsigned pass = 0; pass < 4 && h.nic.stats.tx_frames < FRAMES; pass++) {
        skiff_dp_pass_begin(&dp);
        skiff_dp_tx(&dp);
    }
    assert_int_equal(cut_batches, 1);
    assert_int_equal(h.nic.stats.tx_frames, FRAMES);
    assert_int_equal(h_drops(h.nic.stats.tx_drops), 0);
    assert_int_equal(CMM_LOAD_SHARED(h.tx_ctrl->rc), FRAMES);
    /* Each frame once, in order: the TAKEN writes ran once only. (Time
     * for a write of the cut batch still in flight to show up.) */
    usleep(100 * 1000);
    uint32_t got = 0;
    ssize_t n;
    while ((n = recv(h.peer, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
        if (!h_frame_check(buf, (uint32_t)n, got))
            fail_msg("peer message %u (len %zd) is not frame %u: a frame sent twice or out "
                     "of order",
                     got, n, got);
        got++;
    }
    assert_int_equal(got, FRAMES);
    teardown();
}

/* RX: a batch of reads cut after TAKEN; the frames they read reach the
 * guest, the rest are read per frame. */
static void test_rx_partial(void **state)
{
    (void)state;
    uint8_t buf[H_FRAME_MAX + 64];
    setup();
    /* Let the batch grow to FRAMES reads (it starts at 2 and doubles). */
    for (uint32_t i = 0; i < FRAMES; i++) {
        h_frame_fill(buf, i);
        assert_int_equal(write(h.peer, buf, h_frame_len(i)), (ssize_t)h_frame_len(i));
    }
    dp.rx_batch_want = FRAMES;
    submit_only = TAKEN;
    for (unsigned pass = 0; pass < 4 && h.nic.stats.rx_frames < FRAMES; pass++) {
        skiff_dp_pass_begin(&dp);
        skiff_dp_rx(&dp, false);
    }
    assert_int_equal(cut_batches, 1);
    assert_int_equal(h.nic.stats.rx_frames, FRAMES);
    assert_int_equal(h_drops(h.nic.stats.rx_drops), 0);
    uint32_t got = 0, len;
    while (h_guest_read(&h, buf, sizeof buf, &len) == SHMS_OK) {
        if (!h_frame_check(buf, len, got))
            fail_msg("guest frame %u corrupt or out of order (len %u)", got, len);
        got++;
    }
    assert_int_equal(got, FRAMES);
    teardown();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_tx_partial, h_teardown),
        cmocka_unit_test_teardown(test_rx_partial, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
