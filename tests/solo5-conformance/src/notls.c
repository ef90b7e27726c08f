/* An image without thread-local variables: the TLS helpers still work (a
 * block holds just the thread pointer's self-reference). */
#include "util.h"

static uint8_t block[64] __attribute__((aligned(64)));

int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    size_t n = solo5_tls_size();
    if (n == 0 || n > sizeof block)
        return verdict("notls", "unexpected TLS size");
    if (solo5_tls_init((uintptr_t)block) != SOLO5_R_OK)
        return verdict("notls", "solo5_tls_init failed");
    if (solo5_set_tls_base(solo5_tls_tp_offset((uintptr_t)block)) != SOLO5_R_OK)
        return verdict("notls", "solo5_set_tls_base failed");
    return verdict("notls", NULL);
}
