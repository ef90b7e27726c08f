#!/usr/bin/env bash
# The hvt replays one after the other (inside the nested-KVM VM: one boot
# for all of them). Usage: all_hvt.sh PREFIX OUT TOOLS HVT_PROBE
here=$(cd "$(dirname "$0")" && pwd)
failed=0
for t in albatross urunc mirage exits; do
    echo "== $t hvt"
    bash "$here/$t.sh" hvt "$1" "$2" "$3" "$4" || { echo "FAIL $t hvt (exit $?)"; failed=1; }
done
exit $failed
