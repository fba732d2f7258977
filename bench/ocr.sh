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
echo "== $version: ${#imgs[@]} images x $rounds rounds ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
"$out/pdsafe-ocr" -version "$version" -workers 1 -threads 1 -bench "$rounds" -callers 1 "${imgs[@]}" >"$out/ocr-go-1.json"
python3 "$root/tools/ocr/reference.py" --version "$version" --threads 1 --bench "$rounds" --callers 1 >"$out/ocr-py-1.json" 2>/dev/null
"$out/pdsafe-ocr" -version "$version" -workers 4 -threads 1 -bench "$rounds" -callers 4 "${imgs[@]}" >"$out/ocr-go-4.json"
python3 "$root/tools/ocr/reference.py" --version "$version" --threads 1 --bench "$rounds" --callers 4 >"$out/ocr-py-4.json" 2>/dev/null
python3 - "$out" "$version" "$rounds" "$root/BENCHMARKS.md" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import glob, json, os, sys, time
out, version, rounds, bench_md, load = sys.argv[1:6]
def load_json(n):
    d = json.load(open(f"{out}/ocr-{n}.json"))
    t = sorted(d["times"])
    q = lambda p: t[min(len(t) - 1, int(p * len(t)))] * 1000
    return q(0.5), q(0.9), d["images"] / d["wall"], d.get("inference_share", 0)
g1, p1, g4, p4 = (load_json(n) for n in ("go-1", "py-1", "go-4", "py-4"))
paddle = "Paddle Inference 3.3.1" + (" (oneDNN on)" if version == "v4" else
                                     " (oneDNN off: its PIR executor stops on these models with it on)")
L = [f"### PP-OCR{version} ({'mobile, PIR' if version == 'v5' else 'legacy .pdmodel'})", "",
     f"`bash bench/ocr.sh {version} {rounds}` ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, load average after {load}):"
     f" 16 images x {rounds} rounds, 1 intra-op thread per run; Python: rapidocr_paddle 1.4.5 on {paddle}.", "",
     "| | pdsafe-ocr | PaddleOCR pipeline on Paddle Inference | pdsafe faster by |",
     "|---|---|---|---|",
     f"| p50 per image, 1 caller (ms) | {g1[0]:.1f} | {p1[0]:.1f} | {p1[0]/g1[0]:.2f}x |",
     f"| p90 per image, 1 caller (ms) | {g1[1]:.1f} | {p1[1]:.1f} | {p1[1]/g1[1]:.2f}x |",
     f"| images/s, 4 concurrent callers | {g4[2]:.2f} | {p4[2]:.2f} | {g4[2]/p4[2]:.2f}x |",
     f"| share of the time in the models' runs, 1 caller | {100*g1[3]:.0f} % | {100*p1[3]:.0f} % | |", ""]
text = "\n".join(L)
print(text)
open(f"{out}/ocr-{version}.md", "w").write(text + "\n")
section = ["<!-- ocr:begin -->", "## OCR end to end (bench/ocr.sh)", "",
           "Image file to text, pdsafe-ocr (go/ocr) against PaddleOCR's pipeline as the rapidocr_paddle wheel ships it,"
           " the same models, settings and images (go/ocr/testdata/images); 1 caller: p50/p90 per image with 1 predictor"
           " per model; 4 callers: 4 goroutines on one Engine with 4 predictors per model, against 4 Python threads with"
           " a pipeline each. The machine is shared: load shows in both alike.", ""]
for f in sorted(glob.glob(f"{out}/ocr-v*.md"), reverse=True):
    section.append(open(f).read())
section.append("<!-- ocr:end -->")
md = open(bench_md).read() if os.path.exists(bench_md) else ""
i, j = md.find("<!-- ocr:begin -->"), md.find("<!-- ocr:end -->")
if 0 <= i < j:
    md = md[:i] + "\n".join(section) + md[j + len("<!-- ocr:end -->"):]
else:
    md = md.rstrip("\n") + "\n\n" + "\n".join(section) + "\n"
open(bench_md, "w").write(md)
PY
