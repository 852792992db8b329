# The audit suite (scenarios/audit/) against real gateways from Debian's
# packages on loopback: nginx configured compliant and deliberately not
# (old protocols, CBC suites, optional client certificates, bad server
# certificates, a wrong OCSP staple), HAProxy compliant. For each, the exact
# set of findings (every verdict that is not PASS) is asserted. Then the
# protocol versions and cipher suites mtlsprobe reports accepted are compared
# with what sslscan, an independent scanner, reports for the same gateway.
# Prints the wall time of one full audit (a figure, not an assertion).
. "$(dirname "$0")/lib.sh"

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q || { echo "FAIL: fixtures generation"; exit 1; }
VALID_PIN="sha256/$(mf server/valid spki_sha256)"
CA_PIN="sha256/$(mf ca/intermediate spki_sha256)"

# A DER OCSP response, signed by the delegated signer, saying "good" for a
# server fixture: staple SERVER OUT.
staple() {
  local serial dir=$WORK/ocsp-$(basename "$1")
  mkdir -p "$dir"
  serial=$(openssl x509 -in "$FX/$1.cert.pem" -noout -serial | cut -d= -f2)
  printf 'V\t%s\t\t%s\tunknown\t/CN=x\n' "$(date -u -d '+1 year' +%y%m%d%H%M%SZ)" "$serial" > "$dir/index.txt"
  openssl ocsp -issuer "$FX/ca/intermediate.cert.pem" -cert "$FX/$1.cert.pem" -no_nonce \
    -reqout "$dir/req.der" >/dev/null 2>&1 &&
  openssl ocsp -index "$dir/index.txt" -rsigner "$FX/ca/ocsp-signer.cert.pem" \
    -rkey "$FX/ca/ocsp-signer.key.pem" -CA "$FX/ca/intermediate.cert.pem" -reqin "$dir/req.der" \
    -respout "$2" -ndays 7 >/dev/null 2>&1
}
staple server/valid "$WORK/valid.ocsp.der" || fail "openssl ocsp could not make a staple"
staple server/pin-mismatch "$WORK/other.ocsp.der" || fail "openssl ocsp could not make a staple"

MOZ_CIPHERS="ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
# CBC suites, a NULL-encryption suite (wolfSSL offers it) and a CAMELLIA one
# (wolfSSL does not: found by the hand-built ClientHello).
WEAK_CIPHERS="ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES128-SHA:DHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CAMELLIA128-SHA256:ECDHE-ECDSA-NULL-SHA:@SECLEVEL=0"

# nginx_audit NAME [--set KEY=VALUE]...: nginx/audit.conf.in, compliant
# unless the options say otherwise; sets PORT.
nginx_audit() {
  local name=$1; shift
  start_gateway nginx audit.conf.in "$FX" --set SERVER=server/valid \
    --set "PROTOCOLS=TLSv1.2 TLSv1.3" --set "CIPHERS=$MOZ_CIPHERS" --set PREFER=off \
    --set VERIFY=on --set "CURVES=X25519:prime256v1:secp384r1" \
    --set "EXTRA=ssl_stapling on; ssl_stapling_file $WORK/valid.ocsp.der; add_header Strict-Transport-Security max-age=63072000 always;" "$@" ||
    { fail "$name: nginx did not start"; return 1; }
  PORT=$GW_PORT
}

audit() { # audit NAME [run options]: the audit suite against $PORT into $WORK/NAME.json
  local name=$1 t0 t1; shift
  t0=$(date +%s%N)
  "$MTLSPROBE" run --target "https://localhost:$PORT/" --connect-to "127.0.0.1:$PORT" \
    --fixtures "$FX" --suite audit --json "$WORK/$name.json" -q "$@" >"$WORK/$name.out" 2>&1
  AUDIT_RC=$?
  t1=$(date +%s%N)
  AUDIT_MS=$(( (t1 - t0) / 1000000 ))
}
findings() { # the verdicts that are not PASS or INFO (an observation), "id VERDICT", sorted
  jq -r '.results[] | select(.verdict != "PASS" and .verdict != "INFO") | "\(.id) \(.verdict)"' "$WORK/$1.json" | sort
}
expect_findings() { # expect_findings NAME EXPECTED_LINES
  local got
  got=$(findings "$1")
  if [ "$got" = "$2" ]; then ok "$1: the expected findings"
  else fail "$1: findings differ; expected:
$2
got:
$got
$(jq -r '.results[] | select(.verdict != "PASS" and .verdict != "INFO") | "  \(.id): \(.observed)"' "$WORK/$1.json")"; fi
}
observed() { jq -r --arg id "$2" '.results[] | select(.id == $id) | .observed' "$WORK/$1.json"; }
has_detail() { jq -e --arg id "$2" --arg d "$3" '.results[] | select(.id == $id) | .details | index($d)' "$WORK/$1.json" >/dev/null; }
has_detail_prefix() { jq -e --arg id "$2" --arg d "$3" '[.results[] | select(.id == $id) | .details[] | select(startswith($d))] | length > 0' "$WORK/$1.json" >/dev/null; }
has_control() { jq -e --arg id "$2" --arg c "$3" '.results[] | select(.id == $id) | .controls | index($c)' "$WORK/$1.json" >/dev/null; }

# What mtlsprobe and sslscan find accepted: "TLSv1.2 IANA_NAME" lines, sorted.
ours() {
  jq -r '.results[] | select(.id == "audit/cipher-suites") | .details[] | select(startswith("accepted "))
         | split(" ") | "\(.[1]) \(.[2])"' "$WORK/$1.json" | sort
}
declare -A IANA
while read -r std _ ossl _; do IANA[$ossl]=$std; done < <(openssl ciphers -stdname 'ALL:COMPLEMENTOFALL:@SECLEVEL=0')
theirs() { # sslscan, with the good client certificate (unless SSLSCAN_NO_CERT=1), on loopback only
  local xml cert=(--certs="$FX/client/valid.chain.pem" --pk="$FX/client/valid.key.pem")
  [ "${SSLSCAN_NO_CERT:-0}" = 1 ] && cert=()
  xml=$(sslscan --no-colour --no-heartbleed --no-compression --no-fallback --no-renegotiation \
          --no-groups --no-check-certificate --sni-name=localhost "${cert[@]}" \
          --xml=- "127.0.0.1:$PORT" 2>/dev/null)
  [ -n "${SBS_NAME:-}" ] && printf '%s\n' "$xml" >"$WORK/$SBS_NAME.sslscan-suites.xml"
  sed -n 's/.*<cipher status="[a-z]*" sslversion="\([^"]*\)".* cipher="\([^"]*\)".*/\1 \2/p' <<<"$xml" |
    while read -r v name; do
      case "$name" in TLS_*) echo "$v $name" ;; *) echo "$v ${IANA[$name]:-$name}" ;; esac
    done | sort -u
}
ours_versions() { jq -r '.results[] | select(.id == "audit/protocols") | .details[] | select(endswith(" accepted")) | split(" ")[0]' "$WORK/$1.json" | sort; }
theirs_versions() { # SSL 2.0 and 3.0 too
  sslscan --no-colour --no-ciphersuites --no-heartbleed --no-compression --no-fallback \
    --no-renegotiation --no-groups --no-check-certificate --xml=- "127.0.0.1:$PORT" 2>/dev/null |
    sed -n 's/.*<protocol type="tls" version="\([0-9.]*\)" enabled="1".*/TLSv\1/p; s/.*<protocol type="ssl" version="\([23]\)" enabled="1".*/SSLv\1/p' | sort
}
cross_check() { # cross_check NAME: against the gateway still running on $PORT
  local a b
  if ! command -v sslscan >/dev/null; then fail "sslscan is not installed (scripts/setup)"; return; fi
  a=$(ours "$1"); b=$(SBS_NAME=$1 theirs)
  if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "$1: cipher suites agree with sslscan"
  else fail "$1: cipher suites differ from sslscan; mtlsprobe:
$a
sslscan:
$b"; fi
  a=$(ours_versions "$1"); b=$(theirs_versions)
  if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "$1: protocol versions agree with sslscan"
  else fail "$1: protocol versions differ from sslscan; mtlsprobe: $(echo $a); sslscan: $(echo $b)"; fi
  side_by_side "$1"
}

