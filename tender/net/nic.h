/*
 * One network device as the tender sees it: the packet fd behind it, the two
 * SHMStream channels in guest memory, the notification fds, and its counters.
 * Owned by main (set up before the guest runs), driven by the I/O thread.
 */
#ifndef SKIFF_NIC_H
#define SKIFF_NIC_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#include "net/net_rate.h"
#include "shmstream/shmstream.h"
#include "skiff/abi.h"

struct skiff_capture; /* capture/capture.h */

/* Drop reasons, counted per NIC and direction. */
enum skiff_drop {
    SKIFF_DROP_TOO_BIG,   /* frame larger than MTU + header / slot */
    SKIFF_DROP_BAD_SLOT,  /* guest wrote an invalid slot header (or, RX,
                           * a read shorter than the vnet header) */
    SKIFF_DROP_OVERRUN,   /* guest ring counters were inconsistent */
    SKIFF_DROP_TAP_ERROR, /* write(2) to the packet fd failed */
    SKIFF_DROP_LINK_DOWN, /* ... with EIO: the TAP was down (as while it
                           * moves into a network namespace, until it is
                           * set up there); expected, not a fault */
    SKIFF_DROP_MAX
};

/* Why a frame the packet fd refused (write error `err`, 0 for a short
 * write) is dropped. */
static inline enum skiff_drop skiff_tx_drop_reason(int err)
{
    return err == EIO ? SKIFF_DROP_LINK_DOWN : SKIFF_DROP_TAP_ERROR;
}

/* Counters written only by the I/O thread (or the vcpu thread in direct
 * mode) and read by the stats reporter with CMM_LOAD_SHARED. */
/* --io-uring=: how the I/O thread does packet-fd I/O (auto: io_uring where
 * the kernel and sandbox allow it, else one read/write per frame). */
#define SKIFF_IO_URING_AUTO 0u
#define SKIFF_IO_URING_OFF  1u
#define SKIFF_IO_URING_ON   2u

struct skiff_nic_stats {
    uint64_t rx_frames, rx_bytes; /* packet fd -> guest */
    uint64_t tx_frames, tx_bytes; /* guest -> packet fd */
    uint64_t rx_drops[SKIFF_DROP_MAX];
    uint64_t tx_drops[SKIFF_DROP_MAX];
    uint64_t guest_kicks;       /* guest notified the tender (kick fd fired) */
    uint64_t guest_wakeups;     /* tender woke a sleeping guest */
    uint64_t io_wakeups;        /* I/O thread woke from sleep for this NIC */
    uint64_t rx_ring_full;      /* RX ring full: packet fd unwatched */
    uint64_t tx_waiter_wakeups; /* tender woke a guest waiting for TX space */
    uint64_t rx_throttled;      /* RX held back by --net-rate (times) */
    uint64_t tx_throttled;      /* TX held back by --net-rate (times) */
    uint64_t kick_mutes;        /* kick fd muted: kicks that moved nothing */
    uint64_t tap_batches;       /* io_uring batches (one io_uring_enter each) */
    uint64_t tx_guest_frames;   /* spt event mode: frames the guest wrote to the
                                 * packet fd itself, as it reports them (its
                                 * TX ring's w_bypass; untrusted, shown only) */
    uint64_t rx_handoffs;       /* spt event mode: packet fd left to the guest */
    uint64_t rx_guest_frames;   /* ...frames it then read itself, as it reports
                                 * them (RX ring's r_bypass; untrusted) */
};

struct skiff_nic {
    char name[SKIFF_NAME_MAX]; /* manifest name */
    unsigned index;            /* position in manifest / boot info */
    char ifname[IF_NAMESIZE];  /* TAP name, "" for an inherited fd */
    int fd;                    /* packet fd, O_NONBLOCK */
    bool inherited;            /* came from --net:NAME=@FD */
    bool closed;               /* EOF / hang-up seen on fd */
    bool gone_reported;        /* "went away" line printed (or not wanted) */
    bool vnet;                 /* frames carry a virtio-net header (vnet.h):
                                * set by the caller before attaching if the
                                * manifest asks for it in a ring mode; the
                                * attach clears it if the fd cannot */
    uint16_t mtu;
    uint8_t mac[6];
    struct skiff_net_rate rate;    /* ring modes: --net-rate, all 0 = none */
    bool rx_handoff;               /* skiff_nic_rx_handoff() held at set-up */
    struct skiff_capture *capture; /* --pcap: where the datapath copies its
                                    * frames, NULL if not captured */

    /* Ring modes only. */
    struct shms_writer rx; /* tender -> guest */
    struct shms_reader tx; /* guest -> tender */
    int rx_wake_fd;        /* eventfd the tender writes to wake the guest: for
                            * RX frames, and for TX room (a guest waiting on
                            * a full TX ring); one fd, so one sleep sees both */
    int tx_kick_fd;        /* eventfd the guest kicks (ioeventfd on hvt) */

    struct skiff_nic_stats stats;
};

/*
 * spt --io=event: may the guest write this NIC's frames to its packet fd
 * itself while the I/O thread sleeps (guest/bindings/net_tx.c)? Not with a
 * TX --net-rate (the I/O thread's buckets would not see those frames), nor
 * with --pcap (the capture would not see them either). A vnet NIC's fd has
 * IFF_VNET_HDR, so the guest writes "header + frame" as a slot holds it;
 * the kernel checks the header as it does the I/O thread's writes of the
 * same bytes (the tender never interprets it). Published to the guest as
 * SKIFF_NIC_F_TX_BYPASS with the fd (guest_mem.c).
 */
static inline bool skiff_nic_tx_bypass(const struct skiff_nic *nic, unsigned io_mode,
                                       unsigned target)
{
    return target == SKIFF_TARGET_SPT && io_mode == SKIFF_IO_EVENT && nic->rate.tx_frames == 0 &&
           nic->rate.tx_bytes == 0 && nic->capture == NULL;
}

/*
 * spt --io=event: may the I/O thread leave this NIC's packet fd to the guest
 * to read itself while the guest sleeps with its RX ring drained (the
 * SHMStream source hand-off, docs/shmstream.md)? Only where the guest may
 * also send itself (skiff_nic_tx_bypass), and without an RX --net-rate. The I/O thread also keeps
 * the fd while it batches reads with io_uring (reads in flight would race).
 */
static inline bool skiff_nic_rx_handoff(const struct skiff_nic *nic, unsigned io_mode,
                                        unsigned target)
{
    /* Published to the guest as SKIFF_NIC_F_RX_HANDOFF (guest_mem.c). */
    return skiff_nic_tx_bypass(nic, io_mode, target) && nic->rate.rx_frames == 0 &&
           nic->rate.rx_bytes == 0;
}

/*
 * The MAC of a NIC without --net-mac: random, locally administered unicast,
 * new at every start (as Solo5's tenders do), so two guests started with the
 * same names (every urunc pod: NIC "service", TAP "tap0_urunc") never share
 * one. 0, or -1 with errno.
 */
int skiff_nic_random_mac(uint8_t mac[6]);

/*
 * One line saying the NIC's device went away (`why`: "end of file",
 * "hang-up", an error text) and the guest sees it closed. Once per NIC: later
 * calls, or a NIC with gone_reported already set, print nothing. Called by
 * the one thread that watches the device (I/O thread, or main in direct
 * mode).
 */
void skiff_nic_report_gone(struct skiff_nic *nic, const char *why);

#endif /* SKIFF_NIC_H */
