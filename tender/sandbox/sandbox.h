/*
 * The sandbox the tender was started in. A launcher may execute the tender
 * under a seccomp filter of its own (urunc does for solo5-hvt: 43 system
 * calls, everything else SIGSYS); filters are inherited across execve and
 * can never be removed, so what skiff may do at all is decided there. This
 * file finds out (the kernel says so in /proc/self/status) and, in that
 * case, names a forbidden call on stderr before the tender dies of it.
 */
#ifndef SKIFF_SANDBOX_H
#define SKIFF_SANDBOX_H

#include <stdbool.h>

/*
 * Did the tender start under a seccomp filter ("Seccomp: 2" in
 * /proc/self/status)? Read once (the first call) with system calls every
 * launcher filter seen so far allows (open, read, close). Unknown (no
 * /proc): false.
 */
bool skiff_sandbox_inherited(void);

/*
 * Under an inherited filter whose default is SIGSYS: catch that signal to
 * print one line naming the system call, then die of it as before (the
 * status a launcher sees does not change). Uses only rt_sigaction, write,
 * getpid and tgkill (urunc's filter allows them).
 */
void skiff_sandbox_report_sigsys(void);

#endif /* SKIFF_SANDBOX_H */
