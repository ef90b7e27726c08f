/*
 * fdpair: run a command with one end of a fresh AF_UNIX SOCK_SEQPACKET
 * socket pair as its fd 3 (a NIC for `--net:NAME=@3` without root or TAP
 * devices), hold the other end open and silent, and exit with the
 * command's status (128 + signal if it was killed).
 *
 *   fdpair COMMAND [ARGS...]
 */
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int sv[2];
    if (argc < 2) {
        fprintf(stderr, "usage: fdpair COMMAND [ARGS...]\n");
        return 2;
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        perror("fdpair: socketpair");
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fdpair: fork");
        return 2;
    }
    if (pid == 0) {
        if (dup2(sv[1], 3) < 0) /* dup2 clears close-on-exec */
            _exit(127);
        execvp(argv[1], argv + 1);
        perror("fdpair: exec");
        _exit(127);
    }
    close(sv[1]);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        ;
    close(sv[0]);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