# Side by side with sslscan beyond suites and versions: every other fact it
# reports (renegotiation, DH group sizes, key-exchange groups, the default
# certificate, Heartbleed, the fallback SCSV; its OpenSSL cannot test TLS
# compression) is reported by the audit too, and the same. sslscan runs
# once more, without a client certificate (none of these facts needs one;
# with one it leaves the certificate out of its report). Where the two
# disagree, openssl s_client decides, and the check says which was right.
details() { jq -r --arg id "$2" '.results[] | select(.id == $id) | .details[]' "$WORK/$1.json"; }
sbs_fact() { # sbs_fact NAME FACT OURS THEIRS
  if [ "$3" = "$4" ]; then ok "$1: $2 as sslscan reports it"
  else fail "$1: $2 differs from sslscan; mtlsprobe:
$3
sslscan:
$4"; fi
}
s_client12() { echo | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -tls1_2 "$@" 2>&1; }
side_by_side() { # side_by_side NAME: against the gateway still running on $PORT
  local name=$1 xml text a b g curve
  text=$(sslscan --no-colour --no-ciphersuites --sni-name=localhost \
           --xml="$WORK/$name.sslscan.xml" "127.0.0.1:$PORT" 2>/dev/null)
  xml=$(cat "$WORK/$name.sslscan.xml" 2>/dev/null)
  [ -n "$xml" ] || { fail "$name: sslscan wrote no report"; return; }
  # RFC 5746. sslscan says "not supported" when its own renegotiation
  # attempt fails, although the ServerHello carried renegotiation_info:
  # s_client then decides.
  b=$(sed -n 's/.*<renegotiation supported="[01]" secure="\([01]\)".*/\1/p' <<<"$xml" |
      sed 's/^1$/secure renegotiation supported/; s/^0$/secure renegotiation not supported/')
  a=$(details "$name" audit/renegotiation | grep '^secure renegotiation ')
  # TLS 1.3 has no renegotiation: without TLS 1.2 the audit skips it.
  [ -z "$a" ] && ! details "$name" audit/protocols | grep -qx 'TLSv1.2 accepted' && a="secure renegotiation not supported"
  if [ "$a" = "secure renegotiation supported" ] && [ "$b" = "secure renegotiation not supported" ]; then
    check "$name: sslscan says no secure renegotiation, s_client shows RFC 5746 (the audit is right)" \
      grep -q "Secure Renegotiation IS supported" <<<"$(s_client12)"
  else
    sbs_fact "$name" "secure renegotiation" "$a" "$b"
  fi
  # DH: the group size of the TLS 1.0-1.2 DHE suites, per version (from
  # the cipher lines of the first run's report).
  b=$(sed -n 's/.*<cipher status="[a-z]*" sslversion="\(TLSv1\.[012]\)".* dhebits="\([0-9]*\)".*/\1 \2/p' \
        "$WORK/$name.sslscan-suites.xml" 2>/dev/null | sort -u)
  a=$(details "$name" audit/dh | sed -n 's/^\(TLSv1\.[012]\) [A-Z0-9_]*: DH group of \([0-9]*\) bits$/\1 \2/p' | sort -u)
  sbs_fact "$name" "DH group sizes" "$a" "$b"
  # Key-exchange groups, per version (TLS 1.3 ffdhe from audit/dh). sslscan
  # offers each TLS 1.2 group alone, which a server with an ECDSA
  # certificate must refuse unless it is the certificate's curve (RFC
  # 8422, 5.1); the audit offers the curve beside it. Each group only the
  # audit lists is shown by s_client offering the same pair.
  b=$(sed -n 's/.*<group sslversion="\([^"]*\)" bits="[0-9]*" name="\([^"]*\)".*/\1 \2/p' <<<"$xml" |
      sed 's/ secp256r1.*/ P-256/; s/ secp384r1.*/ P-384/; s/ secp521r1.*/ P-521/; s/ x25519$/ X25519/; s/ x448$/ X448/' | sort -u)
  a=$( { details "$name" audit/groups | sed -n 's/^accepted \(TLSv1\.[23]\) \(.*\)$/\1 \2/p'
         details "$name" audit/dh | sed -n 's/^\(TLSv1\.3\) \(ffdhe[0-9]*\): accepted.*/\1 \2/p'; } | sort -u)
  sbs_fact "$name" "key-exchange groups sslscan lists (all listed by the audit)" "" "$(comm -13 <(echo "$a") <(echo "$b"))"
  curve=$(details "$name" audit/cert-key | sed -n 's/^leaf EC-\(256\|384\|521\) .*/P-\1/p' | head -1)
  for g in $(comm -23 <(echo "$a") <(echo "$b") | sed -n 's/^TLSv1\.2 //p'); do
    check "$name: TLSv1.2 $g, missed by sslscan, is chosen by the server when s_client offers it beside ${curve:-nothing}" \
      grep -q "Server Temp Key: \(ECDH, \)\{0,1\}$(sed 's/^P-256$/prime256v1/; s/^P-384$/secp384r1/; s/^P-521$/secp521r1/' <<<"$g")" \
      <<<"$(s_client12 -groups "$g${curve:+:$curve}")"
  done
  check "$name: every TLS 1.3 group is listed by both" test \
    "$(grep '^TLSv1\.3' <<<"$a")" = "$(grep '^TLSv1\.3' <<<"$b")"
  # The certificate served by default (with SNI): key, signature, subject, expiry.
  local sig pk curve_name bits subject after
  sig=$(sed -n 's/.*<signature-algorithm>\(.*\)<\/signature-algorithm>.*/\1/p' <<<"$xml" | head -1)
  pk=$(sed -n 's/.*<pk error="false" type="\([A-Za-z0-9]*\)".*/\1/p' <<<"$xml" | head -1)
  curve_name=$(sed -n 's/.*<pk .* curve_name="\([^"]*\)".*/\1/p' <<<"$xml" | head -1)
  bits=$(sed -n 's/.*<pk .* bits="\([0-9]*\)".*/\1/p' <<<"$xml" | head -1)
  case $curve_name in prime256v1) bits=256 ;; secp384r1) bits=384 ;; secp521r1) bits=521 ;; esac
  subject=$(sed -n 's/.*<subject><!\[CDATA\[\(.*\)\]\]><\/subject>.*/\1/p' <<<"$xml" | head -1)
  after=$(sed -n 's/.*<not-valid-after>\(.*\)<\/not-valid-after>.*/\1/p' <<<"$xml" | head -1)
  b="leaf $pk-$bits CN=$subject; signed with $(sed 's/^ecdsa-with-\(SHA[0-9]*\)$/\L\1\EWithECDSA/; s/^\(sha[0-9]*\)WithRSAEncryption$/\1WithRSA/' <<<"$sig"); valid until $(date -u -d "$after" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null)"
  a="$(details "$name" audit/cert-key | sed -n 's/^leaf \([A-Za-z0-9]*-[0-9]*\) (.*\(CN=[^,)]*\).*/leaf \1 \2/p' | head -1); $(details "$name" audit/cert-signature | sed -n 's/^leaf signed with /signed with /p' | head -1); $(details "$name" audit/cert-validity | sed -n 's/^valid from [^ ]* until /valid until /p' | head -1)"
  sbs_fact "$name" "default certificate (key, subject, signature, expiry)" "$a" "$b"
  # Heartbleed and the fallback SCSV.
  b=$(grep -q '<heartbleed sslversion="[^"]*" vulnerable="1"' <<<"$xml" && echo vulnerable || echo "not vulnerable")
  a=$(details "$name" audit/vulnerabilities | sed -n 's/^HEARTBLEED (CVE-2014-0160): \(not vulnerable\|vulnerable\):.*/\1/p;
                                                     s/^Heartbleed, CCS injection: not probed (TLS 1.3 only: neither applies)$/not vulnerable/p')
  sbs_fact "$name" Heartbleed "$a" "$b"
  b=$(grep -A1 'TLS Fallback SCSV:' <<<"$text" | tail -1 | sed 's/^Server supports TLS Fallback SCSV$/honoured/; s/^Server does not support TLS Fallback SCSV$/not honoured/')
  if [ "$(jq -r '.results[] | select(.id == "audit/fallback-scsv") | .verdict' "$WORK/$name.json")" = SKIP ]; then
    # One version only: there is nothing to fall back to, whatever sslscan
    # concludes from its TLS 1.2 ClientHello being refused.
    check "$name: fallback SCSV moot (sslscan: $b), since TLS 1.2 is refused to s_client" \
      grep -q "Cipher is (NONE)\|alert protocol version" <<<"$(s_client12)"
  else
    a=$(observed "$name" audit/fallback-scsv | grep -q 'inappropriate_fallback' && echo honoured || echo "not honoured")
    sbs_fact "$name" "fallback SCSV" "$a" "$b"
  fi
}

