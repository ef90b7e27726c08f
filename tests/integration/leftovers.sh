#!/usr/bin/env bash
# Runs after every other integration test: nothing they created may remain —
# no skiff process, no network namespace, no TAP device of theirs.
set -euo pipefail
bad=0
SKIFF=${SKIFF:?}
if pgrep -f "^$SKIFF " >/dev/null; then
    echo "FAIL: skiff processes left: $(pgrep -a -f "^$SKIFF ")"
    bad=1
fi
if ip netns list 2>/dev/null | grep -qE '^sk[0-9]+'; then
    echo "FAIL: namespaces left: $(ip netns list | grep -E '^sk[0-9]+' | tr '\n' ' ')"
    bad=1
fi
if ip -o link show 2>/dev/null | grep -qE ': sk[0-9]+[a-z]+[:@]'; then
    echo "FAIL: TAP devices left: $(ip -o link show | grep -oE ': sk[0-9]+[a-z]+' | tr '\n' ' ')"
    bad=1
fi
[ $bad -eq 0 ] && echo "ok: no process, namespace or TAP left behind"
exit $bad
