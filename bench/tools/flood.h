/*
 * flood: what the frame generators and sinks (tools/pktgen, router/ipflood)
 * share. An AF_PACKET socket on one interface, a batch of 32 frames for
 * sendmmsg/recvmmsg, a sender paced by the clock at a fixed offered rate,
 * and a sink that counts sequence-numbered frames (lost and reordered).
 * Each tool builds its own frames and says where in them its magic and its
 * 64-bit sequence number stand.
 */
#ifndef SKIFF_BENCH_FLOOD_H
#define SKIFF_BENCH_FLOOD_H

#include <linux/if_packet.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define FLOOD_BATCH     32
#define FLOOD_MAX_FRAME 1514
#define FLOOD_BUF       2048

/* Set by SIGTERM and SIGINT (flood_signals): both loops end at once. */
extern volatile sig_atomic_t flood_stop;

void flood_signals(void);
uint64_t flood_now_ns(void);

/* A raw socket bound to IFNAME for ETHERTYPE, with the qdisc bypassed and
 * 8 MiB socket buffers; with MAC, also the interface's Ethernet address.
 * TOOL names the program in the error; any failure exits 1. */
int flood_open(const char *tool, const char *ifname, uint16_t ethertype, uint8_t mac[6]);

/* FLOOD_BATCH buffers, each its own message of LEN bytes. */
struct flood_batch {
    uint8_t frames[FLOOD_BATCH][FLOOD_BUF];
    struct mmsghdr msgs[FLOOD_BATCH];
    struct iovec iov[FLOOD_BATCH];
};
void flood_batch_init(struct flood_batch *b, size_t len);

/* Where a tool's frames carry their magic (MAGIC_LEN bytes, as MAGIC holds
 * them) and their sequence number (8 bytes, host order). */
struct flood_tag {
    const void *magic;
    size_t magic_off, magic_len, seq_off;
};

/* Sends the batch's frames (already built) at RATE frames/s for SECS, each
 * stamped with the next sequence number, until then or flood_stop. A batch
 * the device refuses (EAGAIN, ENOBUFS, nothing sent) is tried again, or,
 * with REFUSED_LOST, counted as sent (offered, and lost). Returns the count
 * sent, or -1 on any other send error (said on stderr). */
int64_t flood_send(const char *tool, int fd, struct flood_batch *b, const struct flood_tag *tag,
                   uint64_t rate, unsigned secs, int refused_lost);

struct flood_count {
    uint64_t got;       /* frames with the tool's magic */
    uint64_t next;      /* one past the highest sequence number seen */
    uint64_t reordered; /* frames below one seen before */
};

/* Counts the tool's frames arriving on FD until QUIET_S seconds pass without
 * a frame (once one has been counted), or flood_stop. */
void flood_recv(int fd, const struct flood_tag *tag, unsigned quiet_s, struct flood_count *c);

#endif
