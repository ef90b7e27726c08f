/*
 * Main's seccomp allowlist (main_seccomp.c), loaded by main on itself once
 * the guest runs: from then on no thread of the tender is unfiltered.
 */
#ifndef SKIFF_MAIN_SECCOMP_H
#define SKIFF_MAIN_SECCOMP_H

#include "core/vm.h"

/* The fds main still uses once the guest runs, besides vm's. -1: none. */
struct skiff_main_fds {
    int signal_fd;  /* signalfd of the tender's signals */
    int wait_fd;    /* epoll set main sleeps in (exit_fd, signal_fd, end_fd) */
    int io_stop_fd; /* eventfd that stops the I/O thread */
    int stats_fd;   /* --stats=FILE: the temporary file, written at exit */
    int stats_dir;  /* --stats=FILE: its directory (renamed within it) */
};

/*
 * Build and load main's allowlist: what it does until exit (wait, print,
 * stop and reap the guest through vm->backend->confine_main, stop the I/O
 * thread, tear down, write stats), nothing else. Prints a one-line error
 * and returns -1 if the filter cannot be built or loaded.
 */
int skiff_main_seccomp_install(const struct skiff_vm *vm, const struct skiff_main_fds *fds);

#endif /* SKIFF_MAIN_SECCOMP_H */
