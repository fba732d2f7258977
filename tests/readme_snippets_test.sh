#!/usr/bin/env bash
# The documentation's programs compile and run. Every ```c or ```go block of
# README.md and docs/*.md that the line just before its fence marks as a
# complete program,
#     <!-- snippet: compile -->
# is extracted, compiled against the library of BUILD_DIR and run, in a scratch
# directory where m/ is the fixture model tests/fixtures/pplcnet (the snippets
# load "m/inference.pdmodel" or "m/inference.json" with
# "m/inference.pdiparams", and feed it a 1x3x64x64 float32 image); it must exit
# 0. C: cc -std=c11 -Wall -Wextra -Werror with the build's include directory
# and libpdsafe.so. Go: gofmt-clean, built in a scratch module whose replace
# directive points at the checkout's go/, against the library installed into a
# scratch prefix (pkg-config); without a new enough Go the Go blocks are
# skipped with a message, or fail when PDSAFE_REQUIRE_GO=1.
#   readme_snippets_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1; src=$2
# shellcheck source=tests/go_env.sh
. "$src/tests/go_env.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
unset LD_LIBRARY_PATH

# 1. Extract: one file per marked block, named after where it comes from.
mkdir -p "$tmp/snippets"
docs=("$src/README.md")
for f in "$src"/docs/*.md; do docs+=("$f"); done
for doc in "${docs[@]}"; do
  rel=${doc#"$src"/}
  # Prints "LANG LINE" per block to stdout; writes the blocks as files; a
  # marker not followed by a c or go fence, or a block never closed, is an error line.
  awk -v out="$tmp/snippets" -v tag="$(tr '/.' '__' <<<"$rel")" -v rel="$rel" '
    state == 2 && /^```[[:space:]]*$/ { close(file); state = 0; next }
    state == 2 { print > file; next }
    state == 1 {
      if (match($0, /^```(c|go)[[:space:]]*$/)) {
        lang = ($0 ~ /^```go/) ? "go" : "c"
        file = out "/" tag "_" NR "." lang
        print rel ":" NR > (out "/" tag "_" NR ".where")
        print lang, NR
        state = 2
      } else {
        print "ERROR", mline, rel ":" mline ": the snippet marker is not followed by a ```c or ```go fence"
        state = 0
      }
      next
    }
    /^<!--[[:space:]]*snippet:[[:space:]]*compile[[:space:]]*-->[[:space:]]*$/ { state = 1; mline = NR }
    END { if (state == 2) print "ERROR", NR, rel ": the code block marked at line " mline " is never closed" }
  ' "$doc" >"$tmp/found"
  while read -r lang line rest; do
    if [ "$lang" = ERROR ]; then
      fail "$rest"
    else
      echo "$rel:$line $lang" >>"$tmp/list"
    fi
  done <"$tmp/found"
done
if [ ! -s "$tmp/list" ]; then
  fail "no block marked <!-- snippet: compile --> in README.md or docs/*.md (expected at least the C and the Go example of README.md)"
  echo "$passed passed, $failed failed"; exit 1
fi
echo "-- $(wc -l <"$tmp/list") marked blocks: $(cut -d' ' -f1 "$tmp/list" | tr '\n' ' ')"

mkdir -p "$tmp/run"
ln -s "$src/tests/fixtures/pplcnet" "$tmp/run/m"

# 2. C blocks.
for f in "$tmp"/snippets/*.c; do
  [ -e "$f" ] || continue
  where=$(cat "${f%.c}.where")
  # shellcheck disable=SC2086
  if ! cc -std=c11 -Wall -Wextra -Werror ${SAN_FLAGS:-} -I"$src/include" -o "$f.bin" "$f" \
      -L"$build" -Wl,-rpath,"$build" -lpdsafe >"$f.log" 2>&1; then
    fail "C block at $where does not compile:"; head -20 "$f.log"; continue
  fi
  if (cd "$tmp/run" && "$f.bin") >"$f.out" 2>&1; then
    ok "C block at $where compiles and runs: $(head -1 "$f.out")"
  else
    fail "C block at $where exits $? on the fixture model:"; head -20 "$f.out"
  fi
done

# 3. Go blocks.
go_blocks=("$tmp"/snippets/*.go)
go_rc=1
if [ -e "${go_blocks[0]}" ]; then
  go_env_find "$src" && go_rc=0 || go_rc=$?
  [ "$go_rc" -ne 2 ] || failed=$((failed + 1))
fi
if [ "$go_rc" -eq 0 ]; then
  prefix=$tmp/prefix
  cmake --install "$build" --prefix "$prefix" >/dev/null
  goflags=()
  if [ -n "${SAN_FLAGS:-}" ]; then
    # The library is built with ASan+UBSan: the programs must link their runtimes.
    goflags=(-asan)
    export CGO_LDFLAGS="$SAN_FLAGS"
  fi
  for f in "${go_blocks[@]}"; do
    where=$(cat "${f%.go}.where")
    mod=$tmp/mod_$(basename "$f" .go)
    go_env_module "$mod" pdsafe.test/snippet "$src" "$prefix"
    cp "$f" "$mod/main.go"
    if [ -n "$(gofmt -l "$mod/main.go")" ]; then
      fail "Go block at $where is not gofmt-formatted:"; gofmt -d "$mod/main.go" | head -20; continue
    fi
    if ! (cd "$mod" && go build "${goflags[@]}" -o "$mod/prog" .) >"$mod/log" 2>&1; then
      fail "Go block at $where does not build:"; head -20 "$mod/log"; continue
    fi
    if (cd "$tmp/run" && ASAN_OPTIONS=detect_leaks=0 "$mod/prog") >"$mod/out" 2>&1; then
      ok "Go block at $where builds and runs: $(head -1 "$mod/out")"
    else
      fail "Go block at $where exits $? on the fixture model:"; head -20 "$mod/out"
    fi
  done
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
