/*
 * skiff's implementation of the Solo5 public API for unikernels, plus a few
 * clearly named extensions (batching, device close) that Solo5 lacks.
 *
 * Applications written against Solo5's <solo5.h> build unchanged: the names,
 * types, constants and documented semantics below follow Solo5. Block devices
 * are provided as in Solo5 (whole blocks, synchronous).
 */
#ifndef SOLO5_H_INCLUDED
#define SOLO5_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ----------------------------------------------------------------- results
 * Calls returning solo5_result_t return SOLO5_R_OK on success. As in Solo5,
 * applications must not rely on getting EINVAL/EUNSPEC: an implementation may
 * abort instead.
 */
typedef enum {
    SOLO5_R_OK = 0,  /* done */
    SOLO5_R_AGAIN,   /* not possible now; an identical retry later may work */
    SOLO5_R_EINVAL,  /* bad argument */
    SOLO5_R_EUNSPEC, /* failed for another reason */
    /* skiff extension: the device reached end of file and will never again
     * deliver input. Kept well clear of values Solo5 may add. Only for
     * applications that opt in per NIC (manifest.json: "skiff": {"closed":
     * true}); others read SOLO5_R_AGAIN from a closed device. */
    SOLO5_R_CLOSED = 0x100
} solo5_result_t;

/* ------------------------------------------------------------ entry, exit */

/* Start-of-day information; read-only for the application. The heap is one
 * contiguous read/write region the application may use as it likes. */
struct solo5_start_info {
    const char *cmdline;
    uintptr_t heap_start;
    size_t heap_size;
};

/* The application's entry point. Returning is the same as solo5_exit(ret). */
int solo5_app_main(const struct solo5_start_info *info);

/* Exit status values; 255 and above are reserved for the platform. */
#define SOLO5_EXIT_SUCCESS 0
#define SOLO5_EXIT_FAILURE 1
#define SOLO5_EXIT_ABORT   255

/* End the application, handing (status) to the host. */
_Noreturn void solo5_exit(int status);

/* End the application abnormally (status SOLO5_EXIT_ABORT). */
_Noreturn void solo5_abort(void);

/* ------------------------------------------------------------------- time */

/* Nanoseconds. */
typedef uint64_t solo5_time_t;

/* Monotonic time since an unspecified point in the past. */
solo5_time_t solo5_clock_monotonic(void);

/* Host wall clock: nanoseconds since 1970-01-01 UTC. */
solo5_time_t solo5_clock_wall(void);

/* ------------------------------------------------------------ I/O handles */

typedef uint64_t solo5_handle_t;     /* a device */
typedef uint64_t solo5_handle_set_t; /* bit h set = handle h (h < 64) */

/*
 * Wait until monotonic time reaches (deadline) or at least one acquired
 * network device has input. If (ready_set) is not NULL it receives the
 * handles ready for input (possibly none). A device that has been closed
 * counts as ready until a read has reported SOLO5_R_CLOSED, so the next
 * read learns it; after that it no longer wakes solo5_yield (a guest that
 * keeps running on its other devices does not spin).
 */
void solo5_yield(solo5_time_t deadline, solo5_handle_set_t *ready_set);

/* ---------------------------------------------------------------- console */

/* Write (size) bytes to the console; best effort, never fails. */
void solo5_console_write(const char *buf, size_t size);

/* ---------------------------------------------------------------- network */

#define SOLO5_NET_ALEN 6  /* Ethernet address bytes */
#define SOLO5_NET_HLEN 14 /* Ethernet header bytes (dst, src, type) */

struct solo5_net_info {
    uint8_t mac_address[SOLO5_NET_ALEN];
    size_t mtu; /* excluding the Ethernet header */
};

/*
 * Acquire the network device named (name) in the image manifest: its handle
 * goes to (*handle), its properties to (*info). Each device may be acquired
 * once; later calls, and unknown names, give SOLO5_R_EINVAL.
 */
solo5_result_t solo5_net_acquire(const char *name, solo5_handle_t *handle,
                                 struct solo5_net_info *info);

/*
 * Send one frame (Ethernet header included, at most mtu + SOLO5_NET_HLEN
 * bytes) without blocking. A frame that cannot be sent for lack of resources
 * is dropped silently, as in Solo5; so is a frame for a device that has
 * closed (reads report that).
 */
solo5_result_t solo5_net_write(solo5_handle_t handle, const uint8_t *buf, size_t size);

