#!/usr/bin/env bash
# Installs what building and testing pdsafe needs, only if something is
# missing, so it is cheap to call before every build.
#
#   setup.sh             the Debian 12 packages of the C build
#   setup.sh --go        the same, plus a Go toolchain at least as new as
#                        go/go.mod asks for; prints that toolchain's bin
#                        directory on stdout (everything else goes to stderr):
#                          PATH="$(bash scripts/setup.sh --go):$PATH"
#   setup.sh --find-go   installs nothing: prints the bin directory of a new
#                        enough Go already on this machine, or exits 1
#
# Go is looked for, in this order, as `go` on PATH, /usr/local/go/bin/go and
# $PDSAFE_GO_PREFIX/go<version>/bin/go; the first one new enough is used and
# nothing is downloaded. Only when none is (Debian 12's own golang-go is 1.19),
# the toolchain is fetched the way the go command fetches toolchains itself:
# the module golang.org/toolchain, version v0.0.1-go<version>.linux-<arch>,
# from the Go module proxy ($GOPROXY, default https://proxy.golang.org). The
# .zip is checked against the SHA-256 pinned below before it is unpacked into
#   $PDSAFE_GO_PREFIX/go<version>      (default /usr/local/lib/pdsafe-go)
#
# Environment: PDSAFE_GO_PREFIX (where to unpack Go), GOPROXY (which proxy;
# a comma- or pipe-separated list as for the go command, "direct" and "off"
# entries are skipped because a toolchain is only served by a proxy).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

mode=packages
case "${1:-}" in
  "") ;;
  --go) mode=go ;;
  --find-go) mode=find-go ;;
  *) echo "setup: unknown argument '$1' (expected nothing, --go or --find-go)" >&2; exit 2 ;;
esac

# The toolchain this script installs when the machine has no new enough Go,
# and the SHA-256 of each .zip the proxy serves for it. To move to another
# release, download both zips once and replace the three values.
go_pin=1.25.14
declare -A go_zip_sha256=(
  [amd64]=1bb543a7745d4c6e045a1bfdb4c4d5a0b05b71ee8b8ff72c0a351598b26991a4
  [arm64]=eee0803776a2a3d42f0620d7b0156277350debb5d39c99a9b61c8b12108fd92c
)
go_prefix=${PDSAFE_GO_PREFIX:-/usr/local/lib/pdsafe-go}

log() { echo "setup: $*" >&2; }
die() { echo "setup: $*" >&2; exit 1; }

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# The Go version go/go.mod asks for ("go 1.24" or "go 1.24.0"), as MAJOR.MINOR.PATCH.
go_required() {
  local v
  v=$(sed -nE 's/^go[[:space:]]+([0-9]+\.[0-9]+(\.[0-9]+)?)[[:space:]]*$/\1/p' "$root/go/go.mod" | head -1)
  [ -n "$v" ] || die "$root/go/go.mod: no 'go 1.NN' line found (expected e.g. 'go 1.24')"
  [[ $v == *.*.* ]] || v=$v.0
  echo "$v"
}

# 0 if version $1 >= version $2 (both MAJOR.MINOR.PATCH).
version_ge() {
  local a b i
  IFS=. read -r -a a <<<"$1"
  IFS=. read -r -a b <<<"$2"
  for i in 0 1 2; do
    [ "${a[i]:-0}" -gt "${b[i]:-0}" ] && return 0
    [ "${a[i]:-0}" -lt "${b[i]:-0}" ] && return 1
  done
  return 0
}

# The version of the go binary $1 as MAJOR.MINOR.PATCH, or nothing if it does
# not run or says something else (a development build).
go_version_of() {
  local out v
  out=$("$1" version 2>/dev/null) || return 0
  v=$(sed -nE 's/^go version go([0-9]+\.[0-9]+(\.[0-9]+)?)([^0-9.].*)?$/\1/p' <<<"$out" | head -1)
  [ -n "$v" ] || return 0
  [[ $v == *.*.* ]] || v=$v.0
  echo "$v"
}

# Prints the bin directory of the first new enough Go; returns 1 if none.
find_go() {
  local need=$1 cand v seen=""
  for cand in "$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go "$go_prefix/go$go_pin/bin/go"; do
    [ -n "$cand" ] && [ -x "$cand" ] || continue
    v=$(go_version_of "$cand")
    if [ -n "$v" ] && version_ge "$v" "$need"; then
      dirname "$cand"
      return 0
    fi
    seen+=" $cand (${v:-version unknown})"
  done
  [ -z "$seen" ] || log "Go older than $need, not used:$seen"
  return 1
}

go_arch() {
  case "$(uname -m)" in
    x86_64 | amd64) echo amd64 ;;
    aarch64 | arm64) echo arm64 ;;
    *) echo "" ;;
  esac
}

need_sudo() { # $1: what needs root
  [ -z "$SUDO" ] || command -v sudo >/dev/null 2>&1 ||
    die "$1 needs root, and this is user $(id -un) without sudo: run as root, or install sudo"
}

