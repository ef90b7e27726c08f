# Helpers for the in-VM hvt network tests (sourced after the integration
# tests' lib.sh, whose TAP/netns helpers and cleanup trap they reuse).

# hvt_bridge_topology OUTDIR SKIFF-ARGS...: bridge_topology (lib.sh) with
# bridge.hvt: h1 (10.78.0.1, NS1) -- wan [bridge.hvt] lan -- h2 (10.78.0.2,
# NS2). Sets NS1 NS2 TAP1 TAP2 SKIFF_PID.
hvt_bridge_topology() {
    BRIDGE_IMAGE=$GUESTS/bridge.hvt bridge_topology "$@"
}

# iperf3_server NS DST: a one-off iperf3 server, waited for (no ss(8) in the
# VM: read /proc). Bounded: a server whose client went away can wait forever.
iperf3_server() {
    local ns=$1 dst=$2 i
    timeout 150 ip netns exec "$ns" iperf3 -s -1 -B "$dst" >/dev/null 2>&1 &
    _PIDS+=("$!")
    for i in $(seq 1 20); do
        ip netns exec "$ns" cat /proc/net/tcp | grep -q ':1451 .* 0A ' && return 0
        sleep 0.2
    done
}

# tcp_transfer NS_FROM NS_TO DST BYTES: one TCP stream of exactly BYTES.
# Prints iperf3's JSON (client and server byte counts) on stdout.
tcp_transfer() {
    iperf3_server "$2" "$3"
    timeout 120 ip netns exec "$1" iperf3 -c "$3" -n "$4" -J
}

# udp_burst NS_FROM NS_TO DST COUNT: COUNT UDP datagrams (1000 bytes) from
# one namespace to another with iperf3, paced so emulated KVM keeps up.
# Prints iperf3's JSON on stdout.
udp_burst() {
    local from=$1 to=$2 dst=$3 count=$4
    iperf3_server "$to" "$dst"
    timeout 120 ip netns exec "$from" iperf3 -c "$dst" -u -l 1000 \
        -b "${UDP_RATE:-4M}" -k "$count" -J
}

# hvt_stall_report OUT: after a transfer through the bridge failed or hung,
# what tells a dead path from a stuck client. If skiff has ended (the guest
# exited, faulted or saw a NIC close; KVM failed): how, from its exit status
# and the end of its log, with its final counters. Else the tender's
# counters twice, 2 s apart (SIGUSR1: are frames, kicks and guest exits
# still moving?), and one ping each way.
hvt_stall_report() {
    local out=$1 rc=0
    if ! netns_child "$SKIFF_PID" live; then
        wait "$SKIFF_PID" 2>/dev/null || rc=$?
        log "skiff has ended (exit status $rc); the end of its log:"
        tail -n 30 "$out/skiff.log" >&2
        if [ -s "$out/stats.json" ]; then
            jq -c '{nics: [.nics[] | {name, rx, tx}], hvt}' "$out/stats.json" >&2 || true
        fi
        return 0
    fi
    kill -USR1 "$SKIFF_PID" 2>/dev/null || true
    sleep 2
    kill -USR1 "$SKIFF_PID" 2>/dev/null || true
    sleep 0.5
    log "tender counters, 2 s apart:"
    tail -n 30 "$out/skiff.log" >&2
    timeout 10 ip netns exec "$NS1" ping -n -c 2 -W 2 10.78.0.2 >&2 || log "ping h1 -> h2 fails too"
    timeout 10 ip netns exec "$NS2" ping -n -c 2 -W 2 10.78.0.1 >&2 || log "ping h2 -> h1 fails too"
}
