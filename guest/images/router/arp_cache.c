/*
 * router: ARP cache entries and the pool of frames waiting on them.
 */
#include "arp_cache.h"

#include "skiff/rt.h"

void rt_arp_cache_init(struct rt_arp_cache *c, uint8_t *mem, size_t slot_size, size_t headroom)
{
    memset(c, 0, sizeof *c);
    c->buf_size = slot_size - headroom;
    for (int i = 0; i < RT_ARP_POOL; i++) {
        c->p[i].buf = mem + (size_t)i * slot_size + headroom;
        c->p[i].next = (int16_t)(i + 1 < RT_ARP_POOL ? i + 1 : -1);
    }
    c->free_head = 0;
    for (int i = 0; i < RT_ARP_ENTRIES; i++)
        c->e[i] = (struct rt_arp_entry){ .head = -1, .tail = -1, .deadline = RT_ARP_NEVER };
    for (int i = 0; i < RT_MAX_NICS; i++)
        c->last[i] = 0;
}

struct rt_arp_entry *rt_arp_find(struct rt_arp_cache *c, unsigned nic, uint32_t ip)
{
    int16_t *hint = nic < RT_MAX_NICS ? &c->last[nic] : NULL;
    struct rt_arp_entry *e;

    if (hint != NULL) {
        e = &c->e[*hint];
        if (e->state != RT_ARP_FREE && e->ip == ip && e->nic == nic)
            return e;
    }
    for (int i = 0; i < RT_ARP_ENTRIES; i++) {
        e = &c->e[i];
        if (e->state != RT_ARP_FREE && e->ip == ip && e->nic == nic) {
            if (hint != NULL)
                *hint = (int16_t)i;
            return e;
        }
    }
    return NULL;
}

struct rt_arp_entry *rt_arp_create(struct rt_arp_cache *c, unsigned nic, uint32_t ip)
{
    struct rt_arp_entry *victim = NULL;

    for (int i = 0; i < RT_ARP_ENTRIES; i++) {
        struct rt_arp_entry *e = &c->e[i];
        if (e->state == RT_ARP_FREE) {
            victim = e;
            break;
        }
        /* Never evict one that is resolving: frames wait on it. */
        if (e->state != RT_ARP_INCOMPLETE && (victim == NULL || e->expires < victim->expires))
            victim = e;
    }
    if (victim == NULL)
        return NULL;
    *victim = (struct rt_arp_entry){ .ip = ip,
                                     .nic = (uint8_t)nic,
                                     .state = RT_ARP_INCOMPLETE,
                                     .head = -1,
                                     .tail = -1,
                                     .deadline = RT_ARP_NEVER };
    return victim;
}

void rt_arp_confirm(struct rt_arp_entry *e, const uint8_t *mac, uint64_t now)
{
    rt_mac_copy(e->mac, mac);
    e->state = RT_ARP_REACHABLE;
    e->tries = 0;
    e->deadline = RT_ARP_NEVER;
    e->expires = now + RT_ARP_REACHABLE_NS;
}

bool rt_arp_enqueue(struct rt_arp_cache *c, struct rt_arp_entry *e, const uint8_t *buf, size_t len,
                    bool vnet, unsigned in_nic)
{
    int16_t i = c->free_head;

    if (i < 0 || e->queued >= RT_ARP_QUEUE_MAX || len > c->buf_size)
        return false;
    struct rt_arp_pending *p = &c->p[i];
    c->free_head = p->next;
    memcpy(p->buf, buf, len);
    p->len = (uint32_t)len;
    p->vnet = vnet;
    p->in_nic = (uint8_t)in_nic;
    p->next = -1;
    if (e->tail >= 0)
        c->p[e->tail].next = i;
    else
        e->head = i;
    e->tail = i;
    e->queued++;
    c->waiting++;
    return true;
}

int rt_arp_dequeue(struct rt_arp_cache *c, struct rt_arp_entry *e)
{
    int16_t i = e->head;

    if (i < 0)
        return -1;
    e->head = c->p[i].next;
    if (e->head < 0)
        e->tail = -1;
    e->queued--;
    c->waiting--;
    return i;
}

void rt_arp_put(struct rt_arp_cache *c, int idx)
{
    c->p[idx].next = c->free_head;
    c->free_head = (int16_t)idx;
}

void rt_arp_forget(struct rt_arp_cache *c, struct rt_arp_entry *e)
{
    (void)c;
    *e = (struct rt_arp_entry){ .head = -1, .tail = -1, .deadline = RT_ARP_NEVER };
}
