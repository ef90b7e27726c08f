#!/usr/bin/env bash
# ping guest answers flood pings from a namespace host with zero loss and
# intact patterned payloads, then exits 0 after exactly the number of echoes
# it was told to answer. Usage: ping_flood.sh event|poll|direct
source "$(dirname "$0")/lib.sh"
skip_unless_root
mode=${1:?io mode}
tap=${TAG}p
ns=${TAG}n
out=$(mktemp -d)
_CLEAN_DIR=$out

make_tap "$tap"
make_netns "$ns"
small=${SMALL:-10000}
big=${BIG:-2000}
start_bg pid "$SKIFF" --io="$mode" --net:service="$tap" --stats="$out/stats.json" \
    "$GUESTS/ping.spt" -- 10.77.0.2 limit $((small + big)) >"$out/skiff.log" 2>&1
wait_attached "$tap"
move_tap "$tap" "$ns" 10.77.0.1/24

check_ping() { # log-file expected-count
    grep -q "wrong data byte" "$1" && die "corrupted echo payload: $(grep -m1 'wrong data' "$1")"
    grep -qE "^$2 packets transmitted, $2 received, 0% packet loss" "$1" ||
        die "loss: $(grep transmitted "$1" || cat "$1")"
}
timeout 120 ip netns exec "$ns" ping -q -f -c $small -w 100 -p a5c3e1f0 10.77.0.2 >"$out/ping1.log" 2>&1 ||
    die "ping failed: $(cat "$out/ping1.log")"
check_ping "$out/ping1.log" $small
timeout 120 ip netns exec "$ns" ping -q -f -c $big -w 100 -s 1400 -p 5a3c1e0f 10.77.0.2 >"$out/ping2.log" 2>&1 ||
    die "ping -s 1400 failed: $(cat "$out/ping2.log")"
check_ping "$out/ping2.log" $big

rc=0
wait_exit "$pid" 20 || rc=$?
[ $rc -eq 0 ] || die "skiff exited $rc: $(tail -5 "$out/skiff.log")"
if [ "$mode" = direct ]; then log "ok: direct: $small + $big echoes, 0 loss"; exit 0; fi
rxf=$(json_get "$out/stats.json" '.nics[] | select(.name=="service") | .rx.frames')
txf=$(json_get "$out/stats.json" '.nics[] | select(.name=="service") | .tx.frames')
# Every echo request reached the guest and every reply left it (plus ARP).
[ "$rxf" -ge $((small + big)) ] || die "tender saw $rxf frames in, expected >= $((small + big))"
[ "$txf" -ge $((small + big)) ] || die "tender saw $txf frames out, expected >= $((small + big))"
log "ok: $mode: $small + $big echoes, 0 loss, rx=$rxf tx=$txf"
rm -rf "$out"
