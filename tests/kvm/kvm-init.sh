#!/skiff-kvm/bin/busybox sh
# /init of the VM that kvm-run boots (busybox sh, no bash features).
# Mounts the usual file systems, loads the kernel modules that kvm-run packed
# (KVM stack, tun, veth, bridge), checks that /dev/kvm appeared, runs the
# command with a time limit, prints the result marker and powers off.
# Configuration comes from /skiff-kvm/: marker, timeout, modules.list, command.
BB=/skiff-kvm/bin/busybox
CFG=/skiff-kvm

$BB mount -t proc proc /proc
$BB --install -s
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
# /run and /tmp become tmpfs unless kvm-run packed files there (the
# initramfs root is writable memory too, so those stay usable as they are).
[ -n "$(ls -A /run)" ] || mount -t tmpfs -o mode=0755 tmpfs /run
[ -n "$(ls -A /tmp)" ] || mount -t tmpfs -o mode=1777 tmpfs /tmp
mkdir -p /run/netns
hostname skiff-kvm

# Heartbeat on the second serial port, for kvm-run to tell a frozen machine
# from a slow command.
[ -c /dev/ttyS1 ] && (while :; do echo .; sleep 2; done >/dev/ttyS1 2>&1) &

MARK=$(cat "$CFG/marker")
note() { echo "[kvm-init] $*"; }
finish() {
    # finish STATUS [EXTRA-MARKER-LINE]
    [ -z "$2" ] || echo "$MARK $2"
    echo "$MARK exit=$1"
    sync
    poweroff -f
    # Not reached; if it is, the kernel panics (panic=-1) and QEMU exits.
    exit "$1"
}

while read -r m; do
    insmod "$CFG/modules/$m" || note "insmod ${m#*-} failed"
done <"$CFG/modules.list"
ip link set lo up 2>/dev/null

if [ ! -c /dev/kvm ]; then
    if ! grep -qw svm /proc/cpuinfo; then
        why="the VM's CPU does not offer SVM"
    else
        why="kvm-amd did not create /dev/kvm: $(dmesg | grep -i -e kvm -e svm | tail -n 1)"
    fi
    note "no /dev/kvm: $why"
    finish 3 "nokvm: $why"
fi

# The VM holder (kvm-run --hold): up before the command, gone after it.
HOLD_PID=
if [ -f "$CFG/hold" ]; then
    rm -f /run/kvm-hold.ready
    "$(cat "$CFG/hold")" /run/kvm-hold.ready &
    HOLD_PID=$!
    i=0
    while [ ! -e /run/kvm-hold.ready ] && [ "$i" -lt 100 ] && kill -0 "$HOLD_PID" 2>/dev/null; do
        sleep 0.2
        i=$((i + 1))
    done
    [ -e /run/kvm-hold.ready ] || note "warning: the VM holder did not come up; running without it"
fi

T=$(cat "$CFG/timeout")
note "booted in $(cut -d' ' -f1 /proc/uptime)s; /dev/kvm ready; running the command (limit ${T}s)"
sh "$CFG/command" &
pid=$!
(
    sleep "$T"
    : >"$CFG/timed-out"
    kill -TERM "$pid" 2>/dev/null
    sleep 5
    kill -KILL "$pid" 2>/dev/null
) &
wd=$!
wait "$pid"
rc=$?
kill "$wd" 2>/dev/null
[ -z "$HOLD_PID" ] || kill "$HOLD_PID" 2>/dev/null
if [ -e "$CFG/timed-out" ]; then
    note "the command exceeded ${T}s and was killed"
    finish "$rc" timeout
fi
note "command finished at $(cut -d' ' -f1 /proc/uptime)s with status $rc"
finish "$rc"
