/*
 * Block device "storage": every block written with its own pattern and read
 * back, the last block, two blocks in one call, and the errors Solo5
 * promises (SOLO5_R_EINVAL for a bad size, a misaligned offset, a range past
 * the end, an unknown or second acquire). With the word "ro" on the command
 * line the device must be read-only: reads work, writes fail. The runner
 * checks the file afterwards.
 */
#include "util.h"

static uint8_t buf[2 * 65536], back[2 * 65536];

static void fill(uint8_t *p, size_t n, uint64_t block)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(block * 7 + i * 13 + (i >> 8));
}

int solo5_app_main(const struct solo5_start_info *si)
{
    solo5_handle_t h, h2;
    struct solo5_block_info bi;
    int ro = strlen(si->cmdline) == 2 && memcmp(si->cmdline, "ro", 2) == 0;

    if (solo5_block_acquire("nosuch", &h, &bi) != SOLO5_R_EINVAL)
        return verdict("blk", "unknown device acquired");
    if (solo5_block_acquire("storage", &h, &bi) != SOLO5_R_OK)
        return verdict("blk", "cannot acquire storage");
    if (solo5_block_acquire("storage", &h2, &bi) != SOLO5_R_EINVAL)
        return verdict("blk", "storage acquired twice");
    put("capacity ");
    put_u64(bi.capacity);
    put(" block_size ");
    put_u64(bi.block_size);
    put("\n");
    size_t bs = (size_t)bi.block_size;
    if (bs < 512 || bs > 65536 || bi.capacity < 4 * bs || bi.capacity % bs != 0)
        return verdict("blk", "implausible geometry");
    uint64_t blocks = bi.capacity / bs;

    if (ro) {
        if (solo5_block_read(h, 0, back, bs) != SOLO5_R_OK)
            return verdict("blk", "read-only device: read failed");
        fill(buf, bs, 0);
        if (solo5_block_write(h, 0, buf, bs) == SOLO5_R_OK)
            return verdict("blk", "read-only device accepted a write");
        return verdict("blk", NULL);
    }
    for (uint64_t b = 0; b < blocks; b++) {
        fill(buf, bs, b);
        if (solo5_block_write(h, b * bs, buf, bs) != SOLO5_R_OK)
            return verdict("blk", "write failed");
    }
    for (uint64_t b = blocks; b-- > 0;) {
        fill(buf, bs, b);
        memset(back, 0, bs);
        if (solo5_block_read(h, b * bs, back, bs) != SOLO5_R_OK)
            return verdict("blk", "read failed");
        if (memcmp(buf, back, bs) != 0)
            return verdict("blk", "data read back differs");
    }
    /* two blocks at once (skiff accepts more than one) */
    if (solo5_block_read(h, bs, back, 2 * bs) != SOLO5_R_OK)
        return verdict("blk", "two-block read failed");
    fill(buf, bs, 1);
    fill(buf + bs, bs, 2);
    if (memcmp(buf, back, 2 * bs) != 0)
        return verdict("blk", "two-block read differs");
    /* what Solo5 refuses */
    if (solo5_block_write(h, bi.capacity, buf, bs) != SOLO5_R_EINVAL ||
        solo5_block_read(h, bi.capacity, buf, bs) != SOLO5_R_EINVAL)
        return verdict("blk", "I/O past the end accepted");
    if (solo5_block_read(h, bi.capacity - bs, buf, 2 * bs) != SOLO5_R_EINVAL)
        return verdict("blk", "I/O running past the end accepted");
    if (solo5_block_write(h, 0, buf, bs - 1) != SOLO5_R_EINVAL ||
        solo5_block_read(h, 0, buf, bs + 1) != SOLO5_R_EINVAL ||
        solo5_block_read(h, 0, buf, 0) != SOLO5_R_EINVAL)
        return verdict("blk", "partial block accepted");
    if (solo5_block_write(h, bs - 1, buf, bs) != SOLO5_R_EINVAL ||
        solo5_block_read(h, 1, buf, bs) != SOLO5_R_EINVAL)
        return verdict("blk", "misaligned offset accepted");
    if (solo5_block_read(h + 1, 0, buf, bs) != SOLO5_R_EINVAL)
        return verdict("blk", "bad handle accepted");
    /* leave a marker the runner checks in the file: block 0 = 0x5a */
    memset(buf, 0x5a, bs);
    if (solo5_block_write(h, 0, buf, bs) != SOLO5_R_OK)
        return verdict("blk", "final write failed");
    return verdict("blk", NULL);
}
