#!/usr/bin/env bash
# Builds the container image from docker/Dockerfile with podman, on a Debian
# base image made here by mmdebstrap (no image registry is needed), checks
# that it runs as a non-root user with ENTRYPOINT mtlsprobe, prints its size,
# and runs tests/package/smoke.sh in it: --version, fixtures, serve and run.
#   container.sh SOURCE_DIR
# BASE_IMAGE: use this base instead of making one (default: a local image
# localhost/mtlsprobe-base:<this machine's codename>, made once).
# Exits 77 (skipped), saying exactly why, when containers cannot be built or
# run here: no podman, not root, or the container runtime refuses to start
# even a trivial container.
set -uo pipefail
src=$(realpath "${1:?usage: $0 SOURCE_DIR}")
skip() { echo "container.sh: SKIP: $*"; exit 77; }
die() { echo "container.sh: FAIL: $*" >&2; exit 1; }

command -v podman >/dev/null || skip "podman is not installed (scripts/setup --test installs it)"
[ "$(id -u)" -eq 0 ] || skip "the base image is made by mmdebstrap as root"
work=$(mktemp -d "${TMPDIR:-/tmp}/mtlsprobe-container.XXXXXX")
trap '[ -n "${KEEP_WORK:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT

codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
base=${BASE_IMAGE:-localhost/mtlsprobe-base:$codename}
if ! podman image exists "$base"; then
  [ -z "${BASE_IMAGE:-}" ] || die "no image $base"
  command -v mmdebstrap >/dev/null || skip "no base image $base and no mmdebstrap to make one"
  # Like Debian's -slim images: merged /usr without the usrmerge package (and
  # the perl it pulls in), no documentation, manuals or translations.
  mmdebstrap --variant=minbase --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-include=/usr/share/doc/mtlsprobe/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    "$codename" "$work/base.tar" >"$work/mmdebstrap.log" 2>&1 \
    || { tail -n 20 "$work/mmdebstrap.log" >&2; die "mmdebstrap could not make a $codename base"; }
  podman import "$work/base.tar" "$base" >/dev/null || die "podman import of the base failed"
  rm -f "$work/base.tar"
  echo "container.sh: made the base image $base with mmdebstrap"
fi

# Can a container start here at all? Some machines (a VM without
# CAP_SYS_RESOURCE, cgroups v1/v2 hybrid) refuse podman's defaults: crun
# cannot set the default RLIMIT_NPROC/NOFILE, nor run on hybrid cgroups. runc
# with limits within the current ones works there.
pflags=() rflags=()
if ! podman run --rm --network none "$base" true >"$work/try1.log" 2>&1; then
  lim_n=$(ulimit -Hn); lim_u=$(ulimit -Hu)
  [ "$lim_n" = unlimited ] || [ "$lim_n" -gt 4096 ] && lim_n=4096
  [ "$lim_u" = unlimited ] || [ "$lim_u" -gt 4096 ] && lim_u=4096
  pflags=(--runtime runc)
  rflags=(--ulimit "nofile=$lim_n:$lim_n" --ulimit "nproc=$lim_u:$lim_u")
  if ! command -v runc >/dev/null ||
     ! podman "${pflags[@]}" run --rm --network none "${rflags[@]}" "$base" true >"$work/try2.log" 2>&1; then
    skip "containers cannot run here: with podman's defaults: $(tail -n 1 "$work/try1.log"); with runc and ulimits $lim_n/$lim_u: $(tail -n 1 "$work/try2.log" 2>/dev/null || echo 'runc is not installed')"
  fi
  echo "container.sh: podman's defaults fail here ($(tail -n 1 "$work/try1.log")); using runc with nofile=$lim_n nproc=$lim_u"
fi

image=localhost/mtlsprobe:test
commit=$(git -C "$src" rev-parse HEAD 2>/dev/null || true)
[ -n "$commit" ] && [ -n "$(git -C "$src" status --porcelain --untracked-files=no 2>/dev/null)" ] && commit="$commit-dirty"
# The build stage fetches Debian packages and wolfSSL's source: host network.
if ! podman "${pflags[@]}" build "${rflags[@]}" --network host \
     --build-arg BASE_IMAGE="$base" --build-arg MTLSPROBE_GIT_COMMIT="$commit" \
     -f "$src/docker/Dockerfile" -t "$image" "$src" >"$work/build.log" 2>&1; then
  tail -n 30 "$work/build.log" >&2
  die "podman build failed"
fi
size=$(podman image inspect --format '{{.Size}}' "$image")
echo "container.sh: built $image: $size bytes ($((size / 1048576)) MiB)"
user=$(podman image inspect --format '{{.Config.User}}' "$image")
entry=$(podman image inspect --format '{{json .Config.Entrypoint}}' "$image")
[ "$user" = mtlsprobe ] || die "the image runs as '$user', not mtlsprobe"
[ "$entry" = '["mtlsprobe"]' ] || die "the image's entrypoint is $entry"
run=(podman "${pflags[@]}" run --rm --network none "${rflags[@]}")
uid=$("${run[@]}" --entrypoint id "$image" -u) || die "cannot run id in the image"
[ "$uid" != 0 ] || die "the image runs as root"
echo "container.sh: runs as $user (uid $uid), entrypoint $entry"
"${run[@]}" "$image" --version >"$work/version" 2>&1 || die "mtlsprobe --version failed in the image"
want=${commit%-dirty}
head -n 1 "$work/version" | grep -q "(commit ${want:-unknown}" \
  || die "--version in the image says '$(head -n 1 "$work/version")', expected commit ${commit:-unknown}"
echo "container.sh: $(head -n 1 "$work/version")"
# Inside the container, with no network but its own loopback.
"${run[@]}" -v "$src/tests/package/smoke.sh:/smoke.sh:ro" --entrypoint bash "$image" /smoke.sh mtlsprobe 18443 \
  || die "the smoke test failed in the image"
echo "container.sh: the image passed"
