/*
 * ipflood: the router benchmark's generator and sink. UDP/IPv4 frames of
 * one size, each with a sequence number, sent at a fixed offered rate to a
 * router's Ethernet address and counted where they come out. AF_PACKET
 * with sendmmsg/recvmmsg batches (and no qdisc on the way out), so one CPU
 * offers far more than the routers measured here forward.
 *
 *   ipflood send IFNAME DST_MAC SRC_IP DST_IP SIZE RATE SECONDS
 *       SIZE bytes per frame without FCS (60 = the wire's 64-byte frame);
 *       prints "sent N offered M": M = RATE x SECONDS, N of them sent (fewer
 *       when the generator did not get the CPU to keep up)
 *   ipflood recv IFNAME SECONDS
 *       counts ipflood's frames arriving on IFNAME until SECONDS pass
 *       without one (after the first), or SIGTERM; prints
 *       "recv N lost L reordered R"
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH     32
#define MAX_FRAME 1514
#define MIN_FRAME 60
#define MAGIC     0x52544246u /* "RTBF" */
#define OFF_MAGIC (14 + 20 + 8)
#define OFF_SEQ   (OFF_MAGIC + 4)

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

static int sock(const char *ifname, struct sockaddr_ll *sll, uint8_t mac[6])
{
    int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
    struct ifreq ifr = { 0 };
    int one = 1, big = 8 << 20;

    if (fd < 0) {
        perror("ipflood: socket(AF_PACKET)");
        exit(1);
    }
    memset(sll, 0, sizeof *sll);
    sll->sll_family = AF_PACKET;
    sll->sll_protocol = htons(ETH_P_IP);
    sll->sll_ifindex = (int)if_nametoindex(ifname);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
    if (sll->sll_ifindex == 0 || bind(fd, (struct sockaddr *)sll, sizeof *sll) < 0 ||
        ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
        fprintf(stderr, "ipflood: interface %s: %s\n", ifname, strerror(errno));
        exit(1);
    }
    memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
    (void)setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big);
    return fd;
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void frame(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint32_t sip,
                  uint32_t dip, unsigned size)
{
    uint8_t *ip = f + 14, *udp = ip + 20;
    uint32_t sum = 0;

    memset(f, 0, size);
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    put16(f + 12, ETH_P_IP);
    ip[0] = 0x45;
    put16(ip + 2, size - 14);
    ip[8] = 64;
    ip[9] = 17;
    memcpy(ip + 12, &sip, 4); /* network order already */
    memcpy(ip + 16, &dip, 4);
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    put16(ip + 10, ~sum & 0xffff);
    put16(udp, 40000);
    put16(udp + 2, 9); /* discard; checksum 0: none (IPv4) */
    put16(udp + 4, size - 34);
    uint32_t magic = MAGIC;
    memcpy(f + OFF_MAGIC, &magic, 4);
}

static int do_send(char **argv)
{
    const char *ifname = argv[0];
    uint8_t dst[6], src[6];
    struct in_addr sip, dip;
    unsigned size = (unsigned)atoi(argv[4]), secs = (unsigned)atoi(argv[6]);
    uint64_t rate = strtoull(argv[5], NULL, 10);

    if (sscanf(argv[1], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dst[0], &dst[1], &dst[2], &dst[3],
               &dst[4], &dst[5]) != 6 ||
        inet_pton(AF_INET, argv[2], &sip) != 1 || inet_pton(AF_INET, argv[3], &dip) != 1 ||
        size < MIN_FRAME || size > MAX_FRAME || rate == 0 || secs == 0) {
        fprintf(stderr, "ipflood: bad send arguments\n");
        return 2;
    }
    struct sockaddr_ll sll;
    int fd = sock(ifname, &sll, src);
    static uint8_t frames[BATCH][MAX_FRAME];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    for (unsigned i = 0; i < BATCH; i++) {
        frame(frames[i], dst, src, sip.s_addr, dip.s_addr, size);
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
        uint64_t due = (uint64_t)((double)(t - t0) * (double)rate / 1e9);
        if (due <= seq) {
            struct timespec nap = { 0, 20000 };
            nanosleep(&nap, NULL);
            continue;
        }
        unsigned n = due - seq > BATCH ? BATCH : (unsigned)(due - seq);
        for (unsigned i = 0; i < n; i++) {
            uint64_t s = seq + i;
            memcpy(frames[i] + OFF_SEQ, &s, 8);
        }
        int r = sendmmsg(fd, msgs, n, 0);
        if (r > 0) {
            seq += (unsigned)r;
        } else if (r < 0 && errno != EAGAIN && errno != ENOBUFS && errno != EINTR) {
            perror("ipflood: sendmmsg");
            return 1;
        }
    }
    printf("sent %llu offered %llu\n", (unsigned long long)seq, (unsigned long long)(rate * secs));
    return 0;
}

static int do_recv(char **argv)
{
    struct sockaddr_ll sll;
    uint8_t mac[6];
    int fd = sock(argv[0], &sll, mac);
    uint64_t quiet = (uint64_t)atoi(argv[1]) * 1000000000ull;
    static uint8_t bufs[BATCH][2048];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    uint64_t got = 0, next = 0, reordered = 0, last = 0;

    for (unsigned i = 0; i < BATCH; i++) {
        iov[i] = (struct iovec){ bufs[i], sizeof bufs[i] };
        memset(&msgs[i], 0, sizeof msgs[i]);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    while (!stop) {
        if (got > 0 && now_ns() - last > quiet)
            break;
        int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0) {
            struct pollfd p = { fd, POLLIN, 0 };
            poll(&p, 1, 100);
            continue;
        }
        for (int i = 0; i < n; i++) {
            uint32_t magic;
            uint64_t s;
            if (msgs[i].msg_len < OFF_SEQ + 8)
                continue;
            memcpy(&magic, bufs[i] + OFF_MAGIC, 4);
            if (magic != MAGIC)
                continue;
            memcpy(&s, bufs[i] + OFF_SEQ, 8);
            got++;
            if (s < next)
                reordered++;
            else
                next = s + 1;
        }
        last = now_ns();
    }
    /* Lost: the highest sequence number seen says how many were sent up
     * to it (the sender's own count covers the tail). */
    printf("recv %llu lost %llu reordered %llu\n", (unsigned long long)got,
           (unsigned long long)(next > got ? next - got : 0), (unsigned long long)reordered);
    return 0;
}

int main(int argc, char **argv)
{
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    if (argc == 9 && strcmp(argv[1], "send") == 0)
        return do_send(argv + 2);
    if (argc == 4 && strcmp(argv[1], "recv") == 0)
        return do_recv(argv + 2);
    fprintf(stderr, "usage: ipflood send IFNAME DST_MAC SRC_IP DST_IP SIZE RATE SECONDS\n"
                    "       ipflood recv IFNAME SECONDS\n");
    return 2;
}
