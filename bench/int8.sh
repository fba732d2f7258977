#!/usr/bin/env bash
# int8 against float32 fake quantisation on QDQ models (BENCHMARKS.md "int8"):
#   bench/int8.sh PDSAFE_BIN MODEL.pdmodel=INPUT.npy... [-- ROUNDS ITERS THREADS...]
# PDSAFE_BIN is a built pdsafe (build/pdsafe); each MODEL is a legacy QDQ
# program (the model zoo's quant_* models: ~/.cache/pdsafe-zoo/models/
# quant_mobilenet_v2_qat/legacy/inference.pdmodel with ../in0.npy) run on
# INPUT. Defaults: 5 rounds of 30 runs at 1 and 2 threads.
#
# Per round, thread count and model, one after the other (the order rotates
# by round): pdsafe with its int8 convolutions (the default), pdsafe with
# --no-int8 (the same graph, float32 fake quantisation on oneDNN), and
# Paddle Inference 3.3.1 in its best configuration that runs the model (IR
# passes and oneDNN, float32: Paddle's enable_mkldnn_int8 runs but its
# outputs are wrong, see BENCHMARKS.md) through bench/int8_paddle.py, with
# 5 warm-up runs each. The table gives, per model and thread count, the
# median over rounds of each variant's p50 / p90, and the per-round ratios
# fp32 p50 / int8 p50 and Paddle p50 / int8 p50 as median [min, max].
# Needs python3 with the paddlepaddle wheel (tools/fixtures/requirements.txt)
# for the Paddle column; without it that column is left out. Asserts nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:?usage: int8.sh PDSAFE_BIN MODEL.pdmodel=INPUT.npy... [-- ROUNDS ITERS THREADS...]}
shift
models=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do models+=("$1"); shift; done
[ $# -gt 0 ] && shift
rounds=${1:-5}
iters=${2:-30}
shift 2 2>/dev/null || shift $#
threads=("$@")
[ ${#threads[@]} -gt 0 ] || threads=(1 2)
[ ${#models[@]} -gt 0 ] || { echo "int8.sh: no MODEL=INPUT given" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
paddle=1
python3 -c "import paddle.inference" 2>/dev/null || paddle=0

# variant VARIANT ROUND THREADS MODEL INPUT: one JSON line into speed.jsonl
variant() {
  local tag="{\"round\": $2, \"threads\": $3, \"model\": \"$4\", \"variant\": \"$1\", "
  case $1 in
    int8 | fp32)
      local flag=()
      [ "$1" = fp32 ] && flag=(--no-int8)
      "$bin" bench "$4" -i "0=$5" "${flag[@]}" --threads "$3" --iters "$iters" --warmup 5 \
        --quiet --json - 2>/dev/null | sed "s|^{|$tag|" >>"$work/speed.jsonl" ;;
    paddle)
      python3 "$root/bench/int8_paddle.py" "$4" "$5" "$3" "$iters" 2>/dev/null |
        sed "s|^{|$tag|" >>"$work/speed.jsonl" ;;
  esac
}

variants=(int8 fp32)
[ $paddle = 1 ] && variants+=(paddle)
for ((r = 0; r < rounds; r++)); do
  for t in "${threads[@]}"; do
    for spec in "${models[@]}"; do
      n=${#variants[@]}
      for ((k = 0; k < n; k++)); do
        variant "${variants[$(((k + r) % n))]}" "$r" "$t" "${spec%%=*}" "${spec#*=}"
      done
    done
  done
done

python3 - "$work/speed.jsonl" "$rounds" "$iters" <<'EOF'
import json, os, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
rounds, iters = sys.argv[2:4]
med = statistics.median
print(f"{rounds} rounds x {iters} runs per variant (order rotating by round)\n")
have_paddle = any(r["variant"] == "paddle" for r in rows)
head = "| model | threads | int8 p50 / p90 ms | fp32 fake-quant p50 / p90 ms | fp32 / int8 (p50, median [min, max] of rounds)"
if have_paddle:
    head += " | Paddle oneDNN fp32 p50 / p90 ms | Paddle / int8"
print(head + " | int8 steps |")
print("|" + "---|" * (head.count("|") + 1))
for m in dict.fromkeys(r["model"] for r in rows):
    for t in sorted({r["threads"] for r in rows}):
        by = {v: [r for r in rows if r["model"] == m and r["threads"] == t and r["variant"] == v]
              for v in ("int8", "fp32", "paddle")}
        def ratios(v):
            out = []
            for rd in sorted({r["round"] for r in by["int8"]}):
                a = [r for r in by[v] if r["round"] == rd]
                b = [r for r in by["int8"] if r["round"] == rd]
                if a and b:
                    out.append(a[0]["p50_ms"] / b[0]["p50_ms"])
            return out
        f = lambda v, k: med(r[k] for r in by[v])
        fr = ratios("fp32")
        name = os.path.basename(os.path.dirname(os.path.dirname(m))) or m
        line = (f"| {name} | {t} | {f('int8','p50_ms'):.2f} / {f('int8','p90_ms'):.2f} "
                f"| {f('fp32','p50_ms'):.2f} / {f('fp32','p90_ms'):.2f} "
                f"| {med(fr):.2f}x [{min(fr):.2f}, {max(fr):.2f}]")
        if have_paddle:
            pr = ratios("paddle")
            line += (f" | {f('paddle','p50_ms'):.2f} / {f('paddle','p90_ms'):.2f} "
                     f"| {med(pr):.2f}x [{min(pr):.2f}, {max(pr):.2f}]") if pr else " | - | -"
        print(line + f" | {by['int8'][0].get('int8_steps', '?')} |")
EOF