# 1. Compliant nginx (Mozilla intermediate, stapling a valid response, the
#    pin of its own key): nothing to report under mozilla-intermediate.
if nginx_audit compliant; then
  audit compliant --profile mozilla-intermediate --pin "$VALID_PIN"
  echo "audit: one full audit of nginx took $AUDIT_MS ms ($(jq '.results | length' "$WORK/compliant.json") scenarios)"
  expect_findings compliant ""
  check "compliant: TLS 1.2 and 1.3 accepted" test "$(observed compliant audit/protocols)" = \
    "accepted: TLSv1.2, TLSv1.3; refused: SSLv2, SSLv3, TLSv1.0, TLSv1.1"
  check "compliant: the staple is found valid" grep -q "^valid OCSP response stapled" <<<"$(observed compliant audit/ocsp-stapling)"
  check "compliant: controls carry the profile's ids" has_control compliant audit/protocols mozilla:intermediate
  check "compliant: the CA names of the certificate request are listed" \
    has_detail compliant audit/client-auth "CA name listed: CN=mtlsprobe Test Root CA,O=mtlsprobe fixtures"
  check "compliant: HTTP/2 offered" grep -q "ALPN h2 selected" <<<"$(observed compliant audit/alpn-h2)"
  cross_check compliant
  # The same gateway under other profiles: NIST wants the server's cipher
  # order; Mozilla modern wants TLS 1.3 only.
  audit compliant-nist --profile nist-800-52r2 --pin "$VALID_PIN"
  expect_findings compliant-nist "audit/cipher-order FAIL"
  check "nist: the finding names the rule" grep -q "breaks nist-800-52r2 rule cipher_order" <<<"$(observed compliant-nist audit/cipher-order)"
  check "nist: control ids" has_control compliant-nist audit/protocols nist-800-52r2:3.1
  audit compliant-modern --profile mozilla-modern --pin "$VALID_PIN"
  expect_findings compliant-modern "$(printf 'audit/cipher-suites FAIL\naudit/protocols FAIL')"
  audit compliant-pci --profile pci-dss-4 --pin "$VALID_PIN"
  expect_findings compliant-pci ""
  check "pci: control ids" has_control compliant-pci audit/cert-validity pci-dss-4:4.2.1
  audit compliant-bsi --profile bsi-tr-02102-2 --pin "$VALID_PIN"
  # BSI recommends neither X25519 nor ffdhe2048 groups.
  expect_findings compliant-bsi "audit/groups FAIL"
  stop_gateway
fi

# 2. Not compliant: TLS 1.0 and 1.1 on (OpenSSL 3 needs @SECLEVEL=0), CBC
#    suites, client certificates optional, no staple, server cipher order,
#    no HSTS, an RSA-1024 certificate beside the ECDSA one and a 1024-bit
#    DH group.
openssl dhparam -out "$WORK/dh1024.pem" 1024 2>/dev/null || fail "openssl dhparam failed"
if nginx_audit weak --set "PROTOCOLS=TLSv1 TLSv1.1 TLSv1.2 TLSv1.3" --set "CIPHERS=$WEAK_CIPHERS" \
     --set VERIFY=optional --set PREFER=on \
     --set "EXTRA=ssl_certificate $FX/server/weak-rsa1024.chain.pem; ssl_certificate_key $FX/server/weak-rsa1024.key.pem; ssl_dhparam $WORK/dh1024.pem;"; then
  audit weak --profile mozilla-intermediate
  expect_findings weak "$(printf 'audit/cert-key FAIL\naudit/cipher-suites FAIL\naudit/client-auth FAIL\naudit/dh FAIL\naudit/http FAIL\naudit/pin SKIP\naudit/protocols FAIL\naudit/vulnerabilities FAIL')"
  check "weak: the RSA-1024 certificate is judged" grep -q "certificate for TLS 1.2 RSA suites, with SNI: leaf RSA-1024" \
    <<<"$(observed weak audit/cert-key)"
  check "weak: the RSA-1024 certificate's chain is checked too" has_detail_prefix weak audit/cert-chain \
    "certificate for TLS 1.2 RSA suites, with SNI: sent 1: CN=localhost"
  check "weak: the 1024-bit DH group is named" grep -q "TLSv1.2 DHE with a 1024-bit group" <<<"$(observed weak audit/dh)"
  check "weak: no HSTS is the HTTP finding" grep -q "no Strict-Transport-Security header" <<<"$(observed weak audit/http)"
  check "weak: LOGJAM, BEAST and LUCKY13 named, each with its CVE" test \
    "$(jq -r '[.results[] | select(.id == "audit/vulnerabilities") | .findings[] | "\(.id)=\(.cve[0])"] | join(" ")' "$WORK/weak.json")" = \
    "vulnerabilities/logjam=CVE-2015-4000 vulnerabilities/beast=CVE-2011-3389 vulnerabilities/lucky13=CVE-2013-0169"
  # Each finding at its calibrated severity (docs/scenarios.md, "Severities"),
  # and each FAIL at the worst of its findings'.
  sevs=$(jq -r '[.results[] | .findings[]? | "\(.id)=\(.severity)"] | join(" ")' "$WORK/weak.json")
  check "weak: the findings' severities (got $sevs)" test "$sevs" = "$(printf '%s ' \
    cert_key/rsa-size=high cipher_suites/cbc=low cipher_suites/null=critical cipher_suites/outside-allow=critical \
    client_auth/mode=high dh/group-size=high dh/group-size=high dh/group-size=high http/hsts=low \
    protocols/tlsv1.0=medium protocols/tlsv1.1=medium vulnerabilities/logjam=high vulnerabilities/beast=low \
    vulnerabilities/lucky13=low | sed 's/ $//')"
  sevs=$(jq -r '[.results[] | select(.verdict == "FAIL") | "\(.id)=\(.severity)"] | join(" ")' "$WORK/weak.json")
  check "weak: the FAILs' severities (got $sevs)" test "$sevs" = "$(printf '%s ' \
    audit/cert-key=high audit/cipher-suites=critical audit/client-auth=high audit/dh=high audit/http=low \
    audit/protocols=medium audit/vulnerabilities=high | sed 's/ $//')"
  check "weak: Heartbleed probed" has_detail_prefix weak audit/vulnerabilities "HEARTBLEED (CVE-2014-0160): not vulnerable: no heartbeat extension"
  check "weak: CCS injection probed" has_detail weak audit/vulnerabilities \
    "CCS INJECTION (CVE-2014-0224): not vulnerable: an early ChangeCipherSpec was refused (alert unexpected_message)"
  check "weak: TLS 1.0 named" grep -q "TLSv1.0 accepted" <<<"$(observed weak audit/protocols)"
  check "weak: CBC named" grep -q "cbc suites accepted: .*TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA" \
    <<<"$(jq -r '.results[] | select(.id == "audit/cipher-suites") | .details[]' "$WORK/weak.json")"
  check "weak: NULL named" grep -q "null suites accepted: TLS_ECDHE_ECDSA_WITH_NULL_SHA" <<<"$(observed weak audit/cipher-suites)"
  check "weak: a suite wolfSSL lacks, by ClientHello" \
    has_detail weak audit/cipher-suites "accepted TLSv1.2 TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256 (ECDHE-ECDSA-CAMELLIA128-SHA256) [cbc]"
  check "weak: mode optional" grep -q "mode optional" <<<"$(observed weak audit/client-auth)"
  check "weak: the server order is read out" has_detail weak audit/cipher-order "TLSv1.2 preference 1 TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"
  cross_check weak
  # Stapling required by NIST, and absent here.
  audit weak-nist --profile nist-800-52r2
  check "weak-nist: no staple is a finding" grep -q "no OCSP response stapled" <<<"$(observed weak-nist audit/ocsp-stapling)"
  stop_gateway
