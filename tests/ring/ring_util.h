/*
 * Helpers shared by the ring tests: channel memory fenced by PROT_NONE guard
 * pages (so any access outside the channel faults), patterned frames that
 * carry an id and a checksum, eventfd sleeping with a timeout, a PRNG, a
 * failure record usable from threads (cmocka's asserts are not), and the
 * reading side of a lossy stream raced by a writer thread.
 */
#ifndef RING_UTIL_H
#define RING_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/xorshift.h"

#include "shmstream/shmstream.h"

#define RU_PROTO SHMS_PROTOCOL_ETH

/* --- guard-paged memory ------------------------------------------------ */

struct ru_guarded {
    void *map; /* whole mapping, guards included */
    size_t map_len;
    void *mem; /* `len` usable bytes ending exactly at the upper guard */
    size_t len;
};

/* Map `len` bytes between two PROT_NONE guard pages; aborts on failure. */
void *ru_guarded_alloc(struct ru_guarded *g, size_t len);
void ru_guarded_free(struct ru_guarded *g);

/* A channel (exactly shms_channel_bytes) and its ctrl block, each guarded. */
struct ru_chan {
    struct ru_guarded mem_map, ctrl_map;
    void *mem;
    uint64_t mem_len;
    struct shms_ctrl *ctrl;
    struct shms_geometry geo;
};

void ru_chan_open(struct ru_chan *c, uint64_t size, uint64_t elements);
void ru_chan_close(struct ru_chan *c);

/* Move both sides' counters to `start` right after init + sync, as if
 * `start` frames had already been written, read and released. */
void ru_set_counters(struct shms_writer *w, struct shms_reader *r, uint64_t start);

/* --- frames ------------------------------------------------------------- */

#define RU_FRAME_MIN 16u

/* Fill `len` (>= RU_FRAME_MIN) bytes with a frame identified by `id`. */
void ru_frame_fill(void *buf, uint32_t len, uint64_t id);

/* true if buf holds an intact frame of exactly `len` bytes; *id gets its id. */
bool ru_frame_check(const void *buf, uint32_t len, uint64_t *id);

/* Lossy-stream bookkeeping: frames may go missing only right after an
 * OVERRUN result, never out of order. */
struct ru_track {
    uint64_t next; /* id expected next */
    uint64_t received, lost, overruns;
    bool after_overrun;
};

/* Account for frame `id`; false if it breaks the rules above. */
bool ru_track_frame(struct ru_track *t, uint64_t id);
void ru_track_overrun(struct ru_track *t);
/* End of a stream of `total` frames: true if every frame is accounted for. */
bool ru_track_finish(struct ru_track *t, uint64_t total);

/* --- a lossy stream: a writer thread racing the test's reader ----------- */

struct ru_lossy {
    struct ru_chan c;
    struct shms_reader r; /* the test's, on its main thread */
    struct ru_track t;    /* what r received and lost */
    pthread_t writer;
};

/* Opens a channel of `elements` slots of `size` bytes and its lossy reader
 * (following the channel's ctrl block when with_ctrl), then starts
 * writer(arg) on its own thread. */
void ru_lossy_start(struct ru_lossy *l, uint64_t size, uint64_t elements, bool with_ctrl,
                    void *(*writer)(void *), void *arg);

/* The reader's steps; they fail the test with cmocka's asserts.
 * ru_lossy_sync: one shms_reader_sync, which must give SHMS_OK (returns
 * true) or SHMS_INACTIVE (false). ru_lossy_read: one shms_read into buf; a
 * frame must be intact (never torn or stale) and in sequence but for gaps
 * right after an OVERRUN (ru_track_frame), an OVERRUN is tracked, and
 * anything else must be SHMS_NO_DATA. Returns the read's result. */
bool ru_lossy_sync(struct ru_lossy *l);
int ru_lossy_read(struct ru_lossy *l, void *buf, uint32_t size);

/* Waits for the writer, and fails the test if it saw anything wrong. */
void ru_lossy_join(struct ru_lossy *l);

/* --- PRNG (xorshift64*) -------------------------------------------------- */

static inline uint64_t ru_rand(uint64_t *s)
{
    return xorshift64s(s);
}

/* Uniform-ish value in [lo, hi]. */
static inline uint64_t ru_range(uint64_t *s, uint64_t lo, uint64_t hi)
{
    return lo + ru_rand(s) % (hi - lo + 1);
}

/* --- sleeping ----------------------------------------------------------- */

int ru_efd_new(void);
void ru_efd_kick(int fd);
/* Wait until fd is signalled (and drain it); false after timeout_ms. */
bool ru_efd_wait(int fd, int timeout_ms);

uint64_t ru_now_ns(void);

/* Timeout that turns a lost wake-up into a test failure. */
#define RU_WAKE_TIMEOUT_MS 5000

/* Words of shared memory for a hostile peer to scribble on: a random
 * value, an extreme one, or a small step from the current one. */
uint64_t ru_hostile_value(uint64_t *rng, uint64_t current);

/* --- failures from threads ---------------------------------------------- */

/* Record the first failure (thread-safe) and print it. */
void ru_fail(const char *file, int line, const char *what);
bool ru_failed(void);
/* Forget a recorded failure (between tests of one executable). */
void ru_fail_reset(void);
const char *ru_failure(void);

#define RU_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            ru_fail(__FILE__, __LINE__, #cond);                                                    \
            return NULL;                                                                           \
        }                                                                                          \
    } while (0)

#endif /* RING_UTIL_H */
