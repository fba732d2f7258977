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
# The two sides alternate in one run so that the machine's load falls on both
# alike: each of the ROUNDS rounds times one pass over the images for each of
# the four (side, callers) pairs, pdsafe first in odd rounds and Python first
# in even ones; the times of all rounds are pooled, and the ratio of each
# round alone is shown too (its spread says how much the load moved it).
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
load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== $version: ${#imgs[@]} images x $rounds rounds, alternating ($(nproc) CPUs, load $load0)"
rm -f "$out"/ocr-r*-*.json
go_side() { "$out/pdsafe-ocr" -version "$version" -workers "$1" -threads 1 -bench 1 -callers "$1" "${imgs[@]}" >"$2"; }
py_side() { python3 "$root/tools/ocr/reference.py" --version "$version" --threads 1 --bench 1 --callers "$1" >"$2" 2>/dev/null; }
for r in $(seq 1 "$rounds"); do
  for c in 1 4; do
    if [ $((r % 2)) = 1 ]; then
      go_side "$c" "$out/ocr-r$r-go-$c.json"; py_side "$c" "$out/ocr-r$r-py-$c.json"
    else
      py_side "$c" "$out/ocr-r$r-py-$c.json"; go_side "$c" "$out/ocr-r$r-go-$c.json"
    fi
  done
  echo "   round $r done (load $(cut -d' ' -f1-3 /proc/loadavg))"
done
python3 - "$out" "$version" "$rounds" "$root/BENCHMARKS.md" "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import glob, json, os, sys, time
out, version, rounds, bench_md, load0, load = sys.argv[1:7]
rounds = int(rounds)
def q(t, p):
    t = sorted(t)
    return t[min(len(t) - 1, int(p * len(t)))] * 1000
def load_json(n):
    ds = [json.load(open(f"{out}/ocr-r{r}-{n}.json")) for r in range(1, rounds + 1)]
    t = [x for d in ds for x in d["times"]]
    share = sum(d.get("inference_share", 0) * sum(d["times"]) for d in ds) / sum(t)
    per_round = [(q(d["times"], 0.5), d["images"] / d["wall"]) for d in ds]
    return q(t, 0.5), q(t, 0.9), sum(d["images"] for d in ds) / sum(d["wall"] for d in ds), share, per_round
g1, p1, g4, p4 = (load_json(n) for n in ("go-1", "py-1", "go-4", "py-4"))
r1 = [b[0] / a[0] for a, b in zip(g1[4], p1[4])]
r4 = [a[1] / b[1] for a, b in zip(g4[4], p4[4])]
span = lambda r: f"{min(r):.2f}x-{max(r):.2f}x" if len(r) > 1 else f"{r[0]:.2f}x"
paddle = "Paddle Inference 3.3.1" + (" (oneDNN on)" if version == "v4" else
                                     " (oneDNN off: its PIR executor stops on these models with it on)")
L = [f"### PP-OCR{version} ({'mobile, PIR' if version == 'v5' else 'legacy .pdmodel'})", "",
     f"`bash bench/ocr.sh {version} {rounds}` ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs shared with other work,"
     f" load average {load0} before and {load} after): 16 images x {rounds} rounds, the two sides alternating round by round,"
     f" 1 intra-op thread per run; Python: rapidocr_paddle 1.4.5 on {paddle}.", "",
     "| | pdsafe-ocr | PaddleOCR pipeline on Paddle Inference | pdsafe faster by | each round alone |",
     "|---|---|---|---|---|",
     f"| p50 per image, 1 caller (ms) | {g1[0]:.1f} | {p1[0]:.1f} | {p1[0]/g1[0]:.2f}x | {span(r1)} |",
     f"| p90 per image, 1 caller (ms) | {g1[1]:.1f} | {p1[1]:.1f} | {p1[1]/g1[1]:.2f}x | |",
     f"| images/s, 4 concurrent callers | {g4[2]:.2f} | {p4[2]:.2f} | {g4[2]/p4[2]:.2f}x | {span(r4)} |",
     f"| share of the time in the models' runs, 1 caller | {100*g1[3]:.0f} % | {100*p1[3]:.0f} % | | |", ""]
text = "\n".join(L)
print(text)
open(f"{out}/ocr-{version}.md", "w").write(text + "\n")
section = ["<!-- ocr:begin -->", "## OCR end to end (bench/ocr.sh)", "",
           "Image file to text, pdsafe-ocr (go/ocr) against PaddleOCR's pipeline as the rapidocr_paddle wheel ships it,"
           " the same models, settings and images (go/ocr/testdata/images); 1 caller: p50/p90 per image with 1 predictor"
           " per model; 4 callers: 4 goroutines on one Engine with 4 predictors per model, against 4 Python threads with"
           " a pipeline each. The machine is shared: the two sides alternate round by round so its load falls on both alike.", ""]
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
