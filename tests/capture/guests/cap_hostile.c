/*
 * cap_hostile: a test guest that attacks its own capture channel (spt
 * --io=direct with --pcap, skiff/abi.h struct skiff_cap_area). First it
 * queues MARKS valid records (marker frames, source MAC 02:00:00:00:00:NN),
 * then for SECS seconds corrupts the channel at random (seeded; the seed is
 * printed first): slot and capture headers (lengths beyond the slot and the
 * snap length, origlen below caplen, unknown directions), the write counter
 * (forward, backward, at random), epoch flips with good and impossible
 * geometry, the flow-control block and its not_captured count. Then it
 * starts the channel afresh and queues MARKS more valid records (source MAC
 * 02:00:00:00:01:NN), waits for the tender to take them, and exits 0.
 *
 * Command line: <seed> <secs>
 * It reaches into guest memory on purpose: a real hostile guest has all of
 * its memory at hand.
 */
#include <stdint.h>

#include "../../lib/xorshift.h"

#include "shmstream/shmstream.h"
#include "skiff/abi.h"
#include "skiff/rt.h"
#include "solo5.h"

/* From the bindings (guest/bindings/bindings.h). */
extern const struct skiff_boot_info *skiff_boot;

#define MARKS 100u

static uint64_t rng;

static uint64_t rnd(void)
{
    return xorshift64s(&rng);
}

static uint64_t parse_u64(const char **p)
{
    uint64_t v = 0;
    while (**p == ' ')
        (*p)++;
    while (**p >= '0' && **p <= '9')
        v = v * 10 + (uint64_t)(*(*p)++ - '0');
    return v;
}

static struct skiff_cap_area *area;
static volatile struct shms_header *hdr;
static struct shms_writer w;
static uint64_t epoch = 100;

/* Start the channel afresh with a new epoch and the announced geometry. */
static void fresh(void)
{
    const struct shms_geometry g = {
        .protocol = SKIFF_CAP_PROTOCOL,
        .size = area->slot_size,
        .elements = area->slot_count,
    };
    if (shms_writer_init(&w, (void *)(uintptr_t)area->chan, area->chan_bytes,
                         (struct shms_ctrl *)(void *)area->ctrl, &g, ++epoch,
                         SHMS_MODE_LOSSLESS) != SHMS_OK) {
        skiff_printf("cap_hostile: cannot initialise the channel\n");
        solo5_exit(SOLO5_EXIT_FAILURE);
    }
}

/* One record: capture header h, then `len` bytes of frame f (or garbage). */
static bool record(const struct skiff_cap_hdr *h, const uint8_t *f, uint32_t len, uint32_t slot_len)
{
    struct shms_wslot ws;
    if (shms_writer_reserve(&w, &ws) != SHMS_OK)
        return false;
    uint32_t room = ws.cap - (uint32_t)sizeof *h;
    memcpy(ws.data, h, sizeof *h);
    if (f != NULL)
        memcpy((uint8_t *)ws.data + sizeof *h, f, len < room ? len : room);
    shms_writer_commit(&w, &ws, slot_len <= ws.cap ? slot_len : ws.cap, 0);
    if (slot_len > ws.cap)
        ws.slot->len = slot_len; /* past the slot: the tender must refuse it */
    shms_writer_publish(&w);
    return true;
}

/* MARKS marker frames, source MAC 02:00:00:00:<set>:<i>. Waits for room. */
static void marks(uint8_t set)
{
    uint8_t f[60];
    memset(f, 0, sizeof f);
    memset(f, 0xff, 6);
    f[6] = 0x02;
    f[10] = set;
    f[12] = 0x88;
    f[13] = 0xb5;
    memcpy(f + 14, "SKIF", 4);
    for (unsigned i = 0; i < MARKS; i++) {
        f[11] = (uint8_t)i;
        struct skiff_cap_hdr h = { .ts_ns = solo5_clock_wall(), .origlen = 60, .dir = 1 + i % 2 };
        while (!record(&h, f, sizeof f, (uint32_t)(sizeof h + sizeof f)))
            solo5_yield(solo5_clock_monotonic() + 2000000, NULL);
    }
}

