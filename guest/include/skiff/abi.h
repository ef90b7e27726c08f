/*
 * The skiff guest/tender ABI: ELF notes an image carries, and the boot info
 * the tender hands to the guest entry point. Shared by the host tender and
 * the freestanding guest: C11 and <stdint.h> only, layout pinned below.
 *
 * Guest addresses ("gpa") are offsets into guest memory. On spt guest memory
 * is mapped at virtual address == gpa (in the guest's process and in the
 * tender alike); on hvt gpa is guest-physical.
 */
#ifndef SKIFF_ABI_H
#define SKIFF_ABI_H

#include <stdint.h>

/* 3: block devices (boot info block table, SKIFF_HC_BLOCK_*).
 * 4: spt event mode hands the guest its NICs' packet fds for writes
 *    (spt_direct_fd) and makes the RX wake eventfds edge-triggered (a guest
 *    that no longer reads them back would spin under an older tender).
 * 5: spt --io=direct capture channel (skiff_boot_nic.cap_area): a guest
 *    that ignored it would leave a --pcap file empty; and boot info NIC
 *    flags SKIFF_NIC_F_TX_BYPASS and SKIFF_NIC_F_RX_HANDOFF: the tender says
 *    which shortcuts a NIC has (a version 4 guest decided itself, and
 *    refuses boot info flags it does not know). */
#define SKIFF_ABI_VERSION 5u

/* Targets, as carried in the ABI note. */
#define SKIFF_TARGET_SPT 1u
#define SKIFF_TARGET_HVT 2u

/* ELF note owner name and types. */
#define SKIFF_NOTE_NAME     "Skiff" /* namesz 6 including NUL */
#define SKIFF_NOTE_ABI      0x534b0001u
#define SKIFF_NOTE_MANIFEST 0x534b0002u

/* Guest memory layout constants. */
#define SKIFF_GUEST_LOAD_MIN 0x100000ull /* lowest address an image may use */
#define SKIFF_PAGE_SIZE      4096ull

struct skiff_abi_note {
    uint32_t target;      /* SKIFF_TARGET_* */
    uint32_t abi_version; /* SKIFF_ABI_VERSION */
};
_Static_assert(sizeof(struct skiff_abi_note) == 8, "abi");

#define SKIFF_MAX_NICS 8u
#define SKIFF_NAME_MAX 32u /* bytes including the terminating NUL */

#define SKIFF_MANIFEST_VERSION 1u

/*
 * NIC flags. In the manifest: what the guest asks for; in the boot info: what
 * the tender enabled for this run (a subset). Unknown manifest bits are
 * refused by the loader.
 *
 * SKIFF_NIC_F_VNET: frames in both rings are prefixed by a 12-byte
 * struct virtio_net_hdr_v1 (slot vnet_len 12) and may be GSO frames of up to
 * 64 KiB; the packet fd is a TAP with IFF_VNET_HDR and offloads on.
 */
#define SKIFF_NIC_F_VNET 0x1u
/*
 * SKIFF_NIC_F_CLOSED: the application understands SOLO5_R_CLOSED (a skiff
 * extension). Without it a closed NIC reads as SOLO5_R_AGAIN, as Solo5's
 * four results allow, and stops waking solo5_yield.
 */
#define SKIFF_NIC_F_CLOSED 0x2u
/* The flags a manifest may carry. */
#define SKIFF_NIC_F_KNOWN (SKIFF_NIC_F_VNET | SKIFF_NIC_F_CLOSED)
/*
 * Boot info only: the shortcuts the tender allows this NIC (spt --io=event),
 * decided by the tender alone (its rate limits, capture and I/O mode) so the
 * guest never asks for what the tender would refuse.
 * SKIFF_NIC_F_TX_BYPASS: the guest may write frames to spt_direct_fd itself
 * while the I/O thread sleeps (its seccomp filter allows that write).
 * SKIFF_NIC_F_RX_HANDOFF: the guest may ask for spt_direct_fd to read itself
 * while it sleeps with its RX ring drained (the SHMStream source hand-off);
 * only with SKIFF_NIC_F_TX_BYPASS. The tender may still refuse a request at
 * run time (io_uring, the grant rate bound).
 */
