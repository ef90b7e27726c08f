#!/bin/sh
# A hostile spt guest against its sandbox: every attempt to reach the
# tender (its TLS through %fs, memory outside guest memory, a list of
# forbidden system calls) must kill the guest process by the right signal,
# and skiff must end by that signal too (the shell shows 139 SIGSEGV, 159
# SIGSYS, and reports the signal itself) with exactly one line naming the
# cause. A guest that survives prints "SURVIVED".
# Usage: hostile.sh SKIFF GUEST_DIR FDPAIR IA32_PROBE
set -u
skiff=$1 img=$2/hostile.spt nic_img=$2/hostile_nic.spt fdpair=$3 ia32_probe=$4
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
failed=0 n=0

# check NAME EXPECTED_RC STDERR_PATTERN GUEST-ARGS...
check() {
    name=$1 want=$2 pattern=$3
    shift 3
    n=$((n + 1))
    timeout -k 5 30 "$skiff" --mem=16 "$img" -- "$@" >"$out" 2>"$err"
    rc=$?
    if grep -q SURVIVED "$out"; then
        echo "FAIL $name: $(cat "$out")"; failed=1; return
    fi
    if [ "$rc" != "$want" ]; then
        echo "FAIL $name: exit $rc, expected $want"; cat "$out" "$err"; failed=1; return
    fi
    if ! grep -q -- "$pattern" "$err" || [ "$(grep -c '^skiff: ' "$err")" != 1 ]; then
        echo "FAIL $name: want one stderr line matching '$pattern', got:"; cat "$err"; failed=1; return
    fi
    echo "ok   $name: $(grep '^skiff: ' "$err")"
}

fault() { # NAME ADDRESS-IN-MESSAGE GUEST-ARGS...
    name=$1 addr=$2
    shift 2
    check "$name" 139 "^skiff: guest killed: SIGSEGV at address $addr, instruction 0x[0-9a-f]*$" "$@"
}

# The tender's TLS is not there: %fs starts at 0 in the guest process.
fault fs-canary 0x28 fsread 0x28
fault fs-word0 0x0 fsread 0
fault fs-below 0xfffffffffffffff8 fsread -8
fault fs-high 0x1000 fsread 0x1000
# Nothing outside guest memory ([1 MiB, 16 MiB) here) is mapped, and the
# image is mapped W^X.
fault null-page 0x8 write 8
fault below-guest 0xff000 write 0xff000
fault past-guest 0x1000000 write 0x1000000
fault far-past 0x40000000 write 0x40000000
fault tender-pie 0x555555554000 write 0x555555554000
fault tender-libs 0x7f0000000000 write 0x7f0000000000
fault read-tender 0x555555554000 read 0x555555554000
fault own-text 0x100000 write 0x100000
fault exec-heap 0x800000 exec 0x800000
# A non-canonical address is a general protection fault: no address.
fault non-canonical 0x0 write 0x800000000000

# Forbidden system calls: each kills the guest by SIGSYS, named.
while read -r nr name args; do
    [ -n "$nr" ] || continue
    # shellcheck disable=SC2086
    check "sys-$name" 159 "^skiff: guest killed: forbidden system call $nr ($name)$" sys "$nr" $args
done <<'EOF'
39 getpid
110 getppid
2 open 0x100000 0
257 openat -100 0x100000 0
41 socket 2 1 0
42 connect 0 0 0
101 ptrace 16 1
9 mmap 0 4096 7 34 -1 0
10 mprotect 0x100000 4096 7
11 munmap 0x100000 4096
25 mremap 0x100000 4096 8192 1
12 brk 0
59 execve 0x100000 0 0
57 fork
56 clone 17 0
62 kill 1 9
234 tgkill 1 1 11
200 tkill 1 11
16 ioctl 7 0x5412 0x100000
13 rt_sigaction 11 0 0 8
14 rt_sigprocmask 2 0x100000 0 8
15 rt_sigreturn
131 sigaltstack 0 0
157 prctl 38 1
317 seccomp 1 0 0
1 write 2 0x100000 1
0 read 0 0x100000 1
233 epoll_ctl 5 1 0 0
32 dup 7
3 close 7
33 dup2 7 0
434 pidfd_open 1 0
438 pidfd_getfd 0 0 0
310 process_vm_readv 1 0 0 0 0 0
311 process_vm_writev 1 0 0 0 0 0
319 memfd_create 0x100000 0
323 userfaultfd 0
321 bpf 0 0 0
425 io_uring_setup 1 0
298 perf_event_open 0 0 -1 -1 0
35 nanosleep 0 0
105 setuid 0
272 unshare 0
165 mount 0 0 0 0 0
161 chroot 0
169 reboot 0 0 0 0
61 wait4 -1 0 0 0
EOF
# Allowed calls with arguments they may not use.
check arch_prctl-gs 159 "forbidden system call 158 (arch_prctl)$" sys 158 0x1001 0
check arch_prctl-getfs 159 "forbidden system call 158 (arch_prctl)$" sys 158 0x1003 0x100000
check clock-cputime 159 "forbidden system call 228 (clock_gettime)$" sys 228 2 0x100000
check tgkill-sigkill 159 "forbidden system call 234 (tgkill)$" sys 234 0 0 9
# Other ABIs: 32-bit (int $0x80) and x32 calls are refused as such. A
# kernel without ia32 emulation (off at build or boot, or turned off by a
# guest kernel: "32-bit emulation disabled" in its log) never makes the
# 32-bit call at all: int $0x80 is a general protection fault there, so
# the guest dies by SIGSEGV before seccomp sees anything.
if "$ia32_probe" 2>/dev/null; then
    check int80-getpid 159 "forbidden system call 20 (getpid, i386 ABI)$" int80 20
else
    check int80-getpid 139 "SIGSEGV at address 0x0, instruction 0x[0-9a-f]*$" int80 20
    echo "     (this kernel runs no 32-bit system calls: ia32_probe was refused too)"
fi
check x32-getpid 159 "forbidden system call 1073741863 (getpid, x32 ABI)$" x32 39

# The %fs base the guest starts with is 0 (where the CPU lets it read it).
timeout -k 5 30 "$skiff" "$img" -- fsbase >"$out" 2>"$err"
rc=$?
if [ "$rc" = 0 ]; then
    echo "ok   fsbase: $(cat "$out")"
elif [ "$rc" = 132 ]; then
    echo "ok   fsbase: no rdfsbase on this CPU/kernel ($(cat "$err"))"
else
    echo "FAIL fsbase: exit $rc"; cat "$out" "$err"; failed=1
fi

# With a NIC in every I/O mode: the tender outlives its guest cleanly (the
# I/O thread stops, the NIC is closed, --stats are still printed).
for mode in event poll direct; do
    n=$((n + 1))
    timeout -k 5 30 "$fdpair" "$skiff" --stats --io=$mode --net:service=@3 "$nic_img" -- write 8 \
        >"$out" 2>"$err"
    rc=$?
    if [ "$rc" = 139 ] && [ "$(grep -c '^skiff: guest killed: SIGSEGV at address 0x8,' "$err")" = 1 ] &&
        grep -q "^skiff: stats (io=$mode)" "$err" && ! grep -q SURVIVED "$out"; then
        echo "ok   nic-$mode: $(head -1 "$err"), stats printed"
    else
        echo "FAIL nic-$mode: exit $rc"; cat "$out" "$err"; failed=1
    fi
done

echo "$n attempts checked"
exit $failed
