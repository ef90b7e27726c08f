#!/usr/bin/env bash
# --pcap-limit: 1,000 pings captured under a limit a quarter of what they
# need. The run ends with FILE and FILE.1, each within the limit and each a
# complete pcap tcpdump reads; together they hold the newest frames with no
# gap (FILE.1 ends where FILE starts, the last echo request is in FILE), and
# --stats counts the rotations. Usage: capture_rotate.sh event|poll
source "$(dirname "$0")/../integration/lib.sh"
skip_unless_root
command -v tcpdump >/dev/null || { echo "SKIP: needs tcpdump (./skiff.sh deps)"; exit 77; }
mode=${1:?io mode}
tap=${TAG}r
ns=${TAG}n
out=$(mktemp -d)
_CLEAN_DIR=$out
count=1000
limit=60000
f=$out/service.pcap

make_tap "$tap"
make_netns "$ns"
start_bg pid "$SKIFF" --io="$mode" --net:service="$tap" --pcap:service="$f" \
    --pcap-limit:service=$limit --stats="$out/stats.json" "$GUESTS/ping.spt" -- 10.77.0.2 \
    >"$out/skiff.log" 2>&1
wait_attached "$tap"
move_tap "$tap" "$ns" 10.77.0.1/24
ping_checked "$ns" 10.77.0.2 "$count" 0.002 56 5eed1e55 "$out/ping.log"
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$out/ping.log")
kill -TERM "$pid"
wait_exit "$pid" 20 || true
grep -q "forbidden\|error" "$out/skiff.log" && die "skiff: $(grep -m1 'forbidden\|error' "$out/skiff.log")"

q() { json_get "$out/stats.json" ".nics[] | select(.name==\"service\") | $1"; }
rot=$(q .capture.rotations) written=$(q .capture.written) notcap=$(q .capture.not_captured)
[ "$notcap" = 0 ] || die "$notcap frames not captured"
[ "$rot" -ge 2 ] || die "only $rot rotations for $written frames under a $limit-byte limit"
for x in "$f" "$f.1"; do
    [ -f "$x" ] || die "no $x"
    size=$(stat -c %s "$x")
    [ "$size" -le $limit ] || die "$x is $size bytes, over the $limit-byte limit"
    tcpdump -Z root -n -tt --nano -r "$x" >"$x.txt" 2>"$x.err" || die "tcpdump $x: $(cat "$x.err")"
    grep -q "truncated\|bogus" "$x.err" && die "tcpdump $x: $(cat "$x.err")"
done
# Newest frames, in order, no gap: echo requests run on from FILE.1 into
# FILE and end with ping's last.
cat "$f.1.txt" "$f.txt" | sed -n 's/.*ICMP echo request, id [0-9]*, seq \([0-9]*\),.*/\1/p' >"$out/seqs"
awk -v last="$sent" 'NR > 1 && $1 != prev + 1 { print "gap after " prev; bad = 1 }
    { prev = $1 } END { if (prev != last) { print "ends at " prev; bad = 1 } exit bad }' "$out/seqs" ||
    die "echo requests in $f.1 + $f are not one run ending at $sent: $(head -3 "$out/seqs" | tr '\n' ' ')"
t_old=$(tail -1 "$f.1.txt" | cut -d' ' -f1) t_new=$(head -1 "$f.txt" | cut -d' ' -f1)
awk -v a="$t_old" -v b="$t_new" 'BEGIN { exit !(a <= b) }' || die "$f.1 ends at $t_old, after $f starts at $t_new"
kept=$(($(wc -l <"$f.1.txt") + $(wc -l <"$f.txt")))
[ "$kept" -lt "$written" ] || die "kept $kept of $written frames: nothing rotated away?"
log "ok: $mode: $written frames written, $rot rotations, $kept kept in two files of <= $limit bytes"
rm -rf "$out"
