#!/usr/bin/env bash
# Runs skiff's Solo5 conformance programs (built by this folder's Makefile
# against an installed prefix) with the installed solo5-spt or solo5-hvt,
# one check per behaviour Solo5's contract promises.
# Usage: run.sh spt|hvt PREFIX OUT
set -u
target=$1 prefix=$2 out=$3
tender=$prefix/bin/solo5-$target
elftool=$prefix/bin/solo5-elftool
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
# Faults: spt guests die of SIGSEGV (128 + 11); hvt guests abort (255) with
# "ABORT" in the output, as with Solo5's tenders.
if [ "$target" = spt ]; then fault_rc=139; else fault_rc=255; fi
if [ "$target" = hvt ]; then
    . "$(dirname "$0")/../lib/native_kvm.sh"
    require_native_kvm
fi

# run NAME WANT_RC PATTERN ARGS...: the tender's exit status is WANT_RC and
# its output (stdout + stderr) matches the extended regex PATTERN.
run() {
    local name=$1 want=$2 pattern=$3
    shift 3
    timeout -k 5 60 "$tender" "$@" >"$tmp/out" 2>&1
    local rc=$?
    if [ "$rc" != "$want" ] || ! grep -Eq -- "$pattern" "$tmp/out"; then
        echo "FAIL $target $name: exit $rc (want $want), output must match '$pattern':"
        sed 's/^/    /' "$tmp/out" | head -20
        failed=1
        return 1
    fi
    echo "ok   $target $name"
}

img() { echo "$out/$1.$target"; }

# hello and command line: Solo5's form (options, --, kernel, arguments)
run hello 0 '^cmdline=\[Hello Solo5 world\]$' --mem=2 -- "$(img hello)" Hello Solo5 world
grep -q '^Hello, World$' "$tmp/out" || { echo "FAIL $target hello: no greeting"; failed=1; }
run hello-noargs 0 '^cmdline=\[\]$' "$(img hello)"
run exit-status 1 'fault: FAILURE \(unknown case\)' --mem=2 "$(img fault)" bogus
run globals 0 '^globals: SUCCESS$' --mem=2 "$(img globals)"
run fpu 0 '^fpu: SUCCESS$' --mem=2 "$(img fpu)"
run time 0 '^time: SUCCESS$' --mem=2 "$(img time)"
run tls 0 '^tls: SUCCESS$' --mem=2 "$(img tls)"
run notls 0 '^notls: SUCCESS$' --mem=2 "$(img notls)"

# console output: every byte, in order
if run output 0 '^output: SUCCESS$' --mem=2 "$(img output)"; then
    # 64 lines of 100 bytes, then 8,191 bytes and a newline (one awk: a
    # shell loop forks per character, minutes where fork is slow).
    awk 'BEGIN {
        for (n = 0; n < 64; n++) {
            s = sprintf("%02d", n)
            for (i = 2; i <= 98; i++) s = s sprintf("%c", 97 + (n + i) % 26)
            print s
        }
        s = ""
        for (i = 0; i <= 8190; i++) s = s sprintf("%c", 65 + i % 26)
        print s
    }' >"$tmp/want"
    head -c $((64 * 100 + 8192)) "$tmp/out" | cmp -s - "$tmp/want" ||
        { echo "FAIL $target output: console bytes differ"; failed=1; }
fi

# --solo5:LEVEL words are the bindings', the rest the application's
run quiet 0 '^cmdline=\[app args\]$' --mem=2 "$(img quiet)" --solo5:quiet app args
run quiet-levels 0 '^quiet: SUCCESS$' "$(img quiet)" --solo5:debug --solo5:warn --solo5:info --solo5:error app args

# memory protection
run zeropage $fault_rc "$([ "$target" = spt ] && echo 'SIGSEGV at address 0x0,' || echo 'reading 0x0 \(ABORT\)')" \
    --mem=2 "$(img fault)" zeropage
run exception $fault_rc "$([ "$target" = spt ] && echo SIGSEGV || echo ABORT)" --mem=2 "$(img fault)" exception
# a write to code: Solo5's hvt tender meets it itself (status 1, its words)
run wnox "$([ "$target" = spt ] && echo 139 || echo 1)" \
    "$([ "$target" = spt ] && echo SIGSEGV || echo 'host/guest translation fault.*write to a read-only page')" \
    --mem=2 "$(img fault)" wnox
run xnow $fault_rc "$([ "$target" = spt ] && echo SIGSEGV || echo 'executing a no-execute page.*ABORT')" \
    --mem=2 "$(img fault)" xnow
run rnox $fault_rc "$([ "$target" = spt ] && echo SIGSEGV || echo 'executing a no-execute page.*ABORT')" \
    --mem=2 "$(img fault)" rnox

# stack protector
run ssp 255 'ABORT' --mem=2 "$(img ssp)"
# spt: a system call outside the allowlist is death by SIGSYS
[ "$target" = spt ] && run seccomp 159 'forbidden system call' --mem=2 "$(img seccomp)"

