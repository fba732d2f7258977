#!/usr/bin/env bash
# End-to-end OCR speed, image file to text: pdsafe-ocr (go/ocr on pdsafe)
# against PaddleOCR's pipeline as rapidocr_paddle 1.4.5 ships it on Paddle
# Inference 3.3.1 (tools/ocr/reference.py), the same models, settings and
# images (go/ocr/testdata/images), each run at 1 intra-op thread:
#   1 caller:  p50 and p90 of the time per image over ROUNDS rounds;
#              pdsafe with 1 predictor per model (the same work, one run at a time)
#   4 callers: images per second with 4 concurrent callers; pdsafe: 4
#              goroutines on one Engine with 4 predictors per model; Python: 4
#              threads, one pipeline each (Paddle releases the GIL in run).
# Usage: bash bench/ocr.sh [v5|v4] [ROUNDS]   (default v5, 5 rounds)
# Needs the reference pipeline: pip install --break-system-packages
# -r tools/ocr/requirements.txt and --no-deps rapidocr_paddle==1.4.5.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=${1:-v5}
rounds=${2:-5}
export PATH="$(bash "$root/scripts/setup.sh" --go):$PATH"
bash "$root/scripts/fetch-ocr-models.sh" >/dev/null
if [ ! -f "$root/build/prefix/lib/pkgconfig/pdsafe.pc" ] || [ ! -f "$root/build/libpdsafe.so" ]; then
  PDSAFE_NINJA_TARGETS="pdsafe pdsafe_static pdsafe_cli" bash "$root/scripts/build.sh" "$root/build" >/dev/null
fi
cmake --install "$root/build" --prefix "$root/build/prefix" >/dev/null
export PKG_CONFIG_PATH="$root/build/prefix/lib/pkgconfig"
out="$root/bench/out"
mkdir -p "$out"
(cd "$root/go" && go build -o "$out/pdsafe-ocr" ./cmd/pdsafe-ocr)
imgs=("$root"/go/ocr/testdata/images/*.png)
echo "== $version: ${#imgs[@]} images x $rounds rounds ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
"$out/pdsafe-ocr" -version "$version" -workers 1 -threads 1 -bench "$rounds" -callers 1 "${imgs[@]}" >"$out/ocr-go-1.json"
python3 "$root/tools/ocr/reference.py" --version "$version" --threads 1 --bench "$rounds" --callers 1 >"$out/ocr-py-1.json" 2>/dev/null
"$out/pdsafe-ocr" -version "$version" -workers 4 -threads 1 -bench "$rounds" -callers 4 "${imgs[@]}" >"$out/ocr-go-4.json"
python3 "$root/tools/ocr/reference.py" --version "$version" --threads 1 --bench "$rounds" --callers 4 >"$out/ocr-py-4.json" 2>/dev/null
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
def load(n):
    d = json.load(open(f"{out}/ocr-{n}.json"))
    t = sorted(d["times"])
    q = lambda p: t[min(len(t) - 1, int(p * len(t)))] * 1000
    return q(0.5), q(0.9), d["images"] / d["wall"]
g1, p1, g4, p4 = load("go-1"), load("py-1"), load("go-4"), load("py-4")
print("| | pdsafe-ocr | rapidocr_paddle on Paddle Inference | ratio |")
print("|---|---|---|---|")
print(f"| p50 per image, 1 caller (ms) | {g1[0]:.1f} | {p1[0]:.1f} | {p1[0]/g1[0]:.2f}x |")
print(f"| p90 per image, 1 caller (ms) | {g1[1]:.1f} | {p1[1]:.1f} | {p1[1]/g1[1]:.2f}x |")
print(f"| images/s, 4 callers | {g4[2]:.2f} | {p4[2]:.2f} | {g4[2]/p4[2]:.2f}x |")
PY
