/*
 * Receive: frames are copied out of the NIC's RX ring and the slots given back
 * to the tender with one counter update per call (per batch for
 * solo5_net_read_batch). Direct mode reads each frame from the packet fd.
 *
 * End of file: once the tender has seen EOF on the packet fd and the guest
 * has consumed every RX frame, the tender deactivates the RX channel (epoch
 * 0) and wakes the guest. A reader that was synced and then finds the
 * channel inactive marks the NIC closed: reads return SOLO5_R_CLOSED from
 * then on. In direct mode a read() of 0 bytes, or an error skiff/closed.h
 * calls "closed" (NETREAD ret 2 on hvt), is EOF; the packet fd then leaves
 * the poll set so solo5_yield() cannot spin on its hang-up.
 *
 * On a vnet NIC each frame comes out with the vnet header the tender put in
 * front of it in the slot (SOLO5_NET_F_VNET in solo5.h).
 *
 * spt event mode, low load (the SHMStream source hand-off): before it sleeps
 * with its ring drained the guest asks for the packet fd; when a frame comes
 * the I/O thread, instead of reading it and waking the guest for it, leaves
 * the fd to the guest, which then reads frames itself (one system call each,
 * like Solo5) and polls the fd while it sleeps - no thread hand-off per
 * frame. More than SKIFF_RX_HANDOFF_RUN frames in a row, with no sleep and
 * no read that found the fd empty between them, is the guest falling
 * behind: it gives the fd back, the I/O thread reads in parallel through
 * the ring, and the guest does not ask again for
 * SKIFF_RX_HANDOFF_HOLDOFF_NS; so does one GSO super-frame on a vnet NIC
 * (a bulk transfer). The ring is always read first, and the I/O
 * thread queues nothing while the fd is the guest's, so frames keep their
 * order. Frames larger than the MTU allows are dropped, and a buffer too
 * small for a frame loses it (EINVAL), as on the ring.
 *
 * solo5_net_peek_batch/solo5_net_release (ring modes) lend frames in place
 * instead of copying them out, for forwarders.
 */
#include "skiff/rt.h"

#include "bindings.h"
#include "hc.h"

/* Upper bound on skipped slots / resyncs handled within one read. */
#define RX_RETRIES 16

bool skiff_nic_rx_ready(struct gnic *n)
{
    /* has_work: frames waiting, or the epoch moved (EOF or re-init). A
     * closed NIC is ready until a read has said so, then never again. */
    if (n->closed)
        return !n->closed_told;
    return shms_reader_has_work(&n->rx);
}

/* The channel's epoch moved: follow a re-initialisation, or note EOF. */
static bool rx_resync(struct gnic *n)
{
    int r, tries = 0;

    do
        r = shms_reader_sync(&n->rx);
    while (r == SHMS_EPOCH_CHANGED && ++tries < RX_RETRIES);
    if (r == SHMS_OK)
        return true;
    if (r != SHMS_INACTIVE)
        skiff_printf("skiff: NIC %s: RX channel unusable (%s), closing\n", n->boot->name,
                     shms_result_str(r));
    n->closed = true;
    return false;
}

/*
 * What a peeked slot gives the application: the frame, or on a vnet NIC
 * "vnet header + frame" in one piece (the header sits right before the
 * frame in the slot). SHMS_BAD_SLOT if a vnet slot lacks the 12-byte header
 * (a plain NIC's slots are taken as they are, as shms_read() does).
 */
static int slot_bytes(const struct gnic *n, const struct shms_rslot *rs, const uint8_t **p,
                      uint32_t *len)
{
    uint32_t hdr = n->vnet ? SOLO5_NET_VNET_HLEN : 0;
    if (n->vnet && rs->vnet_len != hdr)
        return SHMS_BAD_SLOT;
    *p = (const uint8_t *)rs->data - hdr;
    *len = rs->len + hdr; /* len < slot size */
    return SHMS_OK;
}

/* shms_read() for a vnet NIC: copy "vnet header + frame" out of the next
 * slot in one go. Same results as shms_read(). */
