# The error paths of the Lua `t` API and of connections (bad arguments to
# t:connect{}, c:request{} with a bad header, a bad field, unknown fields)
# under valgrind memcheck against mtlsprobe serve: each is an ERROR naming
# the problem, and none leaks or touches memory it should not, even with
# --header copies made before the bad header is read. The t:connect{}
# cases raise before a socket is opened; the c:request{} cases after a
# completed handshake (request-ok shows that connection answers).
source "$(dirname "$0")/lib.sh"

command -v valgrind >/dev/null || { fail "valgrind is not installed"; finish; exit; }
FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" --seed 25 >/dev/null 2>&1 || { echo "FAIL: fixtures"; exit 1; }
PORT=$(free_port)
"$MTLSPROBE" serve --fixtures "$FX" --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
cleanup_hooks+=("kill $SERVE_PID 2>/dev/null")
wait_port "$PORT" || { echo "FAIL: serve did not start"; exit 1; }
DIR=$SRC/tests/integration/scenarios/lua_errors

# vrun NAME GLOB: the scenarios matching GLOB under valgrind, into $WORK/NAME.*
vrun() {
  local name=$1 glob=$2
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
    --log-file="$WORK/$name.vg" \
    "$MTLSPROBE" run --target "https://localhost:$PORT/" --connect-to "127.0.0.1:$PORT" --fixtures "$FX" \
    --timeout 30s --scenario-time-limit 120s -H 'X-Run: lua-errors' -H 'X-Second: copy' \
    --only "$glob" --json "$WORK/$name.json" -q "$DIR" >"$WORK/$name.out" 2>&1
  echo $? > "$WORK/$name.rc"
}
verdict() { jq -r --arg id "lua-errors/$2" '.results[] | select(.id == $id) | .verdict' "$WORK/$1.json"; }
reason() { jq -r --arg id "lua-errors/$2" '.results[] | select(.id == $id) | .reason' "$WORK/$1.json"; }
# expect RUN ID SUBSTRING: the scenario is an ERROR whose reason names the problem
expect() {
  check "$2: ERROR" test "$(verdict "$1" "$2")" = ERROR
  check "$2: the reason says '$3'" grep -qF -- "$3" <<<"$(reason "$1" "$2")"
}
# clean RUN: valgrind found nothing (its exit code is 99 when it did)
clean() {
  check "$1: valgrind reports no error and no leak" test "$(cat "$WORK/$1.rc")" != 99
  check "$1: valgrind's log is empty" test ! -s "$WORK/$1.vg"
  [ -s "$WORK/$1.vg" ] && sed -n 1,40p "$WORK/$1.vg" >&2
  return 0
}

vrun connect 'lua-errors/connect-*'
check "connect: the run wrote its results" test -s "$WORK/connect.json"
check "connect: seven scenarios ran" test "$(jq '.results | length' "$WORK/connect.json")" = 7
expect connect connect-unknown-field "unknown field"
expect connect connect-bad-tls "tls must be"
expect connect connect-unknown-fixture "unknown fixture 'client/no-such-fixture'"
expect connect connect-bad-sni "sni must be a name or false"
expect connect connect-bad-address "connect_to"
expect connect connect-long-option "alpn is longer than"
expect connect connect-not-a-table "table expected"
clean connect

vrun request 'lua-errors/request-*'
check "request: the run wrote its results" test -s "$WORK/request.json"
check "request: the good request is answered" test "$(verdict request request-ok)" = PASS
expect request request-bad-header "header 'no colon in this header' must look like 'Name: value'"
expect request request-bad-header-value "header 'X-Count' must have a string value"
expect request request-header-list "headers must be"
expect request request-unknown-field "unknown field"
expect request request-bad-method "method"
clean request

finish
