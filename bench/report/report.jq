# report.jq: summary.json -> Markdown (raw output). Medians with (min-max)
# over the repeats; targets and ratios first, since they are the headline.

def r($d): if . == null then null else (. * pow(10; $d) | round) / pow(10; $d) end;
def fmt($d): if . == null then "-" else (r($d) | tostring) end;
def cell($m; $d; $scale):
    if $m == null then "-"
    elif $m.n == 1 then ($m.median * $scale | fmt($d))
    else "\($m.median * $scale | fmt($d)) (\($m.min * $scale | fmt($d))-\($m.max * $scale | fmt($d)))" end;
def row: "| " + join(" | ") + " |";

def echo: .key | test("^(ping|solo5)-");
.meta as $meta | .scenarios as $sc
| ($sc | to_entries | map(select(echo | not))) as $rows
| ($sc | to_entries | map(select(echo))) as $erows
| ($sc | to_entries) as $all
| [
  "Machine: \($meta.machine.cpu), \($meta.machine.cpus) CPUs, Linux \($meta.machine.kernel), /dev/kvm: \($meta.machine.kvm), /dev/vhost-net: \($meta.machine.vhost_net), \($meta.machine.iperf3).",
  "Command: `\($meta.command)` (\($meta.date); \($meta.repeats) interleaved round(s), \($meta.seconds_per_workload) s per TCP and \($meta.udp_seconds) s per UDP workload, \($meta.qemu_seconds_per_workload) s for QEMU; \($meta.pings) pings at 10 ms). Figures: median (min-max) over the rounds.",
  "",
  "**Targets**",
  "",
  (["target", "measured", "goal", "verdict"] | row),
  "| --- | --- | --- | --- |",
  (.targets[] | [.name, (.measured | fmt(3)) + .unit, "\(.op) \(.goal)\(.unit)", (if .verdict == "met" then "met" elif .verdict == "missed" then "**missed**" else "n/a" end)] | row),
  "",
  "**Ratios** (medians of this invocation)",
  "",
  "| ratio | value |",
  "| --- | --- |",
  (.ratios[] | [.name + (if .note then " (" + .note + ")" else "" end), (.value | fmt(2))] | row),
  "",
  "**Throughput** (TCP Gbit/s received; UDP kpps received, loss %; -R = h2 to h1)",
  "",
  (["scenario", "status", "TCP x1", "TCP x1 -R", "TCP x4", "TCP x4 -R", "UDP 64 B", "UDP 512 B", "UDP 1400 B"] | row),
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ($rows[] | .key as $k | .value as $v | $v.metrics as $m
    | [$k + (if $v["label"] then " *(" + $v["label"] + ")*" else "" end), $v.status,
       cell($m.tcp1_gbps; 2; 1), cell($m.tcp1r_gbps; 2; 1), cell($m.tcp4_gbps; 2; 1), cell($m.tcp4r_gbps; 2; 1),
       (["udp64", "udp512", "udp1400"][] as $u | cell($m["\($u)_pps"]; 1; 0.001) + " / " + ($m["\($u)_loss_pct"].median | fmt(1)) + "%")]
    | row),
  "",
  "**Latency, CPU and notifications** (ping RTT ms p50/p99; CPU % of one core; counters over the TCP workloads)",
  "",
  (["scenario", "RTT idle p50", "RTT idle p99", "RTT load p50", "RTT load p99", "idle CPU %", "CPU % TCP x1 (threads)", "kicks/frame", "notif/frame", "wake-ups/frame", "ring-full"] | row),
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ($rows[] | select(.value.status != "skipped") | .key as $k | .value.metrics as $m
    | [$k, cell($m.ping_idle_p50_ms; 3; 1), cell($m.ping_idle_p99_ms; 3; 1), cell($m.ping_load_p50_ms; 3; 1),
       cell($m.ping_load_p99_ms; 3; 1), cell($m.idle_cpu_pct; 2; 1),
       ([$m | to_entries[] | select(.key | startswith("cpu_tcp1_")) | select(.key != "cpu_tcp1_total")
         | "\(.key | sub("cpu_tcp1_"; "")) \(.value.median | fmt(0))"] | join(", ") | if . == "" then "-" else . end),
       cell($m.kicks_per_frame; 4; 1), cell($m.notif_per_frame; 4; 1), cell($m.wakeups_per_frame; 4; 1),
       cell($m.ring_full; 0; 1)]
    | row),
  "",
  (if ($erows | length) > 0 then
     "**Echo** (one namespace host pings an echo image on a TAP: skiff's ping image, Solo5's test_net; flood: ping -f -c \($meta.flood) -s 56; CPU: every thread and child process of the tender, µs per echo; idle: ping -i 0.01)",
     "",
     (["scenario", "status", "flood echoes/s", "flood RTT avg ms", "CPU µs/echo", "flood loss %", "RTT idle p50", "RTT idle p99", "idle CPU %"] | row),
     "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
     ($erows[] | .key as $k | .value as $v | $v.metrics as $m
       | [$k + (if $v["label"] then " *(" + $v["label"] + ")*" else "" end), $v.status,
          cell($m.flood_eps; 0; 1), cell($m.flood_rtt_avg_ms; 3; 1), cell($m.flood_cpu_us_per_echo; 2; 1),
          cell($m.flood_loss_pct; 2; 1), cell($m.ping_idle_p50_ms; 3; 1), cell($m.ping_idle_p99_ms; 3; 1),
          cell($m.idle_cpu_pct; 2; 1)]
       | row),
     ""
   else empty end),
  (if ([$all[] | select(.value.status != "ok")] | length) > 0 then
     "**Skipped / failed**\n",
     ($all[] | select(.value.status != "ok") | .key as $k | .value as $v
       | if $v.status == "skipped" then "- \($k): skipped: \($v.reason)"
         else ($v.failures[] | "- \($k) round \(.repeat): failed: \(.reason) (logs: \(.logs + [.dir] | join(" ")))") end),
     ""
   else empty end)
] | .[]
