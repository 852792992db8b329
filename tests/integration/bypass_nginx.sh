# The bypass and upstream suites against Debian's nginx in front of
# `mtlsprobe serve`'s echo upstreams (with a second mTLS host trusting
# ca/rogue-root for cross-SNI resumption): the careful config passes every
# scenario but upstream/pin-mismatch (nginx cannot pin an upstream's key);
# the careless one (public default server, client headers passed through,
# proxy_ssl_verify off) fails exactly forged-identity-headers and the
# untrusted-upstream scenarios; even with one session cache for every
# server, nginx resumes no TLS 1.3 session across names and answers a
# resumed TLS 1.2 one with 421. Revocation: nginx with ssl_ocsp and serve's
# OCSP responder rejects client/revoked, and fails closed when the responder
# is down or a CRL is past its nextUpdate. Controls: with a prefix nginx
# does not route per name, with every upstream down, and against a TCP peer
# that closes after the ClientHello, no refusal passes: INCONCLUSIVE.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bypass_lib.sh"
OTHER="--other-mtls-host other.test"

start_gateway nginx bypass-safe.conf.in "$FX" "${sets[@]}" || exit 1
run_suites safe
# A prefix nginx does not route per name: location / sends every path to
# the echo upstream `valid`, so each bad upstream's path is answered by
# `valid`. That says nothing about the bad upstream: INCONCLUSIVE, never
# PASS or FAIL; upstream/valid is still served.
run_upstream() { # NAME PREFIX: the upstream suite alone against $GW_PORT
  "$MTLSPROBE" run --target "https://mtls.test:$GW_PORT/" --connect-to "127.0.0.1:$GW_PORT" \
    --fixtures "$FX" --suite upstream --mtls-host mtls.test --upstream-prefix "$2" \
    --json "$WORK/$1.json" -q >"$WORK/$1.out" 2>&1
  echo $? > "$WORK/$1.rc"
}
run_upstream misrouted /nonexistent/
stop_gateway
check "misrouted: exit 3 (nothing failed, something not judged)" test "$(cat "$WORK/misrouted.rc")" = 3
check "misrouted: every bad upstream INCONCLUSIVE, valid PASS" test "$(verdicts misrouted)" = "upstream/client-cert INCONCLUSIVE
upstream/expired INCONCLUSIVE
upstream/pin-mismatch INCONCLUSIVE
upstream/self-signed INCONCLUSIVE
upstream/untrusted INCONCLUSIVE
upstream/valid PASS
upstream/wrong-san INCONCLUSIVE"
check "misrouted: the reason names the upstream that answered" \
  grep -q "^not judged: /nonexistent/expired was answered by echo upstream valid, not expired" <<<"$(observed misrouted upstream/expired)"

# Every upstream down: nginx answers 502 for every route, the valid one
# too. A 502 for a bad upstream is then no evidence (INCONCLUSIVE, naming
# the control's answer); the valid upstream's 502 is the FAIL.
DEAD=$(free_port)
dead_sets=()
for s in "${sets[@]}"; do
  case $s in UP_*=*) dead_sets+=("${s%%=*}=$DEAD") ;; *) dead_sets+=("$s") ;; esac
done
start_gateway nginx bypass-safe.conf.in "$FX" "${dead_sets[@]}" || exit 1
run_upstream dead /upstream/
stop_gateway
check "upstreams down: exit 1 (upstream/valid fails)" test "$(cat "$WORK/dead.rc")" = 1
check "upstreams down: no refused upstream passes" test "$(verdicts dead)" = "upstream/client-cert INCONCLUSIVE
upstream/expired INCONCLUSIVE
upstream/pin-mismatch INCONCLUSIVE
upstream/self-signed INCONCLUSIVE
upstream/untrusted INCONCLUSIVE
upstream/valid FAIL
upstream/wrong-san INCONCLUSIVE"
check "upstreams down: the reason names the control's answer" \
  grep -q "^not judged: the control (the valid upstream at /upstream/valid with client/valid) was not served: HTTP 502" \
  <<<"$(observed dead upstream/untrusted)"

