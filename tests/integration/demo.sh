#!/usr/bin/env bash
# The main job: a skiff `bridge` guest joins two network namespaces; iperf3
# (TCP) and ping run through it; prints throughput, round-trip times and how
# many notifications (guest kicks + guest wake-ups) each frame cost.
# Usage: demo.sh BUILD-DIR [--io=event|poll|direct] [SECONDS]
SKIFF_BUILD=$(cd "${1:?build directory}" && pwd)
export SKIFF_BUILD
source "$(dirname "$0")/lib.sh"
skip_unless_root
io=${2:---io=event}
secs=${3:-5}
out=$(mktemp -d)

echo "skiff demo: h1 (10.78.0.1) <-> [skiff ${io#--io=} + bridge.spt] <-> h2 (10.78.0.2)"
bridge_topology "$out" "$io"

ping_checked "$NS1" 10.78.0.2 20 0.05 56 a5c3e1f0 "$out/ping.log"
iperf3_run "$out/tcp.json" -t "$secs"
iperf3_run "$out/tcp-r.json" -t "$secs" -R

kill -TERM "$SKIFF_PID"
wait_exit "$SKIFF_PID" 10 || die "skiff did not exit cleanly: $(tail -3 "$out/skiff.log")"

mbit() { jq -r '.end.sum_received.bits_per_second / 1e6 | floor' "$1"; }
echo
echo "  TCP h1 -> h2     $(mbit "$out/tcp.json") Mbit/s"
echo "  TCP h2 -> h1     $(mbit "$out/tcp-r.json") Mbit/s"
echo "  ping RTT         $(sed -n 's/^rtt min\/avg\/max\/mdev = \(.*\) ms$/min\/avg\/max\/mdev \1 ms/p' "$out/ping.log")"
jq -r '.nics[] | "  \(.name): frames in \(.rx.frames), out \(.tx.frames); per frame: guest kicks \(.guest_kicks_per_frame), all notifications \(.notifications_per_frame)"' \
    "$out/stats.json"
grep '^bridge:' "$out/skiff.log" | sed 's/^/  guest /'
rm -rf "$out"
