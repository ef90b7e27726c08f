#!/usr/bin/env bash
# Test of kvm-run's freeze handling: a command that stops the VM's heartbeat
# (it freezes the heartbeat loop with SIGSTOP) must be reported as a frozen
# machine, booted a second time, reported again, and end with status 124 in
# well under the run's time limit. Always in the VM (--vm), since the nested
# hvt tests use the VM on every host.
#
#   freeze_test.sh [kvm-run options...]
#
# Exit status: 0 pass, 77 skip, else fail.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT


start=$(date +%s)
SKIFF_KVM_FREEZE_S=10 "$here/kvm-run" --vm --timeout 150 "$@" -- sh -c \
    'until killall -STOP sleep 2>/dev/null; do :; done; echo heartbeat-stopped; while :; do :; done' \
    >"$out" 2>&1
rc=$?
took=$(($(date +%s) - start))
sed 's/^/  | /' "$out"

fail() { echo "FAIL: $*"; exit 1; }
[ "$rc" != 77 ] || { echo "SKIP: no KVM VM here"; exit 77; }
[ "$rc" = 124 ] || fail "kvm-run exit status $rc, want 124"
[ "$(grep -c "^heartbeat-stopped" "$out")" = 2 ] || fail "the command did not run twice (once per boot)"
grep -q 'the emulated machine froze (no heartbeat for 10s' "$out" || fail "no first freeze report"
grep -q 'the emulated machine froze again' "$out" || fail "no second freeze report"
[ "$(grep -c 'kvm-run:   cpu: rip' "$out")" -ge 2 ] || fail "no emulated CPU state in the report"
# Two boots plus two 10-s silences, far from the 150-s limit.
[ "$took" -lt 120 ] || fail "took ${took}s: the freeze was not caught early"
echo "ok   frozen VM reported and rebooted once, then failed (${took}s)"
