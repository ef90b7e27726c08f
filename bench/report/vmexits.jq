# bench/report/vmexits-report: results.jsonl (slurped) -> summary: per place,
# VM and load (forward = udp64 + udp1400 + tcp, echo), the counters summed
# over the workloads and divided by the frames the VM sent out. Counter names
# come from bench/vmexits/kvmcount.sh.

# Exit reason groups, by the kvm_exit tracepoint's isa (1 VMX, 2 SVM) and code.
def group($isa; $code):
  if $isa == 2 then
    if $code == 123 then "io" elif $code == 120 then "hlt" elif $code == 100 then "irq_window"
    elif $code == 96 then "ext_intr" elif $code == 1024 then "npf" elif $code == 124 then "msr"
    else "other" end
  elif $isa == 1 then
    ($code % 65536) as $c
    | if $c == 30 then "io" elif $c == 12 then "hlt" elif $c == 7 then "irq_window"
      elif $c == 1 then "ext_intr" elif ($c == 48 or $c == 49) then "npf"
      elif ($c == 31 or $c == 32) then "msr" else "other" end
  else "other" end;

# The same from the symbolic names the trace buffer prints (ring mode).
def symgroup($n):
  if ($n == "io" or $n == "IO_INSTRUCTION") then "io" elif ($n == "hlt" or $n == "HLT") then "hlt"
  elif ($n == "vintr" or $n == "INTERRUPT_WINDOW") then "irq_window"
  elif ($n == "interrupt" or $n == "EXTERNAL_INTERRUPT") then "ext_intr"
  elif ($n == "npf" or $n == "EPT_VIOLATION" or $n == "EPT_MISCONFIG") then "npf"
  elif ($n == "msr" or $n == "MSR_READ" or $n == "MSR_WRITE") then "msr" else "other" end;

def sumkeys($c; $re): [$c | to_entries[] | select(.key | test($re)) | .value] | add // 0;

