/*
 * x86_64 privileged instructions the hvt guest uses: port output (hypercalls
 * and kicks), the time-stamp counter, and MSR writes. The hvt guest runs in
 * ring 0 of its own VM, so these are plain instructions.
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

static inline void cpu_wrmsr(uint32_t msr, uint64_t value)
{
    __asm__ __volatile__("wrmsr"
                         :
                         : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
                         : "memory");
}

static inline void cpu_halt_forever(void)
{
    for (;;)
        __asm__ __volatile__("cli\n\thlt");
}

#endif /* SKIFF_HVT_PIO_H */
