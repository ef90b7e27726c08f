# bench/echo/echo-count and bench/echo/rx-switch helpers (sourced): one
# namespace host (10.0.0.1) with a TAP, for an echo image that answers on
# 10.0.0.2, and the alternating order of builds across rounds.

# echo_host_up NS TAP: the namespace, and the TAP in it, addressed and up
# before a tender opens it there (moving an attached TAP between namespaces
# takes it down).
echo_host_up() {
    ip netns add "$1"
    ip tuntap add dev "$2" mode tap
    ip link set "$2" netns "$1"
    ip -n "$1" addr add 10.0.0.1/24 dev "$2"
    ip -n "$1" link set "$2" up
}

# echo_host_wait NS TAP: up to 5 s for a tender to attach the TAP.
echo_host_wait() {
    local _
    for _ in $(seq 50); do
        [ "$(ip netns exec "$1" cat "/sys/class/net/$2/carrier" 2>/dev/null)" = 1 ] && return 0
        sleep 0.1
    done
}

# alternate ROUND BUILD...: sets ORDER to the builds, reversed every other
# round (A B, B A, ...), so drift on a shared machine hits them alike.
alternate() {
    local r=$1 i
    shift
    ORDER=("$@")
    if [ $((r % 2)) -eq 0 ]; then
        ORDER=()
        for ((i = $#; i >= 1; i--)); do ORDER+=("${!i}"); done
    fi
}

# jq definition of the median of an array of numbers.
JQ_MED='def med: sort | if length % 2 == 1 then .[(length - 1) / 2] else (.[length / 2 - 1] + .[length / 2]) / 2 end;'
