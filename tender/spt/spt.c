/*
 * spt backend: the guest runs in a process of its own. Its address space
 * holds guest memory (the memfd the tender maps too, at the same address),
 * a small loader and nothing else; it has one thread, only the fds the
 * guest may use, and a seccomp allowlist from its first instruction.
 *
 * Start: fork + exec the embedded loader (spt_spawn.c), compile the guest's
 * allowlist now that its pid is known (spt_seccomp.c), and send the loader
 * its launch block (spt_launch.h) through a pipe.
 * End: the guest writes status + 1 to the exit eventfd and exits; or it
 * dies by a signal, which the loader's handler reports through the report
 * pipe first; or main stops it with SIGKILL. Main waits on the process's
 * pidfd (vm->end_fd) and reaps it here.
 */
#include "core/backend.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "core/layout.h"
#include "spt/spt_launch.h"
#include "spt/spt_seccomp.h"
#include "spt/spt_spawn.h"

#define SPT_STOP_WAIT_MS 1000 /* for a guest to finish exiting, or to die of SIGKILL */

#define ERR(...)                                                                                   \
    do {                                                                                           \
        fprintf(stderr, "skiff: error: " __VA_ARGS__);                                             \
        fputc('\n', stderr);                                                                       \
    } while (0)

struct spt {
    pid_t pid;     /* 0 until forked */
    int pidfd;     /* vm->end_fd */
    int report_fd; /* read end of the report pipe */
    bool reaped;   /* status is valid */
    bool killed;   /* main sent SIGKILL */
    siginfo_t status;
};

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* The fds the guest process keeps (the allowlist names each one's use). */
static unsigned guest_fds(const struct skiff_vm *vm, int *out)
{
    unsigned n = 0;
    out[n++] = vm->epoll_fd;
    out[n++] = vm->timer_fd;
    out[n++] = vm->console_fd;
    out[n++] = vm->exit_fd;
    for (unsigned i = 0; i < vm->block_count; i++)
        out[n++] = vm->blocks[i].fd;
    for (unsigned i = 0; i < vm->nic_count; i++) {
        const struct skiff_nic *nic = &vm->nics[i];
        if (vm->io_mode == SKIFF_IO_DIRECT) {
            out[n++] = nic->fd;
        } else {
            out[n++] = nic->rx_wake_fd;
            out[n++] = nic->tx_kick_fd;
            if (skiff_nic_tx_bypass(nic, vm->io_mode, SKIFF_TARGET_SPT))
                out[n++] = nic->fd;
        }
    }
    return n;
}

/* The image's segments, page-rounded, with their protections. */
static void launch_segments(const struct skiff_vm *vm, struct skiff_spt_launch *l)
{
    const struct skiff_image *img = vm->img;
    for (unsigned i = 0; i < img->seg_count && i < SKIFF_SPT_MAX_SEGS; i++) {
        const struct skiff_elf_segment *s = &img->segs[i];
        uint64_t lo = s->vaddr & ~(SKIFF_PAGE_SIZE - 1);
        uint64_t hi = skiff_page_up(s->vaddr + s->memsz);
        uint32_t prot = 0;
        if (s->flags & (SKIFF_SEG_R | SKIFF_SEG_W))
            prot |= PROT_READ; /* x86 has no write-only pages */
        if (s->flags & SKIFF_SEG_W)
            prot |= PROT_WRITE;
        if (s->flags & SKIFF_SEG_X)
            prot |= PROT_EXEC | PROT_READ;
        l->segs[l->seg_count++] =
            (struct skiff_spt_seg){ .addr = lo, .len = hi - lo, .prot = prot };
    }
}

static int write_all(int fd, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reap the process if it has ended, waiting up to `ms` for that. */
static bool reap_within(struct spt *s, int ms)
{
    if (s->reaped)
        return true;
    struct pollfd pfd = { .fd = s->pidfd, .events = POLLIN };
    if (ms > 0)
        while (poll(&pfd, 1, ms) < 0 && errno == EINTR)
            ;
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid((idtype_t)SKIFF_P_PIDFD, (id_t)s->pidfd, &si, WEXITED | WNOHANG) == 0 &&
        si.si_pid != 0) {
        s->status = si;
        s->reaped = true;
    }
    return s->reaped;
}

static void kill_guest(struct spt *s)
{
    if (s->reaped || s->pidfd < 0)
        return;
    if (syscall(SYS_pidfd_send_signal, s->pidfd, SIGKILL, NULL, 0) == 0)
        s->killed = true;
}

static void spt_free(struct skiff_vm *vm)
{
    struct spt *s = vm->backend_priv;
    if (!s)
        return;
    close_fd(&s->pidfd);
    close_fd(&s->report_fd);
    vm->end_fd = -1;
    free(s);
    vm->backend_priv = NULL;
}

/*
 * The last well-formed record in the report pipe, if any. The guest can
 * write there too, so callers only believe a record that matches how the
 * process really ended. Bounded: the process is gone, the pipe is finite.
 */
static bool last_report(int fd, struct skiff_spt_report *out)
{
    bool have = false;
    struct skiff_spt_report r = { 0 };
    for (;;) {
        ssize_t n = read(fd, &r, sizeof r);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != (ssize_t)sizeof r)
            return have;
        if (r.magic == SKIFF_SPT_REPORT_MAGIC) {
            *out = r;
            have = true;
        }
    }
}

