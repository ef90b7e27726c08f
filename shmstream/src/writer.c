/*
 * SHMStream v2 writer: channel initialisation, slot reservation and batched
 * publication, lossless flow control and reader wake-up suppression.
 *
 * Ordering (see docs/shmstream.md, "Memory ordering"):
 *   - slot bytes are written before wc is stored (smp_wmb between them);
 *   - in lossy mode wsc is stored before a slot is overwritten (smp_wmb), so
 *     a reader that copied the slot can tell it was torn;
 *   - publish stores wc, then a full barrier, then loads r_sleep: paired with
 *     the reader's store of r_sleep, full barrier, load of wc, at least one
 *     side sees the other (no lost wake-up);
 *   - a fresh rc from the reader is followed by a full barrier before slots
 *     are reused, pairing with the reader's barrier before it stores rc.
 */
#include "ring_internal.h"

static uint64_t next_gen(uint64_t *gen)
{
    if (++*gen == 0)
        ++*gen;
    return *gen;
}

int shms_writer_init(struct shms_writer *w, void *mem, uint64_t mem_len, struct shms_ctrl *ctrl,
                     const struct shms_geometry *g, uint64_t epoch, unsigned mode)
{
    uint64_t need = shms_channel_bytes(g);

    if (mem == NULL || epoch == 0 || need == 0 || need > mem_len)
        return SHMS_INCOMPATIBLE;
    if ((uintptr_t)mem % 8 != 0 || (uintptr_t)ctrl % 8 != 0)
        return SHMS_INCOMPATIBLE;
    if (mode != SHMS_MODE_LOSSY && mode != SHMS_MODE_LOSSLESS)
        return SHMS_INCOMPATIBLE;
    if (mode == SHMS_MODE_LOSSLESS && ctrl == NULL)
        return SHMS_INCOMPATIBLE;

    w->hdr = mem;
    w->slots = (uint8_t *)mem + sizeof(struct shms_header);
    w->ctrl = ctrl;
    w->size = g->size;
    w->elements = g->elements;
    w->mask = shms_pow2_mask(g->elements);
    w->epoch = epoch;
    w->wc = 0;
    w->pending = 0;
    w->reserved_slot = 0;
    w->rc_cache = 0;
    w->last_woken = 0;
    w->wait_gen = 0;
    w->mode = mode;

    /* Deactivate first so no reader trusts the fields while they change. */
    CMM_STORE_SHARED(w->hdr->epoch, 0);
    cmm_smp_wmb();
    CMM_STORE_SHARED(w->hdr->transport, SHMS_TRANSPORT_MARKER);
    CMM_STORE_SHARED(w->hdr->protocol, g->protocol);
    CMM_STORE_SHARED(w->hdr->size, g->size);
    CMM_STORE_SHARED(w->hdr->elements, g->elements);
    CMM_STORE_SHARED(w->hdr->reserved, 0);
    CMM_STORE_SHARED(w->hdr->wsc, 0);
    CMM_STORE_SHARED(w->hdr->wc, 0);
    if (ctrl != NULL) {
        CMM_STORE_SHARED(ctrl->w_wait, 0);
        CMM_STORE_SHARED(ctrl->w_bypass, 0);
        CMM_STORE_SHARED(ctrl->w_handoff, 0);
    }
    cmm_smp_wmb();
    CMM_STORE_SHARED(w->hdr->epoch, epoch);
    return SHMS_OK;
}

void shms_writer_deactivate(struct shms_writer *w)
{
    CMM_STORE_SHARED(w->hdr->epoch, 0);
    cmm_smp_mb();
}

/* Slots the writer has claimed: published, committed or reserved. */
static uint64_t claimed(const struct shms_writer *w)
{
    return w->wc + w->pending + w->reserved_slot;
}

/*
 * Re-read the reader's released counter. The value is hostile: one that
 * would give more than `elements` free slots (or went past what we wrote) is
 * ignored and the last sane value kept, which at worst stalls this channel.
 */
