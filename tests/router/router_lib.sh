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
    start_bg ROUTER_PID "$SKIFF" --net:wan="$TAPW" --net:lan="$TAPL" \
        --net-mac:wan=$WAN_MAC --net-mac:lan=$LAN_MAC --stats="$out/stats.json" "$@" \
        "$image" -- $args >"$out/skiff.log" 2>&1
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

# field LINE-PREFIX KEY: KEY=VALUE from the last report line starting with
# "router: LINE-PREFIX " (empty if absent).
field() {
    grep "^router: $1 " "$OUT/skiff.log" | tail -1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# rcount NIC FIELD: a NIC's counter (in, forwarded, local, queued, dropped,
# out, out-failed, own), from the report at exit.
rcount() { field "$1 in=[0-9]*" "$2"; }

# rdrop NIC REASON: a NIC's drop counter for one reason (0 if not printed).
rdrop() {
    local v
    v=$(field "$1 dropped" "$2")
    echo "${v:-0}"
}
