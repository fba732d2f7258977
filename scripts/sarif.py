#!/usr/bin/env python3
"""One SARIF 2.1.0 report from clang-tidy, go vet and pdsafe-vet.

  sarif.py build OUT ROOT [--baseline FILE] TOOL=KIND:INPUT...
      KIND is clang-tidy (its text output) or govet (the -json output of
      go vet or of an analysis driver such as pdsafe-vet). Writes OUT with
      one run per TOOL, prints a summary, validates OUT, and exits 1 if any
      result is not in the baseline, else 0.
  sarif.py validate FILE
      Checks the properties SARIF 2.1.0 requires (and the ones this report
      promises: ruleId, message, a location); exits 1 with the problems.

Baseline lines are TOOL<TAB>RULE<TAB>PATH<TAB>MESSAGE (no line number, so
edits elsewhere in the file keep them); baselined results are written with
baselineState "unchanged" and level "note" and do not fail the run.
"""
import json
import os
import re
import sys

VERSION = "2.1.0"
LEVELS = {"none", "note", "warning", "error"}
BASELINE_STATES = {"new", "unchanged", "updated", "absent"}

CT_LINE = re.compile(r"^(.+?):(\d+):(\d+): (warning|error): (.*?) \[([A-Za-z0-9.,_-]+)\]$")


def parse_clang_tidy(text):
    out, seen = [], set()
    for line in text.splitlines():
        m = CT_LINE.match(line)
        if not m:
            continue
        path, ln, col, sev, msg, rules = m.groups()
        key = (path, ln, col, rules)
        if key in seen:  # a header seen from several translation units
            continue
        seen.add(key)
        out.append({"rule": rules.split(",")[0], "path": path, "line": int(ln),
                    "col": int(col), "message": msg,
                    "level": "error" if sev == "error" else "warning"})
    return out


def parse_govet(text):
    """The -json output: '# pkg' lines and JSON objects
    {pkg: {analyzer: [{posn, message}] | {error}}}, one after another."""
    body = "\n".join(l for l in text.splitlines() if not l.startswith("#"))
    dec, i, out = json.JSONDecoder(), 0, []
    while True:
        while i < len(body) and body[i].isspace():
            i += 1
        if i >= len(body):
            break
        obj, i = dec.raw_decode(body, i)
        for pkg, analyzers in obj.items():
            for name, diags in analyzers.items():
                if isinstance(diags, dict):  # {"error": "..."}: the analyzer failed
                    out.append({"rule": name, "path": "", "line": 1, "col": 1,
                                "message": "%s: %s" % (pkg, diags.get("error", diags)),
                                "level": "error"})
                    continue
                for d in diags:
                    path, ln, col = split_posn(d.get("posn", ""))
                    out.append({"rule": name, "path": path, "line": ln, "col": col,
                                "message": d["message"], "level": "warning"})
    return out


def split_posn(posn):
    parts = posn.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return parts[0], int(parts[1]), int(parts[2])
    if len(parts) >= 2 and parts[-1].isdigit():
        return ":".join(parts[:-1]), int(parts[-1]), 1
    return posn, 1, 1


PARSERS = {"clang-tidy": parse_clang_tidy, "govet": parse_govet}


def rel(path, root):
    if not path:
        return "."
    ap = os.path.abspath(path)
    r = os.path.relpath(ap, root)
    return r if not r.startswith("..") else ap


def build(out, root, specs, baseline_file=None):
    root = os.path.abspath(root)
    baseline = set()
    if baseline_file and os.path.exists(baseline_file):
        with open(baseline_file, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if line and not line.startswith("#"):
                    baseline.add(line)
    runs, summary, failing = [], [], 0
    for spec in specs:
        tool, _, rest = spec.partition("=")
        kind, _, path = rest.partition(":")
        with open(path, encoding="utf-8", errors="replace") as f:
            found = PARSERS[kind](f.read())
        rules, index, results = [], {}, []
        new = 0
        for r in found:
            if r["rule"] not in index:
                index[r["rule"]] = len(rules)
                rules.append({"id": r["rule"], "shortDescription": {"text": r["rule"]}})
            uri = rel(r["path"], root)
            key = "\t".join([tool, r["rule"], uri, r["message"]])
            known = key in baseline
            if not known:
                new += 1
            results.append({
                "ruleId": r["rule"],
                "ruleIndex": index[r["rule"]],
                "level": "note" if known else r["level"],
                "message": {"text": r["message"]},
                "baselineState": "unchanged" if known else "new",
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": uri, "uriBaseId": "SRCROOT"},
                    "region": {"startLine": max(1, r["line"]), "startColumn": max(1, r["col"])}}}],
            })
        runs.append({
            "tool": {"driver": {"name": tool, "rules": rules}},
            "originalUriBaseIds": {"SRCROOT": {"uri": "file://" + root + "/"}},
            "results": results,
        })
        summary.append((tool, len(results), new, results))
        failing += new
    doc = {"version": VERSION, "runs": runs}
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    for tool, n, new, results in summary:
        print("%-12s %3d finding(s), %d new" % (tool, n, new))
        for r in results:
            if r["baselineState"] == "new":
                loc = r["locations"][0]["physicalLocation"]
                print("  %s:%d:%d: [%s] %s" % (loc["artifactLocation"]["uri"], loc["region"]["startLine"],
                                               loc["region"]["startColumn"], r["ruleId"], r["message"]["text"]))
    problems = validate(doc)
    for p in problems:
        print("sarif: invalid: " + p)
    print("lint: %d new finding(s); report in %s" % (failing, out))
    return 1 if failing or problems else 0


