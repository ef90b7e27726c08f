# The host's own /dev/kvm, for the tests that run hvt guests natively
# (sourced; POSIX sh). Without one they skip with the reason, and the
# hvt_nested_* tests (tests/kvm/kvm-run --vm) cover hvt instead.
# SKIFF_KVM_REQUIRE_NATIVE=1 turns that skip into a failure (.ci/run sets it
# on machines that have a /dev/kvm, so a KVM that stopped working fails CI).

native_kvm_missing() { # prints why there is no usable /dev/kvm, or nothing
    if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
        return 0
    elif [ -e /dev/kvm ]; then
        echo "/dev/kvm is there but not usable (permissions?)"
    else
        echo "no /dev/kvm on this host"
    fi
}

# require_native_kvm: return if /dev/kvm works, else skip (77) or fail (1).
require_native_kvm() {
    why=$(native_kvm_missing)
    [ -z "$why" ] && return 0
    if [ "${SKIFF_KVM_REQUIRE_NATIVE:-0}" = 1 ]; then
        echo "FAIL (SKIFF_KVM_REQUIRE_NATIVE=1): $why"
        exit 1
    fi
    echo "SKIP: $why (the hvt_nested_* tests cover hvt here)"
    exit 77
}
