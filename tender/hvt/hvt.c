/*
 * hvt backend: the guest runs in a KVM virtual machine with one vCPU, driven
 * by a vCPU thread of the tender. Guest memory is the mapping guest_mem.c
 * made, registered as the VM's only memory slot at gpa 0. Kicks reach the
 * I/O thread through ioeventfds without leaving the kernel; hypercalls exit
 * to the vCPU thread, which serves them (hvt_hypercall.c) under its own
 * seccomp allowlist (hvt_seccomp.c). CPU specifics are in hvt_arch.h.
 *
 * Ending: the vCPU thread records how the guest ended in h->end, writes the
 * exit eventfd and returns. Main cancels it by setting h->cancel, writing the
 * cancel eventfd (wakes a POLL) and sending SIGUSR2 (interrupts KVM_RUN; the
 * handler sets immediate_exit so a signal just before KVM_RUN is not lost).
 *
 * Under a launcher's seccomp filter there is no vCPU thread: main runs the
 * same steps itself (hvt_single.c), with a timerfd as the cancel fd.
 */
#include "hvt/hvt.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/seccomp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>

#include "datapath/datapath.h"
#include "sandbox/guest_thread.h"
#include "hvt/hvt_arch.h"
#include "hvt/hvt_host.h"

#define KVM_DEV             "/dev/kvm"
#define HVT_CANCEL_SIGNAL   SIGUSR2
#define HVT_JOIN_TIMEOUT_MS 1000
/* Guest ring polling before a sleep (a POLL exit): about two exits' worth
 * of time, the spin-then-block bound that never costs more than twice the
 * best choice made in hindsight. An exit to user space costs far more on
 * PVM than on hardware KVM (the figures: docs/analysis/hvt-exits.md). */
#define HVT_POLL_MAX_NS_HW   20000u
#define HVT_POLL_MAX_NS_SOFT 200000u

#define ERR(...)                                                                                   \
    do {                                                                                           \
        fprintf(stderr, "skiff: error: " __VA_ARGS__);                                             \
        fputc('\n', stderr);                                                                       \
    } while (0)

/* The run page of the one vCPU, for the cancel signal handler. */
static struct kvm_run *volatile cancel_run;

static void on_cancel(int sig)
{
    (void)sig;
    struct kvm_run *run = cancel_run;
    if (run)
        run->immediate_exit = 1;
}

/* "ping.hvt" -> "ping.spt"; anything else -> a description. */
static void spt_name(const char *image, char *out, size_t len)
{
    const char *base = strrchr(image, '/');
    base = base ? base + 1 : image;
    size_t n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".hvt") == 0)
        snprintf(out, len, "%.*s.spt", (int)(n - 4), base);
    else
        snprintf(out, len, "the image built for spt");
}

