#!/usr/bin/env bash
# bridge guest between two namespace hosts: payload-checked pings, iperf3
# TCP (rates, offloads) and UDP in both directions, and a TCP stream each
# way whose every byte is checked (streamcheck: iperf3 cannot see a bad
# byte), then a graceful stop (SIGTERM closes the NICs, the guest prints its
# counters and exits 0). Every frame is accounted for:
#   kernel TAP tx  = tender RX frames + tender RX drops     (into skiff)
#   tender RX      = guest forwarded + guest dropped        (through the guest)
#   guest fwd      = tender TX frames + tender TX drops     (out of the guest)
#   tender TX      = kernel TAP rx (+ up to kernel rx_dropped, which also
#                    counts frames the stack later discarded)  (out of skiff)
# Offloads: in event/poll mode the bridge's NICs carry vnet headers, so TCP
# crosses as GSO super-frames: the TAP that feeds the data into skiff must
# average more than 1514 bytes per frame. Direct mode never does that.
# `mixed` is event mode with lan an inherited TAP fd without vnet headers:
# the bridge segments super-frames from wan, so the guest forwards fewer
# frames wan->lan than the tender writes to lan.
# Usage: bridge_traffic.sh event|poll|direct|mixed
source "$(dirname "$0")/lib.sh"
skip_unless_root
mode=${1:?io mode}
secs=${SECS:-2}
out=$(mktemp -d)

if [ "$mode" = mixed ]; then
    export LAN_VIA_FD=1
    TAPFD=${TAPFD:-$SKIFF_BUILD/tests/integration/tapfd}
    bridge_topology "$out" --io=event
else
    bridge_topology "$out" --io="$mode"
fi
for ns in "$NS1" "$NS2"; do # no IPv6 chatter: only the traffic we count
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done

ping_checked "$NS1" 10.78.0.2 100 0.01 1400 0f1e2d3c "$out/ping.log"
ping_checked "$NS2" 10.78.0.1 100 0.01 56 c3d2e1f0 "$out/ping-back.log"

case $mode in direct) want="off " ;; mixed) want="on wan only" ;; *) want="on " ;; esac
grep -q "^bridge: offloads $want" "$out/skiff.log" ||
    die "bridge offload mode: $(grep '^bridge: offloads' "$out/skiff.log" || echo none printed)"

bps() { jq -r "$1" "$2"; }
tx_counts() { echo "$(tap_stat "$1" "$2" tx_bytes) $(tap_stat "$1" "$2" tx_packets)"; }
for dir in "" "-R"; do
    # The TAP on the sending host's side carries the data into skiff.
    if [ -z "$dir" ]; then src=("$NS1" "$TAP1"); else src=("$NS2" "$TAP2"); fi
    read -r b0 p0 < <(tx_counts "${src[@]}")
    iperf3_run "$out/tcp$dir.json" -t "$secs" $dir
    read -r b1 p1 < <(tx_counts "${src[@]}")
    avg=$(((b1 - b0) / (p1 - p0 > 0 ? p1 - p0 : 1)))
    r=$(bps '.end.sum_received.bits_per_second' "$out/tcp$dir.json")
    awk -v r="$r" 'BEGIN { exit !(r > 1e6) }' || die "TCP $dir throughput $r bit/s"
    log "TCP ${dir:-fwd}: $(awk -v r="$r" 'BEGIN { printf "%.0f Mbit/s", r / 1e6 }'), data frames into skiff average $avg bytes"
    if [ "$mode" = direct ] || [ "$mode/$dir" = mixed/-R ]; then
        [ "$avg" -le 1514 ] || die "TCP ${dir:-fwd}: frames above 1514 bytes without offloads"
    else
        [ "$avg" -gt 1514 ] || die "TCP ${dir:-fwd}: no GSO frames crossed (offloads not in use)"
    fi
    iperf3_run "$out/udp$dir.json" -u -b 100M -l 1400 -t "$secs" $dir
    p=$(bps '.end.sum.packets' "$out/udp$dir.json")
    lost=$(bps '.end.sum.lost_percent' "$out/udp$dir.json")
    [ "${p:-0}" -gt 0 ] || die "UDP $dir: no packets"
    log "UDP ${dir:-fwd}: $p packets, ${lost}% lost"
done

