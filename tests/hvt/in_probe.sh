#!/usr/bin/env bash
# hvt end to end with the hvt_probe guest (needs /dev/kvm): exit statuses,
# console, clocks, TLS (also _Thread_local variables: tls.hvt), hypercalls with arguments outside guest memory, guest
# faults, privileged instructions and stray port I/O (each: one error line
# naming the cause, exit 255, no crash),
# SIGTERM, the exit counters, and the bad-image refusals.
# Usage: in_probe.sh SKIFF GUEST_DIR MKBAD
set -u
skiff=$1 guests=$2 mkbad=$3
probe=$guests/hvt_probe.hvt
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp) err=$(mktemp) js=$(mktemp)
trap 'rm -f "$out" "$err" "$js"' EXIT
failed=0
[ -c /dev/kvm ] || { echo "SKIP: no /dev/kvm"; exit 77; }

# check NAME EXPECTED_RC STDERR_PATTERN ARGS...: run skiff, compare. An
# error must be exactly one line and the tender must not have crashed
# (a crash is a signal exit, never 255 or 1).
check() {
    local name=$1 want=$2 pattern=$3
    shift 3
    # Bounded, so a tender that hangs fails this case instead of the whole VM.
    timeout -k 5 60 "$skiff" "$@" >"$out" 2>"$err"
    local rc=$?
    [ "$rc" != 124 ] || { echo "FAIL $name: skiff still running after 60 s"; failed=1; return; }
    if [ "$rc" != "$want" ]; then
        echo "FAIL $name: exit $rc, expected $want"; cat "$err"; failed=1; return
    fi
    if [ -n "$pattern" ]; then
        if ! grep -q -- "$pattern" "$err"; then
            echo "FAIL $name: stderr lacks '$pattern':"; cat "$err"; failed=1; return
        fi
        if [ "$(grep -c 'skiff: error' "$err")" != 1 ]; then
            echo "FAIL $name: not exactly one error line:"; cat "$err"; failed=1; return
        fi
    fi
    echo "ok   $name${pattern:+: $(grep -m1 -- "$pattern" "$err")}"
}

check exit-0 0 "" "$probe" -- exit 0
check exit-7 7 "" "$probe" -- exit 7
check echo 0 "" --mem=8 "$probe" -- echo a b
grep -q 'hvt_probe: cmdline "echo a b"' "$out" || { echo "FAIL echo output"; cat "$out"; failed=1; }
check clocks 0 "" "$probe" -- wall
grep -q 'clocks ok' "$out" || { echo "FAIL clocks"; cat "$out"; failed=1; }
check abort 255 "" "$probe" -- abort
grep -q 'solo5_abort() called' "$out" || { echo "FAIL abort message"; cat "$out"; failed=1; }

# A hypercall argument outside guest memory ends the tender with status 1 and
# Solo5's words, as Solo5's hvt.
check badarg 1 "skiff: error: Invalid guest access: gpa=0xfffff000 (guest hypercall 2: argument 0xfffff000 outside guest memory)" \
    --mem=16 "$probe" -- badarg
check baddata 1 "skiff: error: Invalid guest access: gpa=0xfff00000 (guest hypercall 2: argument 0xfff00000 outside guest memory)" \
    --mem=16 "$probe" -- baddata
check badhalt 1 "skiff: error: Invalid guest access: gpa=0xfff00000 (guest hypercall 6: argument 0xfff00000 outside guest memory)" \
    --mem=16 "$probe" -- badhalt
# NETIO (direct mode's batches) checks its whole batch before moving a frame.
check netio-mode 1 "skiff: error: Invalid guest hypercall: num=10 (NETIO is for --io=direct)" \
    "$probe" -- netio-nic
check netio-count 1 "skiff: error: Invalid guest hypercall argument: NETIO of 129 ops (at most 128)" \
    --io=direct "$probe" -- netio-count
check netio-ops 1 "skiff: error: Invalid guest access: gpa=0xfff00000 (guest hypercall 10: argument 0xfff00000 outside guest memory)" \
    --mem=16 --io=direct "$probe" -- netio-ops
check netio-data 1 "skiff: error: Invalid guest access: gpa=0xfff00000 (guest hypercall 10: argument 0xfff00000 outside guest memory)" \
    --mem=16 --io=direct "$probe" -- netio-data
