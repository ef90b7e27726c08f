/*
 * UDP echo client for the Mirage network test: every datagram carries a
 * payload derived from its sequence number and size, and every echo is
 * compared byte for byte with what was sent.
 *
 *   udpecho ADDR PORT COUNT MAXSIZE [BURST]
 *
 * First BURST datagrams (default 0) of MAXSIZE bytes back to back, without
 * waiting: load that can fill the guest's transmit path (echoes lost there
 * are counted, not failed: a Solo5 NIC drops what it has no room for). Then
 * COUNT datagrams one at a time, sizes cycling through 1..MAXSIZE, each
 * echo awaited (2 s) and checked: a loss, a short or corrupted echo fails.
 * Prints one line per phase; exit 0 only if every checked echo was intact.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAYLOAD 65507

static void fill(uint8_t *buf, size_t len, uint32_t seq)
{
    uint32_t x = seq * 2654435761u + (uint32_t)len;

    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)x;
    }
    if (len >= 4)
        memcpy(buf, &seq, 4); /* the sequence number, to tell echoes apart */
}

/* Wait up to ms for a datagram; returns its length, or -1 on timeout. */
static ssize_t recv_wait(int s, uint8_t *buf, size_t size, int ms)
{
    struct pollfd p = { .fd = s, .events = POLLIN };
    int r = poll(&p, 1, ms);

    if (r < 0) {
        perror("udpecho: poll");
        exit(1);
    }
    if (r == 0)
        return -1;
    ssize_t n = recv(s, buf, size, 0);
    if (n < 0) {
        perror("udpecho: recv");
        exit(1);
    }
    return n;
}

static long parse(const char *s, long lo, long hi, const char *what)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "udpecho: %s must be %ld..%ld, not '%s'\n", what, lo, hi, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: udpecho ADDR PORT COUNT MAXSIZE [BURST]\n");
        return 2;
    }
    struct sockaddr_in dst = { .sin_family = AF_INET };
    if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
        fprintf(stderr, "udpecho: bad address '%s'\n", argv[1]);
        return 2;
    }
    dst.sin_port = htons((uint16_t)parse(argv[2], 1, 65535, "PORT"));
    long count = parse(argv[3], 0, 10000000, "COUNT");
    size_t max = (size_t)parse(argv[4], 4, MAX_PAYLOAD, "MAXSIZE");
    long burst = argc == 6 ? parse(argv[5], 0, 1000000, "BURST") : 0;

    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
        perror("udpecho: socket");
        return 1;
    }
    int big = 4 << 20;
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    static uint8_t out[MAX_PAYLOAD], in[MAX_PAYLOAD + 1];

    if (burst > 0) {
        long echoed = 0, bad = 0;
        for (long i = 0; i < burst; i++) {
            fill(out, max, (uint32_t)i);
            if (send(s, out, max, 0) < 0 && errno != ENOBUFS) {
                perror("udpecho: send");
                return 1;
            }
        }
        ssize_t n;
        while ((n = recv_wait(s, in, sizeof(in), 500)) >= 0) {
            uint32_t seq;
            memcpy(&seq, in, 4);
            fill(out, max, seq);
            if ((size_t)n == max && seq < (uint32_t)burst && memcmp(in, out, max) == 0)
                echoed++;
            else
                bad++;
        }
        printf("udpecho: burst of %ld x %zu bytes: %ld echoed intact, %ld lost, %ld bad\n", burst,
               max, echoed, burst - echoed - bad, bad);
        if (bad > 0)
            return 1;
    }

    for (long i = 0; i < count; i++) {
        uint32_t seq = (uint32_t)(burst + i);
        size_t len = 1 + (size_t)((i * 7919) % (long)max);
        fill(out, len, seq);
        if (send(s, out, len, 0) < 0) {
            perror("udpecho: send");
            return 1;
        }
        ssize_t n;
        for (;;) {
            n = recv_wait(s, in, sizeof(in), 2000);
            if (n < 0) {
                printf("udpecho: FAIL: datagram %ld (%zu bytes) got no echo in 2 s\n", i, len);
                return 1;
            }
            /* a late echo of the burst: skip it */
            uint32_t got;
            if (n >= 4 && (memcpy(&got, in, 4), got < (uint32_t)burst))
                continue;
            break;
        }
        if ((size_t)n != len || memcmp(in, out, len) != 0) {
            printf("udpecho: FAIL: datagram %ld: sent %zu bytes, echo of %zd bytes %s\n", i, len, n,
                   (size_t)n == len ? "differs" : "has the wrong length");
            return 1;
        }
    }
    printf("udpecho: %ld datagrams of 1..%zu bytes echoed intact\n", count, max);
    return 0;
}
