#!/usr/bin/env bash
# Packet-fd I/O path choice (--io-uring): where io_uring is forbidden (here:
# a seccomp filter making io_uring_setup fail with EPERM, as a container
# would), --io-uring=auto falls back to one read/write per frame, still
# answers payload-checked pings, and --stats says "readv" and why;
# --io-uring=on refuses to start with a one-line error; without the filter
# auto uses io_uring. Usage: uring_fallback.sh NO_URING event|poll
source "$(dirname "$0")/lib.sh"
skip_unless_root
no_uring=${1:?no_uring wrapper}
mode=${2:?io mode}
out=$(mktemp -d)
_CLEAN_DIR=$out
make_tap "${TAG}u"
make_tap "${TAG}w"
make_netns "${TAG}v"
make_netns "${TAG}x"

# 1. Forbidden + --io-uring=on: clear error, exit 1, nothing left running.
rc=0
timeout 20 "$no_uring" "$SKIFF" --io="$mode" --io-uring=on --net:service="${TAG}u" \
    "$GUESTS/ping.spt" -- 10.78.0.2 limit 1 >"$out/on.log" 2>&1 || rc=$?
[ $rc -eq 1 ] || die "--io-uring=on without io_uring: exit $rc, expected 1: $(cat "$out/on.log")"
grep -q "^skiff: error: --io-uring=on but io_uring is not available (io_uring_setup: Operation not permitted)" \
    "$out/on.log" || die "--io-uring=on: unexpected message: $(cat "$out/on.log")"

# 2. Forbidden + auto: readv, with the reason, and frames intact.
run() { # $1: tag, $2: TAP, $3: netns, rest: command prefix
    local tag=$1 tap=$2 ns=$3
    shift 3
    start_bg pid "$@" "$SKIFF" --io="$mode" --io-uring=auto --net:service="$tap" --stats="$out/$tag.json" \
        "$GUESTS/ping.spt" -- 10.78.0.2 limit 200 >"$out/$tag.log" 2>&1
    wait_attached "$tap"
    move_tap "$tap" "$ns" 10.78.0.1/24
    ping_checked "$ns" 10.78.0.2 200 0.001 1000 c3a55a3c "$out/$tag.ping"
    local rc=0
    wait_exit "$pid" 20 || rc=$?
    [ $rc -eq 0 ] || die "$tag: skiff exited $rc: $(tail -5 "$out/$tag.log")"
}
run forbidden "${TAG}u" "${TAG}v" "$no_uring"
[ "$(json_get "$out/forbidden.json" .tap_io)" = readv ] ||
    die "forbidden: tap_io is $(json_get "$out/forbidden.json" .tap_io), expected readv"
why=$(json_get "$out/forbidden.json" .tap_io_why)
[ "$why" = "io_uring_setup: Operation not permitted" ] || die "forbidden: tap_io_why is '$why'"
[ "$(json_get "$out/forbidden.json" '.nics[0].tap_batches')" -eq 0 ] || die "forbidden: io_uring batches counted"

# 3. Allowed + auto: io_uring, and it moved the frames.
run allowed "${TAG}w" "${TAG}x"
[ "$(json_get "$out/allowed.json" .tap_io)" = io_uring ] ||
    die "allowed: tap_io is $(json_get "$out/allowed.json" .tap_io), expected io_uring"
[ "$(json_get "$out/allowed.json" '.nics[0].tap_batches')" -gt 0 ] || die "allowed: no io_uring batches"
log "ok: $mode: io_uring forbidden -> readv (reason given), --io-uring=on refused; allowed -> io_uring"
rm -rf "$out"
