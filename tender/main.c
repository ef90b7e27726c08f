/*
 * skiff: parse the command line, validate and load the image, attach its
 * NICs, start the I/O thread and the guest, confine main itself, wait for
 * the guest to end (or a signal), then undo everything in reverse order.
 * Every failure path goes through the same teardown so nothing is left
 * running or half-configured. Under a launcher's seccomp filter an hvt
 * guest runs on main itself instead (sandbox.h, hvt_single.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <seccomp.h>

#include "core/backend.h"
#include "capture/capture.h"
#include "cli/cli.h"
#include "core/elf_load.h"
#include "core/layout.h"
#include "core/guest_mem.h"
#include "core/host.h"
#include "datapath/io.h"
#include "sandbox/main_seccomp.h"
#include "sandbox/sandbox.h"
#include "report/stats.h"
#include "datapath/tap.h"
#include "net/direct.h"
#include "core/vm.h"

#define EXIT_TENDER_ERROR 1    /* usage or set-up error */
#define EXIT_GUEST_KILLED 255  /* the guest ended without a status (hvt: a fault) */
#define GRACE_MS          2000 /* after SIGTERM/SIGINT: time the guest gets to exit */
#define LIVENESS_MS       200  /* how often main checks the guest did not just vanish */

/* Read the whole image file; it is validated later, from the buffer. */
static int read_image(const char *path, uint8_t **buf, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        fprintf(stderr, "skiff: error: %s: Could not open: %s\n", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "skiff: error: %s: not a regular file\n", path);
        close(fd);
        return -1;
    }
    if ((uint64_t)st.st_size > SKIFF_IMAGE_MAX_BYTES) {
        fprintf(stderr, "skiff: error: %s: image larger than %llu MiB\n", path,
                SKIFF_IMAGE_MAX_BYTES >> 20);
        close(fd);
        return -1;
    }
    size_t n = (size_t)st.st_size, got = 0;
    *buf = malloc(n ? n : 1);
    if (!*buf) {
        fprintf(stderr, "skiff: error: %s: out of memory\n", path);
        close(fd);
        return -1;
    }
    while (got < n) {
        ssize_t r = read(fd, *buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            fprintf(stderr, "skiff: error: %s: read failed\n", path);
            close(fd);
            free(*buf);
            *buf = NULL;
            return -1;
        }
        got += (size_t)r;
    }
    close(fd);
    *len = n;
    return 0;
}

/* Every --net must name a manifest NIC (checked first: a typo there is the
 * likely cause of a missing NIC too), and every manifest NIC needs a --net. */
static int match_nics(const struct skiff_cli *cli, const struct skiff_manifest *m)
{
    for (unsigned i = 0; i < cli->net_count; i++) {
        bool found = false;
        for (uint32_t j = 0; j < m->nic_count && !found; j++)
            found = strcmp(m->nics[j].name, cli->nets[i].name) == 0;
        if (found)
            continue;
        fprintf(stderr,
                "skiff: error: --net:%s: Resource not declared in manifest: '%s' (the image's "
                "NICs: ",
                cli->nets[i].name, cli->nets[i].name);
        for (uint32_t j = 0; j < m->nic_count; j++)
            fprintf(stderr, "%s%s", j ? ", " : "", m->nics[j].name);
        fprintf(stderr, "%s)\n", m->nic_count ? "" : "none");
        return -1;
    }
    for (uint32_t i = 0; i < m->nic_count; i++)
        if (!skiff_cli_find_net(cli, m->nics[i].name)) {
            fprintf(stderr,
                    "skiff: error: Device '%s' of type NET_BASIC declared but not attached "
                    "(add --net:%s=TAP)\n",
                    m->nics[i].name, m->nics[i].name);
            return -1;
        }
    return 0;
}

