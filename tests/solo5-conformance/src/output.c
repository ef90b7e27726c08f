/* Console output arrives complete and in order: 64 numbered lines of 100
 * bytes each (the runner checks every line), then one write of 8 KiB. */
#include "util.h"

static char big[8192];

int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    char line[101];
    for (unsigned n = 0; n < 64; n++) {
        for (unsigned i = 0; i < 99; i++)
            line[i] = (char)('a' + (n + i) % 26);
        line[0] = (char)('0' + n / 10);
        line[1] = (char)('0' + n % 10);
        line[99] = '\n';
        solo5_console_write(line, 100);
    }
    for (unsigned i = 0; i < sizeof big; i++)
        big[i] = (char)('A' + i % 26);
    big[sizeof big - 1] = '\n';
    solo5_console_write(big, sizeof big);
    return verdict("output", NULL);
}
