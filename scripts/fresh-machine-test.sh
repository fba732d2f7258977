#!/usr/bin/env bash
# Before a release: proves the README's two commands on a fresh, minimal
# Debian 12. Builds a minimal Debian 12 root with debootstrap, copies the
# repository's committed HEAD into it (git archive: no build directories, no
# uncommitted files), and runs, inside a chroot, unattended:
#     bash scripts/demo.sh
#     bash scripts/test.sh
# with the timing of every step written to the log. Not part of CI: it needs
# root, a Debian mirror and 3 GB of disk, and takes about half an hour on two
# busy cores.
#
#   sudo bash scripts/fresh-machine-test.sh [WORKDIR]
#
# WORKDIR (default: a new directory under /var/tmp) receives rootfs/ and the
# logs: fresh-machine.log (everything), demo.log, test.log, timings.txt.
# Environment:
#   PDSAFE_FRESH_MIRROR    Debian mirror (default: the first Debian URI in this
#                          machine's /etc/apt/sources.list*, else deb.debian.org)
#   PDSAFE_FRESH_KEEP=1    keep rootfs/ afterwards (default: removed)
#   PDSAFE_FRESH_MIN_GB    free disk space required in WORKDIR (default 3; the
#                          root grows to about 2 GB)
#   PDSAFE_FRESH_HOST_CAS  1 (default): copy the CA certificates added to this
#                          machine (/usr/local/share/ca-certificates) into the
#                          root, as its network needs; 0: do not
#   PDSAFE_BUILD_JOBS      passed into the chroot (compile jobs, scripts/build.sh)
# Exits 0 only if both commands succeeded. /proc, /sys, /dev and /dev/pts are
# mounted into the root for the run and unmounted on every exit, also on
# failure or Ctrl-C; rootfs/ is never removed while anything is mounted in it.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

[ "$(id -u)" -eq 0 ] || { echo "fresh-machine-test: must run as root (debootstrap, chroot, mount); try sudo" >&2; exit 2; }
command -v git >/dev/null 2>&1 || { echo "fresh-machine-test: git is needed to export $repo's HEAD" >&2; exit 2; }
git -C "$repo" rev-parse --verify -q HEAD >/dev/null ||
  { echo "fresh-machine-test: $repo is not a git checkout with a commit (expected one: HEAD is what is tested)" >&2; exit 2; }

