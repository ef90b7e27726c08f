#!/usr/bin/env bash
# Every benchmark command at least starts, wherever its folder put it: each
# script parses (bash -n), those that take options answer --help with their
# own usage, and every bench/ file a script names through $BENCH (the bench/
# folder) exists. Needs no root: nothing is run past --help.
# Usage: commands.sh BENCH_DIR
set -euo pipefail
bench=$(cd "${1:?bench/ folder}" && pwd)
fail() { echo "FAIL: $*"; exit 1; }
n=0
for f in "$bench"/*/*; do
    case "$f" in *.sh) ;; *) head -n1 "$f" | grep -q '^#!.*bash' || continue ;; esac
    name=${f#"$bench"/}
    bash -n "$f" || fail "$name does not parse"
    if [ -x "$f" ] && grep -q -- '-h | --help' "$f"; then
        out=$("$f" --help 2>&1) || fail "bench/$name --help: exit status $?"
        grep -qF "bench/$name" <<<"$out" || fail "bench/$name --help does not name bench/$name: $(head -n2 <<<"$out")"
    fi
    for ref in $(grep -o '"\$BENCH/[^"]*"' "$f" | tr -d '"' | sed 's|^\$BENCH/||' | sort -u); do
        [ -e "$bench/$ref" ] || fail "$name names \$BENCH/$ref, which is not there"
    done
    n=$((n + 1))
done
[ "$n" -ge 15 ] || fail "only $n bench scripts found under $bench"
echo "ok: $n bench scripts parse, answer --help and name files that exist"
