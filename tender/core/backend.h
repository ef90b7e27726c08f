/*
 * The seam between the tender core and a way of running a guest (spt: a
 * seccomp-confined process of its own; hvt: a KVM vCPU thread). A backend
 * launches the guest on memory guest_mem.c prepared, and ends it;
 * everything else (CLI, loader, rings, I/O thread, stats) is shared.
 */
#ifndef SKIFF_BACKEND_H
#define SKIFF_BACKEND_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <seccomp.h>

#include "core/vm.h"

/* How a guest run ended. */
enum skiff_end_kind {
    SKIFF_END_EXIT,      /* guest exited with `status` */
    SKIFF_END_SYSCALL,   /* killed by SIGSYS: forbidden system call `detail` */
    SKIFF_END_FAULT,     /* killed by signal `signo` at `addr`, rip `detail` */
    SKIFF_END_SIGNAL,    /* killed by signal `signo`, cause unknown */
    SKIFF_END_CANCELLED, /* stopped by the tender (signal, shutdown) */
    SKIFF_END_VANISHED,  /* ended without reporting a status */
    SKIFF_END_FAILED,    /* could not be started */
    SKIFF_END_ERROR,     /* killed: the backend says why in `msg` */
};

struct skiff_end {
    enum skiff_end_kind kind;
    int status;      /* EXIT: 0..255 */
    int signo;       /* SYSCALL, FAULT, SIGNAL: the signal (spt: the guest
                      * process died of it, skiff exits 128 + signo) */
    int code;        /* FAULT: si_code (<= 0: sent, not a fault) */
    uint64_t addr;   /* FAULT: faulting address */
    uint64_t detail; /* SYSCALL: number; FAULT: instruction pointer */
    uint32_t arch;   /* SYSCALL: audit arch of the call */
    char msg[256];   /* ERROR, FAILED: one line, no prefix, no newline */
};

struct skiff_backend {
    const char *name;
    uint32_t target;             /* SKIFF_TARGET_*: the ABI note must match */
    bool mem_at_gpa;             /* guest memory must sit at host address == gpa */
    bool mem_shared;             /* guest memory is a memfd (vm->mem_fd) that another
                                  * process maps too */
    bool wake_edge;              /* ring modes: the guest polls its NICs' wake eventfds
                                  * edge-triggered and never reads them back (one system
                                  * call less per wake-up); otherwise its poll handler
                                  * drains them */
    bool direct_capture_channel; /* --io=direct: the guest's own process
                                  * moves the frames, so a --pcap NIC gets a
                                  * capture channel the guest copies them
                                  * into (docs/capture.md) */

    /* --version and --check: one line (newline included) on whether this
     * host can run the backend's images. Returns false if it cannot. */
    bool (*host_line)(FILE *f);

    /* The guest makes system calls on host fds itself (spt): name them in
     * the boot info (blocks, NICs, epoll, timer, console, exit), after
     * guest_mem.c set every such field to -1. NULL: the guest has none. */
    void (*boot_fds)(const struct skiff_vm *vm, struct skiff_boot_info *bi);

    /* Can this machine run the backend's images at all? Called before any
     * set-up; prints a one-line error naming `image` and returns -1 if not.
     * NULL: always. */
    int (*probe)(const char *image);

    /* Start the guest. When it ends (any way), vm->exit_fd or vm->end_fd
     * becomes readable, or running() turns false. Prints a one-line error
     * and returns -1 if the guest could not be started (nothing is left
     * running). */
    int (*start)(struct skiff_vm *vm);

    /* true while the guest may still execute. */
    bool (*running)(struct skiff_vm *vm);

    /* End the guest (forcibly if `cancel` or if it lingers after reporting
     * exit) and describe how it ended. Returns -1 if it could not be
     * stopped: guest memory must then stay mapped. */
    int (*stop)(struct skiff_vm *vm, bool cancel, struct skiff_end *end);

    /* Add to main's seccomp allowlist (main_seccomp.c) what running(),
     * stop() and the stats need once the guest runs. 0 or -1. */
    int (*confine_main)(const struct skiff_vm *vm, scmp_filter_ctx ctx);

    /* One-thread mode (vm->single: a launcher's seccomp filter forbids
     * threads, eventfds and signal masks; NULL if the backend has none).
     * single_signals() installs the stop-signal handlers, before set-up;
     * single_run() runs the started guest on the calling thread until it
     * ends, or a stop signal plus grace_ms (the NICs closed meanwhile) or a
     * second signal end it. Returns the signal that cancelled the guest (0
     * if it ended by itself); *first_sig is the first stop signal (0: none). */
    void (*single_signals)(void);
    int (*single_run)(struct skiff_vm *vm, int grace_ms, int *first_sig);
};

extern const struct skiff_backend skiff_backend_spt;
extern const struct skiff_backend skiff_backend_hvt;

/* The backend that runs images of `target` (SKIFF_TARGET_*), or NULL. */
const struct skiff_backend *skiff_backend_for(uint32_t target);

#endif /* SKIFF_BACKEND_H */
