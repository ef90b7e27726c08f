# Shared helpers for skiff's namespace-based integration tests (sourced).
# Every test creates its own uniquely named TAPs and network namespaces and
# removes them on exit, whatever happened: nothing is left behind.
set -euo pipefail

SKIFF_BUILD=${SKIFF_BUILD:?SKIFF_BUILD must name the build directory}
SKIFF=${SKIFF:-$SKIFF_BUILD/tender/skiff}
GUESTS=${GUESTS:-$SKIFF_BUILD/guest}
TAG=${TAG:-sk$$}   # unique per test process; interface names <= 15 chars

# Namespaces, TAPs, carrier waits, background processes and their cleanup:
# make_netns, make_tap, move_tap, start_bg, stop_pid, ... (tests/lib/netns.sh,
# shared with the benchmarks).
source "$(dirname "${BASH_SOURCE[0]}")/../lib/netns.sh"

log() { echo "[$(basename "$0")] $*" >&2; }
die() { log "FAIL: $*"; exit 1; }

skip_unless_root() {
    if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
        echo "SKIP: needs root and /dev/net/tun"
        exit 77
    fi
}

cleanup() {
    local rc=$?
    netns_cleanup
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_attached TAP: wait until a process holds the TAP (carrier comes up).
wait_attached() {
    carrier_wait "$1" 5 || die "TAP $1 was never attached"
}

# wait_exit PID SECONDS: wait for PID; fail if it outlives the deadline.
wait_exit() {
    local pid=$1 t=$2 i
    for i in $(seq 1 $((t * 10))); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid"; return $?; }
        sleep 0.1
    done
    die "process $pid still running after ${t}s"
}

# json_get FILE JQ-EXPR
json_get() { jq -r "$2" "$1"; }

# bridge_topology OUTDIR SKIFF-ARGS...: two namespace hosts, h1 (10.78.0.1)
# and h2 (10.78.0.2), joined only through a skiff `bridge` guest whose `wan`
# NIC faces h1 and `lan` NIC faces h2. Sets NS1 NS2 TAP1 TAP2 SKIFF_PID.
# BRIDGE_IMAGE picks the image (default: the spt build).
bridge_topology() {
    local out=$1
    shift
    TAP1=${TAG}a TAP2=${TAG}b NS1=${TAG}1 NS2=${TAG}2
    make_tap "$TAP1"
    make_tap "$TAP2"
    make_netns "$NS1"
    make_netns "$NS2"
    # LAN_VIA_FD=1: lan is the TAP as an inherited plain fd (see tapfd.c).
    local pre=() lan=$TAP2
    if [ -n "${LAN_VIA_FD:-}" ]; then pre=("$TAPFD" "$TAP2"); lan=@3; fi
    # The bridge waits up to 20 s (not its 100 ms default) for room on its
    # output: a reader descheduled past 100 ms on a loaded machine would
    # make it drop, by design, where these tests check that nothing is lost.
    start_bg SKIFF_PID "${pre[@]}" "$SKIFF" --net:wan="$TAP1" --net:lan="$lan" \
        --stats="$out/stats.json" "$@" "${BRIDGE_IMAGE:-$GUESTS/bridge.spt}" -- space-wait-ms=20000 \
        >"$out/skiff.log" 2>&1
    wait_attached "$TAP1"
    wait_attached "$TAP2"
    move_tap "$TAP1" "$NS1" 10.78.0.1/24
    move_tap "$TAP2" "$NS2" 10.78.0.2/24
}

# iperf3_run OUTFILE CLIENT-ARGS...: one iperf3 client run h1 -> h2 (JSON).
iperf3_run() {
    local outf=$1 spid
    shift
    # Bounded: a one-off server whose client went away can wait forever.
    timeout 90 ip netns exec "$NS2" iperf3 -s -1 -B 10.78.0.2 >/dev/null 2>&1 &
    spid=$!
    _PIDS+=("$spid")
    local i
    for i in $(seq 1 50); do
        ip netns exec "$NS2" ss -ltn 2>/dev/null | grep -q ':5201 ' && break
        sleep 0.1
    done
    timeout 60 ip netns exec "$NS1" iperf3 -c 10.78.0.2 -J "$@" >"$outf" 2>&1 ||
        die "iperf3 $* failed: $(jq -r '.error // empty' "$outf" 2>/dev/null || tail -3 "$outf")"
    wait "$spid" 2>/dev/null || true
}

# tap_stat NS TAP COUNTER: a kernel counter of a TAP inside a namespace.
tap_stat() {
    ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"
}

# warm_up NS DST: one answered ping (up to 10 s), unchecked: neighbour
# resolution and a guest still starting are not what a test measures (a
# slow emulated VM can lose the very first echo).
warm_up() {
    timeout 15 ip netns exec "$1" ping -n -c 1 -w 10 "$2" >/dev/null 2>&1 || die "no answer from $2 at all"
}

# ping_checked NS DST COUNT INTERVAL SIZE PATTERN LOGFILE: COUNT echo
# requests of SIZE bytes filled with PATTERN, every reply checked. Not a
# flood, and not -q: only then does iputils' ping compare each reply's
# payload with what it sent ("wrong data byte ..."; its exit status stays 0).
# Fails on a corrupted payload, a duplicate, or any loss.
ping_checked() {
    local ns=$1 dst=$2 count=$3 interval=$4 size=$5 pattern=$6 logf=$7 deadline replies
    deadline=$(awk -v c="$count" -v i="$interval" 'BEGIN { printf "%d", c * i + 60 }')
    # -w: ping stops at COUNT replies, however late the last one is (without
    # it ping gives up on the last reply after twice the largest RTT, which
    # an emulated VM's jitter exceeds). While a reply is late ping may send
    # past COUNT, so what is checked is that requests 1..COUNT each got one
    # intact reply: a frame lost, corrupted or repeated still fails. (Not
    # ping's summary line: replies to requests past COUNT that ping read in
    # the same pass as the COUNTth are counted there too, and one still in
    # flight when it stops is not, so "23 transmitted, 22 received" can
    # mean all 20 answered.)
    timeout "$deadline" ip netns exec "$ns" ping -n -c "$count" -w "$((deadline - 5))" \
        -i "$interval" -s "$size" -p "$pattern" "$dst" >"$logf" 2>&1 ||
        die "ping $dst failed: $(grep -E 'transmitted|rror' "$logf" | tail -3)"
    grep -q "wrong data byte" "$logf" && die "corrupted echo payload: $(grep -m1 'wrong data' "$logf")"
    grep -q "DUP!" "$logf" && die "duplicate echo replies: $(grep -m1 'DUP!' "$logf")"
    replies=$(sed -n "s/^$((size + 8)) bytes from $dst: icmp_seq=\([0-9]*\) .*/\1/p" "$logf" |
        awk -v c="$count" '$1 >= 1 && $1 <= c && !seen[$1]++ { n++ } END { print n + 0 }')
    [ "$replies" = "$count" ] ||
        die "$replies of echo requests 1..$count got an intact reply of $((size + 8)) bytes: $(grep transmitted "$logf")"
}

# stream_checked NS_FROM NS_TO DST BYTES LOGPREFIX: one TCP stream of exactly
# BYTES from NS_FROM to DST (in NS_TO), every byte checked by streamcheck
# (tests/integration/streamcheck.c): both ends must report BYTES.
stream_checked() {
    local from=$1 to=$2 dst=$3 bytes=$4 pre=$5 rpid seed=$RANDOM
    local sc=${STREAMCHECK:?STREAMCHECK must name the streamcheck program}
    timeout 150 ip netns exec "$to" "$sc" recv "$dst" 5301 "$bytes" "$seed" >"$pre.recv" 2>&1 &
    rpid=$!
    _PIDS+=("$rpid")
    timeout 120 ip netns exec "$from" "$sc" send "$dst" 5301 "$bytes" "$seed" >"$pre.send" 2>&1 ||
        die "stream to $dst: $(cat "$pre.send")"
    wait "$rpid" || die "stream to $dst: $(cat "$pre.recv")"
    grep -qx "streamcheck: sent $bytes bytes" "$pre.send" || die "stream: $(cat "$pre.send")"
    grep -qx "streamcheck: received $bytes bytes" "$pre.recv" || die "stream: $(cat "$pre.recv")"
}

# --- process figures (from /proc), for tests that bound a process's use
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100) # no getconf in the nested-KVM VM

# cpu_ticks PID [THREAD-NAME]: user + system clock ticks of a process and
# its live child processes (the spt guest runs in one), or of the process's
# threads with that name (skiff names them skiff-io, skiff-vcpu...).
cpu_ticks() {
    local pid=$1 name=${2:-} t c sum=0
    if [ -z "$name" ]; then
        sum=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
        for c in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
            sum=$((sum + $(awk '{ print $14 + $15 }' "/proc/$c/stat" 2>/dev/null || echo 0)))
        done
        echo "$sum"
        return
    fi
    for t in /proc/"$pid"/task/*; do
        [ "$(cat "$t/comm" 2>/dev/null)" = "$name" ] || continue
        sum=$((sum + $(awk '{ print $14 + $15 }' "$t/stat")))
    done
    echo "$sum"
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
fd_count() { ls "/proc/$1/fd" | wc -l; }
thread_count() { awk '/^Threads:/ { print $2 }' "/proc/$1/status"; }

# tender_log_lines FILE: the tender's own lines ("skiff: ..."), without the
# --stats table (the guest's console output may share the file).
tender_log_lines() {
    grep '^skiff: ' "$1" | grep -vc '^skiff: stats' || true
}
