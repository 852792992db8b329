# `mtlsprobe serve`, the reference gateway: the whole built-in suite passes
# against it (in sequence and with -j 8, so cached intermediates from other
# clients never stand in for a missing one); every suite under the
# mozilla-intermediate and pci-dss-4 profiles gives no FAIL, and OpenSSL and
# mtlsprobe's own client see weak suites, TLS 1.1 and client renegotiation
# refused; it answers with the verified subject, logs a line per connection,
# stops cleanly on SIGTERM and SIGINT, and refuses bad options with exit 2.
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
  check "run -j $jobs against serve: 39 PASS" test "$(jq .summary.passed "$WORK/r$jobs.json")" = 39
  check "run -j $jobs against serve: 4 INFO (ca-as-leaf, no-eku: recorded, never counted as PASS)" \
    test "$(jq '.summary.info == 4 and ([.results[] | select(.verdict == "INFO") | .id] | unique == ["client-auth/ca-as-leaf", "client-auth/no-eku"])' "$WORK/r$jobs.json")" = true
done
"$MTLSPROBE" report "$WORK/r1.json" --out "$WORK/report" --no-charts -q >/dev/null 2>&1
check "report: the reference gateway is recognized as itself" \
  grep -q 'the gateway looks like <strong>mtlsprobe serve (the reference gateway)</strong> (Server header' "$WORK/report/index.html"
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

# serve under its own audit: every suite with two profiles, no FAIL. The
# bypass and upstream scenarios that need a gateway's routes, a second host
# or a responder skip; the audit and client-auth ones are judged.
start_serve "$WORK/serve-audit.log"
for profile in mozilla-intermediate pci-dss-4; do
  "$MTLSPROBE" run --target "https://localhost:$SERVE_PORT/" --connect-to "127.0.0.1:$SERVE_PORT" \
    --fixtures "$FX" --suite all --profile "$profile" --json "$WORK/audit-$profile.json" -q >/dev/null 2>&1
  check "run --suite all --profile $profile against serve: exit 0" test $? = 0
  check "run --suite all --profile $profile against serve: no FAIL" \
    test "$(jq '[.results[] | select(.verdict == "FAIL")] | length' "$WORK/audit-$profile.json")" = 0
  for id in audit/protocols audit/cipher-suites audit/groups audit/renegotiation bypass/renegotiation \
            client-auth/valid client-auth/expired; do
    check "$profile: $id judged and passed" \
      test "$(jq -r --arg id "$id" '[.results[] | select(.id == $id) | .verdict] | unique | join(",")' \
              "$WORK/audit-$profile.json")" = PASS
  done
done

# The same refusals seen by other clients, each next to a control that the
# same client makes with an allowed setting. serve's key is ECDSA, so the
# weak suites tried are the ECDHE-ECDSA ones it used to accept (RSA key
# exchange suites such as RC4-SHA or NULL-SHA256 could never be negotiated
# with it, whatever its cipher list). The system OpenSSL has no RC4 at all,
# so RC4 and CBC go through mtlsprobe's own client.
sc() { # sc ARGS...: openssl s_client with client/valid and its chain
  timeout 10 openssl s_client -connect "127.0.0.1:$SERVE_PORT" -servername localhost \
    -CAfile "$FX/trust-bundle.pem" -cert "$FX/client/valid.cert.pem" \
    -cert_chain "$FX/client/valid.chain.pem" -key "$FX/client/valid.key.pem" "$@" 2>&1
}
get() { sleep 0.5; printf 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'; sleep 1; }
get | sc -tls1_2 >"$WORK/sc-control.out"
check "s_client TLS 1.2 control: served" grep -q "^verified client: CN=valid" "$WORK/sc-control.out"
echo | sc -tls1_2 -cipher 'ECDHE-ECDSA-NULL-SHA:@SECLEVEL=0' >"$WORK/sc-null.out"
check "s_client ECDHE-ECDSA-NULL-SHA: refused with handshake_failure" \
  grep -q "alert handshake failure" "$WORK/sc-null.out"
echo | sc -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' >"$WORK/sc-tls11.out"
check "s_client -tls1_1: refused with protocol_version" grep -q "alert protocol version" "$WORK/sc-tls11.out"
{ sleep 0.5; echo R; get; } | sc -tls1_2 -legacy_renegotiation >"$WORK/sc-reneg.out"
check "s_client renegotiation: attempted" grep -q "^RENEGOTIATING" "$WORK/sc-reneg.out"
check "s_client renegotiation: refused with no_renegotiation" grep -q "no renegotiation" "$WORK/sc-reneg.out"
check "s_client renegotiation: nothing served after it" \
  bash -c '! grep -q "^verified client" "$1"' _ "$WORK/sc-reneg.out"
for suite in ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-RC4-SHA ECDHE-ECDSA-AES128-SHA ECDHE-ECDSA-NULL-SHA; do
  "$MTLSPROBE" load --target "https://localhost:$SERVE_PORT/" \
    --fixtures "$FX" --tls 1.2 --ciphers "$suite" -c 1 -n 1 --json "$WORK/suite.json" -q >/dev/null 2>&1
  case $suite in
  *GCM*) want='1 0 {}' ;;        # the control
  *) want='0 1 {"40":1}' ;;      # handshake_failure
  esac
  check "TLS 1.2 $suite: $want (ok, errors, alerts)" \
    test "$(jq -rc '"\(.totals.ok) \(.totals.errors) \(.errors.alerts)"' "$WORK/suite.json")" = "$want"
