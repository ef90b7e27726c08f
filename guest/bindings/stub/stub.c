/*
 * The "stub" bindings (-z solo5-abi=stub, the toolchain's default link):
 * every API call fails or does nothing. They let configure-style link tests
 * of a build system succeed without choosing a target; an image linked with
 * them carries no ABI note, so no tender runs it.
 */
#include "elf_abi.h"
#include "solo5.h"

DECLARE_ELF_INTERP

uintptr_t __stack_chk_guard = 0x00000aff0a0d0000ull;

_Noreturn void __stack_chk_fail(void);
_Noreturn void _start(void);

_Noreturn void __stack_chk_fail(void)
{
    for (;;)
        __builtin_trap();
}

_Noreturn void _start(void)
{
    for (;;)
        __builtin_trap();
}

_Noreturn void solo5_exit(int status)
{
    (void)status;
    __stack_chk_fail();
}

_Noreturn void solo5_abort(void)
{
    __stack_chk_fail();
}

solo5_time_t solo5_clock_monotonic(void)
{
    return 0;
}

solo5_time_t solo5_clock_wall(void)
{
    return 0;
}

void solo5_yield(solo5_time_t deadline, solo5_handle_set_t *ready_set)
{
    (void)deadline;
    if (ready_set != NULL)
        *ready_set = 0;
}

void solo5_console_write(const char *buf, size_t size)
{
    (void)buf;
    (void)size;
}

solo5_result_t solo5_net_acquire(const char *name, solo5_handle_t *handle,
                                 struct solo5_net_info *info)
{
    (void)name;
    (void)handle;
    (void)info;
    return SOLO5_R_EUNSPEC;
}

solo5_result_t solo5_net_write(solo5_handle_t handle, const uint8_t *buf, size_t size)
{
    (void)handle;
    (void)buf;
    (void)size;
    return SOLO5_R_EUNSPEC;
}

solo5_result_t solo5_net_read(solo5_handle_t handle, uint8_t *buf, size_t size, size_t *read_size)
{
    (void)handle;
    (void)buf;
    (void)size;
    (void)read_size;
    return SOLO5_R_EUNSPEC;
}

solo5_result_t solo5_net_queue(solo5_handle_t handle, const uint8_t *buf, size_t size)
{
    (void)handle;
    (void)buf;
    (void)size;
    return SOLO5_R_EUNSPEC;
}

solo5_result_t solo5_net_flush(solo5_handle_t handle)
{
    (void)handle;
    return SOLO5_R_EUNSPEC;
}

solo5_result_t solo5_net_wait_space(solo5_handle_t handle, solo5_time_t deadline)
{
    (void)handle;
    (void)deadline;
    return SOLO5_R_EUNSPEC;
}

solo5_result_t solo5_net_read_batch(solo5_handle_t handle, struct solo5_net_frame *frames, size_t n,
                                    size_t *count)
{
    (void)handle;
    (void)frames;
    (void)n;
    (void)count;
    return SOLO5_R_EUNSPEC;
}

uint32_t solo5_net_features(solo5_handle_t handle)
{
    (void)handle;
    return 0;
}

solo5_result_t solo5_block_acquire(const char *name, solo5_handle_t *handle,
                                   struct solo5_block_info *info)
{
    (void)name;
    (void)handle;
    (void)info;
    return SOLO5_R_EUNSPEC;
}

solo5_result_t solo5_block_write(solo5_handle_t handle, solo5_off_t offset, const uint8_t *buf,
                                 size_t size)
{
    (void)handle;
    (void)offset;
    (void)buf;
    (void)size;
    return SOLO5_R_EUNSPEC;
}

solo5_result_t solo5_block_read(solo5_handle_t handle, solo5_off_t offset, uint8_t *buf,
                                size_t size)
{
    (void)handle;
    (void)offset;
    (void)buf;
    (void)size;
    return SOLO5_R_EUNSPEC;
}

size_t solo5_tls_size(void)
{
    return 0;
}

uintptr_t solo5_tls_tp_offset(uintptr_t tls)
{
    return tls;
}

solo5_result_t solo5_tls_init(uintptr_t tls)
{
    (void)tls;
    return SOLO5_R_EUNSPEC;
}

solo5_result_t solo5_set_tls_base(uintptr_t base)
{
    (void)base;
    return SOLO5_R_EUNSPEC;
}
