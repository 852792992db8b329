# The user's own identities: a client and a server certificate issued with
# `openssl x509 -req` only (by the fixtures' intermediate, which the gateways
# trust), handed over as PKCS#12 (`openssl pkcs12 -export`: AES-256, the
# -legacy RC2-40/3DES form, and 3DES), as a PEM chain with an encrypted
# PKCS#8 key and with a traditional encrypted PEM key. Each loads in `run
# --identity client/valid=...` (the positive control becomes the user's
# certificate: nginx and serve log its subject), in `load --cert` and in
# `serve --identity server/valid=...` (the gateway presents it), with every
# --pass form. A wrong or missing password, a file of the wrong type, a
# PKCS#12 without a key and a key that does not match: one line, exit 2,
# naming the file and never the password or the key.
. "$(dirname "$0")/lib.sh"

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q || { echo "FAIL: fixtures generation"; exit 1; }
ID=$WORK/id
mkdir -p "$ID"
PW='s3cr3t pass'
ISSUER=(-CA "$FX/ca/intermediate.cert.pem" -CAkey "$FX/ca/intermediate.key.pem" -CAcreateserial)

# --- the organization's identities, made by openssl alone -------------------
cat >"$ID/ext.cnf" <<'EOF'
[client]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
[server]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
EOF
issue() { # issue NAME KIND NEWKEY-ARGS...
  local n=$1 kind=$2; shift 2
  openssl req -new "$@" -nodes -keyout "$ID/$n.key" -subj "/O=Example Org/CN=org-$n" -out "$ID/$n.csr" 2>/dev/null &&
    openssl x509 -req -in "$ID/$n.csr" "${ISSUER[@]}" -days 30 -sha256 -extfile "$ID/ext.cnf" \
      -extensions "$kind" -out "$ID/$n.crt" 2>/dev/null &&
    cat "$ID/$n.crt" "$FX/ca/intermediate.cert.pem" >"$ID/$n.chain.pem"
}
issue client client -newkey rsa:2048 || { echo "FAIL: openssl could not issue the client certificate"; exit 1; }
issue server server -newkey ec -pkeyopt ec_paramgen_curve:P-256 || { echo "FAIL: openssl could not issue the server certificate"; exit 1; }
for n in client server; do
  p12() { openssl pkcs12 -export -in "$ID/$n.crt" -inkey "$ID/$n.key" -certfile "$FX/ca/intermediate.cert.pem" \
            -passout "pass:$PW" "$@"; }
  p12 -out "$ID/$n-aes.p12" -keypbe AES-256-CBC -certpbe AES-256-CBC &&
    p12 -out "$ID/$n-legacy.p12" -legacy &&
    p12 -out "$ID/$n-3des.p12" -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES &&
    openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$ID/$n.key" -out "$ID/$n.p8.pem" -passout "pass:$PW" &&
    openssl pkey -aes256 -traditional -in "$ID/$n.key" -out "$ID/$n.trad.pem" -passout "pass:$PW" 2>/dev/null ||
    { echo "FAIL: openssl could not export $n"; exit 1; }
done
openssl pkcs12 -export -nokeys -in "$ID/client.crt" -out "$ID/nokey.p12" -passout "pass:$PW"
check "openssl wrote the legacy PKCS#12 with RC2-40" \
  bash -c 'openssl pkcs12 -in "$1" -info -noout -legacy -passin "pass:$2" 2>&1 | grep -q "40BitRC2"' _ "$ID/client-legacy.p12" "$PW"
check "openssl wrote the AES-256 PKCS#12" \
  bash -c 'openssl pkcs12 -in "$1" -info -noout -passin "pass:$2" 2>&1 | grep -q "AES-256-CBC"' _ "$ID/client-aes.p12" "$PW"
check "the traditional key carries DEK-Info" grep -q "^DEK-Info:" "$ID/client.trad.pem"
check "the PKCS#8 key is encrypted" grep -q "BEGIN ENCRYPTED PRIVATE KEY" "$ID/client.p8.pem"

# RC2 (for -legacy) is a wolfSSL configure option (--enable-rc2, in
# scripts/build-wolfssl): say so plainly when the build lacks it.
WOLF=$(sed -n 's/^WOLFSSL_ROOT:PATH=//p' "$(dirname "$MTLSPROBE")/CMakeCache.txt" 2>/dev/null)
if [ -n "$WOLF" ] && ! grep -q "#define WC_RC2" "$WOLF/include/wolfssl/options.h" 2>/dev/null; then
  fail "wolfSSL at $WOLF lacks RC2 (--enable-rc2): rebuild it with scripts/build-wolfssl"
