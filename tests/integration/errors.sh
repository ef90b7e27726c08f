#!/usr/bin/env bash
# Every bad command line and bad image gets exactly one line on stderr that
# names the problem ("skiff: error: ..."), exit status 1, and leaves nothing
# behind: no process, and the TAP device not held by anyone.
source "$(dirname "$0")/lib.sh"
skip_unless_root
tap=${TAG}e
down=${TAG}d
work=$(mktemp -d)
make_tap "$tap"
ip tuntap add dev "$down" mode tap # exists, but down
_LINKS+=("$down")

printf 'not an elf\n' >"$work/text.img"
head -c 200 "$GUESTS/ping.spt" >"$work/truncated.img"

expect_error() { # phrase skiff-args...
    local phrase=$1 rc=0
    shift
    timeout 10 "$SKIFF" "$@" >"$work/out" 2>"$work/err" || rc=$?
    [ $rc -eq 1 ] || die "skiff $*: exit $rc, want 1 ($(head -3 "$work/err"))"
    [ "$(wc -l <"$work/err")" -eq 1 ] || die "skiff $*: want one line, got: $(cat "$work/err")"
    grep -q '^skiff: error: ' "$work/err" || die "skiff $*: no 'skiff: error:' prefix: $(cat "$work/err")"
    grep -qi -- "$phrase" "$work/err" || die "skiff $*: message lacks '$phrase': $(cat "$work/err")"
    [ "$(cat "/sys/class/net/$tap/carrier" 2>/dev/null || echo 0)" = 0 ] ||
        die "skiff $*: TAP $tap still attached after the error"
    log "ok: $(cat "$work/err")"
}

ping=$GUESTS/ping.spt
bridge=$GUESTS/bridge.spt
expect_error "lan" --net:wan="$tap" "$bridge"                      # NIC missing
expect_error "foo" --net:foo="$tap" --net:wan="$tap" "$bridge"     # NIC unknown
expect_error "${TAG}zz" --net:service="${TAG}zz" "$ping"           # no such TAP
expect_error "up" --net:service="$down" "$ping"                    # TAP down
expect_error "mac" --net:service="$tap" --net-mac:service=zz:00:11:22:33:44 "$ping"
expect_error "mac" --net:service="$tap" --net-mac:service=01:00:5e:00:00:01 "$ping" # multicast
expect_error "io" --io=turbo --net:service="$tap" "$ping"
expect_error "text.img" --net:service="$tap" "$work/text.img"      # not an ELF
expect_error "truncated.img" --net:service="$tap" "$work/truncated.img"
expect_error "nope.spt" --net:service="$tap" "$work/nope.spt"      # no file
expect_error "fd 99" --net:service=@99 "$ping"                         # fd not open
expect_error "net" "$ping"                                         # no --net at all
expect_error "mem" --mem=1 --net:service="$tap" "$ping"
# The same device twice, and packet fds that are not packet fds.
expect_error "NIC 'wan' already uses that device" --net:wan="$tap" --net:lan="$tap" "$bridge"
expect_error "already uses that device" --net:wan=@3 --net:lan=@3 "$bridge" 3<>/dev/null
printf 'some bytes\n' >"$work/file.dat"
for mode in event poll direct; do
    expect_error "net service: fd 3 cannot be polled" --io=$mode --net:service=@3 "$ping" \
        3<>"$work/file.dat"
done
tapfd=${TAPFD:-$SKIFF_BUILD/tests/integration/tapfd}
rc=0
timeout 10 "$tapfd" "$tap" "$SKIFF" --io=direct --net:wan=@3 --net:lan="$tap" "$bridge" >"$work/out" 2>"$work/err" || rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$work/err")" -eq 1 ] || die "TAP as @3 and by name: exit $rc: $(cat "$work/err")"
grep -q "net lan: Could not attach interface: $tap: Device or resource busy (TAP $tap is busy: another process, or another --net of this command" "$work/err" ||
    die "TAP as @3 and by name: $(cat "$work/err")"
log "ok: $(cat "$work/err")"
pgrep -f "$GUESTS/" >/dev/null && die "a skiff process was left running"
rm -rf "$work"
log "ok: all error paths"
