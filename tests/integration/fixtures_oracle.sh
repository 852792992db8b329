# An independent oracle for `mtlsprobe fixtures`: OpenSSL must see every
# fixture exactly as manifest.json describes it.
#  - `openssl verify` (trust bundle, CRL bundle with -crl_check_all, purpose,
#    -verify_hostname for servers, -x509_strict, security level 2) reports OK
#    for fixtures without verify_error and the named error for the others;
#  - `openssl x509 -text` shows each fixture's intended defect;
#  - keys match their certificates (except key-mismatch), pins match, every
#    CRL parses in PEM and DER and verifies against its CA.
. "$(dirname "$0")/lib.sh"


declare -A code=(
  [X509_V_ERR_CERT_NOT_YET_VALID]=9 [X509_V_ERR_CERT_HAS_EXPIRED]=10
  [X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT]=18 [X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN]=19
  [X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY]=20 [X509_V_ERR_CERT_REVOKED]=23
  [X509_V_ERR_PATH_LENGTH_EXCEEDED]=25 [X509_V_ERR_INVALID_PURPOSE]=26
  [X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION]=34 [X509_V_ERR_PERMITTED_VIOLATION]=47
  [X509_V_ERR_HOSTNAME_MISMATCH]=62 [X509_V_ERR_EE_KEY_TOO_SMALL]=66
  [X509_V_ERR_CA_MD_TOO_WEAK]=68
)

pubkey_hash() { openssl pkey -pubin -outform DER 2>/dev/null | openssl dgst -sha256 -binary | base64; }
cert_pubkey() { openssl x509 -in "$1" -noout -pubkey | pubkey_hash; }
key_pubkey() { openssl pkey -in "$1" -pubout 2>/dev/null | pubkey_hash; }
ncerts() { grep -c 'BEGIN CERTIFICATE' "$1"; }
now=$(date +%s)
epoch() { date -d "$1" +%s; }

