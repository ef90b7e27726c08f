/*
 * flood: the socket, batch, paced sender and counting sink of the frame
 * generators (flood.h says what each does).
 */
#include "flood.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

volatile sig_atomic_t flood_stop;

static void on_signal(int sig)
{
    (void)sig;
    flood_stop = 1;
}

void flood_signals(void)
{
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
}

uint64_t flood_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int flood_open(const char *tool, const char *ifname, uint16_t ethertype, uint8_t mac[6])
{
    int fd = socket(AF_PACKET, SOCK_RAW, htons(ethertype));
    struct sockaddr_ll sll = { 0 };
    struct ifreq ifr = { 0 };
    int one = 1, big = 8 << 20;

    if (fd < 0) {
        fprintf(stderr, "%s: socket(AF_PACKET): %s\n", tool, strerror(errno));
        exit(1);
    }
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ethertype);
    sll.sll_ifindex = (int)if_nametoindex(ifname);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
    if (sll.sll_ifindex == 0 || bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0 ||
        (mac && ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)) {
        fprintf(stderr, "%s: interface %s: %s\n", tool, ifname, strerror(errno));
        exit(1);
    }
    if (mac)
        memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
    (void)setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big);
    return fd;
}

void flood_batch_init(struct flood_batch *b, size_t len)
{
    for (unsigned i = 0; i < FLOOD_BATCH; i++) {
        b->iov[i] = (struct iovec){ b->frames[i], len };
        memset(&b->msgs[i], 0, sizeof b->msgs[i]);
        b->msgs[i].msg_hdr.msg_iov = &b->iov[i];
        b->msgs[i].msg_hdr.msg_iovlen = 1;
    }
}

int64_t flood_send(const char *tool, int fd, struct flood_batch *b, const struct flood_tag *tag,
                   uint64_t rate, unsigned secs, int refused_lost)
{
    uint64_t seq = 0, t0 = flood_now_ns(), end = t0 + (uint64_t)secs * 1000000000ull;

    while (!flood_stop) {
        uint64_t t = flood_now_ns();
        if (t >= end)
            break;
        /* Frames due by now at the offered rate; send them in batches. */
        uint64_t due = (uint64_t)((double)(t - t0) * (double)rate / 1e9);
        if (due <= seq) {
            struct timespec nap = { 0, 20000 };
            nanosleep(&nap, NULL);
            continue;
        }
        unsigned n = due - seq > FLOOD_BATCH ? FLOOD_BATCH : (unsigned)(due - seq);
        for (unsigned i = 0; i < n; i++) {
            uint64_t s = seq + i;
            memcpy(b->frames[i] + tag->seq_off, &s, 8);
        }
        int r = sendmmsg(fd, b->msgs, n, 0);
        if (r > 0) {
            seq += (unsigned)r;
        } else if (r < 0 && errno != EAGAIN && errno != ENOBUFS && errno != EINTR) {
            fprintf(stderr, "%s: sendmmsg: %s\n", tool, strerror(errno));
            return -1;
        } else if (refused_lost) {
            seq += n;
        }
    }
    return (int64_t)seq;
}

void flood_recv(int fd, const struct flood_tag *tag, unsigned quiet_s, struct flood_count *c)
{
    static struct flood_batch b;
    uint64_t quiet = (uint64_t)quiet_s * 1000000000ull, last = 0;

    memset(c, 0, sizeof *c);
    flood_batch_init(&b, sizeof b.frames[0]);
    while (!flood_stop) {
        if (c->got > 0 && flood_now_ns() - last > quiet)
            break;
        /* Only an empty socket costs a poll: a busy sink makes one
         * system call per batch. */
        int n = recvmmsg(fd, b.msgs, FLOOD_BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0) {
            struct pollfd p = { fd, POLLIN, 0 };
            poll(&p, 1, 100);
            continue;
        }
        for (int i = 0; i < n; i++) {
            uint64_t s;
            if (b.msgs[i].msg_len < tag->seq_off + 8 ||
                b.msgs[i].msg_len < tag->magic_off + tag->magic_len ||
                memcmp(b.frames[i] + tag->magic_off, tag->magic, tag->magic_len) != 0)
                continue;
            memcpy(&s, b.frames[i] + tag->seq_off, 8);
            c->got++;
            if (s < c->next)
                c->reordered++;
            else
                c->next = s + 1;
        }
        last = flood_now_ns();
    }
}