fi

# 2b. Apache httpd, weak the same way: TLS 1.0 and 1.1, CBC and DHE suites,
#     ECDSA and RSA-1024 certificates side by side, a 1024-bit DH group,
#     optional client certificates, the full version banner, no HSTS.
#     sslscan is asked without a client certificate (the gateway does not
#     require one): with one, it loses every TLS 1.0-1.2 suite against
#     Apache, while openssl s_client, like mtlsprobe, gets them.
chmod 644 "$WORK/dh1024.pem"
if start_gateway apache2 audit-weak.conf.in "$FX" --set "DHPARAM=$WORK/dh1024.pem"; then
  PORT=$GW_PORT
  audit apache-weak --profile mozilla-intermediate
  echo "audit: one full audit of Apache httpd (weak) took $AUDIT_MS ms"
  expect_findings apache-weak "$(printf 'audit/cert-key FAIL\naudit/cipher-suites FAIL\naudit/client-auth FAIL\naudit/dh FAIL\naudit/groups FAIL\naudit/http FAIL\naudit/pin SKIP\naudit/protocols FAIL\naudit/vulnerabilities FAIL')"
  check "apache-weak: the RSA-1024 certificate is judged" grep -q "certificate for TLS 1.2 RSA suites, with SNI: leaf RSA-1024" \
    <<<"$(observed apache-weak audit/cert-key)"
  check "apache-weak: the 1024-bit DH group is named" grep -q "TLSv1.2 DHE with a 1024-bit group" <<<"$(observed apache-weak audit/dh)"
  check "apache-weak: the banner's version is seen" has_detail_prefix apache-weak audit/http "Server: Apache/2"
  SSLSCAN_NO_CERT=1 cross_check apache-weak
  check "apache-weak: s_client gets a TLS 1.0 CBC suite" grep -q "Cipher is ECDHE-ECDSA-AES128-SHA" \
    <<<"$(echo | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -tls1 -cipher 'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0' 2>&1)"
  stop_gateway
else
  fail "apache2 (weak) did not start"
fi

# 3. A staple for another certificate: present but not valid for the leaf.
if nginx_audit wrong-staple --set "EXTRA=ssl_stapling on; ssl_stapling_file $WORK/other.ocsp.der;"; then
  audit wrong-staple --pin "$VALID_PIN"
  expect_findings wrong-staple "audit/ocsp-stapling FAIL"
  stop_gateway
fi

# 4. Bad server certificates, one at a time, under the baseline profile,
#    pinning the intermediate CA (any certificate of the chain may match).
#    Each gives exactly its own finding; a staple cannot be checked on a
#    chain that does not verify, which is a SKIP, not a PASS.
cert_case() { # cert_case FIXTURE PIN EXPECTED [--set ...]
  local fixture=$1 pin=$2 want=$3 name; shift 3
  name=cert-$(basename "$fixture")
  nginx_audit "$name" --set "SERVER=$fixture" --set EXTRA= "$@" || return
  audit "$name" --pin "$pin"
  expect_findings "$name" "$want"
  stop_gateway
}
unverified="audit/ocsp-stapling SKIP"
cert_case server/expired "$CA_PIN" "$(printf 'audit/cert-validity FAIL\n%s' "$unverified")"
cert_case server/not-yet-valid "$CA_PIN" "$(printf 'audit/cert-validity FAIL\n%s' "$unverified")"
cert_case server/wrong-san "$CA_PIN" "audit/cert-hostname FAIL"
cert_case server/sha1 "$CA_PIN" "audit/cert-signature FAIL" --set "CIPHERS=$MOZ_CIPHERS:@SECLEVEL=0"
cert_case server/weak-rsa1024 "$CA_PIN" "audit/cert-key FAIL" --set "CIPHERS=$MOZ_CIPHERS:@SECLEVEL=0"
cert_case server/long-lived "$CA_PIN" "audit/cert-lifespan FAIL"
cert_case server/no-server-eku "$CA_PIN" "$(printf 'audit/cert-eku FAIL\n%s' "$unverified")"
cert_case server/pin-mismatch "$VALID_PIN" "audit/pin FAIL"
cert_case server/untrusted "sha256/$(mf server/untrusted spki_sha256)" "$(printf 'audit/cert-chain SKIP\naudit/cert-trust FAIL\n%s' "$unverified")"
check "expired: days given" grep -q "expired .* (1 days ago)" <<<"$(observed cert-expired audit/cert-validity)"
check "pin-mismatch: the served pin is named" grep -q "no certificate matches; served sha256/$(mf server/pin-mismatch spki_sha256)" \
  <<<"$(observed cert-pin-mismatch audit/pin)"

# 5. --expiry-warn: server/valid has 90 days left.
if nginx_audit expiry --set EXTRA=; then
  audit expiry-warn --pin "$VALID_PIN" --expiry-warn 100d
  expect_findings expiry-warn "audit/cert-validity FAIL"
  check "expiry-warn: the window is named" grep -q "within 100 days" <<<"$(observed expiry-warn audit/cert-validity)"
  stop_gateway
fi

# 6. TLS 1.3 early data on: BSI TR-02102-2 and NIST ask for it off. A
#    request is sent as 0-RTT data on a resumed connection; nginx takes it.
if nginx_audit early-data --set "EXTRA=ssl_early_data on;"; then
  audit early-data --profile bsi-tr-02102-2 --only audit/early-data
  expect_findings early-data "audit/early-data FAIL"
  check "early-data: 0-RTT data sent and accepted" grep -q "request sent as 0-RTT data was accepted (tickets allow 16384 bytes)" \
    <<<"$(observed early-data audit/early-data)"
  check "early-data: nginx answered the 0-RTT request" has_detail early-data audit/early-data "answer on the 0-RTT connection: HTTP 200"
  # nginx documents that requests sent as early data are subject to
  # replay: the replayed request is taken again.
  check "early-data: nginx takes the replay too" has_detail early-data audit/early-data \
    "replay of the same 60-byte 0-RTT request on the same ticket: accepted (resumed)"
  check "early-data: the replay is a finding" test \
    "$(jq -r '[.results[0].findings[] | .id] | join(" ")' "$WORK/early-data.json")" = "early_data/replay early_data/accepted"
  stop_gateway
fi

# 6b. openssl s_server advertising early data in its tickets
#     (-max_early_data) without reading it: sent, rejected, no finding
#     (judging from the ticket alone would say accepted). Then one that
#     reads it (-early_data, which s_server cannot combine with -www): the
#     server prints the request it received as early data.
PORT=$(free_port)
openssl s_server -accept "127.0.0.1:$PORT" -cert "$FX/server/valid.chain.pem" -key "$FX/server/valid.key.pem" \
  -max_early_data 16384 -www -quiet >"$WORK/s_server-ed.out" 2>&1 &
SPID=$!
cleanup_hooks+=("kill $SPID 2>/dev/null")
if wait_port "$PORT"; then
  audit ed-rejected --profile nist-800-52r2 --only audit/early-data
  expect_findings ed-rejected ""
  check "ed-rejected: advertised but rejected when sent" grep -q "early data advertised (tickets allow 16384 bytes) but rejected when sent" \
    <<<"$(observed ed-rejected audit/early-data)"
else
  fail "openssl s_server (early data advertised) did not start"
fi
kill "$SPID" 2>/dev/null
PORT=$(free_port)
openssl s_server -accept "127.0.0.1:$PORT" -cert "$FX/server/valid.chain.pem" -key "$FX/server/valid.key.pem" \
  -early_data -quiet >"$WORK/s_server-ed2.out" 2>&1 &
SPID=$!
cleanup_hooks+=("kill $SPID 2>/dev/null")
if wait_port "$PORT"; then
  audit ed-read --profile nist-800-52r2 --only audit/early-data --timeout 2s
  expect_findings ed-read "audit/early-data FAIL"
  check "ed-read: the server read the 0-RTT request" grep -q "^GET / HTTP/1.1" "$WORK/s_server-ed2.out"
  # Its anti-replay protection (single-use tickets) refuses the replay:
  # the server printed the request once.
  check "ed-read: the replay is refused" has_detail ed-read audit/early-data \
    "replay of the same 60-byte 0-RTT request on the same ticket: rejected (not resumed)"
  check "ed-read: s_server read the request once" test "$(grep -c '^GET / HTTP/1.1' "$WORK/s_server-ed2.out")" = 1
