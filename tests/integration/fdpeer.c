/*
 * fdpeer: drives `skiff --net:service=@3 ping.spt` over an inherited
 * SOCK_SEQPACKET socket, standing in for the network. It resolves the guest
 * by ARP, sends patterned ICMP echo requests, checks every reply byte for
 * byte, then closes its end: the guest must see the device closed and the
 * tender must exit 0 on its own (the mirage-cat EOF bug, fixed). With "eof"
 * it closes its end before skiff starts: the device is closed from the
 * start, and the guest must see that (not abort at boot) and exit 0 too.
 *
 *   fdpeer SKIFF PING-IMAGE [IO-MODE [eof]]
 */
#include <arpa/inet.h>
#include <errno.h>
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

#define ECHOES  200
#define PAYLOAD 1000

static const uint8_t my_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t my_ip[4] = { 10, 9, 0, 1 };
static const uint8_t guest_ip[4] = { 10, 9, 0, 2 };

static int fail(const char *what)
{
    fprintf(stderr, "fdpeer: FAIL: %s\n", what);
    return 1;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Receive one frame within 5 s; returns its length or -1. */
static ssize_t recv_frame(int fd, uint8_t *buf, size_t size)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    if (poll(&pfd, 1, 5000) != 1)
        return -1;
    return recv(fd, buf, size, 0);
}

static int arp(int fd, uint8_t guest_mac[6])
{
    uint8_t f[64] = { 0 }, r[2048];
    memset(f, 0xff, 6);
    memcpy(f + 6, my_mac, 6);
    put16(f + 12, 0x0806);
    put16(f + 14, 1);      /* Ethernet */
    put16(f + 16, 0x0800); /* IPv4 */
    f[18] = 6;
    f[19] = 4;
    put16(f + 20, 1); /* request */
    memcpy(f + 22, my_mac, 6);
    memcpy(f + 28, my_ip, 4);
    memcpy(f + 38, guest_ip, 4);
    if (send(fd, f, 60, 0) != 60)
        return fail("send ARP request");
    for (;;) {
        ssize_t n = recv_frame(fd, r, sizeof r);
        if (n < 0)
            return fail("no ARP reply");
        if (n >= 42 && r[12] == 0x08 && r[13] == 0x06 && r[21] == 2 &&
            memcmp(r + 28, guest_ip, 4) == 0 && memcmp(r + 32, my_mac, 6) == 0) {
            memcpy(guest_mac, r + 22, 6);
            return 0;
        }
    }
}

static int echo(int fd, const uint8_t guest_mac[6], uint16_t seq)
{
    uint8_t f[14 + 20 + 8 + PAYLOAD], r[2048];
    size_t ip_len = 20 + 8 + PAYLOAD;
    memcpy(f, guest_mac, 6);
    memcpy(f + 6, my_mac, 6);
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14, *icmp = ip + 20;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)ip_len);
    put16(ip + 4, seq);
    ip[8] = 64;
    ip[9] = 1;
    memcpy(ip + 12, my_ip, 4);
    memcpy(ip + 16, guest_ip, 4);
    put16(ip + 10, csum(ip, 20));
    icmp[0] = 8;
    icmp[1] = 0;
    put16(icmp + 2, 0);
    put16(icmp + 4, 0x5a1f);
    put16(icmp + 6, seq);
    for (size_t i = 0; i < PAYLOAD; i++)
        icmp[8 + i] = (uint8_t)(i * 7 + seq);
    put16(icmp + 2, csum(icmp, 8 + PAYLOAD));
    if (send(fd, f, sizeof f, 0) != (ssize_t)sizeof f)
        return fail("send echo request");

    ssize_t n = recv_frame(fd, r, sizeof r);
    if (n != (ssize_t)sizeof f)
        return fail("echo reply missing or wrong length");
    uint8_t *rip = r + 14, *ricmp = rip + 20;
    if (memcmp(r, my_mac, 6) != 0 || r[12] != 0x08 || r[13] != 0x00)
        return fail("echo reply: bad Ethernet header");
    if (csum(rip, 20) != 0 || memcmp(rip + 12, guest_ip, 4) != 0 || memcmp(rip + 16, my_ip, 4) != 0)
        return fail("echo reply: bad IPv4 header");
    if (ricmp[0] != 0 || csum(ricmp, 8 + PAYLOAD) != 0)
        return fail("echo reply: bad ICMP type or checksum");
    if (memcmp(ricmp + 4, icmp + 4, 4 + PAYLOAD) != 0)
        return fail("echo reply: payload differs from the request");
    return 0;
}

int main(int argc, char **argv)
{
    int sv[2], status;
    uint8_t guest_mac[6];

    if (argc < 3) {
        fprintf(stderr, "usage: fdpeer SKIFF PING-IMAGE [IO-MODE [eof]]\n");
        return 2;
    }
    bool eof_first = argc > 4 && strcmp(argv[4], "eof") == 0;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return fail("socketpair");
    if (eof_first)
        close(sv[0]);
    pid_t pid = fork();
    if (pid == 0) {
        char io[32];
        snprintf(io, sizeof io, "--io=%s", argc > 3 ? argv[3] : "event");
        /* Only fd 3 may reach skiff: were our end inherited too, closing it
         * here would never give the guest end of file. */
        dup2(sv[1], 3);
        execl(argv[1], argv[1], io, "--net:service=@3", argv[2], "--", "10.9.0.2", (char *)NULL);
        _exit(127);
    }
    close(sv[1]);
    int rc = 0;
    if (!eof_first) {
        rc = arp(sv[0], guest_mac);
        for (uint16_t s = 1; rc == 0 && s <= ECHOES; s++)
            rc = echo(sv[0], guest_mac, s);
        close(sv[0]); /* end of input: the guest must notice and exit */
    }

    for (int i = 0; i < 100; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
                return fail("skiff did not exit 0 after its packet fd closed");
            if (rc == 0 && eof_first)
                printf("fdpeer: ok: fd at end of file from the start -> guest exited 0\n");
            else if (rc == 0)
                printf("fdpeer: ok: ARP + %d echoes intact, EOF -> guest exited 0\n", ECHOES);
            return rc;
        }
        struct timespec ts = { 0, 50 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return fail("skiff still running 5 s after its packet fd closed");
}
