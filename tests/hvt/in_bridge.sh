#!/usr/bin/env bash
# bridge.hvt forwards between two network namespaces: payload-checked
# pings both ways, a
# UDP burst, and (on a native KVM; too slow when emulated) an iperf3 TCP run
# and a TCP stream of a fixed size whose every byte is checked; after a
# graceful stop the counters balance: frames into the tender = frames out +
# drops the tender and the guest counted. Event mode (the ring path) checks
# the balance; direct mode checks forwarding only.
# Needs /dev/kvm and root. Usage: in_bridge.sh SKIFF GUEST_DIR MKBAD
export SKIFF=$1 GUESTS=$2 SKIFF_BUILD=${SKIFF_BUILD:-unused}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../integration/lib.sh"
source "$here/hvt_lib.sh"
skip_unless_root
[ -c /dev/kvm ] || { echo "SKIP: no /dev/kvm"; exit 77; }
out=$(mktemp -d)
burst=${BURST:-2000}

hvt_bridge_topology "$out" --io=event
warm_up "$NS1" 10.78.0.2
ping_checked "$NS1" 10.78.0.2 20 0.05 1400 0f1e2d3c "$out/ping.log"
ping_checked "$NS2" 10.78.0.1 20 0.05 56 c3d2e1f0 "$out/ping-back.log"
udp_burst "$NS1" "$NS2" 10.78.0.2 "$burst" >"$out/udp.json" ||
    { tail -n 5 "$out/udp.json" >&2; hvt_stall_report "$out"; die "UDP burst failed"; }
got=$(jq -r '.end.sum.packets - .end.sum.lost_packets' "$out/udp.json")
log "UDP burst: $burst sent, $got received"
[ "$got" -gt 0 ] || die "no UDP datagram arrived"

if [ -z "${SKIFF_HVT_NESTED:-}" ]; then
    tcp_transfer "$NS1" "$NS2" 10.78.0.2 $((64 << 20)) >"$out/tcp.json" || die "iperf3 TCP failed"
    log "iperf3 TCP: $(jq -r '.end.sum_received.bits_per_second / 1e6 | floor' "$out/tcp.json") Mbit/s"
    stream_checked "$NS1" "$NS2" 10.78.0.2 $((32 << 20)) "$out/stream"
    stream_checked "$NS2" "$NS1" 10.78.0.1 $((32 << 20)) "$out/stream-back"
    log "TCP streams: 32 MiB each way, every byte checked"
fi

kill -TERM "$SKIFF_PID"
rc=0
wait_exit "$SKIFF_PID" 30 || rc=$?
[ $rc -eq 0 ] || die "skiff exited $rc after SIGTERM: $(tail -5 "$out/skiff.log")"
s=$out/stats.json
in=$(jq '[.nics[].rx.frames] | add' "$s")
outf=$(jq '[.nics[].tx.frames] | add' "$s")
tdrops=$(jq '[.nics[].tx.drops[], .nics[].rx.drops[]] | add' "$s")
gdrops=$(sed -n 's/^bridge: .* dropped \([0-9]*\)$/\1/p' "$out/skiff.log" | awk '{s += $1} END {print s + 0}')
log "tender: in=$in out=$outf drops=$tdrops; guest drops=$gdrops; $(jq -c '.hvt | {exits, exits_per_frame}' "$s")"
[ "$in" -ge "$burst" ] || die "tender saw only $in frames in"
[ "$in" -eq $((outf + tdrops + gdrops)) ] ||
    die "counters do not balance: in $in != out $outf + drops $tdrops + guest drops $gdrops"
log "ok: event: ping both ways, UDP burst, counters balance"

# Direct mode: every frame is a hypercall; just check forwarding works.
# (The TAPs went with their namespaces.)
ip netns del "$NS1"
ip netns del "$NS2"
TAG=${TAG}d
hvt_bridge_topology "$out" --io=direct
warm_up "$NS1" 10.78.0.2
ping_checked "$NS1" 10.78.0.2 20 0.05 1400 0f1e2d3c "$out/ping.log"
kill -TERM "$SKIFF_PID"
wait_exit "$SKIFF_PID" 30 || true
log "ok: direct: ping through bridge.hvt"
rm -rf "$out"