/* Wait until the tender has taken every record queued (at most 2 s: a
 * lying reader cannot keep us here). solo5_yield returns early while the
 * packet fd has frames nobody reads; that only makes this poll faster. */
static void settle(void)
{
    uint64_t end = solo5_clock_monotonic() + 2000000000ull;
    while (shms_writer_space(&w) < area->slot_count && solo5_clock_monotonic() < end)
        solo5_yield(solo5_clock_monotonic() + 2000000, NULL);
}

static void attack(void)
{
    uint8_t junk[256];
    for (unsigned i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)rnd();
    struct skiff_cap_hdr h = { .ts_ns = rnd(), .origlen = (uint32_t)rnd(), .dir = (uint32_t)rnd() };
    switch (rnd() % 12) {
    case 0: /* a slot length past the slot */
        record(&h, junk, sizeof junk, area->slot_size + (uint32_t)(rnd() % 100000));
        break;
    case 1: /* shorter than a capture header */
        record(&h, NULL, 0, (uint32_t)(rnd() % sizeof h));
        break;
    case 2: /* origlen below caplen, or beyond any frame */
        h.dir = SKIFF_CAP_DIR_RX;
        h.origlen = rnd() & 1 ? 10 : 0x80000000u + (uint32_t)(rnd() % 1000);
        record(&h, junk, sizeof junk, (uint32_t)(sizeof h + sizeof junk));
        break;
    case 3: /* an unknown direction */
        h.origlen = sizeof junk;
        h.dir = 3 + (uint32_t)(rnd() % 1000);
        record(&h, junk, sizeof junk, (uint32_t)(sizeof h + sizeof junk));
        break;
    case 4: /* the largest record a slot holds: garbage, but well formed */
        h.dir = SKIFF_CAP_DIR_TX;
        h.origlen = area->slot_size;
        record(&h, junk, sizeof junk, area->slot_size - (uint32_t)sizeof(struct shms_slot));
        break;
    case 5: /* write counter at random */ hdr->wc = rnd(); break;
    case 6: /* write counter rewound over old slots, or pushed ahead */
        hdr->wc = hdr->wc + (rnd() % 4096) - 2048;
        break;
    case 7: /* new epoch, impossible geometry */
        hdr->size = rnd() % 3 ? rnd() : 8;
        hdr->elements = rnd();
        hdr->epoch = ++epoch;
        break;
    case 8: /* new epoch, good geometry (the tender resyncs) */ fresh(); break;
    case 9: /* marker or protocol garbage */
        if (rnd() & 1)
            hdr->transport = rnd();
        else
            hdr->protocol = rnd();
        break;
    case 10: /* the flow-control block and the not-captured count */
        area->ctrl[8 + rnd() % 8] = rnd();
        area->not_captured = rnd();
        break;
    default: /* a slot header's length at random, then published */
        h.dir = SKIFF_CAP_DIR_RX;
        record(&h, junk, sizeof junk, (uint32_t)rnd());
        break;
    }
}

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *p = si->cmdline;
    uint64_t seed = parse_u64(&p), secs = parse_u64(&p);
    rng = seed ? seed : 1;
    skiff_printf("cap_hostile: seed %llu\n", (unsigned long long)seed);
    if (skiff_boot->nic_count < 1 || skiff_boot->nics[0].cap_area == 0) {
        skiff_printf("cap_hostile: no capture channel (run with --io=direct and --pcap)\n");
        return SOLO5_EXIT_FAILURE;
    }
    area = (struct skiff_cap_area *)(uintptr_t)skiff_boot->nics[0].cap_area;
    hdr = (volatile struct shms_header *)(uintptr_t)area->chan;

    fresh();
    marks(0);
    settle(); /* the tender has them before the attack starts */
    uint64_t end = solo5_clock_monotonic() + secs * 1000000000ull, n = 0;
    while (solo5_clock_monotonic() < end) {
        attack();
        if (++n % 64 == 0)
            solo5_yield(solo5_clock_monotonic() + 100000, NULL);
    }
    skiff_printf("cap_hostile: %llu attacks\n", (unsigned long long)n);
    area->not_captured = 0;
    fresh();
    marks(1);
    settle();
    skiff_printf("cap_hostile: done\n");
    return SOLO5_EXIT_SUCCESS;
}
