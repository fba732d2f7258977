#!/usr/bin/env python3
"""Tests of bench/compare.py's own logic, without the engines (plain python3:
no numpy, paddle, openvino or onnxruntime needed).

    python3 bench/compare_test.py

What the report says must follow from the measurements: the section of
BENCHMARKS.md it rewrites and nothing else, engines that cannot run shown as
unavailable or failed (never dropped), the 2-thread-vs-1-thread and
vs-OpenVINO verdicts of the contention table, the round-by-round ratios of
two pdsafe builds, and busy neighbours that stop when told to.
"""
import argparse
import os
import shutil
import signal
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402


def pdsafe_round(p50, p99=None):
    return {"p50_ms": p50, "p99_ms": p99 or p50 * 1.5, "load_ms": 10.0, "first_run_ms": 2.0,
            "peak_rss_kb": 30 * 1024, "peak_threads": 5, "weights_bytes": 10 << 20,
            "arena_bytes": 1 << 20, "naive_bytes": 7 << 20}


def peer_round(lat, precision=None):
    info = {"precision": precision} if precision else {}
    return {"lat": lat, "create_ms": 100.0, "first_ms": 5.0, "peak_rss_kb": 100 * 1024,
            "rss_after_import_kb": 50 * 1024, "threads": 4, "info": info}


