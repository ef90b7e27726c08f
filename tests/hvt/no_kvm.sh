#!/bin/sh
# An hvt image on a machine without /dev/kvm: exit 1 with one error line
# that names the spt build, before any NIC is attached.
# Usage: no_kvm.sh SKIFF GUEST_DIR
set -u
skiff=$1 guests=$2
if [ -e /dev/kvm ]; then
    # Hide it: a private mount namespace with a fresh /dev holding only
    # /dev/null (root and unshare(1) needed; otherwise nothing to test).
    if [ "$(id -u)" = 0 ] && [ -z "${SKIFF_NO_KVM_INNER:-}" ] && command -v unshare >/dev/null; then
        exec unshare -m sh -c 'mount -t tmpfs skiff-nokvm /dev && mknod -m 666 /dev/null c 1 3 &&
            SKIFF_NO_KVM_INNER=1 exec sh "$0" "$@"' "$0" "$@"
    fi
    echo "SKIP: this machine has /dev/kvm (hiding it needs root and unshare)"
    exit 77
fi
err=$(mktemp)
trap 'rm -f "$err"' EXIT
tap=skn$$
"$skiff" --net:service="$tap" "$guests/ping.hvt" >/dev/null 2>"$err"
rc=$?
[ "$rc" = 1 ] || { echo "FAIL: exit $rc, expected 1"; cat "$err"; exit 1; }
[ "$(wc -l <"$err")" = 1 ] || { echo "FAIL: not one line:"; cat "$err"; exit 1; }
grep -q '^skiff: error: .*ping.hvt: Could not open: /dev/kvm: .*: ping.spt)$' "$err" ||
    { echo "FAIL: unexpected message:"; cat "$err"; exit 1; }
if [ -e "/sys/class/net/$tap" ]; then
    echo "FAIL: TAP $tap left behind"; exit 1
fi
echo "ok   $(cat "$err")"
