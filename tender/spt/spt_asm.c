/*
 * Inline assembly for the spt backend, kept in one file so the rest of the
 * tender is plain C. x86_64 System V only.
 */
#include "spt_asm.h"

#include <sys/syscall.h>

_Noreturn void skiff_spt_enter(uint64_t entry, uint64_t stack_top, uint64_t arg)
{
    /* After the pushed fake return address rsp is 8 mod 16, as a called
     * function expects; rbp = 0 ends frame-pointer walks in debuggers. */
    __asm__ volatile("mov %[sp], %%rsp\n\t"
                     "xor %%ebp, %%ebp\n\t"
                     "cld\n\t"
                     "pushq $0\n\t"
                     "jmp *%[entry]\n\t"
                     :
                     : [sp] "r"(stack_top), [entry] "r"(entry), "D"(arg)
                     : "memory");
    __builtin_unreachable();
}

long skiff_spt_raw_write(int fd, const void *buf, unsigned long len)
{
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"((long)SYS_write), "D"((long)fd), "S"(buf), "d"(len)
                     : "rcx", "r11", "memory");
    return ret;
}

_Noreturn void skiff_spt_raw_exit_thread(void)
{
    for (;;)
        __asm__ volatile("syscall" : : "a"((long)SYS_exit), "D"(0L) : "rcx", "r11", "memory");
}
