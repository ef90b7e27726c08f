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
#include <time.h>

#include <linux/filter.h>
#include <linux/kvm.h>

#include "core/backend.h"
#include "core/vm.h"

/* Tag of the cancel eventfd in vm->epoll_fd (NIC i is tagged i, the timer
 * UINT64_MAX), so a POLL hypercall wakes up when main stops the guest. */
#define SKIFF_HVT_CANCEL_TAG (UINT64_MAX - 1)

struct hvt {
    struct skiff_vm *vm;
    int kvm_fd, vm_fd, vcpu_fd;
    struct kvm_run *run; /* the vCPU's shared page(s) */
    size_t run_size;
    int cancel_fd;          /* eventfd in vm->epoll_fd; one-thread mode: a timerfd */
    bool single;            /* no vCPU thread: main runs the guest (hvt_single.c) */
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

/* One KVM_RUN and the exit it ends with. false: the guest is done (h->end
 * says how); true: run it again (also after a signal interrupted it). */
bool skiff_hvt_vcpu_step(struct hvt *h);

/* One-thread mode (hvt_single.c, the backend's single_* operations). */
void skiff_hvt_single_signals(void);
void skiff_hvt_single_attach(struct hvt *h); /* the handlers may touch h now */
void skiff_hvt_single_detach(void);          /* ... and no longer */
int skiff_hvt_single_run(struct skiff_vm *vm, int grace_ms, int *first_sig);
/* The wall clock without clock_gettime(2) (one timerfd_settime). 0 or -1. */
int skiff_hvt_single_wall(struct timespec *ts);

/* Serve hypercall `nr` whose argument block is at `gpa`. */
enum hvt_hc_result skiff_hvt_hypercall(struct hvt *h, unsigned nr, uint64_t gpa);

/* Build the vCPU thread's seccomp allowlist into h->prog. 0 or -1. */
int skiff_hvt_seccomp_build(struct hvt *h);

/* Add what main does to the vCPU thread (cancel it) to main's allowlist. */
int skiff_hvt_main_rules(const struct skiff_vm *vm, scmp_filter_ctx ctx);

/* Record how the guest ended (first record wins): its own status; an error
 * that ends the tender with 255 (a guest fault, as Solo5's "ABORT"); or one
 * with another status (1: what Solo5's hvt ends with when it cannot serve
 * the guest). */
void skiff_hvt_end_exit(struct hvt *h, int status);
__attribute__((format(printf, 2, 3))) void skiff_hvt_end_error(struct hvt *h, const char *fmt, ...);
__attribute__((format(printf, 3, 4))) void skiff_hvt_end_status(struct hvt *h, int status,
                                                                const char *fmt, ...);

#endif /* SKIFF_HVT_H */
