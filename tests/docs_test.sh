#!/usr/bin/env bash
# The documentation tripwire.
#   docs_test.sh ROOT
# Fails, naming file:line, when
#   1. a file of the repository refers to a document outside it: a relative
#      path up into a "shared" folder next to the checkout, that folder's
#      reference/ subfolder, or an absolute path into the machine's work
#      directory;
#   2. an id M<n> cited in the code, tests or documents has no row in the
#      root-cause table of docs/DESIGN.md (section 6);
#   3. a row of that table names a test that does not exist: a Go test
#      function, a C test function that its test program runs, or a test
#      program (tests/NAME.c, tests/NAME.sh, fuzz/NAME.c);
#   4. an environment variable the library reads (a pdsi_env_* call in src/
#      with a literal "PDSAFE_..." name) is not named in README.md and in
#      docs/DESIGN.md (which say they are the only ones).
# The files checked are those git knows of, tracked or new but not ignored
# (every file under ROOT when ROOT is not a git checkout), minus .ci/.
# Prints a "FAIL file:line: ..." line per problem, a summary line per check
# ("--") and a closing "N passed, N failed"; exits 1 if anything failed.
set -u
export LC_ALL=C
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || { echo "docs_test: cannot enter $root"; exit 2; }
passed=0; failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
files=$tmp/files
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git -C "$root" ls-files --cached --others --exclude-standard
else
  find . -type f ! -path './.git/*' | sed 's|^\./||'
fi | grep -v -e '^\.ci/' -e '^build/' -e '^build-' | sort -u |
  while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done >"$files"
if [ ! -s "$files" ]; then
  fail "$root: no files found"
  echo "$passed passed, $failed failed"; exit 1
fi

