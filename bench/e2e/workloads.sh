# bench/e2e/run helpers (sourced): the workloads of one run. Each writes one
# JSON object to RUNDIR/w-NAME.json: iperf3 TCP/UDP, ping RTT percentiles, CPU
# per thread of the measured process (/proc/PID/task/*/stat), skiff's counters
# (SIGUSR1 table in its log). Needs NS1, NS2, ADDR2, SUBJ_PID, SUBJ_KIND.

CLK_TCK=$(getconf CLK_TCK)

# cpu_snap PID: "tid starttime ticks comm ns" per thread of PID and of its
# child processes (skiff's spt guest runs in one) (empty without PID).
cpu_snap() {
    local t kids
    [ -n "${1:-}" ] || return 0
    kids=$(cat /proc/"$1"/task/*/children 2>/dev/null || true)
    for t in /proc/"$1"/task/* $(for k in $kids; do echo /proc/"$k"/task/*; done); do
        # comm may hold spaces: take the fields after the closing paren.
        # schedstat's first field: time on a CPU in ns (finer than ticks).
        awk -v tid="${t##*/}" -v ns="$(cut -d' ' -f1 "$t/schedstat" 2>/dev/null || echo 0)" '{
            s = $0; lp = index(s, "("); rp = match(s, /\) [A-Z] /)
            c = substr(s, lp + 1, rp - lp - 1); gsub(/ /, "_", c)
            split(substr(s, rp + 2), f, " ") # f[1] = state, f[12] utime, f[13] stime, f[20] starttime
            print tid, f[20], f[12] + f[13], c, ns }' "$t/stat" 2>/dev/null || true
    done | sort -k2,2n -k1,1n
}

# cpu_json BEFORE AFTER SECONDS: {"threads": {label: %core}, "total": %core}.
# skiff names its threads skiff-io and skiff-vcpu (hvt) and its spt guest
# process skiff-guest; the first one is main. Others are labelled by their
# comm, summed per name.
cpu_json() {
    awk -v secs="$3" -v hz="$CLK_TCK" -v kind="$SUBJ_KIND" '
        FNR == NR { before[$1] = $3; next }
        {
            d = $3 - (($1 in before) ? before[$1] : 0); i++
            lab = $4
            if (kind ~ /^skiff-/) {
                if (i == 1) lab = "main"
                else if (lab ~ /^skiff-/) lab = substr(lab, 7)
            }
            p = 100 * d / hz / secs
            if (!(lab in pct)) order[++k] = lab
            pct[lab] += p; tot += p
        }
        END {
            printf "{\"threads\": {"
            for (j = 1; j <= k; j++) {
                sep = ", "; if (j == 1) sep = ""
                printf "%s\"%s\": %.2f", sep, order[j], pct[order[j]]
            }
            printf "}, \"total\": %.2f}\n", tot
        }' "$1" "$2"
}

# skiff_counters OUT: SIGUSR1, wait for the table in the log, write totals
# "rx_frames tx_frames notifications io_wakeups ring_full" to OUT.
skiff_counters() {
    local out=$1 log=$RUNDIR/skiff.log n i
    : >"$out"
    case "$SUBJ_KIND" in skiff-event | skiff-poll) ;; *) return 0 ;; esac
    n=$(grep -c '^skiff: stats' "$log" || true)
    kill -USR1 "$SUBJ_PID" 2>/dev/null || return 0
    for i in $(seq 1 30); do
        [ "$(grep -c '^skiff: stats' "$log" || true)" -gt "$n" ] && break
        sleep 0.05
    done
    sleep 0.05
    awk 'BEGIN { on = 0 }
        /^skiff: stats/ { on = 1; rx = tx = no = wk = rf = ki = 0; next }
        on && $2 == "rx" { rx += $3; no += $6; wk += $7; rf += $8; next }
        on && $1 == "tx" { tx += $2; no += $5 + $6; ki += $5; next }
        on && /^  / { next }
        { on = 0 }
        END { print rx, tx, no, wk, rf, ki }' "$log" >"$out"
}

