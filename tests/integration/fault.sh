# Fault injection: tests/fault/faultpeer misbehaves on purpose, on loopback.
# As a server, for every fault `run` must give the scenario ERROR or
# INCONCLUSIVE (its control, client/valid, is not served either) with the
# right reason, exit 3 (nothing could be judged), and finish within its timeouts, and `load` must count each
# attempt in the right error class and keep going. As a client, `serve` must
# log each fault, stay up, and still answer a good client afterwards. Every
# command runs under `timeout`: a hang fails the test instead of blocking it.
. "$(dirname "$0")/lib.sh"
FAULTPEER=${FAULTPEER:?set FAULTPEER to the faultpeer binary}

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q || { echo "FAIL: fixtures generation"; exit 1; }

start_peer() { # start_peer MODE: sets PEER_PORT, PEER_PID
  PEER_PORT=$(free_port)
  "$FAULTPEER" server "$1" "$PEER_PORT" "$FX" >"$WORK/peer.out" 2>&1 &
  PEER_PID=$!
  cleanup_hooks+=("kill $PEER_PID 2>/dev/null")
  wait_port "$PEER_PORT" || { fail "faultpeer $1 did not start: $(cat "$WORK/peer.out")"; return 1; }
}
stop_peer() { kill "$PEER_PID" 2>/dev/null; wait "$PEER_PID" 2>/dev/null; return 0; }

# run_fault MODE VERDICT REASON: one scenario against the peer
run_fault() {
  local mode=$1 verdict=$2 reason=$3
  timeout 60 "$MTLSPROBE" run --target "https://localhost:$PEER_PORT/" --connect-to "127.0.0.1:$PEER_PORT" \
    --fixtures "$FX" --only client-auth/valid --timeout 1s --json "$WORK/run-$mode.json" -q \
    >"$WORK/run.out" 2>"$WORK/run.err"
  local rc=$?
  check "run vs $mode: finishes within its timeouts (exit $rc)" test "$rc" != 124
  check "run vs $mode: exit 3" test "$rc" = 3
  check "run vs $mode: every verdict is $verdict" \
    test "$(jq -r '[.results[].verdict] | unique | join(",")' "$WORK/run-$mode.json")" = "$verdict"
  check "run vs $mode: observed says '$reason'" \
    bash -c 'jq -r ".results[] | .observed + \" \" + .reason" "$1" | grep -qiE -- "$2"' _ "$WORK/run-$mode.json" "$reason"
}

# load_fault MODE LOAD_MODE CLASS: a bounded load against the peer
load_fault() {
  local mode=$1 lmode=$2 class=$3
  timeout 60 "$MTLSPROBE" load --target "https://localhost:$PEER_PORT/" --fixtures "$FX" --mode "$lmode" \
    -c 4 -n 40 -d 3s --timeout 1s --threads 2 -q --json "$WORK/load-$mode.json" >"$WORK/load.out" 2>"$WORK/load.err"
  local rc=$?
  check "load vs $mode: finishes, nothing measured: exit 3 (got $rc)" test "$rc" = 3
  check "load vs $mode: says nothing was measured" grep -q "nothing measured: no handshake" "$WORK/load.out"
  check "load vs $mode: no attempt succeeded" test "$(jq .totals.ok "$WORK/load-$mode.json")" = 0
  check "load vs $mode: keeps going (more than one attempt)" test "$(jq '.errors.by_class | add' "$WORK/load-$mode.json")" -gt 1
  check "load vs $mode: every error is '$class'" \
    test "$(jq -r '.errors.by_class | keys | join(",")' "$WORK/load-$mode.json")" = "$class"
}

# mode | run verdict | what run reports | load mode | load error class
faults=(
  "silent|ERROR|answered no TLS handshake|handshake|timeout"
  "close-after-hello|INCONCLUSIVE|connection closed without an alert|handshake|closed"
  "reset-mid-handshake|INCONCLUSIVE|connection reset|handshake|reset"
  "garbage|ERROR|record layer length error|handshake|TLS error"
  "alert|INCONCLUSIVE|alert handshake_failure \\(40\\) received|handshake|TLS alert"
  "huge-chain|ERROR|handshake message too large|handshake|TLS error"
  "drip|ERROR|answered no TLS handshake|handshake|timeout"
  "no-http|ERROR|timed out waiting for the response|request|timeout"
  "bad-status|ERROR|malformed HTTP response: invalid HTTP status code|request|malformed HTTP"
  "huge-header|ERROR|response headers exceed|request|malformed HTTP"
  "lying-chunked|ERROR|connection closed before the response body ended|request|closed"
)
for f in "${faults[@]}"; do
  IFS='|' read -r mode verdict reason lmode class <<<"$f"
  start_peer "$mode" || continue
  run_fault "$mode" "$verdict" "$reason"
  load_fault "$mode" "$lmode" "$class"
  check "faultpeer $mode still running (the faults are on purpose)" kill -0 "$PEER_PID"
  stop_peer
done

# serve against misbehaving clients
SERVE_PORT=$(free_port)
"$MTLSPROBE" serve --fixtures "$FX" --listen "127.0.0.1:$SERVE_PORT" --timeout 1s >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
cleanup_hooks+=("kill $SERVE_PID 2>/dev/null")
wait_port "$SERVE_PORT" || { echo "FAIL: serve did not start"; cat "$WORK/serve.log"; exit 1; }

