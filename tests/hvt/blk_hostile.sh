#!/usr/bin/env bash
# hvt block hypercalls with hostile arguments (guests/blk_hostile.c): every
# bad one refused, the file unchanged, the valid read served. Native
# /dev/kvm only (skipped, exit 77, without one).
# Usage: blk_hostile.sh SKIFF GUEST_DIR
set -u
skiff=$1 img=$2/blk_hostile.hvt
. "$(dirname "$0")/../lib/native_kvm.sh"
require_native_kvm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
disk=$tmp/disk.img
head -c 4096 /dev/zero | tr '\0' '\247' >"$disk" # 8 blocks of 0xa7
sum=$(md5sum <"$disk")
timeout -k 5 60 "$skiff" --mem=16 --block:storage="$disk" "$img" >"$tmp/out" 2>&1
rc=$?
failed=0
[ $rc = 0 ] || { echo "FAIL: exit $rc"; failed=1; }
[ "$(grep -c ': refused$' "$tmp/out")" = 20 ] || { echo "FAIL: not every bad call refused"; failed=1; }
grep -q ACCEPTED "$tmp/out" && failed=1
grep -q '^read valid: ok a7$' "$tmp/out" || { echo "FAIL: the valid read was not served"; failed=1; }
[ "$(md5sum <"$disk")" = "$sum" ] || { echo "FAIL: the file changed"; failed=1; }
sed 's/^/    /' "$tmp/out"
exit $failed
