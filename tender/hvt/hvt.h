/*
 * hvt backend internals, shared by the backend (hvt.c), the hypercall
 * handlers (hvt_hypercall.c), the vCPU thread's seccomp filter
 * (hvt_seccomp.c) and the architecture part (x86_64/, behind hvt_arch.h).
 */
#ifndef SKIFF_HVT_H
#define SKIFF_HVT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/filter.h>
#include <linux/kvm.h>

#include "backend.h"
#include "vm.h"

/* Tag of the cancel eventfd in vm->epoll_fd (NIC i is tagged i, the timer
 * UINT64_MAX), so a POLL hypercall wakes up when main stops the guest. */
#define SKIFF_HVT_CANCEL_TAG (UINT64_MAX - 1)

struct hvt {
    struct skiff_vm *vm;
    int kvm_fd, vm_fd, vcpu_fd;
    struct kvm_run *run; /* the vCPU's shared page(s) */
    size_t run_size;
    int cancel_fd;          /* eventfd in vm->epoll_fd */
    atomic_bool cancel;     /* main asked the vCPU thread to stop */
    struct sock_fprog prog; /* the vCPU thread's compiled allowlist */

    bool direct_closed; /* direct mode: the NICs were closed (graceful stop) */

    pthread_t thread;
    bool thread_live;     /* created and not yet joined */
    struct skiff_end end; /* written by the vCPU thread before it exits */
};

/* What a hypercall handler decided. */
enum hvt_hc_result {
    HVT_HC_CONTINUE, /* resume the guest */
    HVT_HC_END,      /* the guest is done: h->end says how */
};

/* Serve hypercall `nr` whose argument block is at `gpa`. */
enum hvt_hc_result skiff_hvt_hypercall(struct hvt *h, unsigned nr, uint64_t gpa);

/* Build the vCPU thread's seccomp allowlist into h->prog. 0 or -1. */
int skiff_hvt_seccomp_build(struct hvt *h);

/* Add what main does to the vCPU thread (cancel it) to main's allowlist. */
int skiff_hvt_main_rules(const struct skiff_vm *vm, scmp_filter_ctx ctx);

/* Record how the guest ended (first record wins). */
void skiff_hvt_end_exit(struct hvt *h, int status);
__attribute__((format(printf, 2, 3))) void skiff_hvt_end_error(struct hvt *h, const char *fmt, ...);

#endif /* SKIFF_HVT_H */