static int hvt_probe(const char *image)
{
    int fd = open(KVM_DEV, O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    char alt[128];
    spt_name(image, alt, sizeof alt);
    ERR("%s: Could not open: %s: %s (an hvt image needs KVM; run the spt build of the image "
        "instead: %s)",
        image, KVM_DEV, strerror(errno), alt);
    return -1;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void hvt_free(struct skiff_vm *vm)
{
    struct hvt *h = vm->backend_priv;
    if (!h)
        return;
    cancel_run = NULL;
    if (h->single)
        skiff_hvt_single_detach();
    if (h->run)
        munmap(h->run, h->run_size);
    close_fd(&h->cancel_fd); /* leaves vm->epoll_fd with it */
    close_fd(&h->vcpu_fd);
    close_fd(&h->vm_fd);
    close_fd(&h->kvm_fd);
    free(h->prog.filter);
    free(h);
    vm->backend_priv = NULL;
}

/* Describe a fatal exit, with the instruction pointer when KVM gives it.
 * Solo5's hvt ends with status 1 for every exit it cannot handle. */
static void end_fatal(struct hvt *h, const char *what, bool regs_lost)
{
    struct kvm_regs r;
    if (!regs_lost && ioctl(h->vcpu_fd, KVM_GET_REGS, &r) == 0)
        skiff_hvt_end_status(h, 1, "%s, rip=0x%llx", what, (unsigned long long)r.rip);
    else
        skiff_hvt_end_status(h, 1, "%s", what);
}

bool skiff_hvt_vcpu_step(struct hvt *h)
{
    struct skiff_exit_stats *st = &h->vm->exits;
    if (ioctl(h->vcpu_fd, KVM_RUN, 0) < 0) {
        if (errno == EINTR || errno == EAGAIN) {
            h->run->immediate_exit = 0;
            return true;
        }
        if (errno == EFAULT) /* Solo5's words for a guest access KVM cannot map */
            end_fatal(h, "KVM: host/guest translation fault", false);
        else
            skiff_hvt_end_status(h, 1, "KVM: ioctl (RUN) failed: %s", strerror(errno));
        return false;
    }
    struct hvt_exit e;
    skiff_hvt_arch_decode(h->run, h->run_size, &e);
    switch (e.kind) {
    case HVT_EXIT_HYPERCALL:
        SKIFF_STAT_ADD(st->hypercall[e.nr], 1);
        return skiff_hvt_hypercall(h, e.nr, e.arg) != HVT_HC_END;
    case HVT_EXIT_FAULT: {
        char msg[sizeof h->end.msg];
        SKIFF_STAT_ADD(st->faults, 1);
        int status = skiff_hvt_arch_fault(h->vm, h->vcpu_fd, e.arg, msg, sizeof msg);
        /* "ABORT": what Solo5's hvt prints when a guest faults (its exit
         * status is 255 too), so scripts that look for it work. A fault
         * Solo5's tender would have met itself (a write to the image's
         * code, a stray port) has its words already, and status 1. */
        if (status == 1)
            skiff_hvt_end_status(h, 1, "%s", msg);
        else
            skiff_hvt_end_error(h, "%s (ABORT)", msg);
        return false;
    }
    case HVT_EXIT_FATAL:
        SKIFF_STAT_ADD(st->other, 1);
        end_fatal(h, e.msg, e.regs_lost);
        return false;
    }
    return false;
}

static void vcpu_loop(struct hvt *h)
{
    for (;;) {
        if (atomic_load(&h->cancel)) {
            h->end.kind = SKIFF_END_CANCELLED;
            return;
        }
        if (!skiff_hvt_vcpu_step(h))
            return;
    }
}

static void *vcpu_thread(void *arg)
{
    struct hvt *h = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, HVT_CANCEL_SIGNAL);

    if (pthread_sigmask(SIG_UNBLOCK, &set, NULL) != 0 ||
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &h->prog) < 0) {
        h->end.kind = SKIFF_END_FAILED;
        h->end.detail = (uint64_t)errno;
    } else {
        vcpu_loop(h); /* confined from here on */
    }
    uint64_t one = 1;
    (void)!write(h->vm->exit_fd, &one, sizeof one);
    return NULL;
}

