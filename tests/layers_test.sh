#!/usr/bin/env bash
# The include-direction tripwire.
#   layers_test.sh ROOT
# The library's folders form layers, lower ones knowing nothing of higher
# ones:
#   core <- ops <- graph <- model (loaders), passes
#   core <- ops <- kernels (the kernels use params and shape rules, never the
#                           graph)
#   graph, kernels <- backend <- plan <- runtime <- api
# Each `#include "dir/..."` of a file under src/ must name a folder its own
# folder may use:
#   src/core/     core guard  (the handle table calls guard mode's hooks)
#   src/guard/    core guard
#   src/ops/      core ops
#   src/graph/    core ops graph
#   src/kernels/  core ops kernels
#   src/model/    core ops graph model proto   (loaders know no backend)
#   src/passes/   core ops graph kernels passes (constant folding runs the
#                                                reference kernels)
#   src/backend/  core ops graph kernels backend
#   src/plan/     core ops graph kernels backend plan
#   src/trace/    core trace  (the recorder: below runtime and api, which
#                              call its hooks)
# Folders not listed (runtime, api) may use every folder.
# Headers without a folder (pdsafe.h) and <system> headers are always allowed.
# Prints a "FAIL file:line: ..." line per upward include and a closing
# "N passed, N failed"; exits 1 if anything failed. Before that, it checks
# itself on a small planted tree.
set -u
export LC_ALL=C
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}

# allowed FOLDER: the include folders a file in src/FOLDER may name, or
# nothing when the folder is not checked.
allowed() {
  case $1 in
    core) echo "core guard" ;;
    guard) echo "core guard" ;;
    ops) echo "core ops" ;;
    graph) echo "core ops graph" ;;
    kernels) echo "core ops kernels" ;;
    model) echo "core ops graph model proto" ;;
    passes) echo "core ops graph kernels passes" ;;
    backend) echo "core ops graph kernels backend" ;;
    plan) echo "core ops graph kernels backend plan" ;;
    trace) echo "core trace" ;;
    *) echo "" ;;
  esac
}

# check DIR: checks every .c and .h under DIR/src; sets n_pass and n_fail.
check() {
  local dir=$1 f rel folder ok hit line inc top
  n_pass=0; n_fail=0
  while IFS= read -r f; do
    rel=${f#"$dir"/src/}
    case $rel in
      */*) folder=${rel%%/*} ;;
      *) continue ;;
    esac
    ok=$(allowed "$folder")
    [ -n "$ok" ] || continue
    while IFS= read -r hit; do
      line=${hit%%:*}
      inc=${hit#*:}
      inc=${inc#*\"}
      inc=${inc%%\"*}
      case $inc in */*) ;; *) n_pass=$((n_pass + 1)); continue ;; esac
      top=${inc%%/*}
      if [[ " $ok " == *" $top "* ]]; then
        n_pass=$((n_pass + 1))
      else
        n_fail=$((n_fail + 1))
        echo "FAIL src/$rel:$line: includes \"$inc\"; src/$folder/ may include only: $ok"
      fi
    done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f")
  done < <(find "$dir/src" -type f \( -name '*.c' -o -name '*.h' \) | sort)
}

# Self-check: one allowed and one upward include in each checked folder.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/core" "$tmp/src/ops" "$tmp/src/graph" "$tmp/src/kernels/ref" \
         "$tmp/src/backend/onednn" "$tmp/src/model" "$tmp/src/plan" "$tmp/src/runtime"
printf '#include "core/a.h"\n#include "ops/b.h"\n' >"$tmp/src/core/a.h"
printf '#include "ops/b.h"\n#include <stdio.h>\n#include "kernels/kernel.h"\n' >"$tmp/src/ops/b.c"
printf '#include "ops/b.h"\n#  include "kernels/ref/ref.h"\n' >"$tmp/src/graph/c.c"
printf '#include "ops/b.h"\n#include "graph/graph.h"\n' >"$tmp/src/kernels/ref/d.c"
printf '#include "graph/graph.h"\n#include "plan/plan.h"\n' >"$tmp/src/backend/onednn/e.c"
printf '#include "graph/graph.h"\n#include "backend/backend.h"\n' >"$tmp/src/model/g.c"
printf '#include "backend/backend.h"\n#include "runtime/runtime.h"\n' >"$tmp/src/plan/f.c"
printf '#include "api/x.h"\n#include "plan/plan.h"\n' >"$tmp/src/runtime/h.c"
check "$tmp" >"$tmp/self.out"
# The places of the upward includes, one per checked folder.
self=$(sed -E 's/^FAIL ([^ ]*): .*/\1/' "$tmp/self.out" | tr '\n' ' ')
want="src/backend/onednn/e.c:2 src/core/a.h:2 src/graph/c.c:2 src/kernels/ref/d.c:2 src/model/g.c:2 src/ops/b.c:3 src/plan/f.c:2 "
if [ "$self" != "$want" ] || [ "$n_fail" -ne 7 ] || [ "$n_pass" -ne 7 ]; then
  echo "FAIL layers_test.sh: the self-check on a planted tree gave ($n_pass passed," \
       "$n_fail failed):"
  cat "$tmp/self.out"
  echo "0 passed, 1 failed"
  exit 1
fi

if [ ! -d "$root/src" ]; then
  echo "FAIL $root/src: missing"
  echo "0 passed, 1 failed"
  exit 1
fi
check "$root"
echo "--   includes of src/{core,ops,graph,kernels,model,passes,backend,plan,trace} checked against their layers"
echo "$n_pass passed, $n_fail failed"
[ "$n_fail" -eq 0 ]
