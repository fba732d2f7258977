#!/usr/bin/env bash
# The install target and pdsafe.pc: install into a scratch prefix, build
# examples/c/minimal.c the way a user would (pkg-config), run it on a fixture.
#   install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1; src=$2
prefix=$(mktemp -d); trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
pc=$(find "$prefix" -name pdsafe.pc | head -1)
[ -n "$pc" ] || { echo "FAIL: pdsafe.pc not installed"; echo "0 passed, 1 failed"; exit 1; }
[ -f "$prefix/include/pdsafe.h" ] || { echo "FAIL: pdsafe.h not installed"; echo "0 passed, 1 failed"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc")
flags=$(pkg-config --cflags --libs pdsafe)
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror ${SAN_FLAGS:-} -o "$prefix/minimal" "$src/examples/c/minimal.c" $flags
out=$(LD_LIBRARY_PATH="$prefix/lib:$prefix/lib64:${LD_LIBRARY_PATH:-}" "$prefix/minimal" \
      "$src/tests/fixtures/pplcnet/inference.pdmodel" "$src/tests/fixtures/pplcnet/inference.pdiparams")
echo "$out"
if grep -qE "^output \[1, 10\], top class [0-9]+" <<<"$out"; then
  echo "1 passed, 0 failed"
else
  echo "0 passed, 1 failed"; exit 1
fi
