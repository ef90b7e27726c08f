#!/usr/bin/env bash
# VM exits to user space per forwarded frame for bridge.hvt, per I/O mode.
#
#   [MODES="event poll direct"] [RATES="0"] \
#       bench/vmexits/hvt_exits.sh SKIFF GUEST_DIR [FRAMES]
#
# Where /dev/kvm works (directly, else inside the nested-KVM VM that
# tests/kvm/kvm-run boots), for each of MODES (--io=event, poll and direct
# by default): two network namespaces joined by bridge.hvt, one UDP burst of
# FRAMES (default 5000) 1000-byte datagrams h1 -> h2 with iperf3 per offered
# rate in RATES (frames per second, iperf3 -b; 0, the default, is one
# unpaced burst; e.g. RATES="10000 20000 50000" sends three bursts through
# the same tender), a graceful stop, then the tender's counters: frames
# forwarded (frames into the tender, both NICs) and VM exits to user space,
# for each burst alone (stats snapshots before and after it) by reason
# (POLL hypercalls, sleeps (POLL, or direct mode's NETIO waiting), the
# frame hypercalls NETREAD+NETWRITE+NETIO, the rest),
# with the rates iperf3 sent at and the bridge forwarded at and the frames
# the wan TAP dropped for want of room, and for the whole run. Prints one
# line per burst and Markdown tables.
# Under emulation only per-frame counts mean anything.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ "${1:-}" != --inside ]; then
    [ $# -ge 2 ] || { echo "usage: hvt_exits.sh SKIFF GUEST_DIR [FRAMES]" >&2; exit 2; }
    skiff=$(realpath "$1") guests=$(realpath "$2")
    for rate in ${RATES:-0}; do
        [[ $rate =~ ^[0-9]+$ ]] || {
            echo "hvt_exits.sh: RATES: '$rate' is not a rate in frames per second (e.g. RATES=\"10000 50000\")" >&2
            exit 2
        }
    done
    # The build's VM holder, when there is one (tests/kvm/kvm_hold.c).
    hold=$(dirname "$skiff")/../tests/kvm/kvm_hold
    hold_opt=()
    [ ! -x "$hold" ] || hold_opt=(--hold "$hold")
    # The VM does not inherit this environment: pass the choices on.
    env_opt=(--env "MODES=${MODES:-event poll direct}" --env "RATES=${RATES:-0}")
    exec "$root/tests/kvm/kvm-run" --timeout 900 --with-net-tools --quiet "${hold_opt[@]}" \
        "${env_opt[@]}" \
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
rows=() runs=()

# snap: "exits frames poll sleeps netread+netwrite+netio kicks" now, from the
# stats table SIGUSR1 makes the tender print (the last one in its log), so
# each burst can be measured apart from set-up traffic (pings, iperf3's
# control connection, ARP). The hvt line reads "hvt (kvm): N exits
# (walltime N, poll N, ..., other N), N poll sleeps, N ioeventfd kicks, ...".
snap() {
    kill -USR1 "$SKIFF_PID"
    sleep 0.5
    awk '/^skiff: stats/ { f = 0; delete c }
         $1 == "hvt" {
             for (i = 1; i < NF; i++) {
                 name = $i; v = $(i + 1)
                 sub(/^\(/, "", name); gsub(/[,)]/, "", v)
                 if (v ~ /^[0-9]+$/) c[name] = v
                 if ($(i + 1) == "poll" && $(i + 2) == "sleeps,") s = $i
                 if ($(i + 1) == "ioeventfd") k = $i
             }
             e = $3
         }
         $2 == "rx" { f += $3 }
         END { print e + 0, f + 0, c["poll"] + 0, s + 0, c["netread"] + c["netwrite"] + c["netio"], k + 0 }' \
        "$out/skiff.log"
}
# per A B: A / B to 4 places (0 when B is 0).
per() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b ? a / b : 0 }'; }

