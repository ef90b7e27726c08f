/*
 * Starting the spt guest process: the loader program embedded in the
 * tender, and the fork + exec that gives it exactly the fds it may have.
 */
#ifndef SKIFF_SPT_SPAWN_H
#define SKIFF_SPT_SPAWN_H

#include <sys/types.h>

/* A sealed, close-on-exec memfd holding the loader (tender/spt/loader/),
 * ready for execveat(). -1 with errno set on failure. */
int skiff_spt_loader_fd(void);

struct skiff_spt_spawn {
    const int *keep; /* fds the guest process keeps, at the same numbers */
    unsigned nkeep;
    int loader_fd; /* from skiff_spt_loader_fd() */
    int launch_fd; /* read end of the launch pipe: the loader's argv[1] */
    int report_fd; /* write end of the report pipe (also in keep) */
};

/*
 * Fork; in the child close every fd but `keep` (clearing their close-on-
 * exec flag), arrange to be killed if the tender dies, disable core dumps,
 * and execute the loader with an empty environment. An exec failure is
 * reported through report_fd (SKIFF_SPT_STEP_EXEC). Returns the child's pid,
 * or -1 with errno set.
 */
pid_t skiff_spt_spawn(const struct skiff_spt_spawn *sp);

#endif /* SKIFF_SPT_SPAWN_H */
