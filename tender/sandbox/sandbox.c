/*
 * The sandbox the tender was started in (see sandbox.h).
 */
#include "sandbox/sandbox.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <sys/syscall.h>

static int inherited = -1; /* -1: not read yet */

/* "Seccomp:\t2" in /proc/self/status: 0 none, 1 strict, 2 filter. */
static bool read_status(void)
{
    char buf[4096];
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    const char *p = strstr(buf, "\nSeccomp:");
    if (!p)
        return false;
    p += sizeof "\nSeccomp:" - 1;
    while (*p == ' ' || *p == '\t')
        p++;
    return *p == '2';
}

bool skiff_sandbox_inherited(void)
{
    if (inherited < 0)
        inherited = read_status();
    return inherited == 1;
}

/* Async-signal-safe: the line is built by hand and written at once. */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    static const char head[] = "skiff: error: system call ";
    static const char tail[] = " is not allowed by the seccomp filter skiff was started under "
                               "(the launcher's); the tender dies of it (SIGSYS)\n";
    char line[sizeof head + sizeof tail + 16];
    char num[12];
    unsigned nr = si->si_syscall >= 0 ? (unsigned)si->si_syscall : 0, k = 0;
    do
        num[k++] = (char)('0' + nr % 10);
    while ((nr /= 10) != 0 && k < sizeof num);
    size_t len = 0;
    memcpy(line, head, sizeof head - 1);
    len += sizeof head - 1;
    while (k > 0)
        line[len++] = num[--k];
    memcpy(line + len, tail, sizeof tail - 1);
    len += sizeof tail - 1;
    (void)!write(STDERR_FILENO, line, len);
    /* SA_RESETHAND made the action the default again; the signal is
     * blocked while this handler runs and is delivered on return. */
    syscall(SYS_tgkill, getpid(), getpid(), sig);
}

void skiff_sandbox_report_sigsys(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSYS, &sa, NULL);
}
