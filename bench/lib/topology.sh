# shellcheck shell=bash
# Benchmark topologies (sourced by bench/e2e/run, e2e/pktrate, e2e/ab and
# vmexits/vmexits-in): two namespace hosts, h1 = $NS1 (10.78.9.1) and
# h2 = $NS2 (10.78.9.2), joined by the scenario's forwarder: a veth pair,
# tapfwd, skiff + bridge.spt, or a QEMU bridge guest. Echo scenarios: h1
# (10.0.0.1) and an echo image on 10.0.0.2 behind one TAP (the address
# Solo5's test_net answers on). Namespaces, TAPs, processes and their
# cleanup are tests/lib/netns.sh's, shared with the tests.

source "$(dirname "${BASH_SOURCE[0]}")/../../tests/lib/netns.sh"

ADDR1=10.78.9.1
ADDR2=10.78.9.2

# note MSG: progress line on stderr.
note() { echo "bench: $*" >&2; }

# spawn VAR LOG CMD...: start CMD in the background with output to LOG.
spawn() {
    local var=$1 log=$2
    shift 2
    start_bg "$var" "$@" >"$log" 2>&1
}

make_hosts() {
    make_netns "$NS1"
    make_netns "$NS2"
}

make_taps() {
    make_tap "$TAP1"
    make_tap "$TAP2"
}

# wait_carrier TAP SECONDS: until the measured process has attached the TAP.
wait_carrier() { carrier_wait "$1" "$2" "" "$SUBJ_PID"; }

# place LINK NETNS ADDR: move an interface into a host and configure it.
place() { move_tap "$1" "$2" "$3/24"; }

place_taps() {
    place "$TAP1" "$NS1" "$ADDR1"
    place "$TAP2" "$NS2" "$ADDR2"
}

# topo_up SCENARIO RUNDIR: build the topology; sets SUBJ_PID (the process
# whose threads are measured, empty for veth) and SUBJ_KIND. On failure
# prints the reason and returns 1.
topo_up() {
    local sc=$1 dir=$2 mode
    SUBJ_PID= SUBJ_KIND=none ADDR2=10.78.9.2
    make_hosts
    case "$sc" in
    ping-* | solo5-*)
        # The TAP is made, addressed and up in h1 before the echo tender
        # opens it there (ip netns exec): moving an attached TAP between
        # namespaces takes it down, and solo5-hvt dies of the EIO its first
        # write then gets.
        ADDR2=10.0.0.2
        make_tap_in "$NS1" "$TAP1" 10.0.0.1/24
        mode=${sc##*-}
        local cmd=()
        case "$sc" in
        ping-hvt-*) SUBJ_KIND=skiff-$mode
            cmd=("$SKIFF" --io="$mode" --net:service="$TAP1" --stats="$dir/stats.json" "$GUESTS/ping.hvt" -- 10.0.0.2) ;;
        ping-*) SUBJ_KIND=skiff-$mode
            cmd=("$SKIFF" --io="$mode" --net:service="$TAP1" --stats="$dir/stats.json" "$GUESTS/ping.spt" -- 10.0.0.2) ;;
        solo5-*) SUBJ_KIND=$sc
            cmd=("${SOLO5_TENDER[$mode]}" --net:service0="$TAP1" "${SOLO5_IMAGE[$mode]}") ;;
        esac
        # ip netns exec execs the command: the pid is the tender's.
        local log=$dir/skiff.log
        case "$sc" in solo5-*) log=$dir/solo5.log ;; esac
        spawn SUBJ_PID "$log" ip netns exec "$NS1" "${cmd[@]}"
        carrier_wait "$TAP1" 5 "$NS1" "$SUBJ_PID" ||
            { echo "$sc did not attach: $(tail -n 2 "$log" | tr '\n' ' ')"; return 1; }
        ;;
    veth)
        make_veth "$TAP1" "$TAP2"
        place "$TAP1" "$NS1" "$ADDR1"
        place "$TAP2" "$NS2" "$ADDR2"
        ;;
    tapfwd)
        make_taps
        SUBJ_KIND=tapfwd
        spawn SUBJ_PID "$dir/tapfwd.log" "$TAPFWD" "$TAP1" "$TAP2"
        wait_carrier "$TAP1" 5 && wait_carrier "$TAP2" 5 || { echo "tapfwd did not attach"; return 1; }
        place_taps
        ;;
    skiff-*)
        make_taps
        # NAME-readv: the same with one read/write per frame (--io-uring=off)
        local base=${sc%-readv} uring=--io-uring=auto
        [ "$base" = "$sc" ] || uring=--io-uring=off
        mode=${base##*-}
        SUBJ_KIND=skiff-$mode
        local image=$GUESTS/bridge.spt
        case "$sc" in skiff-hvt-*) image=$GUESTS/bridge.hvt ;; esac
        spawn SUBJ_PID "$dir/skiff.log" "$SKIFF" --io="$mode" "$uring" --net:wan="$TAP1" \
            --net:lan="$TAP2" --stats="$dir/stats.json" "$image"
        wait_carrier "$TAP1" 5 && wait_carrier "$TAP2" 5 ||
            { echo "skiff did not attach: $(tail -n 2 "$dir/skiff.log" | tr '\n' ' ')"; return 1; }
        place_taps
        ;;
    qemu-*)
        make_taps
        SUBJ_KIND=qemu
        qemu_start "$sc" "$dir" || return 1
        place_taps
        ;;
    *)
        echo "unknown scenario $sc"
        return 1
        ;;
    esac
}

# qemu_start SCENARIO RUNDIR: boot the bridge guest on $TAP1/$TAP2.
qemu_start() {
    local vhost=off i
    [ "$1" = qemu-vhost ] && vhost=on
    # QEMU_ACCEL (bench/e2e/run): kvm on hardware KVM only; a stock Linux guest
    # cannot boot on a software KVM such as PVM.
    spawn SUBJ_PID "$2/qemu.log" timeout -s KILL 900 qemu-system-x86_64 -accel "${QEMU_ACCEL:-tcg}" \
        -name bench,debug-threads=on -m 256 -smp 1 -nodefaults -no-user-config -display none \
        -serial "file:$2/console.log" -kernel "$QEMU_KERNEL" -initrd "$QEMU_INITRD" \
        -append "console=ttyS0 quiet panic=-1" \
        -netdev "tap,id=n0,ifname=$TAP1,script=no,downscript=no,vhost=$vhost" \
        -device virtio-net-pci,netdev=n0,mac=52:54:00:78:09:01 \
        -netdev "tap,id=n1,ifname=$TAP2,script=no,downscript=no,vhost=$vhost" \
        -device virtio-net-pci,netdev=n1,mac=52:54:00:78:09:02
    for i in $(seq 1 900); do # boot: up to 90 s under TCG
        grep -q BENCH-BRIDGE-READY "$2/console.log" 2>/dev/null && break
        kill -0 "$SUBJ_PID" 2>/dev/null || { echo "qemu exited: $(tail -n 2 "$2/qemu.log" | tr '\n' ' ')"; return 1; }
        sleep 0.1
    done
    grep -q BENCH-BRIDGE-READY "$2/console.log" 2>/dev/null || { echo "guest not ready after 90 s"; return 1; }
    # `timeout` is the spawned pid; measure QEMU itself.
    local child
    child=$(pgrep -P "$SUBJ_PID" -x qemu-system-x86 || true)
    [ -z "$child" ] || SUBJ_PID=$child
}

# topo_down: stop the run's processes, remove its namespaces and links.
topo_down() { netns_cleanup; }
