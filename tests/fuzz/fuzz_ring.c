/*
 * libFuzzer target for the ring library. The input is a channel image
 * (header, ctrl block, slot bytes) followed by a sequence of operations:
 * reader calls, writer calls (on the same channel, so the reader sees real
 * frames too), and pokes that let the fuzzer rewrite any header, ctrl or
 * slot word between calls. Channel, ctrl block and the copy buffer end at
 * PROT_NONE guard pages (mapped once), so any stray access faults; the
 * invariants the API promises are checked after every call.
 *
 * Layout: flags(1) elements(1) size(1) header(64) ctrl(128) nslot(1)
 *         slot bytes(nslot*32) then ops: opcode(1) + operands.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shmstream/shmstream.h"

#define MAX_ELEMS 64u
#define MAX_SIZE  (128u + 15u * 16u)
#define ARENA     (sizeof(struct shms_header) + MAX_SIZE * MAX_ELEMS)
#define BUF_MAX   MAX_SIZE

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* `len` bytes ending at a PROT_NONE page (after another one). */
static uint8_t *guarded(size_t len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t body = (len + page - 1) / page * page;
    uint8_t *m = mmap(NULL, body + 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    CHECK(m != MAP_FAILED);
    CHECK(mprotect(m + page, body, PROT_READ | PROT_WRITE) == 0);
    return m + page + body;
}

struct input {
    const uint8_t *p;
    size_t left;
};

static uint64_t take(struct input *in, size_t n)
{
    uint64_t v = 0;

    for (size_t i = 0; i < n && in->left > 0; i++, in->left--)
        v |= (uint64_t)*in->p++ << (8 * i);
    return v;
}

static void take_bytes(struct input *in, void *dst, size_t n)
{
    size_t k = n < in->left ? n : in->left;

    memcpy(dst, in->p, k);
    memset((uint8_t *)dst + k, 0, n - k);
    in->p += k;
    in->left -= k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t *arena_end, *ctrl_end, *buf_end;
    struct input in = { data, size };
    struct shms_geometry g, expect;
    struct shms_reader r;
    struct shms_writer w;
    struct shms_wslot ws = { 0 };
    struct shms_ctrl *ctrl;
    uint8_t *mem, *slots;
    uint64_t mem_len;
    unsigned flags;
    bool writer_up = false;

    if (arena_end == NULL) {
        arena_end = guarded(ARENA);
        ctrl_end = guarded(sizeof(struct shms_ctrl));
        buf_end = guarded(BUF_MAX);
    }
    flags = (unsigned)take(&in, 1);
    g.protocol = SHMS_PROTOCOL_ETH;
    g.elements = take(&in, 1) % MAX_ELEMS + 1;
    g.size = 128u + (take(&in, 1) % 16u) * 16u;
    mem_len = shms_channel_bytes(&g);
    CHECK(mem_len != 0 && mem_len <= ARENA);
    mem = arena_end - mem_len; /* flush against the guard page */
    slots = mem + sizeof(struct shms_header);
    ctrl = (struct shms_ctrl *)(void *)(ctrl_end - sizeof(struct shms_ctrl));

    take_bytes(&in, mem, sizeof(struct shms_header));
    take_bytes(&in, ctrl, sizeof(struct shms_ctrl));
    memset(slots, 0, mem_len - sizeof(struct shms_header));
    {
        size_t n = (size_t)take(&in, 1) * 32u;

        take_bytes(&in, slots, n < mem_len - 64 ? n : mem_len - 64);
    }

    expect = g;
    if (flags & 2)
        expect.size = expect.elements = 0; /* accept any geometry that fits */
    shms_reader_init(&r, mem, mem_len, (flags & 8) ? ctrl : NULL, &expect,
                     (flags & 1) ? SHMS_MODE_LOSSLESS : SHMS_MODE_LOSSY);

    while (in.left > 0) {
        unsigned op = (unsigned)take(&in, 1) % 20u;
        struct shms_rslot rs;
        uint32_t len, blen;
        uint64_t v;
        int rv;

        switch (op) {
        case 0:
            rv = shms_reader_sync(&r);
            CHECK(rv == SHMS_OK || rv == SHMS_INACTIVE || rv == SHMS_INCOMPATIBLE ||
                  rv == SHMS_EPOCH_CHANGED);
            if (rv == SHMS_OK) {
                struct shms_geometry rg = { g.protocol, r.size, r.elements };

                CHECK(shms_channel_bytes(&rg) != 0 && shms_channel_bytes(&rg) <= mem_len);
            }
            break;
        case 1:
            blen = (uint32_t)(take(&in, 2) % (BUF_MAX + 1));
            len = UINT32_MAX;
            rv = shms_read(&r, buf_end - blen, blen, &len);
            CHECK(rv >= SHMS_OK && rv <= SHMS_BAD_SLOT);
            if (rv == SHMS_OK)
                CHECK(len <= blen);
            break;
        case 2:
            rv = shms_reader_peek(&r, &rs);
            if (rv == SHMS_OK) {
                const uint8_t *d = rs.data;
                volatile uint8_t sink = 0;

                CHECK(d - rs.vnet_len >= slots && d + rs.len <= mem + mem_len);
                for (uint32_t i = 0; i < rs.len; i++)
                    sink ^= d[i];
                (void)sink;
            }
            CHECK(r.peeked <= r.elements);
            break;
        case 3: shms_reader_release(&r); break;
        case 4: (void)shms_reader_publish(&r); break;
        case 5: (void)shms_reader_prepare_sleep(&r); break;
        case 6: shms_reader_finish_sleep(&r); break;
        case 7:
            CHECK(shms_reader_available(&r) <= (r.synced ? r.elements : 0));
            (void)shms_reader_has_work(&r);
            break;
        case 8:
            writer_up =
                shms_writer_init(&w, mem, mem_len, ctrl, &g, take(&in, 1) + 1,
                                 (flags & 4) ? SHMS_MODE_LOSSLESS : SHMS_MODE_LOSSY) == SHMS_OK;
            CHECK(writer_up);
            ws.slot = NULL;
            break;
        case 9:
            if (writer_up)
                CHECK(shms_writer_space(&w) <= g.elements);
            break;
        case 10:
            if (writer_up && shms_writer_reserve(&w, &ws) == SHMS_OK) {
                CHECK((uint8_t *)ws.slot >= slots && (uint8_t *)ws.data + ws.cap <= mem + mem_len);
                memset(ws.data, 0xa5, ws.cap);
            }
            break;
        case 11:
            len = (uint32_t)take(&in, 2);
            v = take(&in, 1);
            if (writer_up && ws.slot != NULL) {
                rv = shms_writer_commit(&w, &ws, len, (uint16_t)v);
                CHECK(rv == SHMS_OK || rv == SHMS_TOO_BIG || rv == SHMS_BAD_SLOT);
            }
            break;
        case 12:
            len = (uint32_t)(take(&in, 2) % (BUF_MAX + 1));
            if (writer_up) {
                rv = shms_writer_put(&w, buf_end - len, len);
                CHECK(rv == SHMS_OK || rv == SHMS_FULL || rv == SHMS_TOO_BIG);
            }
            break;
        case 13:
            if (writer_up)
                (void)shms_writer_publish(&w);
            break;
        case 14:
            if (writer_up && shms_writer_prepare_wait(&w))
                shms_writer_finish_wait(&w);
            break;
        case 15:
            if (writer_up)
                shms_writer_deactivate(&w);
            break;
        case 16: /* the fuzzer plays the other side of the ctrl block */
            v = take(&in, 1) % 16u;
            ((uint64_t *)(void *)ctrl)[v] = take(&in, 8);
            break;
        case 17:
            v = take(&in, 1) % 8u;
            ((uint64_t *)(void *)mem)[v] = take(&in, 8);
            break;
        case 18:
            v = take(&in, 2) % ((mem_len - 64) / 4);
            ((uint32_t *)(void *)slots)[v] = (uint32_t)take(&in, 4);
            break;
        default:
            if (writer_up && (flags & 4))
                CHECK(w.wc + w.pending + w.reserved_slot - w.rc_cache <= g.elements);
            break;
        }
    }
    return 0;
}
