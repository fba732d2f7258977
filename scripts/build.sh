#!/usr/bin/env bash
# Configures and builds pdsafe into build/ (or $1), with any extra CMake flags after it.
# PDSAFE_NINJA_TARGETS, if set, names the targets to build (default: all).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
dir=${1:-$root/build}
shift || true
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
ninja -C "$dir" ${PDSAFE_NINJA_TARGETS:-}
