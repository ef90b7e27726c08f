/*
 * Test harness for the I/O thread: host-heap channels set up as the tender
 * and the guest would, patterned frames, and peer threads on the packet fd.
 * Fatal setup problems abort (cmocka asserts are not thread-safe).
 */
#include "io_harness.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "datapath/datapath.h"
#include "datapath/tap.h"
#include "net/vnet.h"

#define H_RX_EPOCH 0x1234u

/* Harnesses between h_init and h_fini, for h_teardown. */
#define H_LIVE_MAX 4
static struct io_h *h_live[H_LIVE_MAX];

static void live_add(struct io_h *h)
{
    for (int i = 0; i < H_LIVE_MAX; i++)
        if (h_live[i] == h)
            return;
    for (int i = 0; i < H_LIVE_MAX; i++)
        if (h_live[i] == NULL) {
            h_live[i] = h;
            return;
        }
    fprintf(stderr, "io_harness: more than %d harnesses at once\n", H_LIVE_MAX);
    abort();
}

static void live_del(struct io_h *h)
{
    for (int i = 0; i < H_LIVE_MAX; i++)
        if (h_live[i] == h)
            h_live[i] = NULL;
}

static void die(const char *what)
{
    fprintf(stderr, "io_harness: %s: %s\n", what, strerror(errno));
    abort();
}

static void *zalloc(size_t len)
{
    void *p =
        aligned_alloc(SHMS_CACHELINE, (len + SHMS_CACHELINE - 1) / SHMS_CACHELINE * SHMS_CACHELINE);
    if (p == NULL)
        die("aligned_alloc");
    memset(p, 0, len);
    return p;
}

static void init_geo(struct io_h *h, uint32_t elements, uint32_t slot_size)
{
    memset(h, 0, sizeof(*h));
    snprintf(h->nic.name, sizeof(h->nic.name), "test");
    h->nic.fd = -1;
    h->nic.mtu = H_MTU;
    h->peer = -1;
    h->geo.protocol = SHMS_PROTOCOL_ETH;
    h->geo.size = slot_size;
    h->geo.elements = elements;
    h->chan_bytes = shms_channel_bytes(&h->geo);
    if (h->chan_bytes == 0)
        abort();
    h->rx_mem = zalloc(h->chan_bytes);
    h->tx_mem = zalloc(h->chan_bytes);
    h->rx_ctrl = zalloc(sizeof(struct shms_ctrl));
    h->tx_ctrl = zalloc(sizeof(struct shms_ctrl));
    h->nic.rx_wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    h->nic.tx_kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (h->nic.rx_wake_fd < 0 || h->nic.tx_kick_fd < 0)
        die("eventfd");

    /* Tender side, as the core sets it up before the guest runs. */
    if (shms_writer_init(&h->nic.rx, h->rx_mem, h->chan_bytes, h->rx_ctrl, &h->geo, H_RX_EPOCH,
                         SHMS_MODE_LOSSLESS) != SHMS_OK)
        abort();
    shms_reader_init(&h->nic.tx, h->tx_mem, h->chan_bytes, h->tx_ctrl, &h->geo, SHMS_MODE_LOSSLESS);

    /* Guest side: RX synced at start-up; TX activated by h_guest_tx_init. */
    shms_reader_init(&h->grx, h->rx_mem, h->chan_bytes, h->rx_ctrl, &h->geo, SHMS_MODE_LOSSLESS);
    if (shms_reader_sync(&h->grx) != SHMS_OK)
        abort();
    live_add(h);
}

void h_init(struct io_h *h, uint32_t elements)
{
    init_geo(h, elements, skiff_dp_slot_size(H_MTU));
}

void h_init_vnet(struct io_h *h, uint32_t elements)
{
    init_geo(h, elements, SKIFF_VNET_SLOT_SIZE);
    h->nic.vnet = true; /* the attach keeps it only if the fd can do it */
}

