#!/usr/bin/env bash
# The install target as a user meets it: install into a scratch, non-default
# prefix, then, with no LD_LIBRARY_PATH and no ldconfig,
#   1. run the installed pdsafe on a fixture (its RUNPATH finds libpdsafe.so)
#      and compare its output with Paddle's;
#   2. build examples/c/minimal.c with pkg-config and run it;
#   3. build a Go program against the installed library (pkg-config, and a
#      go.mod whose replace directive points at the checkout's go/) and check
#      it computes what minimal.c computed. Without a new enough Go this part
#      is skipped with a message, or fails when PDSAFE_REQUIRE_GO=1.
#   install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1; src=$2
# shellcheck source=tests/go_env.sh
. "$src/tests/go_env.sh"
prefix=$(mktemp -d); trap 'rm -rf "$prefix"' EXIT
passed=0; failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
finish() { echo "$passed passed, $failed failed"; exit $((failed > 0)); }
unset LD_LIBRARY_PATH
fx=$src/tests/fixtures/pplcnet

cmake --install "$build" --prefix "$prefix" >/dev/null
pc=$(find "$prefix" -name pdsafe.pc | head -1)
[ -n "$pc" ] || { fail "pdsafe.pc not installed under $prefix"; finish; }
[ -f "$prefix/include/pdsafe.h" ] || { fail "pdsafe.h not installed in $prefix/include"; finish; }
libdir=$(dirname "$(dirname "$pc")")
exe=$prefix/bin/pdsafe
[ -x "$exe" ] || { fail "pdsafe not installed in $prefix/bin"; finish; }
ok "installed: bin/pdsafe, include/pdsafe.h, ${libdir#"$prefix"/}/pkgconfig/pdsafe.pc"

# 1. The installed CLI finds its library through RUNPATH $ORIGIN/../<libdir>.
runpath=$(readelf -d "$exe" | sed -nE 's/.*\((RUNPATH|RPATH)\).*\[(.*)\]/\2/p')
if [[ $runpath == *'$ORIGIN/../'* ]]; then
  ok "installed pdsafe has RUNPATH $runpath"
else
  fail "installed pdsafe: RUNPATH is '$runpath', expected one starting with \$ORIGIN/../ (CMakeLists.txt, INSTALL_RPATH)"
fi
resolved=$(ldd "$exe" | awk '$1 ~ /^libpdsafe\.so/ { print $3 }')
if [ "$resolved" -ef "$libdir/$(basename "$resolved")" ] && [ -n "$resolved" ]; then
  ok "installed pdsafe loads $resolved (the installed copy)"
else
  fail "installed pdsafe resolves libpdsafe.so to '${resolved:-nothing}', expected the one in $libdir"
fi
out=$(mktemp -d "$prefix/run.XXXXXX")
if "$exe" info "$fx/inference.pdmodel" >"$out/info.txt" 2>&1 && grep -qE "operators: +[0-9]+" "$out/info.txt"; then
  ok "installed pdsafe info on a fixture"
else
  fail "installed pdsafe info $fx/inference.pdmodel: $(head -5 "$out/info.txt")"
fi
if "$exe" run "$fx/inference.pdmodel" --input 0="$fx/case0.in0.npy" --output-dir "$out" >"$out/run.txt" 2>&1 &&
   "$build/pdsafe_npycmp" "$out"/0_*.npy "$fx/case0.out0.npy" >"$out/cmp.txt" 2>&1; then
  ok "installed pdsafe run on a fixture matches Paddle's output ($(tail -1 "$out/cmp.txt"))"
else
  fail "installed pdsafe run on $fx: $(cat "$out/run.txt" "$out/cmp.txt" 2>/dev/null | head -8)"
fi