static int attach_nics(struct skiff_vm *vm, const struct skiff_cli *cli)
{
    const struct skiff_manifest *m = &vm->img->manifest;
    for (uint32_t i = 0; i < m->nic_count; i++) {
        const struct skiff_cli_net *net = skiff_cli_find_net(cli, m->nics[i].name);
        struct skiff_nic *n = &vm->nics[i];
        memcpy(n->name, m->nics[i].name, sizeof n->name);
        n->index = i;
        /* Offloads only where rings absorb the large frames (see vnet.h). */
        n->vnet = (m->nics[i].flags & SKIFF_NIC_F_VNET) && vm->io_mode != SKIFF_IO_DIRECT;
        if (net->has_rate)
            n->rate = net->rate;
        if (skiff_tap_attach(n, net->spec) < 0)
            return -1;
        vm->nic_count = i + 1; /* detach exactly what was attached */
        if (net->has_mac) {
            memcpy(n->mac, net->mac, sizeof n->mac);
        } else if (skiff_nic_random_mac(n->mac) < 0) {
            fprintf(stderr,
                    "skiff: error: net %s: no random MAC address: %s (give --net-mac:%s=...)\n",
                    n->name, strerror(errno), n->name);
            return -1;
        }
    }
    return 0;
}

/* Every --block must name a manifest block device and every manifest block
 * device needs one; open them all before the guest starts. */
static int attach_blocks(struct skiff_vm *vm, const struct skiff_cli *cli)
{
    const struct skiff_image *img = vm->img;
    for (unsigned i = 0; i < cli->block_count; i++) {
        unsigned j = 0;
        while (j < img->block_count && strcmp(img->block_names[j], cli->blocks[i].name) != 0)
            j++;
        if (j == img->block_count) {
            fprintf(stderr,
                    "skiff: error: --block:%s: Resource not declared in manifest: '%s' (the "
                    "image has no block device of that name)\n",
                    cli->blocks[i].name, cli->blocks[i].name);
            return -1;
        }
    }
    for (unsigned i = 0; i < img->block_count; i++) {
        const struct skiff_cli_block *c = NULL;
        for (unsigned j = 0; j < cli->block_count && !c; j++)
            if (strcmp(cli->blocks[j].name, img->block_names[i]) == 0)
                c = &cli->blocks[j];
        if (!c) {
            fprintf(stderr,
                    "skiff: error: Device '%s' of type BLOCK_BASIC declared but not attached "
                    "(add --block:%s=FILE)\n",
                    img->block_names[i], img->block_names[i]);
            return -1;
        }
        struct skiff_block *b = &vm->blocks[i];
        memcpy(b->name, c->name, sizeof b->name);
        b->block_size = c->block_size;
        if (skiff_block_open(b, c->path) < 0)
            return -1;
        vm->block_count = i + 1;
    }
    return 0;
}

/* Signals main handles through a signalfd; blocked in every thread. */
static void tender_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGUSR1);
}

static const char *sig_name(int sig)
{
    const char *n = sigabbrev_np(sig);
    return n ? n : "?";
}

static void report_end(const struct skiff_end *e)
{
    switch (e->kind) {
    case SKIFF_END_EXIT:
    case SKIFF_END_CANCELLED: break;
    case SKIFF_END_SYSCALL: {
        /* 32-bit calls come with their own audit arch; x32 ones with the
         * x32 bit set in the number. */
        bool x32 = e->arch == SCMP_ARCH_X86_64 && (e->detail & 0x40000000u);
        uint32_t arch = x32 ? SCMP_ARCH_X32 : e->arch;
        char *name = seccomp_syscall_resolve_num_arch(arch, (int)(e->detail & ~0x40000000ull));
        const char *abi = arch == SCMP_ARCH_X86_64 ? ""
                          : arch == SCMP_ARCH_X86  ? ", i386 ABI"
                          : arch == SCMP_ARCH_X32  ? ", x32 ABI"
                                                   : ", foreign ABI";
        fprintf(stderr, "skiff: guest killed: forbidden system call %llu (%s%s)\n",
                (unsigned long long)e->detail, name ? name : "unknown", abi);
        free(name);
        break;
    }
    case SKIFF_END_FAULT:
        if (e->code <= 0) /* si_code SI_USER, SI_TKILL, ...: not a fault */
            fprintf(stderr, "skiff: guest killed: SIG%s, sent by a process (not a fault)\n",
                    sig_name(e->signo));
        else
            fprintf(stderr,
                    "skiff: guest killed: SIG%s at address 0x%llx, "
                    "instruction 0x%llx%s\n",
                    sig_name(e->signo), (unsigned long long)e->addr, (unsigned long long)e->detail,
                    e->detail == 0 ? " (did it return from its entry point?)" : "");
        break;
    case SKIFF_END_SIGNAL:
        fprintf(stderr, "skiff: guest killed by SIG%s\n", sig_name(e->signo));
        break;
    case SKIFF_END_VANISHED:
        fprintf(stderr, "skiff: guest ended without reporting an exit status\n");
        break;
    case SKIFF_END_FAILED:
        if (e->msg[0])
            fprintf(stderr, "skiff: error: %s\n", e->msg);
        else
            fprintf(stderr, "skiff: error: cannot confine the guest: %s\n",
                    strerror((int)e->detail));
        break;
    case SKIFF_END_ERROR: fprintf(stderr, "skiff: error: %s\n", e->msg); break;
    }
}

