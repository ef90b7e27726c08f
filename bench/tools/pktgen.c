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
#include "flood.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ETH_P_BENCH 0x88b5
#define MAGIC       0x736b69666670676eull /* "skiffpgn" */

static const uint64_t magic = MAGIC;
static const struct flood_tag tag = { &magic, 14, sizeof magic, 22 };

static int do_send(const char *ifname, unsigned size, uint64_t rate, unsigned secs)
{
    int fd = flood_open("pktgen", ifname, ETH_P_BENCH, NULL);
    static struct flood_batch b;

    flood_batch_init(&b, size);
    for (unsigned i = 0; i < FLOOD_BATCH; i++) {
        memset(b.frames[i], 0, size);
        memset(b.frames[i], 0xff, 6);                           /* broadcast */
        memcpy(b.frames[i] + 6, "\x02\x00\x5e\x10\x00\x01", 6); /* local MAC */
        b.frames[i][12] = ETH_P_BENCH >> 8;
        b.frames[i][13] = ETH_P_BENCH & 0xff;
        memcpy(b.frames[i] + tag.magic_off, &magic, sizeof magic);
    }
    /* A batch the device refuses counts as offered, and lost. */
    int64_t sent = flood_send("pktgen", fd, &b, &tag, rate, secs, 1);
    if (sent < 0)
        return 1;
    printf("sent %llu\n", (unsigned long long)sent);
    return 0;
}

static int do_recv(const char *ifname, unsigned quiet_s)
{
    int fd = flood_open("pktgen", ifname, ETH_P_BENCH, NULL);
    struct flood_count c;

    printf("ready\n");
    fflush(stdout);
    flood_recv(fd, &tag, quiet_s, &c);
    printf("recv %llu highest %llu reordered %llu\n", (unsigned long long)c.got,
           (unsigned long long)c.next, (unsigned long long)c.reordered);
    return 0;
}

int main(int argc, char **argv)
{
    flood_signals();
    if (argc == 6 && strcmp(argv[1], "send") == 0) {
        unsigned size = (unsigned)atoi(argv[3]);
        if (size < 60 || size > FLOOD_MAX_FRAME) {
            fprintf(stderr, "pktgen: SIZE must be 60..%d bytes\n", FLOOD_MAX_FRAME);
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
