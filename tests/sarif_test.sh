#!/usr/bin/env bash
# scripts/sarif.py on known inputs (tests/data/sarif): the SARIF it writes has
# one run per tool, the expected ruleIds, messages, relative locations and
# baseline states, passes its own 2.1.0 validator, and the exit code follows
# the new findings. Prints "N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
data=$root/tests/data/sarif
passed=0; failed=0
check() { if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $1"; fi; }

printf 'clang-tidy\tbugprone-macro-parentheses\tinclude/h.h\tmacro argument should be enclosed in parentheses\n' >"$tmp/baseline"
python3 "$root/scripts/sarif.py" build "$tmp/out.sarif" /repo --baseline "$tmp/baseline" \
  "clang-tidy=clang-tidy:$data/clang-tidy.txt" "pdsafe-vet=govet:$data/vet.json" >"$tmp/stdout"
rc=$?
check "exit 1 on new findings" '[ $rc -eq 1 ]'
check "summary names the tools" 'grep -q "^clang-tidy *3 finding(s), 2 new" "$tmp/stdout" && grep -q "^pdsafe-vet *2 finding(s), 2 new" "$tmp/stdout"'
check "summary lists a finding" 'grep -q "go/x.go:12:2: \[cstringfree\]" "$tmp/stdout"'
check "validator accepts it" 'python3 "$root/scripts/sarif.py" validate "$tmp/out.sarif" >/dev/null'
python3 - "$tmp/out.sarif" >"$tmp/facts" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("version", d["version"])
for run in d["runs"]:
    for r in run["results"]:
        loc = r["locations"][0]["physicalLocation"]
        print(run["tool"]["driver"]["name"], r["ruleId"], loc["artifactLocation"]["uri"],
              loc["region"]["startLine"], loc["region"]["startColumn"], r["level"], r["baselineState"])
PY
check "version 2.1.0" 'grep -qx "version 2.1.0" "$tmp/facts"'
check "clang-tidy result" 'grep -qx "clang-tidy clang-analyzer-unix.Malloc src/a.c 10 5 warning new" "$tmp/facts"'
check "notes are not results" '! grep -q "Memory is released" "$tmp/out.sarif"'
check "duplicates from headers merged, baselined as a note" '[ "$(grep -c "bugprone-macro-parentheses include/h.h 3 9 note unchanged" "$tmp/facts")" = 1 ]'
check "compiler errors are errors" 'grep -qx "clang-tidy clang-diagnostic-error src/b.c 2 1 error new" "$tmp/facts"'
check "analyzer result" 'grep -qx "pdsafe-vet cstringfree go/x.go 12 2 warning new" "$tmp/facts"'
check "analyzer failure reported" 'grep -q "^pdsafe-vet keepalive \. 1 1 error new" "$tmp/facts"'

# Everything in the baseline: exit 0.
printf 'pdsafe-vet\tcstringfree\tgo/x.go\tC.CString result cs is not freed on every path out of the function\n' >>"$tmp/baseline"
python3 "$root/scripts/sarif.py" build "$tmp/ok.sarif" /repo --baseline "$tmp/baseline" \
  "pdsafe-vet=govet:$data/vet.json" >/dev/null
check "exit 1 while one is new" '[ $? -eq 1 ]'
: >"$tmp/empty"
python3 "$root/scripts/sarif.py" build "$tmp/empty.sarif" /repo "clang-tidy=clang-tidy:$tmp/empty" >/dev/null
check "exit 0 with no findings" '[ $? -eq 0 ]'

# The validator rejects what 2.1.0 forbids.
echo '{"version":"2.0.0","runs":[{"tool":{"driver":{}},"results":[{"ruleId":"x","level":"bad","message":{},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a"},"region":{"startLine":0}}}]}]}]}' >"$tmp/bad.sarif"
python3 "$root/scripts/sarif.py" validate "$tmp/bad.sarif" >"$tmp/bad.out"
check "validator rejects" '[ $? -eq 1 ]'
check "validator names the problems" '[ "$(grep -c "invalid:" "$tmp/bad.out")" -ge 5 ]'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