static int vnet_read(const struct gnic *n, struct shms_reader *r, uint8_t *buf, uint32_t cap,
                     uint32_t *len)
{
    struct shms_rslot rs;
    const uint8_t *p;
    uint32_t total;
    int rv = shms_reader_peek(r, &rs);

    if (rv == SHMS_OK && (rv = slot_bytes(n, &rs, &p, &total)) == SHMS_OK) {
        if (total > cap)
            rv = SHMS_TOO_BIG;
        else {
            memcpy(buf, p, total);
            *len = total;
        }
    }
    shms_reader_release(r); /* the slot counts as read, whatever it held */
    return rv;
}

/* Copy one frame out of the ring; *consumed notes whether slots were used
 * up (so the caller publishes). Oversized and invalid slots are skipped. */
static solo5_result_t ring_read(struct gnic *n, uint8_t *buf, size_t size, size_t *len,
                                bool *consumed)
{
    uint32_t cap = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;

    for (int i = 0; i < RX_RETRIES && !n->closed; i++) {
        uint32_t got = 0;
        int rv = n->vnet ? vnet_read(n, &n->rx, buf, cap, &got) : shms_read(&n->rx, buf, cap, &got);
        switch (rv) {
        case SHMS_OK:
            *len = got;
            *consumed = true;
            return SOLO5_R_OK;
        case SHMS_NO_DATA: /* checked against the current epoch */ return SOLO5_R_AGAIN;
        case SHMS_INACTIVE:
        case SHMS_EPOCH_CHANGED:
            if (!rx_resync(n))
                return SOLO5_R_CLOSED;
            break;
        case SHMS_TOO_BIG: /* buffer smaller than the frame: frame lost */
            *consumed = true;
            return SOLO5_R_EINVAL;
        case SHMS_OVERRUN: /* cannot happen losslessly; reader resynced */
        case SHMS_BAD_SLOT: /* tender bug; slot skipped */ *consumed = true; break;
        default: return SOLO5_R_EUNSPEC;
        }
    }
    return n->closed ? SOLO5_R_CLOSED : SOLO5_R_AGAIN;
}

/* Give consumed slots back; kick the tender if it waits for RX space. */
static void rx_release(struct gnic *n)
{
    if (!n->closed && shms_reader_publish(&n->rx))
        hc_kick(n->index);
}

/* Frames read from the packet fd in a row (no sleep, no read that found it
 * empty between them) before it goes back: the guest is falling behind and
 * the I/O thread should batch (and read in parallel). Not much sooner:
 * reading the fd itself costs the guest one system call per frame, which
 * the ring does not beat on CPU while the guest keeps up (bench/echo/rx-switch;
 * docs/analysis/rx-handoff.md). Well before a TAP's queue (1,000 frames by
 * default) can fill, though: a guest at half the arrival rate has let 256
 * frames queue up when it gives back, where 1,024 would have been the
 * moment the queue overflows (a forwarder reading and writing each frame
 * itself, bench/router/run). */
#define SKIFF_RX_HANDOFF_RUN 256u
/* After giving the fd back under load, how long to leave it with the ring. */
#define SKIFF_RX_HANDOFF_HOLDOFF_NS (20ull * 1000 * 1000)
/* Largest frame taken from the fd (the tender's limit: MTU +
 * SKIFF_ETH_OVERHEAD; on a vnet NIC the header + a 64 KiB GSO frame), and the
 * bounce buffer for callers' smaller buffers (one byte more, to see a frame
 * that is too long). */
static uint8_t rx_bounce[SOLO5_NET_VNET_BUF_MAX + 1u];

/* Frames lent from the packet fd (solo5_net_peek_batch while the fd is
 * ours): one buffer for all NICs, held by at most one NIC at a time until
 * it releases. Frames are read into it one after the other while a whole
 * frame still fits behind them, so one call lends a batch (a caller that
 * yields after a short batch would otherwise sleep and wake per frame, and
 * never read long enough in a row to give the fd back under load). Per-NIC
 * buffers would add this much image per NIC to every image; a NIC that
 * finds the buffer taken gives its fd back instead, and its frames come
 * through the ring. */
