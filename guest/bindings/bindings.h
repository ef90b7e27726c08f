/*
 * State shared by the Solo5 bindings: the boot info and one record per NIC
 * with its two SHMStream endpoints. The guest is single-threaded, so nothing
 * here needs locking.
 */
#ifndef SKIFF_GUEST_BINDINGS_H
#define SKIFF_GUEST_BINDINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "shmstream/shmstream.h"
#include "skiff/abi.h"
#include "solo5.h"

/* Epoch the guest activates its TX channels with (any non-zero value; the
 * guest initialises each TX channel exactly once). */
#define SKIFF_GUEST_TX_EPOCH 1u

struct gnic {
    const struct skiff_boot_nic *boot;
    unsigned index;
    bool acquired;
    bool closed;           /* RX end of file seen; sticky */
    bool closed_told;      /* a read has returned SOLO5_R_CLOSED */
    bool report_closed;    /* the application opted in to SOLO5_R_CLOSED */
    bool vnet;             /* SKIFF_NIC_F_VNET: buffers are vnet header + frame */
    size_t max_frame;      /* largest buffer accepted for TX: mtu + header, or
                            * SOLO5_NET_VNET_BUF_MAX with vnet */
    bool tx_bypass;        /* spt event mode: may write frames to the packet fd */
    unsigned tx_run;       /* frames sent past the ring since the last flush */
    bool rx_handoff;       /* spt event mode: may ask to read the packet fd
                            * itself while it sleeps (net_rx.c) */
    bool rx_watching;      /* the packet fd is in our poll set */
    unsigned rx_run;       /* frames read from the fd in a row (net_rx.c) */
    uint64_t rx_holdoff;   /* no request before this time (ns) */
    struct shms_writer tx; /* ring modes: guest -> tender */
    struct shms_reader rx; /* ring modes: tender -> guest */
};

extern const struct skiff_boot_info *skiff_boot;
extern bool skiff_direct; /* --io=direct: no rings */
extern struct gnic skiff_nics[SKIFF_MAX_NICS];

/* Set up every NIC's rings from the boot info; aborts on failure. */
void skiff_bindings_init(const struct skiff_boot_info *bi);

/* The NIC behind an acquired handle, or NULL. */
struct gnic *skiff_nic_get(solo5_handle_t handle);

/* Ring modes: true if reading the NIC now would not give AGAIN (frames are
 * waiting, or the channel closed / changed epoch). No system calls. */
bool skiff_nic_rx_ready(struct gnic *n);

/*
 * Source hand-off (net_rx.c), called by solo5_yield() before it sleeps: ask
 * for the packet fd of every eligible NIC and keep the poll set in line with
 * what was granted. Returns the NICs whose packet fd is ours to read now
 * (hc_wait reports them readable; their rings stay empty).
 */
uint64_t skiff_rx_handoff_prepare(uint64_t acquired);

/* Print a message and abort (for broken invariants the tender guarantees). */
_Noreturn void skiff_fatal(const char *what);

/* Seed the stack protector's guard (runtime/ssp.c); first thing at start. */
void skiff_ssp_init(void);

#endif /* SKIFF_GUEST_BINDINGS_H */
