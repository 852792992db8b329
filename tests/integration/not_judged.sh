# Nothing looks green that was not judged, against real peers: an
# interrupted run (a slow relay in front of mtlsprobe serve makes it long
# enough to interrupt), a TLS peer that serves no HTTP (Mosquitto requiring
# client certificates), a plain-HTTP port (nginx without TLS), typos in
# --identity and --control, nginx `return 444` for clients without a
# certificate, and nginx trusting another CA (its CertificateRequest names
# that CA). Each says what it saw, and none is counted as a pass.
source "$(dirname "$0")/lib.sh"

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" --seed 23 >/dev/null 2>&1 || { echo "FAIL: fixtures"; exit 1; }
run() { # run NAME PORT [args]: the client-auth suite into $WORK/NAME.{json,xml,sarif,out,rc}
  local name=$1 port=$2; shift 2
  "$MTLSPROBE" run --target "https://localhost:$port/" --connect-to "127.0.0.1:$port" --fixtures "$FX" \
    --json "$WORK/$name.json" --junit "$WORK/$name.xml" --sarif "$WORK/$name.sarif" -q "$@" \
    >"$WORK/$name.out" 2>&1
  echo $? > "$WORK/$name.rc"
}
rc() { cat "$WORK/$1.rc"; }
q() { jq -r "$2" "$WORK/$1.json"; }

# ---- an interrupted run ---------------------------------------------------------
SERVE_PORT=$(free_port)
"$MTLSPROBE" serve --fixtures "$FX" --listen "127.0.0.1:$SERVE_PORT" >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
cleanup_hooks+=("kill $SERVE_PID 2>/dev/null")
wait_port "$SERVE_PORT" || { echo "FAIL: serve did not start"; exit 1; }
RELAY_PORT=$(free_port)
python3 "$SRC/tests/integration/slow_relay.py" "$RELAY_PORT" "$SERVE_PORT" 40 >"$WORK/relay.out" 2>&1 &
RELAY_PID=$!
cleanup_hooks+=("kill $RELAY_PID 2>/dev/null")
wait_port "$RELAY_PORT" || { echo "FAIL: relay did not start"; exit 1; }
run interrupted "$RELAY_PORT" &
RUN_PID=$!
# Interrupt once the first verdicts exist but long before the suite ends
# (each connection through the relay takes a few hundred ms).
sleep 3
pkill -INT -P "$RUN_PID" -f "mtlsprobe run" 2>/dev/null || pkill -INT -f "connect-to 127.0.0.1:$RELAY_PORT"
wait "$RUN_PID"
check "interrupted: exit 3" test "$(rc interrupted)" = 3
check "interrupted: marked in the JSON" test "$(q interrupted .interrupted)" = true
check "interrupted: scenarios not run are counted" test "$(q interrupted .summary.not_run)" -gt 0
check "interrupted: the summary line says how many did not run" grep -q "(interrupted: [0-9]* did not run)" "$WORK/interrupted.out"
check "interrupted: JUnit has an error for each scenario not run" \
  test "$(grep -c 'the run was interrupted \(before\|while\) this scenario' "$WORK/interrupted.xml")" = "$(q interrupted .summary.not_run)"
check "interrupted: JUnit errors are not zero" grep -q '<testsuites name="mtlsprobe" tests="[0-9]*" failures="0" errors="[1-9]' "$WORK/interrupted.xml"
check "interrupted: SARIF says the run did not succeed, and why" \
  test "$(jq -r '.runs[0].invocations[0] | "\(.executionSuccessful) \(.toolExecutionNotifications[0].level)"' "$WORK/interrupted.sarif")" = "false error"
GITHUB_ACTIONS=true "$MTLSPROBE" report "$WORK/interrupted.json" --out "$WORK/rep-int" --no-charts -q
check "interrupted: the report's verdict is INCONCLUSIVE" grep -q "^## Verdict: INCONCLUSIVE" "$WORK/rep-int/report.md"
check "interrupted: the first screen says how many did not run" \
  grep -q "was interrupted: [0-9]* scenario runs did not run" "$WORK/rep-int/report.md"
check "interrupted: the HTML answer too" grep -q 'data-verdict="INCONCLUSIVE"' "$WORK/rep-int/index.html"
kill "$RELAY_PID" 2>/dev/null

# ---- the reference gateway: observations are INFO, never PASS ------------------
run serve "$SERVE_PORT"
check "serve: exit 0" test "$(rc serve)" = 0
check "serve: ca-as-leaf and no-eku are INFO in both TLS versions" \
  test "$(q serve '[.results[] | select(.verdict == "INFO") | "\(.id) \(.tls_version)"] | join(",")')" = \
  "client-auth/ca-as-leaf TLSv1.2,client-auth/ca-as-leaf TLSv1.3,client-auth/no-eku TLSv1.2,client-auth/no-eku TLSv1.3"
check "serve: INFO is not counted among passes" test "$(q serve '.summary.passed + .summary.info == (.results | length)')" = true
"$MTLSPROBE" report "$WORK/serve.json" --out "$WORK/rep-serve" --no-charts -q
check "serve: the PCI control is not assessed without the audit" \
  grep -q "pci-dss-4:4.2.1 .* | \*\*not assessed\*\* (needs audit/protocols" "$WORK/rep-serve/report.md"
check "serve: the totals name INFO apart" grep -q "4 INFO (recorded, not judged)" "$WORK/rep-serve/report.md"

