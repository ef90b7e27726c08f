#!/usr/bin/env bash
# ping guest answers pings from a namespace host with zero loss and intact
# patterned payloads, then exits 0 after exactly the number of echoes it was
# told to answer. Flood pings first (load only: iputils compares payloads
# only outside flood mode, so they prove nothing about bytes), then paced
# pings of two sizes whose every reply is checked byte for byte
# (ping_checked in lib.sh). Usage: ping_flood.sh event|poll|direct [--io-uring=X]
source "$(dirname "$0")/lib.sh"
skip_unless_root
mode=${1:?io mode}
uring=${2:---io-uring=auto} # io_uring where this host has it
tap=${TAG}p
ns=${TAG}n
out=$(mktemp -d)
_CLEAN_DIR=$out

make_tap "$tap"
make_netns "$ns"
flood=${FLOOD:-5000}
small=${SMALL:-1000}
big=${BIG:-1000}
start_bg pid "$SKIFF" --io="$mode" "$uring" --net:service="$tap" --stats="$out/stats.json" \
    "$GUESTS/ping.spt" -- 10.77.0.2 limit $((flood + small + big)) >"$out/skiff.log" 2>&1
wait_attached "$tap"
move_tap "$tap" "$ns" 10.77.0.1/24

# Load: a flood; only loss is checked here.
timeout 120 ip netns exec "$ns" ping -q -f -c "$flood" -w 100 -s 1400 10.77.0.2 >"$out/flood.log" 2>&1 ||
    die "flood ping failed: $(cat "$out/flood.log")"
grep -qE "^$flood packets transmitted, $flood received, 0% packet loss" "$out/flood.log" ||
    die "flood loss: $(grep transmitted "$out/flood.log" || cat "$out/flood.log")"
# Payloads: every reply compared with what was sent.
ping_checked "$ns" 10.77.0.2 "$small" 0.001 56 a5c3e1f0 "$out/ping1.log"
ping_checked "$ns" 10.77.0.2 "$big" 0.001 1400 5a3c1e0f "$out/ping2.log"

rc=0
wait_exit "$pid" 20 || rc=$?
[ $rc -eq 0 ] || die "skiff exited $rc: $(tail -5 "$out/skiff.log")"
total=$((flood + small + big))
if [ "$mode" = direct ]; then log "ok: direct: $total echoes ($small + $big payload-checked), 0 loss"; exit 0; fi
# The packet-fd path asked for is the one taken (this host has io_uring).
tap_io=$(json_get "$out/stats.json" .tap_io)
want=io_uring
[ "$uring" = --io-uring=off ] && want=readv
[ "$tap_io" = "$want" ] || die "tap_io is $tap_io ($(json_get "$out/stats.json" .tap_io_why)), expected $want"
rxf=$(json_get "$out/stats.json" '.nics[] | select(.name=="service") | .rx.frames')
txf=$(json_get "$out/stats.json" '.nics[] | select(.name=="service") | .tx.frames')
gtx=$(json_get "$out/stats.json" '.nics[] | select(.name=="service") | .guest_tx_frames')
grx=$(json_get "$out/stats.json" '.nics[] | select(.name=="service") | .guest_rx_frames')
hand=$(json_get "$out/stats.json" '.nics[] | select(.name=="service") | .rx_handoffs')
# Every echo request reached the guest and every reply left it (plus ARP):
# through the I/O thread, or (event mode) read / written by the guest itself.
[ $((rxf + grx)) -ge $total ] || die "$rxf frames in through the tender + $grx by the guest, expected >= $total"
[ $((txf + gtx)) -ge $total ] || die "$txf frames out through the tender + $gtx by the guest, expected >= $total"
# Event mode: paced pings find the I/O thread asleep, so the guest sends
# (some of) the replies itself; no other mode hands it the packet fd.
if [ "$mode" = event ]; then
    [ "$gtx" -gt 0 ] || die "event mode: the guest never wrote a reply itself (guest_tx_frames 0)"
else
    [ "$gtx" -eq 0 ] || die "$mode mode: the guest wrote $gtx frames past the ring"
fi
# The guest reads requests itself only where the I/O thread left it the fd:
# event mode with one read per frame (io_uring keeps its reads in flight).
if [ "$mode" = event ] && [ "$tap_io" = readv ]; then
    [ "$hand" -gt 0 ] && [ "$grx" -gt 0 ] ||
        die "event mode: the packet fd was never left to the guest (rx_handoffs $hand, guest_rx_frames $grx)"
else
    [ "$hand" -eq 0 ] && [ "$grx" -eq 0 ] ||
        die "$mode mode ($tap_io): the guest read $grx frames past the ring ($hand hand-offs)"
fi
log "ok: $mode ($tap_io): $total echoes ($small + $big payload-checked), 0 loss, rx=$rxf tx=$txf guest-rx=$grx guest-tx=$gtx hand-offs=$hand"
rm -rf "$out"