# A TCP peer that reads the ClientHello and closes: not a gateway at all.
# No bypass or upstream scenario passes; each says why it is not judged.
if command -v socat >/dev/null; then
  PEER=$(free_port)
  socat "TCP-LISTEN:$PEER,bind=127.0.0.1,reuseaddr,fork" SYSTEM:'head -c 1 >/dev/null' 2>/dev/null &
  PEER_PID=$!
  cleanup_hooks+=("kill $PEER_PID 2>/dev/null")
  if wait_port "$PEER"; then
    GW_PORT=$PEER
    run_suites closing
    check "closing peer: exit 3" test "$(cat "$WORK/closing.rc")" = 3
    check "closing peer: no PASS, no FAIL" test "$(verdicts closing | grep -c ' \(PASS\|FAIL\)$')" = 0
    check "closing peer: sni-host-mismatch names its control" grep -q "^not judged: the control (SNI and Host mtls.test with client/valid) was not served: handshake refused" \
      <<<"$(observed closing bypass/sni-host-mismatch)"
  else
    fail "socat did not start"
  fi
  kill "$PEER_PID" 2>/dev/null; wait "$PEER_PID" 2>/dev/null
else
  fail "socat is not installed (scripts/setup)"
fi
check "safe: exit 1 (pin-mismatch fails)" test "$(cat "$WORK/safe.rc")" = 1
check "safe: every scenario passes but upstream/pin-mismatch" test "$(verdicts safe)" = "$SAFE_VERDICTS"
check "safe: Host mismatch answered 421" grep -q "SNI public.test, Host mtls.test: HTTP 421" <<<"$(observed safe bypass/sni-host-mismatch)"
check "safe: no SNI refused in the handshake" grep -q "no SNI, Host mtls.test: handshake refused" <<<"$(observed safe bypass/sni-host-mismatch)"
check "safe: HTTP/2 :authority mismatch answered 421" grep -q "h2 SNI public.test, :authority mtls.test: HTTP/2 421" <<<"$(observed safe bypass/sni-host-mismatch)"
check "safe: three resumption mechanisms tried from each of two hosts" test "$(details safe bypass/cross-sni-resumption | grep -c '^ok TLS 1.[23] ')" = 6
check "safe: a session made with client/untrusted on other.test does not open mtls.test" \
  grep -q "^ok TLS 1.3 PSK from other.test with client/untrusted: not resumed on mtls.test" <<<"$(details safe bypass/cross-sni-resumption)"
check "safe: the expired upstream refused with 502" test "$(observed safe upstream/expired)" = "HTTP 502"
check "safe: the upstream saw client/valid" grep -q "CN=valid,OU=client" <<<"$(observed safe upstream/client-cert)"
check "safe: the echo recorded requests" grep -q '"upstream":"client-auth\|"upstream":"valid"' "$WORK/record.jsonl"

start_gateway nginx bypass-careless.conf.in "$FX" "${sets[@]}" || exit 1
run_suites careless
stop_gateway
check "careless: exit 1" test "$(cat "$WORK/careless.rc")" = 1
check "careless: fails forged headers and every untrusted upstream, nothing else" test "$(verdicts careless)" = "bypass/cross-sni-resumption PASS
bypass/forged-identity-headers FAIL
bypass/post-handshake-auth INFO
bypass/renegotiation PASS
bypass/revocation SKIP
bypass/revoked-keepalive SKIP
bypass/sni-host-mismatch PASS
upstream/client-cert PASS
upstream/expired FAIL
upstream/pin-mismatch FAIL
upstream/self-signed FAIL
upstream/untrusted FAIL
upstream/valid PASS
upstream/wrong-san FAIL"
check "careless: forged X-Forwarded-Client-Cert reached the upstream without a certificate" \
  grep -q "^without a certificate on public.test: arrived X-Forwarded-Client-Cert: mtlsprobe-forged-[0-9]*-1$" <<<"$(details careless bypass/forged-identity-headers)"
