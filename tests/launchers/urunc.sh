#!/usr/bin/env bash
# urunc, replayed from what it documents (urunc-dev/urunc: the hvt and spt
# monitors, the mirage and rumprun unikernel types). urunc picks the
# monitor from the container's annotation (com.urunc.unikernel.hypervisor),
# finds solo5-hvt / solo5-spt on PATH and, in the pod's network namespace
# where its TAP is always called tap0_urunc, executes:
#   solo5-hvt --mem=M --net:service=tap0_urunc --block:storage=FILE IMAGE ARGS
#     (MirageOS: ARGS --ipv4=A/N --ipv4-gateway=G and the container's command)
#   solo5-hvt --mem=M --net:tap=tap0_urunc --block:rootfs=FILE IMAGE JSON
#     (rumprun: its JSON configuration on the command line)
# as one string split at spaces, without "--" and without --net-mac; its
# current releases add --net-mac:NIC=MAC and "--" before the image (third
# shape). For hvt it first loads its seccomp filter (urunc_seccomp.c: 43
# system calls, everything else SIGSYS) and executes the tender under it;
# spt runs unfiltered by urunc. Each run answers payload-checked pings and
# the guest exits 0 after them; the first one answers 200 pings of 1,000
# bytes. Two pods with the same NIC and TAP names must get different MACs.
# The last pod is deleted (SIGTERM, after SIGUSR1 printed the counters):
# solo5-hvt exits 1, solo5-spt dies of the signal, as Solo5's tenders.
# Usage: urunc.sh spt|hvt PREFIX OUT TOOLS
TARGET=$1 PREFIX=$2 OUT=$3 TOOLS=$4
if [ "$TARGET" = hvt ] && [ -n "${SKIFF_SANITIZED:-}" ]; then
    echo "SKIP: a sanitizer build's runtime makes system calls outside urunc's 43 before main (readlink of /proc/self/exe first): it dies of SIGSYS under urunc's filter; the gcc pass runs this replay"
    exit 77
fi
source "$(dirname "$0")/lib.sh"

tender=$(command -v "solo5-$TARGET") # exec.LookPath, as urunc
filter=()
[ "$TARGET" = hvt ] && filter=("$TOOLS/urunc_seccomp")

