# summary.jq: bench/e2e/run's summary. Input (slurped): [meta, plan, run...].
# Per scenario: status, and median/min/max of every metric over its runs;
# then the headline ratios (medians within this invocation) and targets.

def stat: sort as $v | ($v | length) as $n
    | {median: (if $n % 2 == 1 then $v[($n - 1) / 2] else ($v[$n / 2 - 1] + $v[$n / 2]) / 2 end),
       min: $v[0], max: $v[$n - 1], n: $n};

def ok($w): $w != null and $w.status == "ok";

# One run -> {metric: value}, only for workloads that succeeded.
def metrics: .workloads as $w
    | [ (["tcp1", "tcp1r", "tcp4", "tcp4r"][] as $k | select(ok($w[$k]))
            | {key: "\($k)_gbps", value: $w[$k].gbps}),
        (["udp64", "udp512", "udp1400"][] as $k | select(ok($w[$k]))
            | ({key: "\($k)_pps", value: $w[$k].pps}, {key: "\($k)_loss_pct", value: $w[$k].loss_pct})),
        (["ping_idle", "ping_load"][] as $k | select(ok($w[$k]))
            | ({key: "\($k)_p50_ms", value: $w[$k].p50_ms}, {key: "\($k)_p99_ms", value: $w[$k].p99_ms})),
        (select(ok($w.idle)) | {key: "idle_cpu_pct", value: $w.idle.cpu.total}),
        (select(ok($w.flood)) | $w.flood
            | ({key: "flood_eps", value: .echo_per_s}, {key: "flood_rtt_avg_ms", value: .rtt_avg_ms},
               {key: "flood_cpu_us_per_echo", value: .cpu_us_per_echo},
               {key: "flood_loss_pct", value: (100 * (.sent - .received) / .sent)})),
        (select(ok($w.load_counters) and $w.load_counters.counters != null) | $w.load_counters.counters
            | ({key: "notif_per_frame", value: .notifications_per_frame},
               {key: "wakeups_per_frame", value: .wakeups_per_frame},
               {key: "kicks_per_frame", value: .kicks_per_frame},
               {key: "ring_full", value: .rx_ring_full},
               {key: "load_frames", value: .rx_frames})),
        (select(ok($w.tcp1)) | $w.tcp1.cpu.threads // {} | to_entries[]
            | {key: "cpu_tcp1_\(.key)", value: .value}),
        (select(ok($w.tcp1)) | {key: "cpu_tcp1_total", value: $w.tcp1.cpu.total})
      ] | map(select(.value != null)) | from_entries;

def ratio($a; $b): if $a == null or $b == null or $b == 0 then null else $a / $b end;

