# Source snapshots of the projects skiff is tested against (Solo5, ocaml-solo5,
# Mirage's bindings, ...), for tests and benchmarks (sourced).
#
# They are never part of skiff's tree: a test gets the directory holding the
# tarballs from SKIFF_THIRD_PARTY (CI sets it; cmake passes it on as the
# SKIFF_THIRD_PARTY cache variable), unpacks what it needs into a cache under
# the build directory once, and skips with one line naming the variable when
# the snapshots are not there.
#
#   tp_require NAME...     skip (exit 77) unless every NAME-*.tar.gz is there
#   tp_tarball NAME        the path of NAME's tarball (NAME-TAG.tar.gz)
#   tp_unpack NAME DIR     unpack NAME once under DIR; prints the source dir
#   tp_solo5 DIR           Solo5 built with its own configure.sh && make under
#                          DIR, once; prints the source (and build) dir

tp_skip() {
    echo "SKIP: $*" >&2
    exit 77
}

tp_dir() {
    local d=${SKIFF_THIRD_PARTY:-}
    [ -n "$d" ] || tp_skip "SKIFF_THIRD_PARTY is not set: point it at the third-party source snapshots (CI: ../shared/third_party) to run this"
    [ -d "$d" ] || tp_skip "SKIFF_THIRD_PARTY=$d is not a directory"
    (cd "$d" && pwd)
}

tp_tarball() {
    local d f
    d=$(tp_dir) || return $?
    # NAME-TAG.tar.gz, where TAG starts with a digit or a v ("ocaml-solo5"
    # must not match "ocaml-solo5-extras").
    for f in "$d/$1"-[0-9v]*.tar.gz; do
        [ -f "$f" ] && { echo "$f"; return 0; }
    done
    return 1
}

tp_require() {
    local n
    tp_dir >/dev/null || exit $?
    for n in "$@"; do
        tp_tarball "$n" >/dev/null ||
            tp_skip "no $n snapshot in SKIFF_THIRD_PARTY=$SKIFF_THIRD_PARTY (want $n-TAG.tar.gz)"
    done
}

# tp_unpack NAME DIR: DIR/NAME-TAG, unpacked once (a stamp names the tarball's
# checksum, so a new snapshot replaces the old one). Concurrent callers are
# serialised with flock.
tp_unpack() {
    local tb base sum src
    tb=$(tp_tarball "$1") || tp_skip "no $1 snapshot in SKIFF_THIRD_PARTY"
    mkdir -p "$2"
    base=$(basename "$tb" .tar.gz)
    src=$2/$base
    sum=$(sha256sum "$tb" | cut -c1-16)
    (
        flock 9
        if [ "$(cat "$src/.skiff-unpacked" 2>/dev/null)" != "$sum" ]; then
            rm -rf "$src"
            tar -xzf "$tb" -C "$2"
            [ -d "$src" ] || { echo "third_party: $tb did not unpack to $base/" >&2; exit 1; }
            echo "$sum" >"$src/.skiff-unpacked"
        fi
    ) 9>"$2/.$base.lock" || return 1
    echo "$src"
}

# tp_solo5 DIR: Solo5 from its snapshot, built in place with its own
# ./configure.sh && make (the tenders, bindings and tests), once.
tp_solo5() {
    local src ver
    src=$(tp_unpack solo5 "$1") || return 1
    (
        flock 9
        if [ ! -x "$src/tenders/spt/solo5-spt" ] || [ ! -f "$src/.skiff-built" ]; then
            # A tarball is not a git tree: Solo5's build wants its version
            # in include/version.h.distrib then.
            ver=$(basename "$src")
            ver=${ver#solo5-}
            [ -f "$src/include/version.h.distrib" ] ||
                printf '#ifndef __VERSION_H__\n#define __VERSION_H__\n#define SOLO5_VERSION "%s"\n#endif\n' \
                    "$ver" >"$src/include/version.h.distrib"
            (cd "$src" && ./configure.sh && make -j"$(nproc)") >"$src/.skiff-build.log" 2>&1 ||
                { echo "third_party: building Solo5 failed, see $src/.skiff-build.log" >&2; exit 1; }
            touch "$src/.skiff-built"
        fi
    ) 9>"$1/.solo5-build.lock" || return 1
    echo "$src"
}
