/* A manifest of 63 block devices (Solo5's maximum): the first and the last
 * are acquired and read. */
#include "util.h"

static uint8_t block[512];

int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    static const char *const names[2] = { "storage0", "storage62" };
    for (int i = 0; i < 2; i++) {
        solo5_handle_t h;
        struct solo5_block_info bi;
        if (solo5_block_acquire(names[i], &h, &bi) != SOLO5_R_OK)
            return verdict("maxdev", "cannot acquire a device");
        if (bi.block_size != 512 || solo5_block_read(h, 0, block, 512) != SOLO5_R_OK)
            return verdict("maxdev", "cannot read a device");
    }
    return verdict("maxdev", NULL);
}
