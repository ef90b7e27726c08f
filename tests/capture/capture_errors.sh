#!/usr/bin/env bash
# Bad --pcap input: one line naming the problem and the fix, exit status 1,
# the TAP released (nothing left half-open), and no capture file created
# where none could be.
source "$(dirname "$0")/../integration/lib.sh"
skip_unless_root
tap=${TAG}e
out=$(mktemp -d)
_CLEAN_DIR=$out
make_tap "$tap"

# expect_error WANT-REGEX SKIFF-ARGS...: skiff fails at once with one line.
expect_error() {
    local want=$1 rc=0
    shift
    timeout 20 "$SKIFF" "$@" >"$out/stdout" 2>"$out/stderr" || rc=$?
    [ "$rc" = 1 ] || die "skiff $*: exit $rc, expected 1: $(cat "$out/stderr")"
    [ "$(wc -l <"$out/stderr")" = 1 ] || die "skiff $*: not one line: $(cat "$out/stderr")"
    grep -qE "$want" "$out/stderr" || die "skiff $*: '$(cat "$out/stderr")' lacks /$want/"
    # The TAP is free again: no process holds it.
    [ "$(cat "/sys/class/net/$tap/carrier" 2>/dev/null || echo 0)" = 0 ] ||
        die "skiff $*: TAP $tap still attached"
    log "ok: $(cat "$out/stderr")"
}

img=$GUESTS/ping.spt
expect_error "^skiff: error: --pcap:nosuch=.*no --net:nosuch=" \
    --net:service="$tap" --pcap:nosuch="$out/x.pcap" "$img" -- 10.77.0.2
expect_error "name the NIC \(use --pcap:NAME=FILE\)" \
    --net:service="$tap" --pcap="$out/x.pcap" "$img" -- 10.77.0.2
expect_error "missing file" --net:service="$tap" --pcap:service= "$img" -- 10.77.0.2
expect_error "captured twice" --net:service="$tap" --pcap:service="$out/a" \
    --pcap:service="$out/b" "$img" -- 10.77.0.2
expect_error "^skiff: error: --pcap:service=$out/no/such/dir.pcap: cannot open: No such file or directory \(name a file in an existing folder" \
    --net:service="$tap" --pcap:service="$out/no/such/dir.pcap" "$img" -- 10.77.0.2
expect_error "cannot open: Is a directory \(name a file, not a folder\)" \
    --net:service="$tap" --pcap:service="$out" "$img" -- 10.77.0.2
mkfifo "$out/fifo"
expect_error "cannot open: No such device or address \(a FIFO needs its reader running first\)" \
    --net:service="$tap" --pcap:service="$out/fifo" "$img" -- 10.77.0.2
expect_error "^skiff: error: --pcap-limit:service: no --pcap:service=FILE option" \
    --net:service="$tap" --pcap-limit:service=1M "$img" -- 10.77.0.2
expect_error "the limit must be a byte count of at least 4096" \
    --net:service="$tap" --pcap:service="$out/l.pcap" --pcap-limit:service=100 "$img" -- 10.77.0.2
exec 3<>"$out/fifo" # a reader, so only the limit is wrong
expect_error "^skiff: error: --pcap-limit:service: $out/fifo is not a regular file \(rotation needs one" \
    --net:service="$tap" --pcap:service="$out/fifo" --pcap-limit:service=1M "$img" -- 10.77.0.2
exec 3<&-
[ ! -e "$out/x.pcap" ] && [ ! -e "$out/a" ] || die "a refused run left a capture file behind"
log "ok: every bad --pcap refused with one line"
rm -rf "$out"