/* KVM, the VM, its memory and the vCPU, ready to run. */
static int setup_kvm(struct hvt *h)
{
    struct skiff_vm *vm = h->vm;
    char err[160];

    h->kvm_fd = open(KVM_DEV, O_RDWR | O_CLOEXEC);
    if (h->kvm_fd < 0) {
        ERR("%s: %s", KVM_DEV, strerror(errno));
        return -1;
    }
    int api = ioctl(h->kvm_fd, KVM_GET_API_VERSION, 0);
    if (api != KVM_API_VERSION) {
        ERR("%s: KVM API version %d, this skiff needs %d", KVM_DEV, api, KVM_API_VERSION);
        return -1;
    }
    if (vm->io_mode != SKIFF_IO_DIRECT &&
        ioctl(h->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD) <= 0) {
        ERR("KVM lacks ioeventfd support (needed for --io=%s; try --io=direct)",
            vm->io_mode == SKIFF_IO_POLL ? "poll" : "event");
        return -1;
    }
    h->vm_fd = ioctl(h->kvm_fd, KVM_CREATE_VM, 0);
    if (h->vm_fd < 0) {
        ERR("KVM_CREATE_VM: %s", strerror(errno));
        return -1;
    }
    struct kvm_userspace_memory_region mr = {
        .slot = 0,
        .flags = 0,
        .guest_phys_addr = 0,
        .memory_size = vm->mem_size,
        .userspace_addr = (uint64_t)(uintptr_t)vm->mem,
    };
    if (vm->mem_lo != 0 || ioctl(h->vm_fd, KVM_SET_USER_MEMORY_REGION, &mr) < 0) {
        ERR("KVM_SET_USER_MEMORY_REGION (%llu MiB): %s", (unsigned long long)(vm->mem_size >> 20),
            vm->mem_lo ? "memory not mapped from gpa 0" : strerror(errno));
        return -1;
    }
    h->vcpu_fd = ioctl(h->vm_fd, KVM_CREATE_VCPU, 0);
    if (h->vcpu_fd < 0) {
        ERR("KVM_CREATE_VCPU: %s", strerror(errno));
        return -1;
    }
    int sz = ioctl(h->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (sz < (int)sizeof(struct kvm_run)) {
        ERR("KVM_GET_VCPU_MMAP_SIZE: %s", sz < 0 ? strerror(errno) : "too small");
        return -1;
    }
    h->run = mmap(NULL, (size_t)sz, PROT_READ | PROT_WRITE, MAP_SHARED, h->vcpu_fd, 0);
    if (h->run == MAP_FAILED) {
        h->run = NULL;
        ERR("mmap of the vCPU run area: %s", strerror(errno));
        return -1;
    }
    h->run_size = (size_t)sz;
    if (skiff_hvt_arch_vcpu_init(vm, h->kvm_fd, h->vcpu_fd, err, sizeof err) < 0) {
        ERR("cannot set up the vCPU: %s", err);
        return -1;
    }
    vm->boot->tsc_freq = skiff_hvt_arch_tsc_hz(h->vcpu_fd);
    if (vm->io_mode != SKIFF_IO_DIRECT)
        for (unsigned i = 0; i < vm->nic_count; i++) {
            int e = skiff_hvt_arch_kick_bind(h->vm_fd, i, vm->nics[i].tx_kick_fd);
            if (e < 0) {
                ERR("KVM_IOEVENTFD for NIC '%s': %s", vm->nics[i].name, strerror(-e));
                return -1;
            }
        }
    return 0;
}

static int hvt_start(struct skiff_vm *vm)
{
    struct hvt *h = calloc(1, sizeof *h);
    if (!h) {
        ERR("out of memory");
        return -1;
    }
    vm->backend_priv = h;
    h->vm = vm;
    h->kvm_fd = h->vm_fd = h->vcpu_fd = h->cancel_fd = -1;
    h->end.kind = SKIFF_END_VANISHED; /* until the vCPU thread says more */
    atomic_init(&h->cancel, false);
    memset(&vm->exits, 0, sizeof vm->exits);
    vm->has_exits = true;
    struct skiff_kvm_host kh;
    skiff_kvm_host_probe(&kh);
    vm->exits.host = skiff_kvm_kind_id(kh.kind);
    /* How long the guest may poll its rings before a sleep (a POLL exit):
     * worth more where an exit costs more (docs/architecture.md, "hvt"). */
    /* Direct mode: frames move in batches, many to an exit (abi.h, NETIO). */
    if (vm->io_mode == SKIFF_IO_DIRECT)
        vm->boot->hvt_features |= SKIFF_HVT_F_NETIO;
    if (vm->io_mode != SKIFF_IO_DIRECT)
        vm->boot->poll_max_ns = (kh.kind == SKIFF_KVM_HW_VMX || kh.kind == SKIFF_KVM_HW_SVM)
                                    ? HVT_POLL_MAX_NS_HW
                                    : HVT_POLL_MAX_NS_SOFT;

    if (setup_kvm(h) < 0)
        goto fail;
    /* One thread: a timerfd, which a signal handler arms (eventfds are
     * outside launchers' filters). */
    h->single = vm->single;
    h->cancel_fd = h->single ? timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)
                             : eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = SKIFF_HVT_CANCEL_TAG };
    if (h->cancel_fd < 0 || epoll_ctl(vm->epoll_fd, EPOLL_CTL_ADD, h->cancel_fd, &ev) < 0) {
        ERR("cancel fd: %s", strerror(errno));
        goto fail;
    }
    if (h->single) {
        skiff_hvt_single_attach(h);
        return 0;
    }
    if (skiff_hvt_seccomp_build(h) < 0) {
        ERR("cannot build the vCPU thread's seccomp filter");
        goto fail;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigfillset(&sa.sa_mask);
    sa.sa_handler = on_cancel; /* no SA_RESTART: KVM_RUN must return */
    cancel_run = h->run;
    if (sigaction(HVT_CANCEL_SIGNAL, &sa, NULL) < 0) {
        ERR("sigaction: %s", strerror(errno));
        goto fail;
    }
    int e = pthread_create(&h->thread, NULL, vcpu_thread, h);
    if (e) {
        ERR("cannot start the vCPU thread: %s", strerror(e));
        goto fail;
    }
    h->thread_live = true;
    pthread_setname_np(h->thread, "skiff-vcpu"); /* for top -H, ps -L, benchmarks */
    return 0;
fail:
    hvt_free(vm);
    return -1;
}

