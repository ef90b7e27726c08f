/*
 * skiff_tap_attach against real TAP interfaces (needs root and /dev/net/tun;
 * exits 77 = skipped otherwise): attach errors, then traffic both ways
 * through the kernel with AF_PACKET on the host side, oversized frames
 * from the kernel counted as drops, and frames refused by a TAP that is
 * down counted as such.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <urcu/system.h>

#include "io_harness.h"
#include "datapath/tap.h"

/* One name per process: two runs of this test (both builds, or two
 * people's) must not take each other's TAP. */
static char tap_name[IFNAMSIZ];
#define FRAMES 2000u

/* Create (persistent) or delete the test TAP. */
static int tap_persist(const char *name, int on)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    int rc = ioctl(fd, TUNSETIFF, &ifr);
    if (rc == 0)
        rc = ioctl(fd, TUNSETPERSIST, on);
    close(fd);
    return rc;
}

static int if_ioctl(unsigned long req, struct ifreq *ifr)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    int rc = ioctl(s, req, ifr);
    close(s);
    return rc;
}

static void set_up(const char *name, bool up)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    assert_int_equal(if_ioctl(SIOCGIFFLAGS, &ifr), 0);
    if (up)
        ifr.ifr_flags |= IFF_UP;
    else
        ifr.ifr_flags &= ~IFF_UP;
    assert_int_equal(if_ioctl(SIOCSIFFLAGS, &ifr), 0);
}

static void set_mtu(const char *name, int mtu)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    ifr.ifr_mtu = mtu;
    assert_int_equal(if_ioctl(SIOCSIFMTU, &ifr), 0);
}

static int setup(void **state)
{
    (void)state;
    tap_persist(tap_name, 0);
    if (tap_persist(tap_name, 1) != 0)
        return -1;
    /* No IPv6 chatter from the kernel on the test link. */
    char path[96];
    snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/disable_ipv6", tap_name);
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        fputs("1", f);
        fclose(f);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tap_persist(tap_name, 0);
    return 0;
}

static void test_attach_errors(void **state)
{
    (void)state;
    struct skiff_nic nic;
    memset(&nic, 0, sizeof(nic));
    snprintf(nic.name, sizeof(nic.name), "t");

    assert_int_equal(skiff_tap_attach(&nic, "skiffnonexist9"), -1);
    assert_int_equal(nic.fd, -1);
    assert_int_equal(skiff_tap_attach(&nic, "an-interface-name-too-long"), -1);
    assert_int_equal(skiff_tap_attach(&nic, "lo"), -1); /* not a TAP */
    assert_int_equal(skiff_tap_attach(&nic, "@"), -1);
    assert_int_equal(skiff_tap_attach(&nic, "@12x"), -1);
    assert_int_equal(skiff_tap_attach(&nic, "@999"), -1);
    assert_int_equal(skiff_tap_attach(&nic, "@1"), -1);
    assert_int_equal(skiff_tap_attach(&nic, ""), -1);

    set_up(tap_name, false);
    assert_int_equal(skiff_tap_attach(&nic, tap_name), -1);
    assert_int_equal(nic.fd, -1);
    set_up(tap_name, true);
    assert_int_equal(skiff_tap_attach(&nic, tap_name), 0);
    assert_true(nic.fd > 2);
    assert_string_equal(nic.ifname, tap_name);
    assert_int_equal(nic.mtu, 1500);
    assert_false(nic.inherited);
    assert_true(fcntl(nic.fd, F_GETFL) & O_NONBLOCK);
    assert_true(fcntl(nic.fd, F_GETFD) & FD_CLOEXEC);

    /* The same TAP handed over as an inherited fd is recognised as a TAP. */
    struct skiff_nic inh;
    memset(&inh, 0, sizeof(inh));
    char spec[16];
    int dup_fd = dup(nic.fd);
    snprintf(spec, sizeof(spec), "@%d", dup_fd);
    assert_int_equal(skiff_tap_attach(&inh, spec), 0);
    assert_string_equal(inh.ifname, tap_name);
    assert_true(inh.inherited);
    assert_int_equal(inh.mtu, 1500);
    skiff_tap_detach(&inh);
    skiff_tap_detach(&nic);
    assert_int_equal(nic.fd, -1);
}

