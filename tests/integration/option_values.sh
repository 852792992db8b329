# Every value the option tables allow, and the options no other test used,
# given for real: each fixtures --key-type, load's request shaping, --close,
# --count and --chain against serve, run's --tls both, --expect-mtls yes,
# --control, --jobs, the bypass and upstream suites with their options, and
# serve --ocsp-mode normal. tests/integration/options.sh fails when a value
# in a table is given by no test.
. "$(dirname "$0")/lib.sh"

# fixtures: each key type, under a one-CA spec so RSA-4096 stays quick
cat >"$WORK/tiny.lua" <<'LUA'
ca { name = "ca/root", trusted = true }
client { name = "client/valid", issuer = "ca/root" }
LUA
kt_run() { # KEY_TYPE
  "$MTLSPROBE" fixtures --spec "$WORK/tiny.lua" --out "$WORK/kt-$1" -q "${@:2}" >"$WORK/kt.out" 2>&1
  local rc=$?
  FX=$WORK/kt-$1
  check "fixtures --key-type $1: exit 0 (got $rc: $(head -c 200 "$WORK/kt.out"))" test "$rc" = 0
  check "fixtures --key-type $1: client/valid has it" test "$(mf client/valid key_type)" = "$1"
}
kt_run ec-p256 --key-type ec-p256
kt_run ec-p384 --key-type ec-p384
kt_run ec-p521 --key-type ec-p521
kt_run rsa-2048 --key-type rsa-2048
kt_run rsa-3072 --key-type rsa-3072
kt_run rsa-4096 --key-type rsa-4096
kt_run ed25519 --key-type ed25519

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q || { fail "fixtures"; finish; }
PORT=$(free_port)
"$MTLSPROBE" serve --fixtures "$FX" --listen "127.0.0.1:$PORT" -q &
SERVE_PID=$!
cleanup_hooks+=('kill $SERVE_PID 2>/dev/null; wait $SERVE_PID 2>/dev/null')
wait_port "$PORT" || { fail "serve did not start"; finish; }
T="https://localhost:$PORT/"

load_ok() { # NAME ARGS...: exit 0 and every transaction ok
  local name=$1; shift
  timeout $((60 * TIME_SCALE)) "$MTLSPROBE" load --target "$T" --threads 1 -c 1 -q --json "$WORK/$name.json" "$@" \
    >"$WORK/$name.out" 2>&1
  local rc=$?
  check "load $*: exit 0 (got $rc: $(tail -n 2 "$WORK/$name.out" | tr '\n' ' '))" test "$rc" = 0
  check "load $*: no errors" test "$(jq -r .totals.errors "$WORK/$name.json" 2>/dev/null)" = 0
}
load_ok close-rst --fixtures "$FX" --mode handshake --close rst --count 3
load_ok close-fin --fixtures "$FX" --mode handshake --close fin --count 3
check "--count 3: three handshakes" test "$(jq -r .totals.ok "$WORK/close-fin.json")" = 3
load_ok req --fixtures "$FX" --mode request --method POST --path /echo --body hello -H 'X-Test: 1' -n 2
check "--method POST --path /echo: recorded in the command line" grep -q -- "--method POST --path /echo" \
  <<<"$(jq -r .command_line "$WORK/req.json")"
load_ok chain --ca "$FX/trust-bundle.pem" --cert "$FX/client/valid.cert.pem" --key "$FX/client/valid.key.pem" \
  --chain "$FX/client/valid.chain.pem" -n 2

run_rc() { # NAME ARGS...: sets RC
  local name=$1; shift
  timeout $((120 * TIME_SCALE)) "$MTLSPROBE" run --target "$T" --fixtures "$FX" --json "$WORK/$name.json" "$@" >"$WORK/$name.out" 2>&1
  RC=$?
}
run_rc both --tls both --expect-mtls yes --control client/valid --jobs 2 --only 'client-auth/expired*'
check "run --tls both --expect-mtls yes --control client/valid -j 2: exit 0 (got $RC: $(tail -n 2 "$WORK/both.out"))" \
  test "$RC" = 0
check "--tls both: both versions tested" test "$(jq -c .tls_versions.tested "$WORK/both.json")" = '["TLSv1.2","TLSv1.3"]'
# the bypass options are accepted and the suite runs; serve has one host, so
# most of it cannot apply (SKIP or INCONCLUSIVE), which is not a usage error
run_rc bypass-ocsp --suite bypass --revocation ocsp --other-client-cert client/untrusted --tls 1.3
check "run --suite bypass --revocation ocsp: judged, not a usage error (got $RC)" test "$RC" != 2
run_rc bypass-down --suite bypass --revocation ocsp-down --tls 1.3
check "run --suite bypass --revocation ocsp-down: not a usage error (got $RC)" test "$RC" != 2
run_rc bypass-crl --suite bypass --revocation crl-stale --tls 1.3
check "run --suite bypass --revocation crl-stale: not a usage error (got $RC)" test "$RC" != 2
check "--revocation crl-stale reaches bypass/revocation, which judges a stale CRL" \
  grep -q "CRL past its nextUpdate" <<<"$(jq -r '.results[] | select(.id == "bypass/revocation") | .observed' \
  "$WORK/bypass-crl.json")"
run_rc upstream --suite upstream --upstream-client-cert client/valid --tls 1.3
check "run --suite upstream --upstream-client-cert client/valid: not a usage error (got $RC)" test "$RC" != 2

# serve --ocsp-mode normal: the responder answers
OPORT=$(free_port)
"$MTLSPROBE" serve --fixtures "$FX" --ocsp "127.0.0.1:$OPORT" --ocsp-mode normal -q &
OCSP_PID=$!
cleanup_hooks+=('kill $OCSP_PID 2>/dev/null; wait $OCSP_PID 2>/dev/null')
check "serve --ocsp-mode normal listens" wait_port "$OPORT"
kill "$OCSP_PID" 2>/dev/null

finish
