#!/usr/bin/env python3
"""pdsafe side by side with Paddle Inference, OpenVINO and ONNX Runtime, in one run.

    python3 bench/compare.py [--pdsafe build/pdsafe] [--pdsafe-b OTHER/pdsafe]
                             [--models resnet50,...] [--threads 1,2]
                             [--iters 40] [--rounds 3] [--engines LIST]
                             [--callers 1,2,8] [--batch 8] [--contention]
                             [--out BENCHMARKS.md] [--work /tmp/pdsafe-bench]

Engines (--engines, comma-separated; default all of them):

  pd_on     Paddle Inference with oneDNN (IR optimisation on)
  pd_off    Paddle Inference without oneDNN
  ov_f32    OpenVINO (CPU plugin, its Paddle frontend reading inference.pdmodel),
            INFERENCE_PRECISION_HINT=f32, LATENCY hint, one stream
  ov_def    the same at OpenVINO's default precision (bf16 on CPUs that have
            it: the precision it ran in is shown)
  ort       ONNX Runtime (CPU provider) on the paddle2onnx export of the same
            files (exported once per model into --work)
  pdsafe    `pdsafe bench --json` (oneDNN fast path), the binary of --pdsafe
  pdsafe_bf16  `pdsafe bench --precision bf16` with the binary of --pdsafe
            (convolutions and matmuls in bfloat16; only when listed in
            --engines, and only on a CPU with AVX512_BF16 or AMX: the one to
            read beside ov_def, which runs bf16 on such CPUs)
  pdsafe_b  the same with the binary of --pdsafe-b (only with --pdsafe-b):
            two builds of pdsafe, labelled --label / --label-b, in one run

For every model (bench/models.py generates them with the paddlepaddle wheel
on first use) and every thread count, each round runs every engine once, one
after another, on the same input, the order rotating from round to round so
that machine noise hits every engine alike. Every engine runs in its own
process (its peak RSS and threads are its own), with its intra-op threads set
to the thread count and inter-op threads to 1. Latencies of all rounds are
pooled into p50/p99 (pdsafe reports percentiles, not samples: the median of
its rounds' p50 and the worst p99). Every engine's output is checked against
Paddle's (relative L2 difference within 1e-3; the reference is Paddle
native, or Paddle+oneDNN when pd_off is not run, or this model's output
saved by an earlier run in --work). An engine that cannot run (package not
installed, export failed, run failed) is reported as such in every table,
with the reason.

--callers N,...   throughput with N concurrent callers: pdsafe `bench
                  --callers N`, ONNX Runtime with N threads calling one session,
                  OpenVINO with the THROUGHPUT hint and N infer requests.
--batch B         latency of one batch of B images and the time per image:
                  pdsafe, OpenVINO (f32 and default) and ONNX Runtime.
--contention      the latency rounds again while --neighbours busy processes
                  spin on the CPUs, and under a CPU quota of --quota CPUs (a
                  cgroup with cpu.max, or cpu.cfs_quota_us where only cgroup v1
                  is there; reported as not available where neither can be
                  created).

Quick A/B of two pdsafe builds on one model, nothing else:

    python3 bench/compare.py --models mobilenet_v3_small --threads 1,2 \\
        --engines pdsafe,pdsafe_b --pdsafe A/pdsafe --pdsafe-b B/pdsafe \\
        --label before --label-b after --iters 200 --rounds 5 --out ''

The section of BENCHMARKS.md between `<!-- compare.py:begin -->` and
`<!-- compare.py:end -->` is this script's; the rest of the file is kept
as it is (a file without the markers gets the section appended; --out ''
writes nothing, the summary goes to stdout either way). Nothing here asserts
timings: it reports them.
"""
import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

BEGIN_MARK = "<!-- compare.py:begin -->"
END_MARK = "<!-- compare.py:end -->"

ALL_ENGINES = ["pd_on", "pd_off", "ov_f32", "ov_def", "ort", "pdsafe", "pdsafe_bf16", "pdsafe_b"]
TITLES = {"pd_on": "Paddle+oneDNN", "pd_off": "Paddle native", "ov_f32": "OpenVINO f32",
          "ov_def": "OpenVINO default", "ort": "ONNX Runtime"}
# The Python package each peer needs (import name, pip name).
PEER_PACKAGES = {"pd_on": [("paddle", "paddlepaddle")], "pd_off": [("paddle", "paddlepaddle")],
                 "ov_f32": [("openvino", "openvino")], "ov_def": [("openvino", "openvino")],
                 "ort": [("onnxruntime", "onnxruntime"), ("paddle2onnx", "paddle2onnx")]}


# ---- workers (each runs in its own process) -----------------------------------------

def load_input(model_dir, batch):
    import numpy as np
    return np.load(input_path(model_dir, batch))


def input_path(model_dir, batch):
    """A batch of `batch` images: the model's input.npy first, then fixed-seed
    random images of the same shape (the file is written once, then reused,
    so that every engine reads the same bytes)."""
    import numpy as np
    if batch <= 1:
        return os.path.join(model_dir, "input.npy")
    path = os.path.join(model_dir, "input_b%d.npy" % batch)
    if not os.path.exists(path):
        x = np.load(os.path.join(model_dir, "input.npy"))
        rng = np.random.default_rng(1234 + batch)
        rest = rng.standard_normal((batch - x.shape[0],) + x.shape[1:]).astype(x.dtype)
        tmp = path + ".tmp%d.npy" % os.getpid()
        np.save(tmp, np.concatenate([x, rest], axis=0))
        os.replace(tmp, path)
    return path


class Engine:
    """One peer engine in a worker process: make(threads) builds it and
    returns a function that runs one inference and returns the first
    output; throughput(callers) runs callers concurrent requests."""

    def __init__(self, args):
        self.args = args
        self.x = load_input(args.model_dir, args.batch)
        self.prefix = os.path.join(args.model_dir, "inference")


class PaddleEngine(Engine):
    def make(self):
        from paddle.inference import Config, create_predictor
        cfg = Config(self.prefix + ".pdmodel", self.prefix + ".pdiparams")
        cfg.disable_gpu()
        cfg.set_cpu_math_library_num_threads(self.args.threads)
        if self.args.engine == "pd_on":
            cfg.enable_mkldnn()
        else:
            cfg.disable_mkldnn()
        cfg.switch_ir_optim(True)
        cfg.enable_memory_optim()
        cfg.disable_glog_info()
        pred = create_predictor(cfg)
        inp = pred.get_input_handle(pred.get_input_names()[0])
        out = pred.get_output_handle(pred.get_output_names()[0])
        x = self.x

        def run():
            inp.reshape(list(x.shape))
            inp.copy_from_cpu(x)
            pred.run()
            return out.copy_to_cpu()
        self.info = {}
        return run


