#!/usr/bin/env bash
# Back-pressure end to end, no root needed: bridge.spt between two socket
# pairs, the output side read with pauses (tests/integration/backpressure.c).
# Checks what the driver saw (every frame once, in order, intact), then that
# the counters balance with no drop anywhere, and that the slow path really
# ran: the guest waited for room in the lan TX ring and was woken for it, and
# the wan RX ring filled while it waited, or in event mode the guest, holding
# wan's fd itself, stopped reading it (either way frames waited in the
# socket, and the driver met it full).
# --io=direct has no rings and no back-pressure: a frame that meets a full
# socket is dropped by the guest and counted, so there the check is the
# balance: frames read by the guest = frames received + frames it dropped.
#
#   backpressure.sh DRIVER SKIFF BRIDGE-IMAGE IO-MODE
set -uo pipefail
driver=$1 skiff=$2 image=$3 mode=$4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
frames=20000

lossy=
[ "$mode" != direct ] || lossy=lossy
"$driver" "$skiff" "$image" "$mode" "$dir/stats.json" $lossy >"$dir/out" 2>"$dir/err"
rc=$?
cat "$dir/out"
fail() { echo "FAIL ($mode): $*"; sed 's/^/  err| /' "$dir/err"; exit 1; }
[ "$rc" = 0 ] || fail "driver exit $rc"
grep -q "bridge: wan->lan input closed\|bridge: lan->wan input closed" "$dir/out" ||
    fail "guest did not see a NIC close"
received=$(sed -n 's/^backpressure: received=//p' "$dir/out")

if [ "$mode" = direct ]; then
    line=$(grep -m1 "bridge: wan->lan forwarded" "$dir/out") || fail "no guest counters"
    fwd=$(echo "$line" | awk '{print $4}') dropped=$(echo "$line" | awk '{print $6}')
    [ "$fwd" = "$received" ] || fail "guest forwarded $fwd frames, $received arrived"
    [ $((fwd + dropped)) = "$frames" ] || fail "forwarded $fwd + dropped $dropped != $frames sent"
    echo "ok   $mode: $frames sent = $received received + $dropped dropped and counted by the guest"
    exit 0
fi

grep -q "bridge: wan->lan forwarded $frames dropped 0" "$dir/out" ||
    fail "guest did not report $frames forwarded, 0 dropped"
[ "$received" = "$frames" ] || fail "$received frames arrived, want $frames"
q() { jq -r "$1" "$dir/stats.json"; }
[ -s "$dir/stats.json" ] || fail "no stats file"
# Into the guest: read by the tender, or (event mode, while the guest slept
# with its ring drained and the I/O thread left it the fd) by the guest.
wan_rx=$(q '.nics[] | select(.name=="wan") | .rx.frames + .guest_rx_frames')
# Out of the guest: written by the tender, or (event mode, while the I/O
# thread slept with the ring drained) by the guest itself.
lan_tx=$(q '.nics[] | select(.name=="lan") | .tx.frames + .guest_tx_frames')
drops=$(q '[.nics[] | (.rx.drops, .tx.drops) | to_entries[] | .value] | add')
[ "$wan_rx" = "$frames" ] || fail "tender + guest read $wan_rx frames from wan, want $frames"
[ "$lan_tx" = "$frames" ] || fail "tender wrote $lan_tx frames to lan, want $frames"
[ "$drops" = 0 ] || fail "tender counted $drops drops: $(jq -c .nics "$dir/stats.json")"
waits=$(q '.nics[] | select(.name=="lan") | .tx_waiter_wakeups')
full=$(q '.nics[] | select(.name=="wan") | .rx_ring_full')
[ "$waits" -gt 0 ] || fail "the guest never waited for room on lan (tx_waiter_wakeups 0)"
# Back-pressure on wan: the RX ring filled while the guest waited, so the
# I/O thread stopped reading; or (event mode) the guest held wan's fd
# itself (the low-load path) and, waiting, stopped reading it. Either way
# frames waited in the socket, and the driver met it full.
guest_rx=$(q '.nics[] | select(.name=="wan") | .guest_rx_frames')
met_full=$(sed -n 's/.* \([0-9][0-9]*\) sends met a full socket.*/\1/p' "$dir/out")
[ "$full" -gt 0 ] || { [ "$mode" = event ] && [ "$guest_rx" -gt 0 ] && [ "${met_full:-0}" -gt 0 ]; } ||
    fail "no back-pressure on wan: RX ring never full, guest read $guest_rx itself, ${met_full:-0} sends met a full socket"
echo "ok   $mode: $frames frames through a slow output, 0 drops; guest woken for room $waits times, wan RX ring full $full times, $guest_rx read by the guest itself, ${met_full:-0} sends met a full socket"
