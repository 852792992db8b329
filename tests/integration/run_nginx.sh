# `mtlsprobe run` against Debian's nginx: the strict config passes the whole
# built-in suite; each misconfigured variant fails exactly the scenarios a
# careful engineer predicts; JSON and JUnit carry the verdicts; bad input and
# an unreachable target are handled without hanging.
. "$(dirname "$0")/lib.sh"

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q || { echo "FAIL: fixtures generation"; exit 1; }

# run_suite NAME [args...]: runs the built-in suite, leaves $WORK/NAME.json
run_suite() {
  local name=$1; shift
  "$MTLSPROBE" run --target "https://localhost:$NGINX_PORT/" --connect-to "127.0.0.1:$NGINX_PORT" \
    --fixtures "$FX" --json "$WORK/$name.json" --junit "$WORK/$name.xml" -q "$@" >"$WORK/$name.out" 2>&1
  echo $? > "$WORK/$name.rc"
}
# verdict_set NAME VERDICT: "id [version]" lines with that verdict, sorted
verdict_set() {
  jq -r --arg v "$2" '.results[] | select(.verdict == $v) | "\(.id) [\(.tls_version)]"' "$WORK/$1.json" | sort
}

# strict: every scenario passes, in both TLS versions
start_nginx mtls.conf.in "$FX"
run_suite strict -j 4
check "strict: exit 0" test "$(cat "$WORK/strict.rc")" = 0
check "strict: no FAIL" test -z "$(verdict_set strict FAIL)"
check "strict: no ERROR" test -z "$(verdict_set strict ERROR)"
check "strict: 43 verdicts (21 scenarios x 2 TLS versions + mode)" test "$(jq '.results | length' "$WORK/strict.json")" = 43
check "strict: both TLS versions probed" test "$(jq -r '[.results[].tls_version] | unique | join(",")' "$WORK/strict.json")" = "-,TLSv1.2,TLSv1.3" -o \
  "$(jq -r '[.results[].tls_version] | unique | join(",")' "$WORK/strict.json")" = "TLSv1.2,TLSv1.3,any"
# nginx finishes the handshake and answers 400 for a bad certificate...
check "strict: expired rejected by HTTP 400" test "$(jq -r '.results[] | select(.id == "client-auth/expired" and .tls_version == "TLSv1.3") | "\(.evidence.rejected_in) \(.evidence.http_status)"' "$WORK/strict.json")" = "http 400"
# ...but a client that cannot sign CertificateVerify fails the TLS handshake itself.
check "strict: key-mismatch rejected with decrypt_error" test "$(jq -r '.results[] | select(.id == "client-auth/key-mismatch" and .tls_version == "TLSv1.2") | "\(.evidence.rejected_in) \(.evidence.alert.name) \(.evidence.alert.code)"' "$WORK/strict.json")" = "handshake decrypt_error 51"
check "strict: mode is required" grep -q '"observed": "mode required' "$WORK/strict.json"
check "strict: summary line" grep -q "^39 passed, 0 failed, 0 inconclusive, 0 errors, 0 skipped, 4 info (recorded, not judged)$" "$WORK/strict.out"
check "strict: JUnit has 43 testcases, no failure" bash -c '[ "$(grep -c "<testcase " "$1")" = 43 ] && ! grep -q "<failure" "$1"' _ "$WORK/strict.xml"
check "strict: JUnit skips the 4 INFO observations, never passes them" test "$(grep -c '<skipped message="INFO: recorded, not judged' "$WORK/strict.xml")" = 4
check "strict: JSON records the manifest hash" test "$(jq -r .fixtures.manifest_sha256 "$WORK/strict.json")" = "$(sha256sum "$FX/manifest.json" | cut -d' ' -f1)"

# the documented examples: status and headers pass; sessions resume in both
# TLS versions; nginx answers a bad certificate with HTTP 400, not an alert,
# so the alert example fails here as its comment says it would
run_suite examples "$SRC/scenarios/examples"
check "examples: status-and-headers passes" grep -qx "example/status-and-headers \[any\]" <<<"$(verdict_set examples PASS)"
check "examples: the gateway's pin matches server/valid" grep -q "pin matches; SAN DNS:localhost" <<<"$(jq -r '.results[] | select(.id == "example/pinned-server") | .observed' "$WORK/examples.json")"
check "examples: sessions resumed in TLS 1.2 and 1.3" test "$(jq -r '[.results[] | select(.id == "example/resumption") | .evidence.tls.resumed] | map(tostring) | join(",")' "$WORK/examples.json")" = "true,true"
check "examples: nginx sends no certificate_expired alert" test "$(verdict_set examples FAIL)" = "example/expired-alert [TLSv1.2]
example/expired-alert [TLSv1.3]"