/* vnet headers: on for a named TAP when asked; an inherited fd keeps them
 * only if it already has IFF_VNET_HDR; a plain NIC refuses such an fd. */
static void test_vnet_attach(void **state)
{
    (void)state;
    struct skiff_nic nic, inh;
    char spec[16];
    memset(&nic, 0, sizeof(nic));
    snprintf(nic.name, sizeof(nic.name), "t");
    nic.vnet = true;
    set_up(tap_name, true);
    assert_int_equal(skiff_tap_attach(&nic, tap_name), 0);
    assert_true(nic.vnet);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    assert_int_equal(ioctl(nic.fd, TUNGETIFF, &ifr), 0);
    assert_true(ifr.ifr_flags & IFF_VNET_HDR);
    int sz = 0;
    assert_int_equal(ioctl(nic.fd, TUNGETVNETHDRSZ, &sz), 0);
    assert_int_equal(sz, 12);

    memset(&inh, 0, sizeof(inh));
    inh.vnet = true;
    snprintf(spec, sizeof(spec), "@%d", dup(nic.fd));
    assert_int_equal(skiff_tap_attach(&inh, spec), 0);
    assert_true(inh.vnet);
    skiff_tap_detach(&inh);
    memset(&inh, 0, sizeof(inh)); /* plain NIC, vnet fd: refused */
    snprintf(spec, sizeof(spec), "@%d", dup(nic.fd));
    assert_int_equal(skiff_tap_attach(&inh, spec), -1);
    close(atoi(spec + 1));
    skiff_tap_detach(&nic);

    /* A plain TAP fd for a NIC that asks for vnet: runs plain. */
    memset(&nic, 0, sizeof(nic));
    assert_int_equal(skiff_tap_attach(&nic, tap_name), 0);
    memset(&inh, 0, sizeof(inh));
    inh.vnet = true;
    snprintf(spec, sizeof(spec), "@%d", dup(nic.fd));
    assert_int_equal(skiff_tap_attach(&inh, spec), 0);
    assert_false(inh.vnet);
    skiff_tap_detach(&inh);
    skiff_tap_detach(&nic);
}

/* AF_PACKET socket on the TAP: sees what the guest sends, injects what the
 * guest receives. */
static int packet_socket(void)
{
    int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(H_ETHERTYPE));
    assert_true(s >= 0);
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof(sll));
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(H_ETHERTYPE);
    sll.sll_ifindex = (int)if_nametoindex(tap_name);
    assert_int_equal(bind(s, (struct sockaddr *)&sll, sizeof(sll)), 0);
    int buf = 8 << 20;
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
    struct timeval tv = { .tv_sec = 5 };
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return s;
}

