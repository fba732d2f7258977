#!/usr/bin/env bash
# The Go test of the PD_* compatibility library (compat/go): builds pdsafe and
# libpaddle_inference_c, installs them into build/prefix-compat inside the
# repository, points pkg-config at it and runs the compat Go tests three times,
# as scripts/go-test.sh does for the native package:
#   1. go test -race                      2. GOEXPERIMENT=cgocheck2 go test
#   3. go test -asan (with the normal C build)
# plus gofmt and go vet. Extra arguments go to every `go test`.
# PDSAFE_BUILD_DIR builds the C libraries somewhere other than build/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
builddir="${PDSAFE_BUILD_DIR:-$root/build}"
prefix="$builddir/prefix-compat"

echo "== build and install libpdsafe and libpaddle_inference_c into $prefix"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! PDSAFE_NINJA_TARGETS="pdsafe paddle_inference_c" \
    bash "$root/scripts/build.sh" "$builddir" >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "go-test-compat: building the C libraries failed" >&2
  exit 1
fi
cmake --install "$builddir" --prefix "$prefix" >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

if ! command -v go >/dev/null 2>&1; then
  export PATH="/usr/local/go/bin:$PATH"
fi
command -v go >/dev/null 2>&1 || { echo "go-test-compat: no go command" >&2; exit 1; }
export CC="${CC:-gcc}"
# As go-test.sh: the headers and libraries are outside the Go package, so
# their hash goes into CGO_CFLAGS (part of the build cache key).
abi=$(cat "$prefix"/include/paddle_inference_c/*.h "$prefix/lib/libpaddle_inference_c.so" \
      "$prefix/lib/libpdsafe.so" | sha256sum | cut -c1-16)
export CGO_CFLAGS="${CGO_CFLAGS:--O2 -g} -DPDSAFE_BUILD_ID=$abi"
export GOFLAGS="${GOFLAGS:-} -count=1"
export PDSAFE_FIXTURES="$root/tests/fixtures"

cd "$root/compat/go"
echo "== gofmt, go vet (compat/go)"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
  echo "go-test-compat: gofmt -l reports:" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...

run() {
  local name=$1
  shift
  echo "== $name"
  local t0=$SECONDS
  "$@"
  echo "== $name: passed in $((SECONDS - t0)) s"
}
run "compat go test -race" go test -race -timeout 10m "$@" ./...
run "compat go test with GOEXPERIMENT=cgocheck2" \
  env GOEXPERIMENT=cgocheck2 go test -timeout 10m "$@" ./...
run "compat go test -asan" \
  env ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" go test -asan -timeout 10m "$@" ./...
