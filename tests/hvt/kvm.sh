#!/usr/bin/env bash
# Run one of the in_*.sh hvt tests where /dev/kvm works: through kvm-run,
# which uses the host's KVM or boots a nested-KVM VM with the tender, the
# guest images, these scripts and the network tools inside, and kvm_hold
# keeping a VM open meanwhile (tests/kvm/kvm_hold.c: each test starts many).
# Usage: kvm.sh KVM_RUN KVM_HOLD SKIFF GUEST_DIR MKBAD TEST.sh [ARGS...]
set -euo pipefail
kvm_run=$1 hold=$(realpath "$2") skiff=$(realpath "$3") guests=$(realpath "$4") mkbad=$(realpath "$5")
test=$6
shift 6
here=$(cd "$(dirname "$0")" && pwd)
lib=$(cd "$here/../integration" && pwd)/lib.sh
exec "$kvm_run" --timeout "${SKIFF_HVT_TIMEOUT:-240}" --with-net-tools --quiet --hold "$hold" \
    --file "$skiff" --file "$guests" --file "$mkbad" --file "$here" --file "$lib" \
    -- bash "$here/$test" "$skiff" "$guests" "$mkbad" "$@"