/*
 * Receive one frame into (buf) without blocking; (size) must be at least
 * mtu + SOLO5_NET_HLEN. SOLO5_R_OK with the frame length in (*read_size), or
 * SOLO5_R_AGAIN if nothing is waiting, or SOLO5_R_CLOSED (extension) once
 * the device has closed and all its input has been read.
 */
solo5_result_t solo5_net_read(solo5_handle_t handle, uint8_t *buf, size_t size, size_t *read_size);

/* --------------------------------------------------- extensions (skiff) */

/* Defined by skiff's solo5.h only: code that also builds against Solo5's
 * own headers tests it before using anything below. */
#define SKIFF_SOLO5_EXTENSIONS 1

/*
 * Put one frame on the device's transmit queue without telling the host.
 * SOLO5_R_AGAIN if the queue is full (the frame was not taken). Frames are
 * sent once solo5_net_flush() is called; queue a batch, then flush once.
 * solo5_net_write() is queue + flush (and drops instead of AGAIN).
 */
solo5_result_t solo5_net_queue(solo5_handle_t handle, const uint8_t *buf, size_t size);

/* Hand every queued frame to the host; notifies it only if it is idle. */
solo5_result_t solo5_net_flush(solo5_handle_t handle);

/*
 * skiff extension: flush, then, if the transmit ring has no free slot, sleep
 * until the host frees one or (deadline) passes. SOLO5_R_OK once a frame can
 * be queued, SOLO5_R_AGAIN at the deadline. Lets a forwarder apply
 * back-pressure instead of dropping when its output is slower than its input.
 */
solo5_result_t solo5_net_wait_space(solo5_handle_t handle, solo5_time_t deadline);

/* One receive buffer for solo5_net_read_batch(). */
struct solo5_net_frame {
    uint8_t *buf; /* IN: where the frame goes */
    size_t size;  /* IN: bytes at buf, at least mtu + SOLO5_NET_HLEN */
    size_t len;   /* OUT: frame length */
};

/*
 * Receive up to (n) frames into (frames[0..n)); (*count) gets how many were
 * filled. SOLO5_R_OK if at least one was, SOLO5_R_AGAIN if none was waiting,
 * SOLO5_R_CLOSED once the device has closed and all input has been read.
 * Cheaper than repeated solo5_net_read(): slots go back to the host once.
 */
solo5_result_t solo5_net_read_batch(solo5_handle_t handle, struct solo5_net_frame *frames, size_t n,
                                    size_t *count);

/* A received frame lent in place by solo5_net_peek_batch(). Until it is
 * released its bytes are the application's: it may rewrite them in place
 * (a router's new addresses, TTL, checksum), its length stays. */
struct solo5_net_view {
    uint8_t *buf; /* the frame (with a vnet NIC: header + frame) */
    size_t len;
};

/*
 * skiff extension, zero-copy receive: lend up to (n) received frames in
 * place, in the host's receive ring, into (views[0..n)); (*count) gets how
 * many. Results as solo5_net_read_batch(). Successive calls lend the frames
 * that follow; the frames stay valid, and the host cannot reuse their room,
 * until solo5_net_release() gives every lent frame of the device back, which
 * should be soon (the host stops receiving for the device while its ring is
 * full). A forwarder queues them on another device, then releases: one copy
 * per frame instead of two. SOLO5_R_EUNSPEC (nothing lent): this device
 * cannot lend frames (--io=direct has no ring); use solo5_net_read_batch().
 * A device that has lent frames takes every later frame through its ring.
 */
solo5_result_t solo5_net_peek_batch(solo5_handle_t handle, struct solo5_net_view *views, size_t n,
                                    size_t *count);

/* Give back every frame solo5_net_peek_batch() lent on this device. */
solo5_result_t solo5_net_release(solo5_handle_t handle);

/*
 * skiff extension: device features. A device has SOLO5_NET_F_VNET only if
 * the image asked for it (skiff_add_guest NICS name:vnet) and the host
 * enabled it for this run (ring I/O modes with a TAP). Then every frame that
 * solo5_net_read(), solo5_net_read_batch(), solo5_net_queue() and
 * solo5_net_write() move is a struct solo5_net_vnet_hdr followed by the
 * Ethernet frame, as with a Linux TAP opened with IFF_VNET_HDR: received
 * frames may be GSO super-frames or lack their checksum, as the header says,
 * and so may frames sent. Buffers must then hold SOLO5_NET_VNET_BUF_MAX
 * bytes. Without the feature (the default) frames are plain, as in Solo5.
 */
