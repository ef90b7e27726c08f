#!/bin/sh
# Broken hvt images (made by mkbad from a good one) are refused with exactly
# one error line and exit 1, before KVM is touched, so this runs anywhere.
# Usage: bad_images.sh SKIFF GUEST_DIR MKBAD
set -u
skiff=$1 guests=$2 mkbad=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$mkbad" "$guests/ping.hvt" "$dir" || { echo "FAIL: mkbad"; exit 1; }
failed=0

# check CASE PATTERN: skiff refuses $dir/CASE.hvt with PATTERN on one line.
check() {
    "$skiff" --net:service=unused0 "$dir/$1.hvt" >/dev/null 2>"$dir/err"
    rc=$?
    if [ "$rc" != 1 ] || [ "$(wc -l <"$dir/err")" != 1 ] ||
       ! grep -q -- "^skiff: error: .*$1.hvt: .*$2" "$dir/err"; then
        echo "FAIL $1: exit $rc (want 1), want one line matching '$2':"
        cat "$dir/err"
        failed=1
        return
    fi
    echo "ok   $1: $(cat "$dir/err")"
}

check wx "both writable and executable"
check outside "raise --mem"
check abi "ABI version"
check manifest "manifest note\|PT_NOTE"
check solo5abi "linked with Solo5's own hvt bindings"
check entries "has 65 entries"
check interp "dynamically linked"
exit $failed
