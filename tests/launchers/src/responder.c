/*
 * responder: the unikernel the launcher replays run. Solo5's API only, built
 * outside skiff's tree (Makefile here) in one of three device layouts, as
 * the launchers' images declare them: "mirage" (NIC service, block storage),
 * "rumprun" (NIC tap, block rootfs) and "none".
 *
 * It answers ARP and ICMP echo requests for its IPv4 address, which it
 * finds on its command line the way each launcher passes it: MirageOS's
 * "--ipv4=A.B.C.D/N" (any "...ipv4=" option) or rumprun's JSON
 * ("addr":"A.B.C.D"). Other words it knows, anywhere on the line:
 *   --count=N    after N echo replies, do what --then says (default exit:0)
 *   --then=WHAT  exit:N, abort, sleep (until stopped), wall (print the wall
 *                clock's seconds, exit 0), fault (write to
 *                address 0), wx (write to its own code), syscall (a raw
 *                system call, forbidden on spt);
 *                without --count: at once (once its devices are acquired)
 * Without --count or --then it serves until it is stopped.
 * At start it prints its NIC's MAC and MTU and its block device's geometry
 * and first 8 bytes, for the replays to check.
 */
#include "solo5.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* No libc: the bindings keep theirs local, an application brings its own. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    volatile unsigned char *d = dst; /* volatile: not turned back into memset */
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x < *y ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static void put(const char *s)
{
    solo5_console_write(s, strlen(s));
}

static void put_u64(uint64_t v)
{
    char buf[24];
    int i = sizeof buf;
    buf[--i] = '\0';
    do
        buf[--i] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    put(buf + i);
}

#if defined(NIC_NAME) || defined(BLOCK_NAME)
static void put_hex(const uint8_t *p, size_t n, const char *sep)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        char b[3] = { digits[p[i] >> 4], digits[p[i] & 15], '\0' };
        if (i > 0)
            put(sep);
        put(b);
    }
}

#endif

/* The text after the first occurrence of `key`, or NULL. */
static const char *after(const char *s, const char *key)
{
    size_t k = strlen(key);
    for (; *s; s++)
        if (memcmp(s, key, k) == 0)
            return s + k;
    return NULL;
}

static uint64_t parse_u64(const char *p)
{
    uint64_t v = 0;
    while (*p >= '0' && *p <= '9')
        v = v * 10 + (uint64_t)(*p++ - '0');
    return v;
}

#ifdef NIC_NAME
static int parse_ip(const char *p, uint8_t ip[4])
{
    for (int i = 0; i < 4; i++) {
        unsigned v = 0, digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(*p++ - '0');
            digits++;
        }
        if (digits == 0 || v > 255 || (i < 3 && *p++ != '.'))
            return -1;
        ip[i] = (uint8_t)v;
    }
    return 0;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Answer one frame in place: the reply's length (0: none); *echo is set
 * for an echo request answered. */
static size_t answer(const uint8_t mac[6], const uint8_t my_ip[4], uint8_t *f, size_t len,
                     int *echo)
{
    *echo = 0;
    if (len < 42)
        return 0;
    uint16_t type = get16(f + 12);
    if (type == 0x0806 && get16(f + 20) == 1 && memcmp(f + 38, my_ip, 4) == 0) {
        uint8_t sha[6], spa[4];
        memcpy(sha, f + 22, 6);
        memcpy(spa, f + 28, 4);
        memcpy(f, sha, 6);
        memcpy(f + 6, mac, 6);
        put16(f + 20, 2);
        memcpy(f + 22, mac, 6);
        memcpy(f + 28, my_ip, 4);
        memcpy(f + 32, sha, 6);
        memcpy(f + 38, spa, 4);
        return 42;
    }
    if (type != 0x0800)
        return 0;
    uint8_t *ip = f + 14;
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    if ((ip[0] >> 4) != 4 || ihl < 20 || 14 + ihl + 8 > len || ip[9] != 1 ||
        memcmp(ip + 16, my_ip, 4) != 0 || ip + ihl >= f + len || ip[ihl] != 8)
        return 0;
    uint8_t *icmp = ip + ihl, tmp[6];
    memcpy(tmp, f, 6);
    memcpy(f, f + 6, 6);
    memcpy(f + 6, tmp, 6);
    memcpy(tmp, ip + 12, 4);
    memcpy(ip + 12, ip + 16, 4);
    memcpy(ip + 16, tmp, 4);
    icmp[0] = 0;
    uint32_t sum = (uint32_t)get16(icmp + 2) + 0x0800; /* type 8 -> 0 */
    sum = (sum & 0xffff) + (sum >> 16);
    put16(icmp + 2, (uint16_t)sum);
    *echo = 1;
    return len;
}

