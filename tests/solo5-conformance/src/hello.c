/* Console output and the command line reach the application unchanged. */
#include "util.h"

int solo5_app_main(const struct solo5_start_info *si)
{
    put("Hello, World\n");
    put("cmdline=[");
    put(si->cmdline);
    put("]\n");
    if (si->heap_start == 0 || si->heap_size < 4096)
        return verdict("hello", "no heap");
    /* The heap is usable memory: write and read back its ends. */
    volatile uint8_t *h = (volatile uint8_t *)si->heap_start;
    h[0] = 0x5a;
    h[si->heap_size - 1] = 0xa5;
    if (h[0] != 0x5a || h[si->heap_size - 1] != 0xa5)
        return verdict("hello", "heap does not hold data");
    return verdict("hello", NULL);
}
