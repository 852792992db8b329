# The audit side by side with testssl.sh (Debian's testssl.sh package), on
# two servers and with targeted checks only (its full run takes minutes per
# server): every protocol, certificate, key-exchange group, DH, resumption,
# renegotiation and vulnerability fact testssl.sh reports, the audit reports
# too, and the same. Where the two disagree, the test says which one is
# right, shown with openssl s_client. The cipher suites are compared with
# sslscan in audit.sh; here the forward-secret suites testssl.sh lists must
# all be among the audit's accepted suites.
#   1. openssl s_server with ECDSA P-256 and RSA-1024 certificates, a
#      1024-bit DH group and every suite at @SECLEVEL=0;
#   2. gnutls-serv without RFC 5746, with RC4 and 3DES.
# Slow (about a minute and a half per server): ctest label "testssl".
. "$(dirname "$0")/lib.sh"

if ! command -v testssl >/dev/null; then
  fail "testssl.sh is not installed (scripts/setup installs it)"
  finish
  exit
fi
FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q || { echo "FAIL: fixtures generation"; exit 1; }
openssl dhparam -out "$WORK/dh1024.pem" 1024 2>/dev/null || fail "openssl dhparam failed"

audit() { # audit NAME: the whole audit against $PORT into $WORK/NAME.json
  "$MTLSPROBE" run --target "https://localhost:$PORT/" --connect-to "127.0.0.1:$PORT" \
    --fixtures "$FX" --suite audit --json "$WORK/$1.json" -q >"$WORK/$1.out" 2>&1
}
testssl_run() { # testssl_run NAME CHECKS...: testssl.sh's JSON findings into $WORK/NAME.testssl.json
  local name=$1 t0; shift
  t0=$(date +%s)
  timeout 600 testssl --quiet --color 0 --warnings off --ip 127.0.0.1 --jsonfile "$WORK/$name.testssl.json" \
    "$@" "localhost:$PORT" >"$WORK/$name.testssl.out" 2>&1
  echo "audit_testssl: testssl.sh $* against $name took $(( $(date +%s) - t0 )) s"
}
ts() { jq -r --arg id "$2" '.[] | select(.id == $id) | .finding' "$WORK/$1.testssl.json"; }
details() { jq -r --arg id "$2" '.results[] | select(.id == $id) | .details[]' "$WORK/$1.json"; }
observed() { jq -r --arg id "$2" '.results[] | select(.id == $id) | .observed' "$WORK/$1.json"; }
verdict() { # testssl.sh's finding of a vulnerability check, as "vulnerable" or "not vulnerable"
  sed 's/^not vulnerable.*/not vulnerable/; s/^VULNERABLE.*/vulnerable/; s/^uses 64 bit block ciphers.*/vulnerable/'
}
fact() { # fact NAME WHAT OURS THEIRS
  if [ "$3" = "$4" ]; then ok "$1: $2 as testssl.sh reports it"
  else fail "$1: $2 differs from testssl.sh; mtlsprobe:
$3
testssl.sh:
$4"; fi
}
declare -A IANA
while read -r std _ ossl _; do IANA[$ossl]=$std; done < <(openssl ciphers -stdname 'ALL:COMPLEMENTOFALL:@SECLEVEL=0')

# Facts both servers are asked about.
common_facts() {
  local name=$1 a b v
  # Protocols: offered or not, SSLv2 to TLS 1.3.
  b=$(for v in SSLv2 SSLv3 TLS1 TLS1_1 TLS1_2 TLS1_3; do
        case $(ts "$name" "$v") in offered*) echo "$v offered" ;; "not offered"*) echo "$v not offered" ;; *) echo "$v ?" ;; esac
      done)
  a=$(for v in SSLv2 SSLv3 TLSv1.0 TLSv1.1 TLSv1.2 TLSv1.3; do
        t=$(sed 's/^TLSv1\.0$/TLS1/; s/^TLSv1\.\([123]\)$/TLS1_\1/' <<<"$v")
        if details "$name" audit/protocols | grep -qx "$v accepted"; then echo "$t offered"
        elif details "$name" audit/protocols | grep -q "^$v refused"; then echo "$t not offered"
        else echo "$t ?"; fi
      done)
  fact "$name" "protocols" "$a" "$b"
  # Secure renegotiation (RFC 5746) and client-initiated renegotiation.
  b=$(ts "$name" secure_renego)
  a=$(details "$name" audit/renegotiation | sed -n 's/^secure renegotiation supported$/supported/p; s/^secure renegotiation not supported$/not supported/p')
  case $b in supported*) b=supported ;; "Not supported"*|"not supported"*) b="not supported" ;; esac
  if [ "$b" = "OpenSSL handshake didn't succeed" ] && [ "$a" = "not supported" ]; then
    # testssl.sh's OpenSSL refuses a server without RFC 5746 before it can
    # look; s_client allowed to talk to one shows the audit is right.
    check "$name: testssl.sh cannot tell (its handshake fails), s_client shows no RFC 5746 as the audit does" \
      grep -q "Secure Renegotiation IS NOT supported" <<<"$(echo | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" \
        -servername localhost -tls1_2 -legacy_server_connect 2>&1)"
  else
    fact "$name" "secure renegotiation" "$a" "$b"
  fi
  # Heartbleed, CCS injection, CRIME: the verdict.
  for v in heartbleed:HEARTBLEED CCS:"CCS INJECTION" CRIME_TLS:CRIME; do
    b=$(ts "$name" "${v%%:*}" | verdict)
    a=$(details "$name" audit/vulnerabilities | sed -n "s/^${v#*:} ([^)]*): \(not vulnerable\|vulnerable\):.*/\1/p")
    fact "$name" "${v#*:}" "$a" "$b"
  done
}

