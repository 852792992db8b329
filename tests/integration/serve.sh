# `mtlsprobe serve`, the reference gateway: the whole built-in suite passes
# against it (in sequence and with -j 8, so cached intermediates from other
# clients never stand in for a missing one); it answers with the verified
# subject, logs a line per connection, stops cleanly on SIGTERM and SIGINT,
# and refuses bad options with exit 2.
. "$(dirname "$0")/lib.sh"

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q || { echo "FAIL: fixtures generation"; exit 1; }

start_serve() { # start_serve LOGFILE: sets SERVE_PORT, SERVE_PID
  SERVE_PORT=$(free_port)
  "$MTLSPROBE" serve --fixtures "$FX" --listen "127.0.0.1:$SERVE_PORT" >"$1" 2>&1 &
  SERVE_PID=$!
  cleanup_hooks+=("kill $SERVE_PID 2>/dev/null")
  wait_port "$SERVE_PORT" || { echo "FAIL: serve did not start"; cat "$1"; exit 1; }
}

start_serve "$WORK/serve.log"
check "serve announces its address" grep -q "listening on https://127.0.0.1:$SERVE_PORT" "$WORK/serve.log"
for jobs in 1 8; do
  "$MTLSPROBE" run --target "https://localhost:$SERVE_PORT/" --connect-to "127.0.0.1:$SERVE_PORT" \
    --fixtures "$FX" -j "$jobs" --json "$WORK/r$jobs.json" -q >/dev/null 2>&1
  check "run -j $jobs against serve: exit 0" test $? = 0
  check "run -j $jobs against serve: 43 PASS" test "$(jq .summary.passed "$WORK/r$jobs.json")" = 43
done
body=$(curl -sS --max-time 5 --resolve "localhost:$SERVE_PORT:127.0.0.1" --cacert "$FX/trust-bundle.pem" \
  --cert "$FX/client/valid.chain.pem" --key "$FX/client/valid.key.pem" "https://localhost:$SERVE_PORT/")
check "curl with client/valid: verified subject in the body" test "$body" = "verified client: CN=valid,OU=client,O=mtlsprobe fixtures"
curl -sS --max-time 5 --resolve "localhost:$SERVE_PORT:127.0.0.1" --cacert "$FX/trust-bundle.pem" \
  --cert "$FX/client/expired.chain.pem" --key "$FX/client/expired.key.pem" "https://localhost:$SERVE_PORT/" >/dev/null 2>&1
check "curl with client/expired: refused in the handshake" test $? != 0
# Per run: 8 accepted scenarios and 5 controls (client/valid and
# client/name-constrained-valid for each TLS version, client/valid for mode).
check "log: one line per served request (2 runs x (8 accepted + 5 controls) + curl)" test "$(grep -c ' 200 "CN=' "$WORK/serve.log")" = 27
# HTTP/1.1 keep-alive: two requests on one connection; "Connection: close" is honoured
curl -sS -v --max-time 5 --resolve "localhost:$SERVE_PORT:127.0.0.1" --cacert "$FX/trust-bundle.pem" \
  --cert "$FX/client/valid.chain.pem" --key "$FX/client/valid.key.pem" \
  "https://localhost:$SERVE_PORT/a" "https://localhost:$SERVE_PORT/b" >"$WORK/ka.out" 2>&1
check "keep-alive: two answers" test "$(grep -c '^verified client: CN=valid' "$WORK/ka.out")" = 2
check "keep-alive: the second request reuses the connection" grep -q "Re-using existing connection" "$WORK/ka.out"
check "keep-alive: the answer says keep-alive" grep -qi "< Connection: keep-alive" "$WORK/ka.out"
curl -sS -v --max-time 5 --resolve "localhost:$SERVE_PORT:127.0.0.1" --cacert "$FX/trust-bundle.pem" \
  --cert "$FX/client/valid.chain.pem" --key "$FX/client/valid.key.pem" -H "Connection: close" \
  "https://localhost:$SERVE_PORT/a" "https://localhost:$SERVE_PORT/b" >"$WORK/close.out" 2>&1
check "Connection: close: two answers" test "$(grep -c '^verified client: CN=valid' "$WORK/close.out")" = 2
check "Connection: close: no reuse" bash -c '! grep -q "Re-using existing connection" "$1"' _ "$WORK/close.out"
check "Connection: close: the answer says close" grep -qi "< Connection: close" "$WORK/close.out"
# a request with a body is answered and closed: its body must not be read as the next request
curl -sS -v --max-time 5 --resolve "localhost:$SERVE_PORT:127.0.0.1" --cacert "$FX/trust-bundle.pem" \
  --cert "$FX/client/valid.chain.pem" --key "$FX/client/valid.key.pem" --data "GET /smuggled HTTP/1.1" \
  "https://localhost:$SERVE_PORT/a" >"$WORK/body.out" 2>&1
check "request with a body: answered" grep -q '^verified client: CN=valid' "$WORK/body.out"
check "request with a body: the answer says close" grep -qi "< Connection: close" "$WORK/body.out"
check "log: refusals name the reason" grep -q 'refused: .*date' "$WORK/serve.log"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
check "SIGTERM: exit 0" test $? = 0
check "SIGTERM: stop line" grep -q "stopped after .* served, .* refused" "$WORK/serve.log"

start_serve "$WORK/serve2.log"
# a client that connects and says nothing must not block others
exec 7<>"/dev/tcp/127.0.0.1/$SERVE_PORT"
"$MTLSPROBE" run --target "https://localhost:$SERVE_PORT/" --connect-to "127.0.0.1:$SERVE_PORT" \
  --fixtures "$FX" --only 'client-auth/valid' -q >/dev/null 2>&1
check "a silent client does not block others" test $? = 0
exec 7>&-
kill -INT "$SERVE_PID"
wait "$SERVE_PID"
check "SIGINT: exit 0" test $? = 0

# bad input
bad() { # bad "fragment" args...
  local frag=$1; shift
  timeout 10 "$MTLSPROBE" serve "$@" >"$WORK/bad.out" 2>"$WORK/bad.err"
  local rc=$?
  check "serve $*: exit 2" test "$rc" = 2
  check "serve $*: one line naming '$frag'" bash -c '[ "$(wc -l < "$1")" = 1 ] && grep -qF -- "$2" "$1"' _ "$WORK/bad.err" "$frag"
}
bad "--fixtures is required"
bad "no fixtures manifest" --fixtures "$WORK/none"
bad "expected HOST:PORT" --fixtures "$FX" --listen nonsense
bad "is not a server certificate" --fixtures "$FX" --cert client/nope --listen 127.0.0.1:1
start_serve "$WORK/serve3.log"
bad "cannot listen on 127.0.0.1:$SERVE_PORT" --fixtures "$FX" --listen "127.0.0.1:$SERVE_PORT"
kill "$SERVE_PID"

finish
