# The command line: --help and --version, every verb's --help, every
# `fixtures` option, and bad input (one clear line on stderr, exit 2, no
# partial output).
. "$(dirname "$0")/lib.sh"

run() { # run EXPECTED_EXIT ARGS... ; leaves stdout/stderr in $WORK/out, $WORK/err
  local want=$1; shift
  "$MTLSPROBE" "$@" >"$WORK/out" 2>"$WORK/err"
  local got=$?
  if [ "$got" != "$want" ]; then
    fail "mtlsprobe $* exited $got, expected $want; stderr: $(head -c 300 "$WORK/err")"
    return 1
  fi
  ok "mtlsprobe $* exits $want"
}
one_error_line() { # the error is a single line naming the problem
  check "one stderr line for: $1" test "$(wc -l < "$WORK/err")" = 1
  check "stderr mentions '$1'" grep -qF -- "$1" "$WORK/err"
}

# top level
run 0 --help && check "--help lists verbs" grep -q "^verbs:" "$WORK/out"
for v in fixtures run load report serve; do
  check "--help mentions $v" grep -q "^  $v " "$WORK/out"
done
run 0 run --help && check "run --help explains" grep -q "usage: mtlsprobe run --target" "$WORK/out"
for opt in --target --fixtures --ca --no-verify --sni --connect-to --header --tls --timeout --only --skip --tags --expect-mtls --fail-on --waivers --jobs --json --junit --sarif --quiet --verbose; do
  check "run --help documents $opt" grep -q -- "$opt" "$WORK/out"
done
for opt in --identity --pass; do
  check "run --help documents $opt" grep -q -- "$opt" "$WORK/out"
done
run 0 --version
check "--version names wolfSSL 5.8+" grep -Eq "^wolfSSL 5\.(8|9|[1-9][0-9])" "$WORK/out"
check "--version says the assembly speed-ups are on" grep -q "assembly speed-ups: on" "$WORK/out"
check "--version names the commit" grep -Eq "^mtlsprobe [0-9.]+ \(commit ([0-9a-f]{40}(, dirty)?|unknown)\)$" "$WORK/out"
if head=$(git -C "$SRC" rev-parse HEAD 2>/dev/null); then
  check "--version names the checkout's HEAD" grep -q "(commit $head" "$WORK/out"
fi
run 2 && check "no verb: usage on stderr" grep -q "usage:" "$WORK/err"
run 2 frobnicate && one_error_line "unknown verb 'frobnicate'"
run 2 --frobnicate && one_error_line "unknown option '--frobnicate'"
run 0 serve --help && check "serve --help explains" grep -q "usage: mtlsprobe serve --fixtures" "$WORK/out"
for opt in --fixtures --listen --cert --timeout --quiet; do
  check "serve --help documents $opt" grep -q -- "$opt" "$WORK/out"
done
for opt in --identity --pass; do
  check "serve --help documents $opt" grep -q -- "$opt" "$WORK/out"
done
run 2 report && one_error_line "--out is required"
run 0 report --help && check "report --help explains" grep -q "usage: mtlsprobe report RESULTS.json" "$WORK/out"
for opt in --out --title --baseline --regress --no-charts --summary --md-images --gnuplot --chart-timeout; do
  check "report --help documents $opt" grep -q -- "$opt" "$WORK/out"
done
run 0 report merge --help && check "report merge --help explains" grep -q "usage: mtlsprobe report merge" "$WORK/out"
run 0 help load && check "help load is load's help" grep -q "usage: mtlsprobe load --target" "$WORK/out"
run 0 help report merge && check "help report merge is merge's help" grep -q "usage: mtlsprobe report merge" "$WORK/out"
run 2 help frobnicate && one_error_line "unknown verb 'frobnicate'"
run 2 help report frobnicate && one_error_line "unknown verb 'frobnicate'"

# fixtures: help and the built-in spec
run 0 fixtures --help
for opt in --out --spec --print-spec --key-type --host --seed --now --force --verbose --quiet \
           --issuer-cert --issuer-key --pass --cert-days --crl-days --check --within; do
  check "fixtures --help documents $opt" grep -q -- "$opt" "$WORK/out"
done
# the help is wrapped from the option table: words, not line breaks, are checked
check "fixtures --help says --seed keys are for tests only" grep -q "predictable by anyone who knows N: for tests only" \
  <<<"$(tr -s ' \n' '  ' <"$WORK/out")"
run 0 fixtures --print-spec && check "--print-spec prints the default spec" grep -q 'name = "client/key-mismatch"' "$WORK/out"
cp "$WORK/out" "$WORK/printed.lua"

