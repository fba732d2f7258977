#!/usr/bin/env bash
# Hashes every output of every fixture case, on the reference kernels and on
# the default backends, so that a refactoring can prove its outputs are
# bit-identical: run it with the CLI built before and after, then diff.
#   bash scripts/bitcheck.sh BUILD/pdsafe OUT_FILE [FIXTURES_DIR]
#   diff before.txt after.txt     # no output: bit-identical
# One line per fixture, program file (legacy and PIR), case and kernels:
# "<fixture> <program> <case> <ref|fast> <first 16 hex digits of each
# output's sha256, in output order>", or FAIL and the error.
set -u
bin=${1:?usage: scripts/bitcheck.sh PDSAFE_BIN OUT_FILE [FIXTURES_DIR]}
out=${2:?usage: scripts/bitcheck.sh PDSAFE_BIN OUT_FILE [FIXTURES_DIR]}
fx=${3:-$(cd "$(dirname "$0")/.." && pwd)/tests/fixtures}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$out"
for d in "$fx"/*/; do
  name=$(basename "$d")
  for prog in inference.pdmodel inference.json; do
    [ -f "$d/$prog" ] || continue
    for c in $(ls "$d" | sed -n 's/^\(case[0-9]*\)\.in0\.npy$/\1/p'); do
      args=()
      for f in "$d"/"$c".in*.npy; do
        i=$(basename "$f" .npy)
        args+=(--input "${i#"$c".in}=$f")
      done
      for k in ref fast; do
        rm -rf "$tmp/o"
        if PDSAFE_KERNELS=$k "$bin" run "$d/$prog" "$d/inference.pdiparams" "${args[@]}" \
             --output-dir "$tmp/o" >/dev/null 2>"$tmp/err"; then
          h=$(cd "$tmp/o" && for f in $(ls | sort -t_ -k1,1n); do
                sha256sum <"$f" | cut -c1-16; done | tr '\n' ' ')
        else
          h="FAIL $(head -c 200 "$tmp/err")"
        fi
        echo "$name $prog $c $k $h" >>"$out"
      done
    done
  done
done
echo "$(wc -l <"$out") runs hashed into $out"