#define SKIFF_NIC_F_TX_BYPASS  0x4u
#define SKIFF_NIC_F_RX_HANDOFF 0x8u
#define SKIFF_NIC_F_BOOT_KNOWN (SKIFF_NIC_F_KNOWN | SKIFF_NIC_F_TX_BYPASS | SKIFF_NIC_F_RX_HANDOFF)

struct skiff_manifest_nic {
    char name[SKIFF_NAME_MAX]; /* [A-Za-z0-9_], NUL-terminated */
    uint32_t flags;            /* SKIFF_NIC_F_* requested */
    uint32_t reserved;
};
_Static_assert(sizeof(struct skiff_manifest_nic) == 40, "abi");

struct skiff_manifest {
    uint32_t version; /* SKIFF_MANIFEST_VERSION */
    uint32_t nic_count;
    struct skiff_manifest_nic nics[SKIFF_MAX_NICS];
};
_Static_assert(sizeof(struct skiff_manifest) == 8 + 40 * SKIFF_MAX_NICS, "abi");

/* The largest frame a NIC of MTU m carries is m + SKIFF_ETH_OVERHEAD bytes
 * (Ethernet header and one 802.1Q tag): the tender sizes slots and drops
 * longer frames by it, the guest bounds its own reads by it. */
#define SKIFF_ETH_OVERHEAD 18u

/* I/O modes, as chosen by --io. */
#define SKIFF_IO_EVENT  0u
#define SKIFF_IO_POLL   1u
#define SKIFF_IO_DIRECT 2u

/* Per-NIC boot information. */
struct skiff_boot_nic {
    char name[SKIFF_NAME_MAX];
    uint8_t mac[6];
    uint16_t mtu;
    uint32_t flags;     /* SKIFF_NIC_F_* enabled for this run (BOOT_KNOWN) */
    uint32_t slot_size; /* SHMStream slot bytes (both directions) */
    uint32_t slot_count;
    uint32_t reserved0;
    /* Rings (ring modes only; 0 in direct mode). Each ctrl block is a
     * struct shms_ctrl; each channel is header + slots, chan_bytes long. */
    uint64_t rx_ctrl, rx_chan; /* tender writes, guest reads */
    uint64_t tx_ctrl, tx_chan; /* guest writes, tender reads */
    uint64_t chan_bytes;
    uint64_t rx_epoch; /* epoch the tender activated the RX channel with */
    /* spt only (-1 elsewhere): */
    int32_t spt_rx_wake_fd; /* eventfd the tender signals (RX frames, and TX
                             * room for a guest waiting on a full ring) */
    int32_t spt_tx_kick_fd; /* eventfd the guest writes to kick the tender */
    int32_t spt_direct_fd;  /* --io=direct: the packet fd itself; --io=event:
                             * the same, for the guest's own writes (or -1) */
    int32_t reserved1;
    uint64_t cap_area; /* gpa of a struct skiff_cap_area, 0: none (below) */
};
_Static_assert(sizeof(struct skiff_boot_nic) == 128, "abi");
_Static_assert(__builtin_offsetof(struct skiff_boot_nic, cap_area) == 120, "abi");

/*
 * spt: what the guest's epoll set (spt_epoll_fd) reports in epoll_event.data.
 * NIC i: its RX wake eventfd (ring modes) or packet fd (direct). The timer
 * is the timerfd. CLOSED (direct mode only): the tender closed every NIC
 * (graceful stop); reads then return "closed", writes fail. The value in
 * between is the tender's own (hvt's cancel eventfd).
 */
#define SKIFF_SPT_TAG_TIMER  UINT64_MAX
#define SKIFF_SPT_TAG_CLOSED (UINT64_MAX - 2)

/*
 * Block devices: each is a file the tender opened. Block I/O moves whole
 * blocks at block-aligned offsets inside [0, capacity). spt: the guest's own
 * pread64/pwrite64 of exactly one block on spt_fd, which its seccomp filter
 * allows for that fd, that size and offsets up to capacity - block_size
 * only (pwrite64 not at all for a read-only device); hvt: hypercalls.
 */
