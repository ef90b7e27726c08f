#!/usr/bin/env bash
# Build the router image with Solo5's own toolchain, against Solo5's own
# solo5.h: the same sources as skiff's router.spt, with only Solo5's API
# (without SKIFF_SOLO5_EXTENSIONS, nic.c reads and writes one frame per
# call and no NIC has offloads). For side-by-side figures (bench/router)
# and a test that the sources keep building so (tests/router).
#
#   build-solo5.sh SOLO5_DIR OUT_DIR     writes OUT_DIR/router.spt
#
# SOLO5_DIR is a Solo5 source tree after its own `./configure.sh && make`
# (tests/lib/third_party.sh's tp_solo5 makes one).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: build-solo5.sh SOLO5_DIR OUT_DIR" >&2; exit 2; }
solo5=$(cd "$1" && pwd)
out=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
guest=$(cd "$here/../.." && pwd)
cc=$solo5/toolchain/bin/x86_64-solo5-none-static-cc
elftool=$solo5/elftool/solo5-elftool
for f in "$cc" "$elftool"; do
    [ -x "$f" ] || { echo "build-solo5.sh: no $f (build Solo5 first: ./configure.sh && make)" >&2; exit 1; }
done

mkdir -p "$out/obj"
cat >"$out/manifest.json" <<'JSON'
{
  "type": "solo5.manifest",
  "version": 1,
  "devices": [
    { "name": "wan", "type": "NET_BASIC" },
    { "name": "lan", "type": "NET_BASIC" }
  ]
}
JSON
"$elftool" gen-manifest "$out/manifest.json" "$out/obj/manifest.c"

# skiff/rt.h (string functions and printf, guest/runtime) is found after
# Solo5's include directory, so "solo5.h" is always Solo5's.
flags=(-std=c11 -O2 -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-qual
    -Wwrite-strings -Wstrict-prototypes -Wmissing-prototypes -Wvla -fno-common
    -idirafter "$guest/include")
cc --version 2>/dev/null | grep -q "^gcc\|GCC" && flags+=(-fno-tree-loop-distribute-patterns)
objs=()
for src in "$here"/{acl,arp,arp_cache,config,counters,csum,forward,frag,icmp,ipv4,output,route,router,nic,main}.c \
    "$guest/runtime/printf.c" "$guest/runtime/string.c" "$out/obj/manifest.c"; do
    obj=$out/obj/$(basename "$src" .c).o
    "$cc" "${flags[@]}" -c "$src" -o "$obj"
    objs+=("$obj")
done
"$cc" -z solo5-abi=spt "${objs[@]}" -o "$out/router.spt"
echo "$out/router.spt"
