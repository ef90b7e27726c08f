#!/bin/sh
# End-to-end spt runs of the probe test guest: exit statuses, the seccomp
# kill, fault reports and signal shutdown. Usage: spt_run.sh SKIFF PROBE_IMAGE
set -u
skiff=$1 probe=$2
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
failed=0

# check NAME EXPECTED_RC STDERR_PATTERN ARGS...: run skiff, compare.
check() {
    name=$1 want=$2 pattern=$3
    shift 3
    "$skiff" "$@" >"$out" 2>"$err"
    rc=$?
    if [ "$rc" != "$want" ]; then
        echo "FAIL $name: exit $rc, expected $want"; cat "$err"; failed=1; return
    fi
    if [ -n "$pattern" ] && ! grep -q -- "$pattern" "$err"; then
        echo "FAIL $name: stderr lacks '$pattern':"; cat "$err"; failed=1; return
    fi
    echo "ok   $name"
}

check exit-0 0 "" "$probe" -- exit 0
check exit-7 7 "" "$probe" -- exit 7
check exit-255 255 "" "$probe" -- exit 255
check echo 0 "" --mem=8 "$probe" -- echo a b
grep -q 'probe: cmdline "echo a b"' "$out" || { echo "FAIL echo output"; failed=1; }
check syscall 159 "forbidden system call 39 (getpid)" "$probe" -- syscall
check sigmask 159 "forbidden system call 281 (epoll_pwait)" "$probe" -- sigmask
check fault 139 "guest killed: SIGSEGV at address 0x10, instruction 0x" "$probe" -- fault
check wx 139 "guest killed: SIGSEGV at address 0x1" "$probe" -- wx
check vanish 255 "without reporting an exit status" "$probe" -- vanish
check stats 0 "skiff: stats (io=event)" --stats "$probe" -- exit 0
# --stats=FILE is opened at start (main may open nothing once the guest
# runs) and written at exit through FILE.tmp.
js=$(mktemp -u)
check stats-file 0 "" --stats="$js" "$probe" -- exit 0
grep -q '"io_mode": "event"' "$js" 2>/dev/null && [ ! -e "$js.tmp" ] ||
    { echo "FAIL stats-file: no $js, or $js.tmp left"; failed=1; }
rm -f "$js"
check stats-folder 1 "skiff: error: --stats=/nonexistent/s.json: folder /nonexistent:" \
    --stats=/nonexistent/s.json "$probe" -- exit 0
check no-nic 1 "Resource not declared in manifest: 'x' (the image's NICs: none)" --net:x=tap0 "$probe"
check no-file 1 "skiff: error: /nonexistent" /nonexistent
check not-elf 1 "not an ELF file" "$0"
check small-mem 1 "skiff: error:" --mem=1 "$probe"

# SIGTERM while the guest sleeps: clean shutdown, 128 + 15.
"$skiff" "$probe" -- sleep >"$out" 2>"$err" &
pid=$!
sleep 0.5
kill -TERM "$pid"
wait "$pid"
rc=$?
if [ "$rc" = 143 ]; then echo "ok   sigterm"; else echo "FAIL sigterm: exit $rc"; cat "$err"; failed=1; fi

exit $failed