static void refresh_rc(struct shms_writer *w)
{
    uint64_t r_epoch = CMM_LOAD_SHARED(w->ctrl->r_epoch);
    uint64_t rc;

    cmm_smp_rmb();
    rc = CMM_LOAD_SHARED(w->ctrl->rc);
    /* Slots may be rewritten only after the reader is done with them. */
    cmm_smp_mb();
    if (r_epoch != w->epoch)
        return; /* reader not attached to this epoch yet: nothing released */
    /* Also not past what we published: no reader can have released a slot
     * it could not see yet, and accepting that would let a hostile reader
     * make us hand out our own committed but unpublished slots again. */
    if (claimed(w) - rc > w->elements || w->wc - rc > claimed(w) - rc)
        return;
    w->rc_cache = rc;
}

/*
 * Free slots given the cached read counter. Near the 2^64 wrap of a ring
 * whose slot count is not a power of two, counters 0..k-1 reuse the slots of
 * the last k counters before the wrap (shms_wrap_gap): the writer stops at
 * the wrap and writes those counters only once the reader has released
 * everything before it, i.e. the ring drains once per 2^64 frames. Without
 * this an unread frame just before the wrap would be overwritten.
 */
static uint64_t free_slots(const struct shms_writer *w)
{
    uint64_t next = claimed(w);
    uint64_t used = next - w->rc_cache;
    uint64_t free, k;

    if (used >= w->elements)
        return 0;
    free = w->elements - used;
    if (w->mask != 0 || (next >= w->elements && 0 - next >= free))
        return free; /* power of two, or not near the wrap */
    k = shms_wrap_gap(w->elements);
    if (k == 0)
        return free; /* a single slot (mask 0 but a power of two) */
    if (next < k)
        return w->rc_cache > next ? 0 : free; /* rc still before the wrap */
    return 0 - next < free ? 0 - next : free; /* stop at the wrap */
}

uint64_t shms_writer_space(struct shms_writer *w)
{
    uint64_t free;

    if (w->mode == SHMS_MODE_LOSSY)
        return w->elements - w->reserved_slot;
    free = free_slots(w);
    if (free == 0) {
        refresh_rc(w);
        free = free_slots(w);
    }
    return free;
}

int shms_writer_reserve(struct shms_writer *w, struct shms_wslot *ws)
{
    uint64_t counter;
    uint8_t *slot;

    if (w->reserved_slot)
        return SHMS_FULL; /* one reservation at a time */
    if (w->mode == SHMS_MODE_LOSSLESS && shms_writer_space(w) == 0)
        return SHMS_FULL;

    counter = w->wc + w->pending;
    if (w->mode == SHMS_MODE_LOSSY) {
        /* Announce the overwrite before touching the slot. */
        CMM_STORE_SHARED(w->hdr->wsc, counter + 1);
        cmm_smp_wmb();
    }
    slot = shms_slot_at(w->slots, w->size, shms_index(counter, w->elements, w->mask));
    ws->slot = (struct shms_slot *)(void *)slot;
    ws->data = slot + sizeof(struct shms_slot);
    ws->cap = shms_slot_capacity(w->size);
    w->reserved_slot = 1;
    return SHMS_OK;
}

uint32_t shms_writer_reserve_batch(struct shms_writer *w, struct shms_wslot *ws, uint32_t n)
{
    uint64_t space, counter;
    uint32_t k;

    if (w->reserved_slot || w->mode != SHMS_MODE_LOSSLESS)
        return 0;
    space = shms_writer_space(w);
    if (n > space)
        n = (uint32_t)space;
    counter = w->wc + w->pending;
    for (k = 0; k < n; k++) {
        uint8_t *slot =
            shms_slot_at(w->slots, w->size, shms_index(counter + k, w->elements, w->mask));
        ws[k].slot = (struct shms_slot *)(void *)slot;
        ws[k].data = slot + sizeof(struct shms_slot);
        ws[k].cap = shms_slot_capacity(w->size);
    }
    w->reserved_slot = n;
    return n;
}

void shms_writer_unreserve(struct shms_writer *w)
{
    w->reserved_slot = 0;
}

int shms_writer_commit(struct shms_writer *w, struct shms_wslot *ws, uint32_t len,
                       uint16_t vnet_len)
{
    struct shms_slot *s = ws->slot;

    if (!w->reserved_slot)
        return SHMS_BAD_SLOT;
    w->reserved_slot--; /* a batch's slots are committed oldest first */
    if (vnet_len > SHMS_VNET_MAX || (uint64_t)len + vnet_len > ws->cap)
        return SHMS_TOO_BIG; /* slot stays unused; the next reserve reuses it */
    s->len = len;
    s->flags = vnet_len ? SHMS_SLOT_F_VNET : 0;
    s->vnet_len = vnet_len;
    s->seq = (uint32_t)(w->wc + w->pending);
    s->reserved = 0;
    w->pending++;
    return SHMS_OK;
}

