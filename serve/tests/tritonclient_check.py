"""Drives a running pdsafe-serve with Triton's own Python clients
(tritonclient.http and tritonclient.grpc from PyPI): metadata, config,
repository index, and infer calls -- JSON and binary, sync and async --
whose outputs are compared with Paddle's (the op_math fixture's .npy files).
Run by serve's TestTritonClient, which starts the server on 127.0.0.1:

    python tritonclient_check.py HTTP_HOST:PORT GRPC_HOST:PORT FIXTURE_DIR MODEL

Prints one line per check and "N passed, M failed"; exits 1 on any failure.
"""

import os
import sys
import threading
import traceback

import numpy as np
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

HTTP, GRPC, FIX, MODEL = sys.argv[1:5]
OUTPUTS = ["sin_0.tmp_0", "cos_0.tmp_0", "floor_0.tmp_0", "ceil_0.tmp_0",
           "round_0.tmp_0", "sign_0.tmp_0", "reciprocal_0.tmp_0"]
TIMEOUT_S = 60  # every wait is bounded


def case(k):
    x = np.load(os.path.join(FIX, f"case{k}.in0.npy"))
    outs = [np.load(os.path.join(FIX, f"case{k}.out{j}.npy")) for j in range(len(OUTPUTS))]
    return x, outs


def close(what, got, want):
    if got.shape != want.shape or got.dtype != want.dtype:
        raise AssertionError(f"{what}: {got.dtype}{got.shape}, want {want.dtype}{want.shape}")
    err = np.abs(got.astype(np.float64) - want) - (1e-4 + 1e-3 * np.abs(want))
    if (err > 0).any():
        i = int(np.argmax(err))
        raise AssertionError(f"{what}: element {i} is {got.flat[i]}, Paddle gives {want.flat[i]}")


def check_result(what, result, want, request_id):
    resp = result.get_response()
    rid = resp.id if hasattr(resp, "id") else resp.get("id", "")
    if rid != request_id:
        raise AssertionError(f"{what}: id {rid!r}, want {request_id!r}")
    for name, w in zip(OUTPUTS, want):
        close(f"{what} {name}", result.as_numpy(name), w)


def http_checks(c):
    assert c.is_server_live() and c.is_server_ready(), "server not live/ready"
    assert c.is_model_ready(MODEL), "model not ready"
    md = c.get_model_metadata(MODEL)
    assert md["inputs"][0]["name"] == "x" and md["inputs"][0]["shape"] == [-1, 4, 6], md
    cfg = c.get_model_config(MODEL)
    assert cfg["max_batch_size"] == 8 and len(cfg["output"]) == 7, cfg
    idx = c.get_model_repository_index()
    assert any(m["name"] == MODEL and m.get("state") == "READY" for m in idx), idx
    for k in range(2):
        x, want = case(k)
        for binary in (False, True):
            inp = httpclient.InferInput("x", list(x.shape), "FP32")
            inp.set_data_from_numpy(x, binary_data=binary)
            outs = [httpclient.InferRequestedOutput(n, binary_data=binary) for n in OUTPUTS]
            rid = f"http-{k}-{binary}"
            r = c.infer(MODEL, [inp], outputs=outs, request_id=rid)
            check_result(f"http sync case {k} binary={binary}", r, want, rid)
            a = c.async_infer(MODEL, [inp], outputs=outs, request_id=rid + "-async")
            check_result(f"http async case {k} binary={binary}", a.get_result(timeout=TIMEOUT_S), want, rid + "-async")
    x, _ = case(0)
    bad = httpclient.InferInput("x", [1, 6, 4], "FP32")
    bad.set_data_from_numpy(x.reshape(1, 6, 4))
    try:
        c.infer(MODEL, [bad])
        raise AssertionError("a wrong shape was accepted")
    except InferenceServerException as e:
        assert "has shape [1 6 4], the model expects [batch]+[4 6]" in e.message(), e.message()
    try:
        c.infer("no_such_model", [bad])
        raise AssertionError("an unknown model was accepted")
    except InferenceServerException as e:
        assert "unknown model" in e.message(), e.message()


def grpc_checks(c):
    assert c.is_server_live() and c.is_server_ready() and c.is_model_ready(MODEL)
    md = c.get_model_metadata(MODEL, as_json=True)
    assert md["inputs"][0]["name"] == "x", md
    cfg = c.get_model_config(MODEL, as_json=True)
    assert cfg["config"]["max_batch_size"] == 8, cfg
    for k in range(2):
        x, want = case(k)
        inp = grpcclient.InferInput("x", list(x.shape), "FP32")
        inp.set_data_from_numpy(x)
        outs = [grpcclient.InferRequestedOutput(n) for n in OUTPUTS]
        rid = f"grpc-{k}"
        r = c.infer(MODEL, [inp], outputs=outs, request_id=rid, client_timeout=TIMEOUT_S)
        check_result(f"grpc sync case {k}", r, want, rid)
        done = threading.Event()
        box = {}

        def callback(result, error):
            box["result"], box["error"] = result, error
            done.set()

        c.async_infer(MODEL, [inp], callback, outputs=outs, request_id=rid + "-async", client_timeout=TIMEOUT_S)
        assert done.wait(TIMEOUT_S), "grpc async_infer: no callback"
        assert box["error"] is None, box["error"]
        check_result(f"grpc async case {k}", box["result"], want, rid + "-async")
    x, _ = case(0)
    bad = grpcclient.InferInput("x", [1, 4, 6], "INT64")
    bad.set_data_from_numpy(np.zeros((1, 4, 6), dtype=np.int64))
    try:
        c.infer(MODEL, [bad])
        raise AssertionError("a wrong dtype was accepted")
    except InferenceServerException as e:
        assert e.status() == "StatusCode.INVALID_ARGUMENT", e.status()
        assert "input 'x' is INT64, the model expects FP32" in e.message(), e.message()


def main():
    passed = failed = 0
    checks = [("http", lambda: http_checks(httpclient.InferenceServerClient(HTTP, concurrency=2, network_timeout=TIMEOUT_S))),
              ("grpc", lambda: grpc_checks(grpcclient.InferenceServerClient(GRPC)))]
    for name, fn in checks:
        try:
            fn()
            print(f"ok   {name}")
            passed += 1
        except Exception:
            print(f"FAIL {name}\n{traceback.format_exc()}")
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
