#!/usr/bin/env bash
# The same router sources built with Solo5's own toolchain against Solo5's
# own API (guest/images/router/build-solo5.sh), run by Solo5's solo5-spt
# between the three namespace hosts of router_lib.sh: payload-checked
# pings h1 <-> h3 and to the router, a TCP stream each way whose every
# byte is checked, a TTL expiry answered. (Solo5's tender stops its guest
# with SIGTERM at once, so there are no counters to balance here.)
# Needs SKIFF_THIRD_PARTY (Solo5's snapshot), else skipped.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/router_lib.sh"
source "$(dirname "$0")/../lib/third_party.sh"
skip_unless_root
tp_require solo5
solo5=$(tp_solo5 "$SKIFF_BUILD/third_party") || die "building Solo5 failed"
image=$(bash "$(dirname "$0")/../../guest/images/router/build-solo5.sh" "$solo5" \
    "$SKIFF_BUILD/router-solo5") || die "building the router against Solo5 failed"
OUT=$(mktemp -d)
ROUTER_TENDER=$solo5/tenders/spt/solo5-spt router_topology "$OUT" "$image" "$ROUTER_ARGS_BASE"
warm_up "$H1" 10.3.0.2
ping_checked "$H1" 10.3.0.2 20 0.01 1000 0f1e2d3c "$OUT/p-h3.log"
ping_checked "$H3" 10.1.0.2 20 0.01 56 a5a55a5a "$OUT/p-h1.log"
ping_checked "$H1" 10.2.0.1 10 0.01 200 01020304 "$OUT/p-lan.log"
stream_checked "$H1" "$H3" 10.3.0.2 $((4 << 20)) "$OUT/stream"
stream_checked "$H3" "$H1" 10.1.0.2 $((4 << 20)) "$OUT/stream-back"
ip netns exec "$H1" ping -n -c 1 -W 2 -t 1 10.3.0.2 >"$OUT/ttl.log" 2>&1 || true
grep -q "^From 10.1.0.1 icmp_seq=1 Time to live exceeded" "$OUT/ttl.log" || die "TTL 1: $(cat "$OUT/ttl.log")"
kill -0 "$ROUTER_PID" 2>/dev/null || die "solo5-spt exited: $(tail -5 "$OUT/skiff.log")"
grep -q "^router: wan 10.1.0.1/24 .* offloads off" "$OUT/skiff.log" || die "router: $(head -20 "$OUT/skiff.log")"
grep -q "^Solo5: Bindings version" "$OUT/skiff.log" || die "not Solo5's bindings: $(head -5 "$OUT/skiff.log")"
kill -TERM "$ROUTER_PID"
wait "$ROUTER_PID" 2>/dev/null || true
rm -rf "$OUT"
log "ok: the router built against Solo5 forwards on solo5-spt (pings, 4 MiB each way, TTL)"
