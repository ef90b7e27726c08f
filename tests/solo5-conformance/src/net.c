/*
 * A network responder written against Solo5's API only: answers ARP for its
 * addresses and ICMP echo requests on "service0" (and "service1" if the
 * manifest has it), then exits 0 after COUNT echo replies in all.
 * Command line: IP0 [IP1] COUNT. The runner pings it with payload checks;
 * here every frame is also checked against the NIC's MTU.
 */
#include "util.h"

#define MAX_FRAME (9000 + SOLO5_NET_HLEN)

struct nic {
    solo5_handle_t h;
    struct solo5_net_info info;
    uint8_t ip[4];
};

static uint8_t frame[MAX_FRAME];

static int parse_ip(const char **p, uint8_t ip[4])
{
    for (int i = 0; i < 4; i++) {
        unsigned v = 0, digits = 0;
        while (**p >= '0' && **p <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(*(*p)++ - '0');
            digits++;
        }
        if (digits == 0 || v > 255 || (i < 3 && *(*p)++ != '.'))
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

/* Answer one frame in place; returns the reply length, 0 for none, 1 if
 * it was an echo request answered. */
static size_t answer(const struct nic *n, uint8_t *f, size_t len, int *echo)
{
    *echo = 0;
    if (len < 42)
        return 0;
    uint16_t type = get16(f + 12);
    if (type == 0x0806 && get16(f + 20) == 1 && memcmp(f + 38, n->ip, 4) == 0) {
        uint8_t sha[6], spa[4];
        memcpy(sha, f + 22, 6);
        memcpy(spa, f + 28, 4);
        memcpy(f, sha, 6);
        memcpy(f + 6, n->info.mac_address, 6);
        put16(f + 20, 2);
        memcpy(f + 22, n->info.mac_address, 6);
        memcpy(f + 28, n->ip, 4);
        memcpy(f + 32, sha, 6);
        memcpy(f + 38, spa, 4);
        return 42;
    }
    if (type != 0x0800)
        return 0;
    uint8_t *ip = f + 14;
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    if ((ip[0] >> 4) != 4 || ihl < 20 || 14 + ihl + 8 > len || ip[9] != 1 ||
        memcmp(ip + 16, n->ip, 4) != 0)
        return 0;
    uint8_t *icmp = ip + ihl;
    if (icmp[0] != 8)
        return 0;
    uint8_t tmp[6];
    memcpy(tmp, f, 6);
    memcpy(f, f + 6, 6);
    memcpy(f + 6, tmp, 6);
    memcpy(tmp, ip + 12, 4);
    memcpy(ip + 12, ip + 16, 4);
    memcpy(ip + 16, tmp, 4);
    icmp[0] = 0;
    /* type 8 -> 0: the one's-complement sum drops by 0x0800 */
    uint32_t sum = (uint32_t)get16(icmp + 2) + 0x0800;
    sum = (sum & 0xffff) + (sum >> 16);
    put16(icmp + 2, (uint16_t)sum);
    *echo = 1;
    return len;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    static const char *const names[2] = { "service0", "service1" };
    struct nic nics[2];
    unsigned count = 0, nn = 0;
    const char *p = si->cmdline;

    for (nn = 0; nn < 2; nn++) {
        while (*p == ' ')
            p++;
        const char *save = p;
        if (parse_ip(&p, nics[nn].ip) < 0 || (*p != ' ' && *p != '\0')) {
            p = save;
            break;
        }
    }
    while (*p == ' ')
        p++;
    while (*p >= '0' && *p <= '9')
        count = count * 10 + (unsigned)(*p++ - '0');
    if (nn == 0 || count == 0)
        return verdict("net", "usage: IP0 [IP1] COUNT");
    for (unsigned i = 0; i < nn; i++) {
        if (solo5_net_acquire(names[i], &nics[i].h, &nics[i].info) != SOLO5_R_OK)
            return verdict("net", "cannot acquire the NIC");
        if (nics[i].info.mtu + SOLO5_NET_HLEN > sizeof frame)
            return verdict("net", "MTU larger than the test's buffer");
        put(names[i]);
        put(" mtu ");
        put_u64(nics[i].info.mtu);
        put("\n");
    }
    /* a second acquire of the same NIC must fail */
    solo5_handle_t again;
    struct solo5_net_info info2;
    if (solo5_net_acquire(names[0], &again, &info2) == SOLO5_R_OK)
        return verdict("net", "a NIC was acquired twice");

    unsigned replies = 0;
    while (replies < count) {
        solo5_handle_set_t ready = 0;
        solo5_yield(solo5_clock_monotonic() + 1000000000ull, &ready);
        for (unsigned i = 0; i < nn; i++) {
            size_t len;
            solo5_result_t r;
            while ((r = solo5_net_read(nics[i].h, frame, nics[i].info.mtu + SOLO5_NET_HLEN,
                                       &len)) == SOLO5_R_OK) {
                if (len > nics[i].info.mtu + SOLO5_NET_HLEN)
                    return verdict("net", "frame longer than the MTU");
                int echo;
                size_t out = answer(&nics[i], frame, len, &echo);
                if (out > 0 && solo5_net_write(nics[i].h, frame, out) != SOLO5_R_OK)
                    return verdict("net", "solo5_net_write failed");
                replies += (unsigned)echo;
            }
            if (r != SOLO5_R_AGAIN)
                return verdict("net", "solo5_net_read failed");
        }
    }
    put("replies ");
    put_u64(replies);
    put("\n");
    return verdict("net", NULL);
}