static const char *step_name(int32_t step)
{
    switch (step) {
    case SKIFF_SPT_STEP_EXEC: return "executing the loader";
    case SKIFF_SPT_STEP_LAUNCH: return "reading the launch block";
    case SKIFF_SPT_STEP_MAP: return "mapping guest memory";
    case SKIFF_SPT_STEP_PROTECT: return "protecting the image";
    case SKIFF_SPT_STEP_SIGNALS: return "installing signal handlers";
    case SKIFF_SPT_STEP_CAPS: return "dropping capabilities";
    case SKIFF_SPT_STEP_SECCOMP: return "loading the seccomp filter";
    default: return "starting";
    }
}

/* A loader failure, if that is how the process ended. */
static bool failed_start(const struct spt *s, const struct skiff_spt_report *r, bool have,
                         struct skiff_end *end)
{
    if (!have || r->kind != SKIFF_SPT_REPORT_FAILED || s->status.si_code != CLD_EXITED ||
        s->status.si_status != 127)
        return false;
    end->kind = SKIFF_END_FAILED;
    snprintf(end->msg, sizeof end->msg, "cannot start the guest process: %s: %s",
             step_name(r->signo), strerror(r->code));
    return true;
}

static int spt_start(struct skiff_vm *vm)
{
    struct spt *s = calloc(1, sizeof *s);
    if (!s) {
        ERR("out of memory");
        return -1;
    }
    s->pidfd = s->report_fd = -1;
    vm->backend_priv = s;
    int report[2] = { -1, -1 }, launch[2] = { -1, -1 }, loader = -1;
    struct sock_fprog prog = { 0, NULL };

    if (pipe2(report, O_CLOEXEC | O_NONBLOCK) < 0 || pipe2(launch, O_CLOEXEC) < 0) {
        ERR("pipe: %s", strerror(errno));
        goto fail;
    }
    s->report_fd = report[0];
    loader = skiff_spt_loader_fd();
    if (loader < 0) {
        ERR("cannot create the guest process's loader: %s%s", strerror(errno),
            errno == EACCES ? " (is vm.memfd_noexec set to 2?)" : "");
        goto fail;
    }

    int keep[4 + 3 * SKIFF_MAX_NICS + SKIFF_MAX_BLOCKS + 3];
    unsigned n = guest_fds(vm, keep);
    keep[n++] = report[1];
    keep[n++] = launch[0];
    keep[n++] = vm->mem_fd;
    struct skiff_spt_spawn sp = {
        .keep = keep,
        .nkeep = n,
        .loader_fd = loader,
        .launch_fd = launch[0],
        .report_fd = report[1],
    };
    s->pid = skiff_spt_spawn(&sp);
    if (s->pid < 0) {
        s->pid = 0;
        ERR("cannot start the guest process: fork: %s", strerror(errno));
        goto fail;
    }
    s->pidfd = (int)syscall(SYS_pidfd_open, s->pid, 0);
    if (s->pidfd < 0) {
        ERR("pidfd_open: %s (skiff needs Linux 5.4 or later)", strerror(errno));
        kill(s->pid, SIGKILL);
        while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        goto fail;
    }

    /* The pid is known: compile the allowlist and send the launch block. */
    struct skiff_spt_launch l;
    memset(&l, 0, sizeof l);
    l.magic = SKIFF_SPT_LAUNCH_MAGIC;
    l.version = SKIFF_SPT_LAUNCH_VERSION;
    l.pid = s->pid;
    l.mem_fd = vm->mem_fd;
    l.report_fd = report[1];
    l.mem_addr = vm->mem_lo;
    l.mem_len = vm->mem_size - vm->mem_lo;
    l.entry = vm->img->entry;
    l.stack_top = vm->boot->stack_top;
    l.boot_gpa = vm->boot_gpa;
    launch_segments(vm, &l);
    if (skiff_spt_filter_build(vm, s->pid, report[1], &prog) < 0) {
        ERR("cannot build the guest's seccomp filter");
        goto fail;
    }
    l.bpf_len = prog.len;
    if (write_all(launch[1], &l, sizeof l) < 0 ||
        write_all(launch[1], prog.filter, prog.len * sizeof prog.filter[0]) < 0) {
        /* The child is gone already: say why, if the loader could. */
        struct skiff_end end;
        struct skiff_spt_report r = { 0 };
        memset(&end, 0, sizeof end);
        reap_within(s, SPT_STOP_WAIT_MS);
        if (s->reaped && failed_start(s, &r, last_report(s->report_fd, &r), &end))
            ERR("%s", end.msg);
        else
            ERR("cannot start the guest process: it ended during start-up");
        goto fail;
    }
    close_fd(&launch[1]);
    close_fd(&report[1]);
    close_fd(&launch[0]);
    close_fd(&loader);
    free(prog.filter);
    vm->end_fd = s->pidfd;
    return 0;

fail:
    close_fd(&report[1]);
    close_fd(&launch[0]);
    close_fd(&launch[1]);
    close_fd(&loader);
    free(prog.filter);
    if (s->pid > 0 && s->pidfd >= 0) {
        kill_guest(s);
        reap_within(s, SPT_STOP_WAIT_MS);
    }
    spt_free(vm);
    return -1;
}

