/*
 * Finding a function of the kernel's vDSO in the guest process, so the spt
 * guest reads its clocks without a system call (docs/architecture.md, "spt
 * clocks").
 */
#ifndef SKIFF_SPT_LOADER_VDSO_H
#define SKIFF_SPT_LOADER_VDSO_H

#include <stdint.h>

/* The address of the vDSO's dynamic symbol `name`, a defined function,
 * given the initial stack the kernel started the process with (argc at
 * sp[0]); 0 when the process has no vDSO or the vDSO lacks it. */
uint64_t skiff_vdso_lookup(const uint64_t *sp, const char *name);

#endif
