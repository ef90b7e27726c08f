# Helpers for the router image's integration tests (sourced after
# tests/integration/lib.sh, whose TAP, namespace and cleanup helpers they
# use). The topology, as in docs/router.md:
#
#   h1 10.1.0.2 --wan-- [router 10.1.0.1 | 10.2.0.1] --lan-- h2 10.2.0.254 --veth-- h3 10.3.0.2
#                                                            (forwards; 10.3.0.1)
#
# h1 and h3 route everything through the router (h3 by way of h2); the
# router reaches 10.3.0.0/16 through h2 (a static route) and 10.8.0.0/16
# through 10.1.0.254, which nobody answers ARP for. The lan TAP has MTU
# LAN_MTU (default 1400), the wan TAP 1500, so DF packets from h1 to the
# lan side above 1400 bytes need fragmentation and others get fragmented.

ROUTER_ARGS_BASE="wan=10.1.0.1/24 lan=10.2.0.1/24 route=10.3.0.0/16,via=10.2.0.254 route=10.8.0.0/16,via=10.1.0.254"
WAN_MAC=02:00:00:00:01:01
LAN_MAC=02:00:00:00:02:01

# router_topology OUTDIR IMAGE "ROUTER ARGS" SKIFF-ARGS...: namespaces
# H1 H2 H3, TAPs TAPW TAPL, the router running (ROUTER_PID), its console
# in OUTDIR/skiff.log, --stats in OUTDIR/stats.json.
router_topology() {
    local out=$1 image=$2 args=$3
    shift 3
    TAPW=${TAG}w TAPL=${TAG}l H1=${TAG}h1 H2=${TAG}h2 H3=${TAG}h3
    make_tap "$TAPW"
    TAP_MTU=${LAN_MTU:-1400} make_tap "$TAPL"
    make_netns "$H1"
    make_netns "$H2"
    make_netns "$H3"
    # ROUTER_TENDER (e.g. Solo5's solo5-spt) instead of skiff: no --stats.
    local tender=("$SKIFF" --stats="$out/stats.json")
    [ -z "${ROUTER_TENDER:-}" ] || tender=("$ROUTER_TENDER")
    start_bg ROUTER_PID "${tender[@]}" --net:wan="$TAPW" --net:lan="$TAPL" \
        --net-mac:wan=$WAN_MAC --net-mac:lan=$LAN_MAC "$@" -- "$image" $args >"$out/skiff.log" 2>&1
    wait_attached "$TAPW"
    wait_attached "$TAPL"
    move_tap "$TAPW" "$H1" 10.1.0.2/24
    move_tap "$TAPL" "$H2" 10.2.0.254/24
    ip -n "$H1" route add default via 10.1.0.1
    ip -n "$H2" route add default via 10.2.0.1
    ip -n "$H2" link add "${TAG}v2" type veth peer name "${TAG}v3" netns "$H3"
    ip -n "$H2" addr add 10.3.0.1/24 dev "${TAG}v2"
    ip -n "$H2" link set "${TAG}v2" up
    ip -n "$H3" addr add 10.3.0.2/24 dev "${TAG}v3"
    ip -n "$H3" link set "${TAG}v3" up
    ip -n "$H3" route add default via 10.3.0.1
    local ns
    for ns in "$H1" "$H2" "$H3"; do # only the traffic the tests make
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    done
    ip netns exec "$H2" sysctl -qw net.ipv4.ip_forward=1
    # h2 is a router too: let it send its own ICMP errors at once.
    ip netns exec "$H2" sysctl -qw net.ipv4.icmp_ratelimit=0
}

# router_stop: SIGTERM (the tender closes the NICs; the router prints its
# counters and exits 0).
router_stop() {
    kill -TERM "$ROUTER_PID"
    local rc=0
    wait_exit "$ROUTER_PID" 30 || rc=$?
    [ $rc -eq 0 ] || die "router exited $rc: $(tail -5 "$OUT/skiff.log")"
}

# router_counters: the report the router printed at exit, into the array
# RC: RC[wan.in], RC[wan.forwarded]..., RC[wan.drop.REASON], RC[icmp.errors],
# RC[arp.timeouts], RC[fragmented.packets], RC[acl.N] (matches of rule N).
declare -A RC
router_counters() {
    local k v
    RC=()
    # (No process substitution: the nested VM has no /dev/fd.)
    while read -r k v; do [ -z "$k" ] || RC[$k]=$v; done <<<"$(awk '
        $1 != "router:" { next }
        $2 == "acl" && $5 ~ /^matched=/ { sub("matched=", "", $5); print "acl." $3, $5; next }
        $3 == "dropped" { for (i = 4; i <= NF; i++) { split($i, kv, "="); print $2 ".drop." kv[1], kv[2] }; next }
        $3 ~ /=/ { for (i = 3; i <= NF; i++) { split($i, kv, "="); print $2 "." kv[1], kv[2] } }' \
        "$OUT/skiff.log")"
}

# rcount NIC FIELD: a NIC's counter (in, forwarded, local, queued, dropped,
# out, out-failed, own). rdrop NIC REASON: a drop counter (0 if none).
rcount() { echo "${RC[$1.$2]:-}"; }
rdrop() { echo "${RC[$1.drop.$2]:-0}"; }
