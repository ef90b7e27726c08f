# mirage_image DIR NAME.TARGET (sourced by the run scripts): the path of an
# image build.sh made. Missing: a skip (77, one line) if build.sh skipped
# for want of Debian's OCaml, a failure otherwise.
mirage_image() {
    local img=$1/$2 t
    [ -f "$img" ] && { echo "$img"; return 0; }
    for t in ocamlfind ocamlopt dune; do
        command -v "$t" >/dev/null || {
            echo "SKIP: no $t: needs Debian's ocaml-nox ocaml-source ocaml-findlib ocaml-dune (./skiff.sh deps)" >&2
            exit 77
        }
    done
    echo "FAIL: no $img (did mirage_build run?)" >&2
    exit 1
}
