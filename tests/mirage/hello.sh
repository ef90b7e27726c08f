#!/usr/bin/env bash
# Tier 1: the OCaml runtime on skiff. The hello image (tests/mirage/hello,
# built by build.sh against the installed prefix) run by the prefix's
# solo5-spt or solo5-hvt, as a Solo5 user runs it: every line of its output
# and its exit status (3, from OCaml's exit through nolibc's exit and
# solo5_exit) are checked.
# Usage: hello.sh spt|hvt PREFIX IMAGES
set -u
target=$1 prefix=$2 images=$3
source "$(dirname "$0")/../lib/third_party.sh"
source "$(dirname "$0")/../lib/native_kvm.sh"
# In the nested-KVM VM (nested.sh) the images came in ready-built.
[ -n "${SKIFF_HVT_NESTED:-}" ] || tp_require ocaml-solo5
[ "$target" = spt ] || [ -n "${SKIFF_HVT_NESTED:-}" ] || require_native_kvm
source "$(dirname "$0")/image.sh"
image=$(mirage_image "$images" "hello.$target") || exit $?
out=$(mktemp)
trap 'rm -f "$out"' EXIT

timeout -k 5 120 "$prefix/bin/solo5-$target" --mem=64 -- "$image" >"$out" 2>&1
rc=$?
want='hello: 200000 strings, 2600000 bytes, 5200000 garbage bytes, 2000 kept, 2000 intact
hello: found string-123456 at 123456; caught Failure nth
hello: major collections: yes
hello: sum 1/i^2 (i <= 1000) = 1.643935, pi^2/6 = 1.644934, sqrt 2 = 1.41421356237
hello: done'
if [ $rc -ne 3 ] || [ "$(grep '^hello: ' "$out")" != "$want" ]; then
    echo "FAIL $target: exit $rc (want 3); output:"
    sed 's/^/    /' "$out" | head -30
    exit 1
fi
echo "ok   $target: OCaml hello (allocation, exceptions, Printf, Gc.full_major, floats), exit 3"
