#!/usr/bin/env bash
# A hostile spt guest against its block device's seccomp rules: raw
# pread64/pwrite64 on the device's fd are allowed only for exactly one block
# at an offset inside the device (and pwrite64 not at all on a read-only
# file); anything else kills the guest by SIGSYS (159). The in-bounds call is
# the positive control: it must get through (the guest prints SURVIVED).
# Usage: hostile_block.sh SKIFF GUEST_DIR
set -u
skiff=$1 img=$2/hostile_blk.spt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
disk=$tmp/disk.img
dd if=/dev/zero of="$disk" bs=512 count=8 status=none # capacity 4096
failed=0

# The device's fd number in the guest process (the same for every run of
# this command line): from /proc while the guest sleeps.
"$skiff" --mem=16 --block:storage="$disk" "$img" -- sleep >/dev/null 2>&1 &
tender=$!
fd=
for _ in $(seq 1 100); do
    guest=$(pgrep -P "$tender" | head -1)
    if [ -n "$guest" ]; then
        for f in /proc/"$guest"/fd/*; do
            [ "$(readlink "$f")" = "$disk" ] && fd=${f##*/}
        done
    fi
    [ -n "$fd" ] && break
    sleep 0.05
done
kill "$tender" 2>/dev/null
wait "$tender" 2>/dev/null
[ -n "$fd" ] || { echo "FAIL: cannot find the block device's fd in the guest process"; exit 1; }
echo "block device is fd $fd in the guest"

# check NAME WANT_RC ARGS...: the guest's raw system call ends as expected.
check() {
    local name=$1 want=$2
    shift 2
    timeout -k 5 30 "$skiff" --mem=16 --block:storage="$disk" "$img" -- "$@" >"$tmp/out" 2>&1
    local rc=$?
    if [ "$rc" != "$want" ]; then
        echo "FAIL $name: exit $rc, expected $want:"; sed 's/^/    /' "$tmp/out"; failed=1; return
    fi
    echo "ok   $name (exit $rc)"
}
buf=0x800000 # in guest memory (heap)
check pread-in-bounds 3 sys 17 "$fd" $buf 512 3584
check pread-past-end 159 sys 17 "$fd" $buf 512 4096
check pread-two-blocks 159 sys 17 "$fd" $buf 1024 0
check pread-short 159 sys 17 "$fd" $buf 511 0
check pread-huge-offset 159 sys 17 "$fd" $buf 512 -1
check pwrite-in-bounds 3 sys 18 "$fd" $buf 512 0
check pwrite-past-end 159 sys 18 "$fd" $buf 512 4096
check pread-other-fd 159 sys 17 0 $buf 512 0
# A read-only file: pwrite64 is not on the list at all.
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
    unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" &&
        "$2" --mem=16 --block:storage="$1" "$3" -- sys 18 "$4" 0x800000 512 0' \
        sh "$disk" "$skiff" "$img" "$fd" >"$tmp/out" 2>&1
    rc=$?
    if [ "$rc" = 159 ] && grep -q 'read-only' "$tmp/out"; then
        echo "ok   pwrite-read-only (exit 159)"
    else
        echo "FAIL pwrite-read-only: exit $rc, expected 159:"; sed 's/^/    /' "$tmp/out"; failed=1
    fi
fi
exit $failed