base=$TAG
for mode in ${MODES:-event poll direct}; do
    TAG=$base${mode:0:1}
    hvt_bridge_topology "$out" --io="$mode"
    timeout 30 ip netns exec "$NS1" ping -c 3 -i 0.2 -W 5 10.78.0.2 >/dev/null ||
        die "$mode: no connectivity through bridge.hvt"
    for rate in ${RATES:-0}; do
        log "$mode: bridge up, sending $frames datagrams at ${rate/#0/unpaced} frames/s"
        read -r e0 f0 p0 s0 n0 k0 <<<"$(snap)"
        d0=$(tap_stat "$NS1" "$TAP1" tx_dropped)
        # iperf3 -b counts UDP payload bits: 1000 bytes per datagram.
        if ! UDP_RATE=$((rate * 8000)) udp_burst "$NS1" "$NS2" 10.78.0.2 "$frames" >"$out/udp.json"; then
            kill -USR1 "$SKIFF_PID"; sleep 1
            die "$mode: UDP burst failed: $(tail -3 "$out/udp.json"); $(cat "$out/skiff.log")"
        fi
        read -r e1 f1 p1 s1 n1 k1 <<<"$(snap)"
        # Frames the wan TAP's queue to the tender had no room for: where
        # the bridge, not the sender, set the rate.
        tapdrop=$(($(tap_stat "$NS1" "$TAP1" tx_dropped) - d0))
        bf=$((f1 - f0)) be=$((e1 - e0)) bp=$((p1 - p0)) bs=$((s1 - s0)) bn=$((n1 - n0))
        bo=$((be - bp - bn)) bk=$((k1 - k0))
        lost=$(jq '.end.sum.lost_packets' "$out/udp.json")
        sent=$(jq '.end.sum.packets / .end.sum.seconds | floor' "$out/udp.json")
        fwdrate=$(jq --argjson f "$bf" '$f / .end.sum.seconds | floor' "$out/udp.json")
        echo "hvt_exits: io=$mode offered=$rate/s sent=$sent/s forwarded=$fwdrate/s burst:" \
             "forwarded=$bf exits=$be (poll $bp, slept $bs; netread+netwrite+netio $bn; other $bo)" \
             "ioeventfd_kicks=$bk exits/frame=$(per "$be" "$bf") tap_drops=$tapdrop udp_lost=$lost"
        row="| $mode | ${rate/#0/unpaced} | $sent | $fwdrate | $bf | $be | $(per "$be" "$bf") |"
        row+=" $(per "$bp" "$bf") | $(per "$bs" "$bf") | $(per "$bn" "$bf") | $(per "$bo" "$bf") |"
        rows+=("$row $(per "$bk" "$bf") | $tapdrop | $lost |")
        if [ "$mode" = event ] && { [ "$rate" = 0 ] || [ "$rate" -ge 10000 ]; }; then
            worst=$(awk -v a="$(per "$be" "$bf")" -v w="${worst:--1}" 'BEGIN { print (a > w ? a : w) }')
        fi
    done
    kill -TERM "$SKIFF_PID"
    wait_exit "$SKIFF_PID" 30 || true
    s=$out/stats.json
    fwd=$(jq '[.nics[].rx.frames] | add' "$s")
    exits=$(jq '.hvt.exits' "$s")
    polls=$(jq '.hvt.poll_hypercalls' "$s")
    sleeps=$(jq '.hvt.poll_sleeps' "$s")
    net=$(jq '.hvt.hypercalls | .netread + .netwrite + (.netio // 0)' "$s")
    kicks=$(jq '.hvt.ioeventfd_kicks' "$s")
    echo "hvt_exits: io=$mode whole run: forwarded=$fwd exits=$exits poll=$polls (slept $sleeps)" \
         "netread+netwrite+netio=$net ioeventfd_kicks=$kicks exits/frame=$(per "$exits" "$fwd")"
    runs+=("| $mode | $fwd | $exits | $polls | $sleeps | $net | $kicks | $(per "$exits" "$fwd") |")
    ip netns del "$NS1"
    ip netns del "$NS2"
done
echo
echo "Bursts (per forwarded frame; exits are exits to user space, kicks stay in the kernel):"
echo
echo "| io | offered frames/s | sent frames/s | forwarded frames/s | frames | exits | exits/frame | POLL | slept | NETREAD+NETWRITE+NETIO | other exits | ioeventfd kicks | TAP drops | UDP lost |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}"
echo
echo "Whole runs (set-up traffic included):"
echo
echo "| io | frames | exits | POLL | slept | NETREAD+NETWRITE+NETIO | ioeventfd kicks | exits/frame |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${runs[@]}"
rm -rf "$out"
if [ -n "${worst:-}" ]; then
    echo
    verdict=$(awk -v w="$worst" 'BEGIN { print (w <= 0.01 ? "met" : "**missed**") }')
    echo "Goal: event mode, exits to user space per forwarded frame <= 0.01 in every burst offered at" \
         "10,000 frames/s or more (or unpaced): worst $worst, $verdict"
fi