# defaults, -v timing, -q silence
cd "$WORK"
run 0 fixtures -v
check "default --out is ./mtlsprobe-fixtures" test -f "$WORK/mtlsprobe-fixtures/manifest.json"
check "-v prints the time" grep -Eq "generated in [0-9.]+ s" "$WORK/out"
FX=$WORK/mtlsprobe-fixtures
check "default hosts in server SANs" test "$(mf server/valid sans | jq -c .)" = '["localhost","127.0.0.1","::1"]'
check "default key type ec-p256" test "$(mf client/valid key_type)" = ec-p256
run 0 fixtures -q --out "$WORK/quiet" && check "-q prints nothing" test ! -s "$WORK/out"

# existing output needs --force; --force replaces it
run 2 fixtures --out "$WORK/mtlsprobe-fixtures" && one_error_line "use --force"
old=$(mf client/valid serial)
run 0 fixtures --out "$WORK/mtlsprobe-fixtures" --force -q
check "--force replaced the fixtures" test "$(mf client/valid serial)" != "$old"
check "no temporary directories left" test -z "$(ls -d "$WORK"/mtlsprobe-fixtures.* 2>/dev/null)"

# --spec with a user's own spec (the printed default plus one fixture)
cat "$WORK/printed.lua" > "$WORK/mine.lua"
cat >> "$WORK/mine.lua" <<'LUA'
client {
  name = "client/alice",
  issuer = "ca/intermediate",
  subject = "CN=alice,OU=payments,O=Example Corp",
  sans = { "email:alice@example.test", "URI:spiffe://example.test/payments/alice" },
}
LUA
run 0 fixtures --spec "$WORK/mine.lua" --out "$WORK/mine" -q
FX=$WORK/mine
check "user fixture generated" test "$(mf client/alice subject)" = "CN=alice,OU=payments,O=Example Corp"
check "user fixture SAN" grep -q "email:alice@example.test" <<<"$(openssl x509 -in "$FX/client/alice.cert.pem" -noout -ext subjectAltName)"
check "user fixture verifies" bash -c 'openssl verify -CAfile "$1/trust-bundle.pem" -untrusted "$1/client/alice.chain.pem" -purpose sslclient "$1/client/alice.cert.pem" | grep -q OK' _ "$FX"

# --key-type, --host, --seed, --now
for kt in ec-p384 rsa-2048 ed25519; do
  run 0 fixtures --key-type "$kt" --out "$WORK/kt-$kt" -q
  FX=$WORK/kt-$kt
  check "--key-type $kt applies to good certificates" test "$(mf client/valid key_type)" = "$kt"
  check "--key-type $kt leaves deliberate keys alone" test "$(mf client/weak-rsa1024 key_type)" = rsa-1024
done
check "ed25519 certificate verifies" bash -c 'openssl verify -CAfile "$1/trust-bundle.pem" -untrusted "$1/client/valid.chain.pem" "$1/client/valid.cert.pem" | grep -q OK' _ "$WORK/kt-ed25519"
run 2 fixtures --key-type dsa-512 --out "$WORK/x" && one_error_line "--key-type must be ec-p256, ec-p384, ec-p521, rsa-2048, rsa-3072, rsa-4096 or ed25519, not 'dsa-512'"

run 0 fixtures --host gw.example.test --host 10.1.2.3 --out "$WORK/hosts" -q
FX=$WORK/hosts
check "--host sets server SANs" test "$(mf server/valid sans | jq -c .)" = '["gw.example.test","10.1.2.3"]'
check "--host: openssl sees them" grep -q "DNS:gw.example.test, IP Address:10.1.2.3" <<<"$(openssl x509 -in "$FX/server/valid.cert.pem" -noout -ext subjectAltName)"
run 2 fixtures --host "a b" --out "$WORK/x" && one_error_line "--host 'a b'"

run 0 fixtures --seed 7 --now 2026-01-01T00:00:00Z --out "$WORK/s1" -q
run 0 fixtures --seed 7 --now 2026-01-01T00:00:00Z --out "$WORK/s2" -q
run 0 fixtures --seed 8 --now 2026-01-01T00:00:00Z --out "$WORK/s3" -q
check "same --seed and --now: identical directories" diff -r "$WORK/s1" "$WORK/s2"
check "another --seed: other keys" bash -c '! cmp -s "$1/client/valid.key.pem" "$2/client/valid.key.pem"' _ "$WORK/s1" "$WORK/s3"
FX=$WORK/s1
check "--now anchors validity" test "$(mf client/valid not_before)" = 2025-12-31T23:00:00Z
check "--now anchors expiry" test "$(mf client/expired not_after)" = 2025-12-31T00:00:00Z
check "--seed recorded in the manifest" test "$(jq .seed "$FX/manifest.json")" = 7
run 2 fixtures --seed -1 --out "$WORK/x" && one_error_line "--seed '-1'"
run 2 fixtures --seed abc --out "$WORK/x" && one_error_line "--seed 'abc'"
run 2 fixtures --now yesterday --out "$WORK/x" && one_error_line "--now"
run 2 fixtures --now @300000000000 --out "$WORK/x" && one_error_line "outside 1950..9999"
run 2 fixtures --now 2026-02-31 --out "$WORK/x" && one_error_line "invalid time '2026-02-31'"
run 2 fixtures --seed 18446744073709551615 --out "$WORK/x" && one_error_line "--seed"