class OpenVINOEngine(Engine):
    def config(self, hint):
        c = {"INFERENCE_NUM_THREADS": self.args.threads, "PERFORMANCE_HINT": hint}
        if hint == "LATENCY":
            c["NUM_STREAMS"] = 1
        if self.args.engine == "ov_f32":
            c["INFERENCE_PRECISION_HINT"] = "f32"
        return c

    def compile(self, hint):
        import openvino as ov
        core = ov.Core()
        model = core.read_model(self.prefix + ".pdmodel")
        if self.args.batch > 1 or model.inputs[0].get_partial_shape().is_dynamic:
            model.reshape({model.inputs[0]: list(self.x.shape)})
        cm = core.compile_model(model, "CPU", self.config(hint))
        self.info = {"precision": str(cm.get_property("INFERENCE_PRECISION_HINT")),
                     "version": ov.__version__.split("-")[0],
                     "streams": int(cm.get_property("NUM_STREAMS"))}
        return cm

    def make(self):
        cm = self.compile("LATENCY")
        req = cm.create_infer_request()
        out = cm.outputs[0]
        x = self.x

        def run():
            return req.infer({0: x})[out].copy()
        return run

    def throughput(self, callers, runs_per_caller):
        import openvino as ov
        cm = self.compile("THROUGHPUT")
        queue = ov.AsyncInferQueue(cm, callers)
        lat = []
        starts = {}

        def done(req, userdata):
            lat.append((time.perf_counter() - starts[userdata]) * 1e3)
        queue.set_callback(done)
        for i in range(callers * 2):  # warm-up
            starts[-1 - i] = time.perf_counter()
            queue.start_async({0: self.x}, -1 - i)
        queue.wait_all()
        lat.clear()
        total = callers * runs_per_caller
        t0 = time.perf_counter()
        for i in range(total):
            starts[i] = time.perf_counter()  # start_async blocks until a request is free
            queue.start_async({0: self.x}, i)
        queue.wait_all()
        wall = time.perf_counter() - t0
        self.info["requests"] = callers
        return total / wall, lat


class ORTEngine(Engine):
    def session(self):
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = self.args.threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        s = ort.InferenceSession(os.path.join(self.args.model_dir, "model.onnx"), so,
                                 providers=["CPUExecutionProvider"])
        self.info = {"version": ort.__version__}
        return s

    def make(self):
        s = self.session()
        feed = {s.get_inputs()[0].name: self.x}
        names = [s.get_outputs()[0].name]

        def run():
            return s.run(names, feed)[0]
        return run

    def throughput(self, callers, runs_per_caller):
        s = self.session()
        feed = {s.get_inputs()[0].name: self.x}
        names = [s.get_outputs()[0].name]
        lat = []
        lock = threading.Lock()
        barrier = threading.Barrier(callers + 1)

        def caller():
            for _ in range(2):
                s.run(names, feed)
            barrier.wait()
            mine = []
            for _ in range(runs_per_caller):
                t0 = time.perf_counter()
                s.run(names, feed)
                mine.append((time.perf_counter() - t0) * 1e3)
            with lock:
                lat.extend(mine)
        ths = [threading.Thread(target=caller) for _ in range(callers)]
        for t in ths:
            t.start()
        barrier.wait()
        t0 = time.perf_counter()
        for t in ths:
            t.join()
        wall = time.perf_counter() - t0
        self.info["sessions"] = 1
        return callers * runs_per_caller / wall, lat


ENGINE_CLASSES = {"pd_on": PaddleEngine, "pd_off": PaddleEngine, "ov_f32": OpenVINOEngine,
                  "ov_def": OpenVINOEngine, "ort": ORTEngine}


def worker(args):
    import numpy as np
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    __import__(PEER_PACKAGES[args.engine][0][0])  # the engine's own package (not paddle2onnx)
    rss_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    eng = ENGINE_CLASSES[args.engine](args)
    res = {"rss_before_kb": rss0, "rss_after_import_kb": rss_import}
    if args.callers > 1:
        tp, lat = eng.throughput(args.callers, args.iters)
        res.update({"throughput": tp, "lat": lat})
    else:
        t0 = time.perf_counter()
        run = eng.make()
        res["create_ms"] = (time.perf_counter() - t0) * 1e3
        t0 = time.perf_counter()
        y = run()
        res["first_ms"] = (time.perf_counter() - t0) * 1e3
        for _ in range(args.warmup):
            run()
        lat = []
        for _ in range(args.iters):
            t0 = time.perf_counter()
            y = run()
            lat.append((time.perf_counter() - t0) * 1e3)
        res["lat"] = lat
        if args.save:
            np.save(args.save, y)
    res.update({"peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "threads": len(os.listdir("/proc/self/task")), "info": eng.info})
    sys.stdout.write("\n" + json.dumps(res) + "\n")


def export_onnx(model_dir):
    """paddle2onnx on the same files, once; its own process (it prints)."""
    import paddle2onnx
    dst = os.path.join(model_dir, "model.onnx")
    tmp = dst + ".tmp%d" % os.getpid()
    paddle2onnx.export(os.path.join(model_dir, "inference.pdmodel"),
                       os.path.join(model_dir, "inference.pdiparams"), tmp,
                       opset_version=17, enable_onnx_checker=True)
    os.replace(tmp, dst)


def neighbour(limit_s):
    """A busy neighbour: spins until killed, its parent goes, or limit_s passes."""
    parent = os.getppid()
    end = time.monotonic() + limit_s
    while time.monotonic() < end and os.getppid() == parent:
        for _ in range(200000):
            pass


# ---- driver ------------------------------------------------------------------------

def pct(v, q):
    v = sorted(v)
    if not v:
        return float("nan")
    pos = q * (len(v) - 1)
    i = int(pos)
    f = pos - i
    return v[i] * (1 - f) + v[i + 1] * f if i + 1 < len(v) else v[i]


class Failed(Exception):
    pass


def sh(cmd, env=None, timeout=3600, cgroup=None):
    """Runs cmd; with cgroup (a cgroup.procs / tasks file) the child joins
    that group before it executes, so that all its threads are under the quota."""
    pre = None
    if cgroup:
        def pre():
            with open(cgroup, "w") as f:
                f.write(str(os.getpid()))
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, preexec_fn=pre)
    if r.returncode != 0:
        last = (r.stderr.strip() or r.stdout.strip()).splitlines()
        raise Failed("%s exited with %d: %s" % (os.path.basename(cmd[0]) if cmd[0] != sys.executable
                                               else " ".join(cmd[2:4]), r.returncode,
                                               last[-1] if last else "(no output)"))
    return r.stdout


def quiet_env():
    return dict(os.environ, FLAGS_enable_pir_api="0", GLOG_minloglevel="3",
                TF_CPP_MIN_LOG_LEVEL="3")


def run_peer(eng, model_dir, threads, iters, warmup, save, callers=1, batch=1, cgroup=None):
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", eng, "--model-dir", model_dir,
           "--threads", str(threads), "--iters", str(iters), "--warmup", str(warmup),
           "--callers", str(callers), "--batch", str(batch), "--save", save or ""]
    out = sh(cmd, env=quiet_env(), cgroup=cgroup)
    return json.loads(out.strip().splitlines()[-1])


def run_pdsafe(pdsafe, model_dir, threads, iters, warmup, out_dir, callers=1, batch=1, extra=(),
               cgroup=None):
    js = os.path.join(out_dir, "bench.json")
    x = input_path(model_dir, batch)
    cmd = [pdsafe, "bench", model_dir, "--input", "0=" + x,
           "--threads", str(threads), "--iters", str(iters), "--warmup", str(warmup),
           "--callers", str(callers), "--json", js, "--output-dir", out_dir, "--quiet"]
    sh(cmd + list(extra), cgroup=cgroup)
    with open(js) as f:
        return json.load(f)


