/*
 * Geometry checks and result names shared by both sides of a channel.
 */
#include "ring_internal.h"

const char *shms_result_str(int result)
{
    switch (result) {
    case SHMS_OK: return "success";
    case SHMS_INACTIVE: return "inactive";
    case SHMS_INCOMPATIBLE: return "incompatible interface";
    case SHMS_EPOCH_CHANGED: return "epoch changed";
    case SHMS_NO_DATA: return "no data";
    case SHMS_OVERRUN: return "overrun detected";
    case SHMS_FULL: return "full";
    case SHMS_TOO_BIG: return "too big";
    case SHMS_BAD_SLOT: return "bad slot";
    default: return "unknown result";
    }
}

bool shms_geometry_valid(const struct shms_geometry *g)
{
    if (g->size < SHMS_SLOT_MIN || g->size > SHMS_SLOT_MAX)
        return false;
    if (g->size % SHMS_SLOT_ALIGN != 0)
        return false;
    if (g->elements == 0 || g->elements > SHMS_ELEMENTS_MAX)
        return false;
    return true;
}

uint64_t shms_channel_bytes(const struct shms_geometry *g)
{
    if (!shms_geometry_valid(g))
        return 0;
    /* Bounded by the limits above, so this cannot overflow 64 bits. */
    return sizeof(struct shms_header) + g->size * g->elements;
}
