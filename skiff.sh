#!/usr/bin/env bash
# skiff entry script: install dependencies, build, test, run the demo.
#   ./skiff.sh demo    main job: guest bridging two network namespaces, with traffic
#   ./skiff.sh test    the whole test suite (gcc, clang, ASan+UBSan, fuzzers)
#   ./skiff.sh build   configure and build only (build/)
#   ./skiff.sh bench   the end-to-end benchmark (bench/README.md)
#   ./skiff.sh deps    install build and test dependencies (Debian/Ubuntu, root)
#   ./skiff.sh format  apply .clang-format to every C file
set -euo pipefail
cd "$(dirname "$0")"
SKIFF_SH=$PWD/$(basename "$0")
SKIFF_ARGS=("$@")

JOBS=$(nproc 2>/dev/null || echo 2)

# Root is needed for TAP devices and network namespaces. A root shell (CI,
# containers) often has no sudo; a user shell usually has: re-run through it.
need_root() {
    [ "$(id -u)" -eq 0 ] && return 0
    if command -v sudo >/dev/null 2>&1; then
        exec sudo -E "$SKIFF_SH" "${SKIFF_ARGS[@]}"
    fi
    echo "skiff.sh: error: '$1' needs root (TAP devices, network namespaces) and there is no sudo: run it as root" >&2
    exit 1
}

deps() {
    local pkgs=(build-essential cmake pkg-config clang libclang-rt-14-dev
        liburcu-dev libev-dev libcmocka-dev libseccomp-dev liburing-dev libjansson-dev
        iperf3 iputils-ping iproute2 procps jq gnuplot-nox strace tcpdump
        ocaml-nox ocaml-source ocaml-findlib ocaml-dune)
    local missing=()
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        need_root deps
        echo "skiff.sh: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

configure_build() { # dir [cmake args...]
    local dir=$1
    shift
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        ${SKIFF_THIRD_PARTY:+-DSKIFF_THIRD_PARTY="$SKIFF_THIRD_PARTY"} "$@" >/dev/null
    cmake --build "$dir" -j"$JOBS"
}

cmd_build() {
    deps
    configure_build build
}

cmd_test() {
    need_root test
    deps
    echo "== gcc build and tests"
    configure_build build
    ctest --test-dir build --output-on-failure -j1
    echo "== clang build with ASan+UBSan, fuzzers, and the same tests"
    configure_build build-asan -DCMAKE_C_COMPILER=clang -DSKIFF_SANITIZE=ON -DSKIFF_FUZZ=ON
    ctest --test-dir build-asan --output-on-failure -j1
}

cmd_demo() {
    need_root demo
    deps
    configure_build build
    exec tests/integration/demo.sh build
}

cmd_bench() {
    need_root bench
    deps
    configure_build build-release -DCMAKE_BUILD_TYPE=Release
    shift || true
    exec bench/e2e/run --build build-release "$@"
}

cmd_format() {
    git ls-files '*.c' '*.h' | xargs clang-format -i
}

case "${1:-}" in
deps) deps ;;
format) cmd_format ;;
build) cmd_build ;;
test) cmd_test ;;
demo) cmd_demo ;;
bench) cmd_bench "$@" ;;
*)
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
