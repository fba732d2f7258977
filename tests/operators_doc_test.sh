#!/usr/bin/env bash
# The operator-list tripwire.
#   operators_doc_test.sh PDSAFE ROOT
# Fails when
#   1. docs/OPERATORS.md is not what `PDSAFE ops --markdown` prints now (an
#      operator was added, removed or changed without regenerating it);
#   2. an operator of src/ops/op_list.h has no row in docs/OPERATORS.md, or
#      the file has a row for an operator the list does not have (every
#      registered operator appears in the generated operator list);
#   3. `PDSAFE ops --json` does not list the same operators in the same order.
# Prints "FAIL ..." per problem and a closing "N passed, N failed".
set -u
export LC_ALL=C
bin=$1; root=$2
doc=$root/docs/OPERATORS.md
fix="run scripts/gen-operators-doc.sh BUILD_DIR/pdsafe and commit docs/OPERATORS.md"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

if [ ! -f "$doc" ]; then
  fail "docs/OPERATORS.md is missing: $fix"
  echo "$passed passed, $failed failed"; exit 1
fi

# 1. The committed file is the generator's output.
if ! "$bin" ops --markdown >"$tmp/gen.md" 2>"$tmp/gen.err"; then
  fail "$bin ops --markdown failed: $(head -c 300 "$tmp/gen.err")"
elif ! diff -u "$doc" "$tmp/gen.md" >"$tmp/diff"; then
  fail "docs/OPERATORS.md is out of date: $fix. The difference (- committed, + generated):"
  head -40 "$tmp/diff"
else
  pass
fi

# 2. Every operator of the list has exactly one row, and no row is extra.
# (entries X(ID, name) outside comments, which mention X(ID, name) too)
grep -vE '^[[:space:]]*(/\*|\*)' "$root/src/ops/op_list.h" |
  grep -oE '\bX\([A-Z0-9_]+, *[a-z0-9_]+\)' |
  sed -E 's/^X\([A-Z0-9_]+, *([a-z0-9_]+)\)$/\1/' >"$tmp/listed"
grep -oE '^\| `[a-z0-9_]+` \|' "$doc" | sed -E 's/^\| `([a-z0-9_]+)` \|$/\1/' >"$tmp/rows"
n_listed=$(wc -l <"$tmp/listed")
if [ "$n_listed" -lt 1 ]; then
  fail "src/ops/op_list.h: no X(ID, name) entries found"
fi
while IFS= read -r op; do
  n=$(grep -cx -- "$op" "$tmp/rows")
  if [ "$n" -eq 1 ]; then
    pass
  else
    fail "docs/OPERATORS.md: operator '$op' of src/ops/op_list.h has $n rows, expected 1: $fix"
  fi
done <"$tmp/listed"
while IFS= read -r op; do
  grep -qx -- "$op" "$tmp/listed" ||
    fail "docs/OPERATORS.md: row '$op' names no operator of src/ops/op_list.h: $fix"
done <"$tmp/rows"

# 3. The JSON listing has the same operators, in list order.
if "$bin" ops --json >"$tmp/ops.json" 2>"$tmp/json.err"; then
  grep -oE '^  \{"name": "[a-z0-9_]+"' "$tmp/ops.json" | sed -E 's/.*"([a-z0-9_]+)"$/\1/' \
    >"$tmp/json_names"
  if cmp -s "$tmp/json_names" "$tmp/listed"; then
    pass
  else
    fail "pdsafe ops --json lists $(wc -l <"$tmp/json_names") operators, src/ops/op_list.h" \
         "$n_listed, or in another order"
  fi
else
  fail "$bin ops --json failed: $(head -c 300 "$tmp/json.err")"
fi

echo "--   $n_listed operators of src/ops/op_list.h checked against docs/OPERATORS.md"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
