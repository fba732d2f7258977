#!/usr/bin/env bash
# What tracing costs (docs/TRACING.md), on the fixture networks:
#   bench/trace_overhead.sh LIB [BASE_LIB] [ROUNDS] [RUNS]
# LIB is the libpdsafe.so under test; BASE_LIB (optional, "-" for none) the
# same library built from another commit (the one before tracing, say).
# It compiles bench/trace_cost.c and prints Markdown tables:
#   1. tracing on against off, in one process: per fixture, ROUNDS rounds
#      (default 5) of RUNS runs (default 300) each way, taken in turn run by
#      run; the median over the rounds of each round's p50 and p90 latency,
#      and of the ratios on/off (with the p90 of the rounds' ratios);
#   2. with BASE_LIB, tracing off against the base library: both libraries
#      in one process (one of them in its own dlmopen namespace, which one
#      alternating by round), runs alternated one by one, tracing off;
#      the same medians and ratios;
#   3. the cost of one public call (pds_model_input_count), off and on
#      (median of 9 blocks of 200000 calls), and with BASE_LIB off against
#      the base library in one process (blocks of 20000 calls in turn).
# Runs use each fixture's case0 input (db_det also a 640x640 input, with
# PDSAFE_TRACE_BIG_RUNS runs, default 40), the fast path and 1 intra-op
# thread.
# Nothing here asserts a timing: it reports them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lib=${1:?usage: trace_overhead.sh LIB [BASE_LIB] [ROUNDS] [RUNS]}
base=${2:--}
rounds=${3:-5}
runs=${4:-300}
fx=${PDSAFE_FIXTURES:-$root/tests/fixtures}
models="pplcnet mobilenetv3 resnet db_det svtr_rec"
# The fixtures take 64x64 inputs (runs of 0.1-0.2 ms, steps of a few
# microseconds: the worst case for a per-step cost); the detector also runs
# at a real OCR size, with fewer runs.
big="db_det@1x3x640x640"
big_runs=${PDSAFE_TRACE_BIG_RUNS:-40}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc=${CC:-gcc}
$cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I"$root/include" -I"$root/cli" \
  "$root/bench/trace_cost.c" "$root/cli/npy.c" -ldl -o "$work/trace_cost"
tc=$work/trace_cost
export PDSAFE_FIXTURES=$fx

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# shellcheck disable=SC2086
"$tc" "$lib" runs "$rounds" "$runs" "$fx" $models >"$work/onoff.jsonl"
"$tc" "$lib" runs "$rounds" "$big_runs" "$fx" $big >>"$work/onoff.jsonl"
if [ "$base" != - ]; then
  # Both libraries in one process (the second in its own dlmopen namespace),
  # runs alternated one by one; which one is the second alternates by round.
  for r in $(seq 1 "$rounds"); do
    if [ $((r % 2)) = 1 ]; then a=$base b=$lib la=base lb=new; else a=$lib b=$base la=new lb=base; fi
    # shellcheck disable=SC2086
    { "$tc" ab "$a" "$b" 1 "$runs" "$fx" $models; "$tc" ab "$a" "$b" 1 "$big_runs" "$fx" $big; } |
      sed -e "s/\"round\":0/\"round\":$r/" -e "s/\"lib\":\"a\"/\"lib\":\"$la\"/" \
          -e "s/\"lib\":\"b\"/\"lib\":\"$lb\"/" >>"$work/base.jsonl"
  done
fi
"$tc" "$lib" calls 9 >"$work/calls.jsonl"
if [ "$base" != - ]; then
  # Which library sits in the second namespace alternates: that alone can
  # cost a few ns per call.
  "$tc" ab-calls "$base" "$lib" 201 | sed 's/"a_/"base_/g; s/"b_/"new_/g' >>"$work/abcalls.jsonl"
  "$tc" ab-calls "$lib" "$base" 201 | sed 's/"a_/"new_/g; s/"b_/"base_/g' >>"$work/abcalls.jsonl"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 - "$work" "$rounds" "$runs" "$models $big" <<'PY'
import json, os, statistics, sys
work, rounds, runs, models = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4].split()
med = statistics.median

def p90(v):
    v = sorted(v)
    return v[min(len(v) - 1, int(0.9 * (len(v) - 1) + 0.5))]

def load(name):
    p = os.path.join(work, name)
    return [json.loads(l) for l in open(p)] if os.path.exists(p) else []

def table(rows, key_a, key_b, label_a, label_b):
    print("| fixture | %s p50 / p90 ms | %s p50 / p90 ms | %s ÷ %s, p50: median / p90 of rounds | %s ÷ %s, p90: median / p90 of rounds |"
          % (label_a, label_b, label_b, label_a, label_b, label_a))
    print("|---|---|---|---|---|")
    for m in models:
        a = [r for r in rows if r["fixture"] == m and key_a(r)]
        b = [r for r in rows if r["fixture"] == m and key_b(r)]
        a.sort(key=lambda r: r["round"]); b.sort(key=lambda r: r["round"])
        r50 = [y["p50_ms"] / x["p50_ms"] for x, y in zip(a, b)]
        r90 = [y["p90_ms"] / x["p90_ms"] for x, y in zip(a, b)]
        print("| %s | %.4f / %.4f | %.4f / %.4f | %.3f / %.3f | %.3f / %.3f |" % (
            m, med(x["p50_ms"] for x in a), med(x["p90_ms"] for x in a),
            med(x["p50_ms"] for x in b), med(x["p90_ms"] for x in b),
            med(r50), p90(r50), med(r90), p90(r90)))
    print()

print("Tracing on against off, one process, runs alternated one by one (%d rounds of %s runs each way):\n" % (rounds, runs))
table(load("onoff.jsonl"), lambda r: r["trace"] == 0, lambda r: r["trace"] == 1, "off", "on")
b = load("base.jsonl")
if b:
    print("Tracing off against the base library, both in one process, runs alternated one by one (%d rounds of %s runs each):\n" % (rounds, runs))
    table(b, lambda r: r["lib"] == "base", lambda r: r["lib"] == "new", "base", "off")
c = load("calls.jsonl")[0]
print("One public call (pds_model_input_count, the cheapest that takes a handle), median of 9 "
      "blocks of 200000: tracing off %.1f ns, on %.1f ns." % (c["off_ns"], c["on_ns"]))
ab = load("abcalls.jsonl")
if ab:
    print("\nThe same call, tracing off, against the base library in one process (blocks of "
          "20000 calls in turn, 201 each; median / p90 of the blocks):\n")
    print("| second namespace | base ns | off ns |")
    print("|---|---|---|")
    for r, second in zip(ab, ["off", "base"]):
        print("| %s | %.1f / %.1f | %.1f / %.1f |" % (second, r["base_ns"], r["base_p90_ns"],
                                                r["new_ns"], r["new_p90_ns"]))
print("\n(db_det@1x3x640x640: %s runs per round and way.)" % os.environ.get("PDSAFE_TRACE_BIG_RUNS", "40"))
PY
