#!/usr/bin/env bash
# One lint report for the project, as SARIF 2.1.0 (lint.sarif, one run per
# tool) and as a summary on stdout:
#   clang-tidy  the C sources (src/, cli/, compat/src/) with .clang-tidy and
#               the compile_commands.json of a configure in build-lint/;
#   go vet      the Go modules (go/, compat/go/, serve/, tools/pdsafe-vet/);
#   pdsafe-vet  the cgo lifetime analyzers (tools/pdsafe-vet) on go/.
# compat/go is left out of pdsafe-vet: it reproduces Paddle's Go API,
# mistakes included, so that its tests show pdsafe surviving them (see
# tools/pdsafe-vet/README.md for what pdsafe-vet says about it).
# Results listed in scripts/lint-baseline.txt are reported as known; any
# other result makes the script exit 1. Needs clang-tidy, cmake, ninja,
# protoc-c, Go and python3 (apt-get install clang-tidy).
#   PDSAFE_LINT_OUT   the SARIF file (default: lint.sarif at the root)
#   PDSAFE_LINT_DIR   the configure directory (default: build-lint)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${PDSAFE_LINT_OUT:-$root/lint.sarif}
dir=${PDSAFE_LINT_DIR:-$root/build-lint}
jobs=$(nproc)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
GO=$(command -v go || echo /usr/local/go/bin/go)
command -v clang-tidy >/dev/null || { echo "lint: clang-tidy is missing (apt-get install clang-tidy)" >&2; exit 2; }

echo "== clang-tidy"
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null || exit 2
ninja -C "$dir" gen/proto/framework.pb-c.h >/dev/null || exit 2   # the one generated header
python3 - "$dir/compile_commands.json" "$root" >"$tmp/files" <<'PY'
import json, os, sys
root = sys.argv[2]
files = {os.path.normpath(os.path.join(e["directory"], e["file"])) for e in json.load(open(sys.argv[1]))}
for f in sorted(files):
    if any(f.startswith(os.path.join(root, d) + os.sep) for d in ("src", "cli", "compat/src")):
        print(f)
PY
xargs -P "$jobs" -n 4 clang-tidy -p "$dir" --quiet <"$tmp/files" >"$tmp/clang-tidy.txt" 2>"$tmp/clang-tidy.err"
echo "   $(wc -l <"$tmp/files") files"

echo "== go vet"
# Type-checking cgo needs the headers only: a pkg-config directory whose
# .pc files point at the source tree, so no build or install is needed.
mkdir -p "$tmp/pc"
for pc in pdsafe paddle_inference_c; do
  printf 'Name: %s\nDescription: headers for type-checking\nVersion: 0\nCflags: -I%s/include -I%s/compat/include\nLibs:\n' \
    "$pc" "$root" "$root" >"$tmp/pc/$pc.pc"
done
export PKG_CONFIG_PATH="$tmp/pc"
# And a build cache of their own: go's cache keys do not hold what
# pkg-config printed, so packages built here against these .pc files (no
# Libs) would be reused by a later real build in the same cache, whose link
# then misses -lpdsafe (scripts/demo.sh's `go run` after scripts/test.sh).
export GOCACHE="${XDG_CACHE_HOME:-$HOME/.cache}/pdsafe-lint-gocache"
: >"$tmp/govet.json"
for m in go compat/go serve tools/pdsafe-vet; do
  (cd "$root/$m" && "$GO" vet -json ./... 2>>"$tmp/govet.json" >/dev/null)
done

echo "== pdsafe-vet"
(cd "$root/tools/pdsafe-vet" && "$GO" build -o "$tmp/pdsafe-vet" ./cmd/pdsafe-vet) || exit 2
(cd "$root/go" && "$tmp/pdsafe-vet" -json ./... >"$tmp/pdsafe-vet.json" 2>"$tmp/pdsafe-vet.err")
if ! grep -q '{' "$tmp/pdsafe-vet.json" && [ -s "$tmp/pdsafe-vet.err" ]; then
  cat "$tmp/pdsafe-vet.err" >&2; exit 2
fi

echo "== report"
python3 "$root/scripts/sarif.py" build "$out" "$root" --baseline "$root/scripts/lint-baseline.txt" \
  "clang-tidy=clang-tidy:$tmp/clang-tidy.txt" \
  "go-vet=govet:$tmp/govet.json" \
  "pdsafe-vet=govet:$tmp/pdsafe-vet.json"
