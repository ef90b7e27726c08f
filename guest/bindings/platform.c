/*
 * Solo5 console, clocks, exit and TLS calls: thin wrappers over the
 * hypercall layer.
 */
#include "bindings.h"
#include "hc.h"

void solo5_console_write(const char *buf, size_t size)
{
    hc_console_write(buf, size);
}

solo5_time_t solo5_clock_monotonic(void)
{
    return hc_clock_monotonic();
}

solo5_time_t solo5_clock_wall(void)
{
    return hc_clock_wall();
}

_Noreturn void solo5_exit(int status)
{
    /* Frames queued but never flushed would otherwise be lost. */
    if (skiff_boot != NULL)
        for (unsigned i = 0; i < skiff_boot->nic_count; i++)
            if (skiff_nics[i].acquired)
                solo5_net_flush(i);
    hc_exit(status, NULL);
}

_Noreturn void solo5_abort(void)
{
    hc_exit(SOLO5_EXIT_ABORT, "skiff: ABORT: solo5_abort() called");
}

solo5_result_t solo5_set_tls_base(uintptr_t base)
{
    /* x86_64 only accepts canonical addresses (bits 63..47 all equal). */
    uint64_t top = (uint64_t)base >> 47;
    if (top != 0 && top != 0x1ffff)
        return SOLO5_R_EINVAL;
    return hc_set_tls_base(base) == 0 ? SOLO5_R_OK : SOLO5_R_EUNSPEC;
}
