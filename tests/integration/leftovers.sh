#!/usr/bin/env bash
# Leak check around the integration tests (a ctest fixture).
#   leftovers.sh baseline   runs first: records what already exists
#   leftovers.sh check      runs last: nothing the tests created may remain —
#                           no skiff process, network namespace or TAP of theirs.
# The baseline keeps a shared machine's unrelated leftovers (another run's, an
# interrupted session's) from failing this run, and this run's from hiding.
set -euo pipefail
SKIFF=${SKIFF:?}
base=${SKIFF_BUILD:?}/leftovers.baseline

snapshot() {
    { pgrep -f "^$SKIFF " | sed 's/^/pid /' || true
      ip netns list 2>/dev/null | grep -oE '^sk[0-9]+[a-z]*' | sed 's/^/netns /' || true
      ip -o link show 2>/dev/null | grep -oE ': sk[0-9]+[a-z]+' | sed 's/^: /tap /' || true
    } | sort -u
}

case ${1:-check} in
baseline)
    snapshot >"$base"
    [ -s "$base" ] && echo "note: already present before the tests (ignored): $(tr '\n' ' ' <"$base")"
    exit 0 ;;
check)
    [ -f "$base" ] || : >"$base"
    new=$(comm -13 "$base" <(snapshot))
    if [ -n "$new" ]; then
        echo "FAIL: left behind by the tests: $(echo "$new" | tr '\n' ' ')"
        exit 1
    fi
    echo "ok: no process, namespace or TAP left behind" ;;
*) echo "usage: leftovers.sh baseline|check" >&2; exit 2 ;;
esac