# 2. The smallest C program, built as a user builds it.
export PKG_CONFIG_PATH=$(dirname "$pc")
flags=$(pkg-config --cflags --libs pdsafe)
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror ${SAN_FLAGS:-} -o "$prefix/minimal" "$src/examples/c/minimal.c" $flags
c_out=$("$prefix/minimal" "$fx/inference.pdmodel" "$fx/inference.pdiparams" 2>&1) || true
echo "$c_out"
if grep -qE "^output \[1, 10\], top class [0-9]+ \(-?[0-9.]+\)$" <<<"$c_out"; then
  ok "examples/c/minimal.c built with pkg-config runs"
else
  fail "examples/c/minimal.c printed '$c_out', expected 'output [1, 10], top class N (score)'"
fi

# 3. A Go program against the installed library.
go_rc=0
go_env_find "$src" || go_rc=$?
[ "$go_rc" -ne 2 ] || failed=$((failed + 1))
if [ "$go_rc" -eq 0 ]; then
  mod=$prefix/gomod
  go_env_module "$mod" pdsafe.test/installcheck "$src" "$prefix"
  cat >"$mod/main.go" <<'GO'
// The Go twin of examples/c/minimal.c: the same model in its PIR form, the
// same constant input, the same line printed.
package main

import (
	"context"
	"fmt"
	"os"

	pdsafe "github.com/pdsafe/pdsafe/go"
)

func main() {
	model, err := pdsafe.LoadModel(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	defer model.Close()
	pred, err := model.NewPredictor()
	if err != nil {
		fmt.Fprintln(os.Stderr, "predictor:", err)
		os.Exit(1)
	}
	defer pred.Close()
	in := make([]float32, 1*3*64*64)
	for i := range in {
		in[i] = 0.5
	}
	x, err := pdsafe.NewTensor([]int64{1, 3, 64, 64}, in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tensor:", err)
		os.Exit(1)
	}
	res, err := pred.Run(context.Background(), x)
	if err != nil {
		fmt.Fprintln(os.Stderr, "run:", err)
		os.Exit(1)
	}
	y, err := pdsafe.OutputAt[float32](res, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "output:", err)
		os.Exit(1)
	}
	n := y.Shape[len(y.Shape)-1]
	best := 0
	for i := 1; i < int(n); i++ {
		if y.Data[i] > y.Data[best] {
			best = i
		}
	}
	fmt.Printf("output [%d, %d], top class %d (%.4f)\n", y.Shape[0], n, best, y.Data[best])
}
GO
  goflags=()
  if [ -n "${SAN_FLAGS:-}" ]; then
    # The library is built with ASan+UBSan: the Go program must link their runtimes.
    goflags=(-asan)
    export CGO_LDFLAGS="${SAN_FLAGS}"
  fi
  if (cd "$mod" && go build "${goflags[@]}" -o "$prefix/gocheck" .) >"$out/gobuild.txt" 2>&1; then
    ok "Go program built against the installed library ($(go version | cut -d' ' -f3))"
    go_out=$(ASAN_OPTIONS=detect_leaks=0 "$prefix/gocheck" "$fx/inference.json" "$fx/inference.pdiparams" 2>&1) || true
    echo "$go_out"
    c_cls=$(sed -nE 's/.*top class ([0-9]+) \((-?[0-9.]+)\)$/\1 \2/p' <<<"$c_out")
    go_cls=$(sed -nE 's/.*top class ([0-9]+) \((-?[0-9.]+)\)$/\1 \2/p' <<<"$go_out")
    if [ -n "$go_cls" ] && awk -v a="$c_cls" -v b="$go_cls" 'BEGIN { split(a, x, " "); split(b, y, " ");
         d = x[2] - y[2]; if (d < 0) d = -d; exit !(x[1] == y[1] && d <= 1e-3) }'; then
      ok "Go program on the PIR model agrees with minimal.c on the .pdmodel (class, score: $go_cls)"
    else
      fail "Go program printed '$go_out', expected the class and score minimal.c printed ('$c_cls', score within 1e-3)"
    fi
  else
    fail "go build against the installed library failed (module $mod):"
    head -30 "$out/gobuild.txt"
  fi
fi
finish
