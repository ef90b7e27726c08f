/*
 * router: NIC I/O over skiff's extensions (batches, lent frames, queue and
 * flush, back-pressure, offloads) when built against skiff's solo5.h, and
 * over Solo5's own API alone when built against Solo5's.
 */
#include "nic.h"

#include "skiff/rt.h"

#define SPACE_WAIT_NS 20000000ull /* longest wait for room on an output */

static uint8_t *rx_mem;
static size_t rx_stride;

bool nic_open(struct nic *n, const char *name)
{
    memset(n, 0, sizeof *n);
    n->name = name;
    if (solo5_net_acquire(name, &n->h, &n->info) != SOLO5_R_OK)
        return false;
#ifdef SKIFF_SOLO5_EXTENSIONS
    n->vnet = (solo5_net_features(n->h) & SOLO5_NET_F_VNET) != 0;
    n->lend = true;
#endif
    return true;
}

size_t nic_frame_max(const struct nic *n)
{
#ifdef SKIFF_SOLO5_EXTENSIONS
    if (n->vnet)
        return SOLO5_NET_VNET_BUF_MAX;
#endif
    return n->info.mtu + SOLO5_NET_HLEN;
}

size_t nic_buffers_size(size_t frame_max)
{
    return NIC_BATCH * (NIC_HEADROOM + frame_max);
}

void nic_buffers(uint8_t *mem, size_t frame_max)
{
    rx_mem = mem;
    rx_stride = NIC_HEADROOM + frame_max;
}

bool nic_closed(solo5_result_t r)
{
#ifdef SKIFF_SOLO5_EXTENSIONS
    return r == SOLO5_R_CLOSED;
#else
    (void)r;
    return false;
#endif
}

#ifdef SKIFF_SOLO5_EXTENSIONS

static solo5_result_t rx_lent(struct nic *n, struct nic_batch *b)
{
    struct solo5_net_view v[NIC_BATCH];
    size_t count = 0;
    solo5_result_t r = solo5_net_peek_batch(n->h, v, NIC_BATCH, &count);

    if (r != SOLO5_R_OK)
        return r;
    for (size_t i = 0; i < count; i++) {
        b->f[i].buf = v[i].buf;
        b->f[i].len = v[i].len;
    }
    b->count = count;
    b->headroom = 0;
    n->lent = true;
    return SOLO5_R_OK;
}

solo5_result_t nic_rx(struct nic *n, struct nic_batch *b)
{
    struct solo5_net_frame fr[NIC_BATCH];
    size_t count = 0;

    b->count = 0;
    if (n->lend) {
        solo5_result_t r = rx_lent(n, b);
        if (r != SOLO5_R_EUNSPEC)
            return r;
        n->lend = false; /* this NIC cannot lend (direct mode; hvt): copy */
    }
    for (size_t i = 0; i < NIC_BATCH; i++)
        fr[i] = (struct solo5_net_frame){ rx_mem + i * rx_stride + NIC_HEADROOM,
                                          rx_stride - NIC_HEADROOM, 0 };
    solo5_result_t r = solo5_net_read_batch(n->h, fr, NIC_BATCH, &count);
    if (r != SOLO5_R_OK)
        return r;
    for (size_t i = 0; i < count; i++) {
        b->f[i].buf = fr[i].buf;
        b->f[i].len = fr[i].len;
    }
    b->count = count;
    b->headroom = NIC_HEADROOM;
    return SOLO5_R_OK;
}

void nic_rx_done(struct nic *n)
{
    if (n->lent) {
        solo5_net_release(n->h);
        n->lent = false;
    }
}

bool nic_send(struct nic *n, const uint8_t *buf, size_t len)
{
    solo5_result_t r = solo5_net_queue(n->h, buf, len);

    if (r == SOLO5_R_AGAIN &&
        solo5_net_wait_space(n->h, solo5_clock_monotonic() + SPACE_WAIT_NS) == SOLO5_R_OK)
        r = solo5_net_queue(n->h, buf, len);
    if (r != SOLO5_R_OK)
        return false;
    n->dirty = true;
    return true;
}

void nic_flush(struct nic *n)
{
    if (n->dirty) {
        solo5_net_flush(n->h);
        n->dirty = false;
    }
}

#else /* Solo5's API only: one system call per frame each way */

solo5_result_t nic_rx(struct nic *n, struct nic_batch *b)
{
    solo5_result_t r = SOLO5_R_AGAIN;

    b->count = 0;
    b->headroom = NIC_HEADROOM;
    while (b->count < NIC_BATCH) {
        uint8_t *buf = rx_mem + b->count * rx_stride + NIC_HEADROOM;
        size_t len = 0;
        r = solo5_net_read(n->h, buf, rx_stride - NIC_HEADROOM, &len);
        if (r != SOLO5_R_OK)
            break;
        b->f[b->count].buf = buf;
        b->f[b->count].len = len;
        b->count++;
    }
    return b->count > 0 ? SOLO5_R_OK : r;
}

void nic_rx_done(struct nic *n)
{
    (void)n;
}

bool nic_send(struct nic *n, const uint8_t *buf, size_t len)
{
    return solo5_net_write(n->h, buf, len) == SOLO5_R_OK;
}

void nic_flush(struct nic *n)
{
    (void)n;
}

#endif