static void traffic(unsigned mode)
{
    static struct io_h h;
    h_init(&h, 256);
    set_up(tap_name, true);
    assert_int_equal(skiff_tap_attach(&h.nic, tap_name), 0);
    h_guest_tx_init(&h);
    h_start(&h, mode);
    int ps = packet_socket();

    /* Guest -> TAP: the kernel receives the frames; AF_PACKET sees them. */
    uint8_t buf[H_FRAME_MAX + 64];
    uint32_t got = 0;
    for (uint32_t i = 0; i < FRAMES; i++) {
        h_frame_fill(buf, i);
        while (h_guest_send(&h, buf, h_frame_len(i)) == SHMS_FULL) {
            h_guest_tx_publish(&h);
            h_guest_wait(&h, false, true, 100);
        }
        if (i % 16 == 15)
            h_guest_tx_publish(&h);
    }
    h_guest_tx_publish(&h);
    while (got < FRAMES) {
        ssize_t n = recv(ps, buf, sizeof(buf), 0);
        assert_true(n > 0);
        if (!h_is_test_frame(buf, (uint32_t)n))
            continue;
        if (!h_frame_check(buf, (uint32_t)n, got))
            fail_msg("TX frame %u corrupt or out of order", got);
        got++;
    }

    /* TAP -> guest, paced so the kernel's TAP queue (1000) never overflows. */
    uint32_t rx = 0;
    for (uint32_t i = 0; i < FRAMES || rx < FRAMES;) {
        if (i < FRAMES && i - rx < 128) {
            h_frame_fill(buf, i);
            assert_int_equal(send(ps, buf, h_frame_len(i), 0), (ssize_t)h_frame_len(i));
            i++;
            continue;
        }
        uint32_t len;
        int rv = h_guest_read(&h, buf, sizeof(buf), &len);
        if (rv == SHMS_NO_DATA) {
            h_guest_rx_release(&h);
            assert_true(h_guest_wait(&h, true, false, 2000));
            continue;
        }
        assert_int_equal(rv, SHMS_OK);
        if (!h_is_test_frame(buf, len))
            continue;
        if (!h_frame_check(buf, len, rx))
            fail_msg("RX frame %u corrupt or out of order", rx);
        rx++;
    }
    h_guest_rx_release(&h);

    /* Larger MTU on the kernel side than at attach time: a frame over the
     * attach-time limit is dropped and counted, the next one arrives. */
    set_mtu(tap_name, 4000);
    memset(buf, 0, 14);
    uint8_t big[3000];
    h_frame_fill(big, 0);
    assert_int_equal(send(ps, big, sizeof(big), 0), (ssize_t)sizeof(big));
    h_frame_fill(buf, 7);
    assert_int_equal(send(ps, buf, h_frame_len(7), 0), (ssize_t)h_frame_len(7));
    for (;;) {
        uint32_t len;
        int rv = h_guest_read(&h, buf, sizeof(buf), &len);
        if (rv == SHMS_NO_DATA) {
            assert_true(h_guest_wait(&h, true, false, 2000));
            continue;
        }
        assert_int_equal(rv, SHMS_OK);
        if (h_is_test_frame(buf, len)) {
            assert_true(h_frame_check(buf, len, 7));
            break;
        }
    }
    h_guest_rx_release(&h);
    set_mtu(tap_name, 1500);

    h_stop(&h);
    close(ps);
    assert_int_equal(h.nic.stats.tx_frames, FRAMES);
    assert_int_equal(h_drops(h.nic.stats.tx_drops), 0);
    assert_int_equal(h.nic.stats.rx_drops[SKIFF_DROP_TOO_BIG], 1);
    assert_true(h.nic.stats.rx_frames >= FRAMES + 1);
    h_fini(&h);
}

/* Frames through a vnet TAP: the guest's header + frame goes out as the
 * frame; a frame from the kernel arrives behind a 12-byte header. */
static void test_vnet_traffic(void **state)
{
    (void)state;
    static struct io_h h;
    h_init_vnet(&h, 64);
    set_up(tap_name, true);
    assert_int_equal(skiff_tap_attach(&h.nic, tap_name), 0);
    assert_true(h.nic.vnet);
    h_guest_tx_init(&h);
    h_start(&h, SKIFF_IO_EVENT);
    int ps = packet_socket();
    enum { N = 50, HDR = 12 };
    uint8_t buf[HDR + H_FRAME_MAX + 64];

    for (uint32_t i = 0; i < N; i++) {
        struct shms_wslot ws;
        memset(buf, 0, HDR); /* no offload asked */
        h_frame_fill(buf + HDR, i);
        assert_int_equal(shms_writer_reserve(&h.gtx, &ws), SHMS_OK);
        memcpy(ws.data, buf, HDR + h_frame_len(i));
        assert_int_equal(shms_writer_commit(&h.gtx, &ws, h_frame_len(i), HDR), SHMS_OK);
    }
    h_guest_tx_publish(&h);
    for (uint32_t got = 0; got < N;) {
        ssize_t n = recv(ps, buf, sizeof(buf), 0);
        assert_true(n > 0);
        if (!h_is_test_frame(buf, (uint32_t)n))
            continue;
        if (!h_frame_check(buf, (uint32_t)n, got))
            fail_msg("TX frame %u corrupt or out of order", got);
        got++;
    }

    for (uint32_t i = 0; i < N; i++) {
        h_frame_fill(buf, i);
        assert_int_equal(send(ps, buf, h_frame_len(i), 0), (ssize_t)h_frame_len(i));
    }
    for (uint32_t rx = 0; rx < N;) {
        struct shms_rslot rs;
        int rv = shms_reader_peek(&h.grx, &rs);
        if (rv == SHMS_NO_DATA) {
            shms_reader_release(&h.grx);
            h_guest_rx_release(&h);
            assert_true(h_guest_wait(&h, true, false, 2000));
            continue;
        }
        assert_int_equal(rv, SHMS_OK);
        assert_int_equal(rs.vnet_len, HDR);
        if (!h_is_test_frame(rs.data, rs.len))
            continue;
        if (!h_frame_check(rs.data, rs.len, rx))
            fail_msg("RX frame %u corrupt or out of order", rx);
        rx++;
    }
    shms_reader_release(&h.grx);
    h_guest_rx_release(&h);
    h_stop(&h);
    close(ps);
    assert_int_equal(h.nic.stats.tx_frames, N);
    assert_int_equal(h_drops(h.nic.stats.tx_drops), 0);
    h_fini(&h);
}