def validate(doc):
    """The properties the SARIF 2.1.0 schema requires, with their types."""
    p = []
    if not isinstance(doc, dict):
        return ["the log is not an object"]
    if doc.get("version") != VERSION:
        p.append("version must be \"2.1.0\"")
    if "$schema" in doc and not isinstance(doc["$schema"], str):
        p.append("$schema must be a string")
    runs = doc.get("runs")
    if not isinstance(runs, list):
        return p + ["runs must be an array"]
    for i, run in enumerate(runs):
        w = "runs[%d]" % i
        if not isinstance(run, dict):
            p.append(w + " is not an object")
            continue
        driver = run.get("tool", {}).get("driver") if isinstance(run.get("tool"), dict) else None
        if not isinstance(driver, dict) or not isinstance(driver.get("name"), str) or not driver["name"]:
            p.append(w + ".tool.driver.name is required")
            driver = {}
        rules = driver.get("rules", [])
        if not isinstance(rules, list) or any(not isinstance(r, dict) or not isinstance(r.get("id"), str) for r in rules):
            p.append(w + ".tool.driver.rules: each rule needs a string id")
            rules = []
        for k, base in (run.get("originalUriBaseIds") or {}).items():
            if not isinstance(base, dict) or ("uri" in base and not str(base["uri"]).endswith("/")):
                p.append(w + ".originalUriBaseIds.%s.uri must end with /" % k)
        results = run.get("results", [])
        if not isinstance(results, list):
            p.append(w + ".results must be an array")
            continue
        for j, r in enumerate(results):
            rw = "%s.results[%d]" % (w, j)
            if not isinstance(r, dict):
                p.append(rw + " is not an object")
                continue
            msg = r.get("message")
            if not isinstance(msg, dict) or not (isinstance(msg.get("text"), str) or isinstance(msg.get("id"), str)):
                p.append(rw + ".message needs text or id")
            if not isinstance(r.get("ruleId"), str):
                p.append(rw + ".ruleId must be a string")
            if "ruleIndex" in r:
                ri = r["ruleIndex"]
                if not isinstance(ri, int) or ri < -1 or ri >= len(rules) or (ri >= 0 and rules[ri]["id"] != r.get("ruleId")):
                    p.append(rw + ".ruleIndex does not name its rule")
            if "level" in r and r["level"] not in LEVELS:
                p.append(rw + ".level must be one of " + ", ".join(sorted(LEVELS)))
            if "baselineState" in r and r["baselineState"] not in BASELINE_STATES:
                p.append(rw + ".baselineState is not a SARIF value")
            locs = r.get("locations")
            if not isinstance(locs, list) or not locs:
                p.append(rw + ".locations: at least one location")
                continue
            for k, loc in enumerate(locs):
                pl = loc.get("physicalLocation") if isinstance(loc, dict) else None
                lw = "%s.locations[%d].physicalLocation" % (rw, k)
                if not isinstance(pl, dict):
                    p.append(lw + " is required")
                    continue
                al = pl.get("artifactLocation")
                if not isinstance(al, dict) or not isinstance(al.get("uri"), str):
                    p.append(lw + ".artifactLocation.uri must be a string")
                reg = pl.get("region")
                if reg is not None:
                    for f in ("startLine", "startColumn", "endLine", "endColumn"):
                        if f in reg and (not isinstance(reg[f], int) or reg[f] < 1):
                            p.append("%s.region.%s must be an integer >= 1" % (lw, f))
    return p


def main(argv):
    if len(argv) >= 2 and argv[1] == "validate" and len(argv) == 3:
        with open(argv[2], encoding="utf-8") as f:
            problems = validate(json.load(f))
        for x in problems:
            print("sarif: invalid: " + x)
        print("sarif: %s is %s" % (argv[2], "invalid" if problems else "valid SARIF 2.1.0"))
        return 1 if problems else 0
    if len(argv) >= 4 and argv[1] == "build":
        args, baseline = argv[4:], None
        if len(args) >= 2 and args[0] == "--baseline":
            baseline, args = args[1], args[2:]
        return build(argv[2], argv[3], args, baseline)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