# 1. References outside the repository. The pattern is assembled from pieces
# so that this file does not match it itself.
sh_=shared
outside="(\\.\\./)+${sh_}/|/${sh_}/reference/|/wor""k/"
tr '\n' '\0' <"$files" | xargs -0 grep -InE -- "$outside" /dev/null >"$tmp/outside" 2>/dev/null
while IFS= read -r hit; do
  loc=${hit%%:*}; rest=${hit#*:}; line=${rest%%:*}; text=${rest#*:}
  fail "$loc:$line: refers to a file outside the repository: $(printf '%s' "$text" | sed 's/^[[:space:]]*//' | cut -c1-120)"
done <"$tmp/outside"
n_files=$(wc -l <"$files")
n_bad=$(cut -d: -f1 "$tmp/outside" | sort -u | wc -l)
passed=$((passed + n_files - n_bad))
echo "--   $n_files files searched for references outside the repository, $n_bad with some"

# The root-cause table: rows "| M<n> | ... |" of docs/DESIGN.md.
design=docs/DESIGN.md
if [ ! -f "$design" ]; then
  fail "$design: missing (it holds the root-cause table)"
  echo "$passed passed, $failed failed"; exit 1
fi
grep -nE '^\| *M[0-9]+ *\|' "$design" >"$tmp/rows"
if [ ! -s "$tmp/rows" ]; then
  fail "$design: no root-cause table rows (lines starting with '| M<n> |')"
else
  pass
fi
sed -E 's/^[0-9]+:\| *(M[0-9]+) *\|.*/\1/' "$tmp/rows" | sort | uniq -d | while read -r dup; do
  echo "FAIL $design: $dup has more than one row"
done >"$tmp/dups"
if [ -s "$tmp/dups" ]; then cat "$tmp/dups"; failed=$((failed + $(wc -l <"$tmp/dups"))); fi
declare -A have_row=()
while IFS= read -r id; do have_row[$id]=1; done < <(sed -E 's/^[0-9]+:\| *(M[0-9]+) *\|.*/\1/' "$tmp/rows")

# 2. Every M<n> cited has a row; a range M<a>-M<b> (hyphen or en dash) cites
# every id from a to b.
grep -E -e '^(src|include|go|tests|cli|fuzz|docs|scripts)/' -e '^(README\.md|CMakeLists\.txt)$' \
  "$files" | grep -v -e '^tests/fixtures/' -e '^fuzz/corpus/' >"$tmp/cited_in"
tr '\n' '\0' <"$tmp/cited_in" |
  xargs -0 grep -InoE -- '\bM[0-9]+((-|–)M[0-9]+)?\b' /dev/null >"$tmp/cites" 2>/dev/null
n_cites=0
while IFS= read -r hit; do
  loc=${hit%%:*}; rest=${hit#*:}; line=${rest%%:*}; ref=${rest#*:}
  lo=${ref%%[-–]*}; lo=${lo#M}
  hi=${ref##*M}
  [ "$hi" -lt "$lo" ] && { fail "$loc:$line: range $ref runs backwards"; continue; }
  for ((k = lo; k <= hi; k++)); do
    n_cites=$((n_cites + 1))
    if [ -n "${have_row[M$k]:-}" ]; then
      pass
    else
      fail "$loc:$line: M$k has no row in the root-cause table of $design"
    fi
  done
done <"$tmp/cites"
echo "--   $n_cites citations of root-cause ids checked against $design"

# 3. Every test a row names exists. Test names are the `backticked`
# identifiers of the row's last column.
declare -A known=()
# Go: test functions of go/**/*_test.go.
while IFS= read -r n; do known[$n]=1; done < <(
  grep -E '^go/.*_test\.go$' "$files" | tr '\n' '\0' |
    xargs -0 grep -hoE '^func Test[A-Za-z0-9_]+\(' /dev/null 2>/dev/null | sed -E 's/^func //; s/\($//')
# C: functions defined in a test program (tests/*.c, fuzz/*.c) that the same
# program also runs (RUN_TEST(name) or run("name", name)).
grep -E '^(tests|fuzz)/[^/]+\.c$' "$files" >"$tmp/c_files"
tr '\n' '\0' <"$tmp/c_files" |
  xargs -0 grep -HE '^[A-Za-z_][A-Za-z0-9_ *]*[ *][A-Za-z_][A-Za-z0-9_]*\([^;]*$' /dev/null 2>/dev/null |
  sed -E 's/^([^:]*):([^(]*[ *])?([A-Za-z_][A-Za-z0-9_]*)\(.*/\1 \3/' | sort -u >"$tmp/c_defined"
tr '\n' '\0' <"$tmp/c_files" |
  xargs -0 grep -HoE 'RUN_TEST\([A-Za-z0-9_]+\)|"[A-Za-z0-9_]+", *[A-Za-z0-9_]+\)' /dev/null 2>/dev/null |
  sed -E 's/^([^:]*):RUN_TEST\(([A-Za-z0-9_]+)\)$/\1 \2/; s/^([^:]*):"[A-Za-z0-9_]+", *([A-Za-z0-9_]+)\)$/\1 \2/' |
  sort -u >"$tmp/c_run"
while read -r _ n; do known[$n]=1; done < <(comm -12 "$tmp/c_defined" "$tmp/c_run")
# Test programs: tests/NAME.c, tests/NAME.sh, fuzz/NAME.c.
while IFS= read -r n; do known[$n]=1; done < <(
  grep -E '^tests/[^/]+\.(c|sh)$|^fuzz/[^/]+\.c$' "$files" | sed -E 's|^[a-z]+/||; s/\.(c|sh)$//')
n_named=0
while IFS= read -r row; do
  line=${row%%:*}; text=${row#*:}
  id=$(printf '%s' "$text" | sed -E 's/^\| *(M[0-9]+) *\|.*/\1/')
  tests_col=$(printf '%s' "$text" | sed -E 's/\| *$//; s/.*\|//')
  names=$(printf '%s' "$tests_col" | grep -oE '`[A-Za-z_][A-Za-z0-9_]*`' | tr -d '`')
  if [ -z "$names" ]; then
    fail "$design:$line: row $id names no test"
    continue
  fi
  for n in $names; do
    n_named=$((n_named + 1))
    if [ -n "${known[$n]:-}" ]; then
      pass
    else
      fail "$design:$line: row $id names test '$n', which does not exist"
    fi
  done
done <"$tmp/rows"
echo "--   $n_named test names checked in $(wc -l <"$tmp/rows") rows of $design"

# 4. The library's environment variables are documented where the docs say
# which ones it reads.
n_env=0
for v in $(grep -rhoE 'pdsi_env_[a-z_]+\("PDSAFE_[A-Z_]+"' src 2>/dev/null |
           grep -oE 'PDSAFE_[A-Z_]+' | sort -u); do
  n_env=$((n_env + 1))
  for doc in README.md docs/DESIGN.md; do
    if grep -q "\b$v\b" "$doc"; then
      pass
    else
      fail "$doc: does not name $v, which the library reads (src/, pdsi_env_*)"
    fi
  done
done
echo "--   $n_env environment variables the library reads, checked in README.md and docs/DESIGN.md"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
