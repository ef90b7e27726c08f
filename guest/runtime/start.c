/*
 * Guest entry. The tender starts the guest at _start with rdi = address of
 * the boot info and rsp = the boot info's stack_top. We check the boot info,
 * bring up the console and the bindings, run the application, and exit with
 * its return value.
 */
#include "skiff/abi.h"
#include "skiff/rt.h"
#include "solo5.h"

#include "../bindings/bindings.h"
#include "../bindings/hc.h"

_Noreturn void skiff_start(struct skiff_boot_info *bi);

/*
 * The tender may jump here (stack_top 16-aligned, no return address) or call
 * here; either way realign so skiff_start sees the System V stack layout.
 * rbp = 0 ends frame-pointer backtraces; cld is what the ABI promises C code.
 */
__asm__(".text\n"
        ".globl _start\n"
        ".type _start, @function\n"
        "_start:\n"
        "\txorl %ebp, %ebp\n"
        "\tandq $-16, %rsp\n"
        "\tcld\n"
        "\tcall skiff_start\n"
        "\tud2\n"
        ".size _start, . - _start\n");

static struct solo5_start_info start_info;

_Noreturn void skiff_start(struct skiff_boot_info *bi)
{
    /* Without the magic nothing in *bi can be trusted, not even the
     * console fd: leave without touching it. */
    if (bi == NULL || bi->magic != SKIFF_BOOT_MAGIC)
        hc_early_fail();
    skiff_ssp_init();
    const char *err = hc_init(bi);
    if (bi->abi_version != SKIFF_ABI_VERSION)
        skiff_fatal("boot info: ABI version mismatch");
    if (bi->target != SKIFF_GUEST_TARGET)
        skiff_fatal("boot info: image built for another target");
    if (err != NULL)
        skiff_fatal(err);

    skiff_bindings_init(bi);

    start_info.cmdline = bi->cmdline != 0 ? (const char *)(uintptr_t)bi->cmdline : "";
    start_info.heap_start = (uintptr_t)bi->heap_start;
    start_info.heap_size =
        bi->heap_end > bi->heap_start ? (size_t)(bi->heap_end - bi->heap_start) : 0;

    solo5_exit(solo5_app_main(&start_info));
}
