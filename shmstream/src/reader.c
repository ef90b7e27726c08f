/*
 * SHMStream v2 reader: synchronisation, copying and zero-copy reads, read
 * counter publication (lossless flow control) and sleep announcements.
 *
 * Every word of the channel is written by a possibly hostile writer: each is
 * loaded once into a local, geometry is validated once at sync and kept
 * privately, and slot headers are bounds-checked against the private
 * geometry before any byte of the slot is used.
 */
#include "ring_internal.h"

static uint64_t next_gen(uint64_t *gen)
{
    if (++*gen == 0)
        ++*gen;
    return *gen;
}

void shms_reader_init(struct shms_reader *r, const void *mem, uint64_t mem_len,
                      struct shms_ctrl *ctrl, const struct shms_geometry *expect, unsigned mode)
{
    r->hdr = mem;
    r->slots = (const uint8_t *)mem + sizeof(struct shms_header);
    r->ctrl = ctrl;
    r->mem_len = mem_len;
    r->expect = *expect;
    r->size = r->elements = r->mask = 0;
    r->epoch = 0;
    r->bad_epoch = 0;
    r->rc = r->released = r->wc_cache = r->peeked = 0;
    r->last_woken = 0;
    r->sleep_gen = 0;
    r->handoff = r->handoff_gen = 0;
    r->mode = mode;
    r->synced = false;
}

int shms_reader_sync(struct shms_reader *r)
{
    struct shms_geometry g;
    uint64_t epoch, transport;

    r->synced = false;
    epoch = CMM_LOAD_SHARED(r->hdr->epoch);
    if (epoch == 0)
        return SHMS_INACTIVE;
    cmm_smp_rmb(); /* epoch before the fields it guards */
    transport = CMM_LOAD_SHARED(r->hdr->transport);
    g.protocol = CMM_LOAD_SHARED(r->hdr->protocol);
    g.size = CMM_LOAD_SHARED(r->hdr->size);
    g.elements = CMM_LOAD_SHARED(r->hdr->elements);
    cmm_smp_rmb(); /* the fields before the epoch re-check */
    if (CMM_LOAD_SHARED(r->hdr->epoch) != epoch)
        return SHMS_EPOCH_CHANGED;

    if (transport != SHMS_TRANSPORT_MARKER || g.protocol != r->expect.protocol ||
        (r->expect.size != 0 && g.size != r->expect.size) ||
        (r->expect.elements != 0 && g.elements != r->expect.elements) ||
        shms_channel_bytes(&g) == 0 || shms_channel_bytes(&g) > r->mem_len) {
        r->bad_epoch = epoch; /* do not retry until the writer re-initialises */
        return SHMS_INCOMPATIBLE;
    }

    r->size = g.size;
    r->elements = g.elements;
    r->mask = shms_pow2_mask(g.elements);
    r->epoch = epoch;
    r->rc = r->released = r->wc_cache = r->peeked = 0;
    r->last_woken = 0; /* a re-initialised writer restarts its generations */
    if (r->ctrl != NULL) {
        /* rc before r_epoch: a writer that sees our epoch sees rc == 0. */
        CMM_STORE_SHARED(r->ctrl->rc, 0);
        cmm_smp_wmb();
        CMM_STORE_SHARED(r->ctrl->r_epoch, epoch);
    }
    r->synced = true;
    return SHMS_OK;
}

/* Result for an epoch that no longer matches ours. */
static int lost_epoch(struct shms_reader *r, uint64_t epoch)
{
    r->synced = false;
    return epoch == 0 ? SHMS_INACTIVE : SHMS_EPOCH_CHANGED;
}

/*
 * Refresh wc for a reader positioned at `pos`: SHMS_OK with data available,
 * SHMS_NO_DATA, SHMS_OVERRUN (resynced to the writer) or an epoch result.
 */
