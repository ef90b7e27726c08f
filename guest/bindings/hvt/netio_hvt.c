/*
 * hvt direct mode: many frames to an exit (abi.h, NETIO).
 *
 * One frame per hypercall makes an echo four exits (POLL, NETREAD, the
 * NETREAD that finds nothing, NETWRITE), and each exit costs tens of
 * microseconds on PVM. Here a written frame waits in a queue and leaves with
 * the guest's next exit; a read that needs the tender brings up to RX_BATCH
 * frames of its NIC back, and remembers whether it read the NIC dry, so the
 * read after the last frame answers AGAIN without an exit; and a sleep takes
 * the queue out, waits, and brings every ready NIC's frames back in the same
 * exit. An echo is then one exit.
 *
 * A queued frame leaves at the next exit of any kind: a sleep, a read that
 * needs the tender, a full queue, the guest's end, or a clock read once it
 * has waited TX_AGE_NS (so even a guest that busy-waits on the clock, which
 * nothing in Solo5 forbids, gets its frames out).
 */
#include "netio_hvt.h"

#include "../bindings.h"
#include "pio.h"
#include "skiff/rt.h"

#define TX_QUEUE  32u
#define RX_BATCH  8u
#define SLOT      1536u     /* MTU 1500 + SKIFF_ETH_OVERHEAD fits */
#define TX_AGE_NS 100000ull /* longest a queued frame waits for a clock read */

_Static_assert(TX_QUEUE + RX_BATCH * SKIFF_MAX_NICS <= SKIFF_NETIO_MAX, "ops of one NETIO");

/* What the last batch of one NIC brought: frames, then how it ended. */
struct rx_batch {
    uint32_t next, count;
    int64_t end; /* after the frames: AGAIN (read dry), CLOSED, ERROR, or OK (full batch:
                  * more may wait), reported once; -2 when already reported */
    uint32_t len[RX_BATCH];
    uint8_t buf[RX_BATCH][SLOT];
};
#define END_NONE (-2)

static struct {
    bool on;
    uint64_t batched; /* NICs whose frames fit a slot */
    uint64_t forgot;  /* NICs closed and reported */
    unsigned nic_count;
    uint32_t tx_count;
    uint64_t tx_oldest; /* when the oldest queued frame was queued */
    uint8_t tx_nic[TX_QUEUE];
    uint32_t tx_len[TX_QUEUE];
    uint8_t tx_buf[TX_QUEUE][SLOT];
    struct rx_batch rx[SKIFF_MAX_NICS];
    struct skiff_hc_netio_op op[SKIFF_NETIO_MAX];
} nb;

void netio_init(const struct skiff_boot_info *bi)
{
    nb.on = (bi->hvt_features & SKIFF_HVT_F_NETIO) && bi->io_mode == SKIFF_IO_DIRECT;
    nb.nic_count = bi->nic_count <= SKIFF_MAX_NICS ? bi->nic_count : 0;
    for (unsigned i = 0; i < nb.nic_count; i++) {
        if ((uint32_t)bi->nics[i].mtu + SKIFF_ETH_OVERHEAD <= SLOT)
            nb.batched |= 1ull << i;
        nb.rx[i].end = END_NONE;
    }
}

static bool batched(unsigned nic)
{
    return nb.on && nic < nb.nic_count && (nb.batched & (1ull << nic));
}

/* A NIC whose batch is used up and whose end was reported. */
static bool drained(unsigned nic)
{
    const struct rx_batch *b = &nb.rx[nic];
    return b->next == b->count && b->end == END_NONE;
}

/*
 * One NETIO: the queued frames out, then (flags) a POLL, then up to RX_BATCH
 * frames of each NIC in `read` in. Returns POLL's ready set.
 */
