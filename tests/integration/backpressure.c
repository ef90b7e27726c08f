/*
 * backpressure: drives `skiff --net:wan=@3 --net:lan=@4 bridge.spt` over two
 * inherited SOCK_SEQPACKET sockets and makes the output side slow on
 * purpose, to prove the lossless path end to end.
 *
 * It sends FRAMES patterned frames (sizes 60..1514, a sequence number and a
 * checksum in each) into wan as fast as the sockets take them, and reads lan
 * in bursts with a pause after every PAUSE_EVERY frames. During a pause the
 * tender's writes to lan hit EAGAIN, its lan TX ring fills, the guest has to
 * wait for room (solo5_net_wait_space), stops reading wan, the wan RX ring
 * fills and frames back up into the wan socket: nothing may be lost, since a
 * pause (PAUSE_MS) is shorter than the longest time the bridge waits for room.
 * That wait is 20 s here (SPACE_WAIT), not the bridge's default 100 ms: on a
 * loaded host this reader (or the tender) can be descheduled for longer
 * than 100 ms at a time (seen: 160 ms at load 12 on 2 cores), and then the
 * bridge drops the frame it could not queue, by design and counted, which
 * says nothing about the tender.
 * Every frame must arrive once, in order, byte for byte. Then both sockets
 * are closed and the tender must exit 0 by itself.
 *
 * --io=direct has no rings: a write that meets a full socket fails and the
 * guest drops that frame (counted), as a Solo5 guest would. With "lossy" the
 * driver accepts such gaps (what arrives must still be intact and in order)
 * and reports how many frames came; the caller balances that against the
 * guest's counters.
 *
 *   backpressure SKIFF BRIDGE-IMAGE IO-MODE STATS-FILE [lossy]
 *
 * The caller checks the tender's counters in STATS-FILE and the guest's
 * console (this program passes skiff's stdout and stderr through).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FRAMES      20000u
#define PAUSE_EVERY 2000u
#define PAUSE_MS    25                    /* far under the bridge's wait for room */
#define SPACE_WAIT  "space-wait-ms=20000" /* bridge command line: < DEADLINE_S */
#define MIN_LEN     60u
#define MAX_LEN     1514u
#define HDR_LEN     22u /* Ethernet header + sequence number + checksum */
#define DEADLINE_S  60

