#!/usr/bin/env bash
# The main job: build pdsafe, then load a bundled model (a PP-LCNet-style
# classifier exported by Paddle) and run it on a bundled input, comparing the
# result with what Paddle Inference computed for the same input; then run the
# same model from Go (the Go example), loaded from its Paddle 3 PIR form.
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

echo
echo "== the same model from Go (go/examples/classify), loaded from its Paddle 3 PIR form"
command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"
cmake --install "$root/build" --prefix "$root/build/prefix" >/dev/null
export PKG_CONFIG_PATH="$root/build/prefix/lib/pkgconfig"
(cd "$root/go" && go run ./examples/classify -model "$model/inference.json" \
   -params "$model/inference.pdiparams" -input "$model/case0.in0.npy" -k 3)
