/*
 * hostile: a test guest that attacks its own rings. It answers ARP and ICMP
 * echo on NIC "good" (the ping image's logic) while it corrupts NIC "bad":
 * the TX channel header it owns (epoch flips with bad or good geometry,
 * write counters rewound over stale slots or set at random, marker and
 * protocol), slot headers (lengths, vnet lengths, flags), both flow-control
 * blocks, the RX channel the tender writes, and kick storms. Choices come
 * from a seeded generator; the seed is printed first, so a failing run can
 * be repeated.
 *
 * Command line: <good-ipv4> <seed> [calm|flood]
 *   calm: no attack; "bad" is read normally and, when it closes, the guest
 *   says so once ("hostile: bad closed") and goes on answering on "good",
 *   sleeping in solo5_yield() between frames: a test can then check that a
 *   dead device does not make it spin.
 *   flood: no corruption; "bad"'s TX ring is kept full of valid frames (the
 *   write counter pushed to the tender's read counter + ring size, over
 *   stale slots), so the tender sends on "bad" as fast as it can: the load
 *   bench/reliability/fairness measures the other NIC's latency under.
 * Exits 0, printing its counters, when "good" closes (SIGTERM on skiff).
 *
 * It reaches into the bindings on purpose (the boot info, the kick): a real
 * hostile guest has all of its memory and every hypercall at hand.
 */
#include <stdint.h>

#include "../../lib/xorshift.h"

#include "serve.h"
#include "shmstream/abi.h"
#include "skiff/abi.h"
#include "skiff/rt.h"
#include "solo5.h"

/* From the bindings (guest/bindings/bindings.h, hc.h). */
extern const struct skiff_boot_info *skiff_boot;
void hc_kick(unsigned nic);

static uint64_t rng;

static uint64_t rnd(void)
{
    return xorshift64s(&rng);
}

/* Shared words are stored as the hostile peer would: plain volatile stores. */
static void put(volatile uint64_t *w, uint64_t v)
{
    *w = v;
}

struct target {
    const struct skiff_boot_nic *b;
    volatile struct shms_header *tx, *rx;
    volatile struct shms_ctrl *tx_ctrl, *rx_ctrl;
    uint8_t *tx_slots;
    unsigned index;
};

static volatile struct shms_slot *slot_at(const struct target *t, uint64_t i)
{
    return (volatile struct shms_slot *)(void *)(t->tx_slots +
                                                 (i % t->b->slot_count) * t->b->slot_size);
}

/* A plausible frame in slot i: broadcast, local experimental ethertype. */
static void fill_slot(const struct target *t, uint64_t i)
{
    volatile struct shms_slot *s = slot_at(t, i);
    uint32_t cap = t->b->slot_size - (uint32_t)sizeof(struct shms_slot);
    uint32_t len = 60 + (uint32_t)(rnd() % 1455);
    if (len > cap)
        len = cap;
    uint8_t *f = (uint8_t *)(uintptr_t)s + sizeof(struct shms_slot);
    memset(f, 0xff, 6);
    memset(f + 6, 0x02, 6);
    f[12] = 0x88;
    f[13] = 0xb5;
    s->len = len;
    s->vnet_len = 0;
    s->flags = 0;
}