static int fail(const char *fmt, unsigned long a, unsigned long b)
{
    fprintf(stderr, "backpressure: FAIL: ");
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint32_t frame_len(uint32_t seq)
{
    return MIN_LEN + (seq * 2654435761u >> 7) % (MAX_LEN - MIN_LEN + 1);
}

static uint8_t pattern(uint32_t seq, uint32_t i)
{
    return (uint8_t)(seq * 31u + i * 7u + (i >> 8));
}

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* dst 02:..:02, src 02:..:01, a local experimental EtherType, then the
 * sequence number, the payload checksum and the pattern. */
static uint32_t build(uint8_t *f, uint32_t seq)
{
    static const uint8_t eth[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xb5 };
    uint32_t len = frame_len(seq);
    memcpy(f, eth, sizeof eth);
    put32(f + 14, seq);
    for (uint32_t i = HDR_LEN; i < len; i++)
        f[i] = pattern(seq, i);
    put32(f + 18, fnv1a(f + HDR_LEN, len - HDR_LEN));
    return len;
}

/* The frame that should carry `*want` (lossy: `*want` or a later one), byte
 * for byte; `*want` becomes the next sequence number to expect. */
static int check(const uint8_t *f, ssize_t n, uint32_t *want, bool lossy)
{
    uint8_t ref[MAX_LEN];
    if (n >= 18 && lossy && get32(f + 14) > *want && get32(f + 14) < FRAMES)
        *want = get32(f + 14);
    if (n >= 18 && get32(f + 14) > *want && get32(f + 14) < FRAMES)
        return fail("frame missing or late: got sequence %lu, expected %lu (see the guest's drops)",
                    get32(f + 14), *want);
    if (n >= 18 && get32(f + 14) != *want)
        return fail("frame out of order: got sequence %lu, expected %lu", get32(f + 14), *want);
    uint32_t seq = (*want)++;
    uint32_t len = build(ref, seq);
    if (n != (ssize_t)len)
        return fail("frame %lu is %lu bytes long", seq, (unsigned long)n);
    if (memcmp(f, ref, len) != 0 || fnv1a(f + HDR_LEN, len - HDR_LEN) != get32(f + 18))
        return fail("frame %lu (%lu bytes) arrived corrupted", seq, len);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 5 && !(argc == 6 && strcmp(argv[5], "lossy") == 0)) {
        fprintf(stderr, "usage: backpressure SKIFF BRIDGE-IMAGE IO-MODE STATS-FILE [lossy]\n");
        return 2;
    }
    const bool lossy = argc == 6;
    int wan[2], lan[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, wan) < 0 ||
        socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, lan) < 0) {
        perror("backpressure: socketpair");
        return 1;
    }
    char io[32], stats[4096];
    snprintf(io, sizeof io, "--io=%s", argv[3]);
    snprintf(stats, sizeof stats, "--stats=%s", argv[4]);

    pid_t pid = fork();
    if (pid < 0) {
        perror("backpressure: fork");
        return 1;
    }
    if (pid == 0) {
        /* The tender's ends become fds 3 and 4 (by way of fds above both,
         * so neither dup2 can clobber the other end). */
        int w = fcntl(wan[1], F_DUPFD, 10), l = fcntl(lan[1], F_DUPFD, 10);
        if (w < 0 || l < 0 || dup2(w, 3) < 0 || dup2(l, 4) < 0)
            _exit(126);
        for (int fd = 5; fd < 64; fd++)
            close(fd);
        execl(argv[1], argv[1], "--net:wan=@3", "--net:lan=@4", io, stats, argv[2], SPACE_WAIT,
              (char *)NULL);
        perror("backpressure: exec");
        _exit(127);
    }
    close(wan[1]);
    close(lan[1]);

    uint8_t f[MAX_LEN + 64];
    uint32_t sent = 0, got = 0, next = 0, pauses = 0;
    unsigned long eagain_sends = 0;
    double start = now_s(), resume = 0, last_rx = start;
    int rc = 0;
    while (next < FRAMES && rc == 0) {
        double t = now_s();
        if (lossy && sent == FRAMES && t - last_rx > 0.5)
            break; /* the rest was dropped (and counted) */
        if (t - start > DEADLINE_S) {
            rc = fail("only %lu of %lu frames came back in time", got, FRAMES);
            break;
        }
        struct pollfd p[2] = { { .fd = wan[0], .events = sent < FRAMES ? POLLOUT : 0 },
                               { .fd = lan[0], .events = t >= resume ? POLLIN : 0 } };
        if (poll(p, 2, 5) < 0 && errno != EINTR) {
            perror("backpressure: poll");
            rc = 1;
            break;
        }
        if (p[0].revents & (POLLERR | POLLHUP) || p[1].revents & (POLLERR | POLLHUP)) {
            rc = fail("the tender closed a socket after %lu sent, %lu received", sent, got);
            break;
        }
        while (sent < FRAMES && (p[0].revents & POLLOUT)) {
            uint32_t len = build(f, sent);
            if (send(wan[0], f, len, 0) == (ssize_t)len) {
                sent++;
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                perror("backpressure: send");
                rc = 1;
            }
            eagain_sends++;
            break;
        }
        while (rc == 0 && (p[1].revents & POLLIN) && now_s() >= resume) {
            ssize_t n = recv(lan[0], f, sizeof f, 0);
            if (n < 0) {
                if (errno != EAGAIN && errno != EWOULDBLOCK) {
                    perror("backpressure: recv");
                    rc = 1;
                }
                break;
            }
            if (n == 0) {
                rc = fail("lan closed after %lu of %lu frames", got, FRAMES);
                break;
            }
            last_rx = now_s();
            rc = check(f, n, &next, lossy);
            if (rc == 0 && ++got % PAUSE_EVERY == 0) {
                resume = now_s() + PAUSE_MS / 1000.0;
                pauses++;
            }
        }
    }

    /* No frame beyond the ones sent may show up. */
    if (rc == 0) {
        usleep(100000);
        ssize_t n = recv(lan[0], f, sizeof f, 0);
        if (n > 0)
            rc = fail("an extra %lu-byte frame arrived after all %lu", (unsigned long)n, FRAMES);
    }
    printf("backpressure: sent %u, received %u intact and in order, %u pauses of %d ms, "
           "%lu sends met a full socket\n",
           sent, got, pauses, PAUSE_MS, eagain_sends);
    printf("backpressure: received=%u\n", got);
    fflush(stdout);

    /* Closing both ends: the guest sees its NICs closed and exits 0. */
    close(wan[0]);
    close(lan[0]);
    int status = 0;
    for (int i = 0; i < 200; i++) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (i == 199) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fprintf(stderr, "backpressure: FAIL: the tender was still running 10 s after both "
                            "sockets closed\n");
            return 1;
        }
        usleep(50000);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return fail("the tender ended with status %lu (signal %lu)",
                    WIFEXITED(status) ? (unsigned long)WEXITSTATUS(status) : 0,
                    WIFSIGNALED(status) ? (unsigned long)WTERMSIG(status) : 0);
    return rc;
}
