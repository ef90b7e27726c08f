/* Thread-local storage: two blocks set up with the TLS helpers, switched
 * with solo5_set_tls_base, keep separate values of .tdata and .tbss
 * variables. */
#include "util.h"

static __thread volatile uint64_t tdata_var = 0xc0ffee;
static __thread volatile uint64_t tbss_var;

static uint8_t blocks[2][4096] __attribute__((aligned(64)));

int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    if (solo5_tls_size() > sizeof blocks[0])
        return verdict("tls", "TLS block larger than expected");
    for (int i = 0; i < 2; i++)
        if (solo5_tls_init((uintptr_t)blocks[i]) != SOLO5_R_OK)
            return verdict("tls", "solo5_tls_init failed");
    for (int i = 0; i < 2; i++) {
        if (solo5_set_tls_base(solo5_tls_tp_offset((uintptr_t)blocks[i])) != SOLO5_R_OK)
            return verdict("tls", "solo5_set_tls_base failed");
        if (tdata_var != 0xc0ffee || tbss_var != 0)
            return verdict("tls", "fresh block lacks initial values");
        tdata_var = 100 + (uint64_t)i;
        tbss_var = 200 + (uint64_t)i;
    }
    for (int i = 0; i < 2; i++) {
        solo5_set_tls_base(solo5_tls_tp_offset((uintptr_t)blocks[i]));
        if (tdata_var != 100 + (uint64_t)i || tbss_var != 200 + (uint64_t)i)
            return verdict("tls", "blocks are not separate");
    }
    if (solo5_tls_init(0) != SOLO5_R_EINVAL)
        return verdict("tls", "solo5_tls_init(0) accepted");
    if (solo5_set_tls_base(0x8000000000000000ull) != SOLO5_R_EINVAL)
        return verdict("tls", "non-canonical TLS base accepted");
    return verdict("tls", NULL);
}