else
  fail "openssl s_server (early data read) did not start"
fi
kill "$SPID" 2>/dev/null

# 6c. The same s_server without anti-replay protection (-no_anti_replay):
#     the replayed 0-RTT request is taken a second time, as the server's
#     own output shows (it printed the request twice).
PORT=$(free_port)
openssl s_server -accept "127.0.0.1:$PORT" -cert "$FX/server/valid.chain.pem" -key "$FX/server/valid.key.pem" \
  -early_data -no_anti_replay -quiet >"$WORK/s_server-ed3.out" 2>&1 &
SPID=$!
cleanup_hooks+=("kill $SPID 2>/dev/null")
if wait_port "$PORT"; then
  audit ed-replay --profile nist-800-52r2 --only audit/early-data --timeout 2s
  expect_findings ed-replay "audit/early-data FAIL"
  check "ed-replay: the replay is the finding, beside the early data itself" test \
    "$(jq -r '[.results[0].findings[] | .id] | join(" ")' "$WORK/ed-replay.json")" = "early_data/replay early_data/accepted"
  check "ed-replay: accepted twice" has_detail ed-replay audit/early-data \
    "replay of the same 60-byte 0-RTT request on the same ticket: accepted (resumed)"
  check "ed-replay: s_server read the request twice" test "$(grep -c '^GET / HTTP/1.1' "$WORK/s_server-ed3.out")" = 2
else
  fail "openssl s_server (early data without anti-replay) did not start"
fi
kill "$SPID" 2>/dev/null

# 6d. The HTTP layer: nginx compressing its answers (gzip on) on a path
#     that reflects the query string next to a token and sets three
#     cookies, one without any flag, one Secure only, one with all three.
if nginx_audit http-weak --set 'EXTRA=add_header Strict-Transport-Security max-age=63072000 always; gzip on; gzip_types text/plain; gzip_min_length 1; location /account { add_header Set-Cookie "session=s3cr3t; Path=/" always; add_header Set-Cookie "theme=dark; Path=/; Secure" always; add_header Set-Cookie "csrf=abc; Path=/; Secure; HttpOnly; SameSite=Strict" always; return 200 "q=$arg_q token=s3cr3t\n"; }'; then
  http_audit() { # http_audit NAME PATH PROFILE
    "$MTLSPROBE" run --target "https://localhost:$PORT$2" --connect-to "127.0.0.1:$PORT" --fixtures "$FX" \
      --suite audit --only audit/http --profile "$3" --json "$WORK/$1.json" -q >"$WORK/$1.out" 2>&1
  }
  http_findings() { jq -r '[.results[0].findings[] | "\(.id)=\((.cve // [])[0] // (.cwe // [])[0])[\(.items // [] | join(","))]"] | join(" ")' "$WORK/$1.json"; }
  http_audit http-moz /account mozilla-intermediate
  check "http: under Mozilla's profile, no HSTS (the location sets its own headers), BREACH and each missing cookie flag" test \
    "$(http_findings http-moz)" = \
    "http/hsts=CWE-319[] http/breach-reflected=CVE-2013-3587[] http/cookie-secure=CWE-614[session] http/cookie-httponly=CWE-1004[session,theme] http/cookie-samesite=CWE-1275[session,theme]"
  check "http: the reflection is seen" has_detail http-moz audit/http \
    "BREACH (CVE-2013-3587): response compressed (Content-Encoding: gzip); it reflects the query string (a marker sent in ?q= came back in the body)"
  check "http: each cookie's flags" test "$(details http-moz audit/http | grep '^cookie ')" = \
    "$(printf 'cookie session lacks Secure, HttpOnly, SameSite\ncookie theme lacks HttpOnly, SameSite\ncookie csrf: Secure, HttpOnly, SameSite')"
  http_audit http-base /account baseline
  check "http: the baseline asks for Secure cookies and no reflected compression only" test \
    "$(http_findings http-base)" = "http/breach-reflected=CVE-2013-3587[] http/cookie-secure=CWE-614[session]"
  # Compressed but not reflecting: no BREACH finding, and it is said why.
  http_audit http-root / baseline
  check "http: compressed without reflection is no finding" test "$(jq '.results[0].findings | length' "$WORK/http-root.json")" = 0
  check "http: ... and the details say so" has_detail http-root audit/http \
    "BREACH (CVE-2013-3587): response compressed (Content-Encoding: gzip); the query string is not reflected (a marker sent in ?q= did not come back)"
  check "http: curl sees the same compressed, reflecting answer" grep -q "^q=zz token=s3cr3t" \
    <<<"$(curl -sk --cert "$FX/client/valid.chain.pem" --key "$FX/client/valid.key.pem" --compressed -H 'Accept-Encoding: gzip' \
            "https://127.0.0.1:$PORT/account?q=zz")"
  check "http: curl sees the same cookies" test "$(curl -sk --cert "$FX/client/valid.chain.pem" --key "$FX/client/valid.key.pem" -o /dev/null -D - \
          "https://127.0.0.1:$PORT/account" | grep -ci '^set-cookie:')" = 3
  stop_gateway
fi

# 7. HAProxy, compliant with Mozilla intermediate, and checked by sslscan.
cat "$FX/trust-bundle.pem" "$FX/ca/intermediate.cert.pem" > "$WORK/client-cas.pem"
if start_gateway haproxy audit.cfg.in "$FX" --set "CLIENT_CAS=$WORK/client-cas.pem"; then
  PORT=$GW_PORT
  audit haproxy --profile mozilla-intermediate --pin "$VALID_PIN"
  expect_findings haproxy ""
  cross_check haproxy
  stop_gateway
else
  fail "haproxy did not start"
fi

# 8. A server that lets the client renegotiate: OpenSSL's own s_server with
#    -client_renegotiation (OpenSSL 3 refuses it by default, as nginx does).
PORT=$(free_port)
openssl s_server -accept "127.0.0.1:$PORT" -cert "$FX/server/valid.chain.pem" \
  -key "$FX/server/valid.key.pem" -www -quiet -client_renegotiation >"$WORK/s_server.out" 2>&1 &
SPID=$!
cleanup_hooks+=("kill $SPID 2>/dev/null")
if wait_port "$PORT"; then
  audit reneg --only audit/renegotiation
  expect_findings reneg "audit/renegotiation FAIL"
  check "reneg: completed is the finding" grep -q "client-initiated renegotiation completed by the server" \
    <<<"$(observed reneg audit/renegotiation)"
  check "reneg: a client without RFC 5746 is refused (the alert decrypted)" has_detail reneg audit/renegotiation \
    "client-initiated renegotiation without RFC 5746: refused with alert no_renegotiation (the server answered with an alert)"
  check "reneg: the secure renegotiation is asked by the hand-built client (no second handshake finished)" \
    has_detail reneg audit/renegotiation \
    "client-initiated renegotiation: completed by the server (it answered a second ClientHello with a handshake)"
  # The whole audit, side by side with sslscan. s_server -www sleeps a
  # second after every renegotiation it handles (it reads with
  # SSL_MODE_AUTO_RETRY off): one sleep is left here, for the refused
  # renegotiation without RFC 5746.
  audit reneg-full
  echo "audit: one full audit of openssl s_server (-client_renegotiation) took $AUDIT_MS ms"
  cross_check reneg-full
else
  fail "openssl s_server did not start"
fi
kill "$SPID" 2>/dev/null

# 8a. The same with -legacy_renegotiation: OpenSSL then lets a client
#     without RFC 5746 renegotiate too, and the hand-built handshake does.
PORT=$(free_port)
openssl s_server -accept "127.0.0.1:$PORT" -cert "$FX/server/valid.chain.pem" -key "$FX/server/valid.key.pem" \
  -www -quiet -client_renegotiation -legacy_renegotiation >"$WORK/s_server-legacy-reneg.out" 2>&1 &