apt_install() {
  need_sudo "apt-get install $*"
  # Visible progress: a fresh machine downloads and unpacks for minutes.
  log "apt-get update (refreshing the package lists)"
  $SUDO apt-get update >&2
  log "apt-get install ${*} (this can take several minutes on a fresh machine)"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "$@" >&2
  log "apt-get install: done"
}

# Downloads, verifies and unpacks the pinned toolchain into $go_prefix.
install_go() {
  local arch=$1 want=${go_zip_sha256[$1]} mod=golang.org/toolchain ver url got tmp proxies p tried=""
  ver="v0.0.1-go$go_pin.linux-$arch"
  tmp=$(mktemp -d)
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  IFS=',|' read -r -a proxies <<<"${GOPROXY:-https://proxy.golang.org}"
  for p in "${proxies[@]}"; do
    case "$p" in
      direct | off | "") continue ;;
    esac
    url="${p%/}/$mod/@v/$ver.zip"
    tried+=" $url"
    log "downloading Go $go_pin ($arch, about 65 MB) from $url"
    if [ -t 2 ]; then
      curl -fL --retry 3 --progress-bar -o "$tmp/go.zip" "$url" && break
    else
      # Not a terminal (a log): curl's meter, updated in place with carriage returns.
      curl -fL --retry 3 -o "$tmp/go.zip" "$url" && break
    fi
    log "download from $url failed; trying the next GOPROXY entry, if any"
    rm -f "$tmp/go.zip"
  done
  [ -s "$tmp/go.zip" ] ||
    die "could not download Go $go_pin: tried${tried:- nothing} (GOPROXY='${GOPROXY:-}'; expected a proxy URL serving $mod)"
  got=$(sha256sum "$tmp/go.zip" | cut -d' ' -f1)
  [ "$got" = "$want" ] ||
    die "Go $go_pin ($arch) download: SHA-256 is $got, expected $want (pinned in scripts/setup.sh); not installed"
  log "SHA-256 verified ($got); unpacking into $go_prefix/go$go_pin"
  unzip -q "$tmp/go.zip" -d "$tmp/unpacked"
  local top="$tmp/unpacked/$mod@$ver"
  [ -f "$top/bin/go" ] || die "Go $go_pin zip: $mod@$ver/bin/go missing after unpacking (unexpected zip layout)"
  # Module zips need not record executable bits; the go command sets them too.
  chmod -R a+rX "$top"
  chmod a+x "$top/bin/"* "$top/pkg/tool/"*/*
  local s=""
  if ! mkdir -p "$go_prefix" 2>/dev/null || [ ! -w "$go_prefix" ]; then
    s=$SUDO
    need_sudo "writing $go_prefix (set PDSAFE_GO_PREFIX to a directory of yours instead)"
  fi
  $s mkdir -p "$go_prefix"
  $s rm -rf "$go_prefix/go$go_pin.partial"
  $s mv "$top" "$go_prefix/go$go_pin.partial"
  # A go$go_pin already there did not run (find_go passed it over): replace it.
  $s rm -rf "$go_prefix/go$go_pin"
  $s mv "$go_prefix/go$go_pin.partial" "$go_prefix/go$go_pin"
  rm -rf "$tmp"
  trap - EXIT
}

if [ "$mode" = find-go ]; then
  need=$(go_required)
  find_go "$need" || { log "no Go $need or newer found (run: bash scripts/setup.sh --go)"; exit 1; }
  exit 0
fi

pkgs=(build-essential cmake ninja-build pkg-config protobuf-c-compiler libprotobuf-c-dev libdnnl-dev libjansson-dev libdw-dev clang-tidy python3 python3-pip chromium)
go_bin=""
go_arch_=""
if [ "$mode" = go ]; then
  need=$(go_required)
  if go_bin=$(find_go "$need"); then
    :
  else
    go_arch_=$(go_arch)
    [ -n "$go_arch_" ] ||
      die "no Go $need or newer found, and this script installs Go only on amd64 and arm64 (this is $(uname -m)); install Go $need or newer yourself and put its bin directory on PATH"
    [ -n "${go_zip_sha256[$go_arch_]:-}" ] || die "no SHA-256 pinned for Go $go_pin on $go_arch_"
    pkgs+=(curl ca-certificates unzip)
  fi
fi

missing=()
if command -v dpkg >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  for p in "${pkgs[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
else
  # Not Debian: the build will say what it lacks (README.md, "Other distributions").
  log "no dpkg/apt-get here: not checking packages; install the equivalents of ${pkgs[*]} yourself"
fi
if [ ${#missing[@]} -gt 0 ]; then
  apt_install "${missing[@]}"
fi

if [ "$mode" = go ]; then
  if [ -z "$go_bin" ]; then
    log "no Go $need or newer on this machine; installing Go $go_pin"
    install_go "$go_arch_"
    go_bin="$go_prefix/go$go_pin/bin"
    v=$(go_version_of "$go_bin/go")
    [ "$v" = "$go_pin" ] || die "$go_bin/go: reports version '${v:-none}' after installing, expected $go_pin"
  fi
  log "using Go $(go_version_of "$go_bin/go") from $go_bin"
  echo "$go_bin"
fi
