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
  [ -n "${KEEP_WORK:-}" ] && echo "kept $WORK" || rm -rf "$WORK"
}
trap on_exit EXIT

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { checks=$((checks + 1)); [ -n "${VERBOSE:-}" ] && echo "ok: $*"; return 0; }
check() { # check "description" command...
  local what=$1; shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}
# A script that ran no check proved nothing: finish fails it, so a test
# whose every check was skipped by mistake cannot pass.
finish() {
  echo "$(basename "$0"): $checks checks passed, $failures failed"
  if [ "$checks" -eq 0 ] && [ "$failures" -eq 0 ]; then
    echo "FAIL: $(basename "$0") ran no check" >&2
    return 1
  fi
  [ "$failures" -eq 0 ]
}

# A TCP port on 127.0.0.1 that nothing listens on now, chosen below the
# kernel's ephemeral range so no outgoing connection can be holding it.
free_port() {
  local p i low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  [ "$low" -gt 21000 ] || low=32768
  for i in $(seq 1 200); do
    p=$(( (RANDOM % (low - 20000)) + 20000 ))
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

# Sanitizers slow everything down several times: waits for things to
# happen scale with MTLSPROBE_TIME_SCALE (set by tests/CMakeLists.txt).
TIME_SCALE=${MTLSPROBE_TIME_SCALE:-1}

# Waits until 127.0.0.1:PORT accepts connections (up to ~10 s, scaled).
wait_port() {
  local i
  for i in $(seq 1 $((100 * TIME_SCALE))); do
    if (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# Whether the process tree under ROOT (a pid) listens on 127.0.0.1:PORT:
# owns_port PORT ROOT. A port that merely accepts is not enough: `nginx -t`,
# which the start script runs first, listens for a moment and exits, and on
# a busy machine a test could start before the real gateway has bound.
owns_port() {
  local port=$1 root=$2 p
  for p in $(ss -ltnpH "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
    while [ -n "$p" ] && [ "$p" -gt 1 ]; do
      [ "$p" = "$root" ] && return 0
      p=$(awk '{ print $4 }' "/proc/$p/stat" 2>/dev/null)
    done
  done
  return 1
}

# manifest field of one fixture: mf NAME FIELD
mf() { jq -r --arg n "$1" --arg f "$2" '.fixtures[] | select(.name == $n) | .[$f]' "$FX/manifest.json"; }

# start_gateway GATEWAY TEMPLATE FIXTURES [START_OPTION...]: renders and
# starts a gateway with docker/gateways/start on a free loopback port (the
# options, e.g. --set KEY=VALUE, go to the start script); sets GW_PORT,
# GW_RUN, GW_PID.
start_gateway() {
  local gateway=$1 template=$2 fixtures=$3 extra=()
  shift 3
  extra=("$@")
  GW_RUN=$(mktemp -d "$WORK/$gateway.XXXXXX")
  GW_PORT=$(free_port) || { echo "FAIL: no free port"; exit 1; }
  if [ "$gateway" = stunnel ]; then extra+=(--upstream-port "$(free_port)"); fi
  "$SRC/docker/gateways/start" "$gateway" "$template" --fixtures "$fixtures" --port "$GW_PORT" \
    --run "$GW_RUN" "${extra[@]+"${extra[@]}"}" >"$GW_RUN/start.out" 2>&1 &
  GW_PID=$!
  # stunnel's HTTP responder is an nginx of its own that outlives stunnel.
  cleanup_hooks+=("kill $GW_PID 2>/dev/null; wait $GW_PID 2>/dev/null; rm -rf /tmp/mtlsprobe-www-$GW_PORT; stop_responder $GW_RUN")
  local i
  for i in $(seq 1 $((100 * TIME_SCALE))); do
    owns_port "$GW_PORT" "$GW_PID" && return 0
    kill -0 "$GW_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "FAIL: $gateway ($template) did not start on port $GW_PORT: $(tail -n 5 "$GW_RUN"/*.out "$GW_RUN"/*.log 2>/dev/null | tr '\n' ' ')"
  return 1
}

stop_responder() {
  if [ -f "$1/responder.pid" ]; then kill "$(cat "$1/responder.pid")" 2>/dev/null; fi
  return 0
}

stop_gateway() {
  kill "$GW_PID" 2>/dev/null
  wait "$GW_PID" 2>/dev/null
  stop_responder "$GW_RUN"
  return 0
}

# nginx, for the tests that use it directly: sets NGINX_PORT, NGINX_RUN.
start_nginx() {
  start_gateway nginx "$1" "$2" || exit 1
  NGINX_PORT=$GW_PORT
  NGINX_RUN=$GW_RUN
  NGINX_PID=$GW_PID
}

stop_nginx() {
  stop_gateway
}

# A run's verdicts other than PASS and INFO, "id [version] VERDICT" sorted,
# from $WORK/NAME.json; expect_failing NAME LINES checks them exactly; both
# ID... gives the FAIL lines of each ID in TLS 1.2 and 1.3.
failing() { # the FAIL and ERROR verdicts of a run, "id [version]" sorted
  jq -r '.results[] | select(.verdict != "PASS" and .verdict != "INFO") | "\(.id) [\(.tls_version)] \(.verdict)"' "$WORK/$1.json" | sort
}
expect_failing() { # expect_failing NAME EXPECTED_LINES
  local got
  got=$(failing "$1")
  if [ "$got" = "$2" ]; then ok "$1: the expected scenarios fail"
  else fail "$1: failing scenarios differ; expected:
$2
got:
$got"; fi
}
both() { # both ID...: "id [TLSv1.2] FAIL" and "id [TLSv1.3] FAIL" lines, sorted
  local id
  for id in "$@"; do printf '%s [TLSv1.2] FAIL\n%s [TLSv1.3] FAIL\n' "$id" "$id"; done | sort
}
