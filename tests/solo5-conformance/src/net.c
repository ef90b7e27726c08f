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
                size_t out = answer_frame(nics[i].info.mac_address, nics[i].ip, frame, len, &echo);
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