# mode | what serve logs for it
client_faults=(
  "silent|timeout in handshake"
  "garbage-hello|refused: alert record_overflow"
  "close-after-hello|refused: connection (closed without an alert|reset)"
  "reset-mid-handshake|refused: connection reset"
  "alert|refused: alert handshake_failure \\(40\\) received"
  "drip|timeout in handshake"
  "huge-header|431 request too large"
  "lying-chunked| 200 "
  "no-request|timeout waiting for the request"
)
good_client() {
  timeout 20 curl -sS --max-time 5 --resolve "localhost:$SERVE_PORT:127.0.0.1" --cacert "$FX/trust-bundle.pem" \
    --cert "$FX/client/valid.chain.pem" --key "$FX/client/valid.key.pem" "https://localhost:$SERVE_PORT/"
}
pids=()
for f in "${client_faults[@]}"; do
  IFS='|' read -r mode logged <<<"$f"
  before=$(wc -l <"$WORK/serve.log")
  timeout 60 "$FAULTPEER" client "$mode" "$SERVE_PORT" "$FX" 2 >"$WORK/client.out" 2>&1
  rc=$?
  check "client $mode: faultpeer finished (exit $rc)" test "$rc" != 124
  # serve may log a moment after the client is gone: wait for the line
  check "serve logs the $mode client: '$logged'" \
    bash -c 'for i in $(seq 1 $4); do tail -n +$(($2 + 1)) "$1" | grep -qE -- "$3" && exit 0; sleep 0.1; done; exit 1' \
    _ "$WORK/serve.log" "$before" "$logged" $((300 * TIME_SCALE))
  check "serve still up after $mode clients" kill -0 "$SERVE_PID"
  check "serve answers a good client after $mode clients" \
    test "$(good_client)" = "verified client: CN=valid,OU=client,O=mtlsprobe fixtures"
done
big=$(head -c 20000 /dev/zero | tr '\0' a)
check "serve answers an oversized request head with 431" \
  bash -c 'timeout 20 curl -sS -o /dev/null -w "%{http_code}" --max-time 5 --resolve "localhost:$1:127.0.0.1" \
    --cacert "$2/trust-bundle.pem" --cert "$2/client/valid.chain.pem" --key "$2/client/valid.key.pem" \
    -H "X-Big: $3" "https://localhost:$1/" | grep -qx 431' _ "$SERVE_PORT" "$FX" "$big"
# all the faults at once, and a good client while they go on
for f in "${client_faults[@]}"; do
  mode=${f%%|*}
  timeout 60 "$FAULTPEER" client "$mode" "$SERVE_PORT" "$FX" 3 >/dev/null 2>&1 &
  pids+=($!)
done
check "serve answers a good client while every fault goes on" \
  test "$(good_client)" = "verified client: CN=valid,OU=client,O=mtlsprobe fixtures"
for p in "${pids[@]}"; do wait "$p"; done
check "serve still up after every fault at once" kill -0 "$SERVE_PID"
kill -TERM "$SERVE_PID"
timeout 10 tail --pid="$SERVE_PID" -f /dev/null
wait "$SERVE_PID"
check "serve stops cleanly on SIGTERM afterwards (exit 0)" test $? = 0
check "serve says it stopped" grep -q "stopped after .* served, .* refused" "$WORK/serve.log"

# serve out of file descriptors: silent clients use them all up; serve pauses
# accepting instead of spinning, and answers again once timeouts free some.
# The timeout outlasts starting the 60 clients on a busy machine (with 1 s,
# serve freed descriptors as fast as the clients arrived under sanitizers).
LOWFD_PORT=$(free_port)
(ulimit -n 40; exec "$MTLSPROBE" serve --fixtures "$FX" --listen "127.0.0.1:$LOWFD_PORT" --timeout 8s \
  >"$WORK/lowfd.log" 2>&1) &
LOWFD_PID=$!
cleanup_hooks+=("kill $LOWFD_PID 2>/dev/null")
wait_port "$LOWFD_PORT" || { echo "FAIL: serve (40 descriptors) did not start"; exit 1; }
pids=()
for i in $(seq 1 60); do
  timeout 30 "$FAULTPEER" client silent "$LOWFD_PORT" >/dev/null 2>&1 &
  pids+=($!)
done
for i in $(seq 1 $((150 * TIME_SCALE))); do grep -q "out of file descriptors" "$WORK/lowfd.log" && break; sleep 0.2; done
check "serve says when it runs out of descriptors" grep -q "out of file descriptors" "$WORK/lowfd.log"
SERVE_PORT=$LOWFD_PORT
check "serve answers a good client once timeouts free descriptors" \
  test "$(timeout 40 curl -sS --max-time 30 --retry 5 --retry-all-errors --retry-delay 1 --resolve "localhost:$SERVE_PORT:127.0.0.1" \
    --cacert "$FX/trust-bundle.pem" --cert "$FX/client/valid.chain.pem" --key "$FX/client/valid.key.pem" \
    "https://localhost:$SERVE_PORT/")" = "verified client: CN=valid,OU=client,O=mtlsprobe fixtures"
for p in "${pids[@]}"; do wait "$p"; done
check "serve with 40 descriptors still up" kill -0 "$LOWFD_PID"
kill -TERM "$LOWFD_PID"
wait "$LOWFD_PID"
check "serve with 40 descriptors stops cleanly (exit 0)" test $? = 0

finish
