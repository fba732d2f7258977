"""The zoo's pure logic, with no numpy or paddle: the detection box matcher,
the verdict of one comparison, the markdown table, and the merge of a few
updated rows into an existing table (--update). tests/zoo_report_test.py
checks it without the zoo's packages."""
import re


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


def _cells(line):
    return [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]


def _row_key(line):
    """(model, format) of a table row, None for anything else."""
    if not line.startswith("| "):
        return None
    c = _cells(line)
    if len(c) != len(HEADER) or c == HEADER:
        return None
    return (c[0], c[3])


def _bullet_key(line):
    m = re.match(r"- `([^`]+)` \(([^)]+)\)", line)
    return (m.group(1), m.group(2)) if m else None


def _section_end(lines, start):
    """The index after section `start`'s last non-blank line."""
    end = start + 1
    for i in range(start + 1, len(lines)):
        if lines[i].startswith("## "):
            break
        if lines[i].strip():
            end = i + 1
    return end


def merge_md(old, new, keys, command):
    """MODELS.md text `old` with the table rows and the error lines of the
    (model, format) pairs in keys replaced by those of `new` (the same
    document written for just those rows), everything else kept where it was.
    The introduction is new's (it may have changed with the harness); the
    command line says which command updated which rows. A row old lacks goes
    after old's last row of its family (the table's second column), or after
    its last row if it has none of that family; a bullet where the row's old bullets were, or at the
    end of its section (the whole section of new, if old has none)."""
    keys = set(keys)
    olines, nlines = old.splitlines(), new.splitlines()
    rows = [ln for ln in nlines if _row_key(ln) in keys]
    bullets, sec, sec_at = {}, None, {}
    for i, ln in enumerate(nlines):
        if ln.startswith("## "):
            sec = ln
            sec_at[ln] = i
        elif sec and _bullet_key(ln) in keys:
            bullets.setdefault(sec, []).append(ln)
    cut_old = next((i for i, ln in enumerate(olines) if ln.startswith("Command: ")), 0)
    cut_new = next((i for i, ln in enumerate(nlines) if ln.startswith("Command: ")), 0)
    out = nlines[:cut_new]
    pending = {_row_key(ln): ln for ln in rows}
    last_row = max([i for i, ln in enumerate(olines) if _row_key(ln)] or [len(olines) - 1])
    # where each row old lacks goes: after the last old row of its family
    family_last = {}
    for i, ln in enumerate(olines):
        if _row_key(ln):
            family_last[_cells(ln)[1]] = i
    insert_at = {}
    for ln in rows:
        if not any(_row_key(o) == _row_key(ln) for o in olines):
            insert_at.setdefault(family_last.get(_cells(ln)[1], last_row), []).append(ln)
    sec = None
    for i in range(cut_old, len(olines)):
        ln = olines[i]
        if ln.startswith("## "):
            sec = ln
        k = _row_key(ln)
        if ln.startswith("Command: "):
            # (two trailing spaces: a markdown line break before "pdsafe: ...")
            note = "; rows %s by `%s`" % (", ".join("%s (%s)" % kk for kk in sorted(keys)), command)
            # the same update run again says so once
            ln = ln.rstrip() if ln.rstrip().endswith(note) else ln.rstrip() + note
            ln += "  "
        bk = _bullet_key(ln) if k is None and sec else None
        if k in keys:
            if k in pending:
                out.append(pending.pop(k))
        elif bk in keys:
            # the new lines of this row go where its old ones were
            mine = [b for b in bullets.get(sec, []) if _bullet_key(b) == bk]
            out.extend(mine)
            if sec in bullets:
                bullets[sec] = [b for b in bullets[sec] if b not in mine]
        else:
            out.append(ln)
        for ln2 in insert_at.get(i, []):
            out.append(pending.pop(_row_key(ln2)))
    for title, lines in bullets.items():
        if not lines:
            continue
        if title in out:
            at = _section_end(out, out.index(title))
            out[at:at] = lines
        else:
            s = sec_at[title]
            out += [""] + [ln for ln in nlines[s:_section_end(nlines, s)]
                           if _bullet_key(ln) is None or _bullet_key(ln) in keys]
    return "\n".join(out) + "\n"


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

