# `mtlsprobe load` drives traffic the way real clients do, as the gateways
# themselves see it: a fleet of client identities (nginx logs each serial),
# HTTP/2 with concurrent streams (nginx and HAProxy log HTTP/2.0 requests,
# as many as load counts), --stages (the per-second series follows the
# ramp, generously bounded), --source (nginx logs each source address), and
# --resume through HAProxy (its own resumed count equals ours). Asserts
# behaviour, never rates or durations.
. "$(dirname "$0")/lib.sh"

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q || { echo "FAIL: fixtures generation"; exit 1; }
load() { "$MTLSPROBE" load --fixtures "$FX" -q --threads 2 "$@"; }
j() { jq -r "$1" "$WORK/$2.json"; }
# nginx writes a log line as a request ends, HAProxy a moment later: wait
# until the log holds n matching lines
log_lines() { # log_lines FILE PATTERN N
  local k
  for k in $(seq 1 50); do
    [ "$(grep -c -- "$2" "$1")" -ge "$3" ] && return 0
    sleep 0.1
  done
  return 0
}

start_nginx fleet.conf.in "$FX"
N="https://localhost:$NGINX_PORT/"
LOG=$NGINX_RUN/access.log

# --clients 1000: 1000 distinct identities, each seen by nginx
: >"$LOG"
load --target "$N" --mode request --clients 1000 -n 2000 -c 8 --json "$WORK/fleet.json" >"$WORK/fleet.out" 2>&1
check "--clients 1000: exit 0" test $? = 0
check "--clients 1000: 2000 ok, no errors" test "$(j '"\(.totals.ok),\(.totals.errors)"' fleet)" = "2000,0"
check "--clients 1000: the JSON says 1000 identities used of 1000" \
  test "$(j '"\(.totals.identities),\(.config.clients.fleet)"' fleet)" = "1000,1000"
check "--clients 1000: the summary says so" grep -q "identities: 1000 distinct of 1000" "$WORK/fleet.out"
log_lines "$LOG" ' 200$' 2000
serials=$(awk '{print $5}' "$LOG" | sort -u | wc -l)
check "--clients 1000: nginx saw 1000 distinct serials ($serials)" test "$serials" = 1000
check "--clients 1000: nginx saw fleet subjects" grep -q '"CN=fleet-001000,OU=client fleet,O=mtlsprobe fixtures"' "$LOG"
check "--clients 1000: nginx verified every one (no 400)" bash -c '! grep -q " 400$" "$1"' _ "$LOG"

# --resume with a fleet: a resumption presents its session's identity
: >"$LOG"
load --target "$N" --mode request --clients 50 --resume 0.5 --tls 1.3 -n 400 -c 4 --json "$WORK/fr.json" >/dev/null 2>&1
log_lines "$LOG" ' 200$' 400
check "--clients 50 --resume 0.5: no errors" test "$(j .totals.errors fr)" = 0
check "--clients 50 --resume 0.5: our resumed count is nginx's" \
  test "$(j .totals.resumed fr)" = "$(grep -c ' r HTTP' "$LOG")"

# --client-dir: pairs read from a directory, every one presented
mkdir -p "$WORK/dir"
for c in valid valid-rsa; do
  cp "$FX/client/$c.chain.pem" "$WORK/dir/$c.cert.pem"
  cp "$FX/client/$c.key.pem" "$WORK/dir/$c.key.pem"
done
: >"$LOG"
load --target "$N" --mode request --client-dir "$WORK/dir" -n 20 -c 2 --json "$WORK/cd.json" >/dev/null 2>&1
log_lines "$LOG" ' 200$' 20
check "--client-dir: 20 ok" test "$(j .totals.ok cd)" = 20
check "--client-dir: both identities used" test "$(j .totals.identities cd)" = 2
check "--client-dir: nginx saw both subjects" \
  test "$(grep -o '"CN=valid[^,]*' "$LOG" | sort -u | wc -l)" = 2

