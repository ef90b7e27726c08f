/*
 * streamcheck: one TCP stream of an exact size whose every byte is checked.
 * iperf3 measures rates but cannot say that all bytes arrived intact (its
 * receiver's count is a snapshot taken when the control connection ends), so
 * the tests that must see corruption or loss use this:
 *
 *   streamcheck recv ADDR PORT BYTES SEED   listen, accept one connection,
 *                                           read until EOF, check content
 *   streamcheck send ADDR PORT BYTES SEED   connect, send BYTES, close
 *
 * The content is a xorshift64 stream from SEED, so any corrupted, lost,
 * duplicated or reordered byte fails the check. Each side prints one line:
 * "streamcheck: sent|received N bytes" and exits 0, or says what went wrong
 * and exits 1. recv gives up after 120 s without data.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define CHUNK 65536u

struct stream {
    uint64_t x;
};

static uint8_t next_byte(struct stream *s)
{
    s->x ^= s->x << 13;
    s->x ^= s->x >> 7;
    s->x ^= s->x << 17;
    return (uint8_t)(s->x >> 32);
}

static int usage(void)
{
    fprintf(stderr, "usage: streamcheck send|recv ADDR PORT BYTES SEED\n");
    return 2;
}

static int addr_of(const char *ip, const char *port, struct sockaddr_in *sa)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)atoi(port));
    return inet_pton(AF_INET, ip, &sa->sin_addr) == 1 ? 0 : -1;
}

static int do_send(int fd, uint64_t total, struct stream *st)
{
    uint8_t buf[CHUNK];
    uint64_t done = 0;
    while (done < total) {
        size_t n = total - done < CHUNK ? (size_t)(total - done) : CHUNK;
        for (size_t i = 0; i < n; i++)
            buf[i] = next_byte(st);
        size_t off = 0;
        while (off < n) {
            ssize_t w = write(fd, buf + off, n - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                fprintf(stderr, "streamcheck: write after %" PRIu64 " bytes: %s\n", done + off,
                        strerror(errno));
                return 1;
            }
            off += (size_t)w;
        }
        done += n;
    }
    shutdown(fd, SHUT_WR);
    /* Wait for the receiver to close: every byte was read by then. */
    while (read(fd, buf, sizeof buf) > 0)
        ;
    printf("streamcheck: sent %" PRIu64 " bytes\n", done);
    return 0;
}

static int do_recv(int fd, uint64_t total, struct stream *st)
{
    uint8_t buf[CHUNK];
    uint64_t got = 0;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            fprintf(stderr, "streamcheck: read after %" PRIu64 " bytes: %s\n", got,
                    strerror(errno));
            return 1;
        }
        if (r == 0)
            break;
        for (ssize_t i = 0; i < r; i++) {
            uint8_t want = next_byte(st);
            if (buf[i] != want) {
                fprintf(stderr,
                        "streamcheck: byte %" PRIu64 " is 0x%02x, expected 0x%02x "
                        "(corrupted, lost or reordered data)\n",
                        got + (uint64_t)i, buf[i], want);
                return 1;
            }
        }
        got += (uint64_t)r;
        if (got > total) {
            fprintf(stderr, "streamcheck: more than the %" PRIu64 " bytes expected\n", total);
            return 1;
        }
    }
    if (got != total) {
        fprintf(stderr, "streamcheck: received %" PRIu64 " of %" PRIu64 " bytes\n", got, total);
        return 1;
    }
    printf("streamcheck: received %" PRIu64 " bytes\n", got);
    return 0;
}

int main(int argc, char **argv)
{
    struct sockaddr_in sa;
    if (argc != 6 || addr_of(argv[2], argv[3], &sa) < 0)
        return usage();
    uint64_t total = strtoull(argv[4], NULL, 0);
    struct stream st = { .x = strtoull(argv[5], NULL, 0) | 1 };
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) {
        perror("streamcheck: socket");
        return 1;
    }
    if (strcmp(argv[1], "send") == 0) {
        /* The receiver may still be starting: retry for a few seconds. */
        for (int i = 0; connect(s, (struct sockaddr *)&sa, sizeof sa) < 0; i++) {
            if (i == 50) {
                perror("streamcheck: connect");
                return 1;
            }
            close(s);
            usleep(100000);
            s = socket(AF_INET, SOCK_STREAM, 0);
        }
        return do_send(s, total, &st);
    }
    if (strcmp(argv[1], "recv") != 0)
        return usage();
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s, 1) < 0) {
        perror("streamcheck: bind/listen");
        return 1;
    }
    int c = accept(s, NULL, NULL);
    if (c < 0) {
        perror("streamcheck: accept");
        return 1;
    }
    struct timeval tv = { .tv_sec = 120 };
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int rc = do_recv(c, total, &st);
    close(c);
    return rc;
}