# ---- --identity and --control typos -----------------------------------------------
ident="$FX/client/valid.chain.pem,$FX/client/valid.key.pem"
run typo "$SERVE_PORT" --identity "client/vaild=$ident"
check "--identity typo: exit 2" test "$(rc typo)" = 2
check "--identity typo: names the closest fixture" grep -q "no fixture client/vaild .*(did you mean client/valid?)" "$WORK/typo.out"
check "--identity typo: no result written" test ! -e "$WORK/typo.json"
run ctl-typo "$SERVE_PORT" --control client/vlid
check "--control typo: exit 2, the closest fixture" \
  bash -c '[ "$1" = 2 ] && grep -q "did you mean client/valid?" "$2"' _ "$(rc ctl-typo)" "$WORK/ctl-typo.out"
run up-typo "$SERVE_PORT" --suite upstream --upstream-client-cert client/gatway
check "--upstream-client-cert typo: exit 2" test "$(rc up-typo)" = 2
for typo in "--suite clientauth:did you mean client-auth?" "--profile pci-dss4:did you mean pci-dss-4?" \
            "--only client-auth/expird:did you mean client-auth/expired?"; do
  opt=${typo%%:*}
  run opt-typo "$SERVE_PORT" $opt
  check "$opt: exit 2, the closest name" \
    bash -c '[ "$1" = 2 ] && grep -qF "$2" "$3"' _ "$(rc opt-typo)" "${typo#*:}" "$WORK/opt-typo.out"
done
run own "$SERVE_PORT" --identity "client/valid=$ident"
check "--identity for a fixture: accepted" test "$(rc own)" = 0
run named "$SERVE_PORT" --suite upstream --upstream-client-cert client/gateway --identity "client/gateway=$ident"
check "--identity for a name an option uses: accepted (the run judges nothing here: exit 3)" \
  bash -c '[ "$1" = 3 ] && ! grep -q "no fixture" "$2" && grep -q "no scenario was judged" "$2"' _ "$(rc named)" "$WORK/named.out"
check "skips for options not given are listed once on stderr" \
  test "$(grep -c "skipped, needs --upstream-prefix: upstream/" "$WORK/named.out")" = 1
kill "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null

# ---- a TLS peer that serves no HTTP: Mosquitto ------------------------------------
start_gateway mosquitto mtls.conf.in "$FX" || exit 1
run mqtt "$GW_PORT"
stop_gateway
check "mqtt: exit 3" test "$(rc mqtt)" = 3
check "mqtt: no PASS at all" test "$(q mqtt .summary.passed)" = 0
check "mqtt: every judged scenario INCONCLUSIVE" \
  test "$(q mqtt '[.results[] | select(.verdict != "INCONCLUSIVE" and .verdict != "INFO")] | length')" = 0
check "mqtt: the reason says what was seen: the handshake succeeded, then a close on the HTTP request" \
  grep -q "the TLS handshake with the control client/valid succeeded, then the peer closed on the HTTP request" \
  <<<"$(q mqtt '.results[] | select(.id == "client-auth/expired" and .tls_version == "TLSv1.3") | .reason')"
check "mqtt: the summary line counts no pass" grep -q "^0 passed, " "$WORK/mqtt.out"
"$MTLSPROBE" report "$WORK/mqtt.json" --out "$WORK/rep-mqtt" --no-charts -q
check "mqtt: the report is INCONCLUSIVE" grep -q "^## Verdict: INCONCLUSIVE" "$WORK/rep-mqtt/report.md"
check "mqtt: no control is met" bash -c '! grep -q "| \*\*met\*\* |" "$1"' _ "$WORK/rep-mqtt/report.md"

# ---- a plain-HTTP port ----------------------------------------------------------------
start_gateway nginx plain-http.conf.in "$FX" || exit 1
run plain "$GW_PORT" --only client-auth/valid
stop_gateway
check "plain HTTP: exit 3" test "$(rc plain)" = 3
check "plain HTTP: said so, with what it answered" \
  grep -q 'the port speaks plain HTTP, not TLS (it answered the ClientHello with "HTTP/1.1 400 Bad Request")' \
  <<<"$(q plain '.results[0].observed')"
check "plain HTTP: no record-layer jargon" bash -c '! grep -q record_overflow "$1"' _ "$WORK/plain.json"

# ---- nginx return 444 --------------------------------------------------------------------
start_gateway nginx mtls-optional-444.conf.in "$FX" || exit 1
run n444 "$GW_PORT"
stop_gateway
check "444: mode is required over HTTP, optional in TLS" \
  grep -q "^mode required over HTTP, optional in TLS" <<<"$(q n444 '.results[] | select(.id == "client-auth/mode") | .observed')"
check "444: mode passes" test "$(q n444 '.results[] | select(.id == "client-auth/mode") | .verdict')" = PASS
check "444: no-cert passes in both TLS versions" \
  test "$(q n444 '[.results[] | select(.id == "client-auth/no-cert") | .verdict] | join(",")')" = "PASS,PASS"

# ---- nginx trusting another CA: its CertificateRequest says so -----------------------------
start_gateway nginx mtls-other-ca.conf.in "$FX" || exit 1
run otherca "$GW_PORT" --only client-auth/expired
stop_gateway
reason=$(q otherca '.results[] | select(.tls_version == "TLSv1.2") | .reason')
check "other CA: INCONCLUSIVE" test "$(q otherca '[.results[].verdict] | unique | join(",")')" = INCONCLUSIVE
check "other CA: names the CA the gateway asked for" grep -q "it asked for certificates from .*mtlsprobe Rogue" <<<"$reason"
check "other CA: says the fixtures' CAs are not among them" grep -q "are not among them: deploy .*trust-bundle.pem" <<<"$reason"

finish