/* One attack, chosen at random. Returns a short name for the tally. */
static unsigned attack(struct target *t)
{
    uint64_t r = rnd(), pick = r % 16, wc;
    switch (pick) {
    case 0: /* new epoch, impossible geometry: "incompatible" */
        put(&t->tx->size, rnd() % 3 ? rnd() : 8);
        put(&t->tx->elements, rnd());
        put(&t->tx->epoch, t->tx->epoch + 1 + (rnd() & 0xff));
        break;
    case 1: /* new epoch, sane geometry: the tender resyncs */
        put(&t->tx->transport, SHMS_TRANSPORT_MARKER);
        put(&t->tx->protocol, SHMS_PROTOCOL_ETH);
        put(&t->tx->size, t->b->slot_size);
        put(&t->tx->elements, t->b->slot_count);
        put(&t->tx->epoch, t->tx->epoch + 1);
        break;
    case 2: /* rewind or advance wc over stale slots: re-sends old frames */
        wc = t->tx->wc + (rnd() % 2048) - 1024;
        put(&t->tx->wsc, wc);
        put(&t->tx->wc, wc);
        break;
    case 3: put(&t->tx->wc, rnd()); break;
    case 4: put(&t->tx->wsc, rnd()); break;
    case 5: put(rnd() & 1 ? &t->tx->transport : &t->tx->protocol, rnd()); break;
    case 6: { /* slot header garbage */
        volatile struct shms_slot *s = slot_at(t, rnd());
        s->len = (uint32_t)rnd();
        s->vnet_len = (uint16_t)rnd();
        s->flags = (uint16_t)rnd();
        break;
    }
    case 7: /* plausible frames, published: traffic the tender must pace */
        wc = t->tx->wc;
        for (unsigned k = 0; k < 32; k++)
            fill_slot(t, wc + k);
        put(&t->tx->wsc, wc + 32);
        put(&t->tx->wc, wc + 32);
        break;
    case 8: /* our reader line on RX: counters, epoch, sleep at random */
        put(&t->rx_ctrl->rc, rnd());
        put(&t->rx_ctrl->r_epoch, rnd() & 1 ? rnd() : t->rx->epoch);
        put(&t->rx_ctrl->r_sleep, rnd());
        /* ...and the source hand-off words: ask for the packet fd (spt
         * event mode may grant it) and never read it, or claim reads. */
        put(&t->rx_ctrl->r_handoff, rnd() & 1 ? rnd() : 0);
        put(&t->rx_ctrl->r_bypass, rnd());
        break;
    case 9: /* "read everything": honest-looking counters */
        put(&t->rx_ctrl->r_epoch, t->rx->epoch);
        put(&t->rx_ctrl->rc, t->rx->wc);
        break;
    case 10: put(&t->tx_ctrl->w_wait, rnd()); break;
    case 11: /* the tender's line of the TX ctrl block */
        put(&t->tx_ctrl->rc, rnd());
        put(&t->tx_ctrl->r_sleep, rnd());
        break;
    case 12:
        for (unsigned k = 0; k < 16; k++)
            hc_kick(t->index);
        break;
    case 13: /* the RX channel belongs to the tender: scribble on it */
        put(&t->rx->wc, rnd());
        put(&t->rx->epoch, rnd() & 1 ? 0 : rnd());
        break;
    case 14: /* lap the reader */
        put(&t->tx->wc, t->tx->wc + t->b->slot_count + (rnd() % 4096));
        break;
    default: /* epoch 0, then back: deactivate and reactivate */
        put(&t->tx->epoch, 0);
        put(&t->tx->epoch, rnd() | 1);
        break;
    }
    return (unsigned)pick;
}

