/*
 * Solo5's TLS helpers. x86_64 uses TLS variant II: the block ends at the
 * thread pointer, every variable sits at a fixed negative offset from it
 * (local-exec: the guest is one static image), and the word at the thread
 * pointer holds its own address. The linker computes those offsets from the
 * PT_TLS segment as `offset in segment - round_up(memsz, align)`, so the
 * block is exactly that long; guest.ld describes the segment.
 */
#include <stdint.h>

#include "skiff/rt.h"
#include "solo5.h"

/* From guest/guest.ld: the .tdata template and the PT_TLS geometry (sizes
 * are symbol values, not addresses). */
extern const char __skiff_tls_start[], __skiff_tls_filesz[], __skiff_tls_memsz[],
    __skiff_tls_align[];

static uintptr_t tls_align(void)
{
    uintptr_t a = (uintptr_t)__skiff_tls_align;
    return a ? a : 1;
}

/* Bytes from the block's start to the thread pointer. */
static uintptr_t tls_block(void)
{
    uintptr_t a = tls_align();
    return ((uintptr_t)__skiff_tls_memsz + a - 1) / a * a;
}

size_t solo5_tls_size(void)
{
    return tls_block() + sizeof(uintptr_t);
}

uintptr_t solo5_tls_tp_offset(uintptr_t tls)
{
    return tls + tls_block();
}

solo5_result_t solo5_tls_init(uintptr_t tls)
{
    if (tls == 0 || tls % tls_align() != 0)
        return SOLO5_R_EINVAL;
    size_t filesz = (size_t)(uintptr_t)__skiff_tls_filesz;
    uintptr_t tp = solo5_tls_tp_offset(tls);
    memcpy((void *)tls, __skiff_tls_start, filesz);
    memset((char *)tls + filesz, 0, tls_block() - filesz);
    memcpy((void *)tp, &tp, sizeof tp); /* may be unaligned: memcpy */
    return SOLO5_R_OK;
}
