"""The zoo's pure logic, with no numpy or paddle: the detection box matcher,
the verdict of one comparison, and the markdown table. tests/zoo_report_test.py
checks it without the zoo's packages."""


def iou(a, b):
    """Intersection over union of two boxes [x1, y1, x2, y2]."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    ua = max(0.0, a[2] - a[0]) * max(0.0, a[3] - a[1]) + max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1]) - inter
    if ua <= 0.0:
        return 1.0 if list(a) == list(b) else 0.0
    return inter / ua


def match_boxes(ref, got, score_tol, min_iou=0.99):
    """Same box set after NMS: every row [label, score, x1, y1, x2, y2] of ref
    pairs with exactly one row of got of the same label whose box overlaps it
    with IoU >= min_iou and whose score is within score_tol; the pairing is
    greedy by descending IoU. Returns (ok, message, worst score difference).
    The row order is not compared (ties in score may come out either way)."""
    if len(ref) != len(got):
        return False, "%d boxes, Paddle %d" % (len(got), len(ref)), None
    pairs = []
    for i, r in enumerate(ref):
        for j, g in enumerate(got):
            if int(r[0]) == int(g[0]):
                pairs.append((iou(r[2:6], g[2:6]), i, j))
    pairs.sort(key=lambda p: -p[0])
    used_r, used_g, worst = set(), set(), 0.0
    for v, i, j in pairs:
        if i in used_r or j in used_g or v < min_iou:
            continue
        d = abs(float(ref[i][1]) - float(got[j][1]))
        if d > score_tol:
            continue
        used_r.add(i)
        used_g.add(j)
        worst = max(worst, d)
    missing = [i for i in range(len(ref)) if i not in used_r]
    if missing:
        r = ref[missing[0]]
        return False, "%d of %d Paddle boxes have no match (first: label %d score %.4f box %s)" % (
            len(missing), len(ref), int(r[0]), float(r[1]), [round(float(v), 2) for v in r[2:6]]), worst
    return True, "%d boxes match" % len(ref), worst


def fmt_ms(v):
    if v is None:
        return "-"
    return "%.2f" % v if v < 100 else "%.0f" % v


def row_cells(r):
    """One table row from a result dict (see zoo.py: result())."""
    loads = "yes" if r.get("loads") else ("no" if r.get("loads") is False else "-")
    if r.get("export_error"):
        loads = "not exported" if r.get("loads") is None else "Paddle fails; pdsafe " + ("loads" if r["loads"] else "no")
    match = r.get("match") or "-"
    pd, pp = r.get("p50_pdsafe"), r.get("p50_paddle")
    ratio = "-"
    if pd and pp:
        ratio = "%.2fx" % (pd / pp)
    paddle = fmt_ms(pp)
    if pp is not None and r.get("paddle_config"):
        paddle += " (%s)" % r["paddle_config"]
    return [r["model"], r["family"], r["source"], r["format"], loads, match, fmt_ms(pd), paddle, ratio]


HEADER = ["Model", "Family", "Source", "Format", "Loads", "Matches Paddle (max abs err; worst err/tol)",
          "p50 pdsafe ms", "p50 Paddle ms (best config)", "pdsafe/Paddle"]


def table(rows):
    """Markdown table; '|' inside a cell is escaped so it cannot split the row."""
    out = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for r in rows:
        out.append("| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in row_cells(r)) + " |")
    return "\n".join(out)


def text_table(rows):
    """The same rows, aligned for a terminal."""
    cells = [HEADER] + [row_cells(r) for r in rows]
    widths = [min(44, max(len(str(c[i])) for c in cells)) for i in range(len(HEADER))]
    lines = []
    for c in cells:
        lines.append("  ".join(str(v)[:widths[i]].ljust(widths[i]) for i, v in enumerate(c)).rstrip())
    return "\n".join(lines)


def update_md(rows, path):
    """Replaces the table rows of `rows`' (model, format) pairs in an existing
    table written by write_md; the rest of the file (other rows, the error
    lists) stays as it is. A pair the table does not have is an error."""
    lines = open(path).read().split("\n")
    for r in rows:
        new = table([r]).split("\n")[2]
        cells = [c.strip() for c in new.strip("|").split("|")]
        hits = [k for k, l in enumerate(lines) if l.startswith("| %s |" % r["model"])
                and [c.strip() for c in l.strip("|").split("|")][3] == cells[3]]
        if len(hits) != 1:
            raise ValueError("--update: %s (%s) is not one row of %s" % (r["model"], cells[3], path))
        lines[hits[0]] = new
    with open(path, "w") as f:
        f.write("\n".join(lines))
