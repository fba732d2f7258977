#!/usr/bin/env bash
# The thread policy on a shared machine: one model, three variants taking
# turns in one run -- 1 intra-op thread, 2 threads with PDSAFE_THREAD_POLICY
# =fixed, 2 threads with the default adaptive policy -- while BUSY neighbour
# processes spin on the CPUs (bounded: they stop with the script, and after
# 30 minutes at most in any case).
#   bash bench/thread_policy.sh MODEL.pdmodel INPUT.npy [ITERS] [ROUNDS] [BUSY]
# Defaults: 200 runs per variant and round, 3 rounds, 0 neighbours. Prints
# p50 and p90 per variant and round, the pooled p50 of each, and the ratios
# against 1 thread. Uses build/pdsafe (PDSAFE_BIN to choose another).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
model=${1:?usage: thread_policy.sh MODEL.pdmodel INPUT.npy [ITERS] [ROUNDS] [BUSY]}
input=${2:?usage: thread_policy.sh MODEL.pdmodel INPUT.npy [ITERS] [ROUNDS] [BUSY]}
iters=${3:-200}
rounds=${4:-3}
busy=${5:-0}
bin=${PDSAFE_BIN:-$root/build/pdsafe}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
for _ in $(seq "$busy"); do
  timeout 1800 sh -c 'while :; do :; done' &
  pids+=($!)
done
echo "model $model, $iters runs x $rounds rounds per variant, $busy busy neighbours"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
tmp=$(mktemp -d)
for r in $(seq "$rounds"); do
  for v in 1t 2t-fixed 2t-adaptive; do
    threads=2 policy=adaptive
    [ "$v" = 1t ] && threads=1
    [ "$v" = 2t-fixed ] && policy=fixed
    PDSAFE_THREAD_POLICY=$policy "$bin" bench "$model" -i 0="$input" --threads "$threads" \
      --iters "$iters" --warmup 10 -q --json "$tmp/$v.$r.json" > /dev/null
    python3 - "$tmp/$v.$r.json" "$v" "$r" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"round {sys.argv[3]} {sys.argv[2]:12s} p50 {d['p50_ms']:9.3f} ms  p90 {d['p90_ms']:9.3f} ms"
      f"  runs with 1 thread {d.get('runs_one_thread', 0)}")
EOF
  done
done
python3 - "$tmp" "$rounds" <<'EOF'
import json, statistics, sys
tmp, rounds = sys.argv[1], int(sys.argv[2])
p50 = {}
for v in ("1t", "2t-fixed", "2t-adaptive"):
    p50[v] = statistics.median(json.load(open(f"{tmp}/{v}.{r}.json"))["p50_ms"]
                               for r in range(1, rounds + 1))
for v, x in p50.items():
    print(f"median p50 {v:12s} {x:9.3f} ms  ({x / p50['1t']:.2f}x of 1 thread)")
EOF
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$tmp"