# 1. openssl s_server, two certificates, 1024-bit DH.
PORT=$(free_port)
openssl s_server -accept "127.0.0.1:$PORT" -cert "$FX/server/valid.chain.pem" -key "$FX/server/valid.key.pem" \
  -dcert "$FX/server/weak-rsa1024.chain.pem" -dkey "$FX/server/weak-rsa1024.key.pem" \
  -dhparam "$WORK/dh1024.pem" -cipher 'ALL:@SECLEVEL=0' -serverpref -www -quiet >"$WORK/s_server.out" 2>&1 &
SPID=$!
cleanup_hooks+=("kill $SPID 2>/dev/null")
if wait_port "$PORT"; then
  audit dual
  testssl_run dual -p -S -R --fs --heartbleed --ccs --ticketbleed --robot --crime
  common_facts dual
  # Certificates: each one testssl.sh finds (key, signature, expiry), the
  # audit finds too.
  b=$(for i in $(seq 1 "$(ts dual cert_numbers)"); do
        echo "$(ts dual "cert_keySize <cert#$i>" | sed 's/^\([A-Z]*\) \([0-9]*\) bits$/\1-\2/') $(ts dual "cert_signatureAlgorithm <cert#$i>" | sed 's/^ECDSA with \(SHA[0-9]*\)$/\L\1\EWithECDSA/; s/^RSA with \(SHA[0-9]*\)$/\L\1\EWithRSA/') $(ts dual "cert_notAfter <cert#$i>")"
      done | sort)
  a=$( { details dual audit/cert-key | sed -n 's/^\(certificate for [^:]*: \)\{0,1\}leaf \([A-Za-z0-9]*-[0-9]*\) .*/\2/p'; } | sort -u)
  after=$(observed dual audit/cert-validity | sed -n 's/^valid until \([0-9-]*\)T\([0-9]*:[0-9]*\).*/\1 \2/p')
  sig=$(details dual audit/cert-signature | sed -n 's/^leaf signed with //p' | head -1)
  a=$(for k in $a; do echo "$k $sig $after"; done | sort)
  fact dual "certificates (key, signature, expiry)" "$a" "$b"
  # Key-exchange groups: the ECDHE curves and the TLS 1.3 ffdhe groups.
  b=$(ts dual PFS_ECDHE_curves | tr ' ' '\n' | sed 's/^prime256v1$/P-256/; s/^secp384r1$/P-384/; s/^secp521r1$/P-521/' | sed '/^$/d' | sort)
  a=$(details dual audit/groups | sed -n 's/^accepted TLSv1\.[23] //p' | grep -v '^ffdhe' | sort -u)
  fact dual "ECDHE curves" "$a" "$b"
  b=$(ts dual DH_groups | tr ' ' '\n' | sed '/^$/d' | sort)
  a=$(details dual audit/dh | sed -n 's/^TLSv1\.3 \(ffdhe[0-9]*\): accepted.*/\1/p' | sort)
  fact dual "finite-field groups" "$a" "$b"
  # Forward-secret suites: every one testssl.sh lists is accepted by the audit.
  missing=$(for s in $(ts dual PFS_ciphers); do
              n=${IANA[$s]:-$s}
              jq -e --arg n "$n" '[.results[] | select(.id == "audit/cipher-suites") | .details[]
                                   | select(startswith("accepted ") and (split(" ")[2] == $n))] | length > 0' \
                "$WORK/dual.json" >/dev/null || echo "$n"
            done)
  check "dual: every forward-secret suite testssl.sh lists is accepted by the audit too${missing:+ (missing: $missing)}" \
    test -z "$missing"
  # Resumption by ticket and by session ID. testssl.sh's check sometimes
  # fails to connect to a server that serves one connection at a time (and
  # sleeps a second after each renegotiation): where it reports otherwise
  # than the audit, s_client resuming a saved session decides.
  for kind in ticket:ticket ID:"session ID"; do
    b=$(ts dual "sessionresumption_${kind%%:*}")
    a=$(observed dual audit/resumption | grep -q "TLSv1.2 ${kind#*:}: resumed" && echo supported || echo "not supported")
    if [ "$a" = "$b" ]; then
      ok "dual: resumption by ${kind#*:} as testssl.sh reports it"
    else
      opt=(); [ "${kind%%:*}" = ID ] && opt=(-no_ticket)
      echo | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -tls1_2 "${opt[@]}" \
        -sess_out "$WORK/sess-${kind%%:*}.pem" >/dev/null 2>&1
      got=$(echo | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -tls1_2 "${opt[@]}" \
              -sess_in "$WORK/sess-${kind%%:*}.pem" 2>&1 | grep -c "^Reused, TLSv1.2")
      check "dual: resumption by ${kind#*:}: testssl.sh says '$b', s_client resuming a session shows the audit's '$a'" \
        test "$([ "$got" -gt 0 ] && echo supported || echo "not supported")" = "$a"
    fi
  done
  # Client-initiated renegotiation: s_server refuses it.
  b=$(ts dual secure_client_renego)
  a=$(details dual audit/renegotiation | grep -q '^client-initiated renegotiation: refused' && echo "not vulnerable")
  fact dual "client-initiated renegotiation" "$a" "$b"
  # ROBOT: both see no oracle (testssl.sh's check is its own first step too).
  b=$(ts dual ROBOT | verdict)
  a=$(details dual audit/vulnerabilities | sed -n 's/^ROBOT ([^)]*): \(not vulnerable\|vulnerable\):.*/\1/p')
  fact dual "ROBOT" "$a" "$b"
  check "dual: the audit's ROBOT probe got an answer to each of its 5 variants" grep -q \
    "the 5 ClientKeyExchange variants got the same answer (TLS_RSA_WITH_[A-Z0-9_]* with a 1024-bit RSA key; correct: alert bad_record_mac (20), then closed;" \
    <<<"$(details dual audit/vulnerabilities)"
  # Ticketbleed: the same verdict, but testssl.sh's text gives "no session
  # tickets" as the reason, which its own resumption check contradicts. The
  # audit's probe resumed with a ticket and got its 1-byte session id back;
  # s_client shows the server issues TLS 1.2 tickets.
  b=$(ts dual ticketbleed | verdict)
  a=$(details dual audit/vulnerabilities | sed -n 's/^TICKETBLEED ([^)]*): \(not vulnerable\|vulnerable\):.*/\1/p')
  fact dual "Ticketbleed" "$a" "$b"
  if grep -q "Ticketbleed.*no session tickets" "$WORK/dual.testssl.out"; then
    check "dual: testssl.sh says no session tickets for Ticketbleed, but s_client gets one" grep -q "TLS session ticket lifetime hint" \
      <<<"$(echo | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -tls1_2 -servername localhost 2>&1)"
  fi
  check "dual: the audit's Ticketbleed probe resumed and saw its 1-byte session id echoed" grep -q \
    "^TICKETBLEED (CVE-2016-9244): not vulnerable: a [0-9]*-byte ticket resumed the session with the 1-byte session id 5a, and the ServerHello echoed 1 byte (5a)$" \
    <<<"$(details dual audit/vulnerabilities)"
