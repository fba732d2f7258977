#!/usr/bin/env bash
# The cost of guard mode and of handle validation, measured (not asserted):
#   bash bench/guard_overhead.sh [BASE_COMMIT] [guard_bench options...]
# builds this checkout (build/) and BASE_COMMIT (default: the last commit
# without guard mode, 2ffc964; unpacked and built under build-guardbase/),
# then runs bench/guard_bench.c on the two libraries alternately, 3 rounds
# each, so that a shared machine's drift hits both alike. It prints each
# round's lines and a summary: per-call validation time (p50 of the rounds'
# p50s) with guard off in both builds and on in this one, and per network
# the run time with a guarded predictor against a plain one (the ratio of
# p50s, alternated in one process) and the plain run time of this build
# against the base build's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
base=${1:-2ffc964}
shift || true
export PDSAFE_BUILD_JOBS=${PDSAFE_BUILD_JOBS:-1}
PDSAFE_NINJA_TARGETS="pdsafe guard_bench" bash "$root/scripts/build.sh" "$root/build" >/dev/null
src="$root/build-guardbase/src"
if [ ! -f "$root/build-guardbase/.commit" ] || [ "$(cat "$root/build-guardbase/.commit")" != "$base" ]; then
  rm -rf "$root/build-guardbase"
  mkdir -p "$src"
  git -C "$root" archive "$base" | tar -x -C "$src"
  echo "$base" >"$root/build-guardbase/.commit"
fi
PDSAFE_NINJA_TARGETS=pdsafe bash "$src/scripts/build.sh" "$root/build-guardbase/build" \
  -DPDSAFE_BUILD_TESTS=OFF >/dev/null
new="$root/build/libpdsafe.so"
old="$root/build-guardbase/build/libpdsafe.so"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for round in 1 2 3; do
  for lib in "$old" "$new"; do
    tag=new
    [ "$lib" = "$old" ] && tag=base
    "$root/build/guard_bench" "$lib" "$root/tests/fixtures" "$@" | sed "s/^/$tag $round /" | tee -a "$out"
  done
done
python3 - "$out" "$base" <<'PY'
import re, statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
def med(tag, kind, what, key):
    v = []
    for r in rows:
        if r[0] == tag and r[2] == kind and r[3] == what[0] and (len(what) < 2 or r[4] == what[1]):
            for f in r:
                if f.startswith(key + "="):
                    v.append(float(f.split("=")[1]))
    return statistics.median(v) if v else float("nan")
print(f"\nsummary (median over 3 rounds; base = {sys.argv[2]}, without guard mode)")
print("| handle validation (pds_predictor_cancel, ns per call) | p50 | p99 |")
print("|---|---|---|")
for tag, what, label in [("base", ("off",), "base build"), ("new", ("off",), "this build, guard off"),
                         ("new", ("off-after-guard-on",), "this build, guard on elsewhere, this object unguarded"),
                         ("new", ("guard",), "this build, guarded object")]:
    print(f"| {label} | {med(tag,'validate',what,'p50'):.1f} | {med(tag,'validate',what,'p99'):.1f} |")
models = sorted({r[3] for r in rows if r[2] == "run"}, key=lambda m: [r[3] for r in rows].index(m))
print("\n| network | base p50 ms | this build, off p50 ms | off vs base | guarded p50 ms | guarded vs off (same process) |")
print("|---|---|---|---|---|---|")
for m in models:
    b, o, g = med("base","run",(m,"off"),"p50"), med("new","run",(m,"off"),"p50"), med("new","run",(m,"guard"),"p50")
    ratio = med("new","run",(m,"guard"),"ratio")
    print(f"| {m} | {b:.3f} | {o:.3f} | {o/b:.3f} | {g:.3f} | {ratio:.3f} |")
PY
