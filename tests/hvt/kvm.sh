#!/usr/bin/env bash
# Run one of the in_*.sh hvt tests in one of two places:
#   native  on this host's own /dev/kvm (hardware KVM or PVM): seconds;
#           skipped (77) with the reason where there is none
#   nested  inside the nested-KVM VM that kvm-run boots (QEMU/TCG with an
#           emulated SVM CPU: hardware-KVM semantics on any host), with the
#           tender, the guest images, these scripts and the network tools
#           copied in, and kvm_hold keeping a VM open meanwhile
#           (tests/kvm/kvm_hold.c: each test starts many)
# SKIFF_KVM_REQUIRE_NATIVE=1 fails a native test without /dev/kvm;
# SKIFF_KVM_REQUIRE=1 fails a nested test that cannot boot its VM.
# Usage: kvm.sh native|nested KVM_RUN KVM_HOLD SKIFF GUEST_DIR MKBAD TEST.sh [ARGS...]
set -euo pipefail
where=$1 kvm_run=$2 hold=$(realpath "$3") skiff=$(realpath "$4") guests=$(realpath "$5")
mkbad=$(realpath "$6") test=$7
shift 7
here=$(cd "$(dirname "$0")" && pwd)
lib=$(cd "$here/../integration" && pwd)/lib.sh
netns=$(cd "$here/../lib" && pwd)/netns.sh # lib.sh sources it
# The stream checker sits beside the other integration tools in the build.
export STREAMCHECK=${STREAMCHECK:-$(dirname "$mkbad")/../integration/streamcheck}

case "$where" in
native)
    source "$here/../lib/native_kvm.sh"
    require_native_kvm
    "$skiff" --version | sed -n '2p'
    exec timeout -k 10 "${SKIFF_HVT_TIMEOUT:-300}" bash "$here/$test" "$skiff" "$guests" "$mkbad" "$@"
    ;;
nested)
    exec "$kvm_run" --vm --timeout "${SKIFF_HVT_TIMEOUT:-240}" --with-net-tools --quiet \
        --env SKIFF_HVT_NESTED=1 --hold "$hold" --file "$skiff" --file "$guests" --file "$mkbad" --file "$here" \
        --file "$lib" --file "$netns" -- bash "$here/$test" "$skiff" "$guests" "$mkbad" "$@"
    ;;
*)
    echo "kvm.sh: first argument must be native or nested" >&2
    exit 2
    ;;
esac