def pdsafe_output(out_dir, index):
    """The file `pdsafe bench --output-dir` wrote output `index` to: named
    DIR/<index>_<name>.npy, the rule `pdsafe run` uses too."""
    prefix = "%d_" % index
    found = sorted(f for f in os.listdir(out_dir) if f.startswith(prefix) and f.endswith(".npy"))
    if len(found) != 1:
        raise Failed("%s: expected one %s<name>.npy from pdsafe bench, found %s"
                     % (out_dir, prefix, found or "none"))
    return os.path.join(out_dir, found[0])


def close(a, b):
    """Relative L2 difference ||a - b|| / ||b||, and whether it is within
    1e-3. Whole networks with random weights reach activations in the
    thousands, where fp32 rounding makes element-wise tolerances meaningless
    (Paddle's own two configurations differ by more than DESIGN §5 allows);
    the report shows Paddle-vs-Paddle next to it for scale."""
    import numpy as np
    a = a.astype(np.float64).ravel()
    b = b.astype(np.float64).ravel()
    if a.shape != b.shape:
        return False, float("inf")
    nb = np.linalg.norm(b)
    rel = float(np.linalg.norm(a - b) / nb) if nb > 0 else float(np.linalg.norm(a - b))
    return rel <= 1e-3, rel


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def gemm_peak(work):
    exe = os.path.join(work, "gemm_peak")
    src = os.path.join(HERE, "gemm_peak.c")
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        sh(["cc", "-O2", src, "-o", exe, "-ldnnl"])
    res = {}
    for t in (1, 2):
        vals = [float(sh([exe, "2048", "10"], env=dict(os.environ, OMP_NUM_THREADS=str(t))))
                for _ in range(3)]
        res[t] = max(vals)
    return res


def model_flops(name):
    """2 x the multiply-adds of the convolutions and matrix products of one
    inference, counted with forward hooks (paddle.flops fails on Paddle 3.3)."""
    sys.path.insert(0, HERE)
    import models
    import numpy as np
    import paddle
    paddle.disable_static()
    m = models.build(name)
    total = [0]

    def conv_hook(layer, inp, out):
        w = layer.weight.shape  # [M, C/groups, kh, kw]
        total[0] += int(np.prod(out.shape)) * int(w[1]) * int(w[2]) * int(w[3])

    def linear_hook(layer, inp, out):
        total[0] += int(np.prod(out.shape)) * int(layer.weight.shape[0])

    for sub in m.sublayers():
        if isinstance(sub, paddle.nn.Conv2D):
            sub.register_forward_post_hook(conv_hook)
        elif isinstance(sub, paddle.nn.Linear):
            sub.register_forward_post_hook(linear_hook)
    m(paddle.zeros(models.INPUTS[name], dtype="float32"))
    return 2.0 * total[0]


# The packages this script and bench/models.py import, as
# bench/requirements.txt lists them: (import name, pip name).
REQUIRED = [("numpy", "numpy"), ("paddle", "paddlepaddle")]


def require_packages():
    """Exit with what to install, instead of a traceback, if a package is missing."""
    import importlib.util
    missing = [pip for mod, pip in REQUIRED if importlib.util.find_spec(mod) is None]
    if missing:
        req = os.path.join(HERE, "requirements.txt")
        if not os.path.relpath(req).startswith(".."):
            req = os.path.relpath(req)
        sys.exit("compare.py: missing Python package%s: %s (%s cannot import %s).\n"
                 "Install what the benchmark needs with:\n    pip install -r %s"
                 % ("s" if len(missing) > 1 else "", ", ".join(missing), sys.executable,
                    ", ".join(mod for mod, pip in REQUIRED if pip in missing), req))




# ---- contention: busy neighbours and a CPU quota ---------------------------------------

class Neighbours:
    """K busy processes spinning on the CPUs while a condition is measured."""

    def __init__(self, k, limit_s):
        self.procs = [subprocess.Popen([sys.executable, os.path.abspath(__file__), "--neighbour",
                                        str(limit_s)]) for _ in range(k)]

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            p.wait()
        self.procs = []


def own_cgroup(controller):
    """This process's cgroup path for `controller` (v1), or its v2 path (controller None)."""
    with open("/proc/self/cgroup") as f:
        for line in f:
            hid, ctrls, path = line.rstrip("\n").split(":", 2)
            if controller is None and hid == "0" and ctrls == "":
                return path
            if controller is not None and controller in ctrls.split(","):
                return path
    return None


def read_text(path):
    with open(path) as f:
        return f.read()


def make_quota(cpus):
    """A cgroup limited to `cpus` CPUs of CFS time: (procs file, description,
    directory) or (None, why not, None). cgroup v2 first (cpu.max), then the
    v1 cpu controller (cpu.cfs_quota_us); the group is a child of this
    process's own group and is removed at the end."""
    period = 100000
    quota = int(cpus * period)
    name = "pdsafe-bench-%d" % os.getpid()
    why = []
    v2 = "/sys/fs/cgroup/cgroup.controllers"
    if os.path.exists(v2):
        try:
            if "cpu" not in read_text(v2).split():
                raise OSError("the cpu controller is not in %s" % v2)
            parent = os.path.join("/sys/fs/cgroup", (own_cgroup(None) or "/").lstrip("/"))
            if "cpu" not in read_text(os.path.join(parent, "cgroup.subtree_control")).split():
                with open(os.path.join(parent, "cgroup.subtree_control"), "w") as f:
                    f.write("+cpu")
            d = os.path.join(parent, name)
            os.mkdir(d)
            try:
                with open(os.path.join(d, "cpu.max"), "w") as f:
                    f.write("%d %d" % (quota, period))
            except OSError:
                os.rmdir(d)
                raise
            return (os.path.join(d, "cgroup.procs"),
                    "cgroup v2 cpu.max = %d %d (%.2g CPUs)" % (quota, period, cpus), d)
        except OSError as e:
            why.append("cgroup v2: %s" % e)
    else:
        why.append("cgroup v2: %s does not exist (no unified hierarchy with controllers)" % v2)
    base = "/sys/fs/cgroup/cpu"
    if os.path.exists(os.path.join(base, "cpu.cfs_quota_us")) or own_cgroup("cpu") is not None:
        try:
            parent = os.path.join(base, (own_cgroup("cpu") or "/").lstrip("/"))
            d = os.path.join(parent, name)
            os.mkdir(d)
            try:
                with open(os.path.join(d, "cpu.cfs_period_us"), "w") as f:
                    f.write(str(period))
                with open(os.path.join(d, "cpu.cfs_quota_us"), "w") as f:
                    f.write(str(quota))
            except OSError:
                os.rmdir(d)
                raise
            return (os.path.join(d, "cgroup.procs"),
                    "cgroup v1 cpu controller, cpu.cfs_quota_us = %d per %d µs (%.2g CPUs)"
                    % (quota, period, cpus), d)
        except OSError as e:
            why.append("cgroup v1: %s" % e)
    else:
        why.append("cgroup v1: no cpu controller mounted at %s" % base)
    return None, "; ".join(why), None


def remove_cgroup(d):
    if d:
        for _ in range(50):
            try:
                os.rmdir(d)
                return
            except OSError:
                time.sleep(0.1)  # the last member is still exiting; not a timing assumption of a result


# ---- measuring ---------------------------------------------------------------------