SPID=$!
cleanup_hooks+=("kill $SPID 2>/dev/null")
if wait_port "$PORT"; then
  audit legacy-reneg --only audit/renegotiation
  expect_findings legacy-reneg "audit/renegotiation FAIL"
  check "legacy-reneg: a client without RFC 5746 renegotiated" grep -q \
    "a client without RFC 5746 renegotiated (insecure renegotiation completed by the server)" \
    <<<"$(observed legacy-reneg audit/renegotiation)"
  audit legacy-reneg-full
  echo "audit: one full audit of openssl s_server (-legacy_renegotiation) took $AUDIT_MS ms"
  cross_check legacy-reneg-full
else
  fail "openssl s_server (legacy renegotiation) did not start"
fi
kill "$SPID" 2>/dev/null

# 8b. openssl s_server with two certificates (ECDSA P-256 and RSA-1024), a
#     1024-bit DH group, every suite at @SECLEVEL=0 and its own order; it
#     serves one connection at a time, so a probe that held a connection
#     open while making another would stall the audit.
PORT=$(free_port)
openssl s_server -accept "127.0.0.1:$PORT" -cert "$FX/server/valid.chain.pem" -key "$FX/server/valid.key.pem" \
  -dcert "$FX/server/weak-rsa1024.chain.pem" -dkey "$FX/server/weak-rsa1024.key.pem" \
  -dhparam "$WORK/dh1024.pem" -cipher 'ALL:@SECLEVEL=0' -serverpref -www -quiet >"$WORK/s_server2.out" 2>&1 &
SPID=$!
cleanup_hooks+=("kill $SPID 2>/dev/null")
if wait_port "$PORT"; then
  audit dual --profile pci-dss-4
  echo "audit: one full audit of openssl s_server (dual certificates) took $AUDIT_MS ms"
  expect_findings dual "$(printf 'audit/cert-chain SKIP\naudit/cert-key FAIL\naudit/cert-trust FAIL\naudit/cipher-suites FAIL\naudit/client-auth FAIL\naudit/dh FAIL\naudit/ocsp-stapling SKIP\naudit/pin SKIP\naudit/protocols FAIL\naudit/vulnerabilities FAIL')"
  check "dual: the RSA-1024 certificate is found" grep -q "certificate for TLS 1.2 RSA suites, with SNI: leaf RSA-1024" <<<"$(observed dual audit/cert-key)"
  check "dual: the RSA-1024 chain is verified too" grep -q "certificate for TLS 1.2 RSA suites, with SNI: chain does not verify" \
    <<<"$(observed dual audit/cert-trust)"
  check "dual: TLS 1.3 ffdhe groups are judged" has_detail dual audit/dh "TLSv1.3 ffdhe2048: accepted (HelloRetryRequest)"
  check "dual: the 1024-bit DH group is named" grep -q "TLSv1.2 DHE with a 1024-bit group" <<<"$(observed dual audit/dh)"
  check "dual: a structured DH finding with its CVE" \
    test "$(jq -r '.results[] | select(.id == "audit/dh") | .findings[0] | "\(.id) \(.cve[0]) \(.controls[0])"' "$WORK/dual.json")" = \
    "dh/group-size CVE-2015-4000 pci-dss-4:4.2.1"
  check "dual: SSLv3 and SSLv2 probed and refused" has_detail dual audit/protocols "SSLv3 refused (alert handshake_failure)"
  check "dual: anonymous suites named" grep -q "anon suites accepted: TLS_DH_anon_" <<<"$(observed dual audit/cipher-suites)"
  check "dual: the server order covers suites wolfSSL lacks" has_detail dual audit/cipher-order \
    "TLSv1.2 preference 11 TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384"
  check "dual: every accepted suite is in the details" \
    test "$(jq '[.results[] | select(.id == "audit/cipher-suites") | .details[] | select(startswith("accepted "))] | length' "$WORK/dual.json")" -gt 96
  # Under Mozilla intermediate the list of forbidden suites outgrows the
  # verdict line: it is cut with a note, and kept whole in the details.
  audit dual-moz --profile mozilla-intermediate --only audit/cipher-suites
  check "dual: a cut verdict line says so" grep -q "more characters: see details\]$" <<<"$(observed dual-moz audit/cipher-suites)"
  check "dual: the cut line is whole in the details" has_detail_prefix dual-moz audit/cipher-suites "observed (whole): "
  check "dual: ROBOT's first step ran: 5 ClientKeyExchange variants, one answer" has_detail dual audit/vulnerabilities \
    "ROBOT (CVE-2017-13099): not vulnerable: the 5 ClientKeyExchange variants got the same answer (TLS_RSA_WITH_AES_256_GCM_SHA384 with a 1024-bit RSA key; correct: alert bad_record_mac (20), then closed; bad prefix 41 17: alert bad_record_mac (20), then closed; 00 separator misplaced: alert bad_record_mac (20), then closed; no 00 separator: alert bad_record_mac (20), then closed; premaster version 02 02: alert bad_record_mac (20), then closed)"
  check "dual: what ROBOT's probe did not try is said" has_detail_prefix dual audit/vulnerabilities \
    "ROBOT (CVE-2017-13099): tried: the RSA key exchange suites offered alone, then 5 connections"
  check "dual: Ticketbleed probed: a ticket resumed with a 1-byte session id, 1 byte echoed" grep -q \
    "^TICKETBLEED (CVE-2016-9244): not vulnerable: a [0-9]*-byte ticket resumed the session with the 1-byte session id 5a, and the ServerHello echoed 1 byte (5a)$" \
    <<<"$(jq -r '.results[] | select(.id == "audit/vulnerabilities") | .details[]' "$WORK/dual.json")"
  cross_check dual
  check "dual: no probe stalls (client-auth under 5 s)" \
    test "$(jq '.results[] | select(.id == "audit/client-auth") | .duration_ms < 5000' "$WORK/dual.json")" = true
else
  fail "openssl s_server (dual certificates) did not start"
fi
kill "$SPID" 2>/dev/null