fi

# Password sources: the same password five ways.
printf '%s\n' "$PW" >"$WORK/pw.txt"
export ORG_PW=$PW
srcs=("env:ORG_PW" "file:$WORK/pw.txt" "fd:3" "pass:$PW")

# No output may carry key material or the password.
clean() { ! grep -qE "PRIVATE KEY|$PW" "$@"; }

# --- serve presents the organization's server certificate ------------------
SERVE_PORT=$(free_port) || { echo "FAIL: no free port"; exit 1; }
start_serve() { # start_serve LOG IDENTITY SRC
  "$MTLSPROBE" serve --fixtures "$FX" --listen "127.0.0.1:$SERVE_PORT" --identity "server/valid=$2" --pass "$3" \
    >"$1" 2>&1 3<"$WORK/pw.txt" &
  SERVE_PID=$!
  wait_port "$SERVE_PORT"
}
stop_serve() { kill "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null; }
cleanup_hooks+=('stop_serve')

# spec KIND FORM: the --identity / --cert value of one form of an identity
spec() {
  case $2 in
    p8|trad) echo "$ID/$1.chain.pem,$ID/$1.$2.pem" ;;
    *) echo "$ID/$1-$2" ;;
  esac
}
i=0
for form in aes.p12 legacy.p12 3des.p12 p8 trad; do
  src=${srcs[$((i % 4))]}; i=$((i + 1))
  log=$WORK/serve-$i.log
  if ! start_serve "$log" "$(spec server $form)" "$src"; then
    fail "serve --identity server/valid=$(spec server $form) --pass ${src%%:*}: did not start: $(head -c 300 "$log")"
    continue
  fi
  check "serve --identity ($form, --pass ${src%%:*}): presents the organization's certificate" \
    bash -c 'echo | openssl s_client -connect "127.0.0.1:$1" -cert "$2/client.crt" -key "$2/client.key" \
             -CAfile "$3" -verify_return_error 2>/dev/null | grep -q "subject=.*CN *= *org-server"' \
    _ "$SERVE_PORT" "$ID" "$FX/trust-bundle.pem"

  # run: the control is the organization's client certificate
  "$MTLSPROBE" run --target "https://127.0.0.1:$SERVE_PORT/" --fixtures "$FX" --tls 1.3 \
    --identity "client/valid=$(spec client $form)" --pass "$src" --only client-auth/valid \
    --only client-auth/expired --only client-auth/untrusted --json "$WORK/run-$i.json" \
    >"$WORK/run-$i.out" 2>&1 3<"$WORK/pw.txt"
  rc=$?
  check "run --identity ($form, --pass ${src%%:*}): exit 0 (got $rc: $(tail -n 2 "$WORK/run-$i.out"))" test "$rc" = 0
  check "run --identity ($form): the control was the organization's certificate" \
    grep -q 'CN=org-client,O=Example Org' "$log"
  check "run --identity ($form): three verdicts, all PASS" \
    test "$(jq -c '[.results[].verdict] | unique' "$WORK/run-$i.json")" = '["PASS"]'

  # load: the same client identity with --cert [--key]
  c=$(spec client $form)
  case $c in *,*) lcert=(--cert "${c%%,*}" --key "${c#*,}") ;; *) lcert=(--cert "$c") ;; esac
  "$MTLSPROBE" load --target "https://127.0.0.1:$SERVE_PORT/" "${lcert[@]}" --pass "$src" \
    --ca "$FX/trust-bundle.pem" -n 10 -c 2 --threads 1 --mode request -q --json "$WORK/load-$i.json" \
    >"$WORK/load-$i.out" 2>&1 3<"$WORK/pw.txt"
  rc=$?
  check "load ($form, --pass ${src%%:*}): exit 0 (got $rc: $(tail -n 2 "$WORK/load-$i.out"))" test "$rc" = 0
  check "load ($form): 10 requests, no error" \
    test "$(jq -c '[.totals.ok, .totals.errors]' "$WORK/load-$i.json")" = '[10,0]'
  check "no output carries a key or the password ($form)" \
    clean "$log" "$WORK/run-$i.out" "$WORK/load-$i.out" "$WORK/run-$i.json" "$WORK/load-$i.json"
  stop_serve
done