static uint64_t netio_call(uint32_t flags, uint64_t timeout_nsecs, uint64_t read)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < nb.tx_count; i++)
        nb.op[n++] = (struct skiff_hc_netio_op){ .handle = nb.tx_nic[i],
                                                 .op = SKIFF_NETIO_WRITE,
                                                 .data = (uintptr_t)nb.tx_buf[i],
                                                 .len = nb.tx_len[i],
                                                 .ret = SKIFF_NET_ERROR };
    uint32_t first = n;
    for (unsigned nic = 0; nic < nb.nic_count; nic++)
        if (read & (1ull << nic))
            for (uint32_t k = 0; k < RX_BATCH; k++)
                nb.op[n++] = (struct skiff_hc_netio_op){ .handle = nic,
                                                         .op = SKIFF_NETIO_READ,
                                                         .data = (uintptr_t)nb.rx[nic].buf[k],
                                                         .len = SLOT,
                                                         .ret = SKIFF_NET_ERROR };
    volatile struct skiff_hc_netio a = {
        .ops = (uintptr_t)nb.op, .count = n, .flags = flags, .timeout_nsecs = timeout_nsecs
    };
    pio_outl((uint16_t)(SKIFF_HVT_PIO_BASE + SKIFF_HC_NETIO), (uint32_t)(uintptr_t)&a);
    nb.tx_count = 0; /* sent, or counted lost by the tender */

    /* Each NIC's reads come back as frames, then one result that ended them. */
    for (uint32_t i = first; i < n; i += RX_BATCH) {
        struct rx_batch *b = &nb.rx[nb.op[i].handle];
        b->next = b->count = 0;
        b->end = SKIFF_NET_OK;
        for (uint32_t k = 0; k < RX_BATCH; k++) {
            const struct skiff_hc_netio_op *o = &nb.op[i + k];
            if (o->ret != SKIFF_NET_OK) {
                b->end = o->ret == SKIFF_NET_AGAIN || o->ret == SKIFF_NET_CLOSED ? o->ret
                                                                                 : SKIFF_NET_ERROR;
                break;
            }
            if (o->len > SLOT) { /* the tender is trusted; this is a bug guard */
                b->end = SKIFF_NET_ERROR;
                break;
            }
            b->len[b->count++] = (uint32_t)o->len;
        }
    }
    return a.ready_set;
}

bool netio_write(unsigned nic, const void *buf, size_t len, enum skiff_net_result *r)
{
    if (!batched(nic))
        return false;
    if (len > SLOT) { /* cannot be queued: one NETWRITE, after what is queued */
        netio_flush();
        return false;
    }
    if (nb.tx_count == TX_QUEUE)
        netio_call(0, 0, 0);
    uint32_t i = nb.tx_count++;
    if (i == 0)
        nb.tx_oldest = hvt_clock_raw();
    nb.tx_nic[i] = (uint8_t)nic;
    nb.tx_len[i] = (uint32_t)len;
    memcpy(nb.tx_buf[i], buf, len);
    *r = SKIFF_NET_OK;
    return true;
}

bool netio_read(unsigned nic, void *buf, size_t size, size_t *len, enum skiff_net_result *r)
{
    if (!batched(nic))
        return false;
    struct rx_batch *b = &nb.rx[nic];
    if (drained(nic))
        netio_call(0, 0, 1ull << nic);
    if (b->next < b->count) {
        uint32_t got = b->len[b->next];
        const uint8_t *frame = b->buf[b->next++];
        if (got > size) {
            *r = SKIFF_NET_ERROR; /* the caller's buffer is too small: lost */
            return true;
        }
        memcpy(buf, frame, got);
        *len = got;
        *r = SKIFF_NET_OK;
        return true;
    }
    /* The batch is used up: its end, once. A full batch (OK) says nothing
     * about what follows: ask the tender. */
    int64_t end = b->end;
    b->end = END_NONE;
    if (end == SKIFF_NET_OK)
        return netio_read(nic, buf, size, len, r);
    *r = (enum skiff_net_result)end;
    return true;
}

/* NICs whose batch still holds frames, or a CLOSED not yet reported. */
static uint64_t pending(void)
{
    uint64_t set = 0;
    for (unsigned nic = 0; nic < nb.nic_count; nic++) {
        const struct rx_batch *b = &nb.rx[nic];
        if (!(nb.forgot & (1ull << nic)) && (b->next < b->count || b->end == SKIFF_NET_CLOSED))
            set |= 1ull << nic;
    }
    return set;
}

bool netio_wait(uint64_t timeout_nsecs, uint64_t *ready)
{
    if (!nb.on)
        return false;
    uint64_t set = pending();
    if (set != 0) {
        *ready = set;
        return true;
    }
    /* Read in the same exit every batched NIC whose frames are used up; an
     * end not yet reported (AGAIN, an error) is stale once we sleep. */
    uint64_t read = 0;
    for (unsigned nic = 0; nic < nb.nic_count; nic++) {
        struct rx_batch *b = &nb.rx[nic];
        if (batched(nic) && !(nb.forgot & (1ull << nic))) {
            b->end = END_NONE;
            read |= 1ull << nic;
        }
    }
    uint64_t polled = netio_call(SKIFF_NETIO_F_POLL, timeout_nsecs, read);
    /* A batched NIC answers for what its batch holds; the others for what
     * POLL saw, to be read one frame per NETREAD. */
    *ready = pending() | (polled & ~read & ((1ull << nb.nic_count) - 1));
    return true;
}

void netio_forget(unsigned nic)
{
    if (nic < nb.nic_count)
        nb.forgot |= 1ull << nic;
}

void netio_flush(void)
{
    if (nb.tx_count > 0)
        netio_call(0, 0, 0);
}

void netio_flush_aged(uint64_t now)
{
    if (nb.tx_count > 0 && now - nb.tx_oldest > TX_AGE_NS)
        netio_call(0, 0, 0);
}