static uint8_t frame[9000 + SOLO5_NET_HLEN];
#endif

/* What --then asks for; returns only for an unknown word. */
static int then(const char *what)
{
    if (memcmp(what, "exit:", 5) == 0) {
        uint64_t n = parse_u64(what + 5);
        put("responder: exit ");
        put_u64(n);
        put("\n");
        return (int)n;
    }
    if (memcmp(what, "abort", 5) == 0)
        solo5_abort();
    if (memcmp(what, "wall", 4) == 0) {
        put("responder: wall ");
        put_u64(solo5_clock_wall() / 1000000000ull);
        put("\n");
        return 0;
    }
    if (memcmp(what, "sleep", 5) == 0) {
        put("responder: sleeping\n");
        for (;;)
            solo5_yield(solo5_clock_monotonic() + 1000000000ull, NULL);
    }
    if (memcmp(what, "fault", 5) == 0) {
        volatile uintptr_t zero = 0;
        *(volatile int *)zero = 1;
    } else if (memcmp(what, "wx", 2) == 0) {
        *(volatile uint8_t *)(uintptr_t)&solo5_app_main = 0xc3;
    } else if (memcmp(what, "syscall", 7) == 0) {
        long ret;
        __asm__ __volatile__("syscall" : "=a"(ret) : "a"(110L) : "rcx", "r11", "memory");
    }
    put("responder: FAILURE (--then did nothing)\n");
    return 1;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *cmd = si->cmdline;
    const char *c = after(cmd, "--count=");
    const char *t = after(cmd, "--then=");
    bool at_once = t != NULL && c == NULL;
    if (t == NULL)
        t = "exit:0";

#ifdef BLOCK_NAME
    solo5_handle_t bh;
    struct solo5_block_info bi;
    static uint8_t block[65536];
    if (solo5_block_acquire(BLOCK_NAME, &bh, &bi) != SOLO5_R_OK || bi.block_size > sizeof block ||
        solo5_block_read(bh, 0, block, bi.block_size) != SOLO5_R_OK) {
        put("responder: FAILURE (block device " BLOCK_NAME ")\n");
        return 1;
    }
    put("responder: block " BLOCK_NAME " block_size ");
    put_u64(bi.block_size);
    put(" capacity ");
    put_u64(bi.capacity);
    put(" head ");
    put_hex(block, 8, "");
    put("\n");
#endif
#ifdef NIC_NAME
    uint8_t my_ip[4];
    const char *ipv4 = after(cmd, "ipv4=");
    const char *addr = after(cmd, "\"addr\":\"");
    if (parse_ip(ipv4 ? ipv4 : addr ? addr : "", my_ip) < 0) {
        put("responder: FAILURE (no --ipv4=A.B.C.D/N or \"addr\":\"A.B.C.D\" in \"");
        put(cmd);
        put("\")\n");
        return 1;
    }
    solo5_handle_t h;
    struct solo5_net_info ni;
    if (solo5_net_acquire(NIC_NAME, &h, &ni) != SOLO5_R_OK ||
        ni.mtu + SOLO5_NET_HLEN > sizeof frame) {
        put("responder: FAILURE (NIC " NIC_NAME ")\n");
        return 1;
    }
    put("responder: mac ");
    put_hex(ni.mac_address, 6, ":");
    put(" mtu ");
    put_u64(ni.mtu);
    put(" ip ");
    for (int i = 0; i < 4; i++) {
        put_u64(my_ip[i]);
        put(i < 3 ? "." : "\n");
    }
#endif
    if (at_once)
        return then(t);
#ifdef NIC_NAME
    uint64_t count = c ? parse_u64(c) : 0, replies = 0;
    while (count == 0 || replies < count) {
        solo5_handle_set_t ready = 0;
        solo5_yield(solo5_clock_monotonic() + 1000000000ull, &ready);
        size_t len;
        solo5_result_t r;
        while ((r = solo5_net_read(h, frame, ni.mtu + SOLO5_NET_HLEN, &len)) == SOLO5_R_OK) {
            int echo;
            size_t out = answer(ni.mac_address, my_ip, frame, len, &echo);
            if (out > 0 && solo5_net_write(h, frame, out) != SOLO5_R_OK)
                put("responder: a reply could not be sent\n");
            replies += (uint64_t)echo;
            if (count != 0 && replies == count)
                break;
        }
        if (r != SOLO5_R_OK && r != SOLO5_R_AGAIN) {
            put("responder: NIC " NIC_NAME " read failed\n");
            return 1;
        }
    }
    put("responder: ");
    put_u64(replies);
    put(" echo replies\n");
#endif
    (void)c;
    return then(t);
}
