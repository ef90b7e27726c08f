/*
 * Internal helpers shared by the writer and the reader: shared-memory access
 * through liburcu's primitives, and counter-to-slot mapping.
 */
#ifndef SHMSTREAM_RING_INTERNAL_H
#define SHMSTREAM_RING_INTERNAL_H

#include <urcu/arch.h>
#include <urcu/system.h>
#include <urcu/uatomic.h>

#include "shmstream/shmstream.h"

/* Slot index for a counter. Power-of-two rings use a mask (the common case);
 * others fall back to the spec's "counter mod elements". */
static inline uint64_t shms_index(uint64_t counter, uint64_t elements, uint64_t mask)
{
    return mask ? (counter & mask) : (counter % elements);
}

static inline uint64_t shms_pow2_mask(uint64_t elements)
{
    return (elements & (elements - 1)) == 0 ? elements - 1 : 0;
}

/*
 * Counters wrap at 2^64, which a slot count that is not a power of two does
 * not divide: counter 0 then lands in the slot of counter 2^64 - k, only k
 * counters earlier instead of `elements` (k = 2^64 mod elements, never 0 for
 * such rings). The writer and the lossy reader allow for it around the wrap
 * (see writer.c, reader.c); this is the k. Called only near the wrap.
 */
static inline uint64_t shms_wrap_gap(uint64_t elements)
{
    return (UINT64_MAX % elements + 1) % elements;
}

/* Slot memory: both sides only ever compute this from their private copy of
 * the geometry, validated once, never from the shared header. */
static inline uint8_t *shms_slot_at(uint8_t *slots, uint64_t size, uint64_t idx)
{
    return slots + idx * size;
}

#endif /* SHMSTREAM_RING_INTERNAL_H */
