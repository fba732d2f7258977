#!/usr/bin/env bash
# The main job: build pdsafe, then load a bundled model (a PP-LCNet-style
# classifier exported by Paddle) and run it on a bundled input, comparing the
# result with what Paddle Inference computed for the same input.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/build.sh" "$root/build" >/dev/null
model="$root/tests/fixtures/pplcnet"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "== pdsafe info"
"$root/build/pdsafe" info "$model/inference.pdmodel"
echo
echo "== pdsafe run"
"$root/build/pdsafe" run "$model/inference.pdmodel" --input 0="$model/case0.in0.npy" --output-dir "$out"
echo
echo "== compared with Paddle Inference's output for the same input"
"$root/build/pdsafe_npycmp" "$out"/0_*.npy "$model/case0.out0.npy"