# Doorbells and wake-ups, by kind of VM (ports from the guests' ABIs):
#  skiff  g->h: OUT to the kick port 0x4ff (ioeventfd) + NETWRITE hypercalls (0x504)
#         h->g: POLL hypercalls (0x503) -- the guest slept and was woken
#  solo5  g->h: OUT to the ring kick port 0x600 + NET_WRITE hypercalls (0x506)
#         h->g: POLL hypercalls (0x503)
#  qemu   g->h: MMIO writes outside the local APIC page (virtio notify)
#         h->g: interrupts injected with a device vector (0x20-0xeb)
def notif($k; $c):
  if $k == "skiff" then
    {g2h: (($c["pio.1.1279"] // 0) + ($c["pio.1.1284"] // 0)), h2g: ($c["pio.1.1283"] // 0)}
  elif $k == "solo5" then
    {g2h: (($c["pio.1.1536"] // 0) + ($c["pio.1.1286"] // 0)), h2g: ($c["pio.1.1283"] // 0)}
  else
    {g2h: (([$c | to_entries[] | select(.key | startswith("mmio.2."))
              | select((.key | split(".")[2] | tonumber) as $a | $a < 4276092928 or $a > 4276097023)
              | .value] | add // 0) + ($c["fast_mmio"] // 0)),
     h2g: ([$c | to_entries[] | select(.key | startswith("inj."))
              | select((.key | split(".")[1] | tonumber) as $v | $v >= 32 and $v < 236) | .value] | add // 0)}
  end;

# Raw numbers of one workload result; null where the place could not see
# them (sources: statistics readable, exit reasons traced, kvm events).
def raw:
  .counters as $c | (.sources // {stats: true, exit_reasons: true, events: "hist"}) as $src
  | (reduce ($c | to_entries[] | select(.key | startswith("exit."))) as $e ({};
       ($e.key | split(".")) as $p
       | .[if $p[1] == "sym" then symgroup($p[2:] | join(".")) else group($p[1] | tonumber; $p[2] | tonumber) end]
         += $e.value)) as $by
  | notif(.kind; $c) as $n
  | ($src.exit_reasons) as $r | ($src.events != "none") as $ev
  | {frames: .frames_out, frames_in: .frames_in,
     exits: (if $src.stats then ($c["kvm.exits"] // 0) else null end),
     io: (if $r then ($by.io // 0) else null end), hlt: (if $r then ($by.hlt // 0) else null end),
     irq_window: (if $r then ($by.irq_window // 0) else null end),
     ext_intr: (if $r then ($by.ext_intr // 0) else null end),
     npf: (if $r then ($by.npf // 0) else null end), msr: (if $r then ($by.msr // 0) else null end),
     # nested page faults that mapped a page (KVM pf_fixed): a VM's first
     # touch of a page, which a long-running VM has behind it
     first_touch: (if $src.stats then ($c["kvm.pf_fixed"] // 0) else null end),
     uexits: (if $ev then sumkeys($c; "^uexit\\.") else null end),
     pio_exits: (if $ev then sumkeys($c; "^pio\\.") else null end),
     irqs: (if $src.stats then ($c["kvm.irq_injections"] // 0) else null end),
     g2h: (if $ev then $n.g2h else null end), h2g: (if $ev then $n.h2g else null end),
     cpu_ns: ($c.cpu_ns // 0), lost_events: ($c.lost // 0), seconds: .seconds};

def load: if .workload == "echo" then "echo" else "forward" end;
def order: {"skiff-event": 1, "skiff-poll": 2, "skiff-direct": 3, "qemu-novhost": 4,
            "qemu-vhost": 5, "solo5": 6}[.] // 9;
def vmlabel: {"skiff-event": "skiff hvt --io=event", "skiff-poll": "skiff hvt --io=poll",
            "skiff-direct": "skiff hvt --io=direct", "qemu-novhost": "QEMU virtio-net vhost=off",
            "qemu-vhost": "QEMU virtio-net vhost=on", "solo5": "Solo5 hvt (test_net.hvt)"}[.] // .;

def perframe:
  . as $r | ($r.frames | if . > 0 then . else null end) as $f
  | def pf($v): if $v == null or $f == null then null else $v / $f end;
    {exits: pf($r.exits), io: pf($r.io), hlt: pf($r.hlt), irq_window: pf($r.irq_window),
     ext_intr: pf($r.ext_intr), npf: pf($r.npf), msr: pf($r.msr), first_touch: pf($r.first_touch),
     warm_exits: (if $r.exits == null then null else pf($r.exits - ($r.first_touch // 0)) end),
     # the rest of the exits; snapshot skew can make it a hair negative
     other: (if $r.exits == null or $r.io == null then null
             else pf([$r.exits - $r.io - $r.hlt - $r.irq_window - $r.ext_intr - $r.npf - $r.msr, 0] | max) end),
     uexits: pf($r.uexits), pio_exits: pf($r.pio_exits), irqs: pf($r.irqs), g2h: pf($r.g2h),
     h2g: pf($r.h2g), cpu_us: (if $r.cpu_ns > 0 then pf($r.cpu_ns / 1000) else null end)};

(map(select(.status != "skipped" and .counters != null))) as $ok
| (map(select(.status == "skipped"))) as $skipped
| {rows: ($ok | group_by([.where, .scenario, load])
    | map(. as $g | (map(raw) | reduce .[] as $x ({}; reduce ($x | keys[]) as $k (.; .[$k] += $x[$k])))
      as $sum
      | {where: $g[0].where, host: $g[0].host, scenario: $g[0].scenario, label: ($g[0].scenario | vmlabel),
         load: ($g[0] | load), failed: ([$g[] | select(.status != "ok") | "\(.workload): \(.error)"]),
         sum: $sum, per_frame: ($sum | perframe)})
    | sort_by([(.where != "nested"), .where, .load, (.scenario | order)])),
   workloads: ($ok | map({where, scenario, workload, status, offered, frames_in, frames_out, seconds,
                          traffic, raw: raw, per_frame: (raw | perframe)})),
   skipped: ($skipped | map({where, scenario, reason}))}
