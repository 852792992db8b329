#!/usr/bin/env bash
# Builds the Debian package from a build tree (cpack), installs it with apt,
# and runs tests/package/smoke.sh against the installed /usr/bin/mtlsprobe:
# --version, fixtures, serve and run.
#   deb.sh BUILD_DIR SOURCE_DIR
# MTLSPROBE_PACKAGE_TEST chooses where it is installed:
#   chroot (default)  a fresh minimal Debian of this machine's release, made by
#                     mmdebstrap, where `apt-get install ./mtlsprobe_*.deb`
#                     resolves the package's Depends from Debian alone:
#                     a missing Depends fails here even when this machine has
#                     the library.
#   system            `apt-get install ./mtlsprobe_*.deb` on this machine,
#                     removed again at the end (only if it was not installed).
# Exits 77 (skipped) when it cannot: not root, or no mmdebstrap for chroot.
set -uo pipefail
build=$(realpath "${1:?usage: $0 BUILD_DIR SOURCE_DIR}")
src=$(realpath "${2:?usage: $0 BUILD_DIR SOURCE_DIR}")
mode=${MTLSPROBE_PACKAGE_TEST:-chroot}
skip() { echo "deb.sh: SKIP: $*"; exit 77; }
die() { echo "deb.sh: FAIL: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "installing a package needs root"
case "$mode" in
  chroot) command -v mmdebstrap >/dev/null || skip "mmdebstrap is not installed (scripts/setup --test installs it)" ;;
  system) command -v apt-get >/dev/null || skip "no apt-get" ;;
  *) die "MTLSPROBE_PACKAGE_TEST=$mode: expected chroot or system" ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/mtlsprobe-deb.XXXXXX")
root="$work/root"
cleanup() {
  if mountpoint -q "$root/proc" 2>/dev/null; then umount "$root/proc"; fi
  [ -n "${KEEP_WORK:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT

# A port nothing listens on, below the ephemeral range.
port=""
for _ in $(seq 1 200); do
  p=$(( (RANDOM % 10000) + 20000 ))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || die "no free port"

(cd "$work" && cpack -B "$work/pkg" --config "$build/CPackConfig.cmake" >"$work/cpack.log" 2>&1) \
  || { cat "$work/cpack.log" >&2; die "cpack failed"; }
deb=$(ls "$work"/pkg/mtlsprobe_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || die "cpack made no mtlsprobe_*.deb"
echo "deb.sh: built $(basename "$deb") ($(stat -c %s "$deb") bytes)"
depends=$(dpkg-deb -f "$deb" Depends)
recommends=$(dpkg-deb -f "$deb" Recommends)
echo "deb.sh: Depends: $depends"
echo "deb.sh: Recommends: $recommends"
for lib in libevent liblua5.4 libjansson libhttp-parser libnghttp2; do
  grep -q "$lib" <<<"$depends" || die "Depends lacks $lib"
done
grep -q wolfssl <<<"$depends" && die "Depends names wolfSSL, which is linked statically"
grep -q gnuplot <<<"$recommends" || die "Recommends lacks gnuplot"
grep -q 'GPL-3.0-or-later' <<<"$(dpkg-deb -f "$deb" Description)" || die "the description states no license"
contents=$(dpkg-deb -c "$deb")
grep -q '/usr/share/doc/mtlsprobe/copyright$' <<<"$contents" || die "the package has no copyright file"
# Debian policy: man pages and the changelog compressed
grep -q '/usr/share/man/man1/mtlsprobe-run\.1\.gz$' <<<"$contents" || die "the man pages are not compressed"
grep -Eq '/usr/share/man/man1/[^ ]*\.1$' <<<"$contents" && die "an uncompressed man page is in the package"
grep -q '/usr/share/doc/mtlsprobe/changelog\.gz$' <<<"$contents" || die "the package has no changelog.gz"
command -v lintian >/dev/null || die "lintian is not installed (scripts/setup --test installs it)"
lint=$(lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v 'running with root privileges')
[ -z "$lint" ] || die "lintian: $(head -c 600 <<<"$lint")"
echo "deb.sh: lintian finds nothing to say"

if [ "$mode" = chroot ]; then
  codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
  # `apt-get install ./mtlsprobe_*.deb` inside the new tree: its Depends come
  # from the release's own archive (this machine's apt sources).
  mmdebstrap --variant=apt \
    --include=man-db \
    --customize-hook="copy-in '$deb' /tmp" \
    --customize-hook="chroot \"\$1\" sh -c 'cd /tmp && DEBIAN_FRONTEND=noninteractive apt-get install -y ./$(basename "$deb")'" \
    "$codename" "$root" >"$work/mmdebstrap.log" 2>&1 \
    || { tail -n 20 "$work/mmdebstrap.log" >&2; die "mmdebstrap could not install $(basename "$deb") into a fresh $codename"; }
  echo "deb.sh: installed into a fresh $codename tree made by mmdebstrap"
  [ -x "$root/usr/bin/mtlsprobe" ] || die "the package installed no /usr/bin/mtlsprobe"
  [ -f "$root/usr/share/doc/mtlsprobe/LICENSE" ] || die "the package installed no LICENSE"
  # the man pages and completion generated from the option tables
  for page in mtlsprobe mtlsprobe-fixtures mtlsprobe-run mtlsprobe-load mtlsprobe-report mtlsprobe-report-merge \
              mtlsprobe-serve; do
    ls "$root"/usr/share/man/man1/"$page".1* >/dev/null 2>&1 || die "the package installed no $page(1)"
  done
  [ -f "$root/usr/share/bash-completion/completions/mtlsprobe" ] || die "the package installed no bash completion"
  [ -f "$root/usr/share/zsh/vendor-completions/_mtlsprobe" ] || die "the package installed no zsh completion"
  man_out=$(chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/tmp MANWIDTH=80 man mtlsprobe-run 2>&1) \
    || die "man mtlsprobe-run failed in the chroot: $(head -c 300 <<<"$man_out")"
  grep -q -- "--suite" <<<"$man_out" || die "man mtlsprobe-run does not document --suite"
  echo "deb.sh: man mtlsprobe-run works in the chroot"
  mount -t proc proc "$root/proc" || die "cannot mount /proc in the chroot"
  cp "$src/tests/package/smoke.sh" "$root/tmp/smoke.sh"
  chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/tmp bash /tmp/smoke.sh mtlsprobe "$port" \
    || die "the installed mtlsprobe failed its smoke test in the chroot"
else
  preinstalled=0
  dpkg-query -W -f='${db:Status-Status}' mtlsprobe 2>/dev/null | grep -q installed && preinstalled=1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >"$work/apt.log" 2>&1 \
    || { tail -n 20 "$work/apt.log" >&2; die "apt-get install ./$(basename "$deb") failed"; }
  echo "deb.sh: installed into this system with apt-get install"
  status=0
  PATH=/usr/bin:/bin bash "$src/tests/package/smoke.sh" /usr/bin/mtlsprobe "$port" || status=1
  [ "$preinstalled" = 1 ] || apt-get remove -y -qq mtlsprobe >/dev/null 2>&1 || true
  [ "$status" = 0 ] || die "the installed mtlsprobe failed its smoke test"
fi
echo "deb.sh: the installed package passed"