#define SKIFF_MAX_BLOCKS        63u
#define SKIFF_BLOCK_NAME_SIZE   68u        /* bytes including the NUL (Solo5's) */
#define SKIFF_BLOCK_F_RO        0x1u       /* opened read-only: writes fail */
#define SKIFF_BLOCK_IO_MAX      (1u << 20) /* hvt: bytes one hypercall moves at most */
#define SKIFF_BLOCK_HANDLE_BASE 64u        /* handle of block i: base + i */

struct skiff_boot_block {
    char name[SKIFF_BLOCK_NAME_SIZE];
    uint32_t flags;      /* SKIFF_BLOCK_F_* */
    uint64_t capacity;   /* bytes, a multiple of block_size */
    uint32_t block_size; /* a power of 2, at least 512 */
    int32_t spt_fd;      /* spt: the backing file; -1 on hvt */
    uint64_t reserved;
};
_Static_assert(sizeof(struct skiff_boot_block) == 96, "abi");

#define SKIFF_BOOT_MAGIC  0x746f6f62666b6973ull /* "skifboot" */
#define SKIFF_CMDLINE_MAX 8192u

struct skiff_boot_info {
    uint64_t magic; /* SKIFF_BOOT_MAGIC */
    uint32_t abi_version;
    uint32_t target;
    uint64_t mem_size;   /* guest memory is [0, mem_size) */
    uint64_t heap_start; /* first free byte after image and boot info */
    uint64_t heap_end;   /* end of heap (start of stack reserve) */
    uint64_t stack_top;  /* initial stack pointer */
    uint64_t cmdline;    /* gpa of NUL-terminated guest command line */
    union {
        uint64_t tsc_freq; /* hvt: TSC Hz */
        /* spt: address of the kernel vDSO's clock_gettime in the guest
         * process, filled in by the process's loader; 0: none, use the
         * system call. Only the guest's own process runs it. */
        uint64_t spt_vdso_clock_gettime;
    };
    uint32_t io_mode; /* SKIFF_IO_* */
    uint32_t nic_count;
    int32_t spt_epoll_fd;   /* spt: epoll set of RX wake fds (or packet fds) */
    int32_t spt_timer_fd;   /* spt: timerfd in the epoll set for deadlines */
    int32_t spt_console_fd; /* spt: console output fd */
    int32_t spt_exit_fd;    /* spt: eventfd; guest writes exit status + 1 */
    uint32_t hvt_features;  /* hvt: SKIFF_HVT_F_*; spt: 0 */
    uint32_t poll_max_ns;   /* ring modes: longest the guest may poll its
                             * rings before sleeping (0: never poll) */
    struct skiff_boot_nic nics[SKIFF_MAX_NICS];
    uint32_t block_count;
    uint32_t reserved3;
    struct skiff_boot_block blocks[SKIFF_MAX_BLOCKS];
};
_Static_assert(__builtin_offsetof(struct skiff_boot_info, tsc_freq) == 56, "abi");
_Static_assert(__builtin_offsetof(struct skiff_boot_info, spt_vdso_clock_gettime) == 56, "abi");
_Static_assert(__builtin_offsetof(struct skiff_boot_info, nics) == 96, "abi");
_Static_assert(__builtin_offsetof(struct skiff_boot_info, blocks) == 96 + 128 * SKIFF_MAX_NICS + 8,
               "abi");
_Static_assert(sizeof(struct skiff_boot_info) ==
                   96 + 128 * SKIFF_MAX_NICS + 8 + 96 * SKIFF_MAX_BLOCKS,
               "abi");

/* hvt features the tender enabled for this run. */
#define SKIFF_HVT_F_WRFSBASE                                                                       \
    0x1u                       /* CR4.FSGSBASE on: set the TLS base with                           \
                                * wrfsbase, else with SKIFF_HC_SET_TLS */
#define SKIFF_HVT_F_NETIO 0x2u /* direct mode: SKIFF_HC_NETIO moves frames in batches */

