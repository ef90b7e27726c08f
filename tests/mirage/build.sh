#!/usr/bin/env bash
# Builds MirageOS-style unikernels the way Mirage builds them, from the
# third-party source snapshots, against one Solo5-layout toolchain (skiff's
# installed prefix, or Solo5's own build tree), with nothing but Debian's
# OCaml (ocaml-nox, ocaml-source, ocaml-findlib, ocaml-dune):
#
#   1. ocaml-solo5 (the OCaml cross compiler, nolibc, openlibm) configured
#      with --target=x86_64-solo5-none-static, the toolchain's bin/ on PATH,
#      built unchanged from Debian's OCaml source (same version as the host
#      compiler: ocaml-solo5 copies the host's ocamlrun);
#   2. a dune workspace like the one `mirage configure` + opam-monorepo lay
#      out: the libraries' sources under duniverse/ (vendored), a `solo5`
#      cross context (ocamlfind toolchain solo5), and the applications in
#      tests/mirage/ with the executable stanza Mirage generates for
#      -t spt|hvt (link flags -cclib "-z solo5-abi=ABI", manifest.c from
#      solo5-elftool gen-manifest);
#   3. the images, copied to CACHE/images/NAME.{spt,hvt}.
#
# Everything is cached under CACHE: a second run rebuilds nothing unless an
# input changed (the toolchain's wrappers rebuild ocaml-solo5; its bindings
# objects relink the images; dune tracks the sources by content).
#
# Usage: build.sh CACHE TOOLCHAIN-DIR
#   TOOLCHAIN-DIR has bin/x86_64-solo5-none-static-{cc,ld}, bin/solo5-elftool
#   and lib/x86_64-solo5-none-static/solo5_{spt,hvt}.o (an install prefix).
# Exits 77 with one line when the snapshots or Debian's OCaml are missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/third_party.sh"

