# Nothing silent: `mtlsprobe run` against real peers on loopback reports every
# TLS version the gateway speaks and names the one it does not, and reports a
# TLS 1.3 refusal alert every time, also when the server resets the
# connection right after its alert.
#   - nginx with ssl_protocols TLSv1.2: TLSv1.2 results, TLSv1.3 skipped with
#     the reason, on stderr and in the JSON's tls_versions;
#   - nginx's stream module, which closes without an error alert when a
#     certificate does not verify, stunnel trusting another CA (ServerHello,
#     CertificateRequest, alert, reset) and faultpeer's reset-at-certificate
#     (ServerHello, CertificateRequest, then a reset without an alert): both
#     versions reported, nothing skipped;
#   - t:expect_alert in TLS 1.3 against nginx, HAProxy and stunnel, 20 runs
#     each: the same alert every time, and evidence.rejected_in agreeing with
#     the observed text.
. "$(dirname "$0")/lib.sh"
FAULTPEER=${FAULTPEER:?set FAULTPEER to the faultpeer binary}

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q || { echo "FAIL: fixtures generation"; exit 1; }

# run_json NAME PORT [args...]: a bounded run; $WORK/NAME.{json,out,err,rc}
run_json() {
  local name=$1 port=$2; shift 2
  timeout 120 "$MTLSPROBE" run --target "https://localhost:$port/" --connect-to "127.0.0.1:$port" \
    --fixtures "$FX" --timeout 3s --json "$WORK/$name.json" -q "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
  echo $? > "$WORK/$name.rc"
}
jqr() { jq -r "$2" "$WORK/$1.json"; }
# Every result's rejected_in agrees with its observed text.
evidence_agrees() {
  test -z "$(jq -r '.results[] | select(
      (.observed | contains("rejected in handshake")) != (.evidence.rejected_in == "handshake") or
      (.observed | contains("rejected after handshake")) != (.evidence.rejected_in == "after-handshake"))
      | "\(.id) [\(.tls_version)]: \(.observed) / \(.evidence.rejected_in)"' "$WORK/$1.json")"
}
# Per-version scenarios ran in both versions, and nothing was skipped.
both_versions() {
  local name=$1
  check "$name: tested TLSv1.2 and TLSv1.3" test "$(jqr "$name" '.tls_versions.tested | join(",")')" = "TLSv1.2,TLSv1.3"
  check "$name: nothing skipped" test "$(jqr "$name" '.tls_versions.skipped | length')" = 0
  check "$name: no 'not tested' line" bash -c '! grep -q "not tested" "$1"' _ "$WORK/$name.err"
  check "$name: results in both versions" \
    test "$(jqr "$name" '[.results[].tls_version | select(. != "any")] | unique | join(",")')" = "TLSv1.2,TLSv1.3"
  check "$name: rejected_in agrees with the observed text" evidence_agrees "$name"
}

# ---- a TLS 1.2-only gateway ---------------------------------------------------
start_gateway nginx tls12-only.conf.in "$FX" || exit 1
run_json tls12 "$GW_PORT"
check "tls12-only: exit 0 ($(cat "$WORK/tls12.rc"))" test "$(cat "$WORK/tls12.rc")" = 0
check "tls12-only: tested TLSv1.2 only" test "$(jqr tls12 '.tls_versions.tested | join(",")')" = "TLSv1.2"
check "tls12-only: TLSv1.3 skipped with the server's answer" \
  test "$(jqr tls12 '.tls_versions.skipped[] | "\(.version): \(.reason)"')" = "TLSv1.3: the server answered protocol_version (70)"
check "tls12-only: the skip is said on the terminal" \
  grep -qx "mtlsprobe run: TLSv1.3 not tested: the server answered protocol_version (70)" "$WORK/tls12.err"
check "tls12-only: every per-version result is TLSv1.2" \
  test "$(jqr tls12 '[.results[].tls_version | select(. != "any")] | unique | join(",")')" = "TLSv1.2"
check "tls12-only: valid accepted in TLS 1.2" \
  test "$(jqr tls12 '.results[] | select(.id == "client-auth/valid") | .verdict')" = "PASS"