/* ----------------------------------------------------------- hvt hypercalls
 * A hypercall is a 32-bit OUT to SKIFF_HVT_PIO_BASE + number, carrying the
 * gpa of its argument block. Kicks are an OUT of the NIC index to
 * SKIFF_HVT_PIO_KICK and are absorbed by an ioeventfd (no exit to user space).
 */
#define SKIFF_HVT_PIO_BASE 0x500u
#define SKIFF_HVT_PIO_KICK 0x4ffu
#define SKIFF_HC_PORTS     16u /* ports reserved for hypercalls from PIO_BASE */

enum skiff_hvt_hc {
    SKIFF_HC_WALLTIME = 1,
    SKIFF_HC_PUTS = 2,
    SKIFF_HC_POLL = 3,
    SKIFF_HC_NETWRITE = 4,
    SKIFF_HC_NETREAD = 5,
    SKIFF_HC_HALT = 6,
    SKIFF_HC_SET_TLS = 7,
    SKIFF_HC_BLOCK_READ = 8,
    SKIFF_HC_BLOCK_WRITE = 9,
    SKIFF_HC_NETIO = 10,
    SKIFF_HC_MAX = 11
};
_Static_assert(SKIFF_HC_MAX <= SKIFF_HC_PORTS, "hypercall ports");

struct skiff_hc_walltime {
    uint64_t nsecs; /* OUT */
};
/* Console bytes one PUTS writes; the tender cuts longer ones (the guest's
 * solo5_console_write splits its writes into pieces of this size). */
#define SKIFF_HC_PUTS_MAX 4096u

struct skiff_hc_puts {
    uint64_t data; /* IN gpa */
    uint64_t len;  /* IN */
};
struct skiff_hc_poll {
    uint64_t timeout_nsecs; /* IN */
    uint64_t ready_set;     /* OUT: bit i = NIC i has input */
    int64_t ret;            /* OUT: 0 or -1 */
};
/*
 * What one frame's read or write on a packet fd came to: NETWRITE and
 * NETREAD's ret, and the same answer in every I/O mode on every target
 * (skiff_net_read_result/skiff_net_write_result in skiff/closed.h decide it
 * from the system call's result).
 */
enum skiff_net_result {
    SKIFF_NET_OK = 0,     /* moved (read: len is the frame's length) */
    SKIFF_NET_AGAIN = 1,  /* nothing to read / no room to write now */
    SKIFF_NET_CLOSED = 2, /* the device is gone (skiff/closed.h) */
    SKIFF_NET_ERROR = -1, /* this frame is lost (or bad arguments) */
};
struct skiff_hc_net {
    uint64_t handle; /* IN: NIC index */
    uint64_t data;   /* IN gpa */
    uint64_t len;    /* IN: buffer length; OUT (read): frame length */
    int64_t ret;     /* OUT: enum skiff_net_result */
};
/*
 * NETIO (direct mode, when the tender sets SKIFF_HVT_F_NETIO): many frames
 * for one exit. The tender does, in this order: every WRITE op, in order;
 * with SKIFF_NETIO_F_POLL, what POLL does (ready_set, and a sleep of up to
 * timeout_nsecs when nothing is ready); then the READ ops, in order - with
 * F_POLL only for NICs in ready_set. Once a read of a NIC comes back other
 * than OK, that NIC's later READ ops are not tried: they answer AGAIN (or
 * CLOSED after CLOSED). A WRITE's frame is the guest's to reuse when NETIO
 * returns; one the packet fd refused is counted as a drop by the tender.
 */
#define SKIFF_NETIO_WRITE  1u
#define SKIFF_NETIO_READ   2u
#define SKIFF_NETIO_F_POLL 1u
#define SKIFF_NETIO_MAX    128u /* ops per NETIO */
struct skiff_hc_netio_op {
    uint32_t handle; /* IN: NIC index */
    uint32_t op;     /* IN: SKIFF_NETIO_WRITE or SKIFF_NETIO_READ */
    uint64_t data;   /* IN gpa */
    uint64_t len;    /* IN: frame length (WRITE), buffer size (READ); OUT (READ): frame length */
    int64_t ret;     /* OUT: enum skiff_net_result */
};
_Static_assert(sizeof(struct skiff_hc_netio_op) == 32, "abi");
struct skiff_hc_netio {
    uint64_t ops;           /* IN: gpa of `count` struct skiff_hc_netio_op */
    uint32_t count;         /* IN: at most SKIFF_NETIO_MAX */
    uint32_t flags;         /* IN: SKIFF_NETIO_F_POLL */
    uint64_t timeout_nsecs; /* IN (F_POLL): as POLL's */
    uint64_t ready_set;     /* OUT (F_POLL): as POLL's */
};
_Static_assert(sizeof(struct skiff_hc_netio) == 32, "abi");

