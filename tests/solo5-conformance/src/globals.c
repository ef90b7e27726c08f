/* Initialised data keeps its values, bss starts zeroed, both are writable. */
#include "util.h"

static uint64_t data_word = 0x0123456789abcdefull;
static char data_str[] = "initialised";
static uint64_t bss_words[1024];
static const uint32_t rodata_table[4] = { 1, 2, 3, 5 };

int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    if (data_word != 0x0123456789abcdefull || memcmp(data_str, "initialised", 12) != 0)
        return verdict("globals", "data lost its initial value");
    for (unsigned i = 0; i < 1024; i++)
        if (bss_words[i] != 0)
            return verdict("globals", "bss not zeroed");
    data_word++;
    bss_words[1023] = rodata_table[3];
    if (data_word != 0x0123456789abcdf0ull || bss_words[1023] != 5)
        return verdict("globals", "data or bss not writable");
    return verdict("globals", NULL);
}
