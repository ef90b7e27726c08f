#!/usr/bin/env bash
# "Closed" is one story in every mode: a device that goes away under a
# running guest, or is at end of file from the start, reaches the guest as
# SOLO5_R_CLOSED; nothing spins; the tender says so in one line naming the
# NIC.
#   1. An @FD at end of file from the start (/dev/null): the ping guest sees
#      its NIC closed and exits 0; one warning line names the NIC and fd.
#   2. A TAP deleted under a two-NIC guest that keeps running (ring_hostile.c in
#      calm mode): one "went away" line names the NIC, the guest reports
#      the NIC closed, the process then idles (a spin on the dead fd would
#      burn a whole CPU), the other NIC still answers intact pings, and
#      SIGTERM ends it with status 0.
# Usage: closed.sh event|poll|direct [spt|hvt]
source "$(dirname "$0")/lib.sh"
skip_unless_root
mode=${1:?io mode}
target=${2:-spt}
if [ "$target" = hvt ]; then
    source "$(dirname "$0")/../lib/native_kvm.sh"
    require_native_kvm
fi
out=$(mktemp -d)

# 1. End of file before the guest starts.
rc=0
timeout 20 "$SKIFF" --io="$mode" --net:service=@3 "$GUESTS/ping.$target" -- 10.84.0.2 \
    3<>/dev/null >"$out/eof.out" 2>"$out/eof.err" || rc=$?
[ $rc -eq 0 ] || die "fd at EOF: skiff exited $rc: $(cat "$out/eof.err" "$out/eof.out")"
grep -q '"service" closed' "$out/eof.out" || die "fd at EOF: the guest did not see it closed"
# One tender line (a sanitizer build may add its own notes at exit).
[ "$(tender_log_lines "$out/eof.err")" -eq 1 ] || die "fd at EOF: want one line, got: $(cat "$out/eof.err")"
grep -q "net service: fd 3 is at end of file" "$out/eof.err" || die "fd at EOF: $(cat "$out/eof.err")"
log "ok: fd at end of file from the start: $(grep '^skiff:' "$out/eof.err")"

# 2. A TAP deleted under a running guest.
good=${TAG}g bad=${TAG}x ns=${TAG}n
make_tap "$good"
make_tap "$bad"
make_netns "$ns"
start_bg pid "$SKIFF" --io="$mode" --net:good="$good" --net:bad="$bad" \
    "$GUESTS/ring_hostile.$target" -- 10.84.0.2 1 calm >"$out/guest.log" 2>"$out/skiff.log"
wait_attached "$good"
wait_attached "$bad"
move_tap "$good" "$ns" 10.84.0.1/24
ping_checked "$ns" 10.84.0.2 20 0.02 1200 5a3c1e0f "$out/ping1.log"

ip link del "$bad"
for i in $(seq 1 100); do
    grep -q "^hostile: bad closed" "$out/guest.log" && grep -q "went away" "$out/skiff.log" && break
    sleep 0.05
done
grep -q "^hostile: bad closed" "$out/guest.log" || die "the guest never saw \"bad\" closed: $(cat "$out/guest.log")"
[ "$(grep -c "went away" "$out/skiff.log")" -eq 1 ] || die "want one 'went away' line: $(cat "$out/skiff.log")"
grep -q "^skiff: net bad: TAP $bad (fd [0-9]*) went away" "$out/skiff.log" ||
    die "the line does not name the NIC and TAP: $(cat "$out/skiff.log")"
log "ok: $(grep "went away" "$out/skiff.log")"

sleep 0.3
c0=$(cpu_ticks "$pid") t0=$(date +%s%N)
sleep 2
c1=$(cpu_ticks "$pid") t1=$(date +%s%N)
pct=$(((c1 - c0) * 1000 * 100 / CLK_TCK / ((t1 - t0) / 1000000)))
log "idle after the device went away: ${pct}% of a CPU"
[ "$pct" -lt 20 ] || die "skiff used ${pct}% of a CPU with a dead device and no traffic (a spin?)"

ping_checked "$ns" 10.84.0.2 50 0.02 1200 5a3c1e0f "$out/ping2.log"
kill -TERM "$pid"
rc=0
wait_exit "$pid" 15 || rc=$?
[ $rc -eq 0 ] || die "skiff exited $rc after SIGTERM: $(tail -5 "$out/skiff.log")"
grep -q "^hostile: good closed" "$out/guest.log" || die "the guest did not see \"good\" close"
[ "$(grep -c "went away" "$out/skiff.log")" -eq 1 ] || die "more 'went away' lines after SIGTERM: $(cat "$out/skiff.log")"
log "ok: $mode $target: closed at start, TAP deleted under a running guest, no spin"
rm -rf "$out"