# counters_json BEFORE AFTER: deltas per forwarded frame (a forwarded frame
# enters on one NIC: rx frames count it once).
counters_json() {
    [ -s "$1" ] && [ -s "$2" ] || { echo null; return 0; }
    paste "$1" "$2" | awk '{ rx = $7 - $1; tx = $8 - $2; no = $9 - $3; wk = $10 - $4; rf = $11 - $5; ki = $12 - $6
        printf "{\"rx_frames\": %d, \"tx_frames\": %d, \"notifications\": %d, \"io_wakeups\": %d, \"rx_ring_full\": %d, \"guest_kicks\": %d, ", rx, tx, no, wk, rf, ki
        printf "\"notifications_per_frame\": %.6f, \"wakeups_per_frame\": %.6f, \"kicks_per_frame\": %.6f}\n", rx ? no / rx : 0, rx ? wk / rx : 0, rx ? ki / rx : 0 }'
}

subject_alive() { [ -z "$SUBJ_PID" ] || kill -0 "$SUBJ_PID" 2>/dev/null; }

# iperf_server: one iperf3 server in h2 for the whole run.
iperf_server() {
    local i
    spawn IPERF_SPID "$RUNDIR/iperf3-server.log" ip netns exec "$NS2" iperf3 -s -B "$ADDR2"
    for i in $(seq 1 50); do
        ip netns exec "$NS2" ss -ltn 2>/dev/null | grep -q ':5201 ' && return 0
        sleep 0.1
    done
    return 1
}

# w_iperf NAME SECONDS IPERF3-ARGS...: one client run h1 -> h2, JSON out.
w_iperf() {
    local name=$1 secs=$2 raw=$RUNDIR/iperf3-$1.json b a t0 t1 err
    shift 2
    cpu_snap "$SUBJ_PID" >"$RUNDIR/cpu0"
    t0=$(date +%s.%N)
    if ! timeout $((secs + 20)) ip netns exec "$NS1" iperf3 -c "$ADDR2" -J -t "$secs" \
        --connect-timeout 3000 "$@" >"$raw" 2>&1; then
        err=$(jq -r '.error // empty' "$raw" 2>/dev/null || true)
        [ -n "$err" ] || err=$(tail -n 1 "$raw")
        jq -n --arg e "iperf3 $*: $err" --arg log "$raw" '{status: "failed", error: $e, log: $log}' >"$RUNDIR/w-$name.json"
        return 1
    fi
    t1=$(date +%s.%N)
    cpu_snap "$SUBJ_PID" >"$RUNDIR/cpu1"
    cpu_json "$RUNDIR/cpu0" "$RUNDIR/cpu1" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" >"$RUNDIR/cpu.json"
    if [ "${1:-}" = -u ]; then
        jq --slurpfile cpu "$RUNDIR/cpu.json" '.end.sum as $s | {status: "ok",
            pps: (($s.packets - $s.lost_packets) / $s.seconds), loss_pct: $s.lost_percent,
            sent_pps: ($s.packets / $s.seconds), cpu: $cpu[0]}' "$raw" >"$RUNDIR/w-$name.json"
    else
        jq --slurpfile cpu "$RUNDIR/cpu.json" '{status: "ok",
            gbps: (.end.sum_received.bits_per_second / 1e9),
            retransmits: (.end.sum_sent.retransmits // 0), cpu: $cpu[0]}' "$raw" >"$RUNDIR/w-$name.json"
    fi
}

# ping_json LOG COUNT: RTT percentiles from the per-packet "time=" values.
ping_json() {
    grep -o 'time=[0-9.]*' "$1" | cut -d= -f2 | sort -g | awk -v sent="$2" '
        { v[++n] = $1 }
        END { if (n == 0) { printf "{\"status\": \"failed\", \"error\": \"no replies\"}\n"; exit }
              p50 = v[int((n - 1) * 0.50) + 1]; p99 = v[int((n - 1) * 0.99) + 1]
              printf "{\"status\": \"ok\", \"p50_ms\": %s, \"p99_ms\": %s, \"min_ms\": %s, \"max_ms\": %s, \"received\": %d, \"sent\": %d}\n",
                  p50, p99, v[1], v[n], n, sent }'
}

