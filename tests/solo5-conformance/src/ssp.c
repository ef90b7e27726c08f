/* A smashed stack canary ends the guest through the bindings' failure path
 * ("ABORT", status 255); returning normally is a failure. */
#include "util.h"

static volatile size_t overrun = 64;

__attribute__((noinline)) static void smash(void)
{
    char buf[16];
    /* volatile length: the compiler cannot prove the overflow */
    memset(buf, 'x', sizeof buf + overrun);
    put(buf[0] == 'x' ? "smashed\n" : "?\n");
}

int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    smash();
    return verdict("ssp", "stack smashing not detected");
}
