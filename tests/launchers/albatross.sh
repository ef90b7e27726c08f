#!/usr/bin/env bash
# albatross (robur-coop/albatross, Vmm_unix), replayed from what it does:
#  - the image's Solo5 ABI note (solo5-elftool query-abi) names the target
#    and the ABI version N; the tender is the first of solo5-TARGET.N and
#    solo5-TARGET that is executable in its data directory, else on PATH;
#  - TENDER --version (stderr with stdout) must exit 0 and have a line that
#    is exactly "ABI version N";
#  - it creates vmmtapK, and runs
#      taskset -c CPU TENDER --mem=M --net:NIC=vmmtapK
#        --net-mac:NIC=00:80:41:xx:xx:xx --block:NAME=FILE
#        --block-sector-size:NAME=S -- IMAGE ARGS
#    with its console FIFO, opened write-only, as stdout and stderr (here as
#    stdin too: the tender must never need to read it);
#  - from waitpid it decides: killed by a signal, or exit 1 or 60-64: never
#    restart; any other exit: may restart. A stop is SIGTERM.
# Every end is checked against what Solo5's tender gives for the same event.
# Usage: albatross.sh spt|hvt PREFIX OUT TOOLS
TARGET=$1 PREFIX=$2 OUT=$3 TOOLS=$4
source "$(dirname "$0")/lib.sh"

img=$(image mirage)
dbdir=$WORK/db
mkdir -p "$dbdir"
version=$(solo5-elftool query-abi "$img" | jq -r .version)
target=$(solo5-elftool query-abi "$img" | jq -r .target)
[ "$target" = "$TARGET" ] || die "query-abi says $target"
tender=
for name in "solo5-$TARGET.$version" "solo5-$TARGET"; do
    if [ -x "$dbdir/$name" ]; then tender=$dbdir/$name; break; fi
    if command -v "$name" >/dev/null; then tender=$(command -v "$name"); break; fi
done
[ "$(basename "$tender")" = "solo5-$TARGET.$version" ] ||
    die "found '$tender', not the installed solo5-$TARGET.$version"
"$tender" --version >"$WORK/version" 2>&1 || die "--version exited $?"
awk -v v="$version" 'split($0, w, " ") == 3 && w[1] == "ABI" && w[2] == "version" && w[3] == v { ok = 1 }
    END { exit !ok }' "$WORK/version" || die "--version lacks 'ABI version $version': $(cat "$WORK/version")"
log "ok: $(basename "$tender") --version has 'ABI version $version'"

# restart_class "exited N" | "signalled SIG...": albatross's decision.
restart_class() {
    case $1 in
    signalled*) echo never ;;
    "exited 1" | "exited 6"[0-4]) echo never ;;
    *) echo may ;;
    esac
}

# run NAME WANT_END PINGS ARGS...: one unikernel as albatross starts it;
# PINGS payload-checked pings (0: none), then WANT_END as waitpid sees it
# (SIGTERM: albatross's destroy after the pings).
k=0
run() {
    local name=$1 want=$2 pings=$3 pid
    shift 3
    k=$((k + 1))
    local tap=vmmtap$$$k ns=${TAG}$name blk=$WORK/$name.img fifo=$WORK/$name.fifo
    ip tuntap add "$tap" mode tap
    _TAPS+=("$tap")
    ip link set dev "$tap" up
    make_netns "$ns"
    block_file "$blk" 65536
    mkfifo -m 0640 "$fifo"
    cat "$fifo" >"$WORK/$name.console" & # the console reader opens it first
    _PIDS+=($!)
    local mac
    mac=00:80:41:$(printf '%02x:%02x:%02x' $((RANDOM % 256)) $((RANDOM % 256)) $((k)))
    exec 7>>"$fifo" # O_WRONLY | O_APPEND
    launch pid "$WORK/$name.status" taskset -c 0 "$tender" --mem=64 --net:service="$tap" \
        --net-mac:service="$mac" --block:storage="$blk" --block-sector-size:storage=4096 \
        -- "$img" --ipv4=10.9$k.0.2/24 "$@" <&7 >&7 2>&7
    exec 7>&-
    wait_line "$WORK/$name.console" '^responder: mac '
    [ "$(guest_mac "$WORK/$name.console")" = "$mac" ] || die "$name: guest MAC $(guest_mac "$WORK/$name.console"), not $mac"
    grep -q "^responder: block storage block_size 4096 capacity 65536 head $BLOCK_HEAD\$" "$WORK/$name.console" ||
        die "$name: block device: $(grep 'responder: block' "$WORK/$name.console")"
    [ "$pings" = 0 ] || [ "$(taskset -p "$(tender_pid "$pid")" | sed 's/.*: //')" = 1 ] ||
        die "$name: not pinned to CPU 0"
    ip link set "$tap" netns "$ns"
    ip -n "$ns" addr add "10.9$k.0.1/24" dev "$tap"
    ip -n "$ns" link set "$tap" up
    [ "$pings" -gt 0 ] && ping_checked "$ns" "10.9$k.0.2" "$pings" "$INTERVAL" 1000 0f1e2d3c "$WORK/$name.ping"
    [ "$want" != "signalled SIGTERM" ] && [ "$want" != "exited 1 (SIGTERM)" ] || kill -TERM "$(tender_pid "$pid")"
    local how
    how=$(ended "$WORK/$name.status")
    [ "$how" = "${want% (*}" ] || die "$name: waitpid: $how, want ${want% (*}: $(tail -3 "$WORK/$name.console")"
    log "ok: $TARGET $name: $pings pings, console through the FIFO, MAC $mac, CPU 0; $how: $(restart_class "$how") restart"
}

# The events, with Solo5's end for each (docs/solo5-compat.md, "Exit statuses").
run done "exited 0" 20 --count=20
[ "$(restart_class "exited 0")" = may ] || die "classification"
run exit64 "exited 64" 5 --count=5 --then=exit:64
run abort "exited 255" 0 --then=abort
if [ "$TARGET" = spt ]; then
    run fault "signalled SIGSEGV" 0 --then=fault
    run syscall "signalled SIGSYS" 0 --then=syscall
    run stop "signalled SIGTERM" 5
else
    run fault "exited 255" 0 --then=fault
    run wx "exited 1" 0 --then=wx
    run stop "exited 1 (SIGTERM)" 5
fi
grep -q 'Exiting on signal 15' "$WORK/stop.console" || [ "$TARGET" = spt ] ||
    die "stop: no 'Exiting on signal 15': $(tail -3 "$WORK/stop.console")"