else
  fail "openssl s_server did not start"
fi
kill "$SPID" 2>/dev/null

# 2. gnutls-serv: no RFC 5746, RC4 and 3DES.
if command -v gnutls-serv >/dev/null; then
  PORT=$(free_port)
  gnutls-serv --port "$PORT" --x509certfile "$FX/server/valid.chain.pem" --x509keyfile "$FX/server/valid.key.pem" \
    --priority 'NORMAL:+ARCFOUR-128:+3DES-CBC:%DISABLE_SAFE_RENEGOTIATION' --http >"$WORK/gnutls.out" 2>&1 &
  GPID=$!
  cleanup_hooks+=("kill $GPID 2>/dev/null")
  if wait_port "$PORT"; then
    audit gnutls
    testssl_run gnutls -p -R --heartbleed --ccs --crime --rc4 --sweet32
    common_facts gnutls
    for v in RC4:RC4 SWEET32:SWEET32; do
      b=$(ts gnutls "${v%%:*}" | verdict)
      a=$(details gnutls audit/vulnerabilities | sed -n "s/^${v#*:} ([^)]*): \(not vulnerable\|vulnerable\):.*/\1/p")
      fact gnutls "${v#*:}" "$a" "$b"
    done
    # Client-initiated renegotiation without RFC 5746: the audit's client
    # completes it; testssl.sh's OpenSSL cannot talk to a server without
    # RFC 5746 at all, and gnutls-cli, asked the same, renegotiates.
    check "gnutls: the audit completes a renegotiation without RFC 5746" grep -qx \
      "client-initiated renegotiation without RFC 5746: completed by the server" <<<"$(details gnutls audit/renegotiation)"
  else
    fail "gnutls-serv did not start"
  fi
  kill "$GPID" 2>/dev/null
else
  fail "gnutls-serv is not installed (scripts/setup installs gnutls-bin)"
fi

finish