# --header reaches the gateway (nginx echoes X-Probe); -v prints evidence
cat > "$WORK/header.lua" <<'LUA'
return { id = "custom/header", run = function(t)
  local c = t:connect { cert = "client/valid" }
  local r = c:request {}
  if r and r.body:find("probe=abc123", 1, true) then t:pass(r.body, "probe=abc123", c)
  else t:fail(r and r.body or tostring(c.error), "probe=abc123", c) end
end }
LUA
run_suite header --header 'X-Probe: abc123' "$WORK/header.lua"
check "--header is sent with every request" test "$(verdict_set header PASS)" = "custom/header [any]"
"$MTLSPROBE" run --target "https://localhost:$NGINX_PORT/" --connect-to "127.0.0.1:$NGINX_PORT" \
  --fixtures "$FX" --only 'client-auth/expired' --tls 1.2 -v >"$WORK/verbose.out" 2>&1
check "-v prints the evidence" grep -q "severity critical, rejected in http, HTTP 400, TLSv1.2" "$WORK/verbose.out"
check "the table has a header" grep -q "^ID .*TLS .*VERDICT .*EXPECTED .*TIME  OBSERVED$" "$WORK/verbose.out"
check "the TIME column stays in line however long OBSERVED is" bash -c '[ "$(grep -E "^[a-z-]+/[^ ]+ +(TLSv1\.[23]|-) " "$1" | awk "{ print index(\$0, \" ms  \") }" | sort -u | wc -l)" = 1 ]' _ "$WORK/verbose.out"

# -j 1 and --tls 1.3 give the same verdicts for that version
run_suite strict13 --tls 1.3
check "--tls 1.3: only TLSv1.3 client-auth runs" test "$(jq '[.results[] | select(.tls_version == "TLSv1.2")] | length' "$WORK/strict13.json")" = 0
check "--tls 1.3: all pass (the observations apart)" test "$(jq '.summary.passed + .summary.info' "$WORK/strict13.json")" = "$(jq '.results | length' "$WORK/strict13.json")"
stop_nginx

# optional: clients without a certificate get through
start_nginx mtls-optional.conf.in "$FX"
run_suite optional
check "optional: exit 1" test "$(cat "$WORK/optional.rc")" = 1
want="client-auth/mode [any]
client-auth/no-cert [TLSv1.2]
client-auth/no-cert [TLSv1.3]"
check "optional: exactly no-cert and mode fail" test "$(verdict_set optional FAIL)" = "$want"
check "optional: mode observed as optional" grep -q '"observed": "mode optional' "$WORK/optional.json"
check "optional: JUnit failure names expected and observed" grep -q 'expected rejected, observed accepted: HTTP 200' "$WORK/optional.xml"
run_suite optional-nomtls --expect-mtls no --only 'client-auth/mode'
check "--expect-mtls no: mode passes" test "$(verdict_set optional-nomtls PASS)" = "client-auth/mode [any]"
stop_nginx

# no CRL: revoked certificates and chains through a revoked CA get through
start_nginx mtls-no-crl.conf.in "$FX"
run_suite nocrl
want="client-auth/revoked [TLSv1.2]
client-auth/revoked [TLSv1.3]
client-auth/revoked-intermediate [TLSv1.2]
client-auth/revoked-intermediate [TLSv1.3]"
check "no ssl_crl: exactly the revocation scenarios fail" test "$(verdict_set nocrl FAIL)" = "$want"
check "no ssl_crl: the failure is critical for client/revoked" test "$(jq -r '.results[] | select(.id == "client-auth/revoked") | .severity' "$WORK/nocrl.json" | sort -u)" = critical

# filters
run_suite filtered --only 'client-auth/valid*' --skip '*rsa'
check "--only/--skip select client-auth/valid" test "$(jq -r '[.results[].id] | unique | join(",")' "$WORK/filtered.json")" = "client-auth/valid"
run_suite tagged --tags nonexistent
check "--tags with no match is a usage error (exit 2), not an empty green run" test "$(cat "$WORK/tagged.rc")" = 2
check "--tags with no match: the error names the tag" grep -q "\-\-tags 'nonexistent' matches no scenario" "$WORK/tagged.out"
check "--tags with no match: nothing written" test ! -e "$WORK/tagged.json"

