#!/usr/bin/env bash
# Jumbo frames in every I/O mode: ring slots are sized from the NIC's MTU.
#   - ping.spt on a TAP with MTU 9,000: 200 echoes of 8,972 bytes (9,014-byte
#     frames), and on one with the kernel's TAP maximum, 65,521: 20 echoes of
#     65,000 bytes; every payload checked, no loss;
#   - bridge.spt between two MTU-9,000 namespaces: a TCP stream each way,
#     every byte checked. In ring modes lan is an inherited TAP without vnet
#     headers, so its rings are the plain, MTU-sized ones (wan carries GSO
#     super-frames the bridge cuts into 9,000-byte segments); direct mode
#     has no rings and moves the jumbo frames itself.
# Usage: jumbo.sh event|poll|direct
source "$(dirname "$0")/lib.sh"
skip_unless_root
mode=${1:?io mode}
out=$(mktemp -d)

ping_at_mtu() { # mtu count size
    local mtu=$1 count=$2 size=$3 tap=${TAG}j$1 ns=${TAG}k$1 pid rc=0
    TAP_MTU=$mtu make_tap "$tap"
    make_netns "$ns"
    start_bg pid "$SKIFF" --io="$mode" --net:service="$tap" --stats="$out/$mtu.json" \
        "$GUESTS/ping.spt" -- 10.85.0.2 limit "$count" >"$out/$mtu.log" 2>&1
    wait_attached "$tap"
    move_tap "$tap" "$ns" 10.85.0.1/24
    ping_checked "$ns" 10.85.0.2 "$count" 0.005 "$size" c3a5f00f "$out/ping$mtu.log"
    wait_exit "$pid" 20 || rc=$?
    [ $rc -eq 0 ] || die "MTU $mtu: skiff exited $rc: $(tail -3 "$out/$mtu.log")"
    log "ok: MTU $mtu: $count echoes of $size bytes, payloads intact"
}
ping_at_mtu 9000 200 8972
ping_at_mtu 65521 20 65000

if [ "$mode" = direct ]; then
    TAP_MTU=9000 bridge_topology "$out" --io=direct
else
    export LAN_VIA_FD=1
    TAPFD=${TAPFD:-$SKIFF_BUILD/tests/integration/tapfd}
    TAP_MTU=9000 bridge_topology "$out" --io="$mode"
fi
stream_checked "$NS1" "$NS2" 10.78.0.2 $((16 << 20)) "$out/stream"
stream_checked "$NS2" "$NS1" 10.78.0.1 $((16 << 20)) "$out/stream-back"
mtus=$(ip -n "$NS1" -o link show "$TAP1" | grep -o 'mtu [0-9]*')/$(ip -n "$NS2" -o link show "$TAP2" | grep -o 'mtu [0-9]*')
big=$(tap_stat "$NS2" "$TAP2" rx_bytes)/$(tap_stat "$NS2" "$TAP2" rx_packets)
kill -TERM "$SKIFF_PID"
rc=0
wait_exit "$SKIFF_PID" 10 || rc=$?
[ $rc -eq 0 ] || die "bridge exited $rc: $(tail -5 "$out/skiff.log")"
avg=$((${big%/*} / (${big#*/} > 0 ? ${big#*/} : 1)))
log "bridge ($mtus): 16 MiB each way, every byte checked; frames into h2 average $avg bytes"
[ "$avg" -gt 1514 ] || die "no jumbo frames reached h2 (average $avg bytes)"
log "ok: $mode"
rm -rf "$out"
