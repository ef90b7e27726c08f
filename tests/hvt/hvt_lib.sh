# Helpers for the in-VM hvt network tests (sourced after the integration
# tests' lib.sh, whose TAP/netns helpers and cleanup trap they reuse).

# hvt_bridge_topology OUTDIR SKIFF-ARGS...: bridge_topology (lib.sh) with
# bridge.hvt: h1 (10.78.0.1, NS1) -- wan [bridge.hvt] lan -- h2 (10.78.0.2,
# NS2). Sets NS1 NS2 TAP1 TAP2 SKIFF_PID.
hvt_bridge_topology() {
    BRIDGE_IMAGE=$GUESTS/bridge.hvt bridge_topology "$@"
}

# udp_burst NS_FROM NS_TO DST COUNT: COUNT UDP datagrams (1000 bytes) from
# one namespace to another with iperf3, paced so emulated KVM keeps up.
# Prints iperf3's JSON on stdout.
udp_burst() {
    local from=$1 to=$2 dst=$3 count=$4 spid i
    # Bounded: a one-off server whose client went away can wait forever.
    timeout 150 ip netns exec "$to" iperf3 -s -1 -B "$dst" >/dev/null 2>&1 &
    spid=$!
    _PIDS+=("$spid")
    for i in $(seq 1 20); do   # no ss(8) in the VM: wait for the port
        ip netns exec "$to" cat /proc/net/tcp | grep -q ':1451 .* 0A ' && break
        sleep 0.2
    done
    timeout 120 ip netns exec "$from" iperf3 -c "$dst" -u -l 1000 \
        -b "${UDP_RATE:-4M}" -k "$count" -J || return 1
    wait "$spid" 2>/dev/null || true
}
