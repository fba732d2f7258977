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
# The two sides are interleaved in one run so that the machine's load falls on
# both alike (bench/ocr_interleave.py): both stay loaded and warmed up
# (pdsafe-ocr -bench-serve, reference.py --serve) and take turns, image by
# image for 1 caller and pass by pass for 4, the side going first swapping
# each time; one side works while the other waits.
# Usage: bash bench/ocr.sh [v5|v4] [ROUNDS]   (default v5, 3 rounds); the
# table is printed and written into BENCHMARKS.md's OCR section.
# Needs the reference pipeline: pip install --break-system-packages
# -r tools/ocr/requirements.txt and --no-deps rapidocr_paddle==1.4.5.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=${1:-v5}
rounds=${2:-3}
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
python3 "$root/bench/ocr_interleave.py" "$out" "$version" "$rounds" "$root/BENCHMARKS.md" "$out/pdsafe-ocr" "${imgs[@]}"
