"""Paddle Inference's latency on a QDQ model, for bench/int8.sh:

    python3 bench/int8_paddle.py MODEL.pdmodel INPUT.npy THREADS ITERS

Runs MODEL (with MODEL's .pdiparams beside it) on INPUT in Paddle's best
configuration that computes the model right on CPU: IR passes and oneDNN in
float32 (enable_mkldnn_int8 runs but gives wrong outputs on PaddleSlim's
QDQ export, BENCHMARKS.md "int8"), THREADS math threads, 5 warm-up runs,
then ITERS timed runs; prints one JSON line with p50_ms and p90_ms.
"""
import json
import sys
import time

import numpy as np
import paddle.inference as pi


def main():
    model, inp, threads, iters = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    c = pi.Config(model, model[: -len(".pdmodel")] + ".pdiparams")
    c.disable_gpu()
    c.enable_mkldnn()
    c.set_cpu_math_library_num_threads(threads)
    c.disable_glog_info()
    p = pi.create_predictor(c)
    x = np.load(inp)
    h = p.get_input_handle(p.get_input_names()[0])
    h.reshape(x.shape)
    h.copy_from_cpu(x)
    for _ in range(5):
        p.run()
    ts = []
    for _ in range(iters):
        t = time.perf_counter()
        p.run()
        ts.append((time.perf_counter() - t) * 1e3)
    print(json.dumps({"p50_ms": float(np.percentile(ts, 50)), "p90_ms": float(np.percentile(ts, 90))}))


if __name__ == "__main__":
    main()
