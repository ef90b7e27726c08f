#!/usr/bin/env bash
# Every row of docs/solo5-compat.md's "Exit statuses" table, as waitpid(2)
# sees it (waitstatus.c: an exit and a death by a signal are told apart;
# a shell shows 139 for both), for the installed solo5-TARGET and skiff.
# Guests: the outside-built responder (no devices), and for the two hvt rows
# a Solo5 API program cannot produce (a stray port, a bad hypercall
# argument) the build tree's hvt_probe image.
# Usage: exits.sh spt|hvt PREFIX OUT TOOLS [HVT_PROBE]
TARGET=$1 PREFIX=$2 OUT=$3 TOOLS=$4 PROBE=${5:-}
source "$(dirname "$0")/lib.sh"

img=$(image none)
solo5=$(command -v "solo5-$TARGET")
skiff=$(command -v skiff)
failed=0

# row NAME WANT_END PATTERN CMD...: CMD ends as WANT_END ("exited N" or
# "signalled SIG...") with its output matching PATTERN (extended regex; ""
# for anything). (skiff's own form needs "--" before the guest's options.)
row() {
    local name=$1 want=$2 pattern=$3
    shift 3
    : >"$WORK/status"
    timeout -k 5 60 "$TOOLS/waitstatus" -o "$WORK/status" "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
    local how
    how=$(tail -1 "$WORK/status")
    if [ "$how" != "$want" ]; then
        echo "FAIL $TARGET $name: $how, want $want"; sed 's/^/    /' "$WORK/err" | head -5; failed=1; return
    fi
    if [ -n "$pattern" ] && ! grep -Eq -- "$pattern" "$WORK/err" "$WORK/out"; then
        echo "FAIL $TARGET $name: output lacks /$pattern/:"; sed 's/^/    /' "$WORK/err" | head -5; failed=1; return
    fi
    echo "ok   $TARGET $name: $how${pattern:+: $(grep -Eho -m1 -- "$pattern" "$WORK/err" "$WORK/out" | head -1)}"
}

# stop NAME SIGNAL WANT_END PATTERN TENDER: a sleeping guest, then SIGNAL to
# the tender.
stop() {
    local name=$1 sig=$2 want=$3 pattern=$4 tender=$5 pid tpid how
    # Emptied here, not by the background job's redirection: wait_line could
    # otherwise find the last run's "sleeping" before the job truncates the
    # file, and the signal would hit a tender that has not blocked it yet.
    : >"$WORK/status"
    : >"$WORK/out"
    "$TOOLS/waitstatus" -o "$WORK/status" "$tender" "$img" -- --then=sleep >"$WORK/out" 2>"$WORK/err" &
    pid=$!
    _PIDS+=("$pid")
    wait_line "$WORK/out" '^responder: sleeping'
    tpid=$(tender_pid "$pid")
    kill -"$sig" "$tpid"
    how=$(ended "$WORK/status")
    if [ "$how" != "$want" ] || { [ -n "$pattern" ] && ! grep -Eq -- "$pattern" "$WORK/err"; }; then
        echo "FAIL $TARGET $name: $how, want $want /$pattern/"; sed 's/^/    /' "$WORK/err" | head -5; failed=1; return
    fi
    echo "ok   $TARGET $name: $how"
}

# The guest's own end.
row exit-7 "exited 7" "" "$solo5" "$img" --then=exit:7
row exit-7-skiff "exited 7" "" "$skiff" "$img" -- --then=exit:7
row abort "exited 255" 'ABORT' "$solo5" "$img" --then=abort
if [ "$TARGET" = spt ]; then
    row fault "signalled SIGSEGV" 'guest killed: SIGSEGV at address 0x0,' "$solo5" "$img" --then=fault
    row fault-skiff "signalled SIGSEGV" 'guest killed: SIGSEGV' "$skiff" "$img" -- --then=fault
    row write-code "signalled SIGSEGV" 'guest killed: SIGSEGV' "$solo5" "$img" --then=wx
    row syscall "signalled SIGSYS" 'forbidden system call 110 \(getppid\)' "$solo5" "$img" --then=syscall
    row syscall-skiff "signalled SIGSYS" 'forbidden system call' "$skiff" "$img" -- --then=syscall
    # the guest process killed from outside (the OOM killer, say)
    : >"$WORK/status"
    : >"$WORK/out"
    "$TOOLS/waitstatus" -o "$WORK/status" "$solo5" "$img" --then=sleep >"$WORK/out" 2>"$WORK/err" &
    pid=$!
    _PIDS+=("$pid")
    wait_line "$WORK/out" '^responder: sleeping'
    kill -KILL "$(children "$(tender_pid "$pid")")" # the guest process
    how=$(ended "$WORK/status")
    [ "$how" = "signalled SIGKILL" ] && echo "ok   spt guest-sigkill: $how" ||
        { echo "FAIL spt guest-sigkill: $how"; failed=1; }
