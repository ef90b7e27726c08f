#!/usr/bin/env bash
# bench/report/summarize on a hand-made bench/e2e/run results folder (three
# rounds each of ping-event, solo5-spt, ping-hvt-event and the two bridges;
# numbers chosen so that every echo and hvt target lands on a known side of
# its goal): medians, ratios and the issue-18 goals' verdicts, and "n/a" for
# a scenario that did not run.
# Usage: e2e_summary.sh PATH-OF-bench/report/summarize
set -euo pipefail
summarize=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

echo '{"command": "fixture", "repeats": 3}' >"$out/meta.json"
jq -n '{"ping-event": {skipped: null, label: null}, "solo5-spt": {skipped: null, label: null},
        "ping-hvt-event": {skipped: null, label: null}, "skiff-event": {skipped: null, label: null},
        "skiff-hvt-event": {skipped: null, label: null},
        "solo5-hvt": {skipped: "no Solo5 hvt here", label: null}}' >"$out/plan.json"

# echo SCENARIO ROUND EPS CPU_US P50_MS: one echo run.
echo_run() {
    mkdir -p "$out/runs/$1/r$2"
    jq -n --arg s "$1" --argjson r "$2" --argjson eps "$3" --argjson cpu "$4" --argjson p50 "$5" \
        '{scenario: $s, repeat: $r, status: "ok", workloads: {
            flood: {status: "ok", sent: 1000, received: 1000, echo_per_s: $eps, rtt_avg_ms: 0.02, cpu_us_per_echo: $cpu},
            ping_idle: {status: "ok", p50_ms: $p50, p99_ms: ($p50 * 2)},
            idle: {status: "ok", cpu: {total: 0}}}}' >"$out/runs/$1/r$2/run.json"
}
# bridge SCENARIO ROUND TCP1 TCP4: one forwarding run.
bridge_run() {
    mkdir -p "$out/runs/$1/r$2"
    jq -n --arg s "$1" --argjson r "$2" --argjson t1 "$3" --argjson t4 "$4" \
        '{scenario: $s, repeat: $r, status: "ok", workloads: {
            tcp1: {status: "ok", gbps: $t1}, tcp4: {status: "ok", gbps: $t4}}}' >"$out/runs/$1/r$2/run.json"
}
# Medians: ping-event 60,000 echoes/s, 8 us, 0.04 ms; solo5-spt 30,000, 12 us, 0.06 ms
# (ratios 2.0, 0.667, 0.667: all three met); ping-hvt-event 50,000, 20 us, 0.1 ms
# (vs spt: 0.833 missed, 2.5 missed, 2.5 missed); bridges 10 / 12 and 9.5 / 6 Gbit/s
# (0.95 met, 0.5 missed). The outlying round of each shows that medians are used.
echo_run ping-event 1 60000 8 0.04; echo_run ping-event 2 10 1000 9; echo_run ping-event 3 70000 7 0.03
echo_run solo5-spt 1 30000 12 0.06; echo_run solo5-spt 2 29000 13 0.07; echo_run solo5-spt 3 90000 1 0.001
echo_run ping-hvt-event 1 50000 20 0.1; echo_run ping-hvt-event 2 1 1 1; echo_run ping-hvt-event 3 60000 30 0.05
bridge_run skiff-event 1 10 12; bridge_run skiff-event 2 11 13; bridge_run skiff-event 3 1 1
bridge_run skiff-hvt-event 1 9.5 6; bridge_run skiff-hvt-event 2 9 5; bridge_run skiff-hvt-event 3 20 20

"$summarize" "$out" 2>/dev/null

# verdict NAME-PREFIX MEASURED VERDICT
verdict() {
    local row
    row=$(jq -c --arg n "$1" '[.targets[] | select(.name | startswith($n))] | .[0]' "$out/summary.json")
    [ "$row" != null ] || fail "no target named '$1...'"
    jq -e --argjson m "$2" --arg v "$3" \
        '(.measured - $m) < 1e-3 and ($m - .measured) < 1e-3 and .verdict == $v' <<<"$row" >/dev/null ||
        fail "$1: got $row, expected measured $2, verdict $3"
}
verdict "echo: ping RTT p50 idle, default mode" 0.6667 met
verdict "echo: CPU per echo (flood), default mode" 0.6667 met
verdict "echo: flood echoes/s, default mode" 2.0 met
verdict "hvt echo: ping RTT p50 idle" 2.5 missed
verdict "hvt echo: flood echoes/s" 0.8333 missed
verdict "hvt echo: CPU per echo" 2.5 missed
verdict "hvt bridge: TCP x1" 0.95 met
verdict "hvt bridge: TCP x4" 0.5 missed
# A scenario without runs (skipped) gives no ratio: n/a, not a verdict.
jq -e '.ratios[] | select(.name == "echo: ping-hvt-event / solo5-hvt echoes/s (flood)") | .value == null' \
    "$out/summary.json" >/dev/null || fail "a skipped scenario's ratio is not null"
jq -e '.scenarios["solo5-hvt"].status == "skipped"' "$out/summary.json" >/dev/null ||
    fail "solo5-hvt is not reported skipped"
grep -q '| hvt echo: flood echoes/s, ping-hvt-event vs ping-event (spt) | 0.833x | >= 1x | \*\*missed\*\* |' \
    "$out/summary.md" || fail "summary.md lacks the hvt echo-rate verdict row"
echo "ok: e2e summary medians, ratios and the echo and hvt goals' verdicts"
