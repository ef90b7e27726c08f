# shellcheck shell=bash
# Rounds of several builds on a shared machine (sourced by bench/echo/):
# the order of the builds alternates from round to round, and results are
# medians over the rounds.

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
