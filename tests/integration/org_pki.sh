# Fixtures under the organization's own CA. The organization's PKI is made
# with `openssl req` and `openssl ca` only: an EC root and an RSA issuing CA
# whose key is encrypted. Then:
#  - `fixtures --issuer-cert/--issuer-key --pass` builds the set; the key is
#    nowhere in it, the manifest holds the CA's subject and fingerprint only;
#    a wrong or missing password is one line on stderr, exit 2;
#  - `openssl verify` against the organization's root (and its root CRL plus
#    the CRLs mtlsprobe signed) sees each intended defect;
#  - nginx and HAProxy trust only that root and load those CRLs; the whole
#    client-auth suite agrees with curl's outcome for every fixture and TLS
#    version;
#  - `serve --ocsp` answers for the imported CA;
#  - an imported CA with pathlen 0 leaves out what it cannot carry, saying why.
. "$(dirname "$0")/lib.sh"

ORG=$WORK/org
ORG_PASS='org secret 7'
export ORG_PASS

# make_org DIR PATHLEN: root and issuing CA with openssl only
make_org() {
  local d=$1 pl=$2
  mkdir -p "$d/db"
  : > "$d/db/index.txt"; echo 1000 > "$d/db/serial"; echo 01 > "$d/db/crlnumber"
  cat > "$d/ca.cnf" <<CNF
[ ca ]
default_ca = org
[ org ]
dir = $d
database = $d/db/index.txt
serial = $d/db/serial
crlnumber = $d/db/crlnumber
new_certs_dir = $d/db
default_md = sha256
default_days = 365
default_crl_days = 30
policy = anything
copy_extensions = none
unique_subject = no
[ anything ]
commonName = supplied
organizationName = optional
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_root ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_issuing ]
basicConstraints = critical, CA:true${pl:+, pathlen:$pl}
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/root.key" \
    -subj "/CN=Example Org Root CA/O=Example Org" -days 3650 -config "$d/ca.cnf" \
    -extensions v3_root -out "$d/root.pem" 2>"$d/err" &&
  openssl req -new -newkey rsa:2048 -keyout "$d/issuing.key" -passout env:ORG_PASS \
    -subj "/CN=Example Org Issuing CA/O=Example Org" -config "$d/ca.cnf" -out "$d/issuing.csr" 2>>"$d/err" &&
  openssl ca -batch -config "$d/ca.cnf" -cert "$d/root.pem" -keyfile "$d/root.key" -extensions v3_issuing \
    -days 1825 -in "$d/issuing.csr" -out "$d/issuing.pem" -notext 2>>"$d/err" &&
  openssl ca -batch -config "$d/ca.cnf" -cert "$d/root.pem" -keyfile "$d/root.key" -gencrl \
    -out "$d/root.crl.pem" 2>>"$d/err" &&
  cat "$d/issuing.pem" "$d/root.pem" > "$d/issuing-chain.pem"
}

make_org "$ORG" "" || { echo "FAIL: openssl could not make the organization's PKI: $(cat "$ORG/err")"; exit 1; }
check "the issuing CA's key is encrypted" grep -q "BEGIN ENCRYPTED PRIVATE KEY" "$ORG/issuing.key"

# ---- fixtures ---------------------------------------------------------------
FX=$WORK/fx
"$MTLSPROBE" fixtures --issuer-cert "$ORG/issuing-chain.pem" --issuer-key "$ORG/issuing.key" \
  --pass env:ORG_PASS --crl-days 400 --cert-days 200 --out "$FX" >"$WORK/out" 2>"$WORK/err"
check "fixtures under the imported CA: exit 0" test $? = 0
check "nothing left out under a CA without pathlen" test "$(jq '.omitted | length' "$FX/manifest.json")" = 0
check "no stderr output" test ! -s "$WORK/err"
check "trust bundle is the organization's root only" \
  test "$(openssl x509 -in "$FX/trust-bundle.pem" -noout -fingerprint -sha256)" = \
       "$(openssl x509 -in "$ORG/root.pem" -noout -fingerprint -sha256)" -a \
       "$(grep -c 'BEGIN CERTIFICATE' "$FX/trust-bundle.pem")" = 1
