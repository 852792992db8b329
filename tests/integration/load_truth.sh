# `mtlsprobe load` tells the truth: --resume R in TLS 1.2 and 1.3 causes no
# client errors and resumes the share nginx's own log counts; a peer that
# trickles bytes, a silent peer and Ctrl-C against a hung gateway end in
# counted timeouts or in-flight transactions, never in a clean-looking
# summary, and exit 3 when nothing succeeded; every group named in --help
# shakes hands; thresholds, the partial last second and the thread count
# are recorded. Asserts behaviour, never rates or durations.
. "$(dirname "$0")/lib.sh"
FAULTPEER=${FAULTPEER:?set FAULTPEER to the faultpeer binary}

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q || { echo "FAIL: fixtures generation"; exit 1; }
load() { "$MTLSPROBE" load --fixtures "$FX" -q --threads 2 "$@"; }
j() { jq -r "$1" "$WORK/$2.json"; }

# --resume against nginx, confirmed by its $ssl_session_reused: no errors,
# the ratio within 2 points of R, and our count equal to nginx's
start_nginx mtls.conf.in "$FX"
N="https://localhost:$NGINX_PORT/"
for tls in 1.3 1.2; do
  for r in 0.1 0.5 0.9; do
    name="res-$tls-$r"
    : >"$NGINX_RUN/access.log"
    : >"$NGINX_RUN/error.log"
    load --target "$N" --mode request --resume "$r" --tls "$tls" -n 500 -c 4 --json "$WORK/$name.json" >"$WORK/$name.out" 2>&1
    rc=$?
    # nginx writes its log lines as requests end; the run is over
    reused=$(grep -c ' r 200$' "$NGINX_RUN/access.log")
    total=$(grep -c ' 200$' "$NGINX_RUN/access.log")
    check "TLS $tls --resume $r: exit 0" test "$rc" = 0
    check "TLS $tls --resume $r: 500 ok, no errors ($(j .totals.errors "$name") errors)" \
      test "$(j '"\(.totals.ok),\(.totals.errors)"' "$name")" = "500,0"
    check "TLS $tls --resume $r: nginx saw no alert from the client" \
      bash -c '! grep -q "alert" "$1"' _ "$NGINX_RUN/error.log"
    check "TLS $tls --resume $r: nginx logged 500 requests ($total)" test "$total" = 500
    check "TLS $tls --resume $r: our resumed count is nginx's ($(j .totals.resumed "$name") vs $reused)" \
      test "$(j .totals.resumed "$name")" = "$reused"
    check "TLS $tls --resume $r: ratio within 2 points ($reused of $total)" \
      awk -v a="$reused" -v n="$total" -v r="$r" 'BEGIN { d = a / n - r; if (d < 0) d = -d; exit !(d <= 0.02) }'
  done
done
# the open loop resumes the same way
: >"$NGINX_RUN/error.log"
load --target "$N" --tls 1.3 --resume 0.5 --rate 200 -c 8 -d 2s --json "$WORK/res-open.json" >/dev/null 2>&1
check "open loop TLS 1.3 --resume 0.5: no errors" test "$(j .totals.errors res-open)" = 0
check "open loop TLS 1.3 --resume 0.5: some resumed" test "$(j .totals.resumed res-open)" -gt 0
check "open loop: nginx saw no alert from the client" bash -c '! grep -q "alert" "$1"' _ "$NGINX_RUN/error.log"

# every group named in --help shakes hands with a gateway that has it
# (nginx on OpenSSL 3.0 has no ML-KEM: the hybrid share falls back to X25519)
for g in X25519 X448 P-256 P-384 P-521 ffdhe2048 ffdhe3072 ffdhe4096 X25519MLKEM768:X25519 \
         SecP256r1MLKEM768:P-256 SecP384r1MLKEM1024:P-384; do
  load --target "$N" --groups "$g" --tls 1.3 -n 4 -c 1 --json "$WORK/g.json" >/dev/null 2>&1
  check "--groups $g: 4 handshakes ok" test "$(j .totals.ok g)" = 4
done
stop_nginx

# the reference gateway: TLS 1.3 --resume 0.5 in handshake mode
SPORT=$(free_port)
"$MTLSPROBE" serve --fixtures "$FX" --listen "127.0.0.1:$SPORT" -q &
SERVE_PID=$!
cleanup_hooks+=("kill $SERVE_PID 2>/dev/null")
wait_port "$SPORT" || { echo "FAIL: serve did not start"; exit 1; }
S="https://localhost:$SPORT/"
load --target "$S" --tls 1.3 --resume 0.5 -n 1000 -c 8 --json "$WORK/serve-res.json" >/dev/null 2>&1
check "serve TLS 1.3 --resume 0.5: 1000 ok, no errors" test "$(j '"\(.totals.ok),\(.totals.errors)"' serve-res)" = "1000,0"
ratio=$(j '.totals.resumed / .phases.handshake.count' serve-res)
check "serve TLS 1.3 --resume 0.5: ratio within 2 points ($ratio)" \
  awk -v x="$ratio" 'BEGIN { exit !(x >= 0.48 && x <= 0.52) }'

# thresholds are recorded with what was observed; the last second is partial
load --target "$S" -d 2s -c 2 --threshold 'errors<1%' --threshold 'handshake.p99<1ns' \
  --json "$WORK/th.json" >"$WORK/th.out" 2>&1
