# The built-in suite against real gateways from Debian's packages, each
# started on loopback from its config in docker/gateways/: HAProxy, Caddy,
# Apache httpd and stunnel, strict and (HAProxy, Caddy) misconfigured. For
# each, the exact set of failing scenarios is asserted; every difference from
# a perfect score is explained beside it by the gateway's documented behaviour.
# (nginx has its own, deeper test: run_nginx.sh.)
. "$(dirname "$0")/lib.sh"

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q || { echo "FAIL: fixtures generation"; exit 1; }

gw() { # gw GATEWAY TEMPLATE: starts it through docker/gateways/start; sets PORT
  start_gateway "$1" "$2" "$FX" || { fail "$1 $2 did not start"; return 1; }
  PORT=$GW_PORT
}
stop() {
  stop_gateway
}

suite() { # suite NAME: runs the built-in suite against $PORT into $WORK/NAME.json
  "$MTLSPROBE" run --target "https://localhost:$PORT/" --connect-to "127.0.0.1:$PORT" \
    --fixtures "$FX" --json "$WORK/$1.json" -q -j 4 >"$WORK/$1.out" 2>&1
}

if [ -n "${GATEWAYS_EXPLORE:-}" ]; then # prints what each config fails, for writing expectations
  for g in "haproxy mtls.cfg.in" "haproxy mtls-optional.cfg.in" "caddy Caddyfile.in" \
           "caddy Caddyfile-require.in" "apache2 mtls.conf.in" "stunnel mtls.conf.in"; do
    set -- $g
    gw "$1" "$2" || continue
    suite "explore-$1-$2"
    echo "== $g"; failing "explore-$1-$2"
    stop
  done
  exit 0
fi


# HAProxy 2.6, `verify required` with ca-file and crl-file: passes everything.
if gw haproxy mtls.cfg.in; then
  suite haproxy
  expect_failing haproxy ""
  check "haproxy: refuses in the handshake, with an alert" test "$(jq -r '.results[] | select(.id == "client-auth/expired" and .tls_version == "TLSv1.2") | .evidence.rejected_in' "$WORK/haproxy.json")" = handshake
  stop
fi

# HAProxy with `verify optional`: a certificate is still verified when sent,
# but a client without one gets through.
if gw haproxy mtls-optional.cfg.in; then
  suite haproxy-optional
  expect_failing haproxy-optional "$( (echo "client-auth/mode [any] FAIL"; both client-auth/no-cert) | sort)"
  stop
fi

# Caddy 2.6, `mode require_and_verify`. Caddy verifies client chains with Go's
# crypto/x509, whose Certificate.Verify documents that it does no revocation
# checking, and Caddy 2.6's client_auth offers no CRL or OCSP option: revoked
# certificates and chains through a revoked CA get through (critical/high).
# Go also ignores a leaf's keyUsage extension (only extended key usage is
# checked), and Go 1.19, which Debian 12 builds Caddy with, accepts 1024-bit
# RSA keys.
if gw caddy Caddyfile.in; then
  suite caddy
  expect_failing caddy "$(both client-auth/revoked client-auth/revoked-intermediate \
    client-auth/bad-key-usage client-auth/weak-rsa1024)"
  stop
fi

# Caddy with `mode require`: a certificate must be sent but is not verified,
# so every bad certificate is accepted. Only no-cert is refused, and
# key-mismatch, because the TLS handshake itself checks CertificateVerify.
if gw caddy Caddyfile-require.in; then
  suite caddy-require
  expect_failing caddy-require "$(both client-auth/bad-key-usage client-auth/expired \
    client-auth/expired-intermediate client-auth/missing-intermediate \
    client-auth/name-constraint-violation client-auth/not-yet-valid client-auth/pathlen-violation \
    client-auth/revoked client-auth/revoked-intermediate client-auth/self-signed client-auth/sha1 \
    client-auth/unknown-critical-ext client-auth/untrusted client-auth/weak-rsa1024 client-auth/wrong-eku)"
  stop
fi

# Apache httpd 2.4 (mod_ssl), SSLVerifyClient require with SSLCARevocationFile
# and SSLCARevocationCheck chain: passes everything.
if gw apache2 mtls.conf.in; then
  suite apache2
  expect_failing apache2 ""
  stop
fi

# stunnel 5.68 with verifyChain, requireCert and CRLfile, in front of an HTTP
# responder. Its manual describes CRLfile only as "multiple CRLs, used with
# the verifyChain and verifyPeer options" and does not promise checking the CAs
# above the client certificate: it refuses client/revoked but accepts a client
# certificate issued by a revoked intermediate (high).
if gw stunnel mtls.conf.in; then
  suite stunnel
  expect_failing stunnel "$(both client-auth/revoked-intermediate)"
  stop
fi

finish
