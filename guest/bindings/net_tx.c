/*
 * Transmit: frames are copied into the NIC's TX ring (queue) and made visible
 * to the tender with one counter update per batch (flush). The tender is only
 * notified when it has announced that it sleeps, so a busy tender costs the
 * guest no system call at all. Direct mode writes each frame to the packet fd.
 * On a vnet NIC a buffer is vnet header + frame, stored as one slot.
 *
 * spt event mode, low load: when the I/O thread sleeps and holds nothing of
 * ours, handing a frame over would cost a kick and a thread wake-up per
 * frame; the guest then writes it to the packet fd itself (one system call,
 * like Solo5), up to SKIFF_TX_BYPASS_RUN frames between flushes. Anything
 * more goes through the ring, where the I/O thread batches it. The ring
 * must be drained and the reader asleep, so no queued frame is overtaken.
 */
#include "skiff/rt.h"

#include "bindings.h"
#include "hc.h"

/* shms_writer_put() for a vnet NIC: `buf` is vnet header + frame; the slot
 * records the header as such, so the tender writes both in one go. */
static int vnet_put(struct shms_writer *w, const uint8_t *buf, uint32_t size)
{
    struct shms_wslot ws;

    if (size <= SOLO5_NET_VNET_HLEN)
        return SHMS_TOO_BIG; /* no frame behind the header: EINVAL */
    if (size > shms_slot_capacity(w->size))
        return SHMS_TOO_BIG;
    int rv = shms_writer_reserve(w, &ws);
    if (rv != SHMS_OK)
        return rv;
    memcpy(ws.data, buf, size);
    return shms_writer_commit(w, &ws, size - SOLO5_NET_VNET_HLEN, SOLO5_NET_VNET_HLEN);
}

/* Frames a flush may send past the ring before the rest go to the I/O
 * thread: a request/response burst is a frame or two; a longer run is load,
 * which the ring batches for less CPU per frame. */
#define SKIFF_TX_BYPASS_RUN 4u

/* spt event mode: send the frame ourselves if the I/O thread is idle.
 * Returns false if the frame must go through the ring. */
static bool tx_bypass(struct gnic *n, const uint8_t *buf, size_t size, solo5_result_t *r)
{
    if (n->closed || n->tx_run >= SKIFF_TX_BYPASS_RUN || !shms_writer_reader_idle(&n->tx))
        return false;
    if (n->vnet && size <= SOLO5_NET_VNET_HLEN)
        return false; /* no frame behind the header: the ring path refuses it */
    switch (hc_net_write(n->index, buf, size)) {
    case SKIFF_NET_OK:
        n->tx_run++;
        shms_writer_count_bypass(&n->tx, 1);
        *r = SOLO5_R_OK;
        return true;
    /* The fd is full: queue, lossless. Any other failure (a TAP still down,
     * a header the kernel refuses): the ring too, so that the I/O thread's
     * write meets it again and counts the drop under its reason - dropped
     * here, the frame would be counted nowhere. */
    default: return false;
    }
}

solo5_result_t solo5_net_queue(solo5_handle_t handle, const uint8_t *buf, size_t size)
{
    struct gnic *n = skiff_nic_get(handle);

    if (n == NULL || buf == NULL || size == 0 || size > n->max_frame)
        return SOLO5_R_EINVAL;
    if (skiff_direct) {
        switch (hc_net_write(n->index, buf, size)) {
        case SKIFF_NET_OK: return SOLO5_R_OK;
        case SKIFF_NET_AGAIN: return SOLO5_R_AGAIN;
        case SKIFF_NET_CLOSED: return SOLO5_R_OK; /* dropped, as in ring modes */
        default: return SOLO5_R_EUNSPEC;
        }
    }
    solo5_result_t r;
    if (n->tx_bypass && tx_bypass(n, buf, size, &r))
        return r;
    switch (n->vnet ? vnet_put(&n->tx, buf, (uint32_t)size)
                    : shms_writer_put(&n->tx, buf, (uint32_t)size)) {
    case SHMS_OK: return SOLO5_R_OK;
    case SHMS_FULL: return SOLO5_R_AGAIN;
    case SHMS_TOO_BIG: return SOLO5_R_EINVAL;
    default: return SOLO5_R_EUNSPEC;
    }
}

solo5_result_t solo5_net_flush(solo5_handle_t handle)
{
    struct gnic *n = skiff_nic_get(handle);

    if (n == NULL)
        return SOLO5_R_EINVAL;
    n->tx_run = 0;
    if (skiff_direct || shms_writer_pending(&n->tx) == 0)
        return SOLO5_R_OK;
    if (shms_writer_publish(&n->tx))
        hc_kick(n->index);
    return SOLO5_R_OK;
}

solo5_result_t solo5_net_write(solo5_handle_t handle, const uint8_t *buf, size_t size)
{
    solo5_result_t r = solo5_net_queue(handle, buf, size);

    /* Solo5 semantics: no room means the frame is dropped, not an error. */
    if (r == SOLO5_R_AGAIN)
        r = SOLO5_R_OK;
    if (r != SOLO5_R_OK)
        return r;
    return solo5_net_flush(handle);
}

solo5_result_t solo5_net_wait_space(solo5_handle_t handle, solo5_time_t deadline)
{
    struct gnic *n = skiff_nic_get(handle);

    if (n == NULL)
        return SOLO5_R_EINVAL;
    if (skiff_direct)
        return SOLO5_R_OK; /* writes go straight to the packet fd */
    solo5_net_flush(handle);
    while (shms_writer_space(&n->tx) == 0) {
        if (hc_clock_monotonic() >= deadline)
            return SOLO5_R_AGAIN;
        /* Announce the wait, re-check, sleep: the tender wakes us through
         * the RX wake fd once it has released TX slots. */
        if (shms_writer_prepare_wait(&n->tx)) {
            hc_wait(deadline);
            shms_writer_finish_wait(&n->tx);
        }
    }
    return SOLO5_R_OK;
}