# HTTP/2, 10 streams per connection: nginx logs as many HTTP/2.0 requests as load counts
: >"$LOG"
load --target "$N" --mode keepalive --http2 --streams 10 -c 4 -n 3000 --json "$WORK/h2.json" >"$WORK/h2.out" 2>&1
check "--http2 --streams 10: exit 0" test $? = 0
ok=$(j .totals.ok h2)
check "--http2 --streams 10: 3000 ok, no errors" test "$ok,$(j .totals.errors h2)" = "3000,0"
log_lines "$LOG" 'HTTP/2.0' "$ok"
check "--http2 --streams 10: nginx logged $ok HTTP/2.0 requests" test "$(grep -c 'HTTP/2.0' "$LOG")" = "$ok"
check "--http2 --streams 10: no HTTP/1.1 request" bash -c '! grep -q "HTTP/1.1" "$1"' _ "$LOG"
check "--http2 --streams 10: 4 connections opened" test "$(j .phases.handshake.count h2)" = 4
check "--http2: a time to first byte per stream" test "$(j .phases.ttfb.count h2)" = 3000
check "--http2: recorded in the JSON" test "$(j .config.http2.streams h2)" = 10
# one request per connection in request mode; the open loop spreads streams
: >"$LOG"
load --target "$N" --mode request --http2 -c 4 -n 40 --json "$WORK/h2r.json" >/dev/null 2>&1
log_lines "$LOG" 'HTTP/2.0' 40
check "--http2 request mode: 40 connections for 40 requests" \
  test "$(j '"\(.totals.ok),\(.phases.handshake.count)"' h2r)" = "40,40"
check "--http2 request mode: nginx logged 40 HTTP/2.0 requests" test "$(grep -c 'HTTP/2.0' "$LOG")" = 40
# resumption over HTTP/2, as nginx counts it
for tls in 1.3 1.2; do
  : >"$LOG"
  load --target "$N" --mode request --http2 --resume 0.5 --tls "$tls" -n 200 -c 4 --json "$WORK/h2res.json" >/dev/null 2>&1
  log_lines "$LOG" 'HTTP/2.0' 200
  check "--http2 --resume 0.5 TLS $tls: 200 ok" test "$(j .totals.ok h2res)" = 200
  check "--http2 --resume 0.5 TLS $tls: our resumed count is nginx's" \
    test "$(j .totals.resumed h2res)" = "$(grep -c ' r HTTP/2.0' "$LOG")"
  check "--http2 --resume 0.5 TLS $tls: about half resumed" \
    awk -v x="$(j .totals.resumed h2res)" 'BEGIN { exit !(x >= 96 && x <= 104) }'
done
load --target "$N" --mode keepalive --http2 --streams 4 -c 2 --rate 200 -d 2s --json "$WORK/h2o.json" >/dev/null 2>&1
check "--http2 open loop: no errors, some ok" \
  awk -v o="$(j .totals.ok h2o)" -v e="$(j .totals.errors h2o)" 'BEGIN { exit !(o > 0 && e == 0) }'

# --source: connections come from every address of the range
: >"$LOG"
load --target "$N" --mode request --source 127.0.0.2-127.0.0.5 -n 40 -c 4 --json "$WORK/src.json" >/dev/null 2>&1
log_lines "$LOG" ' 200$' 40
check "--source: 40 ok" test "$(j .totals.ok src)" = 40
check "--source: nginx saw 4 source addresses" \
  test "$(awk '{print $1}' "$LOG" | sort -u | tr '\n' ' ')" = "127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 "
check "--source: recorded in the JSON" test "$(j .config.source.addresses src)" = 4
# an address this machine does not have: bind fails, said so, nothing sent
load --target "$N" --source 10.99.99.99 -n 3 -c 1 >"$WORK/badsrc.out" 2>&1
check "--source not local: exit 3" test $? = 3
check "--source not local: the reason" grep -q "cannot bind the source address 10.99.99.99" "$WORK/badsrc.out"

# --stages, open loop: each full second near its stage's mean target (within
# 5% plus 5 for the few transactions a second boundary moves); stages in the
# JSON and the report; a per-stage threshold
load --target "$N" --stages 2s:100/s,3s:100/s,2s:300/s -c 64 --json "$WORK/st.json" \
  --threshold 'stage2.errors<1%' --threshold 'stage3.handshake.p99<60s' >"$WORK/st.out" 2>&1
