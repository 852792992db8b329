# Shared helpers for integration tests. Each test is `bash TEST.sh MTLSPROBE SRCDIR`.
set -uo pipefail
# Debian installs nginx, apache2 and haproxy in /usr/sbin.
export PATH="$PATH:/usr/sbin:/sbin"

MTLSPROBE=$(realpath "${1:?usage: $0 MTLSPROBE_BINARY SOURCE_DIR}")
SRC=$(realpath "${2:?usage: $0 MTLSPROBE_BINARY SOURCE_DIR}")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mtlsprobe-it.XXXXXX")
failures=0
checks=0

cleanup_hooks=()
on_exit() {
  local h
  for h in "${cleanup_hooks[@]+"${cleanup_hooks[@]}"}"; do eval "$h" || true; done
  rm -rf "$WORK"
}
trap on_exit EXIT

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { checks=$((checks + 1)); [ -n "${VERBOSE:-}" ] && echo "ok: $*"; return 0; }
check() { # check "description" command...
  local what=$1; shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}
finish() {
  echo "$(basename "$0"): $checks checks passed, $failures failed"
  [ "$failures" -eq 0 ]
}

# A TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$(( (RANDOM % 20000) + 30000 ))
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

# Waits until 127.0.0.1:PORT accepts connections (up to ~10 s).
wait_port() {
  local i
  for i in $(seq 1 100); do
    if (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# manifest field of one fixture: mf NAME FIELD
mf() { jq -r --arg n "$1" --arg f "$2" '.fixtures[] | select(.name == $n) | .[$f]' "$FX/manifest.json"; }

# start_nginx TEMPLATE FIXTURES: fills a config from docker/gateways/nginx,
# starts Debian's nginx on a free loopback port; sets NGINX_PORT, NGINX_RUN.
start_nginx() {
  local template=$1 fixtures=$2 nginx
  nginx=$(command -v nginx || echo /usr/sbin/nginx)
  [ -x "$nginx" ] || { echo "FAIL: nginx is not installed (run scripts/setup)"; exit 1; }
  NGINX_RUN=$(mktemp -d "$WORK/nginx.XXXXXX")
  NGINX_PORT=$(free_port) || { echo "FAIL: no free port"; exit 1; }
  sed -e "s|@RUNDIR@|$NGINX_RUN|g" -e "s|@FIXTURES@|$fixtures|g" -e "s|@PORT@|$NGINX_PORT|g" \
    "$SRC/docker/gateways/nginx/$template" > "$NGINX_RUN/nginx.conf"
  "$nginx" -t -p "$NGINX_RUN" -c "$NGINX_RUN/nginx.conf" >"$NGINX_RUN/test.log" 2>&1 \
    || { echo "FAIL: nginx rejects $template:"; cat "$NGINX_RUN/test.log"; exit 1; }
  "$nginx" -p "$NGINX_RUN" -c "$NGINX_RUN/nginx.conf" >"$NGINX_RUN/stdout.log" 2>&1 &
  NGINX_PID=$!
  cleanup_hooks+=("kill $NGINX_PID 2>/dev/null; wait $NGINX_PID 2>/dev/null")
  wait_port "$NGINX_PORT" || { echo "FAIL: nginx did not start"; cat "$NGINX_RUN/error.log"; exit 1; }
}

stop_nginx() {
  kill "$NGINX_PID" 2>/dev/null
  wait "$NGINX_PID" 2>/dev/null
  return 0
}