class Bench:
    def __init__(self, args, dirs):
        self.args = args
        self.dirs = dirs
        self.binaries = {"pdsafe": args.pdsafe, "pdsafe_bf16": args.pdsafe, "pdsafe_b": args.pdsafe_b}

    def outdir(self, *parts):
        d = os.path.join(self.args.work, "out", *[str(p) for p in parts])
        os.makedirs(d, exist_ok=True)
        return d

    def one(self, eng, n, t, outd, iters, warmup, callers=1, batch=1, cgroup=None):
        """One run of one engine; returns a result dict or {"error": reason}."""
        if eng in self.unavailable:
            return {"error": self.unavailable[eng]}
        if eng == "ort" and n in self.onnx_failed:
            return {"error": self.onnx_failed[n]}
        try:
            if eng.startswith("pdsafe"):
                r = run_pdsafe(self.binaries[eng], self.dirs[n], t, iters, warmup, outd,
                               callers=callers, batch=batch, cgroup=cgroup,
                               extra=("--precision", "bf16") if eng == "pdsafe_bf16" else ())
                if callers == 1:
                    r["save"] = pdsafe_output(outd, 0)
                return r
            save = os.path.join(outd, "0.npy") if callers == 1 else ""
            r = run_peer(eng, self.dirs[n], t, iters, warmup, save, callers=callers, batch=batch,
                         cgroup=cgroup)
            r["save"] = save
            return r
        except (Failed, subprocess.TimeoutExpired, ValueError) as e:
            return {"error": "run failed: %s" % e}

    def latency(self, cond, engines, cgroup=None):
        """All models x threads x rounds x engines under one condition."""
        import numpy as np
        a = self.args
        res = {}
        for n in a.names:
            for t in a.threads:
                acc = {e: [] for e in engines}
                for r in range(a.rounds):
                    order = engines[r % len(engines):] + engines[:r % len(engines)]
                    for eng in order:
                        outd = self.outdir(cond, n, t, eng, r)
                        acc[eng].append(self.one(eng, n, t, outd, a.iters, a.warmup, cgroup=cgroup))
                # Agreement with Paddle's output, per engine (its last round).
                ref, ref_name = None, None
                for pe in ("pd_off", "pd_on"):
                    if pe in acc and "save" in acc[pe][-1]:
                        ref, ref_name = np.load(acc[pe][-1]["save"]), pe
                        break
                refpath = os.path.join(a.work, "out", "ref-%s.npy" % n)
                if ref is not None:
                    np.save(refpath, ref)
                elif os.path.exists(refpath):
                    ref, ref_name = np.load(refpath), "saved"
                agree = {}
                for eng in engines:
                    last = acc[eng][-1]
                    if "save" not in last:
                        continue
                    if ref is None:
                        agree[eng] = None
                    else:
                        agree[eng] = close(np.load(last["save"]), ref)
                if "pd_on" in acc and "pd_off" in acc and all("save" in acc[p][-1] for p in ("pd_on", "pd_off")):
                    agree["pd_on_vs_off"] = close(np.load(acc["pd_on"][-1]["save"]),
                                                  np.load(acc["pd_off"][-1]["save"]))
                s = {e: summarize(e, acc[e]) for e in engines}
                res[(n, t)] = {"summ": s, "agree": agree, "ref": ref_name, "raw": acc}
                line = "  ".join("%s %s" % (label(a, e), "%.2f" % s[e]["p50"] if "p50" in s[e] else "n/a")
                                 for e in engines)
                print("[%s] %-18s %dT  p50 ms: %s" % (cond, n, t, line), flush=True)
        return res

    def throughput(self, engines):
        a = self.args
        rows = []
        for n in a.callers_models:
            for c in a.callers:
                for t in a.threads:
                    row = {}
                    for r in range(a.rounds):
                        order = engines[r % len(engines):] + engines[:r % len(engines)]
                        for eng in order:
                            per = max(4, (a.callers_runs + c - 1) // c)
                            rr = self.one(eng, n, t, self.outdir("callers", n, c, t, eng), per, 2, callers=c)
                            row.setdefault(eng, []).append(rr)
                    rows.append((n, c, t, row))
                    print("callers %-18s %3d callers %dT: %s" % (n, c, t, "  ".join(
                        "%s %s" % (label(a, e), tp_text(row[e])) for e in engines)), flush=True)
        return rows

    def batch(self, engines):
        a = self.args
        rows = []
        for n in a.callers_models:
            for t in a.threads:
                row = {}
                for r in range(a.rounds):
                    order = engines[r % len(engines):] + engines[:r % len(engines)]
                    for eng in order:
                        rr = self.one(eng, n, t, self.outdir("batch", n, t, eng, r),
                                      max(4, a.iters // 2), 2, batch=a.batch)
                        row.setdefault(eng, []).append(rr)
                rows.append((n, t, {e: summarize(e, v) for e, v in row.items()}))
                print("batch %d %-18s %dT: %s" % (a.batch, n, t, "  ".join(
                    "%s %s" % (label(a, e), "%.2f ms/image" % (rows[-1][2][e]["p50"] / a.batch)
                               if "p50" in rows[-1][2][e] else "n/a") for e in engines)), flush=True)
        return rows


def tp_text(runs):
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return "n/a"
    return "%.1f runs/s" % pct([r["throughput"] for r in ok], 0.5)


def summarize(eng, runs):
    """Pools one engine's rounds. An engine whose every round failed is
    {"error": ...}; one that failed in some rounds keeps the others and says so."""
    ok = [r for r in runs if "error" not in r]
    errors = [r["error"] for r in runs if "error" in r]
    if not ok:
        return {"error": errors[0] if errors else "not run"}
    # Each round's p50, None for a failed round: for ratios paired round by round.
    rp50 = [None if "error" in r else r["p50_ms"] if eng.startswith("pdsafe") else pct(r["lat"], 0.5)
            for r in runs]
    s = {"rounds": len(ok), "failed_rounds": len(errors), "errors": errors, "round_p50": rp50}
    if eng.startswith("pdsafe"):
        s.update({"p50": pct([r["p50_ms"] for r in ok], 0.5), "p99": max(r["p99_ms"] for r in ok),
                  "load_ms": pct([r["load_ms"] + r["first_run_ms"] for r in ok], 0.5),
                  "rss_mb": max(r["peak_rss_kb"] for r in ok) / 1024.0,
                  "threads": max(r["peak_threads"] for r in ok),
                  "weights_mb": ok[0]["weights_bytes"] / 1048576.0,
                  "arena_mb": ok[0]["arena_bytes"] / 1048576.0,
                  "naive_mb": ok[0]["naive_bytes"] / 1048576.0,
                  "info": {}})
    else:
        lat = [v for r in ok for v in r["lat"]]
        s.update({"p50": pct(lat, 0.5), "p99": pct(lat, 0.99),
                  "load_ms": pct([r.get("create_ms", 0) + r.get("first_ms", 0) for r in ok], 0.5),
                  "rss_mb": max(r["peak_rss_kb"] for r in ok) / 1024.0,
                  "rss_import_mb": max(r["rss_after_import_kb"] for r in ok) / 1024.0,
                  "threads": max(r["threads"] for r in ok), "info": ok[-1].get("info", {})})
    return s


def label(args, eng):
    if eng == "pdsafe":
        return args.label
    if eng == "pdsafe_b":
        return args.label_b
    if eng == "pdsafe_bf16":
        return args.label + " bf16"
    return TITLES[eng]


def versions():
    import importlib.metadata as md
    v = {}
    for pip in ("paddlepaddle", "openvino", "onnxruntime", "paddle2onnx", "numpy"):
        try:
            v[pip] = md.version(pip)
        except md.PackageNotFoundError:
            v[pip] = "(not installed)"
    return v


def engine_availability(engines):
    import importlib.util
    bad = {}
    for e in engines:
        if e.startswith("pdsafe"):
            continue
        missing = [pip for mod, pip in PEER_PACKAGES[e] if importlib.util.find_spec(mod) is None]
        if missing:
            bad[e] = "unavailable: %s not installed for %s (pip install -r bench/requirements.txt)" % (
                ", ".join(missing), sys.executable)
    return bad


def check_pdsafe(path, what):
    if not path:
        return "%s: no binary given" % what
    if not (os.path.exists(path) and os.access(path, os.X_OK)):
        return "%s: %s is not an executable pdsafe (build it, or pass %s)" % (what, path, what)
    probe = subprocess.run([path, "bench", "--help"], capture_output=True, text=True)
    if probe.returncode != 0:
        return "%s: %s has no 'bench' subcommand" % (what, path)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker", choices=sorted(ENGINE_CLASSES), help=argparse.SUPPRESS)
    ap.add_argument("--model-dir", help=argparse.SUPPRESS)
    ap.add_argument("--save", help=argparse.SUPPRESS)
    ap.add_argument("--export-onnx", help=argparse.SUPPRESS)
    ap.add_argument("--neighbour", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--pdsafe", default=os.path.join(ROOT, "build", "pdsafe"),
                    help="the pdsafe binary (engine pdsafe; default build/pdsafe)")
    ap.add_argument("--pdsafe-b", help="a second pdsafe binary, measured as engine pdsafe_b beside the first")
    ap.add_argument("--label", default="pdsafe", help="column label of --pdsafe (default pdsafe)")
    ap.add_argument("--label-b", default="pdsafe B", help="column label of --pdsafe-b (default 'pdsafe B')")
    ap.add_argument("--engines", help="comma-separated subset of %s (default: all; pdsafe_b with --pdsafe-b)"
                    % ",".join(ALL_ENGINES))
    ap.add_argument("--models", default="resnet50,mobilenet_v3_large,mobilenet_v3_small,pplcnet,ocr_det,ocr_rec")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--iters", type=int, default=40, help="timed runs per engine per round")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--callers", default="", help="throughput with these numbers of callers, e.g. 2,8,64 (default: none)")
    ap.add_argument("--callers-runs", type=int, default=200, help="runs per throughput measurement, shared by the callers")
    ap.add_argument("--callers-models", help="models of --callers and --batch (default: resnet50 and "
                    "mobilenet_v3_small where in --models, else the first)")
    ap.add_argument("--batch", type=int, default=0, help="also measure one batch of this many images (e.g. 8)")
    ap.add_argument("--contention", action="store_true", help="also measure under busy neighbours and a CPU quota")
    ap.add_argument("--neighbours", type=int, default=1, help="busy neighbour processes for --contention (default 1)")
    ap.add_argument("--quota", type=float, default=1.5, help="CPU quota for --contention, in CPUs (default 1.5)")
    ap.add_argument("--no-peak", action="store_true", help="skip the sgemm peak and ResNet50 FLOP count")
    ap.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"),
                    help="the file whose compare.py section is rewritten ('' = none)")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "pdsafe-bench"))
    args = ap.parse_args()
    if args.neighbour is not None:
        return neighbour(args.neighbour)
    require_packages()
    if args.worker:
        args.engine = args.worker
        args.threads = int(args.threads)
        args.callers = int(args.callers or "1")
        return worker(args)
    if args.export_onnx:
        return export_onnx(args.export_onnx)

    import numpy as np  # noqa: F401
    sys.path.insert(0, HERE)
    args.names = [m for m in args.models.split(",") if m]
    args.threads = [int(t) for t in args.threads.split(",") if t]
    args.callers = [int(c) for c in args.callers.split(",") if c]
    if args.callers_models:
        args.callers_models = [m for m in args.callers_models.split(",") if m]
    else:
        args.callers_models = [m for m in ("resnet50", "mobilenet_v3_small") if m in args.names] or args.names[:1]
    engines = [e for e in (args.engines.split(",") if args.engines else ALL_ENGINES) if e]
    for e in engines:
        if e not in ALL_ENGINES:
            sys.exit("compare.py: unknown engine %r in --engines (known: %s)" % (e, ",".join(ALL_ENGINES)))
    if not args.engines:
        engines.remove("pdsafe_bf16")
        if not args.pdsafe_b:
            engines.remove("pdsafe_b")
    if "pdsafe_b" in engines and not args.pdsafe_b:
        sys.exit("compare.py: --engines lists pdsafe_b but no --pdsafe-b binary is given")
    for e, flag in (("pdsafe", "--pdsafe"), ("pdsafe_bf16", "--pdsafe"), ("pdsafe_b", "--pdsafe-b")):
        if e in engines:
            err = check_pdsafe(args.pdsafe_b if e == "pdsafe_b" else args.pdsafe, flag)
            if err:
                sys.exit("compare.py: " + err)
    os.makedirs(args.work, exist_ok=True)
    load_before = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")

    print("generating models in %s ..." % args.work, flush=True)
    dirs = {}
    for n in sorted(set(args.names) | set(args.callers_models)):
        d = os.path.join(args.work, n)
        if not os.path.exists(os.path.join(d, "inference.pdmodel")):
            sh([sys.executable, "-c", "import sys; sys.path.insert(0, %r); import models; models.export(%r, %r)"
                % (HERE, n, d)], env=quiet_env())
        dirs[n] = d
    bench = Bench(args, dirs)
    bench.unavailable = engine_availability(engines)
    bench.onnx_failed = {}
    if "ort" in engines and "ort" not in bench.unavailable:
        for n, d in dirs.items():
            if not os.path.exists(os.path.join(d, "model.onnx")):
                print("exporting %s with paddle2onnx ..." % n, flush=True)
                try:
                    sh([sys.executable, os.path.abspath(__file__), "--export-onnx", d], env=quiet_env())
                except Failed as e:
                    bench.onnx_failed[n] = "paddle2onnx export failed: %s" % e
    for e, why in bench.unavailable.items():
        print("%s: %s" % (TITLES[e], why), flush=True)

    peak, flops = {}, {}
    if not args.no_peak:
        try:
            peak = gemm_peak(args.work)
            print("oneDNN sgemm peak: %.0f GFLOP/s (1 thread), %.0f GFLOP/s (2 threads)" % (peak[1], peak[2]),
                  flush=True)
        except (Failed, RuntimeError, ValueError) as e:
            print("no sgemm peak: %s" % e, flush=True)

    conds = []
    extra, tput, batch = {}, [], []
    quota_note = None

    def save(pending):
        """Writes the section with what is measured so far (every phase, so
        that a run stopped half-way leaves its figures, marked partial)."""
        md = write_md(args, engines, bench, conds, extra, tput, batch, peak, flops, load_before,
                      os.getloadavg(), started, quota_note, pending)
        if args.out:
            replace_section(args.out, md)
            print("wrote the compare.py section of %s%s" % (args.out, " (partial)" if pending else ""),
                  flush=True)

    phases = ["the contention conditions"] if args.contention else []
    phases += ["the callers"] if args.callers else []
    phases += ["the batch"] if args.batch > 1 else []
    lb = os.getloadavg()
    conds.append(("base", "no load added by this script", bench.latency("base", engines), lb, os.getloadavg()))
    if "pdsafe" in engines:
        for n in args.names:
            for t in args.threads:
                # What one more predictor on the loaded model costs (a separate
                # run, so that the extra predictors do not count in the peaks).
                try:
                    r = run_pdsafe(args.pdsafe, dirs[n], t, 3, 1, bench.outdir("extra", n, t),
                                   extra=("--extra-predictors", "3"))
                    extra[(n, t)] = r["extra_predictor_kb"] / 1024.0
                except Failed as e:
                    print("extra predictors: %s" % e)
    if phases:
        save(phases)
    if args.contention:
        ceng = [e for e in engines if e != "pd_off"]
        lb = os.getloadavg()
        nb = Neighbours(args.neighbours, 4 * 3600)
        try:
            r = bench.latency("busy%d" % args.neighbours, ceng)
        finally:
            nb.stop()
        conds.append(("busy%d" % args.neighbours, "%d busy neighbour process%s spinning"
                      % (args.neighbours, "es" if args.neighbours > 1 else ""), r, lb, os.getloadavg()))
        procs, note, cgdir = make_quota(args.quota)
        if procs:
            lb = os.getloadavg()
            try:
                r = bench.latency("quota", ceng, cgroup=procs)
            finally:
                remove_cgroup(cgdir)
            conds.append(("quota", "CPU quota of %.2g CPUs (%s)" % (args.quota, note), r, lb,
                          os.getloadavg()))
        else:
            print("CPU quota not available: %s" % note, flush=True)
        quota_note = note
        phases.remove("the contention conditions")
        if phases:
            save(phases)
    peng = [e for e in engines if e in ("pdsafe", "pdsafe_bf16", "pdsafe_b", "ort", "ov_f32", "ov_def")]
    if args.callers:
        tput.extend(bench.throughput(peng))
        phases.remove("the callers")
        if phases:
            save(phases)
    if args.batch > 1:
        batch.extend(bench.batch(peng))
    if peak and "resnet50" in args.names:
        try:
            flops["resnet50"] = model_flops("resnet50")
        except Exception as e:  # noqa: BLE001
            print("could not count ResNet50 FLOPs: %s" % e)
    print(summary_text(args, engines, conds))
    save(None)


