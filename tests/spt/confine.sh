#!/usr/bin/env bash
# The spt sandbox as /proc shows it while a guest runs, in every I/O mode:
#  - the tender process holds no guest thread, and every thread of it is
#    under seccomp (Seccomp: 2): main, and the I/O thread in ring modes;
#  - the guest is a child process with one thread, under seccomp, with
#    no_new_privs and no capabilities, named skiff-guest;
#  - its address space holds guest memory, the loader and the kernel's
#    stack/vDSO pages only: no heap, no C library, no libev, nothing W+X;
#  - its fds are exactly the guest's: epoll, timerfd, console, exit
#    eventfd, the report pipe, and per NIC its two eventfds (ring modes) or
#    its packet fd (direct; event mode has both: the guest writes frames
#    itself while the I/O thread sleeps); no memfd, other device, signalfd or
#    pidfd.
# The NIC is one end of a socket pair (fdpair), so no root is needed.
# Usage: confine.sh SKIFF GUEST_DIR FDPAIR
set -u
skiff=$1 guests=$2 fdpair=$3
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

fail() {
    echo "FAIL $*"
    failed=1
}

# The child of $1 (one expected), or empty.
child_of() {
    cat /proc/"$1"/task/*/children 2>/dev/null | tr -s ' ' '\n' | grep -m1 .
}

# inspect MODE EXPECTED_THREADS EXPECTED_FDS SKIFF-ARGS...
inspect() {
    local mode=$1 want_threads=$2 want_fds=$3
    shift 3
    "$fdpair" "$skiff" "$@" >"$log" 2>&1 &
    local holder=$! tender="" guest="" i t ok
    # Wait for the guest process and for main's filter (loaded right after
    # the guest starts).
    for i in $(seq 1 100); do
        tender=$(child_of "$holder")
        [ -n "$tender" ] && guest=$(child_of "$tender")
        if [ -n "$guest" ] && [ "$(cat /proc/"$guest"/comm 2>/dev/null)" = skiff-guest ]; then
            ok=1
            for t in /proc/"$tender"/task/*; do
                grep -q '^Seccomp:[[:space:]]*2$' "$t"/status || ok=0
            done
            [ "$ok" = 1 ] && break
        fi
        sleep 0.05
    done
    if [ -z "$guest" ]; then
        fail "$mode: no guest process under skiff ($(cat "$log"))"
        kill "$holder" 2>/dev/null
        wait "$holder"
        return
    fi

    # The tender: its own threads only, each filtered.
    local names="" n=0 failed_before=$failed
    failed=0
    for t in /proc/"$tender"/task/*; do
        n=$((n + 1))
        names="$names $(cat "$t"/comm)"
        grep -q '^Seccomp:[[:space:]]*2$' "$t"/status ||
            fail "$mode: tender thread $(cat "$t"/comm) is not under seccomp ($(grep Seccomp: "$t"/status))"
        [ "$(cat "$t"/comm)" != skiff-guest ] || fail "$mode: a guest thread inside the tender"
    done
    [ "$n" = "$want_threads" ] || fail "$mode: tender has $n threads ($names), expected $want_threads"

    # The guest process.
    local st=/proc/$guest/status
    grep -q '^Threads:[[:space:]]*1$' "$st" || fail "$mode: guest has $(grep Threads: "$st")"
    grep -q '^Seccomp:[[:space:]]*2$' "$st" || fail "$mode: guest not under seccomp"
    grep -q '^NoNewPrivs:[[:space:]]*1$' "$st" || fail "$mode: guest without no_new_privs"
    grep -q '^CapEff:[[:space:]]*0*$' "$st" && grep -q '^CapPrm:[[:space:]]*0*$' "$st" ||
        fail "$mode: guest holds capabilities: $(grep -E '^Cap(Eff|Prm)' "$st" | tr '\n' ' ')"
    grep -q "^PPid:[[:space:]]*$tender$" "$st" || fail "$mode: guest is not the tender's child"

    # Its memory: guest memory, the loader, kernel pages; little anonymous.
    local maps=/proc/$guest/maps anon_kib
    grep -q '^00100000-[0-9a-f]* rw.s .*/memfd:skiff-guest-mem' "$maps" ||
        grep -q '^00100000-[0-9a-f]* r-xs .*/memfd:skiff-guest-mem' "$maps" ||
        fail "$mode: guest memory is not mapped shared at 1 MiB"
    if grep -v -E ' (/memfd:skiff-guest-mem|/memfd:skiff-spt-loader) \(deleted\)$| \[(stack|vvar|vvar_vclock|vdso|vsyscall)\]$|^[0-9a-f]+-[0-9a-f]+ [-rwxsp]{4} [0-9a-f]+ 00:00 0 *$' "$maps" >/dev/null; then
        fail "$mode: unexpected mappings in the guest process:"
        grep -v -E ' (/memfd:skiff-guest-mem|/memfd:skiff-spt-loader) \(deleted\)$| \[(stack|vvar|vvar_vclock|vdso|vsyscall)\]$|^[0-9a-f]+-[0-9a-f]+ [-rwxsp]{4} [0-9a-f]+ 00:00 0 *$' "$maps"
    fi
    grep -q -E 'libc|libev|ld-linux|\[heap\]|/skiff$' "$maps" && fail "$mode: tender code or heap in the guest: $(grep -E 'libc|libev|ld-linux|\[heap\]|/skiff$' "$maps")"
    grep -q -E '^[0-9a-f]+-[0-9a-f]+ .wx' "$maps" && fail "$mode: writable and executable mapping: $(grep -E '^[0-9a-f]+-[0-9a-f]+ .wx' "$maps")"
    local range lo hi bytes=0
    while read -r range _ _ _ _ path; do
        [ -z "$path" ] || continue
        lo=${range%-*} hi=${range#*-}
        bytes=$((bytes + 16#$hi - 16#$lo))
    done <"$maps"
    anon_kib=$((bytes / 1024))
    [ "$anon_kib" -le 256 ] || fail "$mode: $anon_kib KiB of anonymous memory in the guest process"

    # Its fds.
    local fds kinds
    fds=$(ls /proc/"$guest"/fd | wc -l)
    kinds=$(for f in /proc/"$guest"/fd/*; do readlink "$f" | sed -E 's/:\[[0-9]+\]//'; done | sort | uniq -c | tr -s ' \n' ' ')
    [ "$fds" = "$want_fds" ] || fail "$mode: guest holds $fds fds, expected $want_fds:$kinds"
    for f in /proc/"$guest"/fd/*; do
        case "$(readlink "$f")" in
        anon_inode:\[eventpoll\] | anon_inode:\[timerfd\] | anon_inode:\[eventfd\] | pipe:* | socket:*) ;;
        "$(readlink /proc/"$tender"/fd/1)") ;; # the console: skiff's stdout
        *) fail "$mode: guest holds fd $(basename "$f") -> $(readlink "$f")" ;;
        esac
    done

    [ "$failed" = 0 ] &&
        echo "ok   $mode: tender threads:$names (all Seccomp 2); guest pid $guest: 1 thread, Seccomp 2," \
            "$(wc -l <"$maps") mappings ($anon_kib KiB anonymous), fds:$kinds"
    [ "$failed_before" = 0 ] || failed=1
    kill -TERM "$tender"
    wait "$holder"
    local rc=$?
    case "$rc" in 0 | 143) ;; *) fail "$mode: exit $rc after SIGTERM: $(cat "$log")" ;; esac
}

hostile=$guests/hostile.spt
ping=$guests/ping.spt
# No NIC: main only. epoll, timerfd, console, exit eventfd, report pipe.
inspect no-nic 1 5 "$hostile" -- sleep
# One NIC: ring modes add the I/O thread and two eventfds, direct mode the
# packet socket, event mode both (writes on it only, see spt_seccomp.c).
inspect event 2 8 --io=event --net:service=@3 "$ping" -- 10.9.0.2
inspect poll 2 7 --io=poll --net:service=@3 "$ping" -- 10.9.0.2
inspect direct 1 6 --io=direct --net:service=@3 "$ping" -- 10.9.0.2
exit $failed
