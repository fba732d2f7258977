#!/usr/bin/env bash
# bf16 against float32 (PDS_PRECISION_BF16, BENCHMARKS.md "bf16"):
#   bench/bf16.sh PDSAFE_BIN MODEL_DIR[@SHAPE]... [-- ROUNDS ITERS THREADS N_INPUTS]
# PDSAFE_BIN is a built pdsafe (build/pdsafe); each MODEL_DIR holds
# inference.pdmodel or inference.json (bench/models.py exports the former;
# scripts/fetch-ocr-models.sh fetches trained PP-OCR models as the latter)
# and, for dynamic input dims, input.npy or a SHAPE ("1x3x640x640") after
# an @. Defaults: 5 rounds of 30 runs, 1 thread, 50 inputs.
#
# Speed: per round and model, `pdsafe bench --precision fp32` and
# `--precision bf16` one after the other (which goes first alternates by
# round), the same input (input.npy when present), 5 warm-up runs; the
# table gives the median over the rounds of each one's p50 and p90 latency
# and of the per-round speed-up fp32 p50 / bf16 p50 (with its smallest and
# largest round), and the median CPU time per run of each (on a shared
# machine the steadier figure) with their ratio.
# Accuracy: bench/bf16_accuracy.c (compiled here against the library beside
# PDSAFE_BIN) on N_INPUTS seeded random inputs, bf16 against float32.
# Nothing here asserts a figure: it reports them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:?usage: bf16.sh PDSAFE_BIN MODEL_DIR... [-- ROUNDS ITERS THREADS N_INPUTS]}
shift
models=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do models+=("$1"); shift; done
[ $# -gt 0 ] && shift
rounds=${1:-5}
iters=${2:-30}
threads=${3:-1}
n_inputs=${4:-50}
[ ${#models[@]} -gt 0 ] || { echo "bf16.sh: no MODEL_DIR given" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
libdir=$(cd "$(dirname "$bin")" && pwd)
${CC:-gcc} -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I"$root/include" -I"$root/cli" \
  "$root/bench/bf16_accuracy.c" "$root/cli/npy.c" -L"$libdir" -lpdsafe \
  -Wl,-rpath,"$libdir" -lm -o "$work/bf16_accuracy"

# The program file of MODEL_DIR.
program() {
  if [ -f "$1/inference.pdmodel" ]; then echo "$1/inference.pdmodel"; else echo "$1/inference.json"; fi
}
for ((r = 0; r < rounds; r++)); do
  for spec in "${models[@]}"; do
    dir=${spec%@*}
    in=()
    if [[ $spec == *@* ]]; then in=(--shape "0=${spec#*@}")
    elif [ -f "$dir/input.npy" ]; then in=(-i "0=$dir/input.npy"); fi
    if ((r % 2 == 0)); then order="fp32 bf16"; else order="bf16 fp32"; fi
    for p in $order; do
      "$bin" bench "$(program "$dir")" "${in[@]}" --precision "$p" --threads "$threads" \
        --iters "$iters" --warmup 5 --quiet --json - 2>/dev/null |
        sed "s|^{|{\"round\": $r, \"dir\": \"$dir\", |" >>"$work/speed.jsonl"
    done
  done
done
for spec in "${models[@]}"; do
  shape=()
  [[ $spec == *@* ]] && shape=("${spec#*@}")
  "$work/bf16_accuracy" "$(program "${spec%@*}")" "$n_inputs" 12345 "${shape[@]}" >>"$work/acc.jsonl"
done

python3 - "$work/speed.jsonl" "$work/acc.jsonl" "$rounds" "$iters" "$threads" "$n_inputs" <<'EOF'
import json, os, statistics, sys
speed = [json.loads(l) for l in open(sys.argv[1])]
acc = {os.path.dirname(a["model"]): a for a in map(json.loads, open(sys.argv[2]))}
rounds, iters, threads, n_inputs = sys.argv[3:7]
print(f"{rounds} rounds x {iters} runs per precision, {threads} thread(s); "
      f"accuracy over {n_inputs} random inputs, bf16 against fp32\n")
print("| model | fp32 p50 / p90 ms | bf16 p50 / p90 ms | speed-up (fp32/bf16 p50: median [min, max] of rounds) "
      "| CPU ms/run fp32 / bf16 (ratio) | weights MB fp32 / bf16 | max / mean rel. error | top-1 agree |")
print("|---|---|---|---|---|---|---|---|")
med = statistics.median
for d in dict.fromkeys(s["dir"] for s in speed):
    by = {p: [s for s in speed if s["dir"] == d and s["precision"] == p] for p in ("fp32", "bf16")}
    ratios = []
    for r in sorted({s["round"] for s in by["fp32"]}):
        a = [s for s in by["fp32"] if s["round"] == r]
        b = [s for s in by["bf16"] if s["round"] == r]
        if a and b:
            ratios.append(a[0]["p50_ms"] / b[0]["p50_ms"])
    f = lambda p, k: med(s[k] for s in by[p])
    a = acc.get(d, {})
    top = f"{a['top1_agree']}/{a['top1_n']}" if "top1_n" in a else "–"
    print(f"| {os.path.basename(d)} | {f('fp32','p50_ms'):.2f} / {f('fp32','p90_ms'):.2f} "
          f"| {f('bf16','p50_ms'):.2f} / {f('bf16','p90_ms'):.2f} "
          f"| {med(ratios):.2f}× [{min(ratios):.2f}, {max(ratios):.2f}] "
          f"| {f('fp32','cpu_ms_per_run'):.2f} / {f('bf16','cpu_ms_per_run'):.2f} "
          f"({f('fp32','cpu_ms_per_run') / f('bf16','cpu_ms_per_run'):.2f}×) "
          f"| {f('fp32','weights_bytes')/1e6:.1f} / {f('bf16','weights_bytes')/1e6:.1f} "
          f"| {a.get('max_rel', float('nan')):.1e} / {a.get('mean_rel', float('nan')):.1e} | {top} |")
EOF
