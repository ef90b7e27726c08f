# Reads `tcpdump -n -xx -r FILE` and checks the ICMP echo frames in it:
# every request and reply with sequence numbers 1..COUNT is there exactly
# once, and every payload past ping's 16-byte time stamp is the -p PATTERN
# (4 bytes, hex) repeated. Prints "requests N replies M other K bad B".
# Frames are Ethernet + IPv4 (no options) + ICMP. POSIX awk (mawk).
function hex(s,   v, i) {
    v = 0
    for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
    return v
}
function finish(   n, i, type, seq, ok) {
    if (nb == 0) return
    # 14 Ethernet, 20 IPv4, ICMP type at 34, sequence at 40..41, data at 42
    if (nb < 42 || b[12] b[13] != "0800" || b[23] != "01") { other++; nb = 0; return }
    type = b[34]
    seq = hex(b[40] b[41])
    ok = 1
    for (i = 42 + 16; i < nb; i++)
        if (b[i] != pat[(i - 42) % 4]) { ok = 0; break }
    if (!ok) { bad++; if (bad <= 3) print "bad payload in seq " seq " at byte " (i - 42) > "/dev/stderr" }
    if (type == "08") { if (seq >= 1 && seq <= count) req[seq]++; nreq++ }
    else if (type == "00") { if (seq >= 1 && seq <= count) rep[seq]++; nrep++ }
    else other++
    nb = 0
}
BEGIN { for (i = 0; i < 4; i++) pat[i] = substr(pattern, 2 * i + 1, 2) }
/^[^ \t]/ { finish(); next }
/^\t0x/ {
    for (i = 2; i <= NF; i++)
        for (j = 1; j < length($i); j += 2) b[nb++] = substr($i, j, 2)
}
END {
    finish()
    dupmiss = 0
    for (s = 1; s <= count; s++) if (req[s] != 1 || rep[s] != 1) dupmiss++
    printf "requests %d replies %d other %d bad %d seq-not-once %d\n", nreq, nrep, other, bad, dupmiss
}
