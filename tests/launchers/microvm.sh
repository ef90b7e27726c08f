#!/usr/bin/env bash
# microvm.nix's solo5-spt runner (lib/runners/solo5-spt.nix), replayed: its
# command is one string,
#   solo5-spt --mem=M --net:GUESTID=TAP --net-mac:GUESTID=MAC
#     --block:LABEL=IMAGE KERNEL KERNELPARAMS...
# (no "--"), which the microvm@ service's runner script executes in place;
# it cannot shut the guest down itself, so systemd stops it with SIGTERM,
# which ends solo5-spt by that signal. Pings with payload checks first.
# Usage: microvm.sh spt PREFIX OUT TOOLS
TARGET=$1 PREFIX=$2 OUT=$3 TOOLS=$4
source "$(dirname "$0")/lib.sh"
[ "$TARGET" = spt ] || die "microvm.nix runs only solo5-spt"

ns=${TAG}v tap=${TAG}vt
pod "$ns" "$tap" 10.55.0.1/24
block_file "$WORK/vol.img" 65536
command="$(command -v solo5-spt) --mem=64 --net:service=$tap --net-mac:service=02:6d:76:00:00:01"
command+=" --block:storage=$WORK/vol.img $(image mirage) --ipv4=10.55.0.2/24"
printf '#!/bin/sh\nexec %s\n' "$command" >"$WORK/microvm-run"
chmod +x "$WORK/microvm-run"

launch pid "$WORK/status" ip netns exec "$ns" "$WORK/microvm-run" >"$WORK/log" 2>&1
wait_line "$WORK/log" '^responder: mac 02:6d:76:00:00:01 '
grep -q "^responder: block storage block_size 512 capacity 65536 head $BLOCK_HEAD\$" "$WORK/log" ||
    die "block device: $(grep 'responder: block' "$WORK/log")"
ping_checked "$ns" 10.55.0.2 50 "$INTERVAL" 1000 6d766d76 "$WORK/ping"
kill -TERM "$(tender_pid "$pid")" # systemctl stop microvm@NAME
how=$(ended "$WORK/status")
[ "$how" = "signalled SIGTERM" ] || die "stop: $how, Solo5's spt dies of SIGTERM: $(tail -3 "$WORK/log")"
log "ok: spt: microvm.nix's runner: 50 pings of 1000 bytes intact, block attached; stop: $how"
