# The built-in suite against real gateways from Debian's packages, each
# started on loopback from its config in docker/gateways/: HAProxy, Caddy,
# Apache httpd and stunnel, strict and (HAProxy, Caddy) misconfigured. For
# each, the exact set of failing scenarios is asserted; every difference from
# a perfect score is explained beside it by the gateway's documented behaviour.
# (nginx has its own, deeper test: run_nginx.sh.)
. "$(dirname "$0")/lib.sh"

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q || { echo "FAIL: fixtures generation"; exit 1; }
GW=$SRC/docker/gateways

fill() { # fill TEMPLATE OUT: substitutes the placeholders
  sed -e "s|@RUNDIR@|$RUN|g" -e "s|@FIXTURES@|$FX|g" -e "s|@PORT@|$PORT|g" \
      -e "s|@UPSTREAM_PORT@|${UPSTREAM_PORT:-}|g" -e "s|@SERVER_PEM@|$RUN/server.pem|g" \
      -e "s|@WWW@|${WWW:-}|g" -e "s|@USER@|${GW_USER:-}|g" -e "s|@GROUP@|${GW_GROUP:-}|g" "$1" > "$2"
}
launch() { # launch NAME CMD...: starts a gateway in the foreground of a background job
  local name=$1; shift
  "$@" >"$RUN/$name.out" 2>&1 &
  GW_PID=$!
  cleanup_hooks+=("kill $GW_PID 2>/dev/null; wait $GW_PID 2>/dev/null")
  if ! wait_port "$PORT"; then
    fail "$name did not start: $(tail -n 5 "$RUN/$name.out" "$RUN"/*.log 2>/dev/null | tr '\n' ' ')"
    return 1
  fi
}
stop() {
  kill "$GW_PID" 2>/dev/null
  wait "$GW_PID" 2>/dev/null
  return 0
}
prepare() { # prepare NAME: a fresh run directory and port
  RUN=$(mktemp -d "$WORK/$1.XXXXXX")
  PORT=$(free_port)
}

start_haproxy() { # start_haproxy TEMPLATE
  prepare haproxy
  cat "$FX/server/valid.chain.pem" "$FX/server/valid.key.pem" > "$RUN/server.pem"
  fill "$GW/haproxy/$1" "$RUN/haproxy.cfg"
  launch haproxy haproxy -db -f "$RUN/haproxy.cfg"
}
start_caddy() { # start_caddy TEMPLATE
  prepare caddy
  fill "$GW/caddy/$1" "$RUN/Caddyfile"
  HOME=$RUN XDG_DATA_HOME=$RUN XDG_CONFIG_HOME=$RUN \
    launch caddy caddy run --config "$RUN/Caddyfile" --adapter caddyfile
}
start_apache() {
  prepare apache2
  # The worker runs unprivileged and must read the document root.
  WWW=$(mktemp -d /tmp/mtlsprobe-www.XXXXXX)
  chmod 755 "$WWW"
  echo verified > "$WWW/index.txt"
  chmod 644 "$WWW/index.txt"
  cleanup_hooks+=("rm -rf $WWW")
  GW_USER=$(id -un); GW_GROUP=$(id -gn)
  [ "$(id -u)" = 0 ] && { GW_USER=www-data; GW_GROUP=www-data; }
  fill "$GW/apache2/mtls.conf.in" "$RUN/httpd.conf"
  launch apache2 apache2 -f "$RUN/httpd.conf" -DFOREGROUND
}
start_stunnel() {
  prepare stunnel
  UPSTREAM_PORT=$(free_port)
  fill "$GW/stunnel/responder.conf.in" "$RUN/responder.conf"
  nginx -p "$RUN" -c "$RUN/responder.conf" >"$RUN/responder.out" 2>&1 &
  cleanup_hooks+=("kill $! 2>/dev/null")
  wait_port "$UPSTREAM_PORT" || { fail "responder did not start"; return 1; }
  fill "$GW/stunnel/mtls.conf.in" "$RUN/stunnel.conf"
  launch stunnel stunnel "$RUN/stunnel.conf"
}

suite() { # suite NAME: runs the built-in suite against $PORT into $WORK/NAME.json
  "$MTLSPROBE" run --target "https://localhost:$PORT/" --connect-to "127.0.0.1:$PORT" \
    --fixtures "$FX" --json "$WORK/$1.json" -q -j 4 >"$WORK/$1.out" 2>&1
}
failing() { # the FAIL and ERROR verdicts of a run, "id [version]" sorted
  jq -r '.results[] | select(.verdict != "PASS") | "\(.id) [\(.tls_version)] \(.verdict)"' "$WORK/$1.json" | sort
}
expect_failing() { # expect_failing NAME EXPECTED_LINES
  local got
  got=$(failing "$1")
  if [ "$got" = "$2" ]; then ok "$1: the expected scenarios fail"
  else fail "$1: failing scenarios differ; expected:
$2
got:
$got"; fi
}

if [ -n "${GATEWAYS_EXPLORE:-}" ]; then
  for g in "haproxy mtls.cfg.in" "haproxy mtls-optional.cfg.in" "caddy Caddyfile.in" "caddy Caddyfile-require.in" "apache" "stunnel"; do
    set -- $g
    "start_$1" ${2:-} || continue
    suite "explore-$1-${2:-}"
    echo "== $g"; failing "explore-$1-${2:-}"
    stop
  done
  exit 0
fi

both() { # both ID...: "id [TLSv1.2] FAIL" and "id [TLSv1.3] FAIL" lines, sorted
  local id
  for id in "$@"; do printf '%s [TLSv1.2] FAIL\n%s [TLSv1.3] FAIL\n' "$id" "$id"; done | sort
}

# HAProxy 2.6, `verify required` with ca-file and crl-file: passes everything.
if start_haproxy mtls.cfg.in; then
  suite haproxy
  expect_failing haproxy ""
  check "haproxy: refuses in the handshake, with an alert" test "$(jq -r '.results[] | select(.id == "client-auth/expired" and .tls_version == "TLSv1.2") | .evidence.rejected_in' "$WORK/haproxy.json")" = handshake
  stop
fi

# HAProxy with `verify optional`: a certificate is still verified when sent,
# but a client without one gets through.
if start_haproxy mtls-optional.cfg.in; then
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
if start_caddy Caddyfile.in; then
  suite caddy
  expect_failing caddy "$(both client-auth/revoked client-auth/revoked-intermediate \
    client-auth/bad-key-usage client-auth/weak-rsa1024)"
  stop
fi

# Caddy with `mode require`: a certificate must be sent but is not verified,
# so every bad certificate is accepted. Only no-cert is refused, and
# key-mismatch, because the TLS handshake itself checks CertificateVerify.
if start_caddy Caddyfile-require.in; then
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
if start_apache; then
  suite apache2
  expect_failing apache2 ""
  stop
fi

# stunnel 5.68 with verifyChain, requireCert and CRLfile, in front of an HTTP
# responder. Its manual describes CRLfile only as "multiple CRLs, used with
# the verifyChain and verifyPeer options" and does not promise checking the CAs
# above the client certificate: it refuses client/revoked but accepts a client
# certificate issued by a revoked intermediate (high).
if start_stunnel; then
  suite stunnel
  expect_failing stunnel "$(both client-auth/revoked-intermediate)"
  stop
fi

finish