work=${1:-$(mktemp -d /var/tmp/pdsafe-fresh.XXXXXX)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
rootfs=$work/rootfs
[ ! -e "$rootfs" ] || { echo "fresh-machine-test: $rootfs already exists (expected a fresh WORKDIR)" >&2; exit 2; }
exec > >(tee -a "$work/fresh-machine.log") 2>&1

min_gb=${PDSAFE_FRESH_MIN_GB:-3}
free_kb=$(df -Pk "$work" | awk 'NR == 2 { print $4 }')
if [ "$free_kb" -lt $((min_gb * 1024 * 1024)) ]; then
  echo "fresh-machine-test: $work has $((free_kb / 1024)) MiB free, expected at least $min_gb GiB (PDSAFE_FRESH_MIN_GB)" >&2
  exit 2
fi

t_start=$SECONDS
timings=$work/timings.txt
: >"$timings"
step() { # step NAME COMMAND...: runs it, logs its duration and result
  local name=$1 t0=$SECONDS rc=0
  shift
  echo "==== [$(date +%T)] $name"
  "$@" || rc=$?
  local line
  line=$(printf '%-44s %5d s  %s' "$name" $((SECONDS - t0)) "$([ $rc -eq 0 ] && echo ok || echo "FAILED (exit $rc)")")
  echo "==== $line"
  echo "$line" >>"$timings"
  return $rc
}

mounted=()
cleanup() {
  local rc=$? i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" 2>/dev/null ||
      echo "fresh-machine-test: could not unmount ${mounted[i]}" >&2
  done
  mounted=()
  if [ -d "$rootfs" ] && [ "${PDSAFE_FRESH_KEEP:-0}" != 1 ]; then
    if grep -qF " $rootfs" /proc/self/mounts; then
      echo "fresh-machine-test: something is still mounted under $rootfs; not removing it" >&2
    else
      rm -rf "$rootfs"
    fi
  fi
  [ ! -s "$timings" ] || { echo "==== timings"; cat "$timings"; }
  echo "==== total $((SECONDS - t_start)) s; logs in $work"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The mirror: the one this machine's apt uses (deb822 "URIs:" or one-line "deb").
mirror=${PDSAFE_FRESH_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    sed -nE 's/^URIs:[[:space:]]*(http[^[:space:]]*\/debian)\/?([[:space:]].*)?$/\1/p; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?(http[^[:space:]]*\/debian)\/?[[:space:]].*/\2/p' |
    head -1 || true)
  mirror=${mirror:-http://deb.debian.org/debian}
fi
security=${mirror%/debian}/debian-security
echo "fresh-machine-test: testing $(git -C "$repo" rev-parse --short HEAD) of $repo in $rootfs (mirror $mirror)"
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
  echo "fresh-machine-test: note: uncommitted changes in $repo are not part of the test (HEAD is)"
fi

install_debootstrap() {
  dpkg -s debootstrap >/dev/null 2>&1 && return 0
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap
}
step "host: install debootstrap" install_debootstrap

# minbase: only essential packages and apt; no compiler, no curl, no certificates.
step "debootstrap --variant=minbase bookworm" debootstrap --variant=minbase bookworm "$rootfs" "$mirror"

prepare_root() {
  cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
  cp -L /etc/resolv.conf "$rootfs/etc/resolv.conf"
  # The CA certificates this machine's admin added (a TLS-intercepting proxy's,
  # say): a new machine on the same network needs them too, or the Go download
  # fails with "SSL certificate problem". ca-certificates, which setup.sh
  # installs, adds them to the root's trust store.
  if [ "${PDSAFE_FRESH_HOST_CAS:-1}" = 1 ] && compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    mkdir -p "$rootfs/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
    echo "fresh-machine-test: copied this machine's local CA certificates: $(cd /usr/local/share/ca-certificates && echo *.crt)"
  fi
  mkdir -p "$rootfs/root/pdsafe"
  git -C "$repo" archive --format=tar HEAD | tar -x -C "$rootfs/root/pdsafe"
  local m
  for m in proc sys dev dev/pts; do mkdir -p "$rootfs/$m"; done
  mount -t proc proc "$rootfs/proc" && mounted+=("$rootfs/proc")
  mount -t sysfs sysfs "$rootfs/sys" && mounted+=("$rootfs/sys")
  mount --bind /dev "$rootfs/dev" && mounted+=("$rootfs/dev")
  mount --bind /dev/pts "$rootfs/dev/pts" && mounted+=("$rootfs/dev/pts")
}
step "copy HEAD in, mount /proc /sys /dev" prepare_root

# A login-like, clean environment: nothing of this machine's PATH or Go.
in_root() {
  chroot "$rootfs" /usr/bin/env -i HOME=/root USER=root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    ${PDSAFE_BUILD_JOBS:+PDSAFE_BUILD_JOBS=$PDSAFE_BUILD_JOBS} \
    bash -c "cd /root/pdsafe && $1"
}
rc=0
step "bash scripts/demo.sh (in the chroot)" in_root "bash scripts/demo.sh" 2>&1 | tee "$work/demo.log" || rc=1
step "bash scripts/test.sh (in the chroot)" in_root "bash scripts/test.sh" 2>&1 | tee "$work/test.log" || rc=1
du -sh "$rootfs" 2>/dev/null | sed 's/^/disk used by the root: /' || true
if [ $rc -eq 0 ]; then
  echo "fresh-machine-test: PASSED: both README commands succeeded on a fresh Debian 12"
else
  echo "fresh-machine-test: FAILED: see $work/demo.log and $work/test.log" >&2
fi
exit $rc