check "ca/org is the issuing CA's certificate" cmp -s "$FX/ca/org.cert.pem" "$ORG/issuing.pem"
check "the imported key is not in the output" test ! -e "$FX/ca/org.key.pem"
issuing_der_key=$(openssl pkey -in "$ORG/issuing.key" -passin env:ORG_PASS -outform DER | base64 -w0 | cut -c 40-100)
check "no file holds the issuing key's material" bash -c '! grep -rqF -- "$1" "$2"' _ "$issuing_der_key" "$FX"
check "no file names the key file or the password" bash -c '! grep -rqF -e "$1" -e "$2" "$3"' _ "$ORG/issuing.key" "$ORG_PASS" "$FX"
check "manifest: ca/org has no key, is imported, has subject and fingerprint" \
  test "$(jq -c '.fixtures[] | select(.name == "ca/org") | [has("key"), .imported, .subject, .sha256_fingerprint]' "$FX/manifest.json")" = \
       "[false,true,\"O=Example Org,CN=Example Org Issuing CA\",\"$(openssl x509 -in "$ORG/issuing.pem" -outform DER | sha256sum | cut -d' ' -f1)\"]"
check "manifest: cert_days and crl_days" test "$(jq -c '[.cert_days, .crl_days]' "$FX/manifest.json")" = "[200,400]"
check "--cert-days sets the good leaves' lifetime" test "$(mf client/valid lifetime_days)" = 200
check "a chain sends leaf and issuing CA, not the root" \
  test "$(grep -c 'BEGIN CERTIFICATE' "$FX/client/valid.chain.pem")" = 2
check "ca/org's CRL is signed by the issuing CA's key" \
  bash -c 'openssl crl -in "$1" -CAfile "$2" -noout 2>&1 | grep -q "verify OK"' _ "$FX/ca/org.crl.pem" "$ORG/issuing-chain.pem"
check "ca/org's CRL lists client/revoked and ca/revoked-intermediate" \
  test "$(openssl crl -in "$FX/ca/org.crl.pem" -noout -text | grep -ci "serial number: *\($(mf client/revoked serial)\|$(mf ca/revoked-intermediate serial)\)")" = 2
next=$(date -d "$(openssl crl -in "$FX/ca/org.crl.pem" -noout -nextupdate | cut -d= -f2)" +%s)
check "--crl-days 400 sets nextUpdate" test $(( (next - $(date +%s)) / 86400 )) -ge 398
"$MTLSPROBE" fixtures --check "$FX" --within 150d >"$WORK/check.out"
check "fixtures --check: a fresh set exits 0" test $? = 0
check "--cert-days 200: the not-yet-valid fixtures start when the good ones end" \
  test "$(mf client/not-yet-valid not_before | cut -c1-10)" = "$(mf client/valid not_after | cut -c1-10)"
"$MTLSPROBE" fixtures --check "$FX" --within 210d >"$WORK/check.out"
check "fixtures --check --within 210d: exit 1" test $? = 1
check "fixtures --check names client/valid as expiring" grep -q "^EXPIRES-SOON  *client/valid  *certificate expires" "$WORK/check.out"

# a set made 100 days ago: its control has expired and its CRLs are stale;
# --check says so, and run warns and marks its results
"$MTLSPROBE" fixtures --issuer-cert "$ORG/issuing-chain.pem" --issuer-key "$ORG/issuing.key" \
  --pass env:ORG_PASS --now "$(date -u -d '-100 days' +%Y-%m-%dT%H:%M:%SZ)" --out "$WORK/fx-old" -q
