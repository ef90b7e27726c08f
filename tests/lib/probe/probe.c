/* The actions every probe guest knows (see probe.h). */
#include "probe.h"

#include <stdint.h>

#include "skiff/rt.h"

bool probe_starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

bool probe_common(const char *name, const struct solo5_start_info *si, int *status)
{
    const char *cmd = si->cmdline;

    if (probe_starts(cmd, "exit ")) {
        int n = 0;
        for (const char *p = cmd + 5; *p >= '0' && *p <= '9'; p++)
            n = n * 10 + (*p - '0');
        *status = n;
        return true;
    }
    if (probe_starts(cmd, "echo")) {
        skiff_printf("%s: cmdline \"%s\" heap %zu\n", name, cmd, si->heap_size);
        *status = 0;
        return true;
    }
    if (strcmp(cmd, "fault") == 0) {
        volatile uintptr_t low = 0x10; /* opaque, so the compiler lets us */
        *(volatile int *)low = 1;
    }
    if (strcmp(cmd, "wx") == 0)
        *(volatile uint8_t *)(uintptr_t)&solo5_app_main = 0xc3;
    if (strcmp(cmd, "sleep") == 0)
        for (;;)
            solo5_yield(solo5_clock_monotonic() + 1000000000ull, NULL);
    return false;
}