/* A TAP that is down refuses frames with EIO, as one does while it moves
 * into a network namespace until it is set up there: they are counted as
 * link_down (expected), not as TAP errors, and frames go out again once it
 * is up. */
static void test_link_down(void **state)
{
    (void)state;
    static struct io_h h;
    h_init(&h, 64);
    set_up(tap_name, true);
    assert_int_equal(skiff_tap_attach(&h.nic, tap_name), 0);
    h_guest_tx_init(&h);
    h_start(&h, SKIFF_IO_EVENT);
    uint8_t buf[H_FRAME_MAX + 64];
    enum { DOWN = 5 };

    set_up(tap_name, false);
    for (uint32_t i = 0; i < DOWN; i++) {
        h_frame_fill(buf, i);
        assert_int_equal(h_guest_send(&h, buf, h_frame_len(i)), SHMS_OK);
    }
    h_guest_tx_publish(&h);
    for (int t = 0; t < 5000 && CMM_LOAD_SHARED(h.nic.stats.tx_drops[SKIFF_DROP_LINK_DOWN]) < DOWN;
         t++)
        usleep(1000);
    assert_int_equal(CMM_LOAD_SHARED(h.nic.stats.tx_drops[SKIFF_DROP_LINK_DOWN]), DOWN);

    set_up(tap_name, true);
    int ps = packet_socket(); /* one open across the down would say ENETDOWN */
    h_frame_fill(buf, DOWN);
    assert_int_equal(h_guest_send(&h, buf, h_frame_len(DOWN)), SHMS_OK);
    h_guest_tx_publish(&h);
    for (;;) {
        ssize_t n = recv(ps, buf, sizeof(buf), 0);
        assert_true(n > 0);
        if (h_is_test_frame(buf, (uint32_t)n)) {
            assert_true(h_frame_check(buf, (uint32_t)n, DOWN));
            break;
        }
    }
    h_stop(&h);
    close(ps);
    assert_int_equal(h.nic.stats.tx_drops[SKIFF_DROP_LINK_DOWN], DOWN);
    assert_int_equal(h.nic.stats.tx_drops[SKIFF_DROP_TAP_ERROR], 0);
    assert_int_equal(h.nic.stats.tx_frames, 1);
    h_fini(&h);
}

static void test_traffic_event(void **state)
{
    (void)state;
    traffic(SKIFF_IO_EVENT);
}

static void test_traffic_poll(void **state)
{
    (void)state;
    traffic(SKIFF_IO_POLL);
}

int main(void)
{
    if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0) {
        printf("skipped: needs root and /dev/net/tun\n");
        return 77;
    }
    snprintf(tap_name, sizeof tap_name, "skiot%d", (int)getpid());
    if (tap_persist(tap_name, 1) != 0) {
        printf("skipped: cannot create a TAP here: %s\n", strerror(errno));
        return 77;
    }
    tap_persist(tap_name, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_attach_errors, h_teardown),
        cmocka_unit_test_teardown(test_vnet_attach, h_teardown),
        cmocka_unit_test_teardown(test_vnet_traffic, h_teardown),
        cmocka_unit_test_teardown(test_traffic_event, h_teardown),
        cmocka_unit_test_teardown(test_traffic_poll, h_teardown),
        cmocka_unit_test_teardown(test_link_down, h_teardown),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