"$MTLSPROBE" fixtures --check "$WORK/fx-old" >"$WORK/check.out"
check "fixtures --check on an old set: exit 1" test $? = 1
check "fixtures --check: ca/org's CRL is stale" grep -q "^STALE  *ca/org  *CRL past its nextUpdate" "$WORK/check.out"
check "fixtures --check: client/valid has expired" grep -q "^STALE  *client/valid  *certificate expired" "$WORK/check.out"
"$MTLSPROBE" run --target "https://127.0.0.1:$(free_port)/" --fixtures "$WORK/fx-old" --only client-auth/valid \
  --timeout 2s --json "$WORK/old.json" -q >/dev/null 2>"$WORK/old.err"
check "run warns that the control has expired" grep -q "warning: stale fixture client/valid: certificate expired" "$WORK/old.err"
check "run warns that ca/org's CRL is stale" grep -q "warning: stale fixture ca/org: CRL past its nextUpdate" "$WORK/old.err"
check "run marks its JSON: fixtures.stale" \
  test "$(jq '[.fixtures.stale[] | select(startswith("client/valid: certificate expired") or startswith("ca/org: CRL past"))] | length' "$WORK/old.json")" = 2

# wrong, missing and unreadable passwords: one line, exit 2, no secret
bad() { # bad WHAT EXPECTED_TEXT ARGS...
  local what=$1 want=$2; shift 2
  "$MTLSPROBE" fixtures --issuer-cert "$ORG/issuing-chain.pem" --issuer-key "$ORG/issuing.key" \
    --out "$WORK/bad" "$@" >"$WORK/out" 2>"$WORK/err"
  local rc=$?
  check "$what: exit 2" test "$rc" = 2
  check "$what: one stderr line" test "$(wc -l < "$WORK/err")" = 1
  check "$what: says '$want'" grep -qF -- "$want" "$WORK/err"
  check "$what: no password in the message" bash -c '! grep -qF -e "$1" -e "wrong-one" "$2"' _ "$ORG_PASS" "$WORK/err"
  check "$what: no output directory" test ! -e "$WORK/bad"
}
bad "wrong password" "wrong password" --pass pass:wrong-one
bad "no password" "encrypted" 
bad "unset variable" "not set" --pass env:MP_NO_SUCH_VAR
bad "bare password" "unknown password source" --pass wrong-one
echo "$ORG_PASS" > "$WORK/pw.txt"
"$MTLSPROBE" fixtures --issuer-cert "$ORG/issuing.pem" --issuer-key "$ORG/issuing.key" \
  --pass "file:$WORK/pw.txt" --out "$WORK/fx-file" -q 2>"$WORK/err"
check "--pass file: works; a file without the root: trust bundle is the issuing CA" \
  test "$(openssl x509 -in "$WORK/fx-file/trust-bundle.pem" -noout -subject)" = "subject=CN = Example Org Issuing CA, O = Example Org"
check "without the root, client/missing-intermediate is left out with a reason" \
  grep -q "left out client/missing-intermediate: the trust bundle is the imported CA itself" "$WORK/err"
"$MTLSPROBE" fixtures --issuer-cert "$ORG/issuing-chain.pem" --issuer-key "$ORG/root.key" \
  --out "$WORK/bad" 2>"$WORK/err"
check "a key that is not the certificate's: exit 2" test $? = 2
check "a key that is not the certificate's: said" grep -q "is not the key of the issuer certificate" "$WORK/err"
"$MTLSPROBE" fixtures --issuer-cert "$ORG/root.key" --issuer-key "$ORG/root.key" --out "$WORK/bad" 2>"$WORK/err"
check "a key given as the certificate: exit 2" test $? = 2
check "a key given as the certificate: refused without echoing it" \
  bash -c 'grep -q "holds a private key" "$1" && ! grep -q "BEGIN" "$1"' _ "$WORK/err"