int shms_writer_put(struct shms_writer *w, const void *frame, uint32_t len)
{
    struct shms_wslot ws;
    int rv;

    if (len > shms_slot_capacity(w->size))
        return SHMS_TOO_BIG;
    rv = shms_writer_reserve(w, &ws);
    if (rv != SHMS_OK)
        return rv;
    __builtin_memcpy(ws.data, frame, len);
    return shms_writer_commit(w, &ws, len, 0);
}

bool shms_writer_publish(struct shms_writer *w)
{
    uint64_t wc, sleeping;

    if (w->pending == 0)
        return false;
    wc = w->wc + w->pending;
    if (w->mode == SHMS_MODE_LOSSLESS)
        CMM_STORE_SHARED(w->hdr->wsc, wc);
    cmm_smp_wmb(); /* slot contents before the counter that exposes them */
    w->wc = wc;
    w->pending = 0;
    if (w->ctrl == NULL) {
        CMM_STORE_SHARED(w->hdr->wc, wc);
        return true; /* no feedback channel: the caller must always notify */
    }
    /* Store wc, full barrier, then load r_sleep (pairs with the reader's
     * sleep announcement): uatomic_xchg is both in one locked instruction. */
    (void)uatomic_xchg(&w->hdr->wc, wc);
    sleeping = CMM_LOAD_SHARED(w->ctrl->r_sleep);
    if (sleeping != 0 && sleeping != w->last_woken) {
        w->last_woken = sleeping;
        return true;
    }
    return false;
}

bool shms_writer_prepare_wait(struct shms_writer *w)
{
    if (w->ctrl == NULL || w->mode != SHMS_MODE_LOSSLESS)
        return false;
    /* Store w_wait, full barrier, then load rc (pairs with publish). */
    (void)uatomic_xchg(&w->ctrl->w_wait, next_gen(&w->wait_gen));
    refresh_rc(w);
    if (shms_writer_space(w) > 0) {
        CMM_STORE_SHARED(w->ctrl->w_wait, 0);
        return false;
    }
    return true;
}

void shms_writer_finish_wait(struct shms_writer *w)
{
    if (w->ctrl != NULL)
        CMM_STORE_SHARED(w->ctrl->w_wait, 0);
}

bool shms_writer_reader_idle(struct shms_writer *w)
{
    if (w->mode != SHMS_MODE_LOSSLESS || w->pending != 0 || w->reserved_slot != 0)
        return false;
    /* Sleep first: a reader announces it after releasing what it consumed,
     * so a sleeping reader with rc == wc has finished with every frame. */
    uint64_t sleep = CMM_LOAD_SHARED(w->ctrl->r_sleep);
    cmm_smp_rmb();
    uint64_t r_epoch = CMM_LOAD_SHARED(w->ctrl->r_epoch);
    uint64_t rc = CMM_LOAD_SHARED(w->ctrl->rc);
    /* Later stores (the caller's side channel) stay after these loads. */
    cmm_smp_mb();
    return sleep != 0 && r_epoch == w->epoch && rc == w->wc;
}

void shms_writer_count_bypass(struct shms_writer *w, uint64_t n)
{
    if (w->ctrl != NULL)
        CMM_STORE_SHARED(w->ctrl->w_bypass, CMM_LOAD_SHARED(w->ctrl->w_bypass) + n);
}

uint64_t shms_writer_handoff_request(const struct shms_writer *w)
{
    return w->ctrl != NULL ? CMM_LOAD_SHARED(w->ctrl->r_handoff) : 0;
}

void shms_writer_set_handoff(struct shms_writer *w, uint64_t req)
{
    if (w->ctrl == NULL)
        return;
    /* Full barrier: what we published is visible before a grant, and our
     * last read of the source is done before it. */
    (void)uatomic_xchg(&w->ctrl->w_handoff, req);
}

uint64_t shms_writer_reader_bypass(const struct shms_writer *w)
{
    return w->ctrl != NULL ? CMM_LOAD_SHARED(w->ctrl->r_bypass) : 0;
}