# skiff's SOLO5_R_CLOSED only for applications that opt in (fd 3 at EOF)
run netclosed 0 '^netclosed: SUCCESS$' --mem=2 --net:net0=@3 "$(img netclosed)" 3<>/dev/null
run netclosed-optin 0 '^netclosed-optin: SUCCESS$' --mem=2 --net:net0=@3 "$(img netclosed_optin)" 3<>/dev/null

# block devices: read/write/bounds at two block sizes, the file checked
# afterwards; read-only files; the sector-size errors; 63 devices
blkimg=$tmp/storage.img
for bs in 512 4096; do
    dd if=/dev/zero of="$blkimg" bs=4k count=16 status=none
    run blk-$bs 0 "^capacity 65536 block_size $bs\$" --mem=2 --block:storage="$blkimg" \
        --block-sector-size:storage=$bs -- "$(img blk)"
    grep -q '^blk: SUCCESS$' "$tmp/out" || { echo "FAIL $target blk-$bs: no SUCCESS"; failed=1; }
    [ "$(head -c $bs "$blkimg" | tr -d 'Z' | wc -c)" = 0 ] ||
        { echo "FAIL $target blk-$bs: the guest's last write is not in the file"; failed=1; }
done
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
    # a read-only bind mount: even root can only open the file for reading
    unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" &&
        "$2" --mem=2 --block:storage="$1" -- "$3" ro' sh "$blkimg" "$tender" "$(img blk)" >"$tmp/out" 2>&1
    rc=$?
    if [ $rc = 0 ] && grep -q '^blk: SUCCESS$' "$tmp/out" && grep -q 'read-only' "$tmp/out"; then
        echo "ok   $target blk-readonly"
    else
        echo "FAIL $target blk-readonly: exit $rc"; sed 's/^/    /' "$tmp/out"; failed=1
    fi
fi
dd if=/dev/zero of="$blkimg" bs=2k count=3 status=none
run blk-misaligned 1 'Backing storage size must be block aligned' --block:storage="$blkimg" \
    --block-sector-size:storage=4096 -- "$(img blk)"
run blk-odd 1 'Block size must be a multiple of 2 greater than or equal 512' --block:storage="$blkimg" --block-sector-size:storage=521 -- "$(img blk)"
run blk-small 1 'Block size must be a multiple of 2 greater than or equal 512' --block:storage="$blkimg" --block-sector-size:storage=256 -- "$(img blk)"
: >"$tmp/empty.img"
run blk-empty 1 'Backing storage must be at least 1 block' --block:storage="$tmp/empty.img" -- "$(img blk)"
run blk-missing 1 "Device 'storage' of type BLOCK_BASIC declared but not attached" -- "$(img blk)"
run blk-unknown 1 "Resource not declared in manifest: 'other'" --block:other="$blkimg" -- "$(img blk)"
devs=()
for i in $(seq 0 62); do
    dd if=/dev/zero of="$tmp/m$i.img" bs=512 count=2 status=none
    devs+=("--block:storage$i=$tmp/m$i.img")
done
run maxdev 0 '^maxdev: SUCCESS$' --mem=2 "${devs[@]}" -- "$(img maxdev)"
if "$elftool" gen-manifest "$here/toomany.json" /dev/null 2>"$tmp/err"; then
    echo "FAIL $target too-many-entries: 64 devices accepted"; failed=1
elif grep -q 'too many entries, maximum 63' "$tmp/err"; then
    echo "ok   $target too-many-entries"
else
    echo "FAIL $target too-many-entries:"; cat "$tmp/err"; failed=1
fi

# images the tender must refuse, with one line and status 1
other=$([ "$target" = spt ] && echo hvt || echo spt)
run wrong-target 1 "Executable is not for the solo5-$target target" "$out/hello.$other"
run stub-image 1 'No Solo5 ABI information found in executable' "$out/hello.stub"
run missing-kernel 1 'Missing KERNEL operand' --mem=2
run bad-mem 1 'Malformed argument to --mem' --mem=x "$(img hello)"

# solo5-elftool
abi_target=$([ "$target" = spt ] && echo spt || echo hvt)
if "$elftool" query-abi "$(img hello)" >"$tmp/abi" &&
    grep -q "\"target\": \"$abi_target\"" "$tmp/abi" && grep -q '"type": "solo5.abi"' "$tmp/abi"; then
    echo "ok   $target query-abi"
else
    echo "FAIL $target query-abi:"; cat "$tmp/abi"; failed=1
fi
if "$elftool" query-manifest "$(img hello)" >"$tmp/mft" && grep -q '"devices": \[' "$tmp/mft" &&
    ! grep -q '"name"' "$tmp/mft"; then
    echo "ok   $target query-manifest"
else
    echo "FAIL $target query-manifest:"; cat "$tmp/mft"; failed=1
fi
exit $failed
