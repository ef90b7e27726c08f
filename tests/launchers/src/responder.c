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
#include "app.h"

#include <stdbool.h>

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
    const char *ip_text = ipv4 ? ipv4 : addr ? addr : "";
    if (parse_ip(&ip_text, my_ip) < 0) {
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
            size_t out = answer_frame(ni.mac_address, my_ip, frame, len, &echo);
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
