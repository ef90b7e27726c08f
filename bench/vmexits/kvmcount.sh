# shellcheck shell=bash
# bench/vmexits/vmexits helpers (sourced): KVM's own counters for one VM,
# read from the kernel, so every hypervisor is measured the same way.
#
#   debugfs  kvm/PID-FD/*: the per-VM statistics (the counters KVM's binary
#            stats fd, KVM_GET_STATS_FD, gives the VMM itself; KVM refuses
#            that ioctl from any other process), summed over the VM's vCPUs:
#            exits (every VM exit, those KVM handles in the kernel too),
#            io_exits, halt_exits, irq_window_exits, irq_injections, ...
#   tracefs  the kvm:* tracepoints of the VM's threads, for what the
#            statistics do not split: exits by architectural reason
#            (kvm_exit), exits to user space by reason (kvm_userspace_exit),
#            injected interrupts by vector (kvm_inj_virq), port I/O by port
#            (kvm_pio), MMIO accesses by address (kvm_mmio, kvm_fast_mmio).
#            Counted by hist triggers where the kernel has them; else
#            ("ring" mode) the events go to the trace buffer, restricted to
#            the VM's threads, and are counted per measurement window.
#
# Tracing is set up once (kc_init) and torn down once (kc_fini): turning a
# tracepoint on or off live-patches kernel code, which the emulated machine
# of tests/kvm does not always survive (tests/kvm/README.md). A measurement
# is the difference of two snapshots of one process's counters:
#   kc_snap PID begin >before; (load); kc_snap PID >after; kc_diff before after

KC_DEBUG=/sys/kernel/debug
KC_TRACE=
KC_MODE=none # hist, ring or none
KC_MOUNTS=()
KC_TRIGGERS=()
KC_EVENTS=(kvm_exit kvm_userspace_exit kvm_inj_virq kvm_pio kvm_mmio kvm_fast_mmio)
KC_SAVED_BUFFER_KB=
KC_WHY=

# kc_init: mount debugfs and tracefs when needed and set up tracing. Returns
# 1 with the reason in KC_WHY when neither KVM statistics nor kvm events can
# be had. (Not in a subshell: it keeps what it did in KC_* for kc_fini.)
kc_init() {
    if [ ! -d "$KC_DEBUG/kvm" ]; then
        mount -t debugfs debugfs "$KC_DEBUG" 2>/dev/null && KC_MOUNTS+=("$KC_DEBUG")
    fi
    if [ -d /sys/kernel/tracing/events ]; then
        KC_TRACE=/sys/kernel/tracing
    elif mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null; then
        KC_MOUNTS+=(/sys/kernel/tracing)
        KC_TRACE=/sys/kernel/tracing
    elif [ -d "$KC_DEBUG/tracing/events" ]; then
        KC_TRACE=$KC_DEBUG/tracing
    fi
    if [ -n "$KC_TRACE" ] && [ -d "$KC_TRACE/events/kvm" ]; then
        local ev keys vec
        # kvm_inj_virq's vector field was "irq" before Linux 6.3.
        vec=vector
        grep -q 'field:.* vector;' "$KC_TRACE/events/kvm/kvm_inj_virq/format" 2>/dev/null || vec=irq
        for ev in "kvm_exit common_pid,isa,exit_reason" "kvm_userspace_exit common_pid,reason" \
            "kvm_inj_virq common_pid,$vec" "kvm_pio common_pid,rw,port" "kvm_mmio common_pid,type,gpa" \
            "kvm_fast_mmio common_pid"; do
            keys="hist:keys=${ev#* }:size=4096"
            ev=${ev%% *}
            [ -e "$KC_TRACE/events/kvm/$ev/trigger" ] || continue
            if echo "$keys" >"$KC_TRACE/events/kvm/$ev/trigger" 2>/dev/null; then
                KC_TRIGGERS+=("$ev|$keys")
            fi
        done
        if [ "${#KC_TRIGGERS[@]}" -gt 0 ]; then
            KC_MODE=hist
        elif [ -w "$KC_TRACE/set_event_pid" ]; then
            # No hist triggers in this kernel: count from the trace buffer.
            KC_MODE=ring
            KC_SAVED_BUFFER_KB=$(cat "$KC_TRACE/buffer_size_kb")
            echo 0 >"$KC_TRACE/tracing_on"
            echo 16384 >"$KC_TRACE/buffer_size_kb" 2>/dev/null || true
            echo 1 >"$KC_TRACE/tracing_on"
        fi
    fi
    if [ "$KC_MODE" = none ] && [ ! -d "$KC_DEBUG/kvm" ]; then
        KC_WHY="neither KVM statistics (debugfs kvm/) nor kvm tracepoints (tracefs) here"
        return 1
    fi
    return 0
}

