#!/usr/bin/env bash
# What hvt costs under urunc's seccomp filter: skiff's hvt run the way urunc
# runs solo5-hvt (its 43-call filter, tests/launchers/urunc_seccomp.c: one
# thread, --io=direct, a VM exit per frame) against skiff's default hvt run
# (no filter: the I/O thread and the rings, --io=event), same guest, same
# pod-shaped network, interleaved rounds:
#  - echo rate and RTT p50 of adaptive pings (ping -A: one echo in flight,
#    the next sent as soon as the reply is in), PINGS of 1,000 bytes each;
#  - strace -c of a 10 s ping run (100 pings/s) under urunc's filter, and
#    the same for the default mode, for the system calls each makes.
#
#   bench/launchers/urunc_hvt.sh BUILD [ROUNDS] [PINGS]
#
# BUILD: a build whose launchers_build test ran (the installed prefix, the
# responder images, urunc_seccomp). Where /dev/kvm works it runs here, else
# inside the nested-KVM VM (tests/kvm/kvm-run), whose figures are emulation:
# ratios within the run are what they are good for.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() { echo "usage: bench/launchers/urunc_hvt.sh BUILD [ROUNDS] [PINGS] (defaults: 3 rounds, 2000 pings)"; }
case "${1:-}" in
-h | --help) usage; exit 0 ;;
esac
if [ "${1:-}" != --inside ]; then
    [ $# -ge 1 ] || { usage >&2; exit 2; }
    b=$(realpath "$1")
    hold=()
    [ ! -x "$b/tests/kvm/kvm_hold" ] || hold=(--hold "$b/tests/kvm/kvm_hold")
    exec "$root/tests/kvm/kvm-run" --timeout 1500 --with-net-tools --quiet "${hold[@]}" \
        --file "$b/launchers-prefix" --file "$b/launchers-images" \
        --file "$b/tests/launchers/urunc_seccomp" --file "$(command -v strace)" \
        --file "$here/urunc_hvt.sh" --file "$root/tests/integration/lib.sh" --file "$root/tests/lib" \
        -- bash "$here/urunc_hvt.sh" --inside "$b" "${2:-3}" "${3:-2000}"
fi
b=$2 rounds=$3 pings=$4
export SKIFF_BUILD=$b
source "$root/tests/integration/lib.sh"
skip_unless_root
prefix=$b/launchers-prefix img=$b/launchers-images/responder-mirage.hvt
filter=$b/tests/launchers/urunc_seccomp
out=$(mktemp -d)
head -c 65536 /dev/zero >"$out/disk.img"

# run MODE PING-ARGS...: one pod, the tender in MODE (urunc: under the
# filter; event: skiff's default), PING-ARGS against the guest; ping's
# output in $out/ping. STRACE=FILE: the tender under strace -f -c.
n=0
run() {
    local mode=$1 ns pid
    shift
    n=$((n + 1))
    ns=${TAG}p$n
    make_netns "$ns"
    ip -n "$ns" tuntap add dev tap0_urunc mode tap
    ip -n "$ns" link set tap0_urunc up
    ip -n "$ns" addr add 10.70.0.1/24 dev tap0_urunc
    local cmd=("$prefix/bin/solo5-hvt" --mem=256 --net:service=tap0_urunc
        --block:storage="$out/disk.img" "$img" --ipv4=10.70.0.2/24)
    [ "$mode" = urunc ] && cmd=("$filter" "${cmd[@]}")
    [ -n "${STRACE:-}" ] && cmd=(strace -f -c -o "$STRACE" "${cmd[@]}")
    start_bg pid ip netns exec "$ns" "${cmd[@]}" >"$out/log" 2>&1
    for _ in $(seq 1 100); do grep -q '^responder: mac' "$out/log" && break; sleep 0.1; done
    # the figures are of the mode named, or none
    if [ "$mode" = urunc ]; then
        grep -q '^skiff: sandbox: started under a seccomp filter .*--io=direct' "$out/log" ||
            die "urunc: not in the one-thread direct mode: $(head -3 "$out/log")"
    elif grep -q '^skiff: sandbox' "$out/log"; then
        die "event: $(grep '^skiff: sandbox' "$out/log")"
    fi
    warm_up "$ns" 10.70.0.2
    timeout 600 ip netns exec "$ns" ping -n "$@" 10.70.0.2 >"$out/ping" 2>&1 || die "$mode: ping: $(tail -2 "$out/ping")"
    local tpid=$pid
    [ -z "${STRACE:-}" ] || tpid=$(cat /proc/"$pid"/task/*/children | tr ' ' '\n' | grep . | head -1)
    kill -TERM "$tpid" # the tender (strace then writes its summary)
    wait "$pid" || true
    ip netns del "$ns"
}

# median FILE: the middle of a column of numbers (no gawk in the VM).
median() {
    sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# rate_p50: "echoes/s p50-ms" from $out/ping (ping -A).
rate_p50() {
    sed -n 's/.* bytes from .*time=\([0-9.]*\) ms/\1/p' "$out/ping" >"$out/rtts"
    local ms
    ms=$(sed -n 's/.* packets transmitted.* time \([0-9]*\)ms.*/\1/p' "$out/ping")
    echo "$(awk -v n="$pings" -v ms="$ms" 'BEGIN { printf "%.0f", n / (ms / 1000) }') $(median "$out/rtts")"
}

for r in $(seq 1 "$rounds"); do
    for mode in urunc event; do
        [ $((r % 2)) = 0 ] && mode=$([ "$mode" = urunc ] && echo event || echo urunc) # alternate the order
        run "$mode" -A -c "$pings" -s 1000
        res=$(rate_p50) # (no /dev/fd in the VM for a process substitution)
        rate=${res% *} p50=${res#* }
        echo "round $r $mode: $rate echoes/s, RTT p50 $p50 ms ($(grep 'packets transmitted' "$out/ping"))"
        echo "$mode $rate $p50" >>"$out/rounds"
    done
done
for mode in urunc event; do
    STRACE=$out/strace.$mode run "$mode" -i 0.01 -w 10 -s 1000
    # (ping -w stops at the deadline: echoes still in flight then count
    # as lost, hence the RTT line with them)
    echo "== strace -f -c, 10 s of pings (-i 0.01: 100/s asked, 1000 bytes), $mode:"
    grep -E 'packets transmitted|^(rtt|round-trip)' "$out/ping"
    cat "$out/strace.$mode"
done
echo "== medians over $rounds rounds"
for mode in urunc event; do
    awk -v m="$mode" '$1 == m { print $2 }' "$out/rounds" >"$out/r"
    awk -v m="$mode" '$1 == m { print $3 }' "$out/rounds" >"$out/p"
    echo "$mode: $(median "$out/r") echoes/s, RTT p50 $(median "$out/p") ms"
    echo "$(median "$out/r") $(median "$out/p")" >"$out/med.$mode"
done
read -r ur up <"$out/med.urunc"
read -r er ep <"$out/med.event"
awk -v ur="$ur" -v er="$er" -v up="$up" -v ep="$ep" \
    'BEGIN { printf "urunc/event: echo rate x%.2f, RTT p50 x%.2f\n", ur / er, up / ep }'
rm -rf "$out"
