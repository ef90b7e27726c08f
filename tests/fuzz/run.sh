#!/usr/bin/env bash
# One libFuzzer target as a suite test:
#   run.sh NAME FUZZER SEEDS WORK SECONDS FLOOR [LIBFUZZER OPTIONS...]
#
# 1. Verdicts: every seed in SEEDS/<verdict>/ must still get that verdict
#    from the target (SKIFF_FUZZ_VERDICT=1; SEEDS/any/ is not checked). The
#    seeds are real inputs (images, manifests, command lines) that a correct
#    parser takes all the way through its checks (or, for the ones named
#    rejected, to a refusal past them), so a seed whose verdict changes no
#    longer takes the fuzzer where it used to.
# 2. Floor: the fuzzer runs SECONDS from the empty input (fixed seed), then
#    SECONDS from SEEDS, and the coverage the seeds bring must beat what
#    fuzzing from nothing reached in the same time (both measured here, every
#    run; no figure is written down):
#      FLOOR=seeds   the seeds on their own (libFuzzer's INITED line, before
#                    any mutation). For formats whose first checks blind
#                    mutation does not pass (an image, a JSON document): it
#                    stalls there within a second, so seeds rejected at those
#                    checks, or no better than random bytes, fail this.
#      FLOOR=fuzzed  the seeded run at its end. For formats blind mutation
#                    does get into (a command line: libFuzzer solves the
#                    option names from the parser's string compares), where
#                    what the seeds add is real combinations to start from.
# 3. Any crash, leak, timeout (-timeout) or out-of-memory fails the test; the
#    input is kept under WORK/artifacts/ and the line to reproduce it printed.
set -uo pipefail

name=$1 fuzzer=$2 seeds=$3 work=$4 secs=$5 floor=$6
shift 6
opts=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=0 "$@")

fail() {
    echo "$name: FAIL: $*" >&2
    exit 1
}

[ -x "$fuzzer" ] || fail "no fuzzer at $fuzzer"
[ -d "$seeds" ] || fail "no seed corpus at $seeds (built with the fuzzers)"
rm -rf "$work"
mkdir -p "$work/empty" "$work/corpus" "$work/artifacts"

# libFuzzer's exit status: anything but 0 is a finding (crash, leak, timeout,
# OOM) or a usage error; its log says which.
run_fuzzer() { # log args...
    local log=$1
    shift
    "$fuzzer" "${opts[@]}" -artifact_prefix="$work/artifacts/" "$@" >"$log" 2>&1
    local rc=$?
    if [ $rc -ne 0 ]; then
        grep -E "ERROR|SUMMARY|==[0-9]+==|Test unit written|timeout|out-of-memory|leak" "$log" |
            head -20 >&2
        grep '^Running: ' "$log" | tail -1 | sed "s/^Running: /$name: while running the seed /" >&2
        for a in "$work"/artifacts/*; do
            [ -e "$a" ] && echo "$name: reproduce with: $fuzzer $a" >&2
        done
        fail "libFuzzer exited with status $rc (log: $log)"
    fi
}

# The last "cov: N" a libFuzzer log reports on a line starting with the tag.
cov_of() { # log tag
    awk -v tag="$2" '$2 == tag { for (i = 3; i <= NF; i++) if ($i == "cov:") c = $(i + 1) } END { print c + 0 }' "$1"
}

# --- 1. verdicts
total=0 bad=0
for dir in "$seeds"/*/; do
    want=$(basename "$dir")
    [ "$want" = any ] && continue
    files=("$dir"*)
    [ -e "${files[0]}" ] || continue
    log=$work/verdicts-$want.log
    SKIFF_FUZZ_VERDICT=1 run_fuzzer "$log" "${files[@]}"
    # "Running: FILE" then the target's "verdict: V[: detail]" for it. libFuzzer
    # runs an input a second time when its mallocs and frees did not balance
    # (to ask LeakSanitizer; a first call's one-time allocations do that): the
    # same input's second verdict is not another seed's.
    got_n=0
    while IFS=$'\t' read -r file got; do
        got_n=$((got_n + 1))
        if [ "${got%%:*}" != "$want" ]; then
            echo "$name: seed $file: verdict '$got', expected '$want'" >&2
            bad=$((bad + 1))
        fi
    done < <(awk '/^Running: / { f = $2 } /^verdict: / && f != "" { sub(/^verdict: /, ""); print f "\t" $0; f = "" }' "$log")
    [ "$got_n" -eq "${#files[@]}" ] || fail "$want/: $got_n verdicts for ${#files[@]} seeds ($log)"
    total=$((total + got_n))
done
[ "$total" -gt 0 ] || fail "no seeds with a verdict under $seeds"
[ "$bad" -eq 0 ] || fail "$bad of $total seeds changed verdict"
echo "$name: $total seeds, each with its expected verdict"

# --- 2. floor, and 3. findings
run_fuzzer "$work/empty.log" -seed=1 -max_total_time="$secs" "$work/empty"
empty=$(cov_of "$work/empty.log" DONE)
run_fuzzer "$work/seeded.log" -max_total_time="$secs" "$work/corpus" "$seeds"
inited=$(cov_of "$work/seeded.log" INITED)
seeded=$(cov_of "$work/seeded.log" DONE)
echo "$name: coverage: fuzzing the empty input ${secs} s: $empty; the seeds alone: $inited;" \
    "fuzzing the seeds ${secs} s: $seeded"
case $floor in
seeds)
    [ "$inited" -gt "$empty" ] ||
        fail "the seeds alone reach $inited coverage points, no more than fuzzing from nothing ($empty): they no longer get the fuzzer past the first checks"
    ;;
fuzzed)
    [ "$seeded" -gt "$empty" ] ||
        fail "fuzzing the seeds reached $seeded coverage points, no more than fuzzing from nothing ($empty)"
    ;;
*) fail "FLOOR must be seeds or fuzzed, not '$floor'" ;;
esac
exit 0
