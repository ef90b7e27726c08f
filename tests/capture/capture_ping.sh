#!/usr/bin/env bash
# --pcap on a NIC carrying 1,000 payload-checked pings: the capture file is
# a pcap that tcpdump decodes, holding every echo request and reply (2,000
# ICMP frames) with the right payloads, and the capture counters balance
# with the NIC's (written = frames in + out, none lost). The tender is
# stopped with SIGTERM, so the file must be complete on that path too.
# spt --io=direct: the guest moves the frames and copies them into its
# capture channel; the tender counts no frames there, so the TAP's own
# counters (frames the guest read and wrote) are the reference.
# Usage: capture_ping.sh event|poll|direct [IMAGE]
source "$(dirname "$0")/../integration/lib.sh"
skip_unless_root
command -v tcpdump >/dev/null || { echo "SKIP: needs tcpdump (./skiff.sh deps)"; exit 77; }
mode=${1:?io mode}
image=${2:-$GUESTS/ping.spt}
case $image in
*.hvt) [ -c /dev/kvm ] && [ -w /dev/kvm ] || { echo "SKIP: needs /dev/kvm for hvt"; exit 77; } ;;
esac
tap=${TAG}c
ns=${TAG}n
out=$(mktemp -d)
_CLEAN_DIR=$out
count=${COUNT:-1000}
pattern=c0ffee42

make_tap "$tap"
make_netns "$ns"
start_bg pid "$SKIFF" --io="$mode" --net:service="$tap" --pcap:service="$out/service.pcap" \
    --stats="$out/stats.json" "$image" -- 10.77.0.2 >"$out/skiff.log" 2>&1
wait_attached "$tap"
move_tap "$tap" "$ns" 10.77.0.1/24
ping_checked "$ns" 10.77.0.2 "$count" 0.002 56 "$pattern" "$out/ping.log"
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$out/ping.log")

kill -TERM "$pid"
wait_exit "$pid" 20 || true
grep -q "forbidden\|error" "$out/skiff.log" && die "skiff: $(grep -m1 'forbidden\|error' "$out/skiff.log")"
[ -s "$out/stats.json" ] || die "no stats: $(tail -3 "$out/skiff.log")"

# The file is a pcap tcpdump reads to the end, without complaint.
tcpdump -Z root -n -r "$out/service.pcap" >"$out/decoded.txt" 2>"$out/tcpdump.err" ||
    die "tcpdump cannot read the capture: $(cat "$out/tcpdump.err")"
grep -q "truncated\|bogus" "$out/tcpdump.err" && die "tcpdump: $(cat "$out/tcpdump.err")"
frames=$(wc -l <"$out/decoded.txt")
# (Through a file: the nested-KVM VM has no /dev/fd for process substitution.)
tcpdump -Z root -n -xx -r "$out/service.pcap" 2>/dev/null |
    awk -v count="$count" -v pattern="$pattern" -f "$(dirname "$0")/pcap_icmp.awk" >"$out/icmp.txt"
read -r _ req _ rep _ other _ bad _ notonce <"$out/icmp.txt"
log "pcap: $frames frames: $req echo requests, $rep replies, $other other, $bad bad payloads"
[ "$bad" = 0 ] || die "$bad captured echo frames have a wrong payload"
[ "$notonce" = 0 ] || die "$notonce of sequence numbers 1..$count are not captured exactly once each way"
# ping sent $sent requests (more than $count only if a reply was late); each
# was answered (ping_checked), so the capture holds them all, both ways.
[ "$req" = "$sent" ] && [ "$rep" = "$sent" ] ||
    die "captured $req requests and $rep replies, ping sent $sent"
[ $((req + rep)) -ge $((2 * count)) ] || die "fewer than $((2 * count)) echo frames"

# Counters balance: every frame through the NIC was written, none skipped.
q() { json_get "$out/stats.json" ".nics[] | select(.name==\"service\") | $1"; }
written=$(q .capture.written) notcap=$(q .capture.not_captured)
if [ "$mode" = direct ] && [ "${image##*.}" = spt ]; then
    # The TAP counts a frame in tun_get_user (the guest's write: rx) and
    # tun_put_user (the guest's read: tx), so these are what the guest moved.
    rxf=$(ip netns exec "$ns" cat "/sys/class/net/$tap/statistics/tx_packets")
    txf=$(ip netns exec "$ns" cat "/sys/class/net/$tap/statistics/rx_packets")
    [ "$(q .capture.refused)" = 0 ] || die "the tender refused $(q .capture.refused) records"
else
    rxf=$(q .rx.frames) txf=$(q .tx.frames)
    gtx=$(q .guest_tx_frames) grx=$(q .guest_rx_frames)
    [ "$gtx" = 0 ] && [ "$grx" = 0 ] || die "the guest moved frames past the tender ($gtx out, $grx in)"
fi
[ "$written" = $((rxf + txf)) ] || die "capture wrote $written frames, the NIC moved $rxf in + $txf out"
[ "$notcap" = 0 ] || die "$notcap frames not captured at 500 pings/s"
[ "$frames" = "$written" ] || die "tcpdump decoded $frames frames, the tender wrote $written"
log "ok: $mode: $sent pings, $frames frames captured (rx $rxf + tx $txf), payloads intact"
rm -rf "$out"