# pod_run NAME SHAPE PINGS: one pod (namespace NAME, tap0_urunc 10.N.0.1/24,
# the guest 10.N.0.2) running the guest in SHAPE, answering PINGS pings.
n=60
pod_run() {
    local name=$1 shape=$2 pings=$3 ns=${TAG}$1 blk=$WORK/$1.img pid
    n=$((n + 1))
    local ip=10.$n.0.2 gw=10.$n.0.1 cmd
    pod "$ns" tap0_urunc "$gw/24"
    block_file "$blk" 65536
    case $shape in
    mirage)
        cmd="$tender --mem=256 --net:service=tap0_urunc --block:storage=$blk $(image mirage)"
        cmd+=" --ipv4=$ip/24 --ipv4-gateway=$gw --count=$pings"
        ;;
    rumprun)
        cmd="$tender --mem=256 --net:tap=tap0_urunc --block:rootfs=$blk $(image rumprun)"
        cmd+=" {\"cmdline\":\"responder --count=$pings\",\"net\":{\"if\":\"ukvmif0\",\"cloner\":\"True\","
        cmd+="\"type\":\"inet\",\"method\":\"static\",\"addr\":\"$ip\",\"mask\":\"1\",\"gw\":\"$gw\"},"
        cmd+="\"blk\":{\"source\":\"etfs\",\"path\":\"/dev/ld0a\",\"fstype\":\"blk\",\"mountpoint\":\"/data\"}}"
        ;;
    stop)
        cmd="$tender --mem=256 --net:service=tap0_urunc --block:storage=$blk $(image mirage)"
        cmd+=" --ipv4=$ip/24 --ipv4-gateway=$gw"
        ;;
    current)
        cmd="$tender --mem=256 --net:service=tap0_urunc --net-mac:service=02:75:72:75:6e:63"
        cmd+=" --block:storage=$blk -- $(image mirage) --ipv4=$ip/24 --ipv4-gateway=$gw --count=$pings"
        ;;
    esac
    local words
    read -r -a words <<<"$cmd" # strings.Split(cmdString, " ")
    launch pid "$WORK/$name.status" ip netns exec "$ns" "${filter[@]}" "${words[@]}" \
        >"$WORK/$name.log" 2>&1
    wait_line "$WORK/$name.log" '^responder: mac '
    local tpid
    tpid=$(tender_pid "$pid")
    if [ "$TARGET" = hvt ]; then
        grep -q '^skiff: sandbox: started under a seccomp filter .*hvt runs the guest on one thread in --io=direct mode' \
            "$WORK/$name.log" || die "$name: no sandbox line: $(head -3 "$WORK/$name.log")"
        [ "$(thread_count "$tpid")" = 1 ] || die "$name: the tender runs $(thread_count "$tpid") threads"
        grep -q '^Seccomp:[[:space:]]*2' "/proc/$tpid/status" || die "$name: not under the filter"
    else
        grep -q '^skiff: sandbox' "$WORK/$name.log" && die "$name: spt should not be filtered by urunc"
    fi
    grep -q "^responder: block [a-z]* block_size 512 capacity 65536 head $BLOCK_HEAD\$" "$WORK/$name.log" ||
        die "$name: block device: $(grep 'responder: block' "$WORK/$name.log")"
    ping_checked "$ns" "$ip" "$pings" "$INTERVAL" 1000 a5c3e1f0 "$WORK/$name.ping"
    local how want="exited 0"
    if [ "$shape" = stop ]; then
        # Kubernetes deletes the pod: SIGTERM to the tender. Before that,
        # SIGUSR1 prints the counters and the guest carries on.
        kill -USR1 "$tpid"
        wait_line "$WORK/$name.log" '^skiff: stats'
        ping_checked "$ns" "$ip" 5 "$INTERVAL" 1000 a5c3e1f0 "$WORK/$name.ping2"
        kill -TERM "$tpid"
        want=$([ "$TARGET" = hvt ] && echo "exited 1" || echo "signalled SIGTERM")
    fi
    how=$(ended "$WORK/$name.status")
    [ "$how" = "$want" ] || die "$name: the tender $how, want $want: $(tail -5 "$WORK/$name.log")"
    if [ "$shape" = stop ]; then
        [ "$TARGET" = spt ] || grep -q '^skiff: Exiting on signal 15' "$WORK/$name.log" ||
            die "$name: $(tail -3 "$WORK/$name.log")"
    else
        grep -q "^responder: $pings echo replies\$" "$WORK/$name.log" || die "$name: $(tail -3 "$WORK/$name.log")"
    fi
    MAC=$(guest_mac "$WORK/$name.log")
    log "ok: $TARGET $shape: $pings pings of 1000 bytes answered, payloads intact; block attached; MAC $MAC; $how"
}

pod_run a mirage 200
mac_a=$MAC
pod_run b mirage 20
random_mac_ok "$mac_a" && random_mac_ok "$MAC" || die "MACs $mac_a, $MAC: not locally administered unicast"
[ "$mac_a" != "$MAC" ] || die "two pods, same NIC and TAP names, same MAC $MAC"
log "ok: two pods with NIC service on tap0_urunc: MACs $mac_a and $MAC"
pod_run c rumprun 20
pod_run d current 20
[ "$MAC" = 02:75:72:75:6e:63 ] || die "--net-mac ignored: the guest has $MAC"
pod_run e stop 10

# The guest's wall clock, inside the filter: clock_gettime(2) is not among
# the 43 calls, and the vDSO needs none only where the clock source allows.
launch pid "$WORK/wall.status" "${filter[@]}" "$tender" "$(image none)" --then=wall >"$WORK/wall.log" 2>&1
how=$(ended "$WORK/wall.status")
wall=$(sed -n 's/^responder: wall //p' "$WORK/wall.log")
[ "$how" = "exited 0" ] && [ -n "$wall" ] && [ $((wall - $(date +%s))) -le 60 ] &&
    [ $(($(date +%s) - wall)) -le 60 ] || die "wall clock: $how, '$wall', now $(date +%s): $(tail -3 "$WORK/wall.log")"
log "ok: $TARGET: the guest's wall clock is the host's ($wall; clock source $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null))"
