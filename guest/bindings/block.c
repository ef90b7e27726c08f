/*
 * Solo5's block API over the devices in the boot info. The checks Solo5
 * documents (alignment, whole blocks, inside the device) are made here; the
 * tender (hvt) or the seccomp filter (spt) enforces the bounds again, since
 * nothing the guest checks can be trusted.
 */
#include "skiff/rt.h"

#include "bindings.h"
#include "hc.h"

static bool acquired[SKIFF_MAX_BLOCKS];

static const struct skiff_boot_block *block_get(solo5_handle_t handle, unsigned *index)
{
    if (skiff_boot == NULL || handle < SKIFF_BLOCK_HANDLE_BASE)
        return NULL;
    uint64_t i = handle - SKIFF_BLOCK_HANDLE_BASE;
    if (i >= skiff_boot->block_count || i >= SKIFF_MAX_BLOCKS || !acquired[i])
        return NULL;
    *index = (unsigned)i;
    return &skiff_boot->blocks[i];
}

solo5_result_t solo5_block_acquire(const char *name, solo5_handle_t *handle,
                                   struct solo5_block_info *info)
{
    if (skiff_boot == NULL || name == NULL || handle == NULL || info == NULL)
        return SOLO5_R_EINVAL;
    for (unsigned i = 0; i < skiff_boot->block_count && i < SKIFF_MAX_BLOCKS; i++) {
        const struct skiff_boot_block *b = &skiff_boot->blocks[i];
        if (strncmp(b->name, name, sizeof b->name) != 0)
            continue;
        if (acquired[i])
            return SOLO5_R_EINVAL;
        acquired[i] = true;
        *handle = SKIFF_BLOCK_HANDLE_BASE + i;
        info->capacity = b->capacity;
        info->block_size = b->block_size;
        return SOLO5_R_OK;
    }
    return SOLO5_R_EINVAL;
}

static solo5_result_t block_io(solo5_handle_t handle, solo5_off_t offset, void *buf, size_t size,
                               int write)
{
    unsigned index;
    const struct skiff_boot_block *b = block_get(handle, &index);
    if (b == NULL || buf == NULL || b->block_size == 0)
        return SOLO5_R_EINVAL;
    uint64_t bs = b->block_size;
    if (size == 0 || size % bs != 0 || offset % bs != 0 || offset > b->capacity ||
        size > b->capacity - offset)
        return SOLO5_R_EINVAL;
    if (write && (b->flags & SKIFF_BLOCK_F_RO))
        return SOLO5_R_EUNSPEC;
    return hc_block_io(index, write, offset, buf, size) == 0 ? SOLO5_R_OK : SOLO5_R_EUNSPEC;
}

solo5_result_t solo5_block_write(solo5_handle_t handle, solo5_off_t offset, const uint8_t *buf,
                                 size_t size)
{
    /* the buffer is only read: hc_block_io takes one pointer type */
    return block_io(handle, offset, (void *)(uintptr_t)buf, size, 1);
}

solo5_result_t solo5_block_read(solo5_handle_t handle, solo5_off_t offset, uint8_t *buf,
                                size_t size)
{
    return block_io(handle, offset, buf, size, 0);
}