# ---- openssl verify against the organization's root ---------------------------
declare -A code=(
  [X509_V_ERR_CERT_NOT_YET_VALID]=9 [X509_V_ERR_CERT_HAS_EXPIRED]=10
  [X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT]=18 [X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY]=20
  [X509_V_ERR_CERT_REVOKED]=23 [X509_V_ERR_PATH_LENGTH_EXCEEDED]=25 [X509_V_ERR_INVALID_PURPOSE]=26
  [X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION]=34 [X509_V_ERR_PERMITTED_VIOLATION]=47
  [X509_V_ERR_HOSTNAME_MISMATCH]=62 [X509_V_ERR_EE_KEY_TOO_SMALL]=66 [X509_V_ERR_CA_MD_TOO_WEAK]=68
)
CRLS=$WORK/crls.pem
cat "$ORG/root.crl.pem" "$FX/crl-bundle.pem" > "$CRLS"
verified=0
for name in $(jq -r '.fixtures[] | select(.role != "ca") | .name' "$FX/manifest.json"); do
  role=$(mf "$name" role)
  args=(-x509_strict -auth_level 2 -crl_check_all -CRLfile "$CRLS" -CAfile "$ORG/root.pem"
        -untrusted "$FX/$(mf "$name" chain)")
  if [ "$role" = server ]; then args+=(-purpose sslserver -verify_hostname localhost); else args+=(-purpose sslclient); fi
  out=$(openssl verify "${args[@]}" "$FX/$(mf "$name" cert)" 2>&1)
  want=$(mf "$name" verify_error)
  if [ "$want" = null ]; then
    check "openssl verify: $name OK under the organization's root" grep -q ": OK$" <<<"$out"
  else
    check "openssl verify: $name fails with $want" grep -q "^error ${code[$want]} at" <<<"$out"
  fi
  verified=$((verified + 1))
done
check "openssl verify judged every leaf (>= 30)" test "$verified" -ge 30

# ---- serve --ocsp answers for the imported CA ---------------------------------
OCSP_PORT=$(free_port)
"$MTLSPROBE" serve --fixtures "$FX" --ocsp "127.0.0.1:$OCSP_PORT" >"$WORK/ocsp.out" 2>&1 &
OCSP_PID=$!
cleanup_hooks+=("kill $OCSP_PID 2>/dev/null; wait $OCSP_PID 2>/dev/null")
if wait_port "$OCSP_PORT"; then
  for pair in "client/valid good" "client/revoked revoked"; do
    set -- $pair
    out=$(timeout 20 openssl ocsp -issuer "$FX/ca/org.cert.pem" -cert "$FX/$(mf "$1" cert)" \
      -url "http://127.0.0.1:$OCSP_PORT/" -CAfile "$ORG/issuing-chain.pem" 2>&1)
    check "serve --ocsp: $1 under ca/org is $2 (signed by ca/ocsp-signer)" \
      bash -c 'grep -q ": $2$" <<<"$1" && grep -q "Response verify OK" <<<"$1"' _ "$out" "$2"
  done
else
  fail "serve --ocsp did not start: $(cat "$WORK/ocsp.out")"
fi
kill "$OCSP_PID" 2>/dev/null; wait "$OCSP_PID" 2>/dev/null

# ---- nginx and HAProxy: the client-auth suite against curl --------------------
# accepted_by_curl PORT VERSION FIXTURE|-: 1 when curl, presenting the
# fixture's chain and key, gets HTTP 200; 0 otherwise.
accepted_by_curl() {
  local port=$1 v=$2 f=$3 cert=() code
  [ "$f" = - ] || cert=(--cert "$FX/$(mf "$f" chain)" --key "$FX/$(mf "$f" key)")
  code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$FX/trust-bundle.pem" \
    --resolve "localhost:$port:127.0.0.1" --tlsv"$v" --tls-max "$v" "${cert[@]}" \
    "https://localhost:$port/" 2>/dev/null)
  [ "$code" = 200 ] && echo 1 || echo 0
}

