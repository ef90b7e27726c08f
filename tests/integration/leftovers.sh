#!/usr/bin/env bash
# Leak check around the integration tests (a ctest fixture).
#   leftovers.sh baseline   runs first: records what already exists
#   leftovers.sh check      runs last: nothing the tests created may remain —
#                           no skiff process, network namespace or TAP of theirs.
# The baseline keeps a shared machine's unrelated leftovers (an interrupted
# run's) from failing this run, and this run's from hiding. Namespaces
# and links another run creates meanwhile are not this run's: of what is new,
# only what this run's tests recorded creating (tests/lib/netns.sh) fails,
# with this build's skiff processes; the rest is noted.
set -euo pipefail
SKIFF=${SKIFF:?}
base=${SKIFF_BUILD:?}/leftovers.baseline
log=${SKIFF_NETNS_LOG:-$SKIFF_BUILD/netns-created.log}

snapshot() {
    { pgrep -f "^$SKIFF " | sed 's/^/pid /' || true
      ip netns list 2>/dev/null | grep -oE '^sk[0-9]+[a-z]*' | sed 's/^/netns /' || true
      ip -o link show 2>/dev/null | grep -oE ': sk[0-9]+[a-z]+' | sed 's/^: /tap /' || true
    } | sort -u
}

case ${1:-check} in
baseline)
    snapshot >"$base"
    : >"$log"
    [ -s "$base" ] && echo "note: already present before the tests (ignored): $(tr '\n' ' ' <"$base")"
    exit 0 ;;
check)
    [ -f "$base" ] || : >"$base"
    all=$(comm -13 "$base" <(snapshot))
    [ -f "$log" ] || : >"$log"
    new=$(grep -E '^pid ' <<<"$all" || true; grep -Fxf <(sort -u "$log") <<<"$all" || true)
    others=$(grep -vFxf <(echo "$new") <<<"$all" || true)
    [ -z "$others" ] || echo "note: appeared meanwhile, not created by these tests (ignored): $(echo "$others" | tr '\n' ' ')"
    if [ -n "$new" ]; then
        echo "FAIL: left behind by the tests: $(echo "$new" | tr '\n' ' ')"
        exit 1
    fi
    echo "ok: no process, namespace or TAP left behind" ;;
*) echo "usage: leftovers.sh baseline|check" >&2; exit 2 ;;
esac