static int load_wc(struct shms_reader *r, uint64_t pos)
{
    uint64_t epoch = CMM_LOAD_SHARED(r->hdr->epoch);
    uint64_t wc;

    if (epoch != r->epoch)
        return lost_epoch(r, epoch);
    wc = CMM_LOAD_SHARED(r->hdr->wc);
    cmm_smp_rmb(); /* wc before the slots it exposes */
    /* Signed difference: counters wrap at 2^64, and a writer that moved wc
     * backwards simply has "no data". */
    if ((int64_t)(wc - pos) <= 0)
        return SHMS_NO_DATA;
    if (wc - r->rc > r->elements) {
        /* Lapped (lossy) or lying (lossless): skip to the writer. */
        r->rc = wc;
        r->peeked = 0;
        r->wc_cache = wc;
        return SHMS_OVERRUN;
    }
    r->wc_cache = wc;
    return SHMS_OK;
}

/* Validate the slot at `counter`; on success fill *rs. */
static int slot_view(const struct shms_reader *r, uint64_t counter, struct shms_rslot *rs)
{
    const uint8_t *slot = r->slots + shms_index(counter, r->elements, r->mask) * r->size;
    const volatile struct shms_slot *vs = (const volatile struct shms_slot *)(const void *)slot;
    uint32_t len = vs->len;
    uint16_t vnet_len = vs->vnet_len;
    uint16_t flags = vs->flags;

    if (vnet_len > SHMS_VNET_MAX || (uint64_t)len + vnet_len > shms_slot_capacity(r->size))
        return SHMS_BAD_SLOT;
    rs->data = slot + sizeof(struct shms_slot) + vnet_len;
    rs->len = len;
    rs->vnet_len = vnet_len;
    rs->flags = flags;
    return SHMS_OK;
}

/*
 * true if the writer has begun to overwrite the slot of counter r->rc, given
 * its write start counter. Normally that is counter rc + elements; for the
 * last k counters before 2^64 of a ring whose slot count is not a power of
 * two it is already counter rc + k (see shms_wrap_gap).
 */
static bool slot_overwritten(const struct shms_reader *r, uint64_t wsc)
{
    uint64_t ahead = wsc - r->rc;
    uint64_t left = 0 - r->rc; /* counters before the wrap, rc included */
    uint64_t k;

    if (ahead > r->elements)
        return true;
    if (r->mask != 0 || left == 0 || left > r->elements)
        return false;
    k = shms_wrap_gap(r->elements);
    return left <= k && ahead > k;
}

int shms_read(struct shms_reader *r, void *buf, uint32_t buf_len, uint32_t *len)
{
    struct shms_rslot rs;
    uint64_t epoch, wsc;
    int rv, slot_rv;

    if (!r->synced)
        return SHMS_INACTIVE;
    shms_reader_release(r); /* copy reads and peeks do not interleave */
    rv = load_wc(r, r->rc);
    if (rv != SHMS_OK)
        return rv;

    slot_rv = slot_view(r, r->rc, &rs);
    if (slot_rv == SHMS_OK) {
        if (rs.len > buf_len)
            slot_rv = SHMS_TOO_BIG;
        else
            __builtin_memcpy(buf, rs.data, rs.len);
    }
    cmm_smp_rmb(); /* copy before the wsc check that validates it */
    wsc = CMM_LOAD_SHARED(r->hdr->wsc);
    /* Epoch first: a writer that re-initialised resets wsc, which would
     * otherwise look like an overrun (and in lossless mode an honest writer
     * never overruns). The barrier pairs with the writer storing epoch 0
     * before the new wsc, so a new wsc implies a changed epoch here. */
    cmm_smp_rmb();
    epoch = CMM_LOAD_SHARED(r->hdr->epoch);
    if (epoch != r->epoch)
        return lost_epoch(r, epoch);
    if (slot_overwritten(r, wsc)) {
        /* The writer began overwriting this slot while we copied it. */
        r->rc = CMM_LOAD_SHARED(r->hdr->wc);
        r->wc_cache = r->rc;
        return SHMS_OVERRUN;
    }
    r->rc++;
    if (slot_rv != SHMS_OK)
        return slot_rv;
    *len = rs.len;
    return SHMS_OK;
}

