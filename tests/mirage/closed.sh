#!/usr/bin/env bash
# Constraint: a Mirage NIC never sees SOLO5_R_CLOSED. mirage-net-solo5 maps
# exactly Solo5's four results into its OCaml variant (an unknown value is
# no constructor at all), so the netecho image does not opt in (its
# manifest.json has no "skiff" object). Here its NIC is an fd at end of
# file from the start, in every I/O mode: the guest must come up, read
# SOLO5_R_AGAIN and keep running without a fault, an exception or a spin
# (it is asleep in solo5_yield: well under half a CPU), and the tender's
# SIGTERM must end it: the NICs close, the guest does not exit by itself
# (it cannot tell), and after the grace period the tender stops it.
# Usage: closed.sh spt|hvt PREFIX IMAGES
target=$1 prefix=$2 images=$3
export SKIFF_BUILD=$images
source "$(dirname "$0")/../lib/third_party.sh"
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/../lib/native_kvm.sh"
# In the nested-KVM VM (nested.sh) the images came in ready-built.
[ -n "${SKIFF_HVT_NESTED:-}" ] || tp_require mirage-solo5 mirage-net-solo5
[ "$target" = spt ] || [ -n "${SKIFF_HVT_NESTED:-}" ] || require_native_kvm
source "$(dirname "$0")/image.sh"
image=$(mirage_image "$images" "netecho.$target") || exit $?
out=$(mktemp -d)
trap 'rc=$?; rm -rf "$out"; set +e; (exit $rc); cleanup' EXIT

for mode in event poll direct; do
    start_bg pid "$prefix/bin/solo5-$target" --io="$mode" --net:service=@3 -- "$image" 10.91.0.2 \
        3<>/dev/null >"$out/$mode.log" 2>&1
    for i in $(seq 1 100); do
        grep -q '^netecho: ready' "$out/$mode.log" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    grep -q '^netecho: ready' "$out/$mode.log" || die "$mode: the guest did not start: $(cat "$out/$mode.log")"
    sleep 0.3
    c0=$(cpu_ticks "$pid")
    sleep 1
    kill -0 "$pid" 2>/dev/null || die "$mode: the guest ended on a closed NIC: $(tail -5 "$out/$mode.log")"
    used=$(($(cpu_ticks "$pid") - c0))
    [ "$used" -lt $((CLK_TCK / 2)) ] || die "$mode: the guest spins on its closed NIC ($used ticks in 1 s)"
    kill -TERM "$pid"
    rc=0
    wait_exit "$pid" 20 || rc=$?
    if grep -Eq 'Fatal error|exception|Assert_failure|ABORT|SIGSEGV' "$out/$mode.log"; then
        die "$mode: the guest failed: $(grep -E 'Fatal|exception|Assert|ABORT|SIGSEGV' "$out/$mode.log" | head -3)"
    fi
    grep -q 'closing NICs' "$out/$mode.log" || die "$mode: no graceful stop: $(tail -3 "$out/$mode.log")"
    log "ok: $target $mode: closed NIC read as AGAIN, $used ticks in 1 s, SIGTERM ended it (exit $rc)"
done
