#!/usr/bin/env bash
# Run one of the in_*.sh hvt tests where /dev/kvm works: through kvm-run,
# which uses the host's KVM or boots a nested-KVM VM with the tender, the
# guest images, these scripts and the network tools inside.
# Usage: kvm.sh KVM_RUN SKIFF GUEST_DIR MKBAD TEST.sh [ARGS...]
set -euo pipefail
kvm_run=$1 skiff=$(realpath "$2") guests=$(realpath "$3") mkbad=$(realpath "$4")
test=$5
shift 5
here=$(cd "$(dirname "$0")" && pwd)
lib=$(cd "$here/../integration" && pwd)/lib.sh
exec "$kvm_run" --timeout "${SKIFF_HVT_TIMEOUT:-240}" --with-net-tools --quiet \
    --file "$skiff" --file "$guests" --file "$mkbad" --file "$here" --file "$lib" \
    -- bash "$here/$test" "$skiff" "$guests" "$mkbad" "$@"
