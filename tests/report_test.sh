#!/usr/bin/env bash
# `pdsafe report` end to end:
#   report_test.sh GUARD_DEMO PDSAFE FIXTURES OUT_DIR
# tests/guard_demo.c makes one mistake of each common kind with guard mode on
# and writes the JSON guard report; `pdsafe report` turns it into a page; a
# real headless browser (Debian's chromium) draws the page, and the test
# checks the drawn page (its DOM after the page's script ran) for every
# incident group, the fix texts and the file:line of every site the demo
# printed, then takes a screenshot (OUT_DIR/report.png). Without chromium
# the browser part is skipped with a message, or fails when
# PDSAFE_REQUIRE_BROWSER=1 (scripts/test.sh sets it; scripts/setup.sh
# installs chromium).
set -u
demo=$1 pdsafe=$2 fixtures=$3 out=$4
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

rm -rf "$out" && mkdir -p "$out"
if ! "$demo" "$fixtures" "$out/report.json" >"$out/sites.txt" 2>"$out/demo.err"; then
  bad "guard_demo ran: $(cat "$out/demo.err")"
  finish
fi
ok "guard_demo wrote a report ($(wc -c <"$out/report.json") bytes)"

# The command's own checks: usage, a file that is not a report.
"$pdsafe" report >/dev/null 2>"$out/err.txt"
[ $? -eq 2 ] && grep -q "missing FILE.json" "$out/err.txt" && ok "no argument: exit 2" || bad "no argument: $(cat "$out/err.txt")"
echo '{"format": "something else"}' >"$out/other.json"
"$pdsafe" report "$out/other.json" >/dev/null 2>"$out/err.txt"
[ $? -eq 1 ] && grep -q "is not a guard report" "$out/err.txt" && ok "not a guard report: exit 1" || bad "not a guard report: $(cat "$out/err.txt")"
"$pdsafe" report "$out/missing.json" >/dev/null 2>"$out/err.txt"
[ $? -eq 1 ] && grep -q "could not read $out/missing.json" "$out/err.txt" && ok "missing file: exit 1" || bad "missing file: $(cat "$out/err.txt")"
"$pdsafe" help report | grep -q "self-contained HTML page" && ok "help report" || bad "help report"

if ! "$pdsafe" report "$out/report.json" -o "$out/report.html" 2>"$out/err.txt"; then
  bad "pdsafe report: $(cat "$out/err.txt")"
  finish
fi
ok "pdsafe report wrote $(wc -c <"$out/report.html") bytes"
# Self-contained: nothing is fetched from anywhere.
if grep -Eiq '(src|href)=|url\(|https?://|@import' "$out/report.html"; then
  bad "the page refers to an external resource: $(grep -Eio '(src|href)=[^ >]*|url\([^)]*\)|https?://[^ "]*' "$out/report.html" | head -3)"
else
  ok "the page loads no external resource"
fi
"$pdsafe" report "$out/report.json" | cmp -s - "$out/report.html" && ok "stdout = --output" || bad "stdout differs from --output"

browser=""
for b in chromium chromium-browser google-chrome; do
  command -v "$b" >/dev/null 2>&1 && { browser=$b; break; }
done
if [ -z "$browser" ]; then
  if [ "${PDSAFE_REQUIRE_BROWSER:-0}" = 1 ]; then
    bad "no headless browser (chromium) and PDSAFE_REQUIRE_BROWSER=1 (install it: bash scripts/setup.sh)"
  else
    echo "SKIP: the browser part: no chromium (bash scripts/setup.sh installs it; PDSAFE_REQUIRE_BROWSER=1 makes this a failure)"
  fi
  finish
fi
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
       --user-data-dir="$out/profile")
timeout 300 "$browser" "${flags[@]}" --dump-dom "file://$out/report.html" >"$out/dom.html" 2>"$out/browser.err"
if ! grep -q 'data-rendered="1"' "$out/dom.html"; then
  bad "the page's script did not finish in $browser: $(tail -3 "$out/browser.err")"
  finish
fi
ok "$browser drew the page"
# Every root cause the demo provoked, with its title and fix text.
for rc in "M1:call on a destroyed object" "M2:object destroyed twice" \
          "M5:handle of the wrong kind" "M6:two threads ran one predictor at once" \
          "M8:input buffer shorter than its shape and dtype" "M9:output buffer too small" \
          "M15:objects alive when the report was made"; do
  id=${rc%%:*} title=${rc#*:}
  if grep -q "<span class=\"rc[^\"]*\">$id</span>$title" "$out/dom.html"; then
    ok "group $id: $title"
  else
    bad "group $id ($title) is not drawn"
  fi
done
n_fix=$(grep -o '<b>What to change: </b>' "$out/dom.html" | wc -l)
[ "$n_fix" -eq 7 ] && ok "7 fix texts" || bad "$n_fix fix texts, want 7"
# The timeline of the M1 incident: created, used, destroyed, used again.
grep -q 'CREATED\|>created<' "$out/dom.html" && grep -q '>used again<' "$out/dom.html" &&
  grep -q '>destroyed<' "$out/dom.html" && ok "timeline steps" || bad "timeline steps missing"
# Each site the demo printed is drawn as guard_demo.c:LINE.
while read -r id what line; do
  if grep -Eq "guard_demo.c:$line[<)]" "$out/dom.html"; then
    ok "$id $what site guard_demo.c:$line"
  else
    bad "$id $what site guard_demo.c:$line is not on the page"
  fi
done <"$out/sites.txt"
timeout 300 "$browser" "${flags[@]}" --screenshot="$out/report.png" --window-size=1280,2000 \
  "file://$out/report.html" >/dev/null 2>>"$out/browser.err"
if [ -s "$out/report.png" ] && [ "$(head -c 8 "$out/report.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
  ok "screenshot $out/report.png"
else
  bad "no PNG screenshot: $(tail -3 "$out/browser.err")"
fi
finish
