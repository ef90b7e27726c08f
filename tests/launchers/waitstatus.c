/*
 * waitstatus: run a command and print how waitpid(2) saw it end, the way a
 * launcher (albatross, a supervisor) tells an exit from a death by signal,
 * which a shell's $? cannot (it shows 139 for both exit(139) and SIGSEGV).
 *
 *   waitstatus [-o FILE] COMMAND [ARGS...]
 *
 * writes one line, "exited N" or "signalled NAME" (with " core" if a core
 * was dumped), to FILE (appended) or stdout, and exits 0 once the command
 * ran. The command's stdin, stdout and stderr are this program's (a
 * launcher's console FIFO, say): -o keeps the verdict out of them.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/wait.h>

int main(int argc, char **argv)
{
    FILE *out = stdout;
    if (argc > 2 && strcmp(argv[1], "-o") == 0) {
        out = fopen(argv[2], "a");
        if (!out) {
            fprintf(stderr, "waitstatus: %s: %s\n", argv[2], strerror(errno));
            return 2;
        }
        argv += 2;
        argc -= 2;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: waitstatus [-o FILE] COMMAND [ARGS...]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("waitstatus: fork");
        return 2;
    }
    if (pid == 0) {
        if (out != stdout)
            fclose(out);
        execvp(argv[1], argv + 1);
        fprintf(stderr, "waitstatus: %s: %s\n", argv[1], strerror(errno));
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) {
            perror("waitstatus: waitpid");
            return 2;
        }
    if (WIFEXITED(st)) {
        fprintf(out, "exited %d\n", WEXITSTATUS(st));
    } else if (WIFSIGNALED(st)) {
        const char *n = sigabbrev_np(WTERMSIG(st));
        fprintf(out, "signalled SIG%s%s\n", n ? n : "?", WCOREDUMP(st) ? " core" : "");
    } else {
        fprintf(out, "unknown %d\n", st);
    }
    return fclose(out) == 0 ? 0 : 2;
}