#define RX_LEND_SIZE  (128u * 1024u)
#define RX_LEND_ALIGN 16u
static uint8_t rx_lend[RX_LEND_SIZE] __attribute__((aligned(RX_LEND_ALIGN)));
_Static_assert(RX_LEND_SIZE > SOLO5_NET_VNET_BUF_MAX, "rx_lend holds a frame of any NIC");
static const struct gnic *rx_lent_by;

static size_t rx_frame_limit(const struct gnic *n)
{
    return n->vnet ? SOLO5_NET_VNET_BUF_MAX : (size_t)n->boot->mtu + SKIFF_ETH_OVERHEAD;
}

/* Give the packet fd back to the I/O thread and wake it to read on. */
static void rx_giveback(struct gnic *n)
{
    if (n->rx_watching) {
        hc_net_watch(n->index, 0);
        n->rx_watching = false;
    }
    shms_reader_want_handoff(&n->rx, false);
    hc_kick(n->index);
}

uint64_t skiff_rx_handoff_prepare(uint64_t acquired)
{
    uint64_t now = 0, ours = 0;

    for (unsigned i = 0; i < skiff_boot->nic_count; i++) {
        struct gnic *n = &skiff_nics[i];
        if (!n->rx_handoff || !(acquired & (1ull << i)))
            continue;
        n->rx_run = 0;
        if (!n->closed && !shms_reader_handed_off(&n->rx)) {
            /* The clock is read only while a give-back's hold-off runs. */
            if (n->rx_holdoff != 0) {
                if (now == 0)
                    now = hc_clock_monotonic();
                if (now >= n->rx_holdoff)
                    n->rx_holdoff = 0;
            }
            if (n->rx_holdoff == 0)
                shms_reader_want_handoff(&n->rx, true);
        }
        bool granted = !n->closed && shms_reader_handed_off(&n->rx);
        if (granted != n->rx_watching) { /* granted, or taken back at close */
            hc_net_watch(i, granted);
            n->rx_watching = granted;
        }
        if (granted)
            ours |= 1ull << i;
    }
    return ours;
}

/*
 * The ring is empty: if the packet fd is ours, read the next frame from it.
 * Returns false if the caller should report the ring's AGAIN.
 */
static bool handoff_read(struct gnic *n, uint8_t *buf, size_t size, size_t *len, solo5_result_t *r)
{
    if (!n->rx_handoff || n->closed || !shms_reader_handed_off(&n->rx))
        return false;
    if (n->rx_run >= SKIFF_RX_HANDOFF_RUN) {
        /* Load: the I/O thread batches better than a read per frame. */
        rx_giveback(n);
        n->rx_holdoff = hc_clock_monotonic() + SKIFF_RX_HANDOFF_HOLDOFF_NS;
        return false;
    }
    size_t limit = rx_frame_limit(n);
    bool bounce = size <= limit;
    for (int i = 0; i < RX_RETRIES; i++) {
        size_t got = 0;
        switch (hc_net_read(n->index, bounce ? rx_bounce : buf, limit + 1, &got)) {
        case SKIFF_NET_OK: break;
        case SKIFF_NET_AGAIN:
            n->rx_run = 0; /* caught up: no queue is building */
            *r = SOLO5_R_AGAIN;
            return true;
        case SKIFF_NET_CLOSED:
            /* End of file: the ring is empty and stays so (the I/O thread,
             * given the fd back, finds the same and deactivates the
             * channel), so the NIC is closed from here, as on the ring. */
            rx_giveback(n);
            n->closed = true;
            *r = SOLO5_R_CLOSED;
            return true;
        default: /* a transient error: the I/O thread reads on */ rx_giveback(n); return false;
        }
        if (got > limit || (n->vnet && got <= SOLO5_NET_VNET_HLEN))
            continue; /* too long for the MTU, or a header alone: dropped, as by the tender */
        n->rx_run++;
        shms_reader_count_bypass(&n->rx, 1);
        if (n->vnet && got > SOLO5_NET_VNET_HLEN + n->boot->mtu + SKIFF_ETH_OVERHEAD) {
            /* A GSO super-frame is a bulk transfer, where the I/O thread
             * copying in parallel pays and a lone guest copying each
             * 64 KiB itself does not: this frame is ours, the next ones
             * go through the ring for the hold-off. */
            rx_giveback(n);
            n->rx_holdoff = hc_clock_monotonic() + SKIFF_RX_HANDOFF_HOLDOFF_NS;
        }
        if (got > size) {
            *r = SOLO5_R_EINVAL; /* the caller's buffer is too small: lost */
            return true;
        }
        if (bounce)
            memcpy(buf, rx_bounce, got);
        *len = got;
        *r = SOLO5_R_OK;
        return true;
    }
    *r = SOLO5_R_AGAIN;
    return true;
}