struct skiff_hc_block {
    uint64_t index;  /* IN: block device index */
    uint64_t offset; /* IN: bytes, block-aligned */
    uint64_t data;   /* IN gpa */
    uint64_t len;    /* IN: whole blocks, at most SKIFF_BLOCK_IO_MAX */
    int64_t ret;     /* OUT: 0 ok, -1 bad arguments, -2 I/O error or read-only */
};

struct skiff_hc_set_tls {
    uint64_t base; /* IN: new FS base (canonical) */
    int64_t ret;   /* OUT: 0 or -1 */
};
struct skiff_hc_halt {
    uint64_t exit_status; /* IN */
    uint64_t cookie;      /* IN: gpa of abort message or 0 */
};

/* ------------------------------------------- guest-side capture channel
 * spt --io=direct with --pcap:NAME=FILE (docs/capture.md): the guest moves
 * the NIC's frames on the packet fd itself, so it also copies each one into
 * a capture channel in guest memory, which the tender's capture writer
 * drains into FILE. The channel is an SHMStream v2 channel in lossless mode
 * (guest writes, tender reads) of protocol SKIFF_CAP_PROTOCOL; each slot
 * holds a struct skiff_cap_hdr and then the first bytes of the frame
 * (no virtio-net header), at most slot capacity - 16 of them. The guest
 * never waits for room: a frame that finds the channel full is counted in
 * not_captured instead. The tender treats all of it as hostile input.
 */
#define SKIFF_CAP_PROTOCOL 0x7061636666696b73ull /* "skiffcap" */
#define SKIFF_CAP_DIR_RX   1u                    /* the guest read it from the NIC */
#define SKIFF_CAP_DIR_TX   2u                    /* the guest wrote it to the NIC */

/* At the start of each channel slot's frame area. */
struct skiff_cap_hdr {
    uint64_t ts_ns;   /* CLOCK_REALTIME when the guest moved the frame */
    uint32_t origlen; /* the frame's length on the wire (>= bytes kept) */
    uint32_t dir;     /* SKIFF_CAP_DIR_* */
};
_Static_assert(sizeof(struct skiff_cap_hdr) == 16, "abi");

/* What cap_area points at (page-aligned; the channel follows elsewhere). */
struct skiff_cap_area {
    /* Written by the tender before the guest starts. */
    uint64_t chan;       /* gpa of the channel (header + slots) */
    uint64_t chan_bytes; /* its length */
    uint32_t slot_size;  /* SHMStream slot bytes */
    uint32_t slot_count;
    uint64_t reserved0[5];
    /* Written by the guest only (its own cache line). */
    uint64_t not_captured; /* frames that found the channel full */
    uint64_t reserved1[7];
    /* The channel's flow-control block (struct shms_ctrl, 128 bytes). */
    uint64_t ctrl[16];
};
_Static_assert(__builtin_offsetof(struct skiff_cap_area, chan) == 0, "abi");
_Static_assert(__builtin_offsetof(struct skiff_cap_area, chan_bytes) == 8, "abi");
_Static_assert(__builtin_offsetof(struct skiff_cap_area, slot_size) == 16, "abi");
_Static_assert(__builtin_offsetof(struct skiff_cap_area, slot_count) == 20, "abi");
_Static_assert(__builtin_offsetof(struct skiff_cap_area, not_captured) == 64, "abi");
_Static_assert(__builtin_offsetof(struct skiff_cap_area, ctrl) == 128, "abi");
_Static_assert(sizeof(struct skiff_cap_area) == 256, "abi");

#endif /* SKIFF_ABI_H */