done
# TLS 1.3 answers are not held back by Nagle against delayed ACK (TCP_NODELAY)
"$MTLSPROBE" load --target "https://localhost:$SERVE_PORT/" \
  --fixtures "$FX" --tls 1.3 --mode request -c 1 -n 20 --json "$WORK/rq.json" -q >/dev/null 2>&1
check "TLS 1.3 requests: 20 answered" test "$(jq .totals.ok "$WORK/rq.json")" = 20
# The latency itself is a figure, not an assertion (tests/bench prints it).
echo "measured: serve TLS 1.3 first byte p50 $(jq .phases.ttfb.p50_ms "$WORK/rq.json") ms"
kill "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null
# ...which holds because every accepted connection gets TCP_NODELAY: seen in
# the system calls, so the check does not depend on the machine's speed.
NODELAY_PORT=$(free_port)
# (LeakSanitizer cannot run under ptrace: off for this one process)
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -e trace=setsockopt -o "$WORK/serve.strace" \
  "$MTLSPROBE" serve --fixtures "$FX" --listen "127.0.0.1:$NODELAY_PORT" -q >/dev/null 2>&1 &
STRACE_PID=$!
cleanup_hooks+=("kill $STRACE_PID 2>/dev/null")
if wait_port "$NODELAY_PORT"; then
  "$MTLSPROBE" load --target "https://localhost:$NODELAY_PORT/" --fixtures "$FX" --mode request -c 1 -n 3 -q \
    >/dev/null 2>&1
  accepted=$(grep -c "TCP_NODELAY, \[1\]" "$WORK/serve.strace")
  check "every accepted connection gets TCP_NODELAY (3 connections, $accepted setsockopt)" test "$accepted" -ge 3
else
  fail "serve under strace did not start"
fi
# stop serve itself; strace ends with its tracee
kill $(pgrep -P "$STRACE_PID") 2>/dev/null
timeout 10 tail --pid="$STRACE_PID" -f /dev/null
kill "$STRACE_PID" 2>/dev/null
wait "$STRACE_PID" 2>/dev/null

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
bad "port must be 0..65535" --fixtures "$FX" --listen 127.0.0.1:70000
bad "is not a server certificate" --fixtures "$FX" --cert client/nope --listen 127.0.0.1:1
start_serve "$WORK/serve3.log"
bad "cannot listen on 127.0.0.1:$SERVE_PORT" --fixtures "$FX" --listen "127.0.0.1:$SERVE_PORT"
kill "$SERVE_PID"

# --listen HOST:0: the kernel picks a free port, and the first line of
# standard output names it (also with -q, and before the helpers' lines)
"$MTLSPROBE" serve --fixtures "$FX" --listen 127.0.0.1:0 --crl-http 127.0.0.1:0 >"$WORK/port0.log" 2>&1 &
P0_PID=$!
cleanup_hooks+=("kill $P0_PID 2>/dev/null")
for _ in $(seq 50); do [ -s "$WORK/port0.log" ] && break; sleep 0.1; done
line1=$(head -n 1 "$WORK/port0.log")
P0_PORT=$(sed -n '1s|^mtlsprobe serve: listening on https://127\.0\.0\.1:\([0-9]*\) .*|\1|p' "$WORK/port0.log")
check "serve --listen 127.0.0.1:0: the first line names the chosen port ($line1)" test -n "$P0_PORT" -a "${P0_PORT:-0}" != 0
check "  and the gateway answers there" bash -c 'curl -sS --max-time 5 --resolve "localhost:$1:127.0.0.1" --cacert "$2/trust-bundle.pem" \
  --cert "$2/client/valid.chain.pem" --key "$2/client/valid.key.pem" "https://localhost:$1/" | grep -q "verified client"' _ "$P0_PORT" "$FX"
check "  the helper's line names its own chosen port" grep -Eq "CRLs on http://127\.0\.0\.1:[1-9][0-9]*/" "$WORK/port0.log"
kill "$P0_PID"
"$MTLSPROBE" serve --fixtures "$FX" --listen 127.0.0.1:0 -q >"$WORK/port0q.log" 2>&1 &
Q_PID=$!
cleanup_hooks+=("kill $Q_PID 2>/dev/null")
for _ in $(seq 50); do [ -s "$WORK/port0q.log" ] && break; sleep 0.1; done
check "serve -q still names the chosen port" grep -Eq "^mtlsprobe serve: listening on https://127\.0\.0\.1:[1-9][0-9]* " "$WORK/port0q.log"
kill "$Q_PID"
# a client certificate the gateway cannot verify is called one in the log
"$MTLSPROBE" serve --fixtures "$FX" --listen 127.0.0.1:0 >"$WORK/verify.log" 2>&1 &
V_PID=$!
cleanup_hooks+=("kill $V_PID 2>/dev/null")
for _ in $(seq 50); do [ -s "$WORK/verify.log" ] && break; sleep 0.1; done
V_PORT=$(sed -n '1s|.*https://127\.0\.0\.1:\([0-9]*\) .*|\1|p' "$WORK/verify.log")
curl -sS --max-time 5 --resolve "localhost:$V_PORT:127.0.0.1" --cacert "$FX/trust-bundle.pem" \
  --cert "$FX/client/untrusted.chain.pem" --key "$FX/client/untrusted.key.pem" "https://localhost:$V_PORT/" >/dev/null 2>&1
sleep 0.3
check "log: an unverifiable client certificate is a client certificate ($(grep -i 'not verified' "$WORK/verify.log" | head -1))" \
  bash -c 'grep -q "client certificate not verified" "$1" && ! grep -q "server certificate not verified" "$1"' _ "$WORK/verify.log"
kill "$V_PID"

finish
