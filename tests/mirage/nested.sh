#!/usr/bin/env bash
# The Mirage hvt tests inside the nested-KVM VM (tests/kvm/kvm-run --vm:
# hardware-KVM semantics on a host without a usable /dev/kvm): hello, the
# network test in every I/O mode (fewer, slower echoes: the CPU is
# emulated) and the closed-NIC constraint, with the installed prefix and
# the images copied in.
# Usage: nested.sh PREFIX IMAGES
set -u
here=$(cd "$(dirname "$0")" && pwd)
export SKIFF_HVT_NESTED=1
failed=0
bash "$here/hello.sh" hvt "$1" "$2" || failed=1
for mode in event poll direct; do
    bash "$here/net.sh" hvt "$mode" "$1" "$2" || failed=1
done
bash "$here/closed.sh" hvt "$1" "$2" || failed=1
exit $failed
