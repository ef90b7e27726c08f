#!/usr/bin/env bash
# router.hvt in every I/O mode in one go (one boot of the nested-KVM VM
# serves them all): event mode with every check, poll and direct with
# the basic ones (router_traffic.sh).
here=$(cd "$(dirname "$0")" && pwd)
for run in "event full" "poll basic" "direct basic"; do
    read -r mode level <<<"$run"
    TAG=skr$$${mode:0:1} bash "$here/router_traffic.sh" "$mode" hvt "$level" || exit $?
done
