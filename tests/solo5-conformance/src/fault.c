/*
 * Memory protection, one case per command line word: "zeropage" reads
 * address 0, "exception" reads an unmapped address, "wnox" writes to code,
 * "xnow" executes data, "rnox" executes read-only data. Each must kill the
 * guest; reaching the end is a failure.
 */
#include "util.h"

static uint8_t data_code[16] = { 0xc3 }; /* ret */
static const uint8_t ro_code[16] = { 0xc3 };

static int is(const char *a, const char *b)
{
    return strlen(a) == strlen(b) && memcmp(a, b, strlen(a)) == 0;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *c = si->cmdline;
    put("fault: ");
    put(c);
    put("\n");
    if (is(c, "zeropage"))
        (void)*(volatile uint64_t *)(uintptr_t)0;
    else if (is(c, "exception"))
        (void)*(volatile uint64_t *)(uintptr_t)0x7fffffff000ull;
    else if (is(c, "wnox"))
        *(volatile uint8_t *)(uintptr_t)&solo5_app_main = 0xcc;
    else if (is(c, "xnow"))
        ((void (*)(void))(uintptr_t)data_code)();
    else if (is(c, "rnox"))
        ((void (*)(void))(uintptr_t)ro_code)();
    else
        return verdict("fault", "unknown case");
    return verdict("fault", "the access did not fault");
}
