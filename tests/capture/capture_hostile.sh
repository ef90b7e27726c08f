#!/usr/bin/env bash
# A guest that attacks its own capture channel (spt --io=direct with --pcap;
# tests/capture/guests/cap_hostile.c, seeded, the seed in the log) cannot
# hurt the tender: the run ends with the guest's own exit 0; the capture
# writer stays below half a CPU over the attack (a loop it could not leave
# would be a whole one); the pcap reads cleanly in tcpdump; the records that
# made no sense are counted "refused"; garbage time stamps do not reach the
# file; and the valid records queued before the attack are in the file, and
# those queued after it exactly once each.
# Usage: capture_hostile.sh
source "$(dirname "$0")/../integration/lib.sh"
skip_unless_root
command -v tcpdump >/dev/null || { echo "SKIP: needs tcpdump (./skiff.sh deps)"; exit 77; }
secs=${SECS:-4}
seed=${SEED:-$((RANDOM * 32768 + RANDOM))}
out=$(mktemp -d)
_CLEAN_DIR=$out
tap=${TAG}h
make_tap "$tap"

start_bg pid "$SKIFF" --io=direct --net:service="$tap" --pcap:service="$out/h.pcap" \
    --stats="$out/stats.json" "$GUESTS/cap_hostile.spt" -- "$seed" "$secs" \
    >"$out/guest.log" 2>"$out/skiff.log"
# The tender's CPU time over the attack (in direct mode its only busy
# thread is the capture writer; the guest is a process of its own).
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
sleep 1
c0=$(cpu) t0=$(date +%s%N)
sleep $((secs - 2))
c1=$(cpu) t1=$(date +%s%N)
rc=0
wait_exit "$pid" $((secs + 30)) || rc=$?
log "$(head -1 "$out/guest.log") (rerun with SEED=$seed); $(sed -n 2p "$out/guest.log")"
[ "$rc" = 0 ] || die "skiff exited $rc: $(tail -3 "$out/skiff.log") / $(tail -2 "$out/guest.log")"
grep -q "cap_hostile: done" "$out/guest.log" || die "the guest did not finish: $(tail -2 "$out/guest.log")"
grep -qi "forbidden\|sanitizer\|runtime error" "$out/skiff.log" && die "$(grep -im1 'forbidden\|sanitizer\|runtime error' "$out/skiff.log")"
ticks=$(getconf CLK_TCK)
pct=$(((c1 - c0) * 100 * 1000000000 / ticks / (t1 - t0)))
log "tender CPU over the attack: $pct% of one CPU"
[ "$pct" -lt 50 ] || die "the tender used $pct% of a CPU against a hostile capture channel"

refused=$(json_get "$out/stats.json" '.nics[] | select(.name=="service") | .capture.refused')
written=$(json_get "$out/stats.json" '.nics[] | select(.name=="service") | .capture.written')
log "capture: written $written, refused $refused"
[ "$refused" -gt 0 ] || die "no record refused: the attack did not reach the checks"

tcpdump -Z root -nn -e -r "$out/h.pcap" >"$out/decoded.txt" 2>"$out/tcpdump.err" ||
    die "tcpdump cannot read the capture: $(cat "$out/tcpdump.err")"
grep -q "truncated\|bogus" "$out/tcpdump.err" && die "tcpdump: $(cat "$out/tcpdump.err")"
grep -q "Error converting time" "$out/decoded.txt" && die "a garbage time stamp reached the file"
frames=$(tcpdump -Z root --count -r "$out/h.pcap" 2>/dev/null | sed -n 's/^\([0-9]*\) packets$/\1/p')
[ "$frames" = "$written" ] || die "tcpdump decoded $frames frames, the tender wrote $written"
# The marker frames: source MAC 02:00:00:00:SET:NN, "SKIF" after the header.
# (-t: the source MAC first; tcpdump adds hex lines, tab-indented, for an
# unknown ethertype.)
tcpdump -Z root -nn -e -t -r "$out/h.pcap" 'ether proto 0x88b5 and ether[14:4] = 0x534b4946' \
    2>/dev/null | awk '/^[^ \t]/ { print $1 }' | sort | uniq -c >"$out/marks.txt"
# Set 00 may show more than once: the attack rewinds the write counter over
# old slots, which a tender cannot tell from new frames. Set 01 comes after
# the attack, on a fresh channel: exactly once each.
for set in 00 01; do
    n=$(grep -c " 02:00:00:00:$set:" "$out/marks.txt" || true)
    twice=$(grep " 02:00:00:00:$set:" "$out/marks.txt" | awk '$1 != 1' | wc -l)
    [ "$n" = 100 ] || die "marker set $set: $n of 100 distinct frames"
    [ "$set" = 00 ] || [ "$twice" = 0 ] || die "marker set $set: $twice frames not exactly once"
done
log "ok: hostile capture channel: tender unharmed, both marker sets whole"
rm -rf "$out"
