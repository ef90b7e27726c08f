#!/usr/bin/env bash
# The spt guest reads its clocks through the kernel's vDSO, mapped into its
# process at exec: the clock guest makes 100,000 monotonic reads, checks
# they never go back and the wall clock is plausible, and strace counts the
# clock_gettime system calls of the tender and its guest process together:
# far fewer than the reads (with no vDSO every read would be one).
# Usage: vdso_clock.sh SKIFF GUEST_DIR. Skips (77) without strace.
set -u
skiff=$1 guests=$2
reads=100000
command -v strace >/dev/null || { echo "SKIP: no strace (apt-get install strace)"; exit 77; }
trace=$(mktemp) out=$(mktemp)
trap 'rm -f "$trace" "$out"' EXIT

# LeakSanitizer cannot run under ptrace: leaks are checked by every other
# test of a sanitizer build, not this one.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    strace -f -qq -e trace=clock_gettime -o "$trace" "$skiff" "$guests/clock.spt" "$reads" >"$out" 2>&1
rc=$?
cat "$out"
if [ $rc -ne 0 ] || ! grep -q "^clock: $reads reads in [0-9]* ns: OK$" "$out"; then
    echo "FAIL: the clock guest did not succeed (exit $rc)"
    exit 1
fi
calls=$(grep -c 'clock_gettime(' "$trace")
echo "clock_gettime system calls for $reads clock reads: $calls"
if [ "$calls" -ge $((reads / 100)) ]; then
    echo "FAIL: the guest's clock reads are system calls ($calls for $reads reads): the vDSO is not used"
    exit 1
fi
echo "PASS"