# ---- report --------------------------------------------------------------------------

def cell_ms(s):
    return "%.2f" % s["p50"] if "p50" in s else "unavailable" if s["error"].startswith("unavailable") else "failed"


def ratio_cell(s, base):
    """An engine's p50 over pdsafe's: below 1 = that engine is faster."""
    if "p50" not in s:
        return "unavailable" if s["error"].startswith("unavailable") else "failed"
    if base is None or "p50" not in base:
        return "%.2f ms" % s["p50"]
    return "%.2f×" % (s["p50"] / base["p50"])


def precision_of(s):
    p = s.get("info", {}).get("precision") if "p50" in s else None
    return {"<Type: 'float32'>": "f32", "<Type: 'bfloat16'>": "bf16", "<Type: 'float16'>": "f16"}.get(p, p)


def agree_cell(agree, eng, s, ref=None):
    if "p50" not in s:
        return "—"
    if eng == ref:
        return "reference"
    a = agree.get(eng)
    if a is None:
        return "no Paddle output to compare"
    ok, rel = a
    if not ok and eng == "pdsafe_bf16":
        return "%.1e (bf16: not expected within 1e-3)" % rel
    if not ok and precision_of(s) in ("bf16", "f16"):
        return "%.1e (%s: not expected within 1e-3)" % (rel, precision_of(s))
    return "%s (%.1e)" % ("yes" if ok else "**NO**", rel)


