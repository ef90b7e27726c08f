/*
 * router: ICMP errors, echo replies, rate limiting.
 */
#include "icmp.h"

#include "csum.h"
#include "skiff/rt.h"
#include "wire.h"

#define TTL_OWN      64
#define TOS_INTERNET 0xc0 /* precedence "internetwork control", RFC 1812 4.3.2.5 */

bool rt_icmp_type_is_error(int type)
{
    switch (type) {
    case 0:  /* echo reply */
    case 8:  /* echo */
    case 13: /* timestamp */
    case 14: /* timestamp reply */
    case 15: /* information request */
    case 16: /* information reply */
    case 17: /* address mask request */
    case 18: /* address mask reply */ return false;
    default: return true;
    }
}

static void ip_header(uint8_t *ip, uint8_t tos, size_t tot_len, uint16_t id, uint32_t src,
                      uint32_t dst)
{
    ip[0] = 0x45;
    ip[1] = tos;
    wr16(ip + 2, (uint32_t)tot_len);
    wr16(ip + 4, id);
    wr16(ip + 6, 0);
    ip[8] = TTL_OWN;
    ip[9] = RT_PROTO_ICMP;
    wr32(ip + 12, src);
    wr32(ip + 16, dst);
    wr16(ip + 10, 0);
    wr16(ip + 10, rt_csum(ip, RT_IP_HLEN));
}

size_t rt_icmp_error(uint8_t *ip, uint32_t src, uint32_t dst, uint16_t id, uint8_t type,
                     uint8_t code, uint16_t mtu, const uint8_t *orig, size_t orig_len)
{
    size_t room = RT_ICMP_ERROR_MAX - RT_IP_HLEN - RT_ICMP_HLEN;
    size_t quote = orig_len < room ? orig_len : room;
    size_t len = RT_IP_HLEN + RT_ICMP_HLEN + quote;
    uint8_t *icmp = ip + RT_IP_HLEN;

    ip_header(ip, TOS_INTERNET, len, id, src, dst);
    icmp[0] = type;
    icmp[1] = code;
    wr16(icmp + 2, 0);
    wr16(icmp + 4, 0);
    wr16(icmp + 6, mtu);
    memcpy(icmp + RT_ICMP_HLEN, orig, quote);
    wr16(icmp + 2, rt_csum(icmp, RT_ICMP_HLEN + quote));
    return len;
}

size_t rt_icmp_echo_reply(uint8_t *ip, size_t hlen, size_t tot_len, uint16_t id)
{
    uint32_t src = rd32(ip + 12), dst = rd32(ip + 16);
    size_t icmp_len = tot_len - hlen;

    if (hlen > RT_IP_HLEN) /* options are not echoed */
        memmove(ip + RT_IP_HLEN, ip + hlen, icmp_len);
    uint8_t *icmp = ip + RT_IP_HLEN;
    uint16_t old = rd16(icmp); /* type and code */
    icmp[0] = RT_ICMP_ECHO_REPLY;
    wr16(icmp + 2, rt_csum_adjust(rd16(icmp + 2), old, rd16(icmp)));
    ip_header(ip, ip[1], RT_IP_HLEN + icmp_len, id, dst, src);
    return RT_IP_HLEN + icmp_len;
}

void rt_ratelimit_init(struct rt_ratelimit *rl, uint32_t rate, uint64_t now)
{
    uint64_t burst = rate / 10 > 0 ? rate / 10 : 1;

    rl->cost = rate > 0 ? 1000000000ull / rate : 0;
    rl->cap = rl->cost * burst;
    rl->credit = rl->cap;
    rl->last = now;
}

bool rt_ratelimit_take(struct rt_ratelimit *rl, uint64_t now)
{
    if (rl->cost == 0)
        return false;
    if (now > rl->last) {
        uint64_t add = now - rl->last;
        rl->credit = add >= rl->cap - rl->credit ? rl->cap : rl->credit + add;
        rl->last = now;
    }
    if (rl->credit < rl->cost)
        return false;
    rl->credit -= rl->cost;
    return true;
}