int shms_reader_peek(struct shms_reader *r, struct shms_rslot *rs)
{
    uint64_t pos;
    int rv;

    if (!r->synced)
        return SHMS_INACTIVE;
    pos = r->rc + r->peeked;
    if ((int64_t)(r->wc_cache - pos) <= 0) {
        rv = load_wc(r, pos);
        if (rv != SHMS_OK)
            return rv;
        pos = r->rc + r->peeked; /* an overrun moved rc */
    }
    r->peeked++;
    return slot_view(r, pos, rs);
}

void shms_reader_release(struct shms_reader *r)
{
    r->rc += r->peeked;
    r->peeked = 0;
}

void shms_reader_unpeek(struct shms_reader *r, uint64_t n)
{
    r->peeked -= n < r->peeked ? n : r->peeked;
}

bool shms_reader_publish(struct shms_reader *r)
{
    uint64_t waiting;

    if (r->ctrl == NULL || !r->synced || r->released == r->rc)
        return false;
    /* uatomic_xchg is a full barrier on both sides: every slot read is
     * done before the slots are handed back, and the rc store is ordered
     * before the w_wait load (pairs with the writer's wait announcement).
     * One locked instruction instead of two fences. */
    (void)uatomic_xchg(&r->ctrl->rc, r->rc);
    r->released = r->rc;
    waiting = CMM_LOAD_SHARED(r->ctrl->w_wait);
    if (waiting != 0 && waiting != r->last_woken) {
        r->last_woken = waiting;
        return true;
    }
    return false;
}

uint64_t shms_reader_available(struct shms_reader *r)
{
    uint64_t wc, pos, d;

    if (!r->synced)
        return 0;
    wc = CMM_LOAD_SHARED(r->hdr->wc);
    pos = r->rc + r->peeked;
    d = wc - pos;
    if ((int64_t)d <= 0)
        return 0;
    return d > r->elements ? r->elements : d;
}

/* Anything for this reader to do: data, or a (re)sync to attempt. */
static bool has_work(struct shms_reader *r)
{
    uint64_t epoch = CMM_LOAD_SHARED(r->hdr->epoch);

    if (!r->synced)
        return epoch != 0 && epoch != r->bad_epoch;
    if (epoch != r->epoch)
        return true;
    return shms_reader_available(r) != 0;
}

bool shms_reader_prepare_sleep(struct shms_reader *r)
{
    if (r->ctrl == NULL)
        return !has_work(r);
    /* Store r_sleep, full barrier, then load wc (pairs with publish). */
    (void)uatomic_xchg(&r->ctrl->r_sleep, next_gen(&r->sleep_gen));
    if (has_work(r)) {
        CMM_STORE_SHARED(r->ctrl->r_sleep, 0);
        return false;
    }
    return true;
}

void shms_reader_finish_sleep(struct shms_reader *r)
{
    if (r->ctrl != NULL)
        CMM_STORE_SHARED(r->ctrl->r_sleep, 0);
}

bool shms_reader_has_work(struct shms_reader *r)
{
    return has_work(r);
}

void shms_reader_want_handoff(struct shms_reader *r, bool want)
{
    if (r->ctrl == NULL || (r->handoff != 0) == want)
        return;
    r->handoff = want ? next_gen(&r->handoff_gen) : 0;
    /* Full barrier: a give-back is ordered after our last use of the
     * source, a request before the sleep announcement that follows it. */
    (void)uatomic_xchg(&r->ctrl->r_handoff, r->handoff);
}

bool shms_reader_handed_off(const struct shms_reader *r)
{
    if (r->ctrl == NULL || r->handoff == 0)
        return false;
    bool granted = CMM_LOAD_SHARED(r->ctrl->w_handoff) == r->handoff;
    /* Our reads of the source come after we saw the grant. */
    cmm_smp_rmb();
    return granted;
}

void shms_reader_count_bypass(struct shms_reader *r, uint64_t n)
{
    if (r->ctrl != NULL)
        CMM_STORE_SHARED(r->ctrl->r_bypass, CMM_LOAD_SHARED(r->ctrl->r_bypass) + n);
}