def paired(s, e):
    """An engine's p50 over pdsafe's, round by round (the two ran next to each
    other in the same round, so the machine's state was the same for both):
    (median, min, max) of the rounds' ratios, or None."""
    a, b = s.get("pdsafe", {}).get("round_p50"), s.get(e, {}).get("round_p50")
    if not a or not b:
        return None
    r = [y / x for x, y in zip(a, b) if x and y]
    return (pct(r, 0.5), min(r), max(r)) if r else None


def summary_text(args, engines, conds):
    out = []
    for cond, desc, res, lb, la in conds:
        out.append("== %s (%s; load %.2f -> %.2f) p50 ms, and ratio to %s:" % (cond, desc, lb[0], la[0], args.label))
        for (n, t), r in res.items():
            s = r["summ"]
            base = s.get("pdsafe")
            cells = []
            for e in engines:
                if e not in s:
                    continue
                c = cell_ms(s[e])
                pr = paired(s, e) if e != "pdsafe" else None
                if pr:
                    c += " (%.2f×, rounds %.2f–%.2f)" % pr
                cells.append("%s %s" % (label(args, e), c))
            out.append("  %-18s %dT  %s" % (n, t, "  ".join(cells)))
    return "\n".join(out)


def write_md(args, engines, bench, conds, extra, tput, batch, peak, flops, load_before, load_after,
             started, quota_note, pending=None):
    L = []
    w = L.append
    v = versions()
    idle = conds[0][2]
    peers = [e for e in engines if e != "pdsafe"]
    cmd = "python3 bench/compare.py " + " ".join(
        a if " " not in a else "'%s'" % a for a in sys.argv[1:])
    w("## Engine comparison (bench/compare.py)")
    w("")
    w("Generated by `%s` (%s), on a machine shared with other work: the figures are indicative,"
      " and engines are alternated round by round so that the noise hits them alike." % (cmd.strip(), started))
    w("")
    if pending:
        w("**Partial: written while the run went on; not measured yet: %s.**" % ", ".join(pending))
        w("")
    w("- CPU: %s, %d CPUs available; load average (1 min) %.2f before, %.2f %s."
      % (cpu_model(), len(os.sched_getaffinity(0)), load_before[0], load_after[0],
         "when this was written" if pending else "after the whole run"))
    ncpu = len(os.sched_getaffinity(0))
    if load_before[0] > ncpu:
        w("- **The machine was already loaded when the run began (load average %.1f on %d CPUs): 'no"
          " load added' is not an idle machine, and with more runnable threads than CPUs every"
          " engine's 2-thread figures suffer.**" % (load_before[0], ncpu))
    w("- Engines, each in its own process, on the same model files (bench/models.py, random weights,"
      " legacy `.pdmodel`) and the same input, intra-op threads = the row's thread count, inter-op"
      " threads 1: %s." % "; ".join(engine_desc(args, e, v) for e in engines))
    w("- %d rounds of %d timed runs (after %d warm-up runs) per engine; p50 / p99 over all runs of"
      " all rounds (pdsafe: median of the rounds' p50, worst p99). Ratios are the engine's p50 over"
      " %s's p50: below 1 means that engine is faster. The Python engines are timed around their"
      " Python call (input copy, run, output copy), pdsafe inside `pdsafe bench` (C): the Python"
      " call adds some µs, which shows only on the smallest models."
      % (args.rounds, args.iters, args.warmup, args.label))
    if "pdsafe_b" in engines:
        w("- %s against %s: its p50 over %s's, and in brackets the range of the ratio taken round by"
          " round (the two ran one after the other in each round)." % (args.label_b, args.label, args.label))
    w("- Outputs: relative L2 difference ||a − b|| / ||b|| against Paddle's output (Paddle native;"
      " Paddle+oneDNN where native was not run); agreement means ≤ 1e-3.")
    for e, why in bench.unavailable.items():
        w("- **%s %s**" % (TITLES[e], why))
    for n, why in bench.onnx_failed.items():
        w("- **ONNX Runtime on %s: %s**" % (n, why))
    w("")
    w("### Latency, no load added (p50 ms of %s, and each engine's p50 over it)" % args.label)
    w("")
    w("| model | threads | " + " | ".join("%s p50 ms" % args.label if e == "pdsafe" else label(args, e)
                                           for e in engines) + " |")
    w("|---|---|" + "---|" * len(engines))
    for n in args.names:
        for t in args.threads:
            s = idle[(n, t)]["summ"]
            cells = []
            for e in engines:
                if e == "pdsafe":
                    cells.append("**%s**" % cell_ms(s[e]))
                else:
                    c = ratio_cell(s[e], s.get("pdsafe"))
                    pr = paired(s, e) if e == "pdsafe_b" else None
                    if pr and len(s[e]["round_p50"]) > 1:
                        c += " (rounds %.2f–%.2f)" % pr[1:]
                    if e == "ov_def" and precision_of(s[e]):
                        c += " (%s)" % precision_of(s[e])
                    cells.append(c)
            w("| %s | %d | %s |" % (n, t, " | ".join(cells)))
    w("")
    w("### Every engine: latency, output, load time, memory (no load added)")
    w("")
    w("Load = creating the predictor / compiling the model + its first run, ms (median of the"
      " rounds). Peak RSS is the whole process's (Python, and the framework's import, included for"
      " the Python engines; the figure after import is in brackets).")
    w("")
    w("| model | threads | engine | p50 ms | p99 ms | vs %s | output vs Paddle (rel. L2) | load ms | peak RSS MB | OS threads |" % args.label)
    w("|---|---|---|---|---|---|---|---|---|---|")
    for n in args.names:
        for t in args.threads:
            r = idle[(n, t)]
            s = r["summ"]
            for e in engines:
                x = s[e]
                if "p50" not in x:
                    w("| %s | %d | %s | %s | | | | | | |" % (n, t, label(args, e), x["error"]))
                    continue
                rss = "%.0f" % x["rss_mb"] + (" (%.0f)" % x["rss_import_mb"] if "rss_import_mb" in x else "")
                note = "" if not x["failed_rounds"] else " (%d round(s) failed: %s)" % (x["failed_rounds"], x["errors"][0])
                w("| %s | %d | %s%s | %.2f%s | %.2f | %s | %s | %.0f | %s | %d |" % (
                    n, t, label(args, e), " (%s)" % precision_of(x) if e == "ov_def" or (e == "ov_f32" and precision_of(x) != "f32") else "",
                    x["p50"], note, x["p99"], "—" if e == "pdsafe" else ratio_cell(x, s.get("pdsafe")),
                    agree_cell(r["agree"], e, x, r["ref"]), x["load_ms"], rss, x["threads"]))
            if "pd_on_vs_off" in r["agree"]:
                w("| %s | %d | (Paddle+oneDNN vs Paddle native, for scale) | | | | %.1e | | | |"
                  % (n, t, r["agree"]["pd_on_vs_off"][1]))
    w("")
    if "pdsafe" in engines:
        w("### %s memory against its budget (1 predictor)" % args.label)
        w("")
        w("Budget = weights (as held after load, packed copies included) + planned arena + 40 MB;"
          " 'each extra predictor' is the RSS each of 3 more predictors on the loaded model adds"
          " once it has run (`pdsafe bench --extra-predictors 3`).")
        w("")
        w("| model | threads | weights MB | arena MB (naive) | peak RSS MB | budget MB | within budget | each extra predictor MB |")
        w("|---|---|---|---|---|---|---|---|")
        for n in args.names:
            for t in args.threads:
                p = idle[(n, t)]["summ"]["pdsafe"]
                if "p50" not in p:
                    continue
                budget = p["weights_mb"] + p["arena_mb"] + 40.0
                ex = extra.get((n, t))
                w("| %s | %d | %.1f | %.1f (%.1f) | %.1f | %.1f | %s | %s |" % (
                    n, t, p["weights_mb"], p["arena_mb"], p["naive_mb"], p["rss_mb"], budget,
                    met(p["rss_mb"] <= budget), "%.2f" % ex if ex is not None else "—"))
        w("")
    if peak and "resnet50" in flops and "pdsafe" in engines:
        w("### ResNet50 against the machine's peak")
        w("")
        w("Peak fp32 rate of oneDNN's sgemm (2048³, bench/gemm_peak.c): %.0f GFLOP/s on 1 thread, %.0f on 2."
          " ResNet50: %.2f GFLOP per inference (2 × the multiply-adds of its convolutions and fully"
          " connected layer, counted with forward hooks)." % (peak[1], peak[2], flops["resnet50"] * 1e-9))
        w("")
        w("| threads | %s p50 ms | GFLOP/s | share of sgemm peak |" % args.label)
        w("|---|---|---|---|")
        for t in args.threads:
            p = idle[("resnet50", t)]["summ"]["pdsafe"]
            if "p50" in p:
                rate = flops["resnet50"] / (p["p50"] * 1e-3) * 1e-9
                w("| %d | %.2f | %.0f | %.0f %% |" % (t, p["p50"], rate, 100.0 * rate / peak[min(t, 2)]))
        w("")
    if tput:
        teng = [e for e in engines if e in ("pdsafe", "pdsafe_bf16", "pdsafe_b", "ort", "ov_f32", "ov_def")]
        w("### Throughput with concurrent callers (runs/s, median of the rounds)")
        w("")
        w("%s: `pdsafe bench --callers N --threads T` (N threads, one predictor each). ONNX Runtime: N"
          " Python threads calling one session (intra-op threads T, inter-op 1; the GIL is released"
          " during a run). OpenVINO: PERFORMANCE_HINT=THROUGHPUT, INFERENCE_NUM_THREADS=T (its streams"
          " are its choice, shown), N infer requests in an AsyncInferQueue. %d runs per measurement,"
          " shared by the callers (at least 4 each). Ratio = runs/s over %s's: above 1 means that"
          " engine gets more done." % (args.label, args.callers_runs, args.label))
        w("")
        w("| model | callers | threads | " + " | ".join(label(args, e) + (" runs/s" if e == "pdsafe" else "")
                                                      for e in teng) + " |")
        w("|---|---|---|" + "---|" * len(teng))
        for n, c, t, row in tput:
            base = None
            okb = [r for r in row.get("pdsafe", []) if "error" not in r]
            if okb:
                base = pct([r["throughput"] for r in okb], 0.5)
            cells = []
            for e in teng:
                ok = [r for r in row[e] if "error" not in r]
                if not ok:
                    cells.append("unavailable" if row[e][0]["error"].startswith("unavailable") else "failed")
                    continue
                tp = pct([r["throughput"] for r in ok], 0.5)
                if e == "pdsafe" or base is None:
                    cells.append("**%.1f**" % tp if e == "pdsafe" else "%.1f" % tp)
                else:
                    st = ok[-1].get("info", {}).get("streams")
                    cells.append("%.2f×%s" % (tp / base, " (streams: %d)" % st if st else ""))
            w("| %s | %d | %d | %s |" % (n, c, t, " | ".join(cells)))
        w("")
    if batch:
        beng = [e for e in engines if e in ("pdsafe", "pdsafe_bf16", "pdsafe_b", "ort", "ov_f32", "ov_def")]
        w("### Batch of %d: time per image (ms, p50 of the batch / %d)" % (args.batch, args.batch))
        w("")
        w("| model | threads | " + " | ".join(label(args, e) for e in beng) + " |")
        w("|---|---|" + "---|" * len(beng))
        for n, t, s in batch:
            cells = []
            for e in beng:
                x = s[e]
                if "p50" not in x:
                    cells.append("unavailable" if x["error"].startswith("unavailable") else "failed: " + x["error"])
                    continue
                c = "%.2f" % (x["p50"] / args.batch)
                if e != "pdsafe" and "p50" in s.get("pdsafe", {}):
                    c += " (%.2f×)" % (x["p50"] / s["pdsafe"]["p50"])
                if e == "ov_def" and precision_of(x):
                    c += " %s" % precision_of(x)
                cells.append(c)
            w("| %s | %d | %s |" % (n, t, " | ".join(cells)))
        w("")
    if args.contention and len(conds) > 1:
        w("### Under contention: 1-thread and 2-thread p50 (ms)")
        w("")
        w("Conditions: %s." % "; ".join("**%s** = %s (load average %.2f before, %.2f after)"
                                         % (c, d, lb[0], la[0]) for c, d, _, lb, la in conds))
        if quota_note is not None and not any(c == "quota" for c, *_ in conds):
            w("CPU quota: **not available on this machine** (%s)." % quota_note)
        w("The busy neighbours are processes of this script spinning in a bounded Python loop,"
          " started before and stopped after their condition. Paddle native is not run under"
          " contention. '2T ≤ 1T' says whether the engine's 2-thread p50 is no worse than its"
          " 1-thread p50; 'vs OpenVINO' is %s's 2-thread p50 over OpenVINO f32's." % args.label)
        w("")
        ceng = [e for e in engines if e != "pd_off"]
        if 1 in args.threads and 2 in args.threads:
            w("| model | engine | " + " | ".join("%s 1T / 2T | 2T ≤ 1T" % c for c, *_ in conds) + " |")
            w("|---|---|" + "---|---|" * len(conds))
            for n in args.names:
                for e in ceng:
                    cells = []
                    for c, d, res, lb, la in conds:
                        a1, a2 = res[(n, 1)]["summ"].get(e, {}), res[(n, 2)]["summ"].get(e, {})
                        if "p50" in a1 and "p50" in a2:
                            cells.append("%.2f / %.2f" % (a1["p50"], a2["p50"]))
                            cells.append(met(a2["p50"] <= a1["p50"]))
                        else:
                            cells += ["unavailable" if "unavailable" in (a1.get("error", "") + a2.get("error", ""))
                                      else "failed", "—"]
                    w("| %s | %s | %s |" % (n, label(args, e), " | ".join(cells)))
            w("")
            if "ov_f32" in ceng and "pdsafe" in ceng:
                w("| model | " + " | ".join("%s: %s 2T / OpenVINO f32 2T" % (c, args.label) for c, *_ in conds) + " |")
                w("|---|" + "---|" * len(conds))
                for n in args.names:
                    cells = []
                    for c, d, res, lb, la in conds:
                        p, o = res[(n, 2)]["summ"].get("pdsafe", {}), res[(n, 2)]["summ"].get("ov_f32", {})
                        cells.append("%.2f (%s)" % (p["p50"] / o["p50"], "no worse" if p["p50"] <= o["p50"] else "**worse**")
                                     if "p50" in p and "p50" in o else "—")
                    w("| %s | %s |" % (n, " | ".join(cells)))
                w("")
        else:
            w("(--threads must include 1 and 2 for this table.)")
            w("")
        bad = []
        for c, d, res, lb, la in conds[1:]:
            for (n, t), r in res.items():
                for e, a in r["agree"].items():
                    if e != "pd_on_vs_off" and a is not None and not a[0] and \
                            precision_of(r["summ"].get(e, {})) not in ("bf16", "f16"):
                        bad.append("%s %s %dT %s (%.1e)" % (c, n, t, label(args, e), a[1]))
        w("Outputs under contention: %s." % ("all agree with Paddle's within 1e-3" if not bad
                                             else "**disagreements: %s**" % ", ".join(bad)))
        w("")
    return "\n".join(L)


