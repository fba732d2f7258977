#!/usr/bin/env bash
# Regenerates docs/OPERATORS.md from the operator registry.
#   scripts/gen-operators-doc.sh [PDSAFE]
# PDSAFE is a built pdsafe command (default: build/pdsafe); the file is what
# `PDSAFE ops --markdown` prints. tests/operators_doc_test.sh fails when the
# committed file differs from it, so run this after adding, removing or
# changing an operator (its slots, flags or PIR mapping) and commit the result.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/pdsafe}
if [ ! -x "$bin" ]; then
  echo "gen-operators-doc.sh: $bin is not an executable pdsafe command;" \
       "build first (scripts/build.sh) or pass its path" >&2
  exit 2
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$bin" ops --markdown >"$tmp"
mv "$tmp" "$root/docs/OPERATORS.md"
trap - EXIT
echo "wrote $root/docs/OPERATORS.md ($(grep -c '^| `' "$root/docs/OPERATORS.md") operators)"
