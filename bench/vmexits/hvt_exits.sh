#!/usr/bin/env bash
# VM exits to user space per forwarded frame for bridge.hvt, per I/O mode.
#
#   bench/vmexits/hvt_exits.sh SKIFF GUEST_DIR [FRAMES]
#
# Where /dev/kvm works (directly, else inside the nested-KVM VM that
# tests/kvm/kvm-run boots), for each of --io=event, poll and direct: two
# network namespaces joined by bridge.hvt, one unpaced UDP burst of FRAMES
# (default 5000) 1000-byte datagrams h1 -> h2 with iperf3, a graceful stop,
# then the tender's counters: frames forwarded (frames into the tender, both
# NICs) and VM exits (all reasons), for the burst alone (stats snapshots
# before and after it) and for the whole run. Prints one line per mode and a
# Markdown table. Under emulation only per-frame counts mean anything.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ "${1:-}" != --inside ]; then
    [ $# -ge 2 ] || { echo "usage: hvt_exits.sh SKIFF GUEST_DIR [FRAMES]" >&2; exit 2; }
    skiff=$(realpath "$1") guests=$(realpath "$2")
    # The build's VM holder, when there is one (tests/kvm/kvm_hold.c).
    hold=$(dirname "$skiff")/../tests/kvm/kvm_hold
    hold_opt=()
    [ ! -x "$hold" ] || hold_opt=(--hold "$hold")
    exec "$root/tests/kvm/kvm-run" --timeout 900 --with-net-tools --quiet "${hold_opt[@]}" \
        --file "$skiff" --file "$guests" --file "$here/hvt_exits.sh" \
        --file "$root/tests/hvt" --file "$root/tests/integration/lib.sh" --file "$root/tests/lib/netns.sh" \
        -- bash "$here/hvt_exits.sh" --inside "$skiff" "$guests" "${3:-5000}"
fi

export SKIFF=$2 GUESTS=$3 SKIFF_BUILD=unused
frames=$4
source "$root/tests/integration/lib.sh"
source "$root/tests/hvt/hvt_lib.sh"
skip_unless_root
out=$(mktemp -d)
rows=()

# snap: "exits frames-in" now, from the stats table SIGUSR1 makes the
# tender print (the last one in its log), so the burst can be measured
# apart from set-up traffic (pings, iperf3's control connection, ARP).
snap() {
    kill -USR1 "$SKIFF_PID"
    sleep 0.5
    awk '/^skiff: stats/ { e = 0; f = 0 } $1 == "hvt" { e = $3 }
         $2 == "rx" { f += $3 } END { print e, f }' "$out/skiff.log"
}
base=$TAG
for mode in ${MODES:-event poll direct}; do
    TAG=$base${mode:0:1}
    hvt_bridge_topology "$out" --io="$mode"
    timeout 30 ip netns exec "$NS1" ping -c 3 -i 0.2 -W 5 10.78.0.2 >/dev/null ||
        die "$mode: no connectivity through bridge.hvt"
    log "$mode: bridge up, sending $frames datagrams"
    s0=$(snap) && e0=${s0% *} f0=${s0#* }
    if ! UDP_RATE=${UDP_RATE:-0} udp_burst "$NS1" "$NS2" 10.78.0.2 "$frames" >"$out/udp.json"; then
        kill -USR1 "$SKIFF_PID"; sleep 1
        die "$mode: UDP burst failed: $(tail -3 "$out/udp.json"); $(cat "$out/skiff.log")"
    fi
    s1=$(snap) && e1=${s1% *} f1=${s1#* }
    kill -TERM "$SKIFF_PID"
    wait_exit "$SKIFF_PID" 30 || true
    s=$out/stats.json
    fwd=$(jq '[.nics[].rx.frames] | add' "$s")
    exits=$(jq '.hvt.exits' "$s")
    polls=$(jq '.hvt.poll_hypercalls' "$s")
    sleeps=$(jq '.hvt.poll_sleeps' "$s")
    net=$(jq '.hvt.hypercalls.netread + .hvt.hypercalls.netwrite' "$s")
    kicks=$(jq '.hvt.ioeventfd_kicks' "$s")
    lost=$(jq '.end.sum.lost_packets' "$out/udp.json")
    per=$(awk -v e="$exits" -v f="$fwd" 'BEGIN { printf "%.4f", f ? e / f : 0 }')
    bf=$((f1 - f0)) be=$((e1 - e0))
    bper=$(awk -v e="$be" -v f="$bf" 'BEGIN { printf "%.4f", f ? e / f : 0 }')
    echo "hvt_exits: io=$mode whole run: forwarded=$fwd exits=$exits poll=$polls (slept $sleeps)" \
         "netread+netwrite=$net ioeventfd_kicks=$kicks exits/frame=$per;" \
         "burst: forwarded=$bf exits=$be exits/frame=$bper udp_lost=$lost"
    rows+=("| $mode | $bf | $be | $bper | $fwd | $exits | $polls | $net | $kicks | $per |")
    ip netns del "$NS1"
    ip netns del "$NS2"
done
echo
echo "| io | burst frames | burst exits | burst exits/frame | run frames | run exits | POLL | NETREAD+NETWRITE | ioeventfd kicks | run exits/frame |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}"
rm -rf "$out"
