/* The ping image's serving of one NIC (see serve.h). */
#include "serve.h"

uint8_t *ping_frames(const struct solo5_start_info *si, size_t frame_max,
                     struct solo5_net_frame frames[PING_BATCH])
{
    if ((size_t)(PING_BATCH + 1) * frame_max > si->heap_size)
        return NULL;
    uint8_t *mem = (uint8_t *)si->heap_start;
    for (size_t i = 0; i < PING_BATCH; i++)
        frames[i] = (struct solo5_net_frame){ mem + i * frame_max, frame_max, 0 };
    return mem + PING_BATCH * frame_max;
}

bool ping_answer(const struct ping_ctx *ctx, solo5_handle_t h, const struct solo5_net_frame *frames,
                 size_t count, uint8_t *reply, size_t cap, uint64_t limit, uint64_t *answered,
                 uint64_t *dropped)
{
    for (size_t i = 0; i < count; i++) {
        size_t len;
        enum ping_kind k = ping_handle(ctx, frames[i].buf, frames[i].len, reply, cap, &len);
        if (k == PING_IGNORED)
            continue;
        if (solo5_net_queue(h, reply, len) != SOLO5_R_OK) {
            (*dropped)++; /* TX ring full: like a lost reply on the wire */
            continue;
        }
        if (k == PING_ECHO_REPLY && ++*answered == limit)
            return true;
    }
    return false;
}