def engine_desc(args, e, v):
    if e == "pdsafe":
        return "%s = `%s bench` (oneDNN fast path)" % (args.label, os.path.relpath(args.pdsafe, ROOT)
                                                       if args.pdsafe.startswith(ROOT) else args.pdsafe)
    if e == "pdsafe_b":
        return "%s = `%s bench`" % (args.label_b, args.pdsafe_b)
    if e == "pdsafe_bf16":
        return "%s bf16 = `%s bench --precision bf16`" % (args.label, args.pdsafe)
    if e in ("pd_on", "pd_off"):
        return "%s = paddlepaddle %s `paddle.inference`, oneDNN %s (IR and memory optimisation on)" % (
            TITLES[e], v["paddlepaddle"], "on" if e == "pd_on" else "off")
    if e == "ov_f32":
        return "OpenVINO f32 = openvino %s, CPU plugin, Paddle frontend, LATENCY hint, 1 stream, INFERENCE_PRECISION_HINT=f32" % v["openvino"]
    if e == "ov_def":
        return "OpenVINO default = the same at its default precision (shown in brackets)"
    if e == "ort":
        return ("ONNX Runtime = onnxruntime %s, CPU provider, all graph optimisations, on the paddle2onnx %s"
                " export (opset 17)" % (v["onnxruntime"], v["paddle2onnx"]))
    return e