compare_suite() { # compare_suite GATEWAY TEMPLATE
  local gw=$1 tpl=$2 json=$WORK/$1.json agreed=0 disagreed=0 curl_accepted=0
  start_gateway "$gw" "$tpl" "$FX" --set "CRL_FILE=$CRLS" || return 1
  "$MTLSPROBE" run --target "https://localhost:$GW_PORT/" --connect-to "127.0.0.1:$GW_PORT" \
    --fixtures "$FX" --suite client-auth --json "$json" -q -j 2 >"$WORK/$gw.out" 2>"$WORK/$gw.err"
  check "$gw: run exits 0 (every client-auth scenario passes)" test $? = 0
  check "$gw: fresh fixtures, no stale mark" test "$(jq '.fixtures.stale | length' "$json")" = 0
  check "$gw: no warning on stderr" test ! -s "$WORK/$gw.err"
  # One line per verdict: id, TLS version, whether mtlsprobe saw it accepted.
  jq -r '.results[] | select(.tls_version == "TLSv1.2" or .tls_version == "TLSv1.3")
         | select(.id != "client-auth/mode")
         | "\(.id) \(.tls_version) \(.verdict) \(.evidence.http_status // 0) \(.evidence.rejected_in // "-")"' \
    "$json" > "$WORK/$gw.verdicts"
  while read -r id version verdict status rejected_in; do
    local f=client/${id#client-auth/} v=${version#TLSv} mine theirs
    [ "$id" = client-auth/no-cert ] && f=-
    # What mtlsprobe observed: the request served with 200, nothing refused.
    if [ "$status" = 200 ] && [ "$rejected_in" = - ]; then mine=1; else mine=0; fi
    theirs=$(accepted_by_curl "$GW_PORT" "$v" "$f")
    curl_accepted=$((curl_accepted + theirs))
    if [ "$mine" = "$theirs" ]; then
      agreed=$((agreed + 1)); ok "$gw $id $version: mtlsprobe and curl agree"
    else
      disagreed=$((disagreed + 1))
      fail "$gw $id $version: mtlsprobe saw accepted=$mine ($verdict, status $status, rejected in $rejected_in), curl accepted=$theirs"
    fi
  done < "$WORK/$gw.verdicts"
  echo "$gw: $agreed verdicts agree with curl, $disagreed disagree ($(wc -l < "$WORK/$gw.verdicts") compared)"
  check "$gw: at least 40 verdicts compared (20 fixtures x 2 TLS versions)" test "$agreed" -ge 40
  # Agreement means something only if both outcomes occur.
  check "$gw: curl saw both outcomes (8 accepted expected)" test "$curl_accepted" = 8
  stop_gateway
}
compare_suite nginx mtls-crl.conf.in
compare_suite haproxy mtls-crl.cfg.in

# ---- an imported CA with pathlen 0 --------------------------------------------
ORG0=$WORK/org0
make_org "$ORG0" 0 || { fail "openssl could not make the pathlen 0 PKI"; finish; exit; }
"$MTLSPROBE" fixtures --issuer-cert "$ORG0/issuing-chain.pem" --issuer-key "$ORG0/issuing.key" \
  --pass env:ORG_PASS --out "$WORK/fx0" -q 2>"$WORK/err0"
check "pathlen 0: exit 0" test $? = 0
FX=$WORK/fx0
for n in ca/expired-intermediate ca/revoked-intermediate ca/constrained-intermediate \
         client/expired-intermediate client/revoked-intermediate client/name-constraint-violation; do
  check "pathlen 0: $n left out, with a reason in the manifest" \
    test "$(jq -r --arg n "$n" '.omitted[] | select(.name == $n) | .reason' "$FX/manifest.json")" != ""
  check "pathlen 0: $n reported on stderr" grep -q "left out $n: .*pathlen 0" "$WORK/err0"
  check "pathlen 0: $n not generated" test -z "$(mf "$n" name)"
done
check "pathlen 0: the path-length case sits directly under ca/org" test "$(mf ca/pathlen-sub issuer)" = ca/org
out=$(openssl verify -x509_strict -CAfile "$ORG0/root.pem" -untrusted "$FX/client/pathlen-violation.chain.pem" \
  -purpose sslclient "$FX/client/pathlen-violation.cert.pem" 2>&1)
check "pathlen 0: openssl sees the path length violation" grep -q "^error 25 at" <<<"$out"

finish