#define SOLO5_NET_F_VNET 0x1u

/* Features of an acquired device (0 for an invalid handle). */
uint32_t solo5_net_features(solo5_handle_t handle);

/* struct virtio_net_hdr_v1, little endian (the host's order on x86_64). */
struct solo5_net_vnet_hdr {
    uint8_t flags;        /* SOLO5_NET_VNET_F_* */
    uint8_t gso_type;     /* SOLO5_NET_VNET_GSO_* */
    uint16_t hdr_len;     /* GSO: bytes of headers to repeat per segment */
    uint16_t gso_size;    /* GSO: payload bytes per segment */
    uint16_t csum_start;  /* NEEDS_CSUM: checksum covers [csum_start, end) */
    uint16_t csum_offset; /* NEEDS_CSUM: where in it the checksum goes */
    uint16_t num_buffers; /* unused here (0) */
};
_Static_assert(sizeof(struct solo5_net_vnet_hdr) == 12, "virtio_net_hdr_v1");

#define SOLO5_NET_VNET_HLEN         12u
#define SOLO5_NET_VNET_F_NEEDS_CSUM 0x1u
#define SOLO5_NET_VNET_F_DATA_VALID 0x2u
#define SOLO5_NET_VNET_GSO_NONE     0x0u
/* Header + 64 KiB IP packet + Ethernet header + one VLAN tag. */
#define SOLO5_NET_VNET_BUF_MAX (SOLO5_NET_VNET_HLEN + 65535u + SOLO5_NET_HLEN + 4u)

/* ------------------------------------------------------------------ block */

/* Offsets and sizes on block devices, in bytes. */
typedef uint64_t solo5_off_t;

struct solo5_block_info {
    solo5_off_t capacity;   /* bytes */
    solo5_off_t block_size; /* the unit of I/O, bytes */
};

/*
 * Acquire the block device named (name) in the image manifest. Each device
 * may be acquired once; later calls, and unknown names, give SOLO5_R_EINVAL.
 */
solo5_result_t solo5_block_acquire(const char *name, solo5_handle_t *handle,
                                   struct solo5_block_info *info);

/*
 * Write (size) bytes from (buf) at byte (offset), entirely or not at all.
 * (offset) and (size) must be multiples of the block size, (size) non-zero
 * and the range inside the device, else SOLO5_R_EINVAL. A device the host
 * could only open read-only gives SOLO5_R_EUNSPEC. skiff also accepts more
 * than one block per call (Solo5's implementations take exactly one).
 */
solo5_result_t solo5_block_write(solo5_handle_t handle, solo5_off_t offset, const uint8_t *buf,
                                 size_t size);

/* Read (size) bytes into (buf) from byte (offset), with write's rules. */
solo5_result_t solo5_block_read(solo5_handle_t handle, solo5_off_t offset, uint8_t *buf,
                                size_t size);

/* ----------------------------------------------------------------- TLS */

/*
 * Thread-local storage, local-exec model (x86_64: variables at fixed
 * negative offsets from %fs). For each thread of the application:
 *
 *   uintptr_t tls = ...;  // solo5_tls_size() bytes, 64-byte aligned
 *   solo5_tls_init(tls);                          // .tdata copied, .tbss zeroed
 *   solo5_set_tls_base(solo5_tls_tp_offset(tls)); // switch to this block
 */

/* Bytes of one TLS block: the image's .tdata and .tbss, plus the word at
 * the thread pointer that holds its own address. */
size_t solo5_tls_size(void);

/* The thread pointer (the value for solo5_set_tls_base) of the block at
 * (tls). */
uintptr_t solo5_tls_tp_offset(uintptr_t tls);

/* Fill the block at (tls) (solo5_tls_size() bytes): initial values from
 * .tdata, zeros for .tbss, the thread pointer's self-reference.
 * SOLO5_R_EINVAL if (tls) is NULL or less aligned than the image's TLS
 * variables need. */
solo5_result_t solo5_tls_init(uintptr_t tls);

/* Set the TLS base register (%fs on x86_64) to (base). SOLO5_R_EINVAL for a
 * base the architecture rejects (not canonical). */
solo5_result_t solo5_set_tls_base(uintptr_t base);

#endif /* SOLO5_H_INCLUDED */
