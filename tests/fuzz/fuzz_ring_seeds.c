/*
 * Writes a small seed corpus for fuzz_ring into the directory given as the
 * only argument: honest lossless and lossy sessions (init, writes, reads,
 * peeks, sleeps, waits) and a corrupted-header start, so the fuzzer begins
 * from inputs that reach the data path. Layout: see fuzz_ring.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int emit(const char *dir, const char *name, const uint8_t *ops, size_t n_ops, uint8_t flags,
                uint8_t elements, uint8_t size, uint64_t bad_marker)
{
    uint8_t buf[512];
    size_t n = 0;
    char path[4096];
    FILE *f;

    buf[n++] = flags;
    buf[n++] = elements;
    buf[n++] = size;
    memset(buf + n, 0, 64 + 128); /* header + ctrl images */
    memcpy(buf + n, &bad_marker, 8);
    n += 64 + 128;
    buf[n++] = 0; /* no slot bytes */
    memcpy(buf + n, ops, n_ops);
    n += n_ops;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(buf, 1, n, f) != n) {
        perror(path);
        return 1;
    }
    return fclose(f) != 0;
}

int main(int argc, char **argv)
{
    /* opcodes: 0 sync, 1 read(len16), 2 peek, 3 release, 4 publish,
     * 5 prepare_sleep, 6 finish_sleep, 7 available, 8 winit(epoch8),
     * 9 space, 10 reserve, 11 commit(len16, vnet8), 12 put(len16),
     * 13 wpublish, 14 prepare_wait, 15 deactivate, 16 poke ctrl,
     * 17 poke header, 18 poke slot, 19 check */
    static const uint8_t session[] = {
        8,  1,  0, 12, 64, 0, 12, 100, 0, 13, 1, 0,  1,  2,   0, 2,  3, 4, 5, 6, 10,
        11, 60, 0, 12, 13, 9, 14, 2,   3, 4,  7, 19, 12, 240, 0, 13, 5, 1, 0, 1,
    };
    static const uint8_t overrun[] = {
        8, 7,  0, 12, 64, 0,  12, 64,   0, 12, 64, 0, 12, 64, 0, 12, 64, 0, 13, 1, 0,
        1, 10, 1, 0,  1,  17, 7,  0xff, 0, 0,  0,  0, 0,  0,  0, 1,  0,  1, 8,  9, 0,
    };
    static const uint8_t corrupt[] = { 0, 7, 17, 1, 9, 0, 0, 0, 0, 0, 0, 0, 0, 8, 3, 0, 2 };
    const char *dir = argc > 1 ? argv[1] : ".";

    return emit(dir, "lossless", session, sizeof(session), 1 | 4 | 8, 3, 0, 0) ||
           emit(dir, "lossy", overrun, sizeof(overrun), 2 | 8, 4, 2, 0) ||
           emit(dir, "corrupt", corrupt, sizeof(corrupt), 1 | 4 | 8, 8, 1, 0x487312b6b79a9b6dULL);
}
