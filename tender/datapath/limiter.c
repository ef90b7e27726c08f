/*
 * Token buckets for --net-rate (see limiter.h). Owned by the I/O thread;
 * nothing here is shared.
 */
#include "datapath/limiter.h"

#define NS_PER_S 1000000000ull

void skiff_bucket_init(struct skiff_bucket *b, uint64_t rate, uint64_t capacity, uint64_t now_ns)
{
    b->rate = rate;
    b->capacity = capacity ? capacity : 1;
    if (b->capacity > INT64_MAX / 2)
        b->capacity = INT64_MAX / 2;
    b->tokens = (int64_t)b->capacity;
    b->last_ns = now_ns;
}

static void refill(struct skiff_bucket *b, uint64_t now_ns)
{
    if (b->rate == 0 || now_ns <= b->last_ns)
        return;
    uint64_t elapsed = now_ns - b->last_ns;
    unsigned __int128 add = (unsigned __int128)elapsed * b->rate / NS_PER_S;
    uint64_t room = (uint64_t)((int64_t)b->capacity - b->tokens); /* tokens <= capacity */
    if (add >= room) {
        b->tokens = (int64_t)b->capacity;
        b->last_ns = now_ns;
        return;
    }
    if (add == 0)
        return; /* keep the fraction: last_ns stays behind */
    b->tokens += (int64_t)add;
    /* Advance by the time those whole tokens took, not to now: the
     * remainder counts towards the next token. */
    b->last_ns += (uint64_t)((unsigned __int128)add * NS_PER_S / b->rate);
}

bool skiff_bucket_ready(struct skiff_bucket *b, uint64_t now_ns)
{
    refill(b, now_ns);
    return b->rate == 0 || b->tokens > 0;
}

bool skiff_limiter_ready(struct skiff_limiter *l, uint64_t now_ns)
{
    bool f = skiff_bucket_ready(&l->frames, now_ns);
    bool b = skiff_bucket_ready(&l->bytes, now_ns);
    return f && b;
}

void skiff_bucket_charge(struct skiff_bucket *b, uint64_t n)
{
    if (b->rate == 0)
        return;
    /* Debt is bounded by one frame; clamp against absurd sizes anyway. */
    if (n > (uint64_t)INT64_MAX / 4)
        n = (uint64_t)INT64_MAX / 4;
    if (b->tokens < INT64_MIN / 4 + (int64_t)n)
        b->tokens = INT64_MIN / 4;
    else
        b->tokens -= (int64_t)n;
}

void skiff_limiter_charge(struct skiff_limiter *l, uint64_t bytes)
{
    skiff_bucket_charge(&l->frames, 1);
    skiff_bucket_charge(&l->bytes, bytes);
}

/* Time until the bucket holds a positive amount again. */
uint64_t skiff_bucket_wait_ns(const struct skiff_bucket *b)
{
    if (b->rate == 0 || b->tokens > 0)
        return 0;
    uint64_t need = (uint64_t)(1 - b->tokens); /* tokens <= 0 */
    unsigned __int128 ns = ((unsigned __int128)need * NS_PER_S + b->rate - 1) / b->rate;
    return ns > UINT64_MAX / 2 ? UINT64_MAX / 2 : (uint64_t)ns;
}

uint64_t skiff_limiter_wait_ns(const struct skiff_limiter *l)
{
    uint64_t f = skiff_bucket_wait_ns(&l->frames), b = skiff_bucket_wait_ns(&l->bytes);
    uint64_t w = f > b ? f : b;
    return w ? w : 1;
}
