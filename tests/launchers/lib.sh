# Shared by the launcher replays (sourced after setting TARGET PREFIX OUT
# TOOLS): the installed tender, the outside-built responder images, network
# namespaces and TAPs that are always removed (tests/integration/lib.sh),
# block files with a known first block, and how a launcher sees the end.
#   TARGET  spt or hvt
#   PREFIX  an installed skiff (cmake --install): bin/solo5-spt, ...
#   OUT     the responder images (this folder's Makefile)
#   TOOLS   urunc_seccomp and waitstatus (built with the tests)
export SKIFF_BUILD=$OUT
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../integration/lib.sh"
skip_unless_root
if [ "$TARGET" = hvt ]; then
    source "$here/../lib/native_kvm.sh"
    require_native_kvm # (launchers_hvt_nested runs these in the nested-KVM VM)
fi
export PATH=$PREFIX/bin:$PATH
WORK=$(mktemp -d)
trap 'rc=$?; rm -rf "$WORK"; set +e; (exit $rc); cleanup' EXIT
# Slower pings in the nested VM (emulated CPU).
if [ -n "${SKIFF_HVT_NESTED:-}" ]; then INTERVAL=0.02; else INTERVAL=0.005; fi

image() { echo "$OUT/responder-$1.$TARGET"; }

# block_file PATH BYTES: a backing file whose first 8 bytes are "skiffblk"
# (the responder prints them as 736b696666626c6b).
block_file() {
    head -c "$2" /dev/zero | tr '\0' 'Z' >"$1"
    printf 'skiffblk' | dd of="$1" conv=notrunc status=none
}
BLOCK_HEAD=736b696666626c6b

# pod NS TAP ADDR/PREFIX: a network namespace holding a persistent, up TAP
# named TAP with the host side's address (urunc's pod: tap0_urunc).
pod() {
    make_netns "$1"
    ip -n "$1" tuntap add dev "$2" mode tap
    ip -n "$1" link set "$2" up
    ip -n "$1" addr add "$3" dev "$2"
}

# wait_line FILE REGEX [SECONDS]: until FILE has a matching line.
wait_line() {
    local i
    for i in $(seq 1 $((${3:-30} * 10))); do
        grep -qE -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    die "no line matching '$2' in $1 after ${3:-30}s: $(tail -5 "$1")"
}

# guest_mac FILE: the MAC the responder printed.
guest_mac() { sed -n 's/^responder: mac \([0-9a-f:]*\) .*/\1/p' "$1" | head -1; }

# random_mac_ok MAC: locally administered (bit 1) and unicast (bit 0 clear).
random_mac_ok() { [ $((0x${1%%:*} & 3)) = 2 ]; }

# children PID: its child processes (no pgrep in the nested VM's busybox).
children() { cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | grep . || true; }

# tender_pid WAITSTATUS_PID: the tender waitstatus runs (its only child; ip
# netns exec, urunc_seccomp and taskset all execute in place).
tender_pid() {
    local i p
    for i in $(seq 1 50); do
        p=$(children "$1" | head -1)
        [ -n "$p" ] && { echo "$p"; return 0; }
        sleep 0.1
    done
    die "no child of $1"
}

# launch VAR STATUSFILE CMD...: run CMD under waitstatus in the background
# (pid in VAR); STATUSFILE gets how waitpid saw it end.
launch() {
    local var=$1 st=$2
    shift 2
    : >"$st"
    start_bg "$var" "$TOOLS/waitstatus" -o "$st" "$@"
}

# ended STATUSFILE: "exited N" or "signalled SIG...", waiting up to 60 s.
ended() {
    wait_line "$1" '^(exited|signalled) ' 60
    tail -1 "$1"
}