# --- a real gateway: nginx trusting the fixtures' CAs ----------------------
if command -v nginx >/dev/null; then
  if start_gateway nginx mtls.conf.in "$FX"; then
    "$MTLSPROBE" run --target "https://127.0.0.1:$GW_PORT/" --fixtures "$FX" \
      --identity "client/valid=$ID/client-aes.p12" --pass env:ORG_PW --json "$WORK/nginx.json" >"$WORK/nginx.out" 2>&1
    rc=$?
    check "nginx: run with the organization's PKCS#12 as control: exit 0 (got $rc: $(tail -n 3 "$WORK/nginx.out"))" test "$rc" = 0
    check "nginx: no INCONCLUSIVE (the control was served)" \
      test "$(jq '[.results[] | select(.verdict == "INCONCLUSIVE")] | length' "$WORK/nginx.json")" = 0
  fi
else
  fail "nginx is not installed (scripts/setup installs it)"
fi

# --- errors: one line, exit 2, no secret -----------------------------------
T=https://127.0.0.1:1/
bad() { # bad "fragment" args...
  local frag=$1; shift
  timeout 30 "$MTLSPROBE" "$@" >"$WORK/out" 2>"$WORK/err" 3<"$WORK/pw.txt"
  local rc=$?
  check "mtlsprobe $*: exit 2 (got $rc)" test "$rc" = 2
  check "mtlsprobe $*: one stderr line naming '$frag' (got: $(head -c 300 "$WORK/err"))" \
    bash -c '[ "$(wc -l < "$1")" = 1 ] && grep -qF -- "$2" "$1"' _ "$WORK/err" "$frag"
  check "mtlsprobe $*: no key or password in the output" clean "$WORK/out" "$WORK/err"
}
echo "just text" >"$WORK/text.txt"
for verb in run serve load; do
  case $verb in
    run) a=(run --target "$T" --fixtures "$FX" --identity) p=client/valid= ;;
    serve) a=(serve --fixtures "$FX" --listen "127.0.0.1:$SERVE_PORT" --identity) p=server/valid= ;;
    load) a=(load --target "$T" -k --cert) p= ;;
  esac
  k=$([ $verb = serve ] && echo server || echo client)
  # id CERT [KEY]: the identity in this verb's form
  id() { if [ $verb = load ]; then echo "$1${2:+ --key $2}"; else echo "$p$1${2:+,$2}"; fi; }
  # shellcheck disable=SC2046 # word splitting of id's output is intended (no spaces in $WORK)
  {
  bad "wrong password" "${a[@]}" $(id "$ID/$k-aes.p12") --pass pass:wrong
  bad "wrong password" "${a[@]}" $(id "$ID/$k-legacy.p12") --pass pass:wrong
  bad "give it with --pass" "${a[@]}" $(id "$ID/$k-aes.p12")
  bad "wrong password" "${a[@]}" $(id "$ID/$k.chain.pem" "$ID/$k.p8.pem") --pass pass:wrong
  bad "wrong password" "${a[@]}" $(id "$ID/$k.chain.pem" "$ID/$k.trad.pem") --pass pass:wrong
  bad "encrypted: give its password" "${a[@]}" $(id "$ID/$k.chain.pem" "$ID/$k.trad.pem")
  bad "neither a certificate (PEM or DER) nor a PKCS#12 file" "${a[@]}" $(id "$WORK/text.txt")
  bad "is a private key" "${a[@]}" $(id "$ID/$k.key")
  bad "holds no private key" "${a[@]}" $(id "$ID/nokey.p12") --pass "pass:$PW"
  bad "does not match the certificate" "${a[@]}" $(id "$ID/$k.crt" "$FX/client/valid.key.pem")
  bad "the variable is not set" "${a[@]}" $(id "$ID/$k-aes.p12") --pass env:MTLSPROBE_NO_SUCH_VAR
  }
done
bad "not a client or server fixture" run --target "$T" --fixtures "$FX" --identity "ca/root=$ID/client-aes.p12"
bad "expected NAME=CERT[,KEY]" run --target "$T" --fixtures "$FX" --identity "$ID/client-aes.p12"

check "docs/run.md documents --identity and --pass" grep -q -- "--identity client/valid=" "$SRC/docs/run.md"
check "docs/staging.md exists and covers PKCS#12" grep -q "PKCS#12" "$SRC/docs/staging.md"
for v in run load serve; do
  check "$v --help documents --pass" bash -c '"$1" "$2" --help | grep -q -- "--pass SRC"' _ "$MTLSPROBE" "$v"
done
finish
