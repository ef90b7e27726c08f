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
#include "flood.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_FRAME 60
#define MAGIC     0x52544246u /* "RTBF" */
#define OFF_MAGIC (14 + 20 + 8)
#define OFF_SEQ   (OFF_MAGIC + 4)

static const uint32_t magic = MAGIC;
static const struct flood_tag tag = { &magic, OFF_MAGIC, sizeof magic, OFF_SEQ };

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
    memcpy(f + OFF_MAGIC, &magic, sizeof magic);
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
        size < MIN_FRAME || size > FLOOD_MAX_FRAME || rate == 0 || secs == 0) {
        fprintf(stderr, "ipflood: bad send arguments\n");
        return 2;
    }
    int fd = flood_open("ipflood", ifname, ETH_P_IP, src);
    static struct flood_batch batch;
    flood_batch_init(&batch, size);
    for (unsigned i = 0; i < FLOOD_BATCH; i++)
        frame(batch.frames[i], dst, src, sip.s_addr, dip.s_addr, size);
    int64_t sent = flood_send("ipflood", fd, &batch, &tag, rate, secs, 0);
    if (sent < 0)
        return 1;
    printf("sent %llu offered %llu\n", (unsigned long long)sent, (unsigned long long)(rate * secs));
    return 0;
}

static int do_recv(char **argv)
{
    int fd = flood_open("ipflood", argv[0], ETH_P_IP, NULL);
    struct flood_count c;

    flood_recv(fd, &tag, (unsigned)atoi(argv[1]), &c);
    /* Lost: the highest sequence number seen says how many were sent up
     * to it (the sender's own count covers the tail). */
    printf("recv %llu lost %llu reordered %llu\n", (unsigned long long)c.got,
           (unsigned long long)(c.next > c.got ? c.next - c.got : 0),
           (unsigned long long)c.reordered);
    return 0;
}

int main(int argc, char **argv)
{
    flood_signals();
    if (argc == 9 && strcmp(argv[1], "send") == 0)
        return do_send(argv + 2);
    if (argc == 4 && strcmp(argv[1], "recv") == 0)
        return do_recv(argv + 2);
    fprintf(stderr, "usage: ipflood send IFNAME DST_MAC SRC_IP DST_IP SIZE RATE SECONDS\n"
                    "       ipflood recv IFNAME SECONDS\n");
    return 2;
}
