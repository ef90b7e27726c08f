/*
 * router: the ARP cache and the frames waiting for an address to resolve.
 * Pure bookkeeping (no frames are built or sent here): router.c asks, sends
 * requests, and hands the waiting frames on or drops them.
 *
 * An entry is INCOMPLETE while requests go out (RT_ARP_TRIES of them,
 * RT_ARP_RETRY_NS apart) with up to RT_ARP_QUEUE_MAX frames waiting on it;
 * REACHABLE once answered, for RT_ARP_REACHABLE_NS; used after that it is
 * still used but PROBEd with unicast requests, and forgotten if those go
 * unanswered. Waiting frames are copies in a fixed pool (RT_ARP_POOL
 * buffers in all), so lent frames can go back to their ring at once.
 */
#ifndef ROUTER_ARP_CACHE_H
#define ROUTER_ARP_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "wire.h"

#define RT_ARP_ENTRIES      64
#define RT_ARP_POOL         64
#define RT_ARP_QUEUE_MAX    4
#define RT_ARP_TRIES        3
#define RT_ARP_RETRY_NS     1000000000ull
#define RT_ARP_REACHABLE_NS 60000000000ull
#define RT_ARP_NEVER        UINT64_MAX

enum rt_arp_state {
    RT_ARP_FREE = 0,
    RT_ARP_INCOMPLETE, /* requests going out, frames may wait */
    RT_ARP_REACHABLE,  /* answered; good until `expires` */
    RT_ARP_PROBE,      /* past `expires` and used: unicast requests going out */
};

/* A frame waiting for its next hop's address. */
struct rt_arp_pending {
    uint8_t *buf;   /* buf_size bytes, with headroom before */
    uint32_t len;   /* bytes in buf (vnet header + frame, or frame) */
    int16_t next;   /* next in its entry's queue, or in the free list */
    uint8_t in_nic; /* where it came from (RT_NIC_NONE: the router's own) */
    bool vnet;      /* buf starts with a vnet header */
};

struct rt_arp_entry {
    uint32_t ip;
    uint8_t nic, state, tries, queued;
    uint8_t mac[RT_ETH_ALEN];
    int16_t head, tail; /* waiting frames, oldest first; -1: none */
    uint64_t deadline;  /* INCOMPLETE, PROBE: next request due; else NEVER */
    uint64_t expires;   /* REACHABLE: until then no probing */
};

struct rt_arp_cache {
    struct rt_arp_entry e[RT_ARP_ENTRIES];
    struct rt_arp_pending p[RT_ARP_POOL];
    int16_t free_head;
    size_t buf_size;
    unsigned waiting;          /* frames in all queues */
    int16_t last[RT_MAX_NICS]; /* per NIC: the entry that matched last (a hint) */
};

/* Pool memory: RT_ARP_POOL slots of slot_size bytes at mem; a frame is
 * stored `headroom` bytes into its slot, so that a header can be put in
 * front of it later without moving it. */
void rt_arp_cache_init(struct rt_arp_cache *c, uint8_t *mem, size_t slot_size, size_t headroom);

/* The live entry for (nic, ip), or NULL. */
struct rt_arp_entry *rt_arp_find(struct rt_arp_cache *c, unsigned nic, uint32_t ip);

/* A new INCOMPLETE entry for (nic, ip), taking a free slot or the least
 * recently confirmed resolved one; NULL if every entry is still resolving. */
struct rt_arp_entry *rt_arp_create(struct rt_arp_cache *c, unsigned nic, uint32_t ip);

/* The entry is answered: REACHABLE with this address until now +
 * RT_ARP_REACHABLE_NS. Its waiting frames stay queued for the caller. */
void rt_arp_confirm(struct rt_arp_entry *e, const uint8_t *mac, uint64_t now);

/* Copy a frame onto the entry's queue; false (nothing queued) if the
 * entry's queue or the pool is full, or the frame exceeds a buffer. */
bool rt_arp_enqueue(struct rt_arp_cache *c, struct rt_arp_entry *e, const uint8_t *buf, size_t len,
                    bool vnet, unsigned in_nic);

/* The oldest waiting frame of the entry (its pool index), or -1. The
 * caller uses it, then gives it back with rt_arp_put(). */
int rt_arp_dequeue(struct rt_arp_cache *c, struct rt_arp_entry *e);
void rt_arp_put(struct rt_arp_cache *c, int idx);

/* Forget an entry (its queue must be empty). */
void rt_arp_forget(struct rt_arp_cache *c, struct rt_arp_entry *e);

#endif /* ROUTER_ARP_CACHE_H */