/* How the tender ends: with an exit status, or (signo > 0) by a signal,
 * raised once everything is torn down. */
struct tender_exit {
    int status;
    int signo;
};

/*
 * The end waitpid() shows, for how the guest ended and the stop signal that
 * began it (first_sig, 0 if none): Solo5's tenders' where skiff mirrors
 * them (docs/solo5-compat.md, "Exit statuses").
 *  - An spt guest killed by a signal (a fault, a forbidden call, SIGKILL):
 *    the tender ends by that signal, as Solo5's spt (the guest is its own
 *    process there). A shell shows 139 or 159 either way.
 *  - As solo5-hvt, SIGTERM/SIGINT: exit 1 ("Exiting on signal N"); as
 *    solo5-spt, and SIGHUP as either: the tender ends by that signal (Solo5
 *    catches only those two, only in hvt). skiff's own name keeps 128 + N
 *    for a guest it had to cancel, and the guest's status if the guest
 *    exited within the grace period.
 */
static struct tender_exit end_status(const struct skiff_end *e, int first_sig, bool solo5,
                                     uint32_t target)
{
    struct tender_exit x = { .status = EXIT_GUEST_KILLED, .signo = 0 };
    switch (e->kind) {
    case SKIFF_END_SYSCALL:
    case SKIFF_END_FAULT:
    case SKIFF_END_SIGNAL: x.signo = e->signo; return x;
    default: break;
    }
    if (first_sig > 0 && solo5) {
        if (target == SKIFF_TARGET_HVT && first_sig != SIGHUP) {
            fprintf(stderr, "skiff: Exiting on signal %d (%s)\n", first_sig, strsignal(first_sig));
            x.status = EXIT_TENDER_ERROR;
        } else {
            x.signo = first_sig;
        }
        return x;
    }
    switch (e->kind) {
    case SKIFF_END_EXIT: x.status = e->status; break;
    case SKIFF_END_CANCELLED: x.status = 128 + (first_sig > 0 ? first_sig : SIGTERM); break;
    case SKIFF_END_FAILED: x.status = EXIT_TENDER_ERROR; break;
    case SKIFF_END_ERROR: x.status = e->status ? e->status : EXIT_GUEST_KILLED; break;
    default: break;
    }
    return x;
}

/*
 * End the tender by signal `sig`, as the guest's own death or the stop
 * signal would have ended Solo5's tender. Raw system calls: the sanitizer
 * runtimes intercept sigaction() and would keep their handlers. No core
 * dump: the tender did not fault (an spt guest never dumps either). main's
 * filter allows exactly these calls (main_seccomp.c).
 */
static _Noreturn void die_by_signal(int sig)
{
    struct {
        void (*handler)(int);
        unsigned long flags;
        void (*restorer)(void);
        uint64_t mask;
    } dfl = { SIG_DFL, 0, NULL, 0 };
    fflush(stdout);
    fflush(stderr);
    syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    kill(getpid(), sig);
    _exit(128 + sig); /* not reached */
}