else
    row fault "exited 255" 'page fault .*null or low pointer.*\(ABORT\)' "$solo5" "$img" --then=fault
    row write-code "exited 1" 'KVM: host/guest translation fault: rip=0x[0-9a-f]+' "$solo5" "$img" --then=wx
    row write-code-skiff "exited 1" 'host/guest translation fault' "$skiff" "$img" -- --then=wx
    row syscall "exited 255" 'invalid opcode.*\(ABORT\)' "$solo5" "$img" --then=syscall
    if [ -n "$PROBE" ]; then
        row port "exited 1" 'Invalid guest port access: port=0x540' "$solo5" "$PROBE" badport
        row hypercall-nr "exited 1" 'Invalid guest port access: port=0x50f' "$solo5" "$PROBE" badcall
        row hypercall-arg "exited 1" 'Invalid guest access: gpa=0xfffff000' "$solo5" --mem=16 "$PROBE" badarg
    fi
fi

# The tender's own errors and options.
row usage "exited 1" "Invalid option: \`--bogus'" "$solo5" --bogus "$img"
row usage-skiff "exited 1" "Invalid option: \`--bogus'" "$skiff" --bogus "$img"
row missing-kernel "exited 1" 'Missing KERNEL operand' "$solo5" --mem=2
row bad-image "exited 1" 'invalid or unsupported executable' "$solo5" "$TOOLS/waitstatus"
row missing-device "exited 1" "Device 'service' of type NET_BASIC declared but not attached" \
    "$solo5" "$(image mirage)"
# a packet fd on stdin: Solo5 takes any fd number, skiff's own name 3 and up
block_file "$WORK/b.img" 4096
row net-fd0 "exited 3" 'responder: mac ' sh -c 'exec "$@" <>/dev/null' sh "$solo5" --net:service=@0 --block:storage="$WORK/b.img" \
    "$(image mirage)" --ipv4=10.0.0.2/24 --then=exit:3
row net-fd0-skiff "exited 1" 'stdin/stdout/stderr' "$skiff" --net:service=@0 \
    --block:storage="$WORK/b.img" "$(image mirage)" -- --ipv4=10.0.0.2/24 --then=exit:3
row help "exited 1" '^usage: solo5-'"$TARGET"' ' "$solo5" --help
[ -s "$WORK/out" ] && { echo "FAIL $TARGET help: stdout not empty"; failed=1; }
row help-skiff "exited 0" "" "$skiff" --help
grep -q '^usage: skiff ' "$WORK/out" || { echo "FAIL help-skiff: no usage on stdout"; failed=1; }
row version "exited 0" '^ABI version [0-9]+$' "$solo5" --version
row version-skiff "exited 0" "" "$skiff" --version
grep -q '^skiff ' "$WORK/out" || { echo "FAIL version-skiff: $(cat "$WORK/out")"; failed=1; }

# Stop signals, as Solo5's tenders: hvt catches SIGTERM and SIGINT and exits
# 1, spt has no handler; SIGHUP kills either. skiff: 128 + N.
if [ "$TARGET" = hvt ]; then
    stop sigterm TERM "exited 1" 'Exiting on signal 15' "$solo5"
    stop sigint INT "exited 1" 'Exiting on signal 2' "$solo5"
else
    stop sigterm TERM "signalled SIGTERM" '' "$solo5"
    stop sigint INT "signalled SIGINT" '' "$solo5"
fi
stop sighup HUP "signalled SIGHUP" '' "$solo5"
stop sigterm-skiff TERM "exited 143" '' "$skiff"
stop sigint-skiff INT "exited 130" '' "$skiff"
stop sighup-skiff HUP "exited 129" '' "$skiff"
exit $failed
