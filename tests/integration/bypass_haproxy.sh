# The bypass and upstream suites against Debian's HAProxy in front of
# `mtlsprobe serve`'s echo upstreams. The careful config (strict-sni, Host
# must equal the SNI, ssl_c_used required on the mTLS host, identity
# headers deleted by pattern, upstreams verified) passes every scenario but
# upstream/pin-mismatch (HAProxy cannot pin). The careless one demands the
# certificate by SNI but routes by Host, so a public SNI, no SNI, or a TLS
# 1.2 session resumed from the public host (OpenSSL reports the session's
# original SNI) reaches the mTLS routes: it fails sni-host-mismatch,
# cross-sni-resumption (TLS 1.2 only: in TLS 1.3 the resumed SNI is the new
# one), forged-identity-headers and every untrusted upstream.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bypass_lib.sh"

start_gateway haproxy bypass-safe.cfg.in "$FX" "${sets[@]}" || exit 1
run_suites safe
stop_gateway
check "safe: exit 1 (pin-mismatch fails)" test "$(cat "$WORK/safe.rc")" = 1
check "safe: every scenario passes but upstream/pin-mismatch" test "$(verdicts safe)" = "$SAFE_VERDICTS"
check "safe: a TLS 1.2 session from the public host resumes but gets 421" grep -q "TLS 1.2 ticket from public.test: resumed on mtls.test, HTTP 421" <<<"$(details safe bypass/cross-sni-resumption)"
check "safe: HTTP/2 :authority mismatch answered 421" grep -q "h2 SNI public.test, :authority mtls.test: HTTP/2 421" <<<"$(details safe bypass/sni-host-mismatch)"

start_gateway haproxy bypass-careless.cfg.in "$FX" "${sets[@]}" || exit 1
run_suites careless
stop_gateway
check "careless: exit 1" test "$(cat "$WORK/careless.rc")" = 1
check "careless: fails exactly the predicted scenarios" test "$(verdicts careless)" = "bypass/cross-sni-resumption FAIL
bypass/forged-identity-headers FAIL
bypass/post-handshake-auth INFO
bypass/renegotiation PASS
bypass/revocation SKIP
bypass/revoked-keepalive SKIP
bypass/sni-host-mismatch FAIL
upstream/client-cert PASS
upstream/expired FAIL
upstream/pin-mismatch FAIL
upstream/self-signed FAIL
upstream/untrusted FAIL
upstream/valid PASS
upstream/wrong-san FAIL"
check "careless: public SNI with Host mtls.test served" grep -qx "FAIL SNI public.test, Host mtls.test: HTTP 200" <<<"$(details careless bypass/sni-host-mismatch)"
check "careless: no SNI served over HTTP/2 too" grep -qx "FAIL h2 no SNI, :authority mtls.test: HTTP/2 200" <<<"$(details careless bypass/sni-host-mismatch)"
check "careless: TLS 1.2 resumption crosses from the public host, TLS 1.3 does not" test "$(details careless bypass/cross-sni-resumption | grep -E '^(ok|FAIL) ')" = "FAIL TLS 1.2 session ID from public.test: resumed on mtls.test, HTTP 200
FAIL TLS 1.2 ticket from public.test: resumed on mtls.test, HTTP 200
ok TLS 1.3 PSK from public.test: resumed on mtls.test, HTTP 403"
check "careless: underscore variants reach the upstream" grep -q "arrived x_ssl_client_s_dn: mtlsprobe-forged-[0-9]*-underscore" <<<"$(details careless bypass/forged-identity-headers)"
finish