/* The epoll set main sleeps in: the guest's exit eventfd and the backend's
 * end fd (tag 0: the guest ended), and the signalfd (tag 1). */
static int make_waiter(const struct skiff_vm *vm, int sig_fd)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 0 };
    bool ok = ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, vm->exit_fd, &ev) == 0 &&
              (vm->end_fd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, vm->end_fd, &ev) == 0);
    ev.data.u32 = 1;
    if (!ok || epoll_ctl(ep, EPOLL_CTL_ADD, sig_fd, &ev) < 0) {
        fprintf(stderr, "skiff: error: epoll: %s\n", strerror(errno));
        if (ep >= 0)
            close(ep);
        return -1;
    }
    return ep;
}

/*
 * Wait for the guest to end or a terminating signal, for at most timeout_ms
 * (forever if negative). Returns the signal number that asked for shutdown,
 * 0 if the guest ended, or -1 when the time ran out.
 */
static int wait_guest(struct skiff_vm *vm, int ep, int sig_fd, int timeout_ms)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    int stop_sig = 0;
    for (;;) {
        struct epoll_event out[2];
        int wait_ms = LIVENESS_MS;
        if (timeout_ms >= 0) {
            struct timespec t;
            clock_gettime(CLOCK_MONOTONIC, &t);
            long spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
            if (spent >= timeout_ms) {
                stop_sig = -1;
                break;
            }
            if (timeout_ms - spent < wait_ms)
                wait_ms = (int)(timeout_ms - spent);
        }
        int n = epoll_wait(ep, out, (int)(sizeof out / sizeof out[0]), wait_ms);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "skiff: error: epoll_wait: %s\n", strerror(errno));
            stop_sig = SIGTERM;
            break;
        }
        skiff_direct_check_nics(vm); /* no I/O thread to notice */
        if (n == 0 && !vm->backend->running(vm))
            break;
        bool guest_done = false;
        for (int i = 0; i < n; i++) {
            if (out[i].data.u32 == 0) {
                guest_done = true;
                continue;
            }
            struct signalfd_siginfo si;
            while (read(sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
                if (si.ssi_signo == SIGUSR1)
                    skiff_stats_print(stderr, vm->nics, vm->nic_count, vm->io_mode,
                                      vm->has_exits ? &vm->exits : NULL);
                else if (!stop_sig)
                    stop_sig = (int)si.ssi_signo;
            }
        }
        if (guest_done || stop_sig)
            break;
    }
    return stop_sig;
}

/* Solo5's --mem sizes the guest; skiff's rings and boot info live in guest
 * memory too, so grow it (to a whole MiB) until image, rings and the
 * layout's minimum heap fit. */
static uint64_t solo5_mem_size(const struct skiff_vm *vm, uint64_t asked)
{
    uint16_t mtus[SKIFF_MAX_NICS];
    for (unsigned i = 0; i < SKIFF_MAX_NICS; i++)
        mtus[i] = i < vm->nic_count ? vm->nics[i].mtu : (uint16_t)SKIFF_MTU_ASSUMED;
    uint64_t need = vm->img->hi + skiff_layout_reserve(&vm->img->manifest, mtus);
    need = (need + (1ull << 20) - 1) & ~((1ull << 20) - 1);
    return asked > need ? asked : need;
}

/* Signals main handles through a signalfd, blocked in every thread before
 * any exists (threaded modes). */
static int block_signals(void)
{
    sigset_t sigs;
    tender_signals(&sigs);
    sigaddset(&sigs, SIGUSR2); /* hvt's cancel signal: vCPU thread only */
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    sigdelset(&sigs, SIGUSR2);
    int fd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0)
        fprintf(stderr, "skiff: error: signalfd: %s\n", strerror(errno));
    return fd;
}

/*
 * Under a launcher's seccomp filter (sandbox.h) skiff can add no filter of
 * its own and may lack threads, eventfds and signal masks: an hvt guest then
 * runs on main, in direct mode, confined by the launcher's filter (unless
 * --io= asked for a ring mode: then the launcher's filter must allow skiff's
 * threads). One line says which and why. false: an option needs the
 * threads.
 */
