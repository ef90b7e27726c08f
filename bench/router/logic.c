/*
 * logic: the router's own per-frame cost, without any I/O. The image's
 * packet logic (the same sources) forwards a stream of 64-byte UDP frames
 * from wan to lan, with the next hop resolved, into an output that only
 * counts; reports ns per frame. Under `valgrind --tool=callgrind` it gives
 * the instructions per forwarded frame, which survive a noisy machine.
 *
 *   BUILD/bench/router-logic [FRAMES]      (default 10,000,000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frames.h" /* tests/router: the router tests' frame builders */
#include "router.h"

void solo5_console_write(const char *buf, size_t size);
void solo5_console_write(const char *buf, size_t size)
{
    fwrite(buf, 1, size, stderr);
}

static uint64_t sent;

static bool count(void *ctx, unsigned nic, const uint8_t *buf, size_t len)
{
    (void)ctx, (void)nic, (void)buf, (void)len;
    sent++;
    return true;
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* A 60-byte UDP frame from h1 (10.1.0.2) to 10.4.0.1, for the router. */
static size_t udp_frame(uint8_t *f, const uint8_t *router_mac)
{
    static const uint8_t h1[6] = { 2, 0, 0, 0, 1, 2 };
    uint8_t *ip = f + 14;
    memset(f, 0, 60);
    memcpy(f, router_mac, 6);
    memcpy(f + 6, h1, 6);
    put16(f + 12, 0x0800);
    ip[0] = 0x45;
    put16(ip + 2, 46);
    ip[8] = 64;
    ip[9] = 17;
    memcpy(ip + 12, "\x0a\x01\x00\x02\x0a\x04\x00\x01", 8);
    uint32_t s = 0;
    for (int i = 0; i < 20; i += 2)
        s += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    put16(ip + 10, ~s & 0xffff);
    put16(ip + 20, 40000);
    put16(ip + 22, 9);
    put16(ip + 24, 26);
    return 60;
}

int main(int argc, char **argv)
{
    static const char *const names[] = { "wan", "lan" };
    static struct rt_config cfg;
    static struct router r;
    char err[160];
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;

    if (!rt_config_parse("wan=10.1.0.1/24 lan=10.2.0.1/24 route=10.4.0.0/16,via=10.2.0.2", names, 2,
                         &cfg, err, sizeof err)) {
        fprintf(stderr, "logic: %s\n", err);
        return 1;
    }
    struct rt_nic_hw hw[2] = { { { 2, 0, 0, 0, 1, 1 }, 1500, false },
                               { { 2, 0, 0, 0, 2, 1 }, 1500, false } };
    size_t frame_max = 1514;
    uint8_t *mem = malloc(router_mem_size(frame_max));
    const struct rt_out out = { count, NULL };
    router_init(&r, &cfg, hw, mem, frame_max, &out, 1);

    uint8_t frame[64], arp[64];
    /* Resolve the next hop: one frame waits, the reply sends it. */
    router_input(&r, 0, frame, udp_frame(frame, hw[0].mac), 0, 2);
    static const uint8_t h2[6] = { 2, 0, 0, 0, 2, 2 };
    tf_arp(arp, hw[1].mac, 2, h2, 0x0a020002, hw[1].mac, 0x0a020001);
    router_input(&r, 1, arp, 42, 0, 3);
    sent = 0;

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uint64_t i = 0; i < n; i++) {
        udp_frame(frame, hw[0].mac); /* as received: the router rewrites it */
        router_input(&r, 0, frame, 60, 0, 4);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
    printf("logic: %llu frames forwarded, %.1f ns per frame (frame set-up included)\n",
           (unsigned long long)sent, ns / (double)n);
    free(mem);
    return sent == n ? 0 : 1;
}
