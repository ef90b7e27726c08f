# shellcheck shell=bash
# Network namespaces, TAPs and the processes using them, for the tests
# (tests/integration/lib.sh) and the benchmarks (bench/lib/topology.sh,
# bench/echo/) alike (sourced). Everything made here is remembered, and
# netns_cleanup undoes all of it: processes stopped (SIGTERM, SIGKILL after
# a grace period), namespaces and links deleted. On a shared machine names
# must be unique per process (callers build them from a tag such as sk$$);
# interface names have at most 15 characters. Needs root; uses only ip(8)
# and shell built-ins, so it also runs in the nested-KVM VM of tests/kvm.
#
#   make_netns NS                 a namespace with lo up
#   make_tap TAP                  a persistent TAP here, up (MTU $TAP_MTU if
#                                 set), for a tender to open
#   make_veth A B                 a veth pair here
#   make_tap_in NS TAP ADDR/LEN   a TAP made in namespace NS, addressed
#                                 and up, for a tender started in NS (ip
#                                 netns exec) to open: moving a TAP a tender
#                                 holds takes it down for a moment, and some
#                                 tenders (solo5-hvt) die of the failed write
#   move_tap LINK NS ADDR/LEN     move a TAP (or any link) into NS, address
#                                 it, up; a tender keeps its fd
#   carrier_wait TAP SECS [NS [PID]]
#                                 until a process holds the TAP (its carrier
#                                 is up); 1 after SECS, or as soon as PID is
#                                 gone
#   start_bg VAR CMD...           CMD in the background, its pid in VAR
#   stop_pid PID [SECS]           SIGTERM, up to SECS (5) to exit, SIGKILL;
#                                 reaped (only a child of this shell)
#   netns_cleanup                 stop every process started or put in
#                                 _PIDS, delete every namespace and link

[ -z "${_NETNS_SH:-}" ] || return 0 # sourced once: the lists stay
_NETNS_SH=1
_NETNS=()
_LINKS=()
_PIDS=()

# What this run created, for tests/integration/leftovers.sh: on a shared
# machine another run's namespaces are not ours to report. Best effort (a
# read-only build tree, as inside the nested VM, records nothing).
_NETNS_LOG=${SKIFF_NETNS_LOG:-${SKIFF_BUILD:+$SKIFF_BUILD/netns-created.log}}
_netns_record() {
    [ -z "$_NETNS_LOG" ] || { echo "$1 $2" >>"$_NETNS_LOG"; } 2>/dev/null || true
}

make_netns() {
    _netns_record netns "$1"
    ip netns add "$1"
    _NETNS+=("$1")
    ip -n "$1" link set lo up
}

make_tap() {
    _netns_record tap "$1"
    ip tuntap add dev "$1" mode tap
    _LINKS+=("$1")
    ip link set "$1" ${TAP_MTU:+mtu "$TAP_MTU"} up
}

make_veth() {
    _netns_record tap "$1"
    ip link add "$1" type veth peer name "$2"
    _LINKS+=("$1")
}

make_tap_in() {
    ip -n "$1" tuntap add dev "$2" mode tap
    ip -n "$1" addr add "$3" dev "$2"
    ip -n "$1" link set "$2" up
}

move_tap() {
    ip link set "$1" netns "$2"
    ip -n "$2" addr add "$3" dev "$1"
    ip -n "$2" link set "$1" up
}

carrier_wait() {
    local tap=$1 secs=$2 ns=${3:-} pid=${4:-} i
    for ((i = 0; i < secs * 20; i++)); do
        if [ -n "$ns" ]; then
            ip -n "$ns" link show dev "$tap" 2>/dev/null | grep -q LOWER_UP && return 0
        else
            [ "$(cat "/sys/class/net/$tap/carrier" 2>/dev/null || echo 0)" = 1 ] && return 0
        fi
        [ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

start_bg() {
    local var=$1
    shift
    "$@" &
    _PIDS+=($!)
    printf -v "$var" '%s' $!
}

# netns_child PID [live]: PID is still a child of this shell (and, with
# "live", not a zombie). A pid already waited for may have been reused by
# someone else's process: never signal that.
netns_child() {
    local st
    { read -r st <"/proc/$1/stat"; } 2>/dev/null || return 1
    st=${st##*) } # after the command name, which may hold spaces
    set -- $st "${2:-}" # state ppid ... live
    [ "$2" = "$BASHPID" ] && { [ "${!#}" != live ] || [ "$1" != Z ]; }
}

stop_pid() {
    local pid=$1 secs=${2:-5}
    [ -n "$pid" ] || return 0
    netns_child "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    local end=$((SECONDS + secs))
    while [ "$SECONDS" -lt "$end" ] && netns_child "$pid" live; do
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# Every process still ours gets SIGTERM at once, then one grace period in
# common, then SIGKILL.
netns_cleanup() {
    local p n l alive ours=()
    for p in "${_PIDS[@]:-}"; do
        [ -n "$p" ] && netns_child "$p" && ours+=("$p") && { kill -TERM "$p" 2>/dev/null || true; }
    done
    local end=$((SECONDS + 5))
    while [ "$SECONDS" -lt "$end" ]; do
        alive=0
        for p in "${ours[@]:-}"; do
            [ -n "$p" ] && netns_child "$p" live && alive=1 && break
        done
        [ "$alive" = 1 ] || break
        sleep 0.05
    done
    for p in "${ours[@]:-}"; do
        [ -n "$p" ] && netns_child "$p" && { kill -KILL "$p" 2>/dev/null || true; }
    done
    for p in "${_PIDS[@]:-}"; do
        [ -z "$p" ] || wait "$p" 2>/dev/null || true
    done
    for n in "${_NETNS[@]:-}"; do
        [ -z "$n" ] || ip netns del "$n" 2>/dev/null || true
    done
    for l in "${_LINKS[@]:-}"; do
        [ -z "$l" ] || ip link del "$l" 2>/dev/null || true
    done
    _PIDS=() _NETNS=() _LINKS=()
}
