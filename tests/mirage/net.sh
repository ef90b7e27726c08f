#!/usr/bin/env bash
# Tier 2: Mirage's own Solo5 bindings drive a NIC on skiff. The netecho
# unikernel (tests/mirage/netecho: mirage-solo5 + mirage-net-solo5 as
# released, built by build.sh against the installed prefix) runs under the
# prefix's solo5-spt or solo5-hvt with one I/O mode, its NIC `service` on a
# TAP in a namespace this script creates and removes:
#   - ARP: the namespace host resolves the guest (warm-up ping);
#   - ICMP: PINGS payload-checked echo requests (ping_checked: each of
#     1..COUNT gets one intact reply), sizes from 16 bytes to the MTU's
#     1,472, none lost;
#   - UDP: a burst of MTU-sized datagrams that can fill the transmit path
#     (the guest must survive it: solo5_net_write must never answer
#     SOLO5_R_AGAIN, which mirage-net-solo5 treats as impossible), then
#     datagrams one at a time, every echo compared byte for byte;
#   - a "quit" datagram: the guest prints its counters and exits 0; the
#     counters must show every echo request answered and no bad frame.
# Usage: net.sh spt|hvt event|poll|direct PREFIX IMAGES
target=$1 mode=$2 prefix=$3 images=$4
export SKIFF_BUILD=$images
source "$(dirname "$0")/../lib/third_party.sh"
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/../lib/native_kvm.sh"
# In the nested-KVM VM (nested.sh) the images came in ready-built.
[ -n "${SKIFF_HVT_NESTED:-}" ] || tp_require mirage-solo5 mirage-net-solo5
skip_unless_root
[ "$target" = spt ] || [ -n "${SKIFF_HVT_NESTED:-}" ] || require_native_kvm
source "$(dirname "$0")/image.sh"
image=$(mirage_image "$images" "netecho.$target") || exit $?
udpecho=${UDPECHO:?UDPECHO must name the udpecho program}
# In the nested VM (emulated CPU) fewer, slower echoes.
if [ -n "${SKIFF_HVT_NESTED:-}" ]; then
    pings=${MIRAGE_PINGS:-500} interval=0.005 udp=200 burst=200
else
    pings=${MIRAGE_PINGS:-5000} interval=0.001 udp=1000 burst=2000
fi
out=$(mktemp -d)
trap 'rc=$?; rm -rf "$out"; set +e; (exit $rc); cleanup' EXIT

tap=${TAG}m ns=${TAG}n
make_tap "$tap"
make_netns "$ns"
start_bg pid "$prefix/bin/solo5-$target" --io="$mode" --stats="$out/stats.json" \
    --net:service="$tap" -- "$image" 10.91.0.2 >"$out/guest.log" 2>&1
wait_attached "$tap"
move_tap "$tap" "$ns" 10.91.0.1/24
# ARP, and the guest up: one answered echo (its requests are counted too).
timeout 15 ip netns exec "$ns" ping -n -c 1 -w 10 10.91.0.2 >"$out/warm.log" 2>&1 ||
    die "no answer from the guest at all: $(tail -3 "$out/guest.log")"
grep -q "Plugging into service with mac .* mtu 1500" "$out/guest.log" ||
    die "mirage-net-solo5 did not log its NIC: $(head -5 "$out/guest.log")"

# ICMP: five sizes up to the MTU (1,500 - 20 - 8), PINGS in all.
sizes=(16 56 512 1200 1472)
each=$((pings / ${#sizes[@]}))
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$out/warm.log")
for i in "${!sizes[@]}"; do
    s=${sizes[$i]}
    ping_checked "$ns" 10.91.0.2 "$each" "$interval" "$s" "$(printf '%02x' $((i * 37 + 5)))c3e1f0" "$out/ping$s.log"
    sent=$((sent + $(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$out/ping$s.log")))
done
log "ok: $target $mode: $((each * ${#sizes[@]})) echo requests of ${sizes[*]} bytes, every reply intact"

# UDP: a burst, then datagrams checked one by one.
timeout 60 ip netns exec "$ns" "$udpecho" 10.91.0.2 7 "$udp" 1472 "$burst" >"$out/udp.log" 2>&1 ||
    die "UDP echo: $(cat "$out/udp.log")"
log "ok: $(tr '\n' ';' <"$out/udp.log")"

ip netns exec "$ns" bash -c 'printf quit >/dev/udp/10.91.0.2/9'
rc=0
wait_exit "$pid" 20 || rc=$?
[ $rc -eq 0 ] || die "the guest exited $rc: $(tail -5 "$out/guest.log")"
counters=$(grep '^netecho: arp=' "$out/guest.log") || die "no counters: $(tail -5 "$out/guest.log")"
eval "$(echo "${counters#netecho: }" | tr ' ' '\n' | sed 's/^/g_/')"
[ "$g_icmp" -eq "$sent" ] || die "the guest answered $g_icmp echo requests, $sent were sent ($counters)"
[ "$g_bad" -eq 0 ] && [ "$g_tx_errors" -eq 0 ] || die "bad frames or write errors: $counters"
[ "$g_arp" -ge 1 ] || die "no ARP request answered: $counters"
[ "$g_udp" -ge "$udp" ] || die "fewer UDP datagrams echoed than checked: $counters"
# The tender's view (ring modes; direct mode counts nothing): what the guest
# got and sent covers what it counted.
[ "$mode" = direct ] && { log "ok: $target $mode: guest $counters"; exit 0; }
nic='.nics[] | select(.name=="service")'
rxf=$(json_get "$out/stats.json" "$nic | .rx.frames + .guest_rx_frames")
txf=$(json_get "$out/stats.json" "$nic | .tx.frames + .guest_tx_frames")
[ "$rxf" -ge $((g_arp + g_icmp + g_udp)) ] || die "the tender passed $rxf frames in, the guest counted more ($counters)"
[ "$txf" -ge $((g_arp + g_icmp + udp)) ] || die "the tender passed $txf frames out ($counters)"
log "ok: $target $mode: guest $counters; tender in $rxf, out $txf"