check netio-kind 1 "skiff: error: Invalid guest hypercall argument: NETIO op 1 is of kind 7 (1 write, 2 read)" \
    --io=direct "$probe" -- netio-kind
check netio-nic 0 "" --io=direct "$probe" -- netio-nic
grep -q 'netio write -1 read -1' "$out" || { echo "FAIL netio-nic"; cat "$out"; failed=1; }
check tls 0 "" "$probe" -- tls
grep -q 'tls ok' "$out" || { echo "FAIL tls"; cat "$out"; failed=1; }
# _Thread_local variables through Solo5's TLS calls (the same image as spt's).
check tls-vars 0 "" "$guests/tls.hvt"
grep -q '^tls ok' "$out" || { echo "FAIL tls-vars"; cat "$out"; failed=1; }

# Faults: the guest runs at CPL 3, so each of these is an exception that the
# tender's stubs report as one line naming the cause.
# Port I/O: PVM checks the TSS I/O bitmap (a #GP), hardware KVM lets it
# exit (IOPL 3) and the tender refuses the port. Either way status 1 and
# Solo5's words, as Solo5's hvt (which sees every port access).
check badport 1 "skiff: error: Invalid guest port access: port=0x540 (guest fault: general protection fault (#GP) at rip 0x[0-9a-f]*: out on port 0x540, which is not a hypercall port\|skiff: error: Invalid guest port access: port=0x540 (guest port I/O: out of 4 byte(s) at unknown port 0x540" \
    "$probe" -- badport
check fault 255 "skiff: error: guest fault: page fault (#PF) at rip 0x[0-9a-f]*: null or low pointer .* writing 0x10 (ABORT)$" "$probe" -- fault
# A write to the image's code: Solo5's hvt meets it itself (status 1).
check wx 1 "skiff: error: KVM: host/guest translation fault: rip=0x[0-9a-f]* (guest fault: page fault (#PF) at rip 0x[0-9a-f]*: write to a read-only page .* writing 0x" "$probe" -- wx
check nx 255 "skiff: error: guest fault: page fault (#PF) at rip 0x[0-9a-f]*: executing a no-execute page .* fetching 0x" "$probe" -- nx
check hlt 255 "skiff: error: guest fault: general protection fault (#GP) at rip 0x[0-9a-f]*: privileged instruction hlt " "$probe" -- hlt
check wrmsr 255 "skiff: error: guest fault: general protection fault (#GP) at rip 0x[0-9a-f]*: privileged instruction wrmsr " "$probe" -- wrmsr
check ud2 255 "skiff: error: guest fault: invalid opcode (#UD) at rip 0x" "$probe" -- ud2

check stats 0 "" --stats="$js" "$probe" -- exit 0
grep -q '^  hvt ([a-z-]*): ' "$err" || { echo "FAIL stats table has no hvt line"; cat "$err"; failed=1; }
halts=$(jq -r '.hvt.hypercalls.halt' "$js" 2>/dev/null)
[ "$halts" = 1 ] || { echo "FAIL stats json: hvt.hypercalls.halt = '$halts'"; cat "$js"; failed=1; }
# Every hypercall has its own key (a missing name once printed "(null)" twice).
keys=$(jq -r '.hvt.hypercalls | keys | sort | join(" ")' "$js" 2>/dev/null)
[ "$keys" = "block_read block_write halt netio netread netwrite poll puts set_tls walltime" ] ||
    { echo "FAIL stats json: hvt.hypercalls keys '$keys'"; failed=1; }
grep -q '(null)' "$err" "$js" && { echo "FAIL stats name a hypercall (null)"; failed=1; }

# SIGTERM while the guest sleeps in POLL: clean shutdown, 128 + 15. Twice,
# at different moments: main's cancel races the vCPU thread's own exit.
for delay in 0.3 1; do
    "$skiff" "$probe" -- sleep >"$out" 2>"$err" &
    pid=$!
    sleep "$delay"
    kill -TERM "$pid"
    wait "$pid"
    rc=$?
    if [ "$rc" = 143 ]; then echo "ok   sigterm after ${delay}s"; else echo "FAIL sigterm after ${delay}s: exit $rc"; cat "$err"; failed=1; fi
done

sh "$here/bad_images.sh" "$skiff" "$guests" "$mkbad" || failed=1
exit $failed