static bool spt_running(struct skiff_vm *vm)
{
    struct spt *s = vm->backend_priv;
    if (!s)
        return false;
    return !reap_within(s, 0);
}

static void describe_signal(const struct spt *s, struct skiff_end *end)
{
    int sig = s->status.si_status;
    struct skiff_spt_report r = { 0 };
    bool have = last_report(s->report_fd, &r);

    end->signo = sig;
    if (!have || r.kind != SKIFF_SPT_REPORT_SIGNAL || r.signo != sig) {
        end->kind = SKIFF_END_SIGNAL;
        return;
    }
    if (sig == SIGSYS && r.code > 0) {
        end->kind = SKIFF_END_SYSCALL;
        end->detail = r.syscall_nr;
        end->arch = r.arch;
        return;
    }
    end->kind = SKIFF_END_FAULT;
    end->code = r.code;
    end->addr = r.addr;
    end->detail = r.ip;
}

static int spt_stop(struct skiff_vm *vm, bool cancel, struct skiff_end *end)
{
    struct spt *s = vm->backend_priv;
    int rc = 0;

    memset(end, 0, sizeof *end);
    if (!s) {
        end->kind = SKIFF_END_VANISHED;
        return 0;
    }
    /* A guest that reported its exit gets a moment to finish it. */
    if (!s->reaped && (cancel || !reap_within(s, SPT_STOP_WAIT_MS))) {
        kill_guest(s);
        if (!reap_within(s, SPT_STOP_WAIT_MS))
            rc = -1;
    }

    uint64_t v = 0;
    if (vm->exit_fd < 0 || read(vm->exit_fd, &v, sizeof v) != (ssize_t)sizeof v)
        v = 0;
    struct skiff_spt_report r = { 0 };
    bool by_signal =
        s->reaped && (s->status.si_code == CLD_KILLED || s->status.si_code == CLD_DUMPED);
    if (!s->reaped) {
        end->kind = SKIFF_END_VANISHED;
    } else if (!by_signal && failed_start(s, &r, last_report(s->report_fd, &r), end)) {
        /* the loader said why */
    } else if (by_signal && !(s->killed && s->status.si_status == SIGKILL)) {
        describe_signal(s, end);
    } else if (v >= 1) {
        /* The guest reported a status (even if it then lingered). */
        end->kind = SKIFF_END_EXIT;
        end->status = v - 1 > 255 ? 255 : (int)(v - 1);
    } else if (by_signal) {
        end->kind = SKIFF_END_CANCELLED;
    } else {
        end->kind = SKIFF_END_VANISHED;
    }
    if (rc == 0)
        spt_free(vm);
    return rc;
}

static int spt_confine_main(const struct skiff_vm *vm, scmp_filter_ctx ctx)
{
    const struct spt *s = vm->backend_priv;
    if (!s)
        return -1;
    return skiff_spt_main_rules(ctx, s->pidfd, s->report_fd, vm->exit_fd);
}

/* The guest process makes its system calls on these fds (its loader's
 * seccomp filter names the same ones). */
static void spt_boot_fds(const struct skiff_vm *vm, struct skiff_boot_info *bi)
{
    for (unsigned i = 0; i < vm->block_count; i++)
        bi->blocks[i].spt_fd = vm->blocks[i].fd;
    for (unsigned i = 0; i < vm->nic_count; i++) {
        const struct skiff_nic *n = &vm->nics[i];
        struct skiff_boot_nic *bn = &bi->nics[i];
        if (vm->io_mode == SKIFF_IO_DIRECT) {
            bn->spt_direct_fd = n->fd;
        } else {
            bn->spt_rx_wake_fd = n->rx_wake_fd;
            bn->spt_tx_kick_fd = n->tx_kick_fd;
        }
    }
    bi->spt_epoll_fd = vm->epoll_fd;
    bi->spt_timer_fd = vm->timer_fd;
    bi->spt_console_fd = vm->console_fd;
    bi->spt_exit_fd = vm->exit_fd;
}

static bool spt_host_line(FILE *f)
{
    fprintf(f, "spt: supported (seccomp-confined process, no KVM needed)\n");
    return true;
}

const struct skiff_backend skiff_backend_spt = {
    .name = "spt",
    .target = SKIFF_TARGET_SPT,
    .mem_at_gpa = true,
    .mem_shared = true,
    .wake_edge = true,
    .direct_capture_channel = true,
    .host_line = spt_host_line,
    .boot_fds = spt_boot_fds,
    .start = spt_start,
    .running = spt_running,
    .stop = spt_stop,
    .confine_main = spt_confine_main,
};
