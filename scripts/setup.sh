#!/usr/bin/env bash
# Installs what building and testing pdsafe needs (Debian 12 packages), only
# if something is missing, so it is cheap to call before every build.
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config protobuf-c-compiler libprotobuf-c-dev libdnnl-dev libjansson-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