def replace_section(path, md):
    """Rewrites the text between BEGIN_MARK and END_MARK in path; the rest of the file stays."""
    block = BEGIN_MARK + "\n" + md.rstrip("\n") + "\n" + END_MARK + "\n"
    old = ""
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
    i, j = old.find(BEGIN_MARK), old.find(END_MARK)
    if i >= 0 and j > i:
        rest = old[j + len(END_MARK):].lstrip("\n")
        new = old[:i] + block + ("\n" + rest if rest else "")
    elif i >= 0 or j >= 0:
        sys.exit("compare.py: %s has only one of the markers %s / %s; fix the file" % (path, BEGIN_MARK, END_MARK))
    else:
        new = old + ("\n" if old and not old.endswith("\n\n") else "") + block
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(new)
    os.replace(tmp, path)


def faster_slower(ratio):
    """pdsafe's time over Paddle's, said in words: 0.89 -> "0.89 (1.12× faster)"."""
    if ratio < 1.0:
        return "%.2f (%.2f× faster)" % (ratio, 1.0 / ratio)
    if ratio > 1.0:
        return "%.2f (%.2f× slower)" % (ratio, ratio)
    return "1.00 (as fast)"


def met(ok):
    return "yes" if ok else "**no**"


if __name__ == "__main__":
    main()