# 8c. GnuTLS's gnutls-serv with RC4 and 3DES on and RFC 5746 off. It binds
#     every address (it has no option for one); only loopback talks to it.
#     The server completes a client-initiated renegotiation from a client
#     without RFC 5746: mtlsprobe's hand-built handshake does it, and
#     gnutls-cli, asked the same, agrees.
if command -v gnutls-serv >/dev/null; then
  PORT=$(free_port)
  gnutls-serv --port "$PORT" --x509certfile "$FX/server/valid.chain.pem" --x509keyfile "$FX/server/valid.key.pem" \
    --priority 'NORMAL:+ARCFOUR-128:+3DES-CBC:%DISABLE_SAFE_RENEGOTIATION' --http >"$WORK/gnutls.out" 2>&1 &
  GPID=$!
  cleanup_hooks+=("kill $GPID 2>/dev/null")
  if wait_port "$PORT"; then
    audit gnutls --profile pci-dss-4
    echo "audit: one full audit of gnutls-serv took $AUDIT_MS ms"
    expect_findings gnutls "$(printf 'audit/cipher-suites FAIL\naudit/client-auth FAIL\naudit/pin SKIP\naudit/protocols FAIL\naudit/renegotiation FAIL\naudit/vulnerabilities FAIL')"
    check "gnutls: RC4 and 3DES named" grep -q "3des suites accepted: TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA; rc4 suites accepted: TLS_ECDHE_ECDSA_WITH_RC4_128_SHA" \
      <<<"$(observed gnutls audit/cipher-suites)"
    check "gnutls: insecure renegotiation accepted, no RFC 5746, client-initiated: the findings, with the CVE" test \
      "$(jq -r '[.results[] | select(.id == "audit/renegotiation") | .findings[] | "\(.id)=\(.cve[0] // "-")"] | join(" ")' "$WORK/gnutls.json")" = \
      "renegotiation/insecure-accepted=CVE-2009-3555 renegotiation/insecure=CVE-2009-3555 renegotiation/client-initiated=-"
    check "gnutls: the renegotiation without RFC 5746 completed" has_detail gnutls audit/renegotiation \
      "client-initiated renegotiation without RFC 5746: completed by the server"
    check "gnutls: SWEET32 and RC4 named" test \
      "$(jq -r '[.results[] | select(.id == "audit/vulnerabilities") | .findings[] | .id] | join(" ")' "$WORK/gnutls.json")" = \
      "vulnerabilities/sweet32 vulnerabilities/beast vulnerabilities/lucky13 vulnerabilities/rc4"
    check "gnutls: SSLv3 refused (GnuTLS is built without it)" has_detail gnutls audit/protocols "SSLv3 refused (alert protocol_version)"
    # sslscan disagrees here: its OpenSSL refuses a server without RFC 5746
    # ("unsafe legacy renegotiation disabled"), so it lists only the suites
    # it asks by its own ClientHello. openssl s_client with
    # -legacy_server_connect shows mtlsprobe is right.
    check "gnutls: an AEAD suite sslscan misses, confirmed by s_client" grep -q "Cipher is ECDHE-ECDSA-AES128-GCM-SHA256" \
      <<<"$(echo | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -tls1_2 -legacy_server_connect \
              -cipher ECDHE-ECDSA-AES128-GCM-SHA256 2>&1)"
    check "gnutls: mtlsprobe lists that suite" grep -qx "TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" <<<"$(ours gnutls)"
    check "gnutls: no RSA key exchange, so ROBOT does not apply" has_detail_prefix gnutls audit/vulnerabilities \
      "ROBOT (CVE-2017-13099): not vulnerable: RSA key exchange not possible:"
    SBS_NAME=gnutls theirs >/dev/null
    side_by_side gnutls
    if command -v gnutls-cli >/dev/null; then
      check "gnutls: a client without RFC 5746 renegotiates (gnutls-cli)" grep -q "ReHandshake was completed" \
        <<<"$(timeout 10 gnutls-cli --priority 'NORMAL:%DISABLE_SAFE_RENEGOTIATION' --insecure --rehandshake \
                -p "$PORT" localhost </dev/null 2>&1)"
    fi
  else
    fail "gnutls-serv did not start"
  fi
  kill "$GPID" 2>/dev/null
else
  fail "gnutls-serv is not installed (scripts/setup installs gnutls-bin)"
fi

# 8d. A TLS 1.3-only server that requires a client certificate from the
#     fixtures' root: the CA names of its (encrypted) CertificateRequest
#     are read, and its certificate is found by TLS 1.3 handshakes.
PORT=$(free_port)
openssl s_server -accept "127.0.0.1:$PORT" -cert "$FX/server/valid.cert.pem" -key "$FX/server/valid.key.pem" \
  -cert_chain "$FX/ca/intermediate.cert.pem" -tls1_3 -Verify 2 -CAfile "$FX/ca/root.cert.pem" \
  -www -quiet >"$WORK/s_server13.out" 2>&1 &
SPID=$!
cleanup_hooks+=("kill $SPID 2>/dev/null")
if wait_port "$PORT"; then
  audit tls13 --only 'audit/client-auth' --only 'audit/cert-key' --only 'audit/dh'
  check "tls13: the CA name of a TLS 1.3 CertificateRequest" has_detail tls13 audit/client-auth \
    "CA name listed: CN=mtlsprobe Test Root CA, O=mtlsprobe fixtures"
  check "tls13: the certificate is found by TLS 1.3 handshakes" has_detail_prefix tls13 audit/cert-key "leaf EC-256"
  check "tls13: ffdhe groups probed" has_detail tls13 audit/dh "TLSv1.3 ffdhe4096: accepted (HelloRetryRequest)"
  audit tls13-full
  echo "audit: one full audit of openssl s_server (TLS 1.3 only) took $AUDIT_MS ms"
  cross_check tls13-full
else
  fail "openssl s_server (TLS 1.3 only) did not start"
fi
kill "$SPID" 2>/dev/null

# 8e. POODLE and DROWN need a server with SSL 3.0 or 2.0, which no Debian
#     package provides (OpenSSL and GnuTLS are built without them): the
#     verdicts are checked by running audit/vulnerabilities with its
#     ClientHello probes answered as such a server would
#     (tests/integration/scenarios/legacy-server.lua.in).
PORT=$(free_port)
openssl s_server -accept "127.0.0.1:$PORT" -cert "$FX/server/valid.chain.pem" -key "$FX/server/valid.key.pem" \
  -www -quiet >"$WORK/s_server-legacy.out" 2>&1 &
SPID=$!
cleanup_hooks+=("kill $SPID 2>/dev/null")
if wait_port "$PORT"; then
  awk -v f="$(dirname "$0")/../../scenarios/audit/vulnerabilities.lua" \
    '/^@VULNERABILITIES@$/ { while ((getline line < f) > 0) print line; next } { print }' \
    "$(dirname "$0")/scenarios/legacy-server.lua.in" > "$WORK/legacy-server.lua"
  "$MTLSPROBE" run --target "https://localhost:$PORT/" --connect-to "127.0.0.1:$PORT" --fixtures "$FX" \
    --profile pci-dss-4 --json "$WORK/legacy.json" -q "$WORK/legacy-server.lua" >"$WORK/legacy.out" 2>&1
  check "legacy: POODLE and DROWN named with their CVEs" test \
    "$(jq -r '[.results[0].findings[] | select(.id == "vulnerabilities/poodle" or .id == "vulnerabilities/drown") | "\(.id)=\(.cve[0])"] | join(" ")' "$WORK/legacy.json")" = \
    "vulnerabilities/poodle=CVE-2014-3566 vulnerabilities/drown=CVE-2016-0800"
  check "legacy: FREAK, LOGJAM (export), SWEET32 and RC4 too" test \
    "$(jq '[.results[0].findings[] | .id] | length' "$WORK/legacy.json")" = 8
else
  fail "openssl s_server (legacy scenario) did not start"
fi
kill "$SPID" 2>/dev/null

# 8f. openssl s_server with a leaf that names its CRL, OCSP responder and
#     issuer and promises stapling (must-staple), stapling a response that
#     says it is revoked.
openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/rv.key" 2>/dev/null &&
  openssl req -new -key "$WORK/rv.key" -subj "/CN=localhost" -out "$WORK/rv.csr" 2>/dev/null &&
  printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\ncrlDistributionPoints=URI:http://crl.example.test/int.crl\nauthorityInfoAccess=OCSP;URI:http://ocsp.example.test/,caIssuers;URI:http://ca.example.test/int.crt\ntlsfeature=status_request\n' \
    >"$WORK/rv.ext" &&
  openssl x509 -req -in "$WORK/rv.csr" -CA "$FX/ca/intermediate.cert.pem" -CAkey "$FX/ca/intermediate.key.pem" \
    -CAcreateserial -days 30 -extfile "$WORK/rv.ext" -out "$WORK/rv.crt" 2>/dev/null || fail "openssl could not make the must-staple leaf"
mkdir -p "$WORK/ocsp-revoked"
printf 'R\t%s\t%s\t%s\tunknown\t/CN=localhost\n' "$(date -u -d '+1 year' +%y%m%d%H%M%SZ)" "$(date -u -d '-1 day' +%y%m%d%H%M%SZ)" \
  "$(openssl x509 -in "$WORK/rv.crt" -noout -serial | cut -d= -f2)" > "$WORK/ocsp-revoked/index.txt"
openssl ocsp -issuer "$FX/ca/intermediate.cert.pem" -cert "$WORK/rv.crt" -no_nonce -reqout "$WORK/ocsp-revoked/req.der" >/dev/null 2>&1 &&
  openssl ocsp -index "$WORK/ocsp-revoked/index.txt" -rsigner "$FX/ca/ocsp-signer.cert.pem" -rkey "$FX/ca/ocsp-signer.key.pem" \
    -CA "$FX/ca/intermediate.cert.pem" -reqin "$WORK/ocsp-revoked/req.der" -respout "$WORK/revoked.ocsp.der" -ndays 7 >/dev/null 2>&1 ||
  fail "openssl ocsp could not make a revoked staple"
PORT=$(free_port)
openssl s_server -accept "127.0.0.1:$PORT" -cert "$WORK/rv.crt" -key "$WORK/rv.key" -cert_chain "$FX/ca/intermediate.cert.pem" \
  -status_file "$WORK/revoked.ocsp.der" -www -quiet >"$WORK/s_server-revoked.out" 2>&1 &
SPID=$!
cleanup_hooks+=("kill $SPID 2>/dev/null")
if wait_port "$PORT"; then
  audit revoked --only audit/cert-revocation --only audit/ocsp-stapling
  expect_findings revoked "audit/ocsp-stapling FAIL"
  check "revoked: the staple says revoked" grep -q "not valid for the leaf: OCSP Cert revoked" <<<"$(observed revoked audit/ocsp-stapling)"
  check "revoked: CRL, OCSP, issuer URLs and must-staple read" has_detail revoked audit/cert-revocation \
    "leaf CN=localhost: CRL http://crl.example.test/int.crl; OCSP http://ocsp.example.test/; CA issuers http://ca.example.test/int.crt; must-staple yes; SCTs no"
  audit revoked-full
  echo "audit: one full audit of openssl s_server (revoked staple) took $AUDIT_MS ms"
  cross_check revoked-full
else
  fail "openssl s_server (revoked staple) did not start"
fi
kill "$SPID" 2>/dev/null

# 8g. openssl s_server with an ECDSA certificate and an Ed25519 one that
#     expires in 20 days: the Ed25519 certificate is found by a handshake
#     offering only Ed25519 signatures, and every certificate check runs on
#     it (here the expiry warning fires on it alone).
openssl genpkey -algorithm ed25519 -out "$WORK/ed.key" 2>/dev/null &&
  openssl req -new -key "$WORK/ed.key" -subj "/CN=localhost/O=ed25519" -out "$WORK/ed.csr" 2>/dev/null &&
  printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$WORK/ed.ext" &&
  openssl x509 -req -in "$WORK/ed.csr" -CA "$FX/ca/intermediate.cert.pem" -CAkey "$FX/ca/intermediate.key.pem" \
    -CAcreateserial -days 20 -extfile "$WORK/ed.ext" -out "$WORK/ed.crt" 2>/dev/null || fail "openssl could not make an Ed25519 leaf"
PORT=$(free_port)
openssl s_server -accept "127.0.0.1:$PORT" -cert "$FX/server/valid.cert.pem" -key "$FX/server/valid.key.pem" \
  -cert_chain "$FX/ca/intermediate.cert.pem" -dcert "$WORK/ed.crt" -dkey "$WORK/ed.key" \
  -dcert_chain "$FX/ca/intermediate.cert.pem" -www -quiet >"$WORK/s_server-ed25519.out" 2>&1 &
SPID=$!
cleanup_hooks+=("kill $SPID 2>/dev/null")
if wait_port "$PORT"; then
  audit ed25519 --only 'audit/cert-*'
  expect_findings ed25519 "audit/cert-validity FAIL"
  check "ed25519: the Ed25519 certificate is served and judged" has_detail ed25519 audit/cert-key \
    "certificate for Ed25519 signatures only, with SNI: leaf Ed25519-256 (O=ed25519,CN=localhost)"
  check "ed25519: its expiry is the finding" grep -q "^certificate for Ed25519 signatures only, with SNI: expires .* in 20 days" \
    <<<"$(observed ed25519 audit/cert-validity)"
  check "ed25519: its chain verifies too" grep -q "2 certificates served, each verified" <<<"$(observed ed25519 audit/cert-trust)"
  audit ed25519-full
  echo "audit: one full audit of openssl s_server (Ed25519) took $AUDIT_MS ms"
  cross_check ed25519-full
else
  fail "openssl s_server (Ed25519) did not start"
fi
kill "$SPID" 2>/dev/null

# 9. Peers that are not TLS servers: every audit check rests on a completed
#    handshake (or a ServerHello), so none may pass: "TLS 1.0 refused" from
#    a server that refuses everything is no evidence. A TCP peer that reads
#    the ClientHello and closes gives INCONCLUSIVE for every check; one that
#    answers in plain HTTP gives no PASS either.
if command -v socat >/dev/null; then
  printf '#!/bin/sh\nhead -c 5 >/dev/null\nprintf "HTTP/1.1 400 Bad Request\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n"\n' \
    > "$WORK/plain-http.sh"
  chmod +x "$WORK/plain-http.sh"
  for peer in closing plain-http; do
    PORT=$(free_port)
    if [ "$peer" = closing ]; then
      socat "TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork" SYSTEM:'head -c 1 >/dev/null' 2>/dev/null &
    else
      socat "TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork" EXEC:"$WORK/plain-http.sh" 2>/dev/null &
    fi
    PEER_PID=$!
    cleanup_hooks+=("kill $PEER_PID 2>/dev/null")
    if wait_port "$PORT"; then
      audit "$peer" --profile mozilla-intermediate --pin "$VALID_PIN"
      check "$peer peer: exit 3" test "$AUDIT_RC" = 3
      check "$peer peer: no audit check passes" test "$(jq '[.results[] | select(.verdict == "PASS")] | length' "$WORK/$peer.json")" = 0
    else
      fail "socat ($peer) did not start"
    fi
    kill "$PEER_PID" 2>/dev/null; wait "$PEER_PID" 2>/dev/null
  done
  check "closing peer: every check INCONCLUSIVE" \
    test "$(jq -r '[.results[] | .verdict] | unique | join(",")' "$WORK/closing.json")" = INCONCLUSIVE
  check "closing peer: protocols says why" grep -q "^not judged: no TLS version was answered with a ServerHello" \
    <<<"$(observed closing audit/protocols)"
else
  fail "socat is not installed (scripts/setup)"
fi

# 10. A user's profile file, and bad input: one line, exit 2.
cat > "$WORK/my-profile.lua" <<'EOF'
return {
  name = "acme-internal",
  rules = {
    protocols = { controls = { "acme:tls-1" }, versions = { ["TLSv1.2"] = "refused" } },
  },
}
EOF
PORT=1
"$MTLSPROBE" run --target https://localhost:1/ --fixtures "$FX" --profile nosuch >"$WORK/bad.out" 2>&1
check "unknown profile: exit 2" test $? -eq 2
check "unknown profile: one line" test "$(wc -l <"$WORK/bad.out")" -eq 1
"$MTLSPROBE" run --target https://localhost:1/ --fixtures "$FX" --pin sha256/short >"$WORK/bad.out" 2>&1
check "bad pin: exit 2" test $? -eq 2
"$MTLSPROBE" run --target https://localhost:1/ --fixtures "$FX" --expiry-warn soon >"$WORK/bad.out" 2>&1
check "bad --expiry-warn: exit 2" test $? -eq 2
printf 'return { name = "x", rules = { nosuch = {} } }\n' > "$WORK/bad-profile.lua"
"$MTLSPROBE" run --target https://localhost:1/ --fixtures "$FX" --profile "$WORK/bad-profile.lua" >"$WORK/bad.out" 2>&1
check "unknown rule: exit 2" test $? -eq 2
check "unknown rule: named" grep -q "unknown rule 'nosuch'" "$WORK/bad.out"
printf 'return { name = "x", rules = { protocols = { versions = 3 } } }\n' > "$WORK/bad-profile.lua"
"$MTLSPROBE" run --target https://localhost:1/ --fixtures "$FX" --profile "$WORK/bad-profile.lua" >"$WORK/bad.out" 2>&1
check "bad rule parameter: exit 2" test $? -eq 2
check "bad rule parameter: named" grep -q "rule protocols: versions must be a table" "$WORK/bad.out"
"$MTLSPROBE" run --target https://localhost:1/ --fixtures "$FX" --suite nosuch >"$WORK/bad.out" 2>&1
check "unknown suite: exit 2" test $? -eq 2
if nginx_audit user-profile --set EXTRA=; then
  audit user-profile --profile "$WORK/my-profile.lua" --only audit/protocols
  expect_findings user-profile "audit/protocols FAIL"
  check "user profile: its rule and control" grep -q "breaks acme-internal rule protocols" <<<"$(observed user-profile audit/protocols)"
  check "user profile: its control id" has_control user-profile audit/protocols acme:tls-1
  # The default suite is still the client-auth suite.
  "$MTLSPROBE" run --target "https://localhost:$PORT/" --connect-to "127.0.0.1:$PORT" --fixtures "$FX" \
    --json "$WORK/default.json" -q >/dev/null 2>&1
  check "default suite: client-auth only" test "$(jq '[.results[] | select(.id | startswith("audit/"))] | length' "$WORK/default.json")" = 0
  stop_gateway
fi

finish