static bool choose_sandbox(struct skiff_vm *vm, const struct skiff_cli *cli)
{
    if (!skiff_sandbox_inherited())
        return true;
    const char *why = "started under a seccomp filter (Seccomp: 2 in /proc/self/status, as "
                      "urunc runs solo5-hvt)";
    if (vm->backend->single_run == NULL) {
        fprintf(stderr,
                "skiff: sandbox: %s: %s keeps its own sandbox (guest process, I/O thread, "
                "filters); the launcher's filter must allow them\n",
                why, vm->backend->name);
        return true;
    }
    if (cli->io_given && cli->io_mode != SKIFF_IO_DIRECT) {
        fprintf(stderr,
                "skiff: sandbox: %s, but --io=%s was given: skiff's threads and filters are "
                "kept; the launcher's filter must allow them (clone, eventfd2, seccomp...)\n",
                why, cli->io_mode == SKIFF_IO_POLL ? "poll" : "event");
        return true;
    }
    for (unsigned i = 0; i < cli->net_count; i++)
        if (cli->nets[i].has_rate) {
            fprintf(stderr,
                    "skiff: error: --net-rate:%s needs the I/O thread, which skiff does not "
                    "start under a launcher's seccomp filter (%s)\n",
                    cli->nets[i].name, why);
            return false;
        }
    for (unsigned i = 0; i < cli->net_count; i++)
        if (cli->nets[i].pcap) {
            fprintf(stderr,
                    "skiff: error: --pcap:%s needs the capture writer thread, which skiff does "
                    "not start under a launcher's seccomp filter (%s)\n",
                    cli->nets[i].name, why);
            return false;
        }
    if (cli->io_uring == SKIFF_IO_URING_ON) {
        fprintf(stderr,
                "skiff: error: --io-uring=on needs the I/O thread, which skiff does not start "
                "under a launcher's seccomp filter (%s)\n",
                why);
        return false;
    }
    vm->single = true;
    vm->io_mode = SKIFF_IO_DIRECT;
    fprintf(stderr,
            "skiff: sandbox: %s: hvt runs the guest on one thread in --io=direct mode, under "
            "that filter alone (skiff cannot add its own)\n",
            why);
    return true;
}

/*
 * --pcap: open the files and rings for the NICs that ask (before guest
 * memory is set up: a captured NIC keeps its frames in the tender's sight,
 * see skiff_nic_tx_bypass; in spt --io=direct the guest copies them into a
 * capture channel that memory set-up lays out).
 */
static int open_captures(struct skiff_captures **caps, struct skiff_vm *vm,
                         const struct skiff_cli *cli)
{
    const char *paths[SKIFF_MAX_NICS] = { 0 };
    uint64_t limits[SKIFF_MAX_NICS] = { 0 };
    for (unsigned i = 0; i < vm->nic_count; i++) {
        const struct skiff_cli_net *net = skiff_cli_find_net(cli, vm->nics[i].name);
        paths[i] = net ? net->pcap : NULL;
        limits[i] = net ? net->pcap_limit : 0;
    }
    return skiff_capture_open(caps, vm->nics, vm->nic_count, paths, limits);
}

