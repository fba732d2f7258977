#!/usr/bin/env bash
# Configures and builds pdsafe into build/ (or $1), with any extra CMake flags after it.
# PDSAFE_NINJA_TARGETS, if set, names the targets to build (default: all);
# PDSAFE_BUILD_JOBS, if set, how many compile jobs to run at once (default: ninja's).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
dir=${1:-$root/build}
shift || true
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
ninja -C "$dir" ${PDSAFE_BUILD_JOBS:+-j "$PDSAFE_BUILD_JOBS"} ${PDSAFE_NINJA_TARGETS:-}
