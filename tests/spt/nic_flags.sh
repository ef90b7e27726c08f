#!/usr/bin/env bash
# The TX bypass and the RX hand-off are the tender's to allow (NIC flags in
# the boot info), and the guest must not ask for what the tender never
# grants. handoff_ask sleeps once with its RX ring drained and prints whether
# it may send on the packet fd itself and whether it asked for the fd to
# read itself. Expected, per NIC configuration (tender/net/nic.h):
#   event mode                      sends 1, asks 1
#   event mode, RX --net-rate       sends 1, asks 0 (no hand-off with an RX limit)
#   event mode, TX --net-rate       sends 0, asks 0
#   event mode, --pcap              sends 0, asks 0 (the capture sees every frame)
#   poll mode, direct mode          sends 0, asks 0
# Usage: nic_flags.sh SKIFF GUEST_DIR FDPAIR. No root needed (the NIC is a
# socket pair).
set -u
skiff=$1 img=$2/handoff_ask.spt fdpair=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failed=0

check() { # name expected-sends expected-asks skiff-options...
    local name=$1 want="sends_itself=$2 asked_rx_handoff=$3"
    shift 3
    timeout -k 5 30 "$fdpair" "$skiff" "$@" --net:service=@3 "$img" >"$dir/out" 2>"$dir/err"
    local rc=$? got
    got=$(sed -n 's/^handoff_ask: //p' "$dir/out")
    if [ "$rc" = 0 ] && [ "$got" = "$want" ]; then
        echo "ok   $name: $got"
    else
        echo "FAIL $name: exit $rc, got '$got', want '$want'"
        cat "$dir/out" "$dir/err"
        failed=1
    fi
}

check event 1 1 --io=event
check event-rx-rate 1 0 --io=event --net-rate:service=rx-frames=100k
check event-rx-bytes 1 0 --io=event --net-rate:service=rx-bytes=100M
check event-tx-rate 0 0 --io=event --net-rate:service=tx-frames=100k
check event-pcap 0 0 --io=event "--pcap:service=$dir/cap.pcap"
check poll 0 0 --io=poll
check direct 0 0 --io=direct
exit $failed