check "threshold breached: exit 1" test $? = 1
check "thresholds in the JSON with observed values" \
  test "$(j '[.thresholds[] | "\(.expr)=\(.ok)"] | join(",")' th)" = "errors<1%=true,handshake.p99<1ns=false"
check "thresholds: observed value kept" test "$(j '.thresholds[0].observed' th)" = "0.000%"
check "summary marks thresholds" grep -q "✗ threshold handshake.p99<1ns: BREACHED" "$WORK/th.out"
check "partial last second: its length is below 1 s" awk -v x="$(j '.series[-1].length_s' th)" 'BEGIN { exit !(x > 0 && x < 1) }'
check "full seconds: length 1" test "$(j '[.series[:-1][].length_s] | all(. == 1)' th)" = true
mkdir -p "$WORK/rep"
"$MTLSPROBE" report "$WORK/th.json" --out "$WORK/rep" >/dev/null 2>&1
check "report shows the breached threshold" grep -q "handshake.p99&lt;1ns.*breached" "$WORK/rep/report.md"

# --threads follows the CPUs this process may use
taskset -c 0 "$MTLSPROBE" load --fixtures "$FX" -q --target "$S" -n 20 -c 4 --json "$WORK/ts.json" >"$WORK/ts.out" 2>&1
check "taskset -c 0: one thread" test "$(j .config.threads ts)" = 1
check "taskset -c 0: the summary says why" grep -q "1 threads (1 CPUs in this process's affinity mask)" "$WORK/ts.out"

# nothing succeeded: exit 3, and the error says why
load --target "$S" --client client/expired -n 10 -c 2 --tls 1.2 --json "$WORK/rej.json" >"$WORK/rej.out" 2>&1
check "all refused: exit 3" test $? = 3
check "all refused: the alert's text is kept" \
  test "$(j '.errors.messages[0].text | test("certificate_expired")' rej)" = true

"$MTLSPROBE" load --fixtures "$FX" --threads 1 --target "$S" --client client/expired -n 3 -c 1 --tls 1.2 -v \
  >/dev/null 2>"$WORK/verbose.err"
check "-v prints each error as it happens" test "$(grep -c 'load: worker 0: TLS alert: alert certificate_expired' "$WORK/verbose.err")" = 3

# faulty peers: a drip peer and a silent one time out per step; the run ends
# within its duration plus one timeout, with exit 3
fp() {
  PEER_PORT=$(free_port)
  "$FAULTPEER" server "$1" "$PEER_PORT" "$FX" >"$WORK/peer.out" 2>&1 &
  PEER_PID=$!
  cleanup_hooks+=("kill $PEER_PID 2>/dev/null")
  wait_port "$PEER_PORT" || { echo "FAIL: faultpeer $1 did not start"; exit 1; }
}
for mode in drip silent; do
  fp "$mode"
  start=$(date +%s)
  load --target "https://127.0.0.1:$PEER_PORT/" -c 4 -d 3s --timeout 2s --json "$WORK/$mode.json" >"$WORK/$mode.out" 2>&1
  rc=$?
  check "$mode peer: exit 3" test "$rc" = 3
  check "$mode peer: no success" test "$(j .totals.ok "$mode")" = 0
  check "$mode peer: timeouts counted" test "$(j '.errors.by_class.timeout' "$mode")" -gt 0
  check "$mode peer: the summary says nothing was measured" grep -q "nothing measured" "$WORK/$mode.out"
  check "$mode peer: ends within duration plus timeout" test $(( $(date +%s) - start )) -le 7
  kill "$PEER_PID" 2>/dev/null
done

# Ctrl-C against a peer that never answers, with a long timeout: the
# transactions still running are reported as in flight, not dropped
fp silent
"$MTLSPROBE" load --fixtures "$FX" -q --threads 1 --target "https://127.0.0.1:$PEER_PORT/" -c 3 -d 30s \
  --timeout 60s --json "$WORK/hung.json" >"$WORK/hung.out" 2>&1 &
LP=$!
sleep 1.5
kill -INT "$LP"
wait "$LP"
rc=$?
check "hung gateway, Ctrl-C: exit 3" test "$rc" = 3
check "hung gateway, Ctrl-C: 3 in flight" test "$(j .totals.in_flight hung)" = 3
check "hung gateway, Ctrl-C: their age recorded" awk -v x="$(j .totals.in_flight_max_age_ms hung)" 'BEGIN { exit !(x > 0) }'
check "hung gateway, Ctrl-C: the summary reports them" grep -q "in flight at the end: 3" "$WORK/hung.out"
kill "$PEER_PID" 2>/dev/null

# a peer that stops mid-run: successes before, errors after, exit 0
P2=$(free_port)
"$MTLSPROBE" serve --fixtures "$FX" --listen "127.0.0.1:$P2" -q &
P2_PID=$!
wait_port "$P2"
( sleep 1.5; kill "$P2_PID" ) &
load --target "https://localhost:$P2/" -d 3s -c 2 --timeout 1s --json "$WORK/stops.json" >/dev/null 2>&1
check "peer stops mid-run: exit 0 (something was measured)" test $? = 0
check "peer stops mid-run: successes and errors" test "$(j '.totals.ok > 0 and .totals.errors > 0' stops)" = true

finish