check "careless: forged duplicate and lower-case variants reached it" \
  bash -c 'grep -q "arrived x-forwarded-client-cert: mtlsprobe-forged-[0-9]*-lower" <<<"$1" && grep -q "arrived X-Forwarded-Client-Cert: mtlsprobe-forged-[0-9]*-duplicate" <<<"$1"' _ "$(details careless bypass/forged-identity-headers)"
check "careless: a forged X-SSL-Client-Verify: SUCCESS reached it without a certificate" \
  grep -q "^without a certificate on public.test: arrived X-SSL-Client-Verify: SUCCESS" <<<"$(details careless bypass/forged-identity-headers)"
check "careless: the expired upstream was served" grep -q "HTTP 200 relayed from echo upstream expired" <<<"$(observed careless upstream/expired)"
check "careless: severity critical for forged headers" test "$(jq -r '.results[] | select(.id == "bypass/forged-identity-headers") | .severity' "$WORK/careless.json")" = critical

# OCSP: nginx asks serve's responder; client/revoked is rejected
OCSP_PORT=$(free_port)
"$MTLSPROBE" serve --fixtures "$FX" --ocsp "127.0.0.1:$OCSP_PORT" >"$WORK/ocsp.out" 2>&1 &
OCSP_PID=$!
cleanup_hooks+=("kill \$OCSP_PID 2>/dev/null")
wait_port "$OCSP_PORT" || { echo "FAIL: OCSP responder did not start"; exit 1; }
check "OCSP responder signs ca/intermediate's answers with ca/ocsp-signer" grep -q "ca/intermediate by ca/ocsp-signer" "$WORK/ocsp.out"
start_gateway nginx mtls-ocsp.conf.in "$FX" --set "OCSP_URL=http://127.0.0.1:$OCSP_PORT/" || exit 1
run_revocation() { # NAME MODE [args]
  local name=$1 mode=$2; shift 2
  "$MTLSPROBE" run --target "https://localhost:$GW_PORT/" --connect-to "127.0.0.1:$GW_PORT" \
    --fixtures "$FX" --suite all --only 'bypass/revo*' --only client-auth/revoked --only client-auth/valid \
    --revocation "$mode" --ocsp-responder "http://127.0.0.1:$OCSP_PORT/" --json "$WORK/$name.json" -q "$@" \
    >"$WORK/$name.out" 2>&1
  echo $? > "$WORK/$name.rc"
}
run_revocation ocsp ocsp
check "ocsp: exit 0" test "$(cat "$WORK/ocsp.rc")" = 0
check "ocsp: client/revoked rejected and client/valid accepted over OCSP" test "$(verdicts ocsp | sort -u)" = "bypass/revocation PASS
bypass/revoked-keepalive INFO
client-auth/revoked PASS
client-auth/valid PASS"
check "ocsp: nginx keeps serving a connection whose certificate was revoked, refuses a new one" \
  test "$(observed ocsp bypass/revoked-keepalive)" = "open connection after revocation: still served (HTTP 200); new connection: rejected (rejected: HTTP 400 after handshake (TLSv1.3))"
check "ocsp: the responder was told to revoke and reinstate" grep -q "POST /mtlsprobe/revoke/client/revocable 200" "$WORK/ocsp.out"
check "ocsp: nginx asked the responder" grep -q "ocsp 127.0.0.1:[0-9]* GET /" "$WORK/ocsp.out"
check "ocsp: nginx logged the revocation" grep -q "certificate revoked" "$GW_RUN/error.log"