class ReplaceSection(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.path = os.path.join(self.dir, "B.md")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def write(self, text):
        with open(self.path, "w") as f:
            f.write(text)

    def read(self):
        with open(self.path) as f:
            return f.read()

    def test_rewrites_only_between_the_markers(self):
        before = "# Benchmarks\n\nintro\n\n"
        after = "\n## Tracing overhead\n\nkept\n<!-- ocr:begin -->\nocr\n<!-- ocr:end -->\n"
        self.write(before + compare.BEGIN_MARK + "\nold table\n" + compare.END_MARK + "\n" + after)
        compare.replace_section(self.path, "## Engine comparison\n\nnew table\n")
        self.assertEqual(self.read(), before + compare.BEGIN_MARK + "\n## Engine comparison\n\nnew table\n"
                         + compare.END_MARK + "\n\n" + after.lstrip("\n"))
        # Twice gives the same file: nothing accumulates around the section.
        once = self.read()
        compare.replace_section(self.path, "## Engine comparison\n\nnew table\n")
        self.assertEqual(self.read(), once)

    def test_a_file_without_markers_gets_the_section_appended(self):
        self.write("# Other\n\ntext\n")
        compare.replace_section(self.path, "S\n")
        self.assertEqual(self.read(), "# Other\n\ntext\n\n" + compare.BEGIN_MARK + "\nS\n" + compare.END_MARK + "\n")

    def test_a_missing_file_is_created_with_the_section(self):
        compare.replace_section(self.path, "S")
        self.assertEqual(self.read(), compare.BEGIN_MARK + "\nS\n" + compare.END_MARK + "\n")

    def test_one_marker_alone_is_refused_and_the_file_left_alone(self):
        self.write("x\n" + compare.BEGIN_MARK + "\ny\n")
        with self.assertRaises(SystemExit) as cm:
            compare.replace_section(self.path, "S")
        self.assertEqual(str(cm.exception), "compare.py: %s has only one of the markers %s / %s; fix the file"
                         % (self.path, compare.BEGIN_MARK, compare.END_MARK))
        self.assertEqual(self.read(), "x\n" + compare.BEGIN_MARK + "\ny\n")


class Statistics(unittest.TestCase):
    def test_percentiles_interpolate(self):
        self.assertEqual(compare.pct([4.0, 1.0, 3.0, 2.0], 0.5), 2.5)
        self.assertEqual(compare.pct([1.0, 2.0, 3.0], 0.5), 2.0)
        self.assertAlmostEqual(compare.pct(list(range(101)), 0.99), 99.0)

    def test_summary_pools_peer_samples_and_keeps_failed_rounds_visible(self):
        s = compare.summarize("ort", [peer_round([1.0, 2.0, 3.0]), {"error": "run failed: x"},
                                      peer_round([5.0, 6.0, 7.0])])
        self.assertEqual(s["p50"], 4.0)
        self.assertEqual((s["rounds"], s["failed_rounds"], s["errors"]), (2, 1, ["run failed: x"]))
        self.assertEqual(s["round_p50"], [2.0, None, 6.0])
        self.assertEqual(compare.summarize("ort", [{"error": "unavailable: y"}]), {"error": "unavailable: y"})

    def test_pdsafe_is_the_median_of_its_rounds_p50_and_the_worst_p99(self):
        s = compare.summarize("pdsafe", [pdsafe_round(3.0, 9.0), pdsafe_round(1.0, 4.0), pdsafe_round(2.0, 5.0)])
        self.assertEqual((s["p50"], s["p99"], s["load_ms"]), (2.0, 9.0, 12.0))

    def test_two_builds_are_compared_round_by_round(self):
        s = {"pdsafe": compare.summarize("pdsafe", [pdsafe_round(2.0), pdsafe_round(4.0), pdsafe_round(8.0)]),
             "pdsafe_b": compare.summarize("pdsafe_b", [pdsafe_round(1.0), {"error": "run failed"},
                                                        pdsafe_round(6.0)])}
        self.assertEqual(compare.paired(s, "pdsafe_b"), (0.625, 0.5, 0.75))


def fake_args(**kw):
    a = argparse.Namespace(label="pdsafe", label_b="pdsafe B", names=["m"], threads=[1, 2], rounds=2,
                           iters=3, warmup=1, pdsafe=os.path.join(compare.ROOT, "build", "pdsafe"),
                           pdsafe_b=None, contention=True, callers_runs=10, batch=0)
    a.__dict__.update(kw)
    return a


class Report(unittest.TestCase):
    def result(self, p1, p2, ov1, ov2):
        def one(p, ov):
            return {"summ": {"pdsafe": compare.summarize("pdsafe", [pdsafe_round(p)]),
                             "ov_f32": compare.summarize("ov_f32", [peer_round([ov], "<Type: 'float32'>")]),
                             "ort": compare.summarize("ort", [{"error": "unavailable: onnxruntime not installed"}])},
                    "agree": {"pdsafe": (True, 1e-6), "ov_f32": (True, 2e-6)}, "ref": "saved"}
        return {("m", 1): one(p1, ov1), ("m", 2): one(p2, ov2)}

    def test_unavailable_engines_are_rows_and_the_contention_verdicts_follow_the_numbers(self):
        bench = argparse.Namespace(unavailable={"ort": "unavailable: onnxruntime not installed"}, onnx_failed={})
        conds = [("base", "no load added", self.result(4.0, 2.0, 5.0, 3.0), (1.0,), (1.0,)),
                 ("busy1", "1 busy neighbour", self.result(5.0, 9.0, 6.0, 4.0), (2.0,), (2.0,))]
        md = compare.write_md(fake_args(), ["ov_f32", "ort", "pdsafe"], bench, conds, {}, [], [], {}, {},
                              (1.0,), (1.0,), "now", "cgroup v2: no; cgroup v1: no")
        lines = md.splitlines()
        self.assertIn("| m | 1 | 1.25× | unavailable | **4.00** |", lines)
        self.assertIn("| m | 2 | 1.50× | unavailable | **2.00** |", lines)
        self.assertIn("| m | 1 | ONNX Runtime | unavailable: onnxruntime not installed | | | | | | |", lines)
        self.assertIn("- **ONNX Runtime unavailable: onnxruntime not installed**", lines)
        # 2T <= 1T: yes at base (2.00 <= 4.00), no in busy1 (9.00 > 5.00).
        self.assertIn("| m | pdsafe | 4.00 / 2.00 | yes | 5.00 / 9.00 | **no** |", lines)
        self.assertIn("| m | OpenVINO f32 | 5.00 / 3.00 | yes | 6.00 / 4.00 | yes |", lines)
        self.assertIn("| m | ONNX Runtime | unavailable | — | unavailable | — |", lines)
        # pdsafe 2T over OpenVINO 2T: 2/3 no worse, 9/4 worse.
        self.assertIn("| m | 0.67 (no worse) | 2.25 (**worse**) |", lines)
        self.assertIn("CPU quota: **not available on this machine** (cgroup v2: no; cgroup v1: no).", lines)
        self.assertNotIn("Partial", md)
        self.assertNotIn("already loaded", md)
        loaded = compare.write_md(fake_args(), ["pdsafe"], bench, conds, {}, [], [], {}, {},
                                  (len(os.sched_getaffinity(0)) + 0.5,), (1.0,), "now", "x")
        self.assertIn("- **The machine was already loaded when the run began (load average %.1f on %d CPUs)"
                      % (len(os.sched_getaffinity(0)) + 0.5, len(os.sched_getaffinity(0))), loaded)
        md = compare.write_md(fake_args(), ["ov_f32", "ort", "pdsafe"], bench, conds[:1], {}, [], [], {}, {},
                              (1.0,), (1.0,), "now", None, ["the contention conditions"])
        self.assertIn("**Partial: written while the run went on; not measured yet: the contention conditions.**",
                      md.splitlines())
        self.assertNotIn("Under contention", md)

    def test_a_bf16_output_is_not_called_a_disagreement(self):
        s = compare.summarize("ov_def", [peer_round([1.0], "<Type: 'bfloat16'>")])
        self.assertEqual(compare.agree_cell({"ov_def": (False, 1.8e-2)}, "ov_def", s),
                         "1.8e-02 (bf16: not expected within 1e-3)")
        s = compare.summarize("ov_f32", [peer_round([1.0], "<Type: 'float32'>")])
        self.assertEqual(compare.agree_cell({"ov_f32": (False, 1.8e-2)}, "ov_f32", s), "**NO** (1.8e-02)")
        self.assertEqual(compare.agree_cell({}, "pd_off", s, "pd_off"), "reference")


class Contention(unittest.TestCase):
    def test_neighbours_spin_until_stopped(self):
        nb = compare.Neighbours(2, 3600)
        procs = list(nb.procs)
        self.assertEqual([p.poll() for p in procs], [None, None])
        nb.stop()
        self.assertEqual([p.returncode for p in procs], [-signal.SIGTERM, -signal.SIGTERM])
        self.assertEqual(nb.procs, [])

    def test_a_neighbour_stops_by_itself_at_its_limit(self):
        import subprocess
        r = subprocess.run([sys.executable, compare.__file__, "--neighbour", "0"], timeout=600)
        self.assertEqual(r.returncode, 0)

    def test_the_quota_is_made_or_the_reason_given(self):
        procs, desc, d = compare.make_quota(1.5)
        try:
            if procs is None:
                self.assertIsNone(d)
                self.assertIn("cgroup v2:", desc)
                self.assertIn("cgroup v1:", desc)
            else:
                self.assertTrue(os.path.isdir(d))
                self.assertIn("1.5 CPUs", desc)
                limit = os.path.join(d, "cpu.max") if "v2" in desc else os.path.join(d, "cpu.cfs_quota_us")
                with open(limit) as f:
                    self.assertEqual(f.read().split()[0], "150000")
        finally:
            compare.remove_cgroup(d)
        if d:
            self.assertFalse(os.path.exists(d))


if __name__ == "__main__":
    unittest.main()