# --tls names the version it leaves out too, without a warning
run_json tls12-pinned "$GW_PORT" --tls 1.2 --only client-auth/valid
check "--tls 1.2: TLSv1.3 listed as not requested" \
  test "$(jqr tls12-pinned '.tls_versions.skipped[] | "\(.version): \(.reason)"')" = "TLSv1.3: not requested (--tls 1.2)"
stop_gateway

# ---- closes without an alert when the certificate does not verify --------------
start_gateway nginx stream-close.conf.in "$FX" || exit 1
run_json stream "$GW_PORT"
both_versions stream
check "stream: client/valid served in both versions" \
  test "$(jqr stream '[.results[] | select(.id == "client-auth/valid") | .verdict] | join(",")')" = "PASS,PASS"
check "stream: an expired certificate is refused by a close in TLS 1.2" \
  bash -c 'jq -r ".results[] | select(.id == \"client-auth/expired\" and .tls_version == \"TLSv1.2\") | .observed" "$1" | grep -q "connection closed"' _ "$WORK/stream.json"
stop_gateway

# ---- ServerHello, CertificateRequest, then an alert and a reset: stunnel ---------
start_gateway stunnel other-ca.conf.in "$FX" || exit 1
run_json stunnel-other-ca "$GW_PORT" --only client-auth/valid
both_versions stunnel-other-ca
stop_gateway

# ---- ServerHello, CertificateRequest, then a reset without an alert -------------
PEER_PORT=$(free_port)
"$FAULTPEER" server reset-at-certificate "$PEER_PORT" "$FX" >"$WORK/peer.out" 2>&1 &
PEER_PID=$!
cleanup_hooks+=("kill $PEER_PID 2>/dev/null")
if wait_port "$PEER_PORT"; then
  run_json reset-at-cert "$PEER_PORT" --only client-auth/valid
  both_versions reset-at-cert
  check "reset-at-certificate: TLS 1.2 reported as a reset in the handshake" \
    bash -c '[[ $1 == "rejected in handshake: connection reset"* ]]' _ "$(jqr reset-at-cert '.results[] | select(.tls_version == "TLSv1.2") | .observed')"
else
  fail "faultpeer reset-at-certificate did not start: $(cat "$WORK/peer.out")"
fi
kill "$PEER_PID" 2>/dev/null; wait "$PEER_PID" 2>/dev/null

# ---- t:expect_alert in TLS 1.3, 20 times in a row -----------------------------
# The scenario waits ALERT_DELAY seconds between the handshake and the
# request: the longer it waits, the likelier a server that resets after its
# alert (stunnel) has done so before the request is written.
cat > "$WORK/alert13.lua" <<'LUA'
return {
  id = "evidence/alert13",
  run = function(t)
    local c = t:connect { cert = os.getenv("ALERT_FIXTURE"), tls = "1.3" }
    local wait, t0 = tonumber(os.getenv("ALERT_DELAY")), os.clock()
    while os.clock() - t0 < wait do end
    c:request {}
    t:expect_alert(c, os.getenv("ALERT_NAME"))
  end,
}
LUA
# alert_20 LABEL PORT FIXTURE ALERT: 20 runs, delays 0 to 8 ms
alert_20() {
  local label=$1 port=$2 i seen=$WORK/alert-$1.txt
  : > "$seen"
  for i in $(seq 0 19); do
    ALERT_FIXTURE=$3 ALERT_NAME=$4 ALERT_DELAY=$(printf '0.%03d' $((i % 5 * 2))) \
      run_json "alert-$label" "$port" "$WORK/alert13.lua"
    jqr "alert-$label" '.results[0] | "\(.verdict) \(.evidence.alert.name) \(.evidence.rejected_in)"' >> "$seen"
  done
  check "$label: $4 in TLS 1.3, the same 20 times out of 20 ($(sort "$seen" | uniq -c | tr -s ' \n' ' '))" \
    test "$(grep -c "^PASS $4 after-handshake$" "$seen")" = 20
}
start_gateway nginx mtls.conf.in "$FX" || exit 1
alert_20 nginx "$GW_PORT" client/key-mismatch decrypt_error
stop_gateway
start_gateway haproxy mtls.cfg.in "$FX" || exit 1
alert_20 haproxy "$GW_PORT" client/expired certificate_expired
stop_gateway
start_gateway stunnel mtls.conf.in "$FX" || exit 1
alert_20 stunnel "$GW_PORT" client/expired certificate_expired
stop_gateway

finish
