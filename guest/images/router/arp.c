/*
 * router: ARP message parsing and writing.
 */
#include "arp.h"

bool rt_arp_parse(const uint8_t *b, size_t len, struct rt_arp_msg *m)
{
    if (len < RT_ARP_LEN)
        return false;
    if (rd16(b) != 1 || rd16(b + 2) != RT_ETHERTYPE_IP || b[4] != RT_ETH_ALEN || b[5] != 4)
        return false;
    m->op = rd16(b + 6);
    if (m->op != RT_ARP_OP_REQUEST && m->op != RT_ARP_OP_REPLY)
        return false;
    rt_mac_copy(m->sha, b + 8);
    m->spa = rd32(b + 14);
    rt_mac_copy(m->tha, b + 18);
    m->tpa = rd32(b + 24);
    return !rt_mac_is_group(m->sha);
}

size_t rt_arp_write(uint8_t *f, const uint8_t *eth_dst, const struct rt_arp_msg *m)
{
    uint8_t *b = f + RT_ETH_HLEN;

    rt_mac_copy(f, eth_dst);
    rt_mac_copy(f + 6, m->sha);
    wr16(f + 12, RT_ETHERTYPE_ARP);
    wr16(b, 1);
    wr16(b + 2, RT_ETHERTYPE_IP);
    b[4] = RT_ETH_ALEN;
    b[5] = 4;
    wr16(b + 6, m->op);
    rt_mac_copy(b + 8, m->sha);
    wr32(b + 14, m->spa);
    rt_mac_copy(b + 18, m->tha);
    wr32(b + 24, m->tpa);
    return RT_ARP_FRAME_LEN;
}
