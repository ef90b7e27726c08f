/*
 * The ping image's serving of one NIC, on top of its packet logic
 * (proto.h): frame buffers carved from the heap, and the answers to one
 * batch of received frames queued for a single flush. Test guests that
 * answer pings on one NIC while doing something else (ring_hostile) serve
 * with these too.
 */
#ifndef PING_SERVE_H
#define PING_SERVE_H

#include "proto.h"
#include "solo5.h"

#define PING_BATCH        32
#define PING_IDLE_WAIT_NS 1000000000ull /* yield deadline when idle */

/* PING_BATCH receive buffers of frame_max bytes each from the heap into
 * frames, and one more for the reply, which it returns; NULL if the heap
 * is too small. Their size depends on the MTU, hence the heap. */
uint8_t *ping_frames(const struct solo5_start_info *si, size_t frame_max,
                     struct solo5_net_frame frames[PING_BATCH]);

/* Answers frames[0..count) read from h: each reply is built in reply
 * (cap bytes) and queued on h (not flushed). Echo replies queued count in
 * *answered, replies the TX ring refused in *dropped. With a limit (0:
 * none), stops at the echo reply that brings *answered to it and returns
 * true. */
bool ping_answer(const struct ping_ctx *ctx, solo5_handle_t h, const struct solo5_net_frame *frames,
                 size_t count, uint8_t *reply, size_t cap, uint64_t limit, uint64_t *answered,
                 uint64_t *dropped);

#endif /* PING_SERVE_H */
