#!/usr/bin/env bash
# Self-test of the KVM harness: boots the kvm-run VM (or uses the host's
# /dev/kvm) and checks, where the command runs, that
#   - /dev/kvm exists and kvm_probe runs a real-mode guest (KVM_EXIT_IO, HLT);
#   - a TAP can be created (ip tuntap), a network namespace too (ip netns),
#     a veth pair between them passes pings, and a bridge forwards;
#   - iperf3, jq and timeout run (the tools later hvt network tests use).
#
#   selftest.sh KVM_PROBE [kvm-run options...]
#
# Exit status: 0 pass, 77 skip (no KVM and no way to emulate one), else fail.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF=$HERE/$(basename "${BASH_SOURCE[0]}")

log() { echo "[selftest] $*"; }

# ---------------------------------------------------------------------------
# The part that runs where /dev/kvm is (inside the VM, normally).
# ---------------------------------------------------------------------------
# Interface and namespace names, unique per run (<= 15 characters).
TAG=sk$$
tap=${TAG}t ns=${TAG}n va=${TAG}a vb=${TAG}b br=${TAG}br vc=${TAG}c vd=${TAG}d
iperf_pid=

# shellcheck disable=SC2317  # invoked by the trap
cleanup_inside() {
    [ -z "$iperf_pid" ] || kill "$iperf_pid" 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
    ip link del "$tap" 2>/dev/null || true
    ip link del "$va" 2>/dev/null || true
    ip link del "$vc" 2>/dev/null || true
    ip link del "$br" 2>/dev/null || true
}

inside() {
    local probe=$1
    trap cleanup_inside EXIT

    [ -c /dev/kvm ] || { log "FAIL: /dev/kvm is missing"; return 1; }
    log "/dev/kvm: $(stat -c '%t:%T' /dev/kvm 2>/dev/null || echo present)"
    "$probe" 1000

    if [ "$(id -u)" -ne 0 ]; then
        log "not root: TAP/netns/veth checks skipped"
        return 0
    fi

    local t
    for t in ip ping iperf3 jq timeout; do
        command -v "$t" >/dev/null 2>&1 || { log "FAIL: '$t' is not installed"; return 1; }
    done

    # TAP.
    [ -c /dev/net/tun ] || { log "FAIL: /dev/net/tun is missing"; return 1; }
    ip tuntap add dev "$tap" mode tap
    ip link set "$tap" up
    [ -e "/sys/class/net/$tap/tun_flags" ] || { log "FAIL: $tap is not a TUN/TAP device"; return 1; }
    log "TAP $tap: ok"

    # Network namespace + veth pair.
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip netns exec "$ns" ping -c 1 -W 2 127.0.0.1 >/dev/null
    log "netns $ns: ok"
    ip link add "$va" type veth peer name "$vb"
    ip link set "$vb" netns "$ns"
    ip addr add 10.213.0.1/24 dev "$va"
    ip link set "$va" up
    ip -n "$ns" addr add 10.213.0.2/24 dev "$vb"
    ip -n "$ns" link set "$vb" up
    ping -c 3 -i 0.2 -W 2 10.213.0.2 >/dev/null
    log "veth $va <-> $ns/$vb: ping ok"

    # Bridge: TAP and a second veth as ports, the bridge holds the address.
    ip link add "$br" type bridge
    ip link set "$br" up
    ip link set "$tap" master "$br"
    ip link add "$vc" type veth peer name "$vd"
    ip link set "$vd" netns "$ns"
    ip link set "$vc" master "$br"
    ip link set "$vc" up
    ip addr add 10.214.0.1/24 dev "$br"
    ip -n "$ns" addr add 10.214.0.2/24 dev "$vd"
    ip -n "$ns" link set "$vd" up
    ping -c 3 -i 0.2 -W 2 10.214.0.2 >/dev/null
    log "bridge $br ($tap, $vc) -> $ns/$vd: ping ok"

    # Tools for the network tests: iperf3 (+ jq on its JSON), timeout.
    timeout 5 true
    ip netns exec "$ns" iperf3 -s -1 -B 10.213.0.2 >/dev/null 2>&1 &
    iperf_pid=$!
    local _ bps=
    for _ in $(seq 1 50); do
        # Until the server listens, iperf3 reports an error (bps "null").
        bps=$(timeout 20 iperf3 -c 10.213.0.2 -t 1 -J 2>/dev/null |
              jq -r '.end.sum_received.bits_per_second // empty' 2>/dev/null) || bps=
        [ -z "$bps" ] || break
        sleep 0.2
    done
    [ -n "$bps" ] || { log "FAIL: iperf3 over veth"; return 1; }
    wait "$iperf_pid" 2>/dev/null || true
    iperf_pid=
    log "iperf3 over veth (TCP, 1 s): $(awk -v b="$bps" 'BEGIN { printf "%.0f", b / 1e6 }') Mbit/s; jq, timeout: ok"
    log "PASS"
}

if [ "${1:-}" = --inside ]; then
    [ "$#" -eq 2 ] || { echo "usage: selftest.sh --inside KVM_PROBE" >&2; exit 2; }
    inside "$2"
    exit $?
fi

# ---------------------------------------------------------------------------
# Host side.
# ---------------------------------------------------------------------------
[ "$#" -ge 1 ] || { echo "usage: selftest.sh KVM_PROBE [kvm-run options...]" >&2; exit 2; }
PROBE=$(realpath "$1")
shift
[ -x "$PROBE" ] || { echo "selftest: $PROBE is not an executable" >&2; exit 2; }

start=$(date +%s%N)
set +e
"$HERE/kvm-run" --timeout "${SKIFF_KVM_SELFTEST_TIMEOUT:-240}" --with-net-tools \
    --file "$PROBE" --file "$SELF" "$@" -- bash "$SELF" --inside "$PROBE"
rc=$?
set -e
end=$(date +%s%N)
ms=$(( (end - start) / 1000000 ))
log "kvm-run exit status $rc after $((ms / 1000)).$(printf '%03d' $((ms % 1000))) s (VM build + boot + run)"
exit "$rc"
