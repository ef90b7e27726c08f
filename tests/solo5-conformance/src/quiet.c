/* The bindings consume leading --solo5:LEVEL words: the application sees
 * only the rest of the command line. */
#include "util.h"

int solo5_app_main(const struct solo5_start_info *si)
{
    put("cmdline=[");
    put(si->cmdline);
    put("]\n");
    if (strlen(si->cmdline) != 8 || memcmp(si->cmdline, "app args", 8) != 0)
        return verdict("quiet", "--solo5: options reached the application");
    return verdict("quiet", NULL);
}
