/*
 * The spt launch protocol between the tender and its guest-process loader
 * (tender/spt/loader/): what the tender writes into the launch pipe, and
 * what the loader's signal handlers write into the report pipe when the
 * guest dies. Shared by the hosted tender and the freestanding loader:
 * C11 and <stdint.h> only, layout pinned below.
 *
 * The loader is started as `skiff-guest LAUNCH_FD` with nothing else open
 * but the fds the guest may use and the ones named here. It reads one
 * struct skiff_spt_launch followed by bpf_len BPF instructions (8 bytes
 * each, struct sock_filter) from LAUNCH_FD, then closes it.
 */
#ifndef SKIFF_SPT_LAUNCH_H
#define SKIFF_SPT_LAUNCH_H

#include <stdint.h>

#define SKIFF_SPT_LAUNCH_MAGIC   0x68636e75616c7073ull /* "splaunch" */
#define SKIFF_SPT_LAUNCH_VERSION 1u
#define SKIFF_SPT_MAX_SEGS       16u   /* = SKIFF_ELF_MAX_LOAD */
#define SKIFF_SPT_BPF_MAX        4096u /* = BPF_MAXINSNS */
#define SKIFF_SPT_BPF_INSN_BYTES 8u

/* Protections of one page-aligned range of guest memory (PROT_* values). */
struct skiff_spt_seg {
    uint64_t addr, len;
    uint32_t prot;
    uint32_t reserved;
};
_Static_assert(sizeof(struct skiff_spt_seg) == 24, "launch abi");

struct skiff_spt_launch {
    uint64_t magic;                      /* SKIFF_SPT_LAUNCH_MAGIC */
    uint32_t version;                    /* SKIFF_SPT_LAUNCH_VERSION */
    int32_t pid;                         /* the guest process itself (its handlers re-raise
                                          * their signal with tgkill(pid, pid, sig)) */
    int32_t mem_fd;                      /* guest memory (memfd): mapped, then closed */
    int32_t report_fd;                   /* write end of the report pipe (kept) */
    uint64_t mem_addr, mem_len;          /* map mem_fd [0, mem_len) here, read-write */
    uint64_t entry, stack_top, boot_gpa; /* jump to entry, rdi = boot_gpa */
    uint32_t seg_count;                  /* image segments, protections applied after mapping */
    uint32_t bpf_len;                    /* BPF instructions following this block */
    struct skiff_spt_seg segs[SKIFF_SPT_MAX_SEGS];
};
_Static_assert(__builtin_offsetof(struct skiff_spt_launch, mem_addr) == 24, "launch abi");
_Static_assert(__builtin_offsetof(struct skiff_spt_launch, segs) == 72, "launch abi");
_Static_assert(sizeof(struct skiff_spt_launch) == 72 + 24 * SKIFF_SPT_MAX_SEGS, "launch abi");

/* What a report says. */
#define SKIFF_SPT_REPORT_MAGIC  0x7472706bu /* "kprt" */
#define SKIFF_SPT_REPORT_SIGNAL 1u          /* a synchronous signal is ending the guest */
#define SKIFF_SPT_REPORT_FAILED 2u          /* the loader could not start the guest */

/* Loader steps, for SKIFF_SPT_REPORT_FAILED (`signo` holds the step). */
enum skiff_spt_step {
    SKIFF_SPT_STEP_EXEC = 1, /* the tender's child could not execute the loader */
    SKIFF_SPT_STEP_LAUNCH,   /* reading or checking the launch block */
    SKIFF_SPT_STEP_MAP,      /* mapping guest memory */
    SKIFF_SPT_STEP_PROTECT,  /* applying the image's segment protections */
    SKIFF_SPT_STEP_SIGNALS,  /* signal stack, handlers, mask */
    SKIFF_SPT_STEP_CAPS,     /* dropping capabilities */
    SKIFF_SPT_STEP_SECCOMP,  /* no_new_privs, loading the filter */
};

/*
 * One record, written with a single write(2) (smaller than PIPE_BUF, so it
 * is never split). The guest can write to the report pipe too: the tender
 * only uses a record that agrees with how the process actually ended.
 */
struct skiff_spt_report {
    uint32_t magic;            /* SKIFF_SPT_REPORT_MAGIC */
    uint32_t kind;             /* SKIFF_SPT_REPORT_* */
    int32_t signo;             /* SIGNAL: the signal; FAILED: enum skiff_spt_step */
    int32_t code;              /* SIGNAL: si_code; FAILED: errno */
    uint32_t syscall_nr, arch; /* SIGSYS: the call and its audit arch */
    uint64_t addr;             /* fault address (si_addr) */
    uint64_t ip;               /* instruction pointer at the signal */
};
_Static_assert(sizeof(struct skiff_spt_report) == 40, "launch abi");

#endif /* SKIFF_SPT_LAUNCH_H */