stream_checked "$NS1" "$NS2" 10.78.0.2 $((32 << 20)) "$out/stream"
stream_checked "$NS2" "$NS1" 10.78.0.1 $((32 << 20)) "$out/stream-back"
log "TCP streams: 32 MiB each way, every byte checked"

sleep 0.5 # let stragglers (TCP FIN/ACK) settle before the stop
kill -TERM "$SKIFF_PID"
rc=0
wait_exit "$SKIFF_PID" 10 || rc=$?
[ $rc -eq 0 ] || die "skiff exited $rc: $(tail -5 "$out/skiff.log")"

guest() { # direction field
    sed -n "s/^bridge: $1 forwarded \([0-9]*\) dropped \([0-9]*\)$/\1 \2/p" "$out/skiff.log" |
        cut -d' ' -f"$2"
}
nic() { jq -r ".nics[] | select(.name==\"$1\") | $2" "$out/stats.json"; }
drops() { nic "$1" "[.$2.drops[]] | add"; }

sent_ok() { # sent received kernel-rx-dropped
    [ "$1" -ge "$2" ] && [ "$1" -le $(($2 + $3)) ]
}

check_dir() { # from-nic from-ns from-tap to-nic to-ns to-tap guest-direction
    local k_in t_in t_in_d g_f g_d t_out t_out_d k_out k_out_d
    k_in=$(tap_stat "$2" "$3" tx_packets)
    g_f=$(guest "$7" 1)
    g_d=$(guest "$7" 2)
    k_out=$(tap_stat "$5" "$6" rx_packets)
    k_out_d=$(tap_stat "$5" "$6" rx_dropped)
    [ -n "$g_f" ] || die "guest printed no counters for $7"
    if [ "$mode" = direct ]; then # the guest talks to the TAPs itself
        [ "$k_in" -eq $((g_f + g_d)) ] || die "$7: kernel sent $k_in, guest saw $((g_f + g_d))"
        sent_ok "$g_f" "$k_out" "$k_out_d" || die "$7: guest sent $g_f, kernel got $k_out (+$k_out_d dropped)"
    else
        # Into the guest: read by the I/O thread, or by the guest itself
        # while that left it the fd (spt event mode, no vnet, no rate).
        t_in=$(($(nic "$1" .rx.frames) + $(nic "$1" .guest_rx_frames)))
        t_in_d=$(drops "$1" rx)
        # Out of the guest: through the I/O thread, or written by the guest
        # itself while that slept (spt event mode, no vnet).
        t_out=$(($(nic "$4" .tx.frames) + $(nic "$4" .guest_tx_frames)))
        t_out_d=$(drops "$4" tx)
        [ "$k_in" -eq $((t_in + t_in_d)) ] || die "$7: kernel sent $k_in, tender took $t_in+$t_in_d"
        [ "$t_in" -eq $((g_f + g_d)) ] || die "$7: tender gave $t_in, guest handled $g_f+$g_d"
        if [ "$mode/$7" = "mixed/wan->lan" ]; then # super-frames became segments
            [ "$g_f" -le $((t_out + t_out_d)) ] || die "$7: guest sent $g_f, tender wrote only $t_out+$t_out_d"
        else
            [ "$g_f" -eq $((t_out + t_out_d)) ] || die "$7: guest sent $g_f, tender wrote $t_out+$t_out_d"
        fi
        sent_ok "$t_out" "$k_out" "$k_out_d" || die "$7: tender wrote $t_out, kernel got $k_out (+$k_out_d dropped)"
    fi
    # Ring modes are lossless end to end: the bridge waits for room on its
    # output instead of dropping, and frames of one MTU always fit.
    if [ "$mode" != direct ] && [ "$g_d" -ne 0 ]; then
        die "$7: the guest dropped $g_d frames in a lossless ring mode"
    fi
    log "$7: $k_in frames in, $g_f forwarded, $g_d dropped by the guest, balanced"
}
check_dir wan "$NS1" "$TAP1" lan "$NS2" "$TAP2" "wan->lan"
check_dir lan "$NS2" "$TAP2" wan "$NS1" "$TAP1" "lan->wan"
if [ "$mode" != direct ]; then
    log "notifications per frame: $(jq -r '[.nics[].notifications_per_frame] | map(tostring) | join(" ")' "$out/stats.json")"
fi
rm -rf "$out"
log "ok: $mode"
