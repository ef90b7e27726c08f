/*
 * The few things spt needs that C cannot say: entering the guest on its own
 * stack, and raw system calls for signal handlers on the guest thread (no
 * libc, no errno, no sanitizer hooks: exactly the calls seccomp allows).
 */
#ifndef SKIFF_SPT_ASM_H
#define SKIFF_SPT_ASM_H

#include <stdint.h>

/* Switch to stack_top and jump to entry with rdi = arg. Never returns; a
 * guest that returns from its entry point jumps to address 0 and faults. */
_Noreturn void skiff_spt_enter(uint64_t entry, uint64_t stack_top, uint64_t arg);

/* write(2) without libc. Returns the raw kernel result (-errno on error). */
long skiff_spt_raw_write(int fd, const void *buf, unsigned long len);

/* End the calling thread only (SYS_exit, not exit_group). */
_Noreturn void skiff_spt_raw_exit_thread(void);

#endif /* SKIFF_SPT_ASM_H */
