#!/usr/bin/env bash
# ping.hvt captured in every I/O mode in one boot of the nested-KVM VM:
# ring modes capture on the I/O thread, direct mode in the hypercalls.
here=$(cd "$(dirname "$0")" && pwd)
for mode in event poll direct; do
    TAG=skc$$${mode:0:1} bash "$here/capture_ping.sh" "$mode" "$GUESTS/ping.hvt" || exit $?
done