# the responder down: nginx fails closed, which passes even under pci-dss-4
kill "$OCSP_PID"; wait "$OCSP_PID" 2>/dev/null
"$MTLSPROBE" serve --fixtures "$FX" --ocsp "127.0.0.1:$OCSP_PORT" --ocsp-mode down >"$WORK/ocsp-down.out" 2>&1 &
OCSP_PID=$!
wait_port "$OCSP_PORT" || { echo "FAIL: OCSP responder (down) did not start"; exit 1; }
run_revocation down ocsp-down --profile pci-dss-4
check "ocsp down: bypass/revocation passes (fails closed)" test "$(verdicts down | grep bypass/)" = "bypass/revocation PASS
bypass/revoked-keepalive SKIP"
check "ocsp down: reported as failing closed" grep -q "^OCSP responder down: fails closed" <<<"$(observed down bypass/revocation)"
check "ocsp down: nginx refuses client/valid too" grep -q "certificate status request failed" "$GW_RUN/error.log"
check "ocsp down: judged against pci-dss-4 (fails closed is its requirement), not merely recorded" test "$(jq -r '.results[] | select(.id == "bypass/revocation") | "\(.verdict) \(.expected)"' "$WORK/down.json")" = "PASS fails closed when the revocation source is unavailable (pci-dss-4)"
stop_gateway

# a gateway that keeps accepting while the responder is down fails open: here
# nginx checking CRLs only, so it never asks the (down) responder
start_gateway nginx mtls.conf.in "$FX" || exit 1
run_revocation open-pci ocsp-down --profile pci-dss-4
run_revocation open ocsp-down
stop_gateway
check "fail-open: a high-severity FAIL under pci-dss-4" test "$(jq -r '.results[] | select(.id == "bypass/revocation") | "\(.verdict) \(.severity)"' "$WORK/open-pci.json")" = "FAIL high"
check "fail-open: names the control" test "$(jq -r '.results[] | select(.id == "bypass/revocation") | .controls | index("pci-dss-4:4.2.1") != null' "$WORK/open-pci.json")" = true
check "fail-open: recorded as INFO without the profile" test "$(jq -r '.results[] | select(.id == "bypass/revocation") | "\(.verdict) \(.severity)"' "$WORK/open.json")" = "INFO info"
check "fail-open: says so" grep -q "^OCSP responder down: fails open (client/valid accepted" <<<"$(observed open bypass/revocation)"

