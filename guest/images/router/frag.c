/*
 * router: IPv4 fragmentation.
 */
#include "frag.h"

#include "ipv4.h"
#include "skiff/rt.h"
#include "wire.h"

bool rt_frag_init(struct rt_frag *f, const uint8_t *ip, size_t hlen, size_t tot_len, size_t mtu)
{
    if (mtu < hlen + 8 || tot_len <= hlen)
        return false;
    f->ip = ip;
    f->hlen = hlen;
    f->payload = tot_len - hlen;
    f->mtu = mtu;
    f->off = 0;
    f->later_hlen = RT_IP_HLEN + rt_ip_copied_options(ip, hlen, f->later_opts);
    uint16_t frag = rd16(ip + 6);
    f->base = (size_t)(frag & RT_IP_OFFMASK) * 8;
    f->base_mf = (frag & RT_IP_MF) != 0;
    return true;
}

size_t rt_frag_next(struct rt_frag *f, uint8_t *out)
{
    if (f->off >= f->payload)
        return 0;
    bool first = f->off == 0;
    size_t hlen = first ? f->hlen : f->later_hlen;
    size_t n = (f->mtu - hlen) & ~(size_t)7;
    bool last = f->payload - f->off <= f->mtu - hlen;
    if (last)
        n = f->payload - f->off;

    memcpy(out, f->ip, RT_IP_HLEN);
    if (first)
        memcpy(out + RT_IP_HLEN, f->ip + RT_IP_HLEN, hlen - RT_IP_HLEN);
    else
        memcpy(out + RT_IP_HLEN, f->later_opts, hlen - RT_IP_HLEN);
    memcpy(out + hlen, f->ip + f->hlen + f->off, n);
    out[0] = (uint8_t)(0x40 | hlen / 4);
    wr16(out + 2, (uint32_t)(hlen + n));
    uint32_t frag = (uint32_t)((f->base + f->off) / 8);
    if (!last || f->base_mf)
        frag |= RT_IP_MF;
    wr16(out + 6, frag);
    rt_ip_set_csum(out, hlen);
    f->off += n;
    return hlen + n;
}