/* Answer what waits on "good"; returns true if it closed. */
static bool serve(solo5_handle_t h, const struct ping_ctx *ctx, struct solo5_net_frame *frames,
                  uint8_t *reply, size_t frame_max, uint64_t *answered, bool *busy)
{
    size_t count = 0;
    uint64_t dropped = 0; /* a full TX ring: a lost reply, as on the wire */
    solo5_result_t r = solo5_net_read_batch(h, frames, PING_BATCH, &count);
    *busy = r == SOLO5_R_OK;
    if (r == SOLO5_R_CLOSED)
        return true;
    if (r != SOLO5_R_OK)
        return false;
    ping_answer(ctx, h, frames, count, reply, frame_max, 0, answered, &dropped);
    solo5_net_flush(h);
    return false;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *cl = si->cmdline;
    const char *sp1 = strchr(cl, ' ');
    uint8_t ip[4];
    uint64_t seed = 0;
    if (sp1 == NULL || !ping_parse_ipv4(cl, (size_t)(sp1 - cl), ip)) {
        skiff_printf("hostile: usage: <good-ipv4> <seed> [calm|flood]\n");
        return SOLO5_EXIT_FAILURE;
    }
    const char *s = sp1 + 1, *sp2 = strchr(s, ' ');
    size_t slen = sp2 ? (size_t)(sp2 - s) : strlen(s);
    bool calm = sp2 != NULL && strcmp(sp2 + 1, "calm") == 0;
    bool flood = sp2 != NULL && strcmp(sp2 + 1, "flood") == 0;
    if (!ping_parse_u64(s, slen, &seed) || (sp2 != NULL && !calm && !flood)) {
        skiff_printf("hostile: usage: <good-ipv4> <seed> [calm|flood]\n");
        return SOLO5_EXIT_FAILURE;
    }
    rng = seed ? seed : 0x9e3779b97f4a7c15ull;

    solo5_handle_t good, bad;
    struct solo5_net_info gi, bi;
    if (solo5_net_acquire("good", &good, &gi) != SOLO5_R_OK ||
        solo5_net_acquire("bad", &bad, &bi) != SOLO5_R_OK) {
        skiff_printf("hostile: cannot acquire NICs \"good\" and \"bad\"\n");
        return SOLO5_EXIT_FAILURE;
    }
    const struct skiff_boot_nic *b = &skiff_boot->nics[bad];
    if (!calm && b->tx_chan == 0) {
        skiff_printf("hostile: no rings to attack (--io=direct?)\n");
        return SOLO5_EXIT_FAILURE;
    }
    struct target t = {
        .b = b,
        .tx = (volatile struct shms_header *)(uintptr_t)b->tx_chan,
        .rx = (volatile struct shms_header *)(uintptr_t)b->rx_chan,
        .tx_ctrl = (volatile struct shms_ctrl *)(uintptr_t)b->tx_ctrl,
        .rx_ctrl = (volatile struct shms_ctrl *)(uintptr_t)b->rx_ctrl,
        .tx_slots = (uint8_t *)(uintptr_t)(b->tx_chan + sizeof(struct shms_header)),
        .index = (unsigned)bad,
    };

    struct ping_ctx ctx;
    memcpy(ctx.mac, gi.mac_address, sizeof ctx.mac);
    memcpy(ctx.ip, ip, sizeof ctx.ip);
    size_t frame_max = gi.mtu + SOLO5_NET_HLEN;
    if (bi.mtu + SOLO5_NET_HLEN > frame_max)
        frame_max = bi.mtu + SOLO5_NET_HLEN;
    struct solo5_net_frame frames[PING_BATCH];
    uint8_t *reply = ping_frames(si, frame_max, frames);
    if (reply == NULL) {
        skiff_printf("hostile: heap too small\n");
        return SOLO5_EXIT_FAILURE;
    }

    skiff_printf("hostile: seed %llu, %s, answering on \"good\" %u.%u.%u.%u\n",
                 (unsigned long long)seed,
                 calm    ? "calm"
                 : flood ? "flooding \"bad\""
                         : "attacking \"bad\"",
                 ip[0], ip[1], ip[2], ip[3]);
    if (flood)
        for (uint64_t i = 0; i < b->slot_count; i++)
            fill_slot(&t, i);
    uint64_t answered = 0, attacks = 0, loops = 0;
    uint64_t kinds[16] = { 0 };
    bool bad_closed = false;
    for (;;) {
        bool busy = false;
        if (serve(good, &ctx, frames, reply, frame_max, &answered, &busy))
            break;
        if (calm) {
            if (!bad_closed) {
                size_t len;
                solo5_result_t r = solo5_net_read(bad, frames[0].buf, frames[0].size, &len);
                if (r == SOLO5_R_CLOSED) {
                    bad_closed = true;
                    skiff_printf("hostile: bad closed\n");
                }
                busy |= r == SOLO5_R_OK;
            }
            if (!busy)
                solo5_yield(solo5_clock_monotonic() + PING_IDLE_WAIT_NS, NULL);
            continue;
        }
        if (flood) {
            /* Every slot published, over and over: the old frames again. */
            uint64_t wc = t.tx_ctrl->rc + b->slot_count;
            if (wc != t.tx->wc) {
                put(&t.tx->wsc, wc);
                put(&t.tx->wc, wc);
                if (t.tx_ctrl->r_sleep != 0)
                    hc_kick(t.index);
            }
            if (++loops % 256 == 0)
                solo5_yield(solo5_clock_monotonic(), NULL);
            continue;
        }
        unsigned n = 1 + (unsigned)(rnd() % 64);
        for (unsigned k = 0; k < n; k++)
            kinds[attack(&t)]++;
        attacks += n;
        /* Now and then, let the wake fd drain (the attacker never sleeps). */
        if (++loops % 256 == 0)
            solo5_yield(solo5_clock_monotonic(), NULL);
    }
    skiff_printf("hostile: good closed; %llu echo replies, %llu attacks:",
                 (unsigned long long)answered, (unsigned long long)attacks);
    for (unsigned k = 0; k < 16; k++)
        skiff_printf(" %llu", (unsigned long long)kinds[k]);
    skiff_printf("\n");
    return SOLO5_EXIT_SUCCESS;
}
