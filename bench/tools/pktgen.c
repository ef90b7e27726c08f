/*
 * pktgen: the packet-rate harness's generator and sink (bench/e2e/pktrate).
 * Raw Ethernet frames of one size, each carrying a sequence number, sent
 * through a forwarder at a fixed offered rate and counted on the far side.
 * AF_PACKET with sendmmsg/recvmmsg batches and PACKET_QDISC_BYPASS, so one
 * CPU of the harness generates and sinks far more than a TAP forwarder moves
 * (bench/e2e/pktrate's veth row shows the harness's own ceiling).
 *
 *   pktgen send IFNAME SIZE RATE SECONDS   frames/s for SECONDS; prints
 *                                          "sent N"
 *   pktgen recv IFNAME SECONDS             counts frames until SECONDS of
 *                                          quiet after the first one, or
 *                                          SIGTERM; prints "recv N lost L
 *                                          reordered R"
 *
 * Frames use the local experimental EtherType 0x88b5, so the receiving
 * host's stack drops them right after the packet taps.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ETH_P_BENCH 0x88b5
#define BATCH       32
#define MAX_FRAME   1514
#define MAGIC       0x736b69666670676eull /* "skiffpgn" */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int open_sock(const char *ifname, struct sockaddr_ll *sll)
{
    int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_BENCH));
    if (fd < 0) {
        perror("pktgen: socket(AF_PACKET)");
        exit(1);
    }
    memset(sll, 0, sizeof *sll);
    sll->sll_family = AF_PACKET;
    sll->sll_protocol = htons(ETH_P_BENCH);
    sll->sll_ifindex = (int)if_nametoindex(ifname);
    if (sll->sll_ifindex == 0 || bind(fd, (struct sockaddr *)sll, sizeof *sll) < 0) {
        fprintf(stderr, "pktgen: interface %s: %s\n", ifname, strerror(errno));
        exit(1);
    }
    int one = 1, big = 8 << 20;
    (void)setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big);
    return fd;
}

static int do_send(const char *ifname, unsigned size, uint64_t rate, unsigned secs)
{
    struct sockaddr_ll sll;
    int fd = open_sock(ifname, &sll);
    static uint8_t frames[BATCH][MAX_FRAME];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];

    for (unsigned i = 0; i < BATCH; i++) {
        memset(frames[i], 0, size);
        memset(frames[i], 0xff, 6);                           /* broadcast */
        memcpy(frames[i] + 6, "\x02\x00\x5e\x10\x00\x01", 6); /* local MAC */
        frames[i][12] = ETH_P_BENCH >> 8;
        frames[i][13] = ETH_P_BENCH & 0xff;
        uint64_t magic = MAGIC;
        memcpy(frames[i] + 14, &magic, 8);
        iov[i] = (struct iovec){ frames[i], size };
        memset(&msgs[i], 0, sizeof msgs[i]);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    uint64_t seq = 0, t0 = now_ns(), end = t0 + (uint64_t)secs * 1000000000ull;
    while (!stop) {
        uint64_t t = now_ns();
        if (t >= end)
            break;
        /* Frames due by now at the offered rate; send them in batches. */
        uint64_t due = (uint64_t)((double)(t - t0) * (double)rate / 1e9);
        if (due <= seq) {
            struct timespec nap = { 0, 20000 };
            nanosleep(&nap, NULL);
            continue;
        }
        unsigned n = due - seq > BATCH ? BATCH : (unsigned)(due - seq);
        for (unsigned i = 0; i < n; i++) {
            uint64_t s = seq + i;
            memcpy(frames[i] + 22, &s, 8);
        }
        int r = sendmmsg(fd, msgs, n, 0);
        if (r > 0)
            seq += (unsigned)r;
        else if (r < 0 && errno != EAGAIN && errno != ENOBUFS && errno != EINTR) {
            perror("pktgen: sendmmsg");
            return 1;
        } else
            seq += n; /* the device refused them: offered, and lost */
    }
    printf("sent %llu\n", (unsigned long long)seq);
    return 0;
}

static int do_recv(const char *ifname, unsigned quiet_s)
{
    struct sockaddr_ll sll;
    int fd = open_sock(ifname, &sll);
    static uint8_t bufs[BATCH][2048];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    uint64_t got = 0, next = 0, reordered = 0, last = now_ns();
    int started = 0;

    for (unsigned i = 0; i < BATCH; i++) {
        iov[i] = (struct iovec){ bufs[i], sizeof bufs[i] };
        memset(&msgs[i], 0, sizeof msgs[i]);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    printf("ready\n");
    fflush(stdout);
    while (!stop) {
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, 100) <= 0) {
            if (started && now_ns() - last > (uint64_t)quiet_s * 1000000000ull)
                break;
            continue;
        }
        int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
        for (int i = 0; i < n; i++) {
            uint64_t magic, s;
            if (msgs[i].msg_len < 30)
                continue;
            memcpy(&magic, bufs[i] + 14, 8);
            if (magic != MAGIC)
                continue;
            memcpy(&s, bufs[i] + 22, 8);
            got++;
            if (s < next)
                reordered++;
            else
                next = s + 1;
        }
        if (n > 0) {
            started = 1;
            last = now_ns();
        }
    }
    printf("recv %llu highest %llu reordered %llu\n", (unsigned long long)got,
           (unsigned long long)next, (unsigned long long)reordered);
    return 0;
}

int main(int argc, char **argv)
{
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    if (argc == 6 && strcmp(argv[1], "send") == 0) {
        unsigned size = (unsigned)atoi(argv[3]);
        if (size < 60 || size > MAX_FRAME) {
            fprintf(stderr, "pktgen: SIZE must be 60..%d bytes\n", MAX_FRAME);
            return 2;
        }
        return do_send(argv[2], size, strtoull(argv[4], NULL, 10), (unsigned)atoi(argv[5]));
    }
    if (argc == 4 && strcmp(argv[1], "recv") == 0)
        return do_recv(argv[2], (unsigned)atoi(argv[3]));
    fprintf(stderr,
            "usage: pktgen send IFNAME SIZE RATE SECONDS | pktgen recv IFNAME QUIET_SECONDS\n");
    return 2;
}
