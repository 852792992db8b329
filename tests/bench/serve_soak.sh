# Soak of `mtlsprobe serve`: 5,000 concurrent kept-alive load connections
# (`mtlsprobe load --mode keepalive -c 5000`) and, at the same time, a stream
# of misbehaving clients (tests/fault/faultpeer: silent, garbage, resets,
# drips, huge headers, lying bodies...) for DURATION seconds (default 60).
# Every 5 s it prints serve's resident memory, its open connections, and
# whether a good client still gets the right answer. A benchmark: it prints
# figures; it fails only when serve dies or answers a good client wrongly.
#   FAULTPEER=build/tests/faultpeer bash tests/bench/serve_soak.sh build/mtlsprobe . [DURATION]
. "$(dirname "$0")/../integration/lib.sh"
FAULTPEER=${FAULTPEER:?set FAULTPEER to the faultpeer binary}
DURATION=${3:-60}
CONNS=${SOAK_CONNECTIONS:-5000}

# Each kept-alive connection is a descriptor in the load generator and in
# serve; faults hold a few hundred more.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "open files limit: $(ulimit -n)"

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q || { echo "FAIL: fixtures"; exit 1; }
PORT=$(free_port)
"$MTLSPROBE" serve --fixtures "$FX" --listen "127.0.0.1:$PORT" --timeout 30s -q >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
cleanup_hooks+=("kill $SERVE_PID 2>/dev/null")
wait_port "$PORT" || { echo "FAIL: serve did not start"; exit 1; }

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$SERVE_PID/status" 2>/dev/null || echo 0; }
conns() { ss -Htn state established "( sport = :$PORT )" 2>/dev/null | wc -l; }
good_client() {
  timeout 60 curl -sS --max-time 50 --resolve "localhost:$PORT:127.0.0.1" --cacert "$FX/trust-bundle.pem" \
    --cert "$FX/client/valid.chain.pem" --key "$FX/client/valid.key.pem" "https://localhost:$PORT/" 2>&1
}
want="verified client: CN=valid,OU=client,O=mtlsprobe fixtures"

echo "serve idle: RSS $(rss_kib) KiB"
timeout $((DURATION + 120)) "$MTLSPROBE" load --target "https://localhost:$PORT/" --fixtures "$FX" \
  --mode keepalive -c "$CONNS" --rate "${SOAK_RATE:-600}" -d "${DURATION}s" --timeout 30s -q --json "$WORK/load.json" >"$WORK/load.out" 2>&1 &
LOAD_PID=$!

# the stream of misbehaving clients, one round of every fault after another
(
  end=$((SECONDS + DURATION))
  while [ $SECONDS -lt $end ]; do
    for m in silent garbage-hello close-after-hello reset-mid-handshake alert drip huge-header lying-chunked no-request; do
      timeout 60 "$FAULTPEER" client "$m" "$PORT" "$FX" 3 >/dev/null 2>&1 &
    done
    sleep 2
  done
  wait
) &
FAULTS_PID=$!

bad=0
max_rss=0
max_conns=0
t0=$SECONDS
while kill -0 "$LOAD_PID" 2>/dev/null; do
  sleep 5
  kill -0 "$SERVE_PID" 2>/dev/null || { echo "FAIL: serve died"; exit 1; }
  r=$(rss_kib)
  c=$(conns)
  answer=$(good_client)
  [ "$answer" = "$want" ] && ok=yes || { ok="NO ($answer)"; bad=$((bad + 1)); }
  [ "$r" -gt "$max_rss" ] && max_rss=$r
  [ "$c" -gt "$max_conns" ] && max_conns=$c
  printf '  %4ds  serve RSS %7d KiB  established %5d  good client answered: %s\n' $((SECONDS - t0)) "$r" "$c" "$ok"
done
wait "$LOAD_PID"
wait "$FAULTS_PID"
sleep 2
echo "load: $(grep -E 'ok,' "$WORK/load.out")"
grep -E "errors:" "$WORK/load.out" | sed 's/^/load: /'
echo "serve after the load: RSS $(rss_kib) KiB, established $(conns); peak RSS $max_rss KiB, peak established $max_conns"
answer=$(good_client)
echo "good client after the load: $answer"
[ "$answer" = "$want" ] || bad=$((bad + 1))
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
echo "serve stopped with exit $?"
[ "$bad" = 0 ] || { echo "FAIL: $bad wrong answers to a good client"; exit 1; }
