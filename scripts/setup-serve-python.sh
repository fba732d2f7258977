#!/usr/bin/env bash
# Creates (once) the Python venv that the pdsafe-serve tests use to drive the
# server with real clients from PyPI -- tritonclient[http,grpc], pinned in
# serve/tests/requirements.txt -- and prints its python on stdout (everything
# else goes to stderr):
#   export PDSAFE_SERVE_PYTHON="$(bash scripts/setup-serve-python.sh)"
# The venv is $PDSAFE_SERVE_VENV (default build/serve-venv); it is rebuilt
# when requirements.txt changes. Needs python3 with the venv module (Debian:
# python3-venv, installed here when missing).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${PDSAFE_SERVE_VENV:-$root/build/serve-venv}
req=$root/serve/tests/requirements.txt
log() { echo "setup-serve-python: $*" >&2; }
stamp=$(sha256sum "$req" | cut -c1-16)
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.pdsafe-stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "$venv/bin/python"
  exit 0
fi
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    log "python3 has no venv module: apt-get install python3-venv"
    $SUDO apt-get update >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends python3-venv >&2
  else
    log "python3 has no venv module (install python3-venv or the equivalent)"
    exit 1
  fi
fi
rm -rf "$venv"
log "creating $venv and installing $(grep -c '==' "$req") pinned packages from $req"
python3 -m venv "$venv" >&2
"$venv/bin/pip" install --disable-pip-version-check -q -r "$req" >&2
echo "$stamp" >"$venv/.pdsafe-stamp"
echo "$venv/bin/python"