static bool hvt_running(struct skiff_vm *vm)
{
    struct hvt *h = vm->backend_priv;
    if (!h || !h->thread_live)
        return false;
    if (pthread_tryjoin_np(h->thread, NULL) == 0)
        h->thread_live = false;
    return h->thread_live;
}

static bool join_for(struct hvt *h, int ms)
{
    if (skiff_join_for(h->thread, ms))
        h->thread_live = false;
    return !h->thread_live;
}

static int hvt_stop(struct skiff_vm *vm, bool cancel, struct skiff_end *end)
{
    struct hvt *h = vm->backend_priv;
    memset(end, 0, sizeof *end);
    if (!h) {
        end->kind = SKIFF_END_VANISHED;
        return 0;
    }
    if (h->thread_live && (cancel || !join_for(h, HVT_JOIN_TIMEOUT_MS))) {
        uint64_t one = 1;
        atomic_store(&h->cancel, true);
        (void)!write(h->cancel_fd, &one, sizeof one);
        pthread_kill(h->thread, HVT_CANCEL_SIGNAL);
        if (!join_for(h, HVT_JOIN_TIMEOUT_MS))
            return -1; /* KVM and guest memory must stay */
    }
    *end = h->end;
    if (end->kind == SKIFF_END_VANISHED && cancel)
        end->kind = SKIFF_END_CANCELLED;
    hvt_free(vm);
    return 0;
}

/* --version, --check: what /dev/kvm is here and whether it can be used. */
static bool hvt_host_line(FILE *f)
{
    struct skiff_kvm_host k;
    skiff_kvm_host_probe(&k);
    if (!k.present) {
        fprintf(f, "hvt: no /dev/kvm on this host (run the spt build of an image instead)\n");
        return false;
    }
    fprintf(f, "hvt: /dev/kvm is %s", skiff_kvm_kind_text(k.kind));
    if (k.open_errno)
        fprintf(f, "; not usable by this user (%s)", strerror(k.open_errno));
    if (k.kind == SKIFF_KVM_PVM || k.kind == SKIFF_KVM_SOFTWARE)
        fprintf(f, "; hvt guests run natively at CPL 3, VM exits cost more than on hardware KVM");
    fputc('\n', f);
    return k.open_errno == 0;
}

const struct skiff_backend skiff_backend_hvt = {
    .name = "hvt",
    .target = SKIFF_TARGET_HVT,
    .mem_at_gpa = false,
    .host_line = hvt_host_line,
    .probe = hvt_probe,
    .start = hvt_start,
    .running = hvt_running,
    .stop = hvt_stop,
    .confine_main = skiff_hvt_main_rules,
    .single_signals = skiff_hvt_single_signals,
    .single_run = skiff_hvt_single_run,
};
