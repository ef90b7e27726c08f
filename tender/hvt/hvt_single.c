/*
 * hvt on one thread, for launchers that start the tender under a seccomp
 * filter of their own (urunc: 43 system calls; no clone, eventfd, signal
 * masks, signalfd, prctl or seccomp, which cannot be undone). main runs the
 * vCPU itself, hypercalls are served in line, in --io=direct mode (no I/O
 * thread, no rings), and skiff loads no filter: the launcher's is the one.
 *
 * Stop signals arrive through plain handlers (rt_sigaction, no mask
 * changes). A handler records the signal, sets the vCPU's immediate_exit
 * (so KVM_RUN returns, also if the signal came just before it) and arms
 * the cancel timerfd, which sits in the POLL hypercall's epoll set (so a
 * sleeping POLL returns, also if the signal came just before it). The loop
 * then starts the graceful stop of main.c's threaded path: the NICs read
 * as closed and the guest gets the grace period, measured by the same
 * timerfd (no clock needed), or a second signal, to exit by itself. The
 * WALLTIME hypercall reads a realtime timerfd (skiff_hvt_single_wall), not
 * clock_gettime(2), which the launcher's filter may not allow.
 */
#include "hvt/hvt.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <time.h>

#include <sys/timerfd.h>

#include "net/direct.h"
#include "report/stats.h"

static volatile sig_atomic_t first_sig; /* first stop signal, 0: none */
static volatile sig_atomic_t stop_count;
static volatile sig_atomic_t stats_asked; /* SIGUSR1 */
static struct kvm_run *volatile run_page; /* set while the vCPU exists */
static volatile int wake_fd = -1;         /* the cancel timerfd */
static int wall_fd = -1;                  /* CLOCK_REALTIME timerfd: the wall clock */

/* A wall-clock timer armed this far ahead (absolute): reading how long it
 * has to go tells the time (year 2096; timerfds take up to year 2262). */
#define WALL_FAR_S 4000000000LL

static void arm(int fd, long ns)
{
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    its.it_value.tv_sec = ns / 1000000000L;
    its.it_value.tv_nsec = ns % 1000000000L;
    (void)timerfd_settime(fd, 0, &its, NULL);
}

static void on_signal(int sig)
{
    int saved = errno;
    if (sig == SIGUSR1) {
        stats_asked = 1;
    } else {
        if (first_sig == 0)
            first_sig = sig;
        stop_count++;
    }
    struct kvm_run *run = run_page;
    if (run)
        run->immediate_exit = 1;
    int fd = wake_fd;
    if (fd >= 0)
        arm(fd, 1); /* 1 ns: readable at once */
    errno = saved;
}

void skiff_hvt_single_signals(void)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1 };
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: KVM_RUN and POLL return */
    sigfillset(&sa.sa_mask);   /* handlers never nest */
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}

/* (Re-)arm the wall-clock timerfd at WALL_FAR_S; *left (if not NULL) gets
 * how long it had to go. 0 or -1. */
static int wall_arm(struct itimerspec *left)
{
    struct itimerspec far;
    memset(&far, 0, sizeof far);
    far.it_value.tv_sec = (time_t)WALL_FAR_S;
    return timerfd_settime(wall_fd, TFD_TIMER_ABSTIME, &far, left);
}

int skiff_hvt_single_wall(struct timespec *ts)
{
    struct itimerspec left;
    if (wall_fd < 0 || wall_arm(&left) < 0)
        return -1;
    int64_t ns = WALL_FAR_S * 1000000000LL -
                 ((int64_t)left.it_value.tv_sec * 1000000000LL + left.it_value.tv_nsec);
    ts->tv_sec = (time_t)(ns / 1000000000LL);
    ts->tv_nsec = (long)(ns % 1000000000LL);
    return 0;
}

void skiff_hvt_single_attach(struct hvt *h)
{
    /* The vDSO reads the wall clock without a system call only where the
     * clock source allows (not HPET, as in the nested test VM): its
     * fallback, clock_gettime(2), is outside urunc's filter. A realtime
     * timerfd is inside it (timerfd_create, timerfd_settime). */
    wall_fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC);
    if (wall_fd >= 0 && wall_arm(NULL) < 0) {
        close(wall_fd);
        wall_fd = -1;
    }
    wake_fd = h->cancel_fd;
    run_page = h->run;
    if (first_sig != 0) /* a stop signal during set-up */
        arm(h->cancel_fd, 1);
}

void skiff_hvt_single_detach(void)
{
    run_page = NULL;
    wake_fd = -1;
    if (wall_fd >= 0)
        close(wall_fd);
    wall_fd = -1;
}

/* Has the cancel timerfd expired since it was last armed? */
static bool expired(int fd)
{
    uint64_t ticks;
    return read(fd, &ticks, sizeof ticks) == (ssize_t)sizeof ticks;
}

int skiff_hvt_single_run(struct skiff_vm *vm, int grace_ms, int *first)
{
    struct hvt *h = vm->backend_priv;
    bool closing = false;
    for (;;) {
        if (stats_asked) {
            stats_asked = 0;
            if (!closing)
                (void)expired(h->cancel_fd); /* or every POLL would return at once */
            skiff_stats_print(stderr, vm->nics, vm->nic_count, vm->io_mode, &vm->exits);
        }
        if (first_sig != 0 && !closing) {
            /* Graceful: every NIC reads as closed from now on (the POLL
             * hypercall says so at once), and the timerfd measures the
             * grace period (a second signal re-arms it to now). */
            closing = true;
            fprintf(stderr, "skiff: %s: closing NICs, waiting up to %d ms for the guest to exit\n",
                    strsignal(first_sig), grace_ms);
            skiff_direct_close(vm);
            h->direct_closed = true;
            arm(h->cancel_fd, (long)grace_ms * 1000000L);
            if (stop_count > 1)
                arm(h->cancel_fd, 1);
        }
        if (closing && expired(h->cancel_fd))
            break; /* grace period over, or a second signal */
        if (!skiff_hvt_vcpu_step(h)) {
            *first = first_sig;
            return 0; /* the guest ended (h->end says how) */
        }
    }
    *first = first_sig;
    return first_sig;
}
