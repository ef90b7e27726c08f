/*
 * tls: thread-local storage through Solo5's TLS calls, on spt and hvt.
 * Two TLS blocks are set up with solo5_tls_init and switched between with
 * solo5_set_tls_base; each must start with the .tdata initial values and
 * zeroed .tbss (the blocks are filled with junk first), keep its own
 * writes, honour a 64-byte alignment, and hold its own address at the
 * thread pointer. Prints "tls ok" and exits 0, or names the first check
 * that failed and exits 1.
 */
#include <stdint.h>

#include "skiff/rt.h"
#include "solo5.h"

_Thread_local int counter = 41;                                   /* .tdata */
_Thread_local char tag[8] = "skiff";                              /* .tdata */
_Thread_local uint64_t zeros[16];                                 /* .tbss */
_Thread_local _Alignas(64) uint64_t wide = 0x1122334455667788ull; /* .tdata, aligned */
static _Thread_local int hidden;                                  /* .tbss */

#define BLOCK_MAX 4096u
static uint8_t block_a[BLOCK_MAX] __attribute__((aligned(64)));
static uint8_t block_b[BLOCK_MAX] __attribute__((aligned(64)));

static int failed(const char *what)
{
    skiff_printf("tls: FAILED: %s\n", what);
    return 1;
}

static uint64_t fs_word0(void)
{
    uint64_t v;
    __asm__ __volatile__("movq %%fs:0, %0" : "=r"(v) : : "memory");
    return v;
}

/* Fresh block: initial values, zeros, alignment, self-pointer. */
static const char *check_fresh(uintptr_t block, uintptr_t tp)
{
    if (counter != 41 || hidden != 0)
        return "initial int values";
    if (strcmp(tag, "skiff") != 0)
        return "initial string";
    if (wide != 0x1122334455667788ull)
        return "initial 64-bit value";
    for (unsigned i = 0; i < 16; i++)
        if (zeros[i] != 0)
            return ".tbss not zeroed";
    if ((uintptr_t)&wide % 64 != 0)
        return "64-byte aligned variable misaligned";
    if ((uintptr_t)&counter < block || (uintptr_t)&counter >= tp)
        return "variable outside its block";
    if (fs_word0() != tp)
        return "%fs:0 does not hold the thread pointer";
    return NULL;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    size_t size = solo5_tls_size();
    if (size > BLOCK_MAX || size < sizeof(uintptr_t) + 64)
        return failed("solo5_tls_size");
    memset(block_a, 0xaa, sizeof block_a);
    memset(block_b, 0x55, sizeof block_b);

    uintptr_t a = (uintptr_t)block_a, b = (uintptr_t)block_b;
    uintptr_t tp_a = solo5_tls_tp_offset(a), tp_b = solo5_tls_tp_offset(b);
    if (solo5_tls_init(a + 8) != SOLO5_R_EINVAL)
        return failed("misaligned block accepted");
    if (solo5_tls_init(a) != SOLO5_R_OK || solo5_tls_init(b) != SOLO5_R_OK)
        return failed("solo5_tls_init");
    if (solo5_set_tls_base(tp_a) != SOLO5_R_OK)
        return failed("solo5_set_tls_base");
    const char *bad = check_fresh(a, tp_a);
    if (bad)
        return failed(bad);
    counter = 1;
    zeros[3] = 7;
    hidden = 5;
    tag[0] = 'S';

    if (solo5_set_tls_base(tp_b) != SOLO5_R_OK)
        return failed("solo5_set_tls_base (second block)");
    bad = check_fresh(b, tp_b);
    if (bad)
        return failed(bad);
    counter = 2;

    if (solo5_set_tls_base(tp_a) != SOLO5_R_OK)
        return failed("solo5_set_tls_base (back)");
    if (counter != 1 || zeros[3] != 7 || hidden != 5 || tag[0] != 'S')
        return failed("writes did not stay in their block");
    if (solo5_set_tls_base(0x800000000000ull) != SOLO5_R_EINVAL)
        return failed("non-canonical base accepted");
    skiff_printf("tls ok (block %zu bytes)\n", size);
    return 0;
}
