#!/usr/bin/env bash
# Network conformance: the "net" program (Solo5 API only, two NICs) run by
# the installed solo5-spt or solo5-hvt on two TAPs in namespaces this script
# creates and removes (tests/integration/lib.sh). Pings with payload checks
# (ping_checked: not a flood, not quiet, a fill pattern): both NICs at MTU
# 1,500, then service0 at MTU 9,000 with 8,972-byte echoes.
# Usage: net.sh spt|hvt PREFIX OUT
target=$1 prefix=$2 out=$3
export SKIFF_BUILD=$out
source "$(dirname "$0")/../integration/lib.sh"
skip_unless_root
if [ "$target" = hvt ]; then
    source "$(dirname "$0")/../lib/native_kvm.sh"
    require_native_kvm
fi
tender=$prefix/bin/solo5-$target
logs=$(mktemp -d)
trap 'rc=$?; rm -rf "$logs"; set +e; (exit $rc); cleanup' EXIT

# run_case NAME MTU0 COUNT0 SIZE0 COUNT1 SIZE1: service0 on a TAP of MTU0,
# service1 at 1,500; COUNT echoes of SIZE bytes to each (0: none).
run_case() {
    local name=$1 mtu0=$2 c0=$3 s0=$4 c1=$5 s1=$6 pid rc=0
    local t0=${TAG}${name}0 t1=${TAG}${name}1 n0=${TAG}${name}a n1=${TAG}${name}b
    TAP_MTU=$mtu0 make_tap "$t0"
    make_tap "$t1"
    make_netns "$n0"
    make_netns "$n1"
    start_bg pid "$tender" --mem=16 --net:service0="$t0" --net:service1="$t1" \
        -- "$out/net.$target" 10.93.0.2 10.94.0.2 $((c0 + c1)) >"$logs/$name.log" 2>&1
    wait_attached "$t0"
    wait_attached "$t1"
    move_tap "$t0" "$n0" 10.93.0.1/24
    move_tap "$t1" "$n1" 10.94.0.1/24
    [ "$c0" -gt 0 ] && ping_checked "$n0" 10.93.0.2 "$c0" 0.01 "$s0" 5a0ff1ce "$logs/$name-p0.log"
    [ "$c1" -gt 0 ] && ping_checked "$n1" 10.94.0.2 "$c1" 0.01 "$s1" c0deba5e "$logs/$name-p1.log"
    wait_exit "$pid" 30 || rc=$?
    [ $rc -eq 0 ] || die "$target $name: exit $rc: $(tail -3 "$logs/$name.log")"
    grep -q "^service0 mtu $mtu0$" "$logs/$name.log" || die "$target $name: guest saw $(grep mtu "$logs/$name.log" | head -1)"
    grep -q '^net: SUCCESS$' "$logs/$name.log" || die "$target $name: $(tail -2 "$logs/$name.log")"
    log "ok: $target $name: $c0 + $c1 echoes, payloads intact"
}

run_case two 1500 20 1000 20 1400
run_case jumbo 9000 20 8972 0 0
