#!/usr/bin/env python3
"""tools/zoo/report.py, the model zoo's pure logic, on known inputs: the
detection box matcher (same box set after NMS, order-free, scores within
tolerance, label-aware) and the markdown table writer. Needs only python3
(the zoo itself, and its packages, are not part of CI). Prints
"N passed, N failed"; exits 1 if anything failed."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "zoo"))
import report  # noqa: E402

passed = failed = 0


def check(name, cond):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL " + name)


ref = [[0, 0.90, 10, 10, 50, 50], [3, 0.80, 20, 30, 60, 90], [0, 0.80, 100, 100, 140, 150]]
# the same boxes in another order (ties in score may come out either way), tiny numeric noise
got = [[0, 0.8000004, 100, 100, 140, 150.001], [3, 0.8, 20, 30, 60, 90], [0, 0.9000002, 10, 10, 50, 50]]
ok, msg, worst = report.match_boxes(ref, got, 1e-3)
check("reordered boxes match", ok and msg == "3 boxes match")
check("worst score difference", worst is not None and abs(worst - 4e-7) < 1e-9)

ok, msg, _ = report.match_boxes(ref, got[:2], 1e-3)
check("count differs", not ok and msg == "2 boxes, Paddle 3")

bad_label = [list(r) for r in got]
bad_label[1][0] = 4
ok, msg, _ = report.match_boxes(ref, bad_label, 1e-3)
check("a label differs", not ok and msg.startswith("1 of 3 Paddle boxes have no match (first: label 3 score 0.8000"))

bad_score = [list(r) for r in got]
bad_score[2][1] = 0.95
ok, msg, _ = report.match_boxes(ref, bad_score, 1e-3)
check("a score outside the tolerance", not ok and "label 0 score 0.9000" in msg)

moved = [list(r) for r in got]
moved[0][2] += 4  # IoU 0.9 with its reference box
ok, msg, _ = report.match_boxes(ref, moved, 1e-3)
check("a moved box", not ok and "box [100.0, 100.0, 140.0, 150.0]" in msg)

ok, msg, worst = report.match_boxes([], [], 1e-3)
check("no boxes on either side", ok and msg == "0 boxes match" and worst == 0.0)

check("iou of identical boxes", report.iou([0, 0, 2, 2], [0, 0, 2, 2]) == 1.0)
check("iou half overlap", abs(report.iou([0, 0, 2, 2], [1, 0, 3, 2]) - 1 / 3) < 1e-12)
check("iou disjoint", report.iou([0, 0, 1, 1], [2, 2, 3, 3]) == 0.0)
check("iou of degenerate equal boxes", report.iou([1, 1, 1, 1], [1, 1, 1, 1]) == 1.0)

rows = [
    {"model": "m1", "family": "classification", "source": "pkg 1.0", "format": "pir", "loads": True,
     "match": "yes 1e-06; 0.01", "p50_pdsafe": 5.0, "p50_paddle": 10.0, "paddle_config": "oneDNN"},
    {"model": "m2", "family": "nlp", "source": "pkg 2.0", "format": "legacy", "loads": False,
     "match": None, "p50_pdsafe": None, "p50_paddle": 250.0, "paddle_config": "plain",
     "load_error": "1 operator type is not supported: foo (2, first at op 3)"},
    {"model": "m3|x", "family": "ocr", "source": "s", "format": "pir", "export_error": "E"},
]
t = report.table(rows).splitlines()
check("header", t[0] == "| " + " | ".join(report.HEADER) + " |" and t[1] == "|" + "---|" * len(report.HEADER))
check("row with ratio", t[2] == "| m1 | classification | pkg 1.0 | pir | yes | yes 1e-06; 0.01 | 5.00 | 10.00 (oneDNN) | 0.50x |")
check("row that does not load", t[3] == "| m2 | nlp | pkg 2.0 | legacy | no | - | - | 250 (plain) | - |")
check("pipe escaped, not exported", t[4] == "| m3\\|x | ocr | s | pir | not exported | - | - | - | - |")
check("every row has the header's cell count",
      all(len(line.replace("\\|", "")[1:-1].split("|")) == len(report.HEADER) for line in t))
txt = report.text_table(rows).splitlines()
check("text table aligned", len(txt) == 4 and txt[1].startswith("m1 ") and txt[1].index("classification") == txt[0].index("Family"))

# --update: the rows of the models run (and their error lines) replaced in place, the rest kept
def doc(rows_, intro, errors):
    lines = [intro, "", "Command: `python tools/zoo/zoo.py`", "", report.table(rows_)]
    if errors:
        lines += ["", "## Errors", ""] + errors
    return "\n".join(lines) + "\n"


old = doc(rows, "old intro", ["- `m2` (legacy), pdsafe: E2", "- `m3|x` (pir), Paddle: E"])
old = old.replace("Command: `python tools/zoo/zoo.py`", "Command: `python tools/zoo/zoo.py`  ")
m2 = dict(rows[1], loads=True, match="yes 1e-07; 0.1", p50_pdsafe=100.0, load_error=None)
m4 = {"model": "m4", "family": "detection", "source": "d", "format": "pir", "loads": True,
      "match": "yes 3 boxes match (vs Paddle's dygraph)", "export_error": "Paddle Inference cannot run it: X"}
new = doc([m2, m4], "new intro", ["- `m2` (legacy), pdsafe: E2 again", "- `m4` (pir), Paddle: Paddle Inference cannot run it: X"])
merged = report.merge_md(old, new, [("m2", "legacy"), ("m4", "pir")], "python tools/zoo/zoo.py --only m2,m4 --update")
ml = merged.splitlines()
t2 = report.table([m2, m4]).splitlines()
check("update: new introduction", ml[0] == "new intro")
check("update: command line says what was updated",
      "Command: `python tools/zoo/zoo.py`; rows m2 (legacy), m4 (pir) by `python tools/zoo/zoo.py --only m2,m4 --update`  " in ml)
check("update: row replaced in place, others kept, new row after the last",
      [ln for ln in ml if ln.startswith("| m")] == [t[2], t2[2], t[4], t2[3]])
check("update: error lines of updated rows replaced in place, others kept, new ones last",
      [ln for ln in ml if ln.startswith("- `")] == ["- `m2` (legacy), pdsafe: E2 again", "- `m3|x` (pir), Paddle: E",
                                                     "- `m4` (pir), Paddle: Paddle Inference cannot run it: X"])
merged2 = report.merge_md(doc(rows[:1], "i", []), new, [("m4", "pir")], "c")
check("update: a section the old table lacks is added whole",
      merged2.splitlines()[-3:] == ["## Errors", "", "- `m4` (pir), Paddle: Paddle Inference cannot run it: X"])
check("update: rows of new outside keys are not taken",
      [ln for ln in merged2.splitlines() if ln.startswith("| m")] == [t[2], t2[3]])

m5 = {"model": "m5", "family": "nlp", "source": "n", "format": "pir", "loads": True, "match": "yes 1e-07; 0.1"}
merged3 = report.merge_md(old, doc([m5], "i", []), [("m5", "pir")], "c")
check("update: a new row goes after the last row of its family",
      [ln for ln in merged3.splitlines() if ln.startswith("| m")] == [t[2], t[3], report.table([m5]).splitlines()[2], t[4]])

again = report.merge_md(merged, new, [("m2", "legacy"), ("m4", "pir")], "python tools/zoo/zoo.py --only m2,m4 --update")
check("update: the same update again names itself once on the command line",
      [ln for ln in again.splitlines() if ln.startswith("Command: ")] ==
      [ln for ln in merged.splitlines() if ln.startswith("Command: ")] and again == merged)

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
