/* The per-run state: a known "nothing set up yet" value for teardown. */
#include "core/vm.h"

#include <string.h>

void skiff_vm_init(struct skiff_vm *vm)
{
    memset(vm, 0, sizeof *vm);
    vm->epoll_fd = vm->timer_fd = vm->console_fd = vm->exit_fd = -1;
    vm->mem_fd = vm->closed_rd = vm->closed_wr = vm->end_fd = -1;
    for (unsigned i = 0; i < SKIFF_MAX_BLOCKS; i++)
        vm->blocks[i].fd = -1;
    for (unsigned i = 0; i < SKIFF_MAX_NICS; i++) {
        vm->nics[i].fd = -1;
        vm->nics[i].rx_wake_fd = -1;
        vm->nics[i].tx_kick_fd = -1;
    }
}
