#!/bin/sh
# Seed corpus of fuzz_cli: each line "VERDICT ARGV0 ARGS..." of the seed list
# (cli_seeds.txt; words split at blanks, '#' starts a comment line) becomes
# OUT/VERDICT/NNN holding the words NUL-separated, as fuzz_cli reads them. A
# few command lines too long to write out (Solo5's 63-device test, the NIC
# limit) are generated here. Usage: cli_seeds.sh LIST MAX_NICS MAX_BLOCKS OUT
set -eu
list=$1 max_nics=$2 max_blocks=$3 out=$4
rm -rf "$out"
n=0
emit() { # verdict words...
    v=$1
    shift
    mkdir -p "$out/$v"
    n=$((n + 1))
    printf '%s\0' "$@" | head -c -1 >"$out/$v/$(printf %03d $n)"
}

set -f # words are literal, never globbed
while IFS= read -r line; do
    case $line in '' | '#'*) continue ;; esac
    # shellcheck disable=SC2086 # split at blanks on purpose
    emit $line
done <"$list"

# Solo5's mft_maxdevices test: one --block per device, 63 of them (Solo5's
# and skiff's limit), then one more than skiff takes.
blocks() { # count
    i=0
    while [ $i -lt "$1" ]; do
        printf -- '--block:storage%d=storage%d.img\n' $i $i
        i=$((i + 1))
    done
}
# shellcheck disable=SC2046
emit run solo5-hvt --mem=4096 $(blocks "$max_blocks") -- test_mft_maxdevices.hvt
# shellcheck disable=SC2046
emit error solo5-spt --mem=2 $(blocks $((max_blocks + 1))) -- test_mft_maxdevices.spt
# Every NIC skiff takes, then one more.
nets() { # count
    i=0
    while [ $i -lt "$1" ]; do
        printf -- '--net:service%d=tap%d\n--net-mac:service%d=02:00:00:00:00:%02x\n' $i $i $i $((i + 1))
        i=$((i + 1))
    done
}
# shellcheck disable=SC2046
emit run solo5-spt $(nets "$max_nics") -- router.spt
# shellcheck disable=SC2046
emit error skiff $(nets $((max_nics + 1))) router.spt