[ $# -eq 2 ] || { echo "usage: build.sh CACHE TOOLCHAIN-DIR" >&2; exit 2; }
mkdir -p "$1"
cache=$(cd "$1" && pwd)
tc=$(cd "$2" && pwd)
triple=x86_64-solo5-none-static
jobs=${SKIFF_MIRAGE_JOBS:-2}

# The libraries a Mirage unikernel with a network device needs on Solo5
# (mirage-solo5 v0.10.0, mirage-net-solo5 v0.8.0 and what they depend on).
pkgs=(ocaml-solo5 mirage-solo5 mirage-net-solo5 lwt bheap metrics mirage mirage-sleep
    duration ocaml-cstruct mirage-net ocaml-ipaddr logs fmt cmdliner)
tp_require "${pkgs[@]}"
for t in ocamlfind ocamlopt ocamlc dune make; do
    command -v "$t" >/dev/null ||
        tp_skip "no $t: needs Debian's ocaml-nox ocaml-source ocaml-findlib ocaml-dune (./skiff.sh deps)"
done
ocaml_version=$(ocamlc -version)
ocaml_src_tar=/usr/src/ocaml-source-$ocaml_version.tar
[ -f "$ocaml_src_tar" ] ||
    tp_skip "no $ocaml_src_tar: ocaml-solo5 builds the host's OCaml version from source (Debian's ocaml-source)"
for f in bin/$triple-cc bin/$triple-ld bin/solo5-elftool lib/$triple/solo5_spt.o lib/$triple/solo5_hvt.o; do
    [ -e "$tc/$f" ] || { echo "build.sh: $tc has no $f (not a Solo5 toolchain?)" >&2; exit 1; }
done

log() { echo "[mirage build] $*" >&2; }
# One build per cache at a time (the tests and bench/mirage share it).
exec 8>"$cache/.lock"
flock 8
export PATH=$tc/bin:$PATH

# run_logged LOG CMD...: run quietly; on failure show the log's tail.
run_logged() {
    local logf=$1
    shift
    if ! "$@" >"$logf" 2>&1; then
        log "failed: $* (log: $logf)"
        tail -30 "$logf" >&2
        return 1
    fi
}

# --- sources: one unpack per snapshot, shared by every toolchain's build
src=$(dirname "$cache")/src
mkdir -p "$src"
declare -A dir
for p in "${pkgs[@]}"; do
    dir[$p]=$(tp_unpack "$p" "$src")
done

# --- OCaml's own source as the findlib package ocaml-solo5 copies from
# (`ocamlfind query ocaml-src`): Debian ships the upstream tarball.
ocsrc=$src/ocaml-src-$ocaml_version
(
    flock 9
    if [ ! -f "$ocsrc/.skiff-unpacked" ]; then
        rm -rf "$ocsrc"
        mkdir -p "$ocsrc/findlib/ocaml-src"
        tar -xf "$ocaml_src_tar" -C "$ocsrc" --wildcards '*.orig.tar.gz'
        tar -xzf "$ocsrc"/ocaml-*/ocaml_*.orig.tar.gz -C "$ocsrc"
        rm -rf "$ocsrc"/ocaml-*/ocaml_*.orig.tar.gz
        [ -f "$ocsrc/ocaml-$ocaml_version/configure" ] || { log "no OCaml source in $ocaml_src_tar"; exit 1; }
        printf 'version = "%s"\ndescription = "OCaml %s source"\ndirectory = "%s"\n' \
            "$ocaml_version" "$ocaml_version" "$ocsrc/ocaml-$ocaml_version" >"$ocsrc/findlib/ocaml-src/META"
        touch "$ocsrc/.skiff-unpacked"
    fi
) 9>"$src/.ocaml-src.lock"

# --- 1. ocaml-solo5, rebuilt when its snapshot, the OCaml version or the
# toolchain's wrappers change.
os5=$cache/ocaml-solo5
os5_key=$( {
    cat "${dir[ocaml-solo5]}/.skiff-unpacked"
    echo "$ocaml_version"
    cat "$tc/bin/$triple-cc" "$tc/bin/$triple-ld" "$tc/include/solo5/solo5.h"
} | sha256sum | cut -c1-16)
if [ "$(cat "$os5/.skiff-built" 2>/dev/null)" != "$os5_key" ]; then
    log "building ocaml-solo5 (OCaml $ocaml_version cross compiler) against $tc; a few minutes, once"
    rm -rf "$os5"
    mkdir -p "$os5"
    cp -a "${dir[ocaml-solo5]}" "$os5/src"
    (
        cd "$os5/src"
        export OCAMLPATH=$ocsrc/findlib
        run_logged "$os5/configure.log" ./configure.sh --target=$triple --prefix="$os5/prefix"
        run_logged "$os5/build.log" make -j"$jobs"
        run_logged "$os5/install.log" make install
    )
    # ocamlfind's configuration for this cache: the host's, plus the solo5
    # toolchain ocaml-solo5 installed beside it (lib/findlib.conf.d/).
    cp "$(ocamlfind printconf conf)" "$os5/prefix/lib/findlib.conf"
    rm -rf "$os5/src/ocaml" # the compiler's build tree (~400 MB); the install stays
    echo "$os5_key" >"$os5/.skiff-built"
fi
export OCAMLFIND_CONF=$os5/prefix/lib/findlib.conf

# --- 2. the workspace
ws=$cache/ws
mkdir -p "$ws/duniverse" "$ws/app"
# copy_if_changed SRC DST: keep DST's timestamp when the content is the same.
copy_if_changed() { cmp -s "$1" "$2" 2>/dev/null || cp "$1" "$2"; }
write_if_changed() { # DST: stdin
    local tmp
    tmp=$(mktemp)
    cat >"$tmp"
    if cmp -s "$tmp" "$1" 2>/dev/null; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}
for p in "${pkgs[@]}"; do
    [ "$p" = ocaml-solo5 ] && continue
    d=$ws/duniverse/$p
    if [ "$(cat "$d/.skiff-unpacked" 2>/dev/null)" != "$(cat "${dir[$p]}/.skiff-unpacked")" ]; then
        rm -rf "$d"
        cp -a "${dir[$p]}" "$d"
    fi
done
# fmt and logs build with topkg upstream: skiff's dune files for them.
(cd "$here/overlay" && find . -type f) | while read -r f; do
    mkdir -p "$(dirname "$ws/duniverse/$f")"
    copy_if_changed "$here/overlay/$f" "$ws/duniverse/$f"
done
write_if_changed "$ws/duniverse/dune" <<'EOF'
(vendored_dirs *)
EOF
write_if_changed "$ws/dune-project" <<'EOF'
(lang dune 2.7)
EOF
# The contexts Mirage's solo5 target declares.
write_if_changed "$ws/dune-workspace" <<'EOF'
(lang dune 2.7)
(context (default))
(context (default
  (name solo5)
  (host default)
  (toolchain solo5)
  (disable_dynamically_linked_foreign_archives true)))
EOF

# app NAME MAIN LIBRARIES EXTRA-C FILES...: the application in tests/mirage/NAME,
# once per ABI under app/NAME/ABI, with the stanzas Mirage generates. An
# abi.stamp (the bindings object's checksum) relinks it when they change.
app() {
    local name=$1 main=$2 libs=$3 cstubs=$4 abi f d
    shift 4
    for abi in spt hvt; do
        d=$ws/app/$name/$abi
        mkdir -p "$d"
        for f in "$@"; do copy_if_changed "$f" "$d/$(basename "$f")"; done
        cat "$tc/lib/$triple/solo5_$abi.o" "$tc/lib/$triple/solo5_$abi.lds" | sha256sum |
            write_if_changed "$d/abi.stamp"
        write_if_changed "$d/dune" <<EOF
(executable
 (enabled_if (= %{context_name} "solo5"))
 (name $main)
 (modes (native exe))
 (libraries $libs)
 (link_flags (:standard -w -70) -cclib "-z solo5-abi=$abi")
 (link_deps abi.stamp)
 (foreign_stubs (language c) (names manifest $cstubs)))

(rule
 (targets manifest.c)
 (deps manifest.json)
 (action (run solo5-elftool gen-manifest manifest.json manifest.c)))
EOF
    done
}
# Tier 1: plain OCaml with ocaml-solo5's example startup.c (no Mirage).
app hello hello "" startup "$here/hello/hello.ml" "$here/hello/manifest.json" \
    "${dir[ocaml-solo5]}/example/startup.c"
# Tier 2: the network unikernel on mirage-solo5 and mirage-net-solo5.
app netecho main "lwt cstruct macaddr logs mirage-solo5 mirage-sleep.solo5 mirage-net-solo5" "" \
    "$here/netecho/main.ml" "$here/netecho/unikernel.ml" "$here/netecho/manifest.json"

# Nothing changed since the last build (every file dune would read from the
# workspace, the toolchain's bindings, the compiler): no dune run at all.
ws_key=$( {
    echo "$os5_key"
    find "$ws/app" "$ws/duniverse" "$ws/dune-project" "$ws/dune-workspace" -path '*/_build' -prune -o \
        -type f -printf '%P %s %T@\n' | sort
} | sha256sum | cut -c1-16)
if [ "$(cat "$cache/.skiff-built" 2>/dev/null)" = "$ws_key" ]; then
    echo "$cache/images"
    exit 0
fi

targets=()
for name in hello:hello netecho:main; do
    for abi in spt hvt; do
        targets+=("./_build/solo5/app/${name%%:*}/$abi/${name#*:}.exe")
    done
done
log "dune build (${#targets[@]} images)"
(cd "$ws" && run_logged "$cache/dune.log" dune build --root . -j "$jobs" "${targets[@]}")

# --- 3. the images
mkdir -p "$cache/images"
for name in hello:hello netecho:main; do
    for abi in spt hvt; do
        copy_if_changed "$ws/_build/solo5/app/${name%%:*}/$abi/${name#*:}.exe" "$cache/images/${name%%:*}.$abi"
    done
done
echo "$ws_key" >"$cache/.skiff-built"
echo "$cache/images"
