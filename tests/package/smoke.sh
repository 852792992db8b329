#!/usr/bin/env bash
# Runs an installed mtlsprobe where it was installed (a chroot, a container):
# --version, fixtures, serve on a loopback port, and run against it. Needs
# only bash and the package's own dependencies; prints one line per check
# and exits 1 on the first failure.
#   smoke.sh [MTLSPROBE] [PORT]     (default: the mtlsprobe on PATH, 18443)
set -uo pipefail
bin=${1:-mtlsprobe}
port=${2:-18443}
work=$(mktemp -d /tmp/mtlsprobe-smoke.XXXXXX)
serve_pid=""
trap '[ -n "$serve_pid" ] && kill -TERM "$serve_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
die() { echo "smoke: FAIL: $*" >&2; for f in "$work"/*.log; do [ -f "$f" ] && tail -n 5 "$f" >&2; done; exit 1; }
ok() { echo "smoke: ok: $*"; }

path=$(command -v "$bin") || die "$bin is not on PATH"
ok "binary at $path"
"$bin" --version >"$work/version.log" 2>&1 || die "--version exited $?"
grep -Eq '^mtlsprobe [0-9.]+ \(commit ([0-9a-f]{40}(, dirty)?|unknown)\)$' "$work/version.log" \
  || die "--version does not name the commit: $(head -n 1 "$work/version.log")"
ok "$(head -n 1 "$work/version.log")"

"$bin" fixtures --out "$work/fx" -q >"$work/fixtures.log" 2>&1 || die "fixtures exited $?"
[ -f "$work/fx/manifest.json" ] || die "fixtures wrote no manifest.json"
ok "fixtures wrote $(ls "$work/fx" | wc -l) entries"

"$bin" serve --fixtures "$work/fx" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$serve_pid" 2>/dev/null || die "serve exited"
  sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || die "serve does not listen on 127.0.0.1:$port"
ok "serve listens on 127.0.0.1:$port"

"$bin" run --target "https://localhost:$port/" --connect-to "127.0.0.1:$port" --fixtures "$work/fx" \
  --json "$work/results.json" -q >"$work/run.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || die "run against serve exited $rc"
grep -Eq '"commit": ("[0-9a-f]{40}"|null)' "$work/results.json" || die "results.json has no tool.commit"
grep -Eq '"dirty": (true|false|null)' "$work/results.json" || die "results.json has no tool.dirty"
ok "run against serve exited 0; results.json carries $(grep -Eo '"commit": [^,]*' "$work/results.json")"
echo "smoke: all checks passed"