# bad input: every failure is one line, exit 2, and leaves no output behind
run 2 fixtures --cert-days 0 --out "$WORK/x" && one_error_line "--cert-days '0'"
run 2 fixtures --crl-days x --out "$WORK/x" && one_error_line "--crl-days 'x'"
run 2 fixtures --within 3d --out "$WORK/x" && one_error_line "--within goes with --check"
run 2 fixtures --check "$WORK/none" && one_error_line "no fixtures manifest"
run 2 fixtures --issuer-cert "$WORK/none.pem" --out "$WORK/x" && one_error_line "go together"
run 2 fixtures --issuer-cert "$WORK/none.pem" --issuer-key "$WORK/none.key" --out "$WORK/x" && one_error_line "issuer certificate $WORK/none.pem"
echo 'ca { name = "ca/x", trusted = true }' > "$WORK/noimport.lua"
run 2 fixtures --issuer-cert "$WORK/mine/ca/root.cert.pem" --issuer-key "$WORK/mine/ca/root.key.pem" --spec "$WORK/noimport.lua" --out "$WORK/x" && one_error_line "imports no CA"
run 0 fixtures --check "$WORK/mine" --within 1d && check "--check: a fresh set, one summary line" grep -q "fixtures checked in" "$WORK/out"
run 1 fixtures --check "$WORK/mine" --within 100d && check "--check --within 100d: the 90-day leaves expire" grep -q "^EXPIRES-SOON  *client/valid " "$WORK/out"
run 0 fixtures --cert-days 400 --crl-days 200 --out "$WORK/days" -q
FX=$WORK/days
check "--cert-days 400: client/valid lives 400 days" test "$(mf client/valid lifetime_days)" = 400
check "--crl-days 200: recorded" test "$(jq .crl_days "$FX/manifest.json")" = 200
FX=$WORK/mine
run 2 fixtures --bogus && one_error_line "unknown option '--bogus'"
run 2 fixtures --out && one_error_line "needs a value"
run 2 fixtures stray && one_error_line "unexpected argument 'stray'"
run 2 fixtures --spec "$WORK/none.lua" --out "$WORK/x" && one_error_line "does not exist"
printf 'ca{name="ca/r", trusted=true}\nclient{name="client/x", issuer="ca/r", sans={"IP:999.1.1.1"}}\n' > "$WORK/bad1.lua"
run 2 fixtures --spec "$WORK/bad1.lua" --out "$WORK/x" && one_error_line "bad1.lua:2:"
printf 'ca{name="ca/r", trusted=true\n' > "$WORK/bad2.lua"
run 2 fixtures --spec "$WORK/bad2.lua" --out "$WORK/x" && one_error_line "bad2.lua:2:"
printf 'ca{name="ca/r", trusted=true}\nlocal x = nil + 1\n' > "$WORK/bad3.lua"
run 2 fixtures --spec "$WORK/bad3.lua" --out "$WORK/x" && one_error_line "bad3.lua:2: attempt to perform arithmetic"
check "no output from failed runs" test ! -e "$WORK/x"
: > "$WORK/blocker"
run 2 fixtures --out "$WORK/blocker/fx" && one_error_line "$WORK/blocker"
mkdir -p "$WORK/ro"; chmod 555 "$WORK/ro"
if [ "$(id -u)" = 0 ]; then
  # root writes anywhere: the unwritable directory is tried as nobody, for real
  chmod 755 "$WORK"
  err=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$MTLSPROBE" fixtures --out "$WORK/ro/fx" 2>&1 >/dev/null)
  rc=$?
  check "fixtures into an unwritable directory (as nobody): exit 2 (got $rc: $err)" test "$rc" = 2
  check "  and the error names the cause" grep -q "Permission denied" <<<"$err"
else
  run 2 fixtures --out "$WORK/ro/fx" && one_error_line "Permission denied"
fi
run 2 fixtures --out "$WORK/blocker" --force && one_error_line "not a directory"

finish