# w_ping NAME COUNT: COUNT pings at 10 ms intervals.
w_ping() {
    local log=$RUNDIR/ping-$1.log
    timeout $(($2 / 100 + 15)) ip netns exec "$NS1" ping -n -i 0.01 -W 1 -c "$2" "$ADDR2" >"$log" 2>&1 || true
    ping_json "$log" "$2" >"$RUNDIR/w-$1.json"
}

# ping_during NAME COUNT: start COUNT pings (10 ms apart) in the background
# after a short delay, so they run while the caller's iperf3 stream does;
# ping_collect turns them into RUNDIR/w-NAME.json.
ping_during() {
    (sleep 0.3 && timeout $(($2 / 100 + 15)) ip netns exec "$NS1" ping -n -i 0.01 -W 1 -c "$2" "$ADDR2" \
        >"$RUNDIR/ping-$1.log" 2>&1 || true) &
    PING_BG=$!
}
ping_collect() {
    wait "$PING_BG" 2>/dev/null || true
    ping_json "$RUNDIR/ping-$1.log" "$2" >"$RUNDIR/w-$1.json"
}

# cpu_secs BEFORE AFTER: CPU seconds used between two cpu_snap files (from
# the ns counters of schedstat).
cpu_secs() {
    awk 'FNR == NR { b[$1] = $5; next } { d += $5 - (($1 in b) ? b[$1] : 0) }
        END { printf "%.6f\n", d / 1e9 }' "$1" "$2"
}

# w_flood NAME COUNT: ping -f -c COUNT -s 56 to the echo image: echoes/s,
# RTT average and the CPU of the echo tender (all threads and children) per
# echo.
w_flood() {
    local log=$RUNDIR/ping-$1.log t0 t1 cs
    cpu_snap "$SUBJ_PID" >"$RUNDIR/cpu0"
    t0=$(date +%s.%N)
    timeout $(($2 / 1000 + 60)) ip netns exec "$NS1" ping -n -q -f -c "$2" -w $(($2 / 1000 + 50)) -s 56 \
        "$ADDR2" >"$log" 2>&1 || true
    t1=$(date +%s.%N)
    cpu_snap "$SUBJ_PID" >"$RUNDIR/cpu1"
    cs=$(cpu_secs "$RUNDIR/cpu0" "$RUNDIR/cpu1")
    cpu_json "$RUNDIR/cpu0" "$RUNDIR/cpu1" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" >"$RUNDIR/cpu.json"
    awk -v cs="$cs" -v sent="$2" '
        / packets transmitted/ { rx = $4; for (i = 1; i <= NF; i++) if ($i == "time") ms = $(i + 1) + 0 }
        /^rtt / { split($4, r, "/"); avg = r[2] }
        END { if (rx == 0 || ms == 0) { printf "{\"status\": \"failed\", \"error\": \"flood ping: no replies\"}\n"; exit }
              printf "{\"status\": \"ok\", \"sent\": %d, \"received\": %d, \"echo_per_s\": %.1f, \"rtt_avg_ms\": %s, \"cpu_s\": %s, \"cpu_us_per_echo\": %.3f}\n",
                  sent, rx, rx / (ms / 1000), avg, cs, cs * 1e6 / rx }' "$log" |
        jq --slurpfile cpu "$RUNDIR/cpu.json" '. + {cpu: $cpu[0]}' >"$RUNDIR/w-$1.json"
    jq -e '.status == "ok"' "$RUNDIR/w-$1.json" >/dev/null
}

# w_idle NAME SECONDS: CPU of the measured process with no traffic.
w_idle() {
    local t0 t1
    [ -n "$SUBJ_PID" ] || { echo '{"status": "n/a"}' >"$RUNDIR/w-$1.json"; return 0; }
    sleep 0.3 # let the last workload drain
    cpu_snap "$SUBJ_PID" >"$RUNDIR/cpu0"
    t0=$(date +%s.%N)
    sleep "$2"
    t1=$(date +%s.%N)
    cpu_snap "$SUBJ_PID" >"$RUNDIR/cpu1"
    cpu_json "$RUNDIR/cpu0" "$RUNDIR/cpu1" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" |
        jq '{status: "ok", cpu: .}' >"$RUNDIR/w-$1.json"
}