check "--stages: exit 0" test $? = 0
check "--stages: three stages in the JSON" test "$(j '.stages.list | length' st)" = 3
check "--stages: kind rate" test "$(j .stages.kind st)" = rate
check "--stages: every second says its stage" test "$(j '[.series[:7][].stage] | map(tostring) | join(",")' st)" = "1,1,2,2,2,3,3"
# The schedule is exact; what the machine achieved against it is printed,
# not asserted (a busy machine falls behind).
check "--stages: each second's target follows the ramp (0 to 100, 100, 100 to 300)" \
  test "$(j '[.series[:7][].target] | map(tostring) | join(",")' st)" = "25,75,100,100,100,150,250"
echo "measured: --stages per second, target/achieved: $(j '[.series[] | "\(.target)/\(.ok)"] | join(" ")' st)"
check "--stages: every transaction belongs to a stage" test "$(j '[.stages.list[].ok] | add' st)" = "$(j .totals.ok st)"
echo "measured: --stages stage 2 (100/s) achieved $(j '.stages.list[1].rate_per_s' st)/s"
check "--stages: per-stage thresholds judged" \
  test "$(j '[.thresholds[] | "\(.expr)=\(.ok)"] | join(",")' st)" = "stage2.errors<1%=true,stage3.handshake.p99<60s=true"
check "--stages: the summary shows the stages" grep -q "stage 3 (2 s to 300/s)" "$WORK/st.out"
"$MTLSPROBE" report "$WORK/st.json" --out "$WORK/rep" -q >/dev/null 2>&1
check "--stages: the report has a stages table" grep -q "| stage | duration (s) | target (per second)" "$WORK/rep/report.md"
# closed loop: connection counts ramp up, then the stage holds them
load --target "$N" --mode keepalive --stages 1s:2,2s:8 --json "$WORK/stc.json" >/dev/null 2>&1
check "--stages closed loop: 8 connections at the end, no errors" \
  test "$(j '"\(.phases.handshake.count),\(.totals.errors)"' stc)" = "8,0"
check "--stages closed loop: kind connections" test "$(j .stages.kind stc)" = connections
check "--stages: a mix of rates and counts is refused" \
  bash -c '"$1" load --fixtures "$2" --target "$3" --stages 1s:5,1s:5/s -q; test $? = 2' _ "$MTLSPROBE" "$FX" "$N"
stop_nginx

# Kept-alive connections give up their session objects for a shared one
# (memory); nginx closes each after 1000 requests, and the reconnections must
# be full handshakes again, never a resumption of the shared session
start_nginx mtls.conf.in "$FX"
for tls in 1.3 1.2; do
  : >"$NGINX_RUN/access.log"
  load --target "https://localhost:$NGINX_PORT/" --mode keepalive -c 2 -n 5000 --tls "$tls" \
    --json "$WORK/ka-$tls.json" >/dev/null 2>&1
  log_lines "$NGINX_RUN/access.log" ' 200$' 5000
  check "keepalive TLS $tls: 5000 ok, no errors" test "$(j '"\(.totals.ok),\(.totals.errors)"' "ka-$tls")" = "5000,0"
  check "keepalive TLS $tls: reconnected after nginx's 1000 requests" test "$(j .phases.handshake.count "ka-$tls")" -ge 5
  check "keepalive TLS $tls: no reconnection resumed a session" \
    test "$(grep -c ' r 200$' "$NGINX_RUN/access.log")" = 0
done
check "keepalive: nginx saw no alert from the client" bash -c '! grep -q "alert" "$1"' _ "$NGINX_RUN/error.log"
stop_nginx

