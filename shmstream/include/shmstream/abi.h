/*
 * SHMStream v2 wire layout as used by skiff (see docs/shmstream.md).
 *
 * This header is shared by the host tender and the freestanding guest, so it
 * depends on nothing but C11 and <stdint.h>. Every offset a peer relies on is
 * pinned with _Static_assert: changing one is a wire-format break.
 */
#ifndef SHMSTREAM_ABI_H
#define SHMSTREAM_ABI_H

#include <stdint.h>

/* "SHMStream20=" marker of the Muen SHMStream v2 protocol. */
#define SHMS_TRANSPORT_MARKER 0x487312b6b79a9b6dULL

/* Protocol identifier skiff uses for Ethernet frame channels ("skiffeth"). */
#define SHMS_PROTOCOL_ETH 0x6874656666696b73ULL

#define SHMS_CACHELINE 64u

/*
 * Channel header, written only by the writer. Followed directly by
 * elements * size bytes of slots. Layout identical to Muen's SHMStream v2.
 */
struct shms_header {
    uint64_t transport; /* SHMS_TRANSPORT_MARKER */
    uint64_t epoch;     /* 0 = inactive; changes on every (re)initialisation */
    uint64_t protocol;  /* user protocol id, checked by the reader */
    uint64_t size;      /* bytes per slot */
    uint64_t elements;  /* number of slots */
    uint64_t reserved;
    uint64_t wsc; /* write start counter: slots the writer has begun to write */
    uint64_t wc;  /* write counter: slots completely written */
};

_Static_assert(sizeof(struct shms_header) == 64, "header is one cache line");
_Static_assert(__builtin_offsetof(struct shms_header, transport) == 0, "abi");
_Static_assert(__builtin_offsetof(struct shms_header, epoch) == 8, "abi");
_Static_assert(__builtin_offsetof(struct shms_header, protocol) == 16, "abi");
_Static_assert(__builtin_offsetof(struct shms_header, size) == 24, "abi");
_Static_assert(__builtin_offsetof(struct shms_header, elements) == 32, "abi");
_Static_assert(__builtin_offsetof(struct shms_header, reserved) == 40, "abi");
_Static_assert(__builtin_offsetof(struct shms_header, wsc) == 48, "abi");
_Static_assert(__builtin_offsetof(struct shms_header, wc) == 56, "abi");

/*
 * Flow-control block, a skiff extension kept outside the Muen channel so a
 * plain SHMStream reader (which never writes the channel) still works. Two
 * cache lines so the two sides never write the same line:
 *   line 0 is written only by the reader,
 *   line 1 is written only by the writer.
 * Each side must treat the other side's line as hostile input.
 */
struct shms_ctrl {
    /* --- line 0: reader-owned --- */
    uint64_t rc;        /* read counter the reader has released */
    uint64_t r_epoch;   /* channel epoch `rc` refers to (0 = not attached) */
    uint64_t r_sleep;   /* non-zero sleep generation while the reader sleeps */
    uint64_t r_handoff; /* request number, 0 = none: the reader asks to read
                         * the writer's source itself while it sleeps (skiff:
                         * the spt guest reading the TAP; docs/shmstream.md) */
    uint64_t r_bypass;  /* frames the reader took past the ring; informational */
    uint64_t r_pad[3];
    /* --- line 1: writer-owned --- */
    uint64_t w_wait;    /* non-zero wait generation while the writer waits for space */
    uint64_t w_bypass;  /* frames the writer sent past the ring (skiff: the spt
                         * guest's own write on the TAP); informational only */
    uint64_t w_handoff; /* the r_handoff request granted (the writer stopped
                         * reading its source), 0 = none */
    uint64_t w_pad[5];
};

_Static_assert(sizeof(struct shms_ctrl) == 128, "ctrl is two cache lines");
_Static_assert(__builtin_offsetof(struct shms_ctrl, rc) == 0, "abi");
_Static_assert(__builtin_offsetof(struct shms_ctrl, r_epoch) == 8, "abi");
_Static_assert(__builtin_offsetof(struct shms_ctrl, r_sleep) == 16, "abi");
_Static_assert(__builtin_offsetof(struct shms_ctrl, r_handoff) == 24, "abi");
_Static_assert(__builtin_offsetof(struct shms_ctrl, r_bypass) == 32, "abi");
_Static_assert(__builtin_offsetof(struct shms_ctrl, w_wait) == 64, "abi");
_Static_assert(__builtin_offsetof(struct shms_ctrl, w_bypass) == 72, "abi");
_Static_assert(__builtin_offsetof(struct shms_ctrl, w_handoff) == 80, "abi");

/*
 * Slot format for Ethernet channels: a 16-byte slot header, then `vnet_len`
 * bytes of virtio-net header (0 today; 10 or 12 once GSO is carried), then
 * `len` bytes of frame. 16 + vnet_len + len <= size always holds for a valid
 * slot; a reader checks it and never trusts it.
 */
struct shms_slot {
    uint32_t len;      /* frame bytes, not counting the vnet header */
    uint16_t flags;    /* SHMS_SLOT_F_* */
    uint16_t vnet_len; /* bytes of virtio-net header before the frame */
    uint32_t seq;      /* low 32 bits of the slot's counter (diagnostics) */
    uint32_t reserved;
};

#define SHMS_SLOT_F_VNET 0x1u /* a virtio-net header precedes the frame */

/* Largest vnet header a slot may carry (virtio_net_hdr_v1 is 12 bytes). */
#define SHMS_VNET_MAX 32u

_Static_assert(sizeof(struct shms_slot) == 16, "slot header is 16 bytes");
_Static_assert(__builtin_offsetof(struct shms_slot, len) == 0, "abi");
_Static_assert(__builtin_offsetof(struct shms_slot, flags) == 4, "abi");
_Static_assert(__builtin_offsetof(struct shms_slot, vnet_len) == 6, "abi");
_Static_assert(__builtin_offsetof(struct shms_slot, seq) == 8, "abi");

/* Geometry limits skiff accepts (anything else is "incompatible"). */
#define SHMS_SLOT_MIN     128u           /* header + a minimum Ethernet frame */
#define SHMS_SLOT_MAX     (128u * 1024u) /* room for 64 KiB GSO + headers */
#define SHMS_SLOT_ALIGN   16u            /* size must be a multiple of this */
#define SHMS_ELEMENTS_MAX (1u << 20)

#endif /* SHMSTREAM_ABI_H */
