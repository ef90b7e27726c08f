/*
 * router: the NICs' I/O, the only part of the router that calls the Solo5
 * network API. Frames come in batches: lent in place from the receive
 * ring where the NIC can lend them (skiff's solo5_net_peek_batch; the one
 * copy is then into the output ring), else read into the router's buffers
 * (solo5_net_read_batch, or one solo5_net_read at a time with Solo5's own
 * API). Sent frames are queued and go out with one flush per pass.
 */
#ifndef ROUTER_NIC_H
#define ROUTER_NIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solo5.h"

#define NIC_BATCH 32

/* Bytes kept free before each read buffer, so that a virtio-net header
 * can be put in front of a plain frame in place. */
#define NIC_HEADROOM 12

struct nic {
    const char *name;
    solo5_handle_t h;
    struct solo5_net_info info;
    bool vnet;  /* frames carry a virtio-net header */
    bool lend;  /* try solo5_net_peek_batch (off once it says it cannot) */
    bool lent;  /* frames of the last batch are lent: release them */
    bool dirty; /* frames queued since the last flush */
};

struct nic_batch {
    size_t count;
    size_t headroom; /* writable bytes before every frame */
    struct {
        uint8_t *buf;
        size_t len;
    } f[NIC_BATCH];
};

/* Acquire the NIC; false if the image has no such NIC. */
bool nic_open(struct nic *n, const char *name);

/* Largest buffer a frame of this NIC needs (virtio-net header included). */
size_t nic_frame_max(const struct nic *n);

/* The read buffers: NIC_BATCH of (NIC_HEADROOM + frame_max) bytes at mem,
 * shared by every NIC (a batch is handled before the next is read). */
void nic_buffers(uint8_t *mem, size_t frame_max);
size_t nic_buffers_size(size_t frame_max);

/* Receive a batch: SOLO5_R_OK (count >= 1), SOLO5_R_AGAIN, or the NIC is
 * closed (skiff's SOLO5_R_CLOSED) or failed. */
solo5_result_t nic_rx(struct nic *n, struct nic_batch *b);

/* The batch is handled: lent frames go back. */
void nic_rx_done(struct nic *n);

/* Queue one frame; when the output queue is full, wait a little for room
 * (back-pressure: frames then wait in the host rather than being lost
 * here). false if it could not be queued. */
bool nic_send(struct nic *n, const uint8_t *buf, size_t len);

/* Send every queued frame. */
void nic_flush(struct nic *n);

/* Is this result the NIC closing (rather than failing)? */
bool nic_closed(solo5_result_t r);

#endif /* ROUTER_NIC_H */
