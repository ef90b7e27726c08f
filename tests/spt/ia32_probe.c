/* Does this kernel run 32-bit system calls (int $0x80) from a 64-bit
 * process? Exit 0 if getpid through int $0x80 answers, killed by SIGSEGV
 * if the kernel refuses the instruction (ia32 emulation off: a kernel
 * built or booted without it, or a guest kernel that disables it). The
 * spt hostile test expects the guest's int $0x80 to end in SIGSYS where
 * the call exists and in SIGSEGV where it does not. */
#include <unistd.h>

int main(void)
{
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
    return r == (long)getpid() ? 0 : 1;
}
