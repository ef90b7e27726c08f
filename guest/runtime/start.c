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

/* How chatty the bindings are (--solo5:LEVEL); they print only errors
 * today, so every level behaves the same. */
static int log_level = 2;

/*
 * Leading "--solo5:quiet|error|warn|info|debug" words of the command line
 * are for the bindings, as in Solo5: consume them (each must be followed by
 * a space or the end) and hand the rest to the application.
 */
static const char *consume_solo5_options(const char *p)
{
    static const char *const levels[] = { "quiet", "error", "warn", "info", "debug" };
    static const int level_of[] = { 1, 1, 2, 3, 4 };
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncmp(p, "--solo5:", 8) != 0)
            return p;
        const char *w = p + 8;
        unsigned i;
        size_t n = 0;
        for (i = 0; i < sizeof levels / sizeof levels[0]; i++) {
            n = strlen(levels[i]);
            if (strncmp(w, levels[i], n) == 0 && (w[n] == '\0' || w[n] == ' ' || w[n] == '\t'))
                break;
        }
        if (i == sizeof levels / sizeof levels[0])
            return p; /* not ours: the application's */
        log_level = level_of[i];
        p = w + n;
    }
}

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

    start_info.cmdline =
        consume_solo5_options(bi->cmdline != 0 ? (const char *)(uintptr_t)bi->cmdline : "");
    (void)log_level;
    start_info.heap_start = (uintptr_t)bi->heap_start;
    start_info.heap_size =
        bi->heap_end > bi->heap_start ? (size_t)(bi->heap_end - bi->heap_start) : 0;

    solo5_exit(solo5_app_main(&start_info));
}
