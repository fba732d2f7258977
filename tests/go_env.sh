# Sourced by the tests that build Go programs against the installed library
# (install_test.sh, readme_snippets_test.sh).
#
#   go_env_find SOURCE_DIR    puts a new enough Go on PATH (the one
#                             scripts/setup.sh --find-go finds: `go` on PATH,
#                             /usr/local/go, or the one setup.sh --go installed)
#                             and returns 0; without one it prints why and
#                             returns 1 (skip), or 2 (count a failure) when
#                             PDSAFE_REQUIRE_GO=1 (scripts/test.sh sets it:
#                             there, a missing Go is a failure, not a skip).
#   go_env_module DIR NAME SOURCE_DIR PREFIX
#                             writes DIR/go.mod for module NAME depending on the
#                             checkout's Go package through a replace directive,
#                             and exports what `go build` in DIR needs to use the
#                             library installed in PREFIX (PKG_CONFIG_PATH, and
#                             a CGO_CFLAGS that changes with the header, the
#                             library and the prefix, so that cmd/go's cache
#                             never reuses a build made against another
#                             pdsafe.h or another prefix).

go_env_find() {
  local src=$1 bin
  if bin=$(bash "$src/scripts/setup.sh" --find-go 2>/dev/null); then
    export PATH="$bin:$PATH"
    return 0
  fi
  if [ "${PDSAFE_REQUIRE_GO:-0}" = 1 ]; then
    echo "FAIL the Go part: no Go toolchain as new as $src/go/go.mod asks for, and PDSAFE_REQUIRE_GO=1 (install one: bash scripts/setup.sh --go)"
    return 2
  fi
  echo "SKIP: the Go part: no Go toolchain as new as $src/go/go.mod asks for (bash scripts/setup.sh --go installs one; PDSAFE_REQUIRE_GO=1 makes this a failure)"
  return 1
}

go_env_module() {
  local dir=$1 name=$2 src=$3 prefix=$4 pc goversion
  pc=$(find "$prefix" -name pdsafe.pc | head -1)
  goversion=$(sed -nE 's/^go[[:space:]]+([0-9.]+)[[:space:]]*$/\1/p' "$src/go/go.mod" | head -1)
  mkdir -p "$dir"
  # The package's own dependencies (golang.org/x/exp, for StartTrace) come
  # with it: its requirements and go.sum, fetched once into the module cache
  # through the module proxy (a no-op when they are there already).
  local reqs
  reqs=$(sed -nE 's/^require[[:space:]]+([^ ]+[[:space:]]+v[^ ]+).*$/\1/p; /^require[[:space:]]*\(/,/^\)/{s/^[[:space:]]+([^ ]+[[:space:]]+v[^ ]+).*$/\1/p}' "$src/go/go.mod")
  cat >"$dir/go.mod" <<GOMOD
module $name

go $goversion

require github.com/pdsafe/pdsafe/go v0.0.0
$([ -z "$reqs" ] || sed 's/^/require /' <<<"$reqs")

replace github.com/pdsafe/pdsafe/go => $src/go
GOMOD
  cp "$src/go/go.sum" "$dir/go.sum"
  if [ -n "$reqs" ]; then
    (cd "$src/go" && GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN=local go mod download $(tr ' ' '@' <<<"$reqs")) >/dev/null 2>&1 || true
  fi
  export PKG_CONFIG_PATH="$(dirname "$pc")"
  # The prefix is part of the key too: the cached package records the -L and
  # rpath of the prefix it was built against, and scratch prefixes vanish.
  export CGO_CFLAGS="-O2 -g -DPDSAFE_BUILD_ID=$({ echo "$prefix"; cat "$prefix/include/pdsafe.h" "$(dirname "$pc")/../libpdsafe.so"; } | sha256sum | cut -c1-16)"
  # Nothing is downloaded from here on: the dependencies are in the module
  # cache (above), and the toolchain is the one found, never another one
  # named by go.mod.
  export GOPROXY=off GOFLAGS= GOWORK=off GOTOOLCHAIN=local
}
