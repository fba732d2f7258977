"""Paddle Inference's own bf16 against its float32, for scale beside pdsafe's
(BENCHMARKS.md "bf16"):

    python3 bench/bf16_paddle.py PDSAFE_BIN MODEL_DIR...

Each MODEL_DIR holds inference.pdmodel + inference.pdiparams and input.npy
(bench/models.py exports them). On input.npy, Paddle Inference with oneDNN
(1 thread) runs in float32 and with enable_mkldnn_bfloat16(), and pdsafe
(`PDSAFE_BIN run --precision fp32|bf16`) runs both ways; each prints
max |bf16 - fp32| / max |fp32| and mean |bf16 - fp32| / mean |fp32| of the
first output, as a Markdown table. Asserts nothing.
"""
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np
import paddle.inference as pi


def paddle_run(d, x, bf16):
    c = pi.Config(os.path.join(d, "inference.pdmodel"), os.path.join(d, "inference.pdiparams"))
    c.disable_gpu()
    c.set_cpu_math_library_num_threads(1)
    c.enable_mkldnn()
    if bf16:
        c.enable_mkldnn_bfloat16()
    p = pi.create_predictor(c)
    h = p.get_input_handle(p.get_input_names()[0])
    h.copy_from_cpu(x)
    p.run()
    return p.get_output_handle(p.get_output_names()[0]).copy_to_cpu()


def pdsafe_run(binary, d, precision):
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([binary, "run", os.path.join(d, "inference.pdmodel"), "--precision",
                        precision, "-i", "0=" + os.path.join(d, "input.npy"), "-o", out],
                       check=True, stdout=subprocess.DEVNULL)
        return np.load(sorted(glob.glob(os.path.join(out, "0_*.npy")))[0])


def errors(a, b):
    return np.abs(a - b).max() / np.abs(b).max(), np.abs(a - b).mean() / np.abs(b).mean()


def main():
    binary, dirs = sys.argv[1], sys.argv[2:]
    print("| model | Paddle bf16 vs fp32: max / mean rel. error | pdsafe bf16 vs fp32: max / mean rel. error |")
    print("|---|---|---|")
    for d in dirs:
        x = np.load(os.path.join(d, "input.npy"))
        try:
            pm, pn = errors(paddle_run(d, x, True), paddle_run(d, x, False))
            paddle = f"{pm:.1e} / {pn:.1e}"
        except Exception as e:  # Paddle's bf16 pass does not take every model
            paddle = "fails: " + str(e).strip().splitlines()[0][:80]
        sm, sn = errors(pdsafe_run(binary, d, "bf16"), pdsafe_run(binary, d, "fp32"))
        print(f"| {os.path.basename(os.path.normpath(d))} | {paddle} | {sm:.1e} / {sn:.1e} |")


if __name__ == "__main__":
    main()