static solo5_result_t direct_read(struct gnic *n, uint8_t *buf, size_t size, size_t *len)
{
    if (n->closed)
        return SOLO5_R_CLOSED;
    switch (hc_net_read(n->index, buf, size, len)) {
    case SKIFF_NET_OK: return SOLO5_R_OK;
    case SKIFF_NET_AGAIN: return SOLO5_R_AGAIN;
    case SKIFF_NET_CLOSED:
        n->closed = true;
        hc_net_forget(n->index);
        return SOLO5_R_CLOSED;
    default: return SOLO5_R_EUNSPEC;
    }
}

/* A read that found the NIC closed: from now on it no longer wakes
 * solo5_yield; applications that did not opt in to the extension see
 * SOLO5_R_AGAIN, one of Solo5's own results. */
static solo5_result_t told_closed(struct gnic *n)
{
    n->closed_told = true;
    return n->report_closed ? SOLO5_R_CLOSED : SOLO5_R_AGAIN;
}

solo5_result_t solo5_net_read(solo5_handle_t handle, uint8_t *buf, size_t size, size_t *read_size)
{
    struct gnic *n = skiff_nic_get(handle);

    if (n == NULL || buf == NULL || read_size == NULL)
        return SOLO5_R_EINVAL;
    if (skiff_direct) {
        solo5_result_t d = direct_read(n, buf, size, read_size);
        return d == SOLO5_R_CLOSED ? told_closed(n) : d;
    }

    bool consumed = false;
    solo5_result_t r = ring_read(n, buf, size, read_size, &consumed);
    if (consumed)
        rx_release(n);
    if (r == SOLO5_R_AGAIN)
        handoff_read(n, buf, size, read_size, &r);
    return r == SOLO5_R_CLOSED ? told_closed(n) : r;
}

solo5_result_t solo5_net_read_batch(solo5_handle_t handle, struct solo5_net_frame *frames,
                                    size_t n_max, size_t *count)
{
    struct gnic *n = skiff_nic_get(handle);
    solo5_result_t r = SOLO5_R_AGAIN;
    bool consumed = false;
    size_t got = 0;

    if (n == NULL || count == NULL || (frames == NULL && n_max > 0))
        return SOLO5_R_EINVAL;
    while (got < n_max) {
        struct solo5_net_frame *f = &frames[got];
        if (skiff_direct)
            r = direct_read(n, f->buf, f->size, &f->len);
        else if ((r = ring_read(n, f->buf, f->size, &f->len, &consumed)) == SOLO5_R_AGAIN)
            handoff_read(n, f->buf, f->size, &f->len, &r);
        if (r == SOLO5_R_OK)
            got++;
        else if (r != SOLO5_R_EINVAL) /* an oversized frame is just lost */
            break;
    }
    if (consumed)
        rx_release(n);
    *count = got;
    if (got > 0)
        return SOLO5_R_OK; /* a CLOSED after these frames shows next call */
    if (n_max == 0)
        return SOLO5_R_OK;
    return r == SOLO5_R_CLOSED ? told_closed(n) : r;
}

