#!/usr/bin/env bash
# MirageOS's documented command lines (mirage.io, "Hello World" and its
# network step; the block-device examples), as a user types them:
#   solo5-hvt --net:service=tap0 -- dist/unikernel.hvt --ipv4=10.0.0.2/24
#   solo5-hvt --block:storage=disk.img --net:service=tap0 -- dist/unikernel.hvt ...
# (solo5-spt alike), no --mem: Solo5's default of 512 MiB, which must stay
# lazily allocated (the tender's resident memory of an idle guest is
# bounded). Pings with payload checks; Ctrl-C (SIGINT) ends it as it ends
# Solo5's tender: solo5-hvt exits 1 ("Exiting on signal 2"), solo5-spt dies
# of the signal.
# Usage: mirage.sh spt|hvt PREFIX OUT TOOLS
TARGET=$1 PREFIX=$2 OUT=$3 TOOLS=$4
source "$(dirname "$0")/lib.sh"

ns=${TAG}m
pod "$ns" tap0 10.0.0.1/24 # "ip tuntap add tap0 mode tap; ip addr add 10.0.0.1/24 ..."
dist=$WORK/dist
mkdir -p "$dist"
cp "$(image mirage)" "$dist/unikernel.$TARGET"
block_file "$WORK/disk.img" 1048576

launch pid "$WORK/status" ip netns exec "$ns" "solo5-$TARGET" --block:storage="$WORK/disk.img" \
    --net:service=tap0 -- "$dist/unikernel.$TARGET" --ipv4=10.0.0.2/24 >"$WORK/log" 2>&1
wait_line "$WORK/log" '^responder: mac '
grep -q "^responder: block storage block_size 512 capacity 1048576 head $BLOCK_HEAD\$" "$WORK/log" ||
    die "block device: $(grep 'responder: block' "$WORK/log")"
random_mac_ok "$(guest_mac "$WORK/log")" || die "MAC $(guest_mac "$WORK/log")"
ping_checked "$ns" 10.0.0.2 50 "$INTERVAL" 1400 6d697261 "$WORK/ping"

# Idle, with Solo5's default memory: reserved, not resident.
tpid=$(tender_pid "$pid")
sleep 1
vsz=$(awk '/^VmSize:/ { print $2 }' "/proc/$tpid/status")
rss=$(rss_kb "$tpid")
for c in $(cat /proc/"$tpid"/task/*/children 2>/dev/null); do
    rss=$((rss + $(rss_kb "$c"))) # the spt guest process
done
[ "$vsz" -ge $((512 * 1024)) ] || die "guest memory: the tender maps only $vsz KiB (--mem default 512 MiB)"
[ "$rss" -le $((48 * 1024)) ] || die "idle guest with --mem=512 (default): $rss KiB resident"
log "ok: $TARGET: default --mem=512: $vsz KiB mapped, $rss KiB resident (tender and guest) while idle"

kill -INT "$tpid"
how=$(ended "$WORK/status")
if [ "$TARGET" = hvt ]; then
    [ "$how" = "exited 1" ] || die "Ctrl-C: $how, Solo5's hvt exits 1"
    grep -q 'Exiting on signal 2' "$WORK/log" || die "Ctrl-C: $(tail -3 "$WORK/log")"
else
    [ "$how" = "signalled SIGINT" ] || die "Ctrl-C: $how, Solo5's spt dies of SIGINT"
fi
log "ok: $TARGET: mirage's command lines: 50 pings of 1400 bytes intact, block attached; Ctrl-C: $how"