# a CRL past its nextUpdate: nginx (OpenSSL) refuses every certificate
cat "$FX"/ca/*.crl-stale.pem > "$WORK/stale-bundle.pem"
start_gateway nginx mtls-crl.conf.in "$FX" --set "CRL_FILE=$WORK/stale-bundle.pem" || exit 1
run_revocation stale crl-stale
stop_gateway
check "stale CRL: reported as failing closed" grep -q "^CRL past its nextUpdate: fails closed" <<<"$(observed stale bypass/revocation)"

# serve's CRL server hands out the stale CRL
CRL_PORT=$(free_port)
"$MTLSPROBE" serve --fixtures "$FX" --crl-http "127.0.0.1:$CRL_PORT" --crl-stale >"$WORK/crl.out" 2>&1 &
CRL_PID=$!
cleanup_hooks+=("kill $CRL_PID 2>/dev/null")
wait_port "$CRL_PORT" || { echo "FAIL: CRL server did not start"; exit 1; }
curl -sf "http://127.0.0.1:$CRL_PORT/ca/intermediate.crl" -o "$WORK/stale.der"
check "crl-http: the stale DER CRL is the fixture's" cmp -s "$WORK/stale.der" "$FX/ca/intermediate.crl-stale.der"
check "crl-http: its nextUpdate has passed" bash -c '! openssl crl -inform DER -in "$1" -noout -nextupdate -checkend 0 2>/dev/null; nu=$(openssl crl -inform DER -in "$1" -noout -nextupdate | cut -d= -f2); [ "$(date -d "$nu" +%s)" -lt "$(date +%s)" ]' _ "$WORK/stale.der"
check "crl-http: PEM by name" bash -c 'curl -sf "http://127.0.0.1:$1/ca/root.crl.pem" | grep -q "BEGIN X509 CRL"' _ "$CRL_PORT"
# the other responder modes, and bad options: one line, exit 2
kill "$OCSP_PID"; wait "$OCSP_PID" 2>/dev/null
"$MTLSPROBE" serve --fixtures "$FX" --ocsp "127.0.0.1:$OCSP_PORT" --ocsp-mode unknown >"$WORK/ocsp-unknown.out" 2>&1 &
OCSP_PID=$!
wait_port "$OCSP_PORT" || { echo "FAIL: OCSP responder (unknown) did not start"; exit 1; }
openssl ocsp -issuer "$FX/ca/intermediate.cert.pem" -cert "$FX/client/valid.cert.pem" -url "http://127.0.0.1:$OCSP_PORT/" \
  -CAfile "$FX/trust-bundle.pem" -verify_other "$FX/ca/intermediate.cert.pem" >"$WORK/unknown.txt" 2>&1
check "ocsp-mode unknown: a signed 'unknown' for client/valid" grep -q "client/valid.cert.pem: unknown" "$WORK/unknown.txt"
check "ocsp-mode unknown: the response verifies (delegated signer)" grep -q "Response verify OK" "$WORK/unknown.txt"
kill "$OCSP_PID"; wait "$OCSP_PID" 2>/dev/null
"$MTLSPROBE" serve --fixtures "$FX" --ocsp "127.0.0.1:$OCSP_PORT" --ocsp-mode slow --ocsp-delay 1s >"$WORK/ocsp-slow.out" 2>&1 &
OCSP_PID=$!
wait_port "$OCSP_PORT" || { echo "FAIL: OCSP responder (slow) did not start"; exit 1; }
openssl ocsp -issuer "$FX/ca/intermediate.cert.pem" -cert "$FX/client/revoked.cert.pem" -url "http://127.0.0.1:$OCSP_PORT/" \
  -CAfile "$FX/trust-bundle.pem" -verify_other "$FX/ca/intermediate.cert.pem" -timeout 20 >"$WORK/slow.txt" 2>&1
check "ocsp-mode slow: still answers, correctly" grep -q "client/revoked.cert.pem: revoked" "$WORK/slow.txt"
kill "$OCSP_PID"; wait "$OCSP_PID" 2>/dev/null
one_line_exit2() { # one_line_exit2 DESCRIPTION PATTERN COMMAND...
  local what=$1 pattern=$2; shift 2
  "$@" >"$WORK/bad.out" 2>"$WORK/bad.err"
  local rc=$?
  check "$what: exit 2" test "$rc" = 2
  check "$what: one line naming the problem" bash -c '[ "$(wc -l < "$1")" = 1 ] && grep -q -- "$2" "$1"' _ "$WORK/bad.err" "$pattern"
}
one_line_exit2 "serve --ocsp-mode bogus" "--ocsp-mode must be" "$MTLSPROBE" serve --fixtures "$FX" --ocsp 127.0.0.1:1 --ocsp-mode bogus
one_line_exit2 "serve --upstream without a fixture" "expected ADDR:PORT=FIXTURE" "$MTLSPROBE" serve --fixtures "$FX" --upstream 127.0.0.1:1
one_line_exit2 "serve --upstream with a client fixture" "not a server fixture" "$MTLSPROBE" serve --fixtures "$FX" --upstream "127.0.0.1:$(free_port)=client/valid"
one_line_exit2 "serve --ocsp-delay too long" "between 1ms and 300s" "$MTLSPROBE" serve --fixtures "$FX" --ocsp 127.0.0.1:1 --ocsp-delay 1h
one_line_exit2 "run --revocation bogus" "--revocation must be" "$MTLSPROBE" run --target https://localhost:1/ --fixtures "$FX" --revocation bogus
one_line_exit2 "run --echo without a slash" "--echo must be a path" "$MTLSPROBE" run --target https://localhost:1/ --fixtures "$FX" --echo echo
one_line_exit2 "run --suite unknown" "client-auth, audit, bypass, upstream or all" "$MTLSPROBE" run --target https://localhost:1/ --fixtures "$FX" --suite bypasses

check "crl-http: unknown CA is 404" test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CRL_PORT/ca/nope.crl")" = 404
finish
