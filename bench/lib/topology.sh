# bench/e2e/run helpers (sourced): per-run network topology. Two namespace
# hosts, h1 = $NS1 (10.78.9.1) and h2 = $NS2 (10.78.9.2), joined by the
# scenario's forwarder: a veth pair, tapfwd, skiff + bridge.spt, or a QEMU
# bridge guest. Echo scenarios: h1 (10.0.0.1) and an echo image on 10.0.0.2
# behind one TAP (the address Solo5's test_net answers on).
# Every namespace, TAP and process made here is remembered for cleanup_all.

ADDR1=10.78.9.1
ADDR2=10.78.9.2
ALL_NETNS=()
ALL_LINKS=()
ALL_PIDS=()

# note MSG: progress line on stderr.
note() { echo "bench: $*" >&2; }

# stop_pid PID: SIGTERM, up to 5 s grace, then SIGKILL; reaps it.
stop_pid() {
    local pid=$1 i
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup_all() {
    local p n l
    for p in "${ALL_PIDS[@]:-}"; do [ -z "$p" ] || kill -TERM "$p" 2>/dev/null || true; done
    sleep 0.3
    for p in "${ALL_PIDS[@]:-}"; do [ -z "$p" ] || kill -KILL "$p" 2>/dev/null || true; done
    for n in "${ALL_NETNS[@]:-}"; do [ -z "$n" ] || ip netns del "$n" 2>/dev/null || true; done
    for l in "${ALL_LINKS[@]:-}"; do [ -z "$l" ] || ip link del "$l" 2>/dev/null || true; done
    ALL_PIDS=() ALL_NETNS=() ALL_LINKS=()
}

# spawn VAR LOG CMD...: start CMD in the background with output to LOG.
spawn() {
    local var=$1 log=$2
    shift 2
    "$@" >"$log" 2>&1 &
    ALL_PIDS+=($!)
    printf -v "$var" '%s' $!
}

make_hosts() {
    ip netns add "$NS1" && ALL_NETNS+=("$NS1")
    ip netns add "$NS2" && ALL_NETNS+=("$NS2")
    ip -n "$NS1" link set lo up
    ip -n "$NS2" link set lo up
}

make_taps() {
    local t
    for t in "$TAP1" "$TAP2"; do
        ip tuntap add dev "$t" mode tap && ALL_LINKS+=("$t")
        ip link set "$t" up
    done
}

# wait_carrier TAP SECONDS: until a process has attached the TAP.
wait_carrier() {
    local i
    for i in $(seq 1 $(($2 * 10))); do
        [ "$(cat "/sys/class/net/$1/carrier" 2>/dev/null || echo 0)" = 1 ] && return 0
        kill -0 "$SUBJ_PID" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# place LINK NETNS ADDR: move an interface into a host and configure it.
place() {
    ip link set "$1" netns "$2"
    ip -n "$2" addr add "$3/24" dev "$1"
    ip -n "$2" link set "$1" up
}

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
        ip -n "$NS1" tuntap add dev "$TAP1" mode tap
        ip -n "$NS1" addr add 10.0.0.1/24 dev "$TAP1"
        ip -n "$NS1" link set "$TAP1" up
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
        local log=$dir/skiff.log i
        case "$sc" in solo5-*) log=$dir/solo5.log ;; esac
        spawn SUBJ_PID "$log" ip netns exec "$NS1" "${cmd[@]}"
        for i in $(seq 1 50); do
            ip -n "$NS1" link show "$TAP1" 2>/dev/null | grep -q LOWER_UP && break
            kill -0 "$SUBJ_PID" 2>/dev/null || break
            sleep 0.1
        done
        ip -n "$NS1" link show "$TAP1" 2>/dev/null | grep -q LOWER_UP ||
            { echo "$sc did not attach: $(tail -n 2 "$log" | tr '\n' ' ')"; return 1; }
        ;;
    veth)
        ip link add "$TAP1" type veth peer name "$TAP2" && ALL_LINKS+=("$TAP1")
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
topo_down() {
    local p
    for p in "${ALL_PIDS[@]:-}"; do stop_pid "$p"; done
    cleanup_all
}
