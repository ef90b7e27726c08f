/*
 * x86_64 instructions the hvt guest uses to reach its tender: port output
 * (hypercalls and kicks; the TSS I/O bitmap opens those ports), the
 * time-stamp counter and wrfsbase. The guest runs at CPL 3 of its own VM
 * (see the tender's hvt/x86_64/lowmem.h): hlt, cli and wrmsr would fault.
 */
#ifndef SKIFF_HVT_PIO_H
#define SKIFF_HVT_PIO_H

#include <stdint.h>

static inline void pio_outl(uint16_t port, uint32_t value)
{
    __asm__ __volatile__("outl %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

static inline uint64_t cpu_rdtsc(void)
{
    uint32_t lo, hi;
    /* lfence keeps the read from being hoisted above earlier loads. */
    __asm__ __volatile__("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    return ((uint64_t)hi << 32) | lo;
}

/* Only when the tender set SKIFF_HVT_F_WRFSBASE (CR4.FSGSBASE on). */
static inline void cpu_wrfsbase(uint64_t base)
{
    __asm__ __volatile__("wrfsbase %0" : : "r"(base) : "memory");
}

/* After HALT the tender never resumes the vCPU; if it did, stay here. */
static inline void cpu_halt_forever(void)
{
    for (;;)
        __asm__ __volatile__("pause");
}

#endif /* SKIFF_HVT_PIO_H */