int main(int argc, char **argv)
{
    struct skiff_cli cli;
    switch (skiff_cli_parse(argc, argv, &cli, stdout, stderr)) {
    case SKIFF_CLI_EXIT: return 0;
    case SKIFF_CLI_VERSION:
        if (cli.solo5)
            skiff_host_version_solo5(stderr, cli.prog); /* where Solo5 prints it */
        else
            skiff_host_version(stdout);
        return 0;
    case SKIFF_CLI_CHECK: return skiff_host_check(stdout);
    case SKIFF_CLI_ERROR: return EXIT_TENDER_ERROR;
    case SKIFF_CLI_RUN: break;
    }

    signal(SIGPIPE, SIG_IGN); /* a closed @FD socket is an error, not a death */
    if (skiff_sandbox_inherited())
        skiff_sandbox_report_sigsys();

    int wait_fd = -1, sig_fd = -1;
    struct tender_exit ends = { .status = EXIT_TENDER_ERROR, .signo = 0 };
    uint8_t *image = NULL;
    size_t image_len = 0;
    struct skiff_image img;
    struct skiff_vm vm;
    struct skiff_io *io = NULL;
    struct skiff_captures *caps = NULL;
    struct skiff_stats_file stats_file = { .dir_fd = -1 };
    bool guest_started = false, ran = false, unmap = true;
    char err[256];
    char *cmdline = malloc(SKIFF_CMDLINE_MAX);

    skiff_vm_init(&vm);
    vm.backend = &skiff_backend_spt;
    vm.mem_at_gpa = vm.backend->mem_at_gpa;
    vm.mem_size = cli.mem_bytes;
    vm.io_mode = cli.io_mode;

    /* Outside a launcher's filter there will be threads: block our signals
     * before anything, so one that comes during set-up still tears down.
     * Inside one the backend decides (below). */
    if (!skiff_sandbox_inherited() && (sig_fd = block_signals()) < 0)
        goto out;
    if (!cmdline) {
        fprintf(stderr, "skiff: error: out of memory\n");
        goto out;
    }
    if (skiff_cli_cmdline(&cli, cmdline, SKIFF_CMDLINE_MAX) < 0) {
        fprintf(stderr,
                "skiff: error: Guest command line too long (max=%u characters): shorten the "
                "guest arguments\n",
                SKIFF_CMDLINE_MAX - 1);
        goto out;
    }
    if (read_image(cli.image, &image, &image_len) < 0)
        goto out;
    /* The image's ABI note picks the backend. */
    /* As solo5-spt/-hvt, --mem is a minimum (grown below), so the fit is
     * checked against the largest memory here. */
    if (skiff_elf_parse(image, image_len,
                        cli.solo5 ? (uint64_t)SKIFF_MEM_MAX_MB << 20 : cli.mem_bytes, cli.target,
                        &img, err, sizeof err) < 0) {
        fprintf(stderr, "skiff: error: %s: %s\n", cli.image, err);
        goto out;
    }
    vm.backend = skiff_backend_for(img.abi.target);
    if (!vm.backend) {
        vm.backend = &skiff_backend_spt;
        fprintf(stderr, "skiff: error: %s: this skiff cannot run %s images\n", cli.image,
                skiff_target_name(img.abi.target));
        goto out;
    }
    vm.mem_at_gpa = vm.backend->mem_at_gpa;
    if (!choose_sandbox(&vm, &cli))
        goto out;
    /* Under a launcher's filter: handlers that interrupt the guest (one
     * thread), or the signalfd; before anything is attached. */
    if (vm.single)
        vm.backend->single_signals();
    else if (sig_fd < 0 && (sig_fd = block_signals()) < 0)
        goto out;
    if (vm.backend->probe && vm.backend->probe(cli.image) < 0)
        goto out;
    /* Opened now: main may open nothing once the guest runs. Under a
     * launcher's filter it is written in place (no rename(2) there). */
    if (cli.stats_file && skiff_stats_file_open(&stats_file, cli.stats_file, vm.single) < 0)
        goto out;
    vm.img = &img;
    vm.image_buf = image;
    vm.image_len = image_len;
    if (match_nics(&cli, &img.manifest) < 0 || attach_blocks(&vm, &cli) < 0 ||
        attach_nics(&vm, &cli) < 0 || open_captures(&caps, &vm, &cli) < 0)
        goto out;
    if (cli.solo5)
        vm.mem_size = solo5_mem_size(&vm, cli.mem_bytes);
    if (skiff_mem_setup(&vm, cmdline) < 0)
        goto out;
    /* The image is in guest memory now; drop the copy. */
    free(image);
    image = NULL;
    vm.image_buf = NULL;

    if (vm.io_mode != SKIFF_IO_DIRECT && vm.nic_count > 0) {
        struct skiff_io_config cfg = {
            .mode = vm.io_mode,
            .spin_ns = cli.spin_ns,
            .io_uring = cli.io_uring,
            .nics = vm.nics,
            .nic_count = vm.nic_count,
        };
        io = skiff_io_start(&cfg);
        if (!io)
            goto out;
        const char *why;
        const char *tap_io = skiff_io_tap_io(io, &why);
        skiff_stats_set_tap_io(tap_io, why);
    }
    if (skiff_capture_start(caps) < 0)
        goto out;
    if (vm.backend->start(&vm) < 0)
        goto out;
    guest_started = true;
    ran = true;

    int stop_sig, first_sig;
    if (vm.single) {
        /* The guest runs here until it ends, or a stop signal and the
         * grace period end it. */
        stop_sig = vm.backend->single_run(&vm, GRACE_MS, &first_sig);
    } else {
        /* Set-up is over: from here main only waits, reports and tears
         * down, under its own allowlist (the I/O thread and a vCPU thread
         * have theirs already). */
        wait_fd = make_waiter(&vm, sig_fd);
        struct skiff_main_fds mfds = {
            .signal_fd = sig_fd,
            .wait_fd = wait_fd,
            .io_stop_fd = skiff_io_stop_fd(io),
            .stats_fd = skiff_stats_file_fd(&stats_file),
            .stats_dir = stats_file.dir_fd,
        };
        if (wait_fd < 0 || skiff_main_seccomp_install(&vm, &mfds) < 0)
            goto out;

        stop_sig = first_sig = wait_guest(&vm, wait_fd, sig_fd, -1);
        if (stop_sig > 0 && (io != NULL || vm.io_mode == SKIFF_IO_DIRECT)) {
            /* Graceful: close the NICs so the guest sees end of input and
             * can exit by itself; a second signal or the grace period
             * cancels it. */
            fprintf(stderr, "skiff: %s: closing NICs, waiting up to %d ms for the guest to exit\n",
                    strsignal(stop_sig), GRACE_MS);
            if (io != NULL) {
                skiff_io_close_nics(io);
            } else {
                skiff_direct_close(&vm);
            }
            int again = wait_guest(&vm, wait_fd, sig_fd, GRACE_MS);
            if (again == 0)
                stop_sig = 0;
        }
    }
    struct skiff_end end;
    if (vm.backend->stop(&vm, stop_sig != 0, &end) < 0) {
        fprintf(stderr, "skiff: error: the guest does not stop; exiting with "
                        "it still running\n");
        unmap = false;
    }
    guest_started = false;
    report_end(&end);
    ends = end_status(&end, first_sig, cli.solo5, vm.backend->target);

out:
    if (guest_started) {
        struct skiff_end late;
        if (vm.backend->stop(&vm, true, &late) < 0)
            unmap = false;
    }
    if (io)
        skiff_io_stop(io);
    /* Nothing produces frames any more: the writer writes the rest. */
    skiff_capture_stop(caps);
    if (cli.stats && ran) {
        const struct skiff_exit_stats *exits = vm.has_exits ? &vm.exits : NULL;
        skiff_stats_print(stderr, vm.nics, vm.nic_count, vm.io_mode, exits);
        if (cli.stats_file &&
            skiff_stats_file_write(&stats_file, vm.nics, vm.nic_count, vm.io_mode, exits) < 0 &&
            ends.status == 0 && ends.signo == 0)
            ends.status = EXIT_TENDER_ERROR;
    }
    skiff_stats_file_close(&stats_file);
    if (unmap) /* else the guest may still be running: its frames must find the rings */
        skiff_capture_close(caps);
    skiff_mem_teardown(&vm, unmap);
    for (unsigned i = 0; i < vm.nic_count; i++)
        skiff_tap_detach(&vm.nics[i]);
    for (unsigned i = 0; i < vm.block_count; i++)
        skiff_block_close(&vm.blocks[i]);
    free(image);
    free(cmdline);
    if (wait_fd >= 0)
        close(wait_fd);
    if (sig_fd >= 0)
        close(sig_fd);
    if (!unmap)
        _exit(ends.signo ? 128 + ends.signo
                         : ends.status); /* skip atexit work while the guest may still run */
    if (ends.signo)
        die_by_signal(ends.signo);
    return ends.status;
}