# kc_fini: undo kc_init.
kc_fini() {
    local t m ev
    for t in "${KC_TRIGGERS[@]:-}"; do
        [ -n "$t" ] || continue
        echo "!${t#*|}" >"$KC_TRACE/events/kvm/${t%%|*}/trigger" 2>/dev/null || true
    done
    KC_TRIGGERS=()
    if [ "$KC_MODE" = ring ]; then
        for ev in "${KC_EVENTS[@]}"; do
            echo 0 >"$KC_TRACE/events/kvm/$ev/enable" 2>/dev/null || true
        done
        : >"$KC_TRACE/set_event_pid" 2>/dev/null || true
        : >"$KC_TRACE/trace" 2>/dev/null || true
        [ -z "$KC_SAVED_BUFFER_KB" ] || echo "$KC_SAVED_BUFFER_KB" >"$KC_TRACE/buffer_size_kb" 2>/dev/null || true
    fi
    KC_MODE=none
    for m in "${KC_MOUNTS[@]:-}"; do
        [ -z "$m" ] || umount "$m" 2>/dev/null || true
    done
    KC_MOUNTS=()
}

# kc_cpu_ns PID: CPU time (ns) of every thread of PID, plus the vhost worker
# threads the kernel runs for it ("vhost-PID").
kc_cpu_ns() {
    local pid=$1 p c
    {
        cat /proc/"$pid"/task/*/schedstat 2>/dev/null
        for p in /proc/[0-9]*; do
            read -r c 2>/dev/null <"$p/comm" || continue
            [ "$c" != "vhost-$pid" ] || cat "$p"/task/*/schedstat 2>/dev/null
        done
    } | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# kc_hist_counts EVENT TIDS: "prefix.key count" from one hist trigger, for
# the given threads.
kc_hist_counts() {
    awk -v ev="$1" -v tids="$2" '
        BEGIN {
            n = split(tids, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1
            p = ev; sub(/^kvm_/, "", p)
            if (p == "userspace_exit") p = "uexit"; else if (p == "inj_virq") p = "inj"
        }
        /^\{/ {
            line = $0
            sub(/^\{ */, "", line)
            split(line, parts, "}")
            hits = parts[2]; sub(/.*hitcount: */, "", hits); hits += 0
            nk = split(parts[1], kv, ",")
            pid = ""; key = ""
            for (i = 1; i <= nk; i++) {
                name = kv[i]; val = kv[i]
                sub(/:.*/, "", name); gsub(/ /, "", name)
                sub(/^[^:]*: */, "", val); gsub(/ /, "", val); sub(/\[.*/, "", val)
                if (name == "common_pid") pid = val
                else key = key "." val
            }
            if (pid in want) s[key] += hits
        }
        END { for (k in s) print p k, s[k] }' "$KC_TRACE/events/kvm/$1/hist"
}

# kc_ring_counts: the same names from the trace buffer's text. Exit reasons
# come as symbols here: exit.sym.NAME.
kc_ring_counts() {
    awk '
        function num(x,    i, v) {
            if (x !~ /^0x/) return x + 0
            v = 0
            for (i = 3; i <= length(x); i++) v = v * 16 + index("0123456789abcdef", tolower(substr(x, i, 1))) - 1
            return v
        }
        /^#/ { next }
        {
            ev = ""
            for (i = 1; i <= NF; i++) if ($i ~ /^kvm_[a-z_]*:$/) { ev = $i; f = i; break }
            if (ev == "") next
            if (ev == "kvm_exit:") {
                for (i = f; i < NF; i++) if ($i == "reason") { s["exit.sym." $(i + 1)]++; break }
            } else if (ev == "kvm_userspace_exit:") {
                r = $0; sub(/.*\(/, "", r); sub(/\).*/, "", r); s["uexit." r]++
            } else if (ev == "kvm_pio:") {
                rw = ($(f + 1) == "pio_write") ? 1 : 0
                s["pio." rw "." num($(f + 3))]++
            } else if (ev == "kvm_inj_virq:") {
                for (i = NF; i > f; i--) if ($i ~ /^(0x)?[0-9a-f]+$/) { s["inj." num($i)]++; break }
            } else if (ev == "kvm_mmio:") {
                t = ($(f + 2) == "write") ? 2 : (($(f + 2) == "read") ? 1 : 0)
                for (i = f; i < NF; i++) if ($i == "gpa") { s["mmio." t "." num($(i + 1))]++; break }
            } else if (ev == "kvm_fast_mmio:") {
                s["fast_mmio"]++
            }
        }
        END { for (k in s) print k, s[k] }' "$KC_TRACE/trace"
}

# kc_snap PID [begin]: the counters of the VM process PID now, as "name
# value" lines: cpu_ns; kvm.STAT (debugfs, all VMs of PID); exit.ISA.REASON,
# uexit.REASON, inj.VECTOR, pio.RW.PORT, mmio.TYPE.GPA, fast_mmio (kvm
# events of PID's threads); lost (trace buffer overruns, ring mode). With
# "begin" in ring mode the trace buffer restarts empty for PID's threads.
kc_snap() {
    local pid=$1 d f v tids ev t
    echo "cpu_ns $(kc_cpu_ns "$pid")"
    for d in "$KC_DEBUG"/kvm/"$pid"-*/; do
        [ -d "$d" ] || continue
        for f in "$d"*; do
            [ -f "$f" ] || continue
            read -r v 2>/dev/null <"$f" || continue
            case "$v" in '' | *[!0-9]*) continue ;; esac
            echo "kvm.${f##*/} $v"
        done
    done | awk '{ s[$1] += $2 } END { for (k in s) print k, s[k] }'
    tids=$(ls /proc/"$pid"/task 2>/dev/null | tr '\n' ' ')
    case "$KC_MODE" in
    hist)
        for t in "${KC_TRIGGERS[@]}"; do
            kc_hist_counts "${t%%|*}" "$tids"
        done
        ;;
    ring)
        if [ "${2:-}" = begin ]; then
            echo 0 >"$KC_TRACE/tracing_on"
            echo "$tids" >"$KC_TRACE/set_event_pid"
            for ev in "${KC_EVENTS[@]}"; do
                echo 1 >"$KC_TRACE/events/kvm/$ev/enable" 2>/dev/null || true
            done
            : >"$KC_TRACE/trace"
            echo 1 >"$KC_TRACE/tracing_on"
        else
            kc_ring_counts
            cat "$KC_TRACE"/per_cpu/cpu*/stats 2>/dev/null | awk '$1 == "overrun:" { s += $2 } END { if (s) print "lost", s }'
        fi
        ;;
    esac
}

# kc_diff BEFORE AFTER: "name delta" for every counter that moved.
kc_diff() {
    awk 'NR == FNR { b[$1] = $2; next } { d = $2 - b[$1]; if (d != 0) print $1, d }' "$1" "$2"
}

# kc_sources AFTER: what the snapshot could see, as JSON.
kc_sources() {
    local stats=false reasons=false
    grep -q '^kvm\.exits ' "$1" && stats=true
    grep -q '^exit\.' "$1" && reasons=true
    printf '{"stats": %s, "exit_reasons": %s, "events": "%s"}\n' "$stats" "$reasons" "$KC_MODE"
}