.[0] as $meta | .[1] as $plan | .[2:] as $runs
| ($plan | keys_unsorted) as $order
| ($order | map(. as $s
    | ($runs | map(select(.scenario == $s))) as $rs
    | {key: $s, value: {
        "label": $plan[$s]["label"],
        status: (if $plan[$s].skipped != null then "skipped"
                 elif ($rs | length) == 0 then "skipped"
                 elif ($rs | all(.status == "failed")) then "failed"
                 elif ($rs | any(.status == "failed")) then "partial"
                 else "ok" end),
        reason: ($plan[$s].skipped // (if ($rs | length) == 0 then "no run (time budget)" else null end)),
        failures: ($rs | map(select(.status == "failed") | {repeat, reason, logs, dir})),
        runs: ($rs | length),
        metrics: ($rs | map(metrics) | map(to_entries[]) | group_by(.key)
                  | map({key: .[0].key, value: (map(.value) | stat)}) | from_entries)
    }}) | from_entries) as $sc
| def med($s; $m): $sc[$s].metrics[$m].median // null;
  def target($name; $value; $op; $goal; $unit):
      {name: $name, measured: $value, op: $op, goal: $goal, unit: $unit,
       verdict: (if $value == null then "n/a"
                 elif $op == ">=" then (if $value >= $goal then "met" else "missed" end)
                 elif $op == "<=" then (if $value <= $goal then "met" else "missed" end)
                 elif $op == "<" then (if $value < $goal then "met" else "missed" end)
                 else "n/a" end)};
{
  meta: $meta,
  scenarios: $sc,
  ratios: [
    {name: "TCP x1 skiff-event / tapfwd", value: ratio(med("skiff-event"; "tcp1_gbps"); med("tapfwd"; "tcp1_gbps"))},
    {name: "TCP x4 skiff-event / tapfwd", value: ratio(med("skiff-event"; "tcp4_gbps"); med("tapfwd"; "tcp4_gbps"))},
    {name: "TCP x1 skiff-poll / tapfwd", value: ratio(med("skiff-poll"; "tcp1_gbps"); med("tapfwd"; "tcp1_gbps"))},
    {name: "TCP x1 skiff-event / veth", value: ratio(med("skiff-event"; "tcp1_gbps"); med("veth"; "tcp1_gbps"))},
    {name: "TCP x1 skiff-event / skiff-direct", value: ratio(med("skiff-event"; "tcp1_gbps"); med("skiff-direct"; "tcp1_gbps"))},
    {name: "TCP x1 skiff-poll / skiff-direct", value: ratio(med("skiff-poll"; "tcp1_gbps"); med("skiff-direct"; "tcp1_gbps"))},
    {name: "TCP x1 skiff-event / qemu-novhost", value: ratio(med("skiff-event"; "tcp1_gbps"); med("qemu-novhost"; "tcp1_gbps")), note: $sc["qemu-novhost"]["label"]},
    {name: "TCP x1 skiff-event / qemu-vhost", value: ratio(med("skiff-event"; "tcp1_gbps"); med("qemu-vhost"; "tcp1_gbps")), note: $sc["qemu-vhost"]["label"]},
    {name: "UDP 64 B pps skiff-event / tapfwd", value: ratio(med("skiff-event"; "udp64_pps"); med("tapfwd"; "udp64_pps"))},
    {name: "UDP 64 B pps skiff-event / skiff-direct", value: ratio(med("skiff-event"; "udp64_pps"); med("skiff-direct"; "udp64_pps"))},
    {name: "RTT p50 skiff-event / tapfwd", value: ratio(med("skiff-event"; "ping_idle_p50_ms"); med("tapfwd"; "ping_idle_p50_ms"))},
    {name: "RTT p50 skiff-poll / tapfwd", value: ratio(med("skiff-poll"; "ping_idle_p50_ms"); med("tapfwd"; "ping_idle_p50_ms"))},
    {name: "RTT p50 skiff-event / veth", value: ratio(med("skiff-event"; "ping_idle_p50_ms"); med("veth"; "ping_idle_p50_ms"))},
    (["ping-event", "ping-poll", "ping-direct", "ping-hvt-event"][] as $p | ["solo5-spt", "solo5-hvt"][] as $s
      | select(($p | test("hvt")) == ($s | test("hvt")))
      | {name: "echo: \($p) / \($s) echoes/s (flood)", value: ratio(med($p; "flood_eps"); med($s; "flood_eps"))},
        {name: "echo: \($p) / \($s) RTT p50 (idle)", value: ratio(med($p; "ping_idle_p50_ms"); med($s; "ping_idle_p50_ms"))},
        {name: "echo: \($p) / \($s) CPU per echo (flood)", value: ratio(med($p; "flood_cpu_us_per_echo"); med($s; "flood_cpu_us_per_echo"))})
  ],
  targets: [
    target("bridge TCP x1 (event) vs tapfwd"; ratio(med("skiff-event"; "tcp1_gbps"); med("tapfwd"; "tcp1_gbps")); ">="; 0.9; "x"),
    target("bridge TCP x1 (event) vs skiff-direct"; ratio(med("skiff-event"; "tcp1_gbps"); med("skiff-direct"; "tcp1_gbps")); ">="; 3; "x"),
    target("guest notifications (kicks) per forwarded frame under iperf3 load (event)"; med("skiff-event"; "kicks_per_frame"); "<="; 0.01; ""),
    target("guest notifications (kicks) per forwarded frame under iperf3 load (poll)"; med("skiff-poll"; "kicks_per_frame"); "<="; 0; ""),
    target("all notifications (kicks + wake-ups) per forwarded frame under iperf3 load (event)"; med("skiff-event"; "notif_per_frame"); "<="; 0.01; ""),
    target("idle CPU of the tender (event)"; med("skiff-event"; "idle_cpu_pct"); "<"; 1; "% of a core"),
    target("echo: ping RTT p50 idle, default mode (ping-event) vs Solo5 spt"; ratio(med("ping-event"; "ping_idle_p50_ms"); med("solo5-spt"; "ping_idle_p50_ms")); "<="; 0.8; "x"),
    target("echo: CPU per echo (flood), default mode vs Solo5 spt"; ratio(med("ping-event"; "flood_cpu_us_per_echo"); med("solo5-spt"; "flood_cpu_us_per_echo")); "<="; 0.8; "x"),
    target("echo: flood echoes/s, default mode vs Solo5 spt"; ratio(med("ping-event"; "flood_eps"); med("solo5-spt"; "flood_eps")); ">="; 1.5; "x"),
    target("bridge TCP x1 (event) vs veth"; ratio(med("skiff-event"; "tcp1_gbps"); med("veth"; "tcp1_gbps")); ">="; 0.7; "x"),
    target("idle CPU of the echo tender (ping-event)"; med("ping-event"; "idle_cpu_pct"); "<"; 1; "% of a core"),
    target("ping RTT p50 (event) vs tapfwd"; ratio(med("skiff-event"; "ping_idle_p50_ms"); med("tapfwd"; "ping_idle_p50_ms")); "<="; 2; "x"),
    target("ping RTT p50 (poll) vs tapfwd"; ratio(med("skiff-poll"; "ping_idle_p50_ms"); med("tapfwd"; "ping_idle_p50_ms")); "<="; 1.2; "x"),
    target("hvt echo: ping RTT p50 idle, ping-hvt-event vs ping-event (spt)"; ratio(med("ping-hvt-event"; "ping_idle_p50_ms"); med("ping-event"; "ping_idle_p50_ms")); "<="; 2; "x"),
    target("hvt echo: flood echoes/s, ping-hvt-event vs ping-event (spt)"; ratio(med("ping-hvt-event"; "flood_eps"); med("ping-event"; "flood_eps")); ">="; 1; "x"),
    target("hvt echo: CPU per echo (flood), ping-hvt-event vs ping-event (spt)"; ratio(med("ping-hvt-event"; "flood_cpu_us_per_echo"); med("ping-event"; "flood_cpu_us_per_echo")); "<="; 2; "x"),
    target("hvt bridge: TCP x1, skiff-hvt-event vs skiff-event (spt)"; ratio(med("skiff-hvt-event"; "tcp1_gbps"); med("skiff-event"; "tcp1_gbps")); ">="; 0.9; "x"),
    target("hvt bridge: TCP x4, skiff-hvt-event vs skiff-event (spt)"; ratio(med("skiff-hvt-event"; "tcp4_gbps"); med("skiff-event"; "tcp4_gbps")); ">="; 0.9; "x")
  ]
}
