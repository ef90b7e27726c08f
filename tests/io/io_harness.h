/*
 * Test harness for the I/O thread without a guest: one NIC whose channels and
 * ctrl blocks live on the host heap, set up as the tender would (RX writer,
 * TX reader), plus the guest's side (RX reader, TX writer) driven by the
 * test, patterned frames, and peer threads on the other end of the packet fd.
 */
#ifndef IO_HARNESS_H
#define IO_HARNESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "datapath/io.h"
#include "net/nic.h"

#define H_MTU       1500u
#define H_ETHERTYPE 0x88b5u /* IEEE local experimental: ignored by hosts */
#define H_FRAME_MIN 60u
#define H_FRAME_MAX (H_MTU + 14u)

struct io_h {
    struct skiff_nic nic;
    struct shms_geometry geo;
    uint64_t chan_bytes;
    void *rx_mem, *tx_mem;
    struct shms_ctrl *rx_ctrl, *tx_ctrl;
    struct shms_reader grx; /* guest side of RX */
    struct shms_writer gtx; /* guest side of TX */
    uint64_t gtx_epoch;
    int peer; /* test's end of the packet fd, or -1 */
    struct skiff_io *io;
};

/* Channels with `elements` slots sized for H_MTU; eventfds; guest RX synced.
 * The packet fd is attached separately (h_attach_socketpair or by the test). */
void h_init(struct io_h *h, uint32_t elements);
/* The same with slots for vnet header + GSO frame, nic.vnet requested. */
void h_init_vnet(struct io_h *h, uint32_t elements);
/* socketpair(AF_UNIX, SOCK_SEQPACKET), attached as "@FD". */
void h_attach_socketpair(struct io_h *h);
/* Guest activates its TX channel (new epoch each call). */
void h_guest_tx_init(struct io_h *h);
void h_start(struct io_h *h, unsigned mode);
void h_stop(struct io_h *h);
/* The running I/O thread moves packet-fd frames with io_uring. */
bool h_uring(const struct io_h *h);
void h_fini(struct io_h *h);
/*
 * cmocka teardown for every test that uses a harness: a failed assertion
 * leaves the test function by longjmp, past its h_stop and h_fini, with
 * the I/O thread still running on the test's NIC. This stops that thread
 * and frees what h_init took, so the thread never outlives its test. The
 * thread points into the struct io_h, so tests keep it in static storage
 * (a dead stack frame would be reused by whatever runs next).
 */
int h_teardown(void **state);

/* Frame `seq`: deterministic length in [H_FRAME_MIN, H_FRAME_MAX] and bytes. */
uint32_t h_frame_len(uint32_t seq);
void h_frame_fill(uint8_t *buf, uint32_t seq);
/* true if buf/len is exactly frame `seq`. */
bool h_frame_check(const uint8_t *buf, uint32_t len, uint32_t seq);
/* Our test frames carry H_ETHERTYPE; anything else is kernel chatter. */
bool h_is_test_frame(const uint8_t *buf, uint32_t len);

/* Guest side. */
int h_guest_read(struct io_h *h, uint8_t *buf, uint32_t cap, uint32_t *len);
void h_guest_rx_release(struct io_h *h);
int h_guest_send(struct io_h *h, const uint8_t *frame, uint32_t len);
void h_guest_tx_publish(struct io_h *h);
/* Sleep until the tender wakes us (or timeout_ms); announces RX sleep and,
 * if tx_full, a TX space wait. Returns false on timeout. */
bool h_guest_wait(struct io_h *h, bool rx, bool tx_full, int timeout_ms);

/* Peer threads on h->peer: write frames [0, count) / read and check them. */
struct h_peer {
    struct io_h *h;
    uint32_t count;
    uint32_t done;    /* frames written / matched */
    uint32_t bad;     /* frames out of order or corrupt */
    bool close_after; /* writer: shutdown the peer after the last frame */
    pthread_t thread;
};
void h_peer_writer_start(struct h_peer *p);
void h_peer_reader_start(struct h_peer *p);
void h_peer_join(struct h_peer *p);

uint64_t h_now_ms(void);
/* Process CPU time (user + system) in milliseconds. */
uint64_t h_cpu_ms(void);
uint64_t h_drops(const uint64_t d[SKIFF_DROP_MAX]);

#endif /* IO_HARNESS_H */
