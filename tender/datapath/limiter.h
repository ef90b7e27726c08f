/*
 * Per-NIC rate limiter (--net-rate): two token buckets per direction, one
 * counting frames and one counting bytes, in the manner of Firecracker's
 * net device. A direction may move a frame while both buckets hold at least
 * one token; the frame's cost is charged afterwards (RX only learns a
 * frame's size by reading it), so a bucket may dip below zero by one frame
 * and the direction then waits until it is positive again. Over any span T
 * a direction moves at most capacity + rate * T + one frame.
 */
#ifndef SKIFF_LIMITER_H
#define SKIFF_LIMITER_H

#include <stdbool.h>
#include <stdint.h>

struct skiff_bucket {
    uint64_t rate;     /* tokens per second; 0 = no limit */
    uint64_t capacity; /* tokens a full bucket holds (the burst) */
    int64_t tokens;    /* may be negative: debt from the last frame */
    uint64_t last_ns;  /* time the tokens were last brought up to date */
};

struct skiff_limiter {
    struct skiff_bucket frames, bytes;
};

/* rate 0 disables the bucket. capacity is at least 1. Starts full. */
void skiff_bucket_init(struct skiff_bucket *b, uint64_t rate, uint64_t capacity, uint64_t now_ns);

/* Refill up to now; true if the bucket holds a positive amount (or is off). */
bool skiff_bucket_ready(struct skiff_bucket *b, uint64_t now_ns);

/* Take n tokens (the bucket may go into debt). */
void skiff_bucket_charge(struct skiff_bucket *b, uint64_t n);

/* Nanoseconds until ready() will say yes: 0 if it does now. */
uint64_t skiff_bucket_wait_ns(const struct skiff_bucket *b);

/* true if either bucket limits anything. */
static inline bool skiff_limiter_on(const struct skiff_limiter *l)
{
    return l->frames.rate != 0 || l->bytes.rate != 0;
}

/* Refill both buckets up to now; true if a frame may go. */
bool skiff_limiter_ready(struct skiff_limiter *l, uint64_t now_ns);

/* Charge one frame of `bytes` bytes. */
void skiff_limiter_charge(struct skiff_limiter *l, uint64_t bytes);

/* After ready() said no: nanoseconds until it will say yes (at least 1). */
uint64_t skiff_limiter_wait_ns(const struct skiff_limiter *l);

#endif /* SKIFF_LIMITER_H */
