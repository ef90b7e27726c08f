#!/usr/bin/env bash
# io_uring against the running kernel: every request skiff queues is
# non-blocking (RWF_NOWAIT), which kernels before 6.4 refuse on TAP fds
# (EOPNOTSUPP on every read and write: a NIC that carries nothing). Wherever
# --io-uring=on starts, payload-checked pings must come back through the
# ring; where it refuses, it must say why in one line and exit 1, and
# --io-uring=auto must fall back to one read/write per frame, say why in
# --stats and answer the pings. On a kernel older than 6.4 (the nested VM's
# Linux 6.1, Debian 12's) the refusal is required.
# Usage: uring_kernel.sh event|poll (SKIFF, GUESTS, SKIFF_BUILD as lib.sh)
source "$(dirname "$0")/lib.sh"
skip_unless_root
mode=${1:?io mode}
out=$(mktemp -d)
kernel=$(uname -r)
old_kernel=0
awk -v r="$kernel" 'BEGIN { split(r, v, /[.-]/); exit !(v[1] < 6 || (v[1] == 6 && v[2] < 4)) }' &&
    old_kernel=1

# run TAG TAP NETNS IO_URING: ping.spt answering 100 payload-checked pings
# (after a warm-up one: ARP, and an emulated VM's slow start), then stopped
# and its --stats written. Returns 1, with its exit status in $out/TAG.rc,
# if skiff ended on its own instead. A refusal at start-up comes after the
# TAP is opened (the probe needs its fd) but may close it again before the
# carrier is seen up: a skiff gone before its TAP was seen attached is that.
run() {
    local tag=$1 tap=$2 ns=$3 uring=$4 pid rc=0
    make_tap "$tap"
    make_netns "$ns"
    start_bg pid "$SKIFF" --io="$mode" --io-uring="$uring" --net:service="$tap" \
        --stats="$out/$tag.json" "$GUESTS/ping.spt" -- 10.78.0.2 >"$out/$tag.log" 2>&1
    if ! carrier_wait "$tap" 5 "" "$pid"; then
        kill -0 "$pid" 2>/dev/null && die "TAP $tap was never attached"
        wait "$pid" || rc=$?
        echo "$rc" >"$out/$tag.rc"
        return 1
    fi
    move_tap "$tap" "$ns" 10.78.0.1/24
    if ! timeout 15 ip netns exec "$ns" ping -n -c 1 -w 10 10.78.0.2 >/dev/null 2>&1; then
        kill -0 "$pid" 2>/dev/null && die "$tag: no answer from the guest at all"
        wait "$pid" || rc=$?
        echo "$rc" >"$out/$tag.rc"
        return 1
    fi
    ping_checked "$ns" 10.78.0.2 100 0.002 1000 3c5aa5c3 "$out/$tag.ping"
    kill -TERM "$pid"
    wait_exit "$pid" 20 || rc=$?
    [ $rc -eq 0 ] || die "$tag: skiff exited $rc: $(tail -5 "$out/$tag.log")"
}

if run on "${TAG}u" "${TAG}v" on; then
    [ $old_kernel = 0 ] || die "Linux $kernel: --io-uring=on started, but kernels before 6.4 refuse RWF_NOWAIT on TAPs"
    [ "$(json_get "$out/on.json" .tap_io)" = io_uring ] || die "on: tap_io is $(json_get "$out/on.json" .tap_io)"
    [ "$(json_get "$out/on.json" '.nics[0].tap_batches')" -gt 0 ] || die "on: no io_uring batches"
    want=io_uring
    log "Linux $kernel: --io-uring=on carried the pings through io_uring"
else
    [ "$(cat "$out/on.rc")" = 1 ] || die "--io-uring=on: exit $(cat "$out/on.rc"), expected 1: $(cat "$out/on.log")"
    [ "$(wc -l <"$out/on.log")" -eq 1 ] &&
        grep -q "^skiff: error: --io-uring=on but io_uring is not available (.*RWF_NOWAIT.*)" "$out/on.log" ||
        die "--io-uring=on: expected one line naming RWF_NOWAIT: $(cat "$out/on.log")"
    want=readv
    log "Linux $kernel: --io-uring=on refused: $(cat "$out/on.log")"
fi

run auto "${TAG}w" "${TAG}x" auto || die "--io-uring=auto did not start: $(cat "$out/auto.log")"
got=$(json_get "$out/auto.json" .tap_io)
[ "$got" = "$want" ] || die "auto: tap_io is $got ($(json_get "$out/auto.json" .tap_io_why)), expected $want"
if [ "$want" = readv ]; then
    json_get "$out/auto.json" .tap_io_why | grep -q RWF_NOWAIT ||
        die "auto: tap_io_why does not say why: $(json_get "$out/auto.json" .tap_io_why)"
fi
log "ok: $mode: Linux $kernel: --io-uring=auto uses $want, 100 payload-checked pings answered"
rm -rf "$out"
