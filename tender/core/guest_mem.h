/*
 * Guest memory: mapping, image loading, the boot info, the per-NIC rings at
 * the top, and the notification fds the guest gets. Layout constants are in
 * layout.h; the picture is in docs/architecture.md.
 */
#ifndef SKIFF_GUEST_MEM_H
#define SKIFF_GUEST_MEM_H

#include <stdint.h>

#include "core/vm.h"

/*
 * Map guest memory (from 1 MiB at host address == gpa if vm->mem_at_gpa,
 * else all of [0, mem_size) anywhere; a shared memfd if the backend says
 * mem_shared), load the image, lay out boot info, command line, heap,
 * stack and rings, create the guest's fds and fill the boot info.
 * vm->nics[] must already carry name, index, mac, mtu and packet fd.
 * Prints a one-line error and returns -1 on failure (the caller still calls
 * skiff_mem_teardown).
 */
int skiff_mem_setup(struct skiff_vm *vm, const char *cmdline);

/* Host pointer for gpa range [gpa, gpa+len), NULL if outside guest memory. */
void *skiff_gpa_ptr(const struct skiff_vm *vm, uint64_t gpa, uint64_t len);

/* Close the guest's fds. Unmap guest memory too if `unmap` (false when the
 * guest could not be stopped and might still touch it). Idempotent. */
void skiff_mem_teardown(struct skiff_vm *vm, bool unmap);

#endif /* SKIFF_GUEST_MEM_H */