oracle() { # oracle KEY_TYPE
  local kt=$1
  FX=$WORK/fx-$kt
  "$MTLSPROBE" fixtures --key-type "$kt" --out "$FX" -q || { fail "fixtures --key-type $kt"; return; }
  # Manifest sanity: every entry has the documented fields.
  for field in name role cert key subject sans serial not_before not_after issuer spki_sha256 defect expect severity; do
    missing=$(jq -r --arg f "$field" '.fixtures[] | select(has($f) | not) | .name' "$FX/manifest.json")
    check "[$kt] every fixture has '$field'" test -z "$missing"
  done
  check "[$kt] manifest version 1" test "$(jq .version "$FX/manifest.json")" = 1
  check "[$kt] trust bundle holds exactly ca/root" \
    test "$(openssl x509 -in "$FX/trust-bundle.pem" -noout -fingerprint -sha256)" = \
         "$(openssl x509 -in "$FX/ca/root.cert.pem" -noout -fingerprint -sha256)"
  check "[$kt] trust bundle has one certificate" test "$(ncerts "$FX/trust-bundle.pem")" = 1

  for name in $(jq -r '.fixtures[].name' "$FX/manifest.json"); do
    role=$(mf "$name" role)
    cert=$FX/$(mf "$name" cert)
    key=$FX/$(mf "$name" key)
    text=$(openssl x509 -in "$cert" -noout -text 2>&1) || { fail "[$kt] $name: certificate does not parse"; continue; }
    ok "[$kt] $name parses"

    # key and pin
    if [ "$(mf "$name" key_matches_cert)" = true ]; then
      check "[$kt] $name: key matches certificate" test "$(cert_pubkey "$cert")" = "$(key_pubkey "$key")"
    else
      check "[$kt] $name: key deliberately does not match" test "$(cert_pubkey "$cert")" != "$(key_pubkey "$key")"
    fi
    check "[$kt] $name: spki_sha256 pin" test "$(cert_pubkey "$cert")" = "$(mf "$name" spki_sha256)"
    check "[$kt] $name: key file mode 0600" test "$(stat -c %a "$key")" = 600
    check "[$kt] $name: serial" test "$(openssl x509 -in "$cert" -noout -serial | cut -d= -f2 | tr A-F a-f)" = "$(mf "$name" serial)"
    check "[$kt] $name: subject" test "$(openssl x509 -in "$cert" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')" = "$(mf "$name" subject)"

    # openssl verify
    args=(-x509_strict -auth_level 2 -crl_check_all -CRLfile "$FX/crl-bundle.pem" -CAfile "$FX/trust-bundle.pem")
    case $role in
      server) args+=(-purpose sslserver -verify_hostname localhost) ;;
      client) args+=(-purpose sslclient) ;;
      *) args+=(-purpose any) ;;
    esac
    if [ "$role" = ca ]; then
      # A CA's intermediates come from the issuer links.
      untrusted=$WORK/untrusted.pem; : > "$untrusted"
      i=$(mf "$name" issuer)
      while [ "$(mf "$i" self_signed)" = false ]; do
        cat "$FX/$(mf "$i" cert)" >> "$untrusted"; i=$(mf "$i" issuer)
      done
    else
      # Clients and servers: exactly what they send, their chain file.
      untrusted=$FX/$(mf "$name" chain)
    fi
    [ -s "$untrusted" ] && args+=(-untrusted "$untrusted")
    out=$(openssl verify "${args[@]}" "$cert" 2>&1)
    want=$(mf "$name" verify_error)
    if [ "$want" = null ]; then
      check "[$kt] $name: openssl verify OK" grep -q ": OK$" <<<"$out"
    else
      n=${code[$want]:-}
      if [ -z "$n" ]; then fail "[$kt] $name: no code known for $want"; continue; fi
      if grep -q "^error $n at" <<<"$out"; then ok "[$kt] $name: verify error $want"
      else fail "[$kt] $name: expected $want (error $n), openssl said: $(grep -m1 '^error' <<<"$out" || echo "$out" | tail -n1)"; fi
    fi

    # the intended defect, as openssl x509 -text shows it
    defect=$(jq -r --arg n "$name" '.fixtures[] | select(.name == $n) | .defect.tag' "$FX/manifest.json")
    issuer=$(mf "$name" issuer)
    nb=$(epoch "$(openssl x509 -in "$cert" -noout -startdate | cut -d= -f2)")
    na=$(epoch "$(openssl x509 -in "$cert" -noout -enddate | cut -d= -f2)")
    issuer_text=$(openssl x509 -in "$FX/$(mf "$issuer" cert)" -noout -text)
    case $defect in
      none) check "[$kt] $name: currently valid" test "$nb" -le "$now" -a "$na" -gt "$now" ;;
      expired|expired-ca) check "[$kt] $name: notAfter in the past" test "$na" -lt "$now" ;;
      not-yet-valid) check "[$kt] $name: notBefore in the future" test "$nb" -gt "$now" ;;
      wrong-san) check "[$kt] $name: SAN lacks localhost" bash -c '! grep -q "DNS:localhost" <<<"$1"' _ "$text" ;;
      self-signed) check "[$kt] $name: issuer equals subject" test "$(openssl x509 -in "$cert" -noout -issuer | cut -d= -f2-)" = "$(openssl x509 -in "$cert" -noout -subject | cut -d= -f2-)" ;;
      untrusted-ca) check "[$kt] $name: chains to the rogue root" grep -q "Issuer: .*Rogue" <<<"$text" ;;
      pin-mismatch) check "[$kt] $name: pin differs from server/valid" test "$(mf "$name" spki_sha256)" != "$(mf server/valid spki_sha256)" ;;
      weak-key) check "[$kt] $name: 1024-bit RSA" grep -q "Public-Key: (1024 bit)" <<<"$text" ;;
      sha1-signature) check "[$kt] $name: SHA-1 signature" grep -Eq "Signature Algorithm: (ecdsa-with-SHA1|sha1WithRSAEncryption)" <<<"$text" ;;
      wrong-eku)
        if [ "$role" = server ]; then check "[$kt] $name: no serverAuth EKU" bash -c '! grep -q "TLS Web Server Authentication" <<<"$1"' _ "$text"
        else check "[$kt] $name: no clientAuth EKU" bash -c '! grep -q "TLS Web Client Authentication" <<<"$1"' _ "$text"; fi ;;
      no-eku) check "[$kt] $name: no EKU extension" bash -c '! grep -q "Extended Key Usage" <<<"$1"' _ "$text" ;;
      bad-key-usage) check "[$kt] $name: key usage without digitalSignature" bash -c 'grep -A1 "Key Usage: critical" <<<"$1" | tail -n1 | grep -vq "Digital Signature"' _ "$text" ;;
      ca-as-leaf) check "[$kt] $name: CA:TRUE on a client certificate" grep -q "CA:TRUE" <<<"$text" ;;
      missing-intermediate) check "[$kt] $name: chain file holds only the leaf" test "$(ncerts "$FX/$(mf "$name" chain)")" = 1 ;;
      long-lived) check "[$kt] $name: lifetime over 398 days" test $(( (na - nb) / 86400 )) -gt 398 ;;
      name-constraint-violation)
        check "[$kt] $name: issuer carries name constraints" grep -q "Name Constraints" <<<"$issuer_text"
        check "[$kt] $name: DNS SAN outside .allowed.test" bash -c 'grep -o "DNS:[^,]*" <<<"$1" | grep -vq "allowed.test$"' _ "$text" ;;
      unknown-critical-ext) check "[$kt] $name: unknown critical extension" grep -q "1.3.6.1.4.1.32473.1.1: critical" <<<"$text" ;;
      key-mismatch) ok "[$kt] $name: checked with the key above" ;;
      revoked|revoked-ca)
        serial=$(openssl x509 -in "$cert" -noout -serial | cut -d= -f2)
        check "[$kt] $name: serial in the issuer's CRL" grep -q "Serial Number: $serial" <<<"$(openssl crl -in "$FX/$(mf "$issuer" crl)" -noout -text)" ;;
      expired-intermediate)
        ina=$(epoch "$(openssl x509 -in "$FX/$(mf "$issuer" cert)" -noout -enddate | cut -d= -f2)")
        check "[$kt] $name: issuer expired" test "$ina" -lt "$now" ;;
      revoked-intermediate) check "[$kt] $name: issuer is revoked" test "$(mf "$issuer" revoked)" = true ;;
      beyond-pathlen) check "[$kt] $name: issuer has pathlen:0" grep -q "pathlen:0" <<<"$issuer_text" ;;
      pathlen-violation)
        check "[$kt] $name: issuer is a CA" grep -q "CA:TRUE" <<<"$issuer_text"
        check "[$kt] $name: chain of three" test "$(ncerts "$FX/$(mf "$name" chain)")" = 3 ;;
      *) fail "[$kt] $name: no oracle check for defect '$defect'" ;;
    esac
  done

  # CRLs: one per CA, PEM and DER, each verifying against its CA.
  for name in $(jq -r '.fixtures[] | select(.is_ca) | .name' "$FX/manifest.json"); do
    crl=$FX/$(mf "$name" crl)
    check "[$kt] $name: CRL parses (PEM)" openssl crl -in "$crl" -noout
    check "[$kt] $name: CRL parses (DER)" openssl crl -inform DER -in "$FX/$(mf "$name" crl_der)" -noout
    check "[$kt] $name: CRL signed by its CA" bash -c 'openssl crl -in "$1" -CAfile "$2" -noout 2>&1 | grep -q "verify OK"' _ "$crl" "$FX/$(mf "$name" cert)"
  done
  check "[$kt] CRL bundle holds one CRL per CA" test "$(grep -c 'BEGIN X509 CRL' "$FX/crl-bundle.pem")" = "$(jq '[.fixtures[] | select(.is_ca)] | length' "$FX/manifest.json")"
  check "[$kt] pins.txt has every fixture" test "$(wc -l < "$FX/pins.txt")" = "$(jq '.fixtures | length' "$FX/manifest.json")"

}

# The good certificates of every key family; the defective ones keep theirs.
for kt in ${ORACLE_KEY_TYPES:-ec-p256 rsa-2048 ed25519}; do
  oracle "$kt"
done

finish