/*
 * The ring had nothing to lend and the packet fd is ours (low load, spt
 * event mode): lend up to n_max frames read from the fd into rx_lend
 * instead. Returns how many; none if the fd has none (or the buffer is
 * taken: the fd then goes back to the I/O thread for a while, so a guest
 * that keeps frames lent cannot stall its other NICs' frames behind the
 * buffer). End of file shows as n->closed.
 */
static size_t lend_from_fd(struct gnic *n, struct solo5_net_view *views, size_t n_max)
{
    size_t limit = rx_frame_limit(n), used = 0, got = 0;
    solo5_result_t r;

    if (!n->rx_handoff || n->closed || !shms_reader_handed_off(&n->rx))
        return 0;
    if (rx_lent_by != NULL) {
        rx_giveback(n);
        n->rx_holdoff = hc_clock_monotonic() + SKIFF_RX_HANDOFF_HOLDOFF_NS;
        return 0;
    }
    /* Each read gets more room than any frame: no bounce, no EINVAL. */
    while (got < n_max && RX_LEND_SIZE - used > limit) {
        size_t len = 0;
        if (!handoff_read(n, rx_lend + used, RX_LEND_SIZE - used, &len, &r) || r != SOLO5_R_OK)
            break;
        views[got++] = (struct solo5_net_view){ rx_lend + used, len };
        used = (used + len + RX_LEND_ALIGN - 1) / RX_LEND_ALIGN * RX_LEND_ALIGN;
    }
    if (got > 0)
        rx_lent_by = n;
    return got;
}

/*
 * Zero-copy receive: frames lent in place from the RX ring. Only ring modes
 * have a ring to lend from. While the packet fd is the guest's (spt event
 * mode, low load) the ring is empty, and frames read from the fd are lent
 * from rx_lend (lend_from_fd).
 */
solo5_result_t solo5_net_peek_batch(solo5_handle_t handle, struct solo5_net_view *views,
                                    size_t n_max, size_t *count)
{
    struct gnic *n = skiff_nic_get(handle);
    size_t got = 0;

    if (n == NULL || count == NULL || (views == NULL && n_max > 0))
        return SOLO5_R_EINVAL;
    *count = 0;
    if (skiff_direct)
        return SOLO5_R_EUNSPEC;
    for (int skipped = 0; got < n_max && skipped < RX_RETRIES && !n->closed;) {
        struct shms_rslot rs;
        const uint8_t *p;
        uint32_t len;
        int rv = shms_reader_peek(&n->rx, &rs);
        if (rv == SHMS_OK)
            rv = slot_bytes(n, &rs, &p, &len); /* a bad slot goes back, unread, with the rest */
        if (rv == SHMS_OK) {
            /* Guest memory the tender does not touch again until the
             * slot is released: the application may rewrite it. */
            views[got++] = (struct solo5_net_view){ (uint8_t *)(uintptr_t)p, len };
            continue;
        }
        if (rv == SHMS_NO_DATA)
            break;
        skipped++;
        if (rv == SHMS_INACTIVE || rv == SHMS_EPOCH_CHANGED) {
            if (got > 0)
                break; /* lend these; the next call resyncs */
            shms_reader_release(&n->rx);
            if (!rx_resync(n))
                break;
        } else if (rv != SHMS_BAD_SLOT && rv != SHMS_OVERRUN) {
            return SOLO5_R_EUNSPEC;
        }
    }
    if (got == 0 && !n->closed)
        got = lend_from_fd(n, views, n_max);
    *count = got;
    if (got > 0 || n_max == 0)
        return SOLO5_R_OK;
    solo5_net_release(handle); /* skipped slots, if any */
    return n->closed ? told_closed(n) : SOLO5_R_AGAIN;
}

solo5_result_t solo5_net_release(solo5_handle_t handle)
{
    struct gnic *n = skiff_nic_get(handle);

    if (n == NULL)
        return SOLO5_R_EINVAL;
    if (skiff_direct)
        return SOLO5_R_OK; /* nothing was lent */
    if (rx_lent_by == n)
        rx_lent_by = NULL;
    shms_reader_release(&n->rx);
    rx_release(n);
    return SOLO5_R_OK;
}