# a user scenario directory: one good, one with a runtime error, one with a
# syntax error, one naming an unknown fixture; the good one still runs
mkdir -p "$WORK/sc"
cat > "$WORK/sc/a_good.lua" <<'LUA'
return {
  id = "custom/good", title = "valid client gets 200", severity = "high", tags = { "custom" },
  run = function(t)
    local c = t:connect { cert = "client/valid" }
    local r = c:request { path = "/hello", headers = { ["X-Test"] = "1" } }
    t:expect_status(c, 200)
    t:expect_header(c, "Content-Type", "text/plain")
  end,
}
LUA
printf 'return {\n  id = "custom/runtime",\n  run = function(t)\n    local x = nil\n    return x.y\n  end,\n}\n' > "$WORK/sc/b_runtime.lua"
printf 'return {\n  id = "custom/syntax",\n  run = function(t)\n' > "$WORK/sc/c_syntax.lua"
printf 'return { id = "custom/nofixture", run = function(t) t:connect { cert = "client/nope" } end }\n' > "$WORK/sc/d_nofixture.lua"
run_suite custom "$WORK/sc"
check "custom: good scenario passes" test "$(verdict_set custom PASS)" = "custom/good [any]"
check "custom: runtime error is ERROR with file:line" grep -q "b_runtime.lua:5: attempt to index a nil value" <<<"$(jq -r '.results[] | select(.id == "custom/runtime") | .reason' "$WORK/custom.json")"
check "custom: syntax error is ERROR with file:line" grep -q "c_syntax.lua:4:" <<<"$(jq -r '.results[] | select(.verdict == "ERROR") | .reason' "$WORK/custom.json")"
check "custom: unknown fixture is ERROR naming it" grep -q "unknown fixture 'client/nope'" <<<"$(jq -r '.results[] | select(.id == "custom/nofixture") | .reason' "$WORK/custom.json")"
check "custom: unknown fixture makes the exit 2" test "$(cat "$WORK/custom.rc")" = 2
check "custom: one stderr line names the fixture" grep -q "^mtlsprobe: run: custom/nofixture: .*unknown fixture 'client/nope'" "$WORK/custom.out"
check "custom: one stderr line names the file that does not load" grep -q "^mtlsprobe: run: .*c_syntax: .*c_syntax.lua:4:" "$WORK/custom.out"
rm "$WORK/sc/d_nofixture.lua"
run_suite custom2 "$WORK/sc"
check "custom without the unknown fixture: exit 2 (a file does not load)" test "$(cat "$WORK/custom2.rc")" = 2
rm "$WORK/sc/c_syntax.lua"
run_suite custom3 "$WORK/sc"
check "custom with only a runtime error: exit 3 (nothing failed, one scenario could not be judged)" test "$(cat "$WORK/custom3.rc")" = 3
stop_nginx

# unreachable target: ERROR verdicts with the reason, quickly
port=$(free_port)
start=$(date +%s)
"$MTLSPROBE" run --target "https://127.0.0.1:$port/" --fixtures "$FX" --json "$WORK/down.json" -q >/dev/null 2>&1
rc=$?
check "unreachable: exit 3 (nothing could be judged)" test "$rc" = 3
check "unreachable: every verdict is ERROR" test "$(jq '[.results[] | select(.verdict != "ERROR")] | length' "$WORK/down.json")" = 0
check "unreachable: reason says refused" grep -q "Connection refused" <<<"$(jq -r '.results[0].reason' "$WORK/down.json")"
check "unreachable: finishes within 10 s" test $(( $(date +%s) - start )) -le 10

# a gateway that accepts TCP and never speaks: ERROR verdicts after one
# --timeout, not one per scenario
silent=$(free_port)
perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new(LocalAddr => "127.0.0.1:'"$silent"'", Listen => 64, ReuseAddr => 1) or die; while ($c = $s->accept) { push @keep, $c }' &
cleanup_hooks+=("kill $! 2>/dev/null")
wait_port "$silent"
start=$(date +%s)
"$MTLSPROBE" run --target "https://127.0.0.1:$silent/" --fixtures "$FX" --timeout 1s --json "$WORK/silent.json" -q >/dev/null 2>&1
check "silent gateway: exit 3" test $? = 3
check "silent gateway: every verdict is ERROR" test "$(jq '[.results[] | select(.verdict != "ERROR")] | length' "$WORK/silent.json")" = 0
check "silent gateway: the reason says so" grep -q "answered no TLS handshake within 1000 ms" <<<"$(jq -r '.results[0].reason' "$WORK/silent.json")"
check "silent gateway: done within 10 s" test $(( $(date +%s) - start )) -le 10
"$MTLSPROBE" run --target "https://127.0.0.1:$silent/" --fixtures "$FX" --timeout 1s --tls 1.3 \
  --only 'client-auth/valid' --json "$WORK/silent13.json" -q >/dev/null 2>&1
check "--timeout bounds the handshake" grep -q "timed out during the handshake" <<<"$(jq -r '.results[0].reason' "$WORK/silent13.json")"

# usage errors: exit 2 with one line
bad() { # bad "fragment" args...
  local frag=$1; shift
  "$MTLSPROBE" run "$@" >"$WORK/bad.out" 2>"$WORK/bad.err"
  local rc=$?
  check "run $*: exit 2" test "$rc" = 2
  check "run $*: one line naming '$frag'" bash -c '[ "$(wc -l < "$1")" = 1 ] && grep -qF -- "$2" "$1"' _ "$WORK/bad.err" "$frag"
}
bad "must start with https://" --target "http://localhost/" --fixtures "$FX"
bad "port must be 1..65535" --target "https://localhost:99999/" --fixtures "$FX"
bad "no fixtures manifest" --target "https://localhost:1/" --fixtures "$WORK/none"
bad "required" --fixtures "$FX"
bad "--tls must be" --target "https://localhost:1/" --fixtures "$FX" --tls 1.4
bad "--timeout" --target "https://localhost:1/" --fixtures "$FX" --timeout 0s
bad "does not exist" --target "https://localhost:1/" --fixtures "$FX" "$WORK/missing.lua"
echo '{"version": 99, "fixtures": [], "trust_bundle": "x"}' > "$WORK/future.json"
bad "newer than this mtlsprobe reads" --target "https://localhost:1/" --fixtures "$WORK/future.json"

finish
