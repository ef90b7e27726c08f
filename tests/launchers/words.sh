#!/usr/bin/env bash
# Solo5's words: for each error Solo5's tenders and solo5-elftool report,
# the same mistake is made with Solo5 v0.12 (built from its snapshot, with
# its own test images) and with the installed skiff (with the responder
# images): both must end with the same status and print the same words,
# which are taken from Solo5's own output here, so the list cannot drift
# from what Solo5 says. Scripts around Solo5 grep these. The checks run
# before a guest starts (no KVM needed, also for solo5-hvt); what a running
# guest causes is in exits.sh.
# Usage: words.sh PREFIX OUT TOOLS CACHE (CACHE: where Solo5 is built once)
TARGET=spt PREFIX=$1 OUT=$2 TOOLS=$3 CACHE=$4
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/third_party.sh"
tp_require solo5
S=$(tp_solo5 "$CACHE") || exit 1
source "$here/lib.sh"
failed=0

# same NAME STATUS WORDS SOLO5-CMD... -- SKIFF-CMD...: each command exits
# STATUS and its output (stdout and stderr) contains WORDS.
same() {
    local name=$1 want=$2 words=$3 side=solo5 rc
    shift 3
    local a=() b=()
    while [ $# -gt 0 ]; do
        if [ "$1" = -- ] && [ $side = solo5 ]; then side=skiff; shift; continue; fi
        if [ $side = solo5 ]; then a+=("$1"); else b+=("$1"); fi
        shift
    done
    for side in solo5 skiff; do
        if [ $side = solo5 ]; then cmd=("${a[@]}"); else cmd=("${b[@]}"); fi
        rc=0
        timeout 20 "${cmd[@]}" >"$WORK/$side" 2>&1 </dev/null 3<>/dev/null || rc=$?
        if [ "$rc" != "$want" ] || ! grep -qF -- "$words" "$WORK/$side"; then
            echo "FAIL $name: $side exited $rc (want $want), output must contain '$words':"
            sed 's/^/    /' "$WORK/$side" | head -4
            failed=1
            return
        fi
    done
    echo "ok   $name: $want, '$words'"
}

s_spt=$S/tenders/spt/solo5-spt s_hvt=$S/tenders/hvt/solo5-hvt s_tool=$S/elftool/solo5-elftool
k_spt=$PREFIX/bin/solo5-spt k_hvt=$PREFIX/bin/solo5-hvt k_tool=$PREFIX/bin/solo5-elftool
hello=$S/tests/test_hello/test_hello net=$S/tests/test_net/test_net.spt blk=$S/tests/test_blk/test_blk.spt
none=$OUT/responder-none mirage=$OUT/responder-mirage.spt
printf 'a text file, longer than an ELF header (64 bytes), so both tools read one\n' >"$WORK/text"
block_file "$WORK/ok.img" 65536
head -c 6144 /dev/zero >"$WORK/6k.img"
: >"$WORK/empty.img"

# command line
same missing-kernel 1 'Missing KERNEL operand' "$s_spt" -- "$k_spt"
same help 1 'usage: solo5-spt' "$s_spt" --help -- "$k_spt" --help
same version 0 'solo5-spt tender, version' "$s_spt" --version -- "$k_spt" --version
same version-abi 0 'ABI version ' "$s_hvt" --version -- "$k_hvt" --version
same invalid-option 1 "Invalid option: \`--bogus'" "$s_spt" --bogus "$hello.spt" -- "$k_spt" --bogus "$none.spt"
same invalid-net 1 "Invalid option: \`--net:a-b=tap0'" \
    "$s_spt" --net:a-b=tap0 "$hello.spt" -- "$k_spt" --net:a-b=tap0 "$none.spt"
same bad-mem 1 'Malformed argument to --mem' "$s_spt" --mem=x "$hello.spt" -- "$k_spt" --mem=x "$none.spt"
same long-cmdline 1 'Guest command line too long (max=8191 characters)' \
    "$s_spt" "$hello.spt" "$(head -c 9000 /dev/zero | tr '\0' x)" -- \
    "$k_spt" "$none.spt" "$(head -c 9000 /dev/zero | tr '\0' x)"

# the image
same no-file 1 "$WORK/nope.spt: Could not open" "$s_spt" "$WORK/nope.spt" -- "$k_spt" "$WORK/nope.spt"
same not-elf 1 'invalid or unsupported executable' "$s_spt" "$WORK/text" -- "$k_spt" "$WORK/text"
same wrong-target-spt 1 'Executable is not for the solo5-spt target' "$s_spt" "$hello.hvt" -- "$k_spt" "$none.hvt"
same wrong-target-hvt 1 'Executable is not for the solo5-hvt target' "$s_hvt" "$hello.spt" -- "$k_hvt" "$none.spt"
# each tender refuses the other project's images by their ABI version
same abi-version 1 'Executable requests unsupported ABI version' "$s_spt" "$none.spt" -- "$k_spt" "$hello.spt"
if [ ! -e /dev/kvm ]; then
    same no-kvm 1 'Could not open: /dev/kvm: No such file or directory' "$s_hvt" "$hello.hvt" -- "$k_hvt" "$none.hvt"
fi
same buggyelf 1 'note does not fall within valid size' \
    "$s_hvt" "$S/tests/test_buggyelf/buggyelf.hvt" -- "$k_hvt" "$S/tests/test_buggyelf/buggyelf.hvt"

# devices
same undeclared-net 1 "Resource not declared in manifest: 'foo'" \
    "$s_spt" --net:foo=tap0 "$hello.spt" -- "$k_spt" --net:foo=tap0 "$none.spt"
same undeclared-block 1 "Resource not declared in manifest: 'foo'" \
    "$s_spt" --block:foo="$WORK/ok.img" "$hello.spt" -- "$k_spt" --block:foo="$WORK/ok.img" "$none.spt"
same unattached-net 1 'of type NET_BASIC declared but not attached' "$s_spt" "$net" -- \
    "$k_spt" --block:storage="$WORK/ok.img" "$mirage"
same unattached-block 1 'of type BLOCK_BASIC declared but not attached' "$s_spt" "$blk" -- \
    "$k_spt" --net:service=@3 "$mirage"
same no-tap 1 "Could not attach interface: ${TAG}x: No such file or directory" \
    "$s_spt" --net:service0="${TAG}x" "$net" -- "$k_spt" --net:service="${TAG}x" --block:storage="$WORK/ok.img" "$mirage"
same block-open 1 "Could not open block device: $WORK/nope.img" \
    "$s_spt" --block:storage="$WORK/nope.img" "$blk" -- "$k_spt" --net:service=@3 --block:storage="$WORK/nope.img" "$mirage"
same block-aligned 1 'Backing storage size must be block aligned' \
    "$s_spt" --block:storage="$WORK/6k.img" --block-sector-size:storage=4096 "$blk" -- \
    "$k_spt" --net:service=@3 --block:storage="$WORK/6k.img" --block-sector-size:storage=4096 "$mirage"
same block-empty 1 'Backing storage must be at least 1 block' \
    "$s_spt" --block:storage="$WORK/empty.img" "$blk" -- \
    "$k_spt" --net:service=@3 --block:storage="$WORK/empty.img" "$mirage"
for size in 521 256; do
    same block-size-$size 1 'Block size must be a multiple of 2 greater than or equal 512' \
        "$s_spt" --block:storage="$WORK/ok.img" --block-sector-size:storage=$size "$blk" -- \
        "$k_spt" --net:service=@3 --block:storage="$WORK/ok.img" --block-sector-size:storage=$size "$mirage"
done

# solo5-elftool, the same inputs to both
mk() { printf '%s\n' "$2" >"$WORK/$1.json"; }
mk noversion '{ "type": "solo5.manifest", "devices": [] }'
mk version2 '{ "type": "solo5.manifest", "version": 2, "devices": [] }'
mk notype '{ "type": "solo5.manifest", "version": 1, "devices": [ { "name": "a" } ] }'
mk badname '{ "type": "solo5.manifest", "version": 1, "devices": [ { "name": "a-b", "type": "NET_BASIC" } ] }'
mk longname "{ \"type\": \"solo5.manifest\", \"version\": 1, \"devices\": [ { \"name\": \"$(head -c 80 /dev/zero | tr '\0' a)\", \"type\": \"NET_BASIC\" } ] }"
mk unknownkey '{ "type": "solo5.manifest", "version": 1, "devices": [], "extra": 1 }'
devs=$(for i in $(seq 0 63); do printf '{ "name": "d%d", "type": "BLOCK_BASIC" },' "$i"; done)
mk toomany "{ \"type\": \"solo5.manifest\", \"version\": 1, \"devices\": [ ${devs%,} ] }"
for c in "noversion:missing .version" "version2:.version: invalid version 2, expected 1" \
    "notype:missing .type" "badname:name is not alphanumeric" "longname:name too long" \
    "unknownkey:unknown key: extra" "toomany:too many entries, maximum 63"; do
    same "elftool-${c%%:*}" 1 "${c#*:}" "$s_tool" gen-manifest "$WORK/${c%%:*}.json" /dev/null -- \
        "$k_tool" gen-manifest "$WORK/${c%%:*}.json" /dev/null
done
same elftool-no-source 1 "$WORK/nope.json: Could not open for reading" \
    "$s_tool" gen-manifest "$WORK/nope.json" /dev/null -- "$k_tool" gen-manifest "$WORK/nope.json" /dev/null
same elftool-no-binary 1 "$WORK/nope: Could not open" "$s_tool" query-abi "$WORK/nope" -- "$k_tool" query-abi "$WORK/nope"
same elftool-not-elf 1 'invalid or unsupported executable' \
    "$s_tool" query-manifest "$WORK/text" -- "$k_tool" query-manifest "$WORK/text"
exit $failed
