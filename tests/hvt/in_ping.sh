#!/usr/bin/env bash
# ping.hvt answers COUNT pings of 1,400 bytes every 2 ms with a payload
# pattern from a network namespace, in each I/O mode: every reply's payload
# checked, zero loss; the guest exits 0 after the number of echoes it was
# told to answer; direct mode moves them in NETIO batches, about one exit
# per echo. Needs /dev/kvm and root. In the nested VM (emulated CPU)
# fewer, slower pings.
# Usage: in_ping.sh SKIFF GUEST_DIR MKBAD [MODES...]
export SKIFF=$1 GUESTS=$2 SKIFF_BUILD=${SKIFF_BUILD:-unused}
shift 3
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../integration/lib.sh"
skip_unless_root
[ -c /dev/kvm ] || { echo "SKIP: no /dev/kvm"; exit 77; }
if [ -n "${SKIFF_HVT_NESTED:-}" ]; then
    count=${COUNT:-500} interval=0.01
else
    count=${COUNT:-5000} interval=0.002
fi
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(event poll direct)
out=$(mktemp -d)

for mode in "${modes[@]}"; do
    tap=${TAG}${mode:0:1} ns=${TAG}n${mode:0:1}
    make_tap "$tap"
    make_netns "$ns"
    start_bg pid "$SKIFF" --io="$mode" --net:service="$tap" --stats="$out/$mode.json" \
        "$GUESTS/ping.hvt" -- 10.77.0.2 limit "$count" >"$out/$mode.log" 2>&1
    wait_attached "$tap"
    move_tap "$tap" "$ns" 10.77.0.1/24
    ping_checked "$ns" 10.77.0.2 "$count" "$interval" 1400 a5c3e1f0 "$out/ping.log"
    rc=0
    wait_exit "$pid" 30 || rc=$?
    [ $rc -eq 0 ] || die "$mode: skiff exited $rc: $(tail -5 "$out/$mode.log")"
    exits=$(json_get "$out/$mode.json" '.hvt.exits')
    rxf=$(json_get "$out/$mode.json" '.nics[0].rx.frames')
    [ "$rxf" -ge "$count" ] || die "$mode: tender saw $rxf frames in, expected >= $count"
    if [ "$mode" = direct ]; then
        # Frames move in NETIO batches: an echo's request comes in with the
        # sleep that waited for it and its reply goes out with the next one,
        # so about one exit to the tender per echo (one frame per exit: 4).
        hc=$(jq -r '.hvt.hypercalls | "\(.netio) \(.netread) \(.netwrite) \(.poll)"' "$out/$mode.json")
        read -r netio netread netwrite poll <<<"$hc"
        [ "$netread" = 0 ] && [ "$netwrite" = 0 ] && [ "$poll" = 0 ] ||
            die "direct: frames moved one per hypercall (netio netread netwrite poll: $hc)"
        [ $((netio * 10)) -le $((count * 15)) ] ||
            die "direct: $netio NETIO exits for $count echoes (expected <= 1.5 per echo)"
        exits="$exits ($netio NETIO)"
    fi
    log "ok: $mode: $count echoes of 1400 bytes, payloads intact, 0 loss, rx=$rxf, $exits VM exits"
done
rm -rf "$out"