void h_attach_socketpair(struct io_h *h)
{
    int sp[2];
    char spec[32];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
        die("socketpair");
    snprintf(spec, sizeof(spec), "@%d", sp[0]);
    if (skiff_tap_attach(&h->nic, spec) != 0)
        abort();
    h->peer = sp[1];
    /* Peers block, but never forever. */
    struct timeval tv = { .tv_sec = 20 };
    setsockopt(h->peer, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(h->peer, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

void h_guest_tx_init(struct io_h *h)
{
    h->gtx_epoch++;
    if (shms_writer_init(&h->gtx, h->tx_mem, h->chan_bytes, h->tx_ctrl, &h->geo,
                         0x7000 + h->gtx_epoch, SHMS_MODE_LOSSLESS) != SHMS_OK)
        abort();
}

/* SKIFF_TEST_IO_URING=on|off runs every test on one packet-fd path, and
 * checks the I/O thread really took it (ctest registers both). */
static unsigned io_uring_wanted(void)
{
    const char *v = getenv("SKIFF_TEST_IO_URING");
    if (v != NULL && strcmp(v, "on") == 0)
        return SKIFF_IO_URING_ON;
    if (v != NULL && strcmp(v, "off") == 0)
        return SKIFF_IO_URING_OFF;
    return SKIFF_IO_URING_AUTO;
}

void h_start(struct io_h *h, unsigned mode)
{
    struct skiff_io_config cfg = {
        .mode = mode,
        .spin_ns = 20 * 1000,
        .nics = &h->nic,
        .nic_count = 1,
        .io_uring = io_uring_wanted(),
    };
    h->io = skiff_io_start(&cfg);
    if (h->io == NULL)
        abort();
    const char *why;
    const char *path = skiff_io_tap_io(h->io, &why);
    if ((cfg.io_uring == SKIFF_IO_URING_ON && strcmp(path, "io_uring") != 0) ||
        (cfg.io_uring == SKIFF_IO_URING_OFF && strcmp(path, "readv") != 0)) {
        fprintf(stderr, "io_harness: packet-fd path is %s (%s)\n", path, why ? why : "");
        abort();
    }
}

bool h_uring(const struct io_h *h)
{
    const char *why;
    return strcmp(skiff_io_tap_io(h->io, &why), "io_uring") == 0;
}

void h_stop(struct io_h *h)
{
    skiff_io_stop(h->io);
    h->io = NULL;
}

void h_fini(struct io_h *h)
{
    if (h->io != NULL)
        h_stop(h);
    skiff_tap_detach(&h->nic);
    if (h->peer >= 0)
        close(h->peer);
    close(h->nic.rx_wake_fd);
    close(h->nic.tx_kick_fd);
    free(h->rx_mem);
    free(h->tx_mem);
    free(h->rx_ctrl);
    free(h->tx_ctrl);
    live_del(h);
}

int h_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < H_LIVE_MAX; i++)
        if (h_live[i] != NULL)
            h_fini(h_live[i]); /* stops its I/O thread first */
    return 0;
}

/* ------------------------------------------------------------------ frames */

uint32_t h_frame_len(uint32_t seq)
{
    return H_FRAME_MIN + (seq * 131u + (seq >> 3)) % (H_FRAME_MAX - H_FRAME_MIN + 1);
}

void h_frame_fill(uint8_t *buf, uint32_t seq)
{
    uint32_t len = h_frame_len(seq);
    memset(buf, 0xff, 6);                           /* broadcast */
    memcpy(buf + 6, "\x02\x00\x5e\x10\x00\x01", 6); /* local unicast source */
    buf[12] = H_ETHERTYPE >> 8;
    buf[13] = H_ETHERTYPE & 0xff;
    buf[14] = (uint8_t)(seq >> 24);
    buf[15] = (uint8_t)(seq >> 16);
    buf[16] = (uint8_t)(seq >> 8);
    buf[17] = (uint8_t)seq;
    for (uint32_t k = 18; k < len; k++)
        buf[k] = (uint8_t)(seq * 7u + k * 13u);
}

bool h_frame_check(const uint8_t *buf, uint32_t len, uint32_t seq)
{
    uint8_t want[H_FRAME_MAX];
    if (len != h_frame_len(seq))
        return false;
    h_frame_fill(want, seq);
    return memcmp(buf, want, len) == 0;
}

bool h_is_test_frame(const uint8_t *buf, uint32_t len)
{
    return len >= 18 && buf[12] == (H_ETHERTYPE >> 8) && buf[13] == (H_ETHERTYPE & 0xff);
}

/* -------------------------------------------------------------- guest side */

static void guest_kick(struct io_h *h)
{
    uint64_t one = 1;
    if (write(h->nic.tx_kick_fd, &one, sizeof(one)) != sizeof(one))
        die("kick");
}

int h_guest_read(struct io_h *h, uint8_t *buf, uint32_t cap, uint32_t *len)
{
    return shms_read(&h->grx, buf, cap, len);
}

void h_guest_rx_release(struct io_h *h)
{
    if (shms_reader_publish(&h->grx))
        guest_kick(h);
}

int h_guest_send(struct io_h *h, const uint8_t *frame, uint32_t len)
{
    return shms_writer_put(&h->gtx, frame, len);
}

void h_guest_tx_publish(struct io_h *h)
{
    if (shms_writer_publish(&h->gtx))
        guest_kick(h);
}

bool h_guest_wait(struct io_h *h, bool rx, bool tx_full, int timeout_ms)
{
    bool sleep = true;
    if (rx && !shms_reader_prepare_sleep(&h->grx))
        sleep = false;
    if (sleep && tx_full && !shms_writer_prepare_wait(&h->gtx))
        sleep = false;
    bool ok = true;
    if (sleep) {
        struct pollfd p = { .fd = h->nic.rx_wake_fd, .events = POLLIN };
        int r = poll(&p, 1, timeout_ms);
        if (r == 0)
            ok = false;
        uint64_t v;
        if (r > 0 && read(h->nic.rx_wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
            die("wake read");
    }
    if (rx)
        shms_reader_finish_sleep(&h->grx);
    if (tx_full)
        shms_writer_finish_wait(&h->gtx);
    return ok;
}

/* -------------------------------------------------------------- peer side */

static void *peer_writer(void *arg)
{
    struct h_peer *p = arg;
    uint8_t buf[H_FRAME_MAX];
    for (uint32_t i = 0; i < p->count; i++) {
        h_frame_fill(buf, i);
        ssize_t n = write(p->h->peer, buf, h_frame_len(i));
        if (n != (ssize_t)h_frame_len(i)) {
            fprintf(stderr, "peer writer: frame %u: %s\n", i,
                    n < 0 ? strerror(errno) : "short write");
            p->bad++;
            break;
        }
        p->done++;
    }
    if (p->close_after)
        shutdown(p->h->peer, SHUT_WR);
    return NULL;
}

static void *peer_reader(void *arg)
{
    struct h_peer *p = arg;
    uint8_t buf[H_FRAME_MAX + 64];
    while (p->done < p->count) {
        ssize_t n = read(p->h->peer, buf, sizeof(buf));
        if (n <= 0) {
            fprintf(stderr, "peer reader: after %u frames: %s\n", p->done,
                    n < 0 ? strerror(errno) : "EOF");
            p->bad++;
            break;
        }
        if (!h_frame_check(buf, (uint32_t)n, p->done)) {
            fprintf(stderr, "peer reader: frame %u corrupt or out of order\n", p->done);
            p->bad++;
        }
        p->done++;
    }
    return NULL;
}

void h_peer_writer_start(struct h_peer *p)
{
    if (pthread_create(&p->thread, NULL, peer_writer, p) != 0)
        abort();
}

void h_peer_reader_start(struct h_peer *p)
{
    if (pthread_create(&p->thread, NULL, peer_reader, p) != 0)
        abort();
}

void h_peer_join(struct h_peer *p)
{
    pthread_join(p->thread, NULL);
}

uint64_t h_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t h_cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
           (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

uint64_t h_drops(const uint64_t d[SKIFF_DROP_MAX])
{
    uint64_t s = 0;
    for (int i = 0; i < SKIFF_DROP_MAX; i++)
        s += d[i];
    return s;
}