# HAProxy: --resume R in TLS 1.3 and 1.2, our count equal to HAProxy's
# ssl_fc_is_resumed; and HTTP/2 streams
start_gateway haproxy fleet.cfg.in "$FX" || exit 1
H="https://localhost:$GW_PORT/"
HLOG=$GW_RUN/start.out
for tls in 1.3 1.2; do
  for r in 0.1 0.5 0.9; do
    before=$(grep -c '^fleet ' "$HLOG"); rbefore=$(grep -c '^fleet resumed=1' "$HLOG")
    load --target "$H" --mode request --resume "$r" --tls "$tls" -n 400 -c 4 --json "$WORK/hr.json" >/dev/null 2>&1
    log_lines "$HLOG" '^fleet ' $((before + 400))
    lines=$(( $(grep -c '^fleet ' "$HLOG") - before )); hres=$(( $(grep -c '^fleet resumed=1' "$HLOG") - rbefore ))
    check "HAProxy TLS $tls --resume $r: 400 ok, no errors" test "$(j '"\(.totals.ok),\(.totals.errors)"' hr)" = "400,0"
    check "HAProxy TLS $tls --resume $r: HAProxy logged 400 requests ($lines)" test "$lines" = 400
    check "HAProxy TLS $tls --resume $r: our resumed count is HAProxy's ($(j .totals.resumed hr) vs $hres)" \
      test "$(j .totals.resumed hr)" = "$hres"
    check "HAProxy TLS $tls --resume $r: ratio within 2 points ($hres of 400)" \
      awk -v a="$hres" -v r="$r" 'BEGIN { d = a / 400 - r; if (d < 0) d = -d; exit !(d <= 0.02) }'
  done
done
before=$(grep -c 'HTTP/2.0' "$HLOG")
load --target "$H" --mode keepalive --http2 --streams 10 --clients 20 -c 2 -n 1000 --json "$WORK/hh.json" >/dev/null 2>&1
log_lines "$HLOG" 'HTTP/2.0' $((before + 1000))
check "HAProxy --http2 --streams 10: 1000 ok" test "$(j .totals.ok hh)" = 1000
check "HAProxy --http2 --streams 10: HAProxy logged 1000 HTTP/2.0 requests" \
  test "$(( $(grep -c 'HTTP/2.0' "$HLOG") - before ))" = 1000
stop_gateway

# serve speaks HTTP/1.1 only: --http2 says so and measures nothing (exit 3)
SPORT=$(free_port)
"$MTLSPROBE" serve --fixtures "$FX" --listen "127.0.0.1:$SPORT" -q &
SERVE_PID=$!
cleanup_hooks+=("kill $SERVE_PID 2>/dev/null")
wait_port "$SPORT" || { echo "FAIL: serve did not start"; exit 1; }
load --target "https://localhost:$SPORT/" --mode request --http2 -n 4 -c 1 --json "$WORK/sh2.json" >"$WORK/sh2.out" 2>&1
check "serve --http2: exit 3 (nothing measured)" test $? = 3
check "serve --http2: the reason is given" grep -q "the server did not choose HTTP/2" "$WORK/sh2.out"
load --target "https://localhost:$SPORT/" --mode keepalive --clients 30 -n 60 -c 3 --json "$WORK/sf.json" >/dev/null 2>&1
# one identity per connection; a connection serve closes is replaced by one
# with the next identity, so at least 3 (more when the machine is slow)
check "serve --clients 30 keepalive: 60 ok" test "$(j .totals.ok sf)" = 60
check "serve --clients 30 keepalive: an identity per connection (at least 3)" \
  test "$(j .totals.identities sf)" -ge 3

# more connections than the descriptor hard limit allows: said so, before any traffic
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt 50064 ] && ! (ulimit -Hn 50064) 2>/dev/null; then
  "$MTLSPROBE" load --fixtures "$FX" --target "https://localhost:$SPORT/" -q -c 50000 -d 1s >"$WORK/fd.out" 2>&1
  check "-c 50000 over the hard limit: exit 2" test $? = 2
  check "-c 50000 over the hard limit: the limit is named" grep -q "50000 connections need 50064 file descriptors, but the hard limit is $hard" "$WORK/fd.out"
fi

"$MTLSPROBE" load --help >"$WORK/help.out"
for opt in --clients --client-dir --http2 --streams --stages --source stageN; do
  check "load --help documents $opt" grep -q -- "$opt" "$WORK/help.out"
done

# usage errors
for bad in "--streams 4 --mode keepalive" "--http2" "--clients 0" "--source 127.0.0.9-127.0.0.2" \
           "--stages 10s" "--stages 1s:5/s -d 2s" "--clients 5 --client-dir $WORK/dir"; do
  # shellcheck disable=SC2086
  "$MTLSPROBE" load --fixtures "$FX" --target "https://localhost:$SPORT/" -q $bad >/dev/null 2>&1
  check "usage error for '$bad': exit 2" test $? = 2
done
finish
