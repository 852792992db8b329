# A real gateway: Debian's nginx, configured from the fixtures
# (docker/gateways/nginx/mtls.conf.in: server/valid, trust bundle, CRL bundle,
# ssl_verify_client on) on a loopback port. curl with client/valid gets 200;
# expired, revoked, untrusted and other bad certificates are rejected, and
# nginx's log names the verify error for each.
. "$(dirname "$0")/lib.sh"

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q || { echo "FAIL: fixtures generation"; exit 1; }
start_nginx mtls.conf.in "$FX"
PORT=$NGINX_PORT
RUN=$NGINX_RUN

# request NAME -> prints the HTTP status (000 when the TLS handshake failed)
request() {
  local args=(-sS -o "$WORK/body" -w '%{http_code}' --max-time 10
              --resolve "localhost:$PORT:127.0.0.1" --cacert "$FX/trust-bundle.pem")
  if [ "$1" != none ]; then
    args+=(--cert "$FX/$(mf "$1" chain)" --key "$FX/$(mf "$1" key)")
  fi
  curl "${args[@]}" "https://localhost:$PORT/" 2>"$WORK/curl.err"
}

# accepted
status=$(request client/valid)
check "client/valid accepted (200, got $status)" test "$status" = 200
check "client/valid: nginx saw SUCCESS" grep -q "verified=SUCCESS" "$WORK/body"
status=$(request client/valid-rsa)
check "client/valid-rsa accepted (200, got $status)" test "$status" = 200

# rejected: nginx finishes the handshake and answers 400, logging the reason
rejected() { # NAME EXPECTED_LOG_FRAGMENT
  local before status
  before=$(wc -l < "$RUN/error.log")
  status=$(request "$1")
  check "$1 rejected (400, got $status)" test "$status" = 400
  check "$1: nginx logs '$2'" bash -c 'tail -n +$(( $1 + 1 )) "$2" | grep -q "$3"' _ "$before" "$RUN/error.log" "$2"
}
rejected client/expired "certificate verify error: (10:certificate has expired)"
rejected client/revoked "certificate verify error: (23:certificate revoked)"
# In a server, OpenSSL reports a lone leaf with an unknown issuer as 21 (not
# 20 as `openssl verify` does), and nginx's verify callback keeps going after
# an error, so for a self-signed leaf the last error, the missing CRL for its
# self-made issuer, is the one nginx logs.
rejected client/untrusted "certificate verify error: (21:unable to verify the first certificate)"
rejected client/self-signed "certificate verify error: (3:unable to get certificate CRL)"
rejected client/missing-intermediate "certificate verify error: (21:unable to verify the first certificate)"
rejected client/expired-intermediate "certificate verify error: (10:certificate has expired)"
rejected client/revoked-intermediate "certificate verify error: (23:certificate revoked)"
rejected client/wrong-eku "certificate verify error: (26:unsuitable certificate purpose)"
status=$(request none)
check "no client certificate rejected (400, got $status)" test "$status" = 400
check "no certificate: nginx says so" grep -q "No required SSL certificate was sent" "$WORK/body"

finish
