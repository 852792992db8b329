# Targets that are not HTTPS, judged like HTTPS against a control: tls://
# (stunnel, and nginx's stream module with --send and --expect), mqtts://
# (Mosquitto, strict and careless, MQTT 3.1.1 and 5, user names and
# passwords) and grpcs:// (a python3-grpcio service, strict and careless, a
# method refused in grpc-status inside HTTP 200). For each, the exact set
# of failing scenarios is asserted, and the verdicts are compared
# with what Debian's mosquitto_pub and a python3-grpcio client say of the
# same certificates; load's counts with the broker's log. Options of
# another scheme are usage errors.
. "$(dirname "$0")/lib.sh"

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q || { echo "FAIL: fixtures generation"; exit 1; }

run_json() { # run_json NAME TARGET ARGS...: the built-in suite into $WORK/NAME.json; RC
  local name=$1 target=$2
  shift 2
  timeout $((300 * TIME_SCALE)) "$MTLSPROBE" run --target "$target" --fixtures "$FX" --json "$WORK/$name.json" \
    -q -j 4 "$@" >"$WORK/$name.out" 2>&1
  RC=$?
}
observed() { # observed NAME ID VERSION
  jq -r --arg id "$2" --arg v "$3" '.results[] | select(.id == $id and .tls_version == $v) | .observed' "$WORK/$1.json"
}
field() { # field NAME ID VERSION FIELD
  jq -r --arg id "$2" --arg v "$3" --arg f "$4" '.results[] | select(.id == $id and .tls_version == $v) | .[$f]' \
    "$WORK/$1.json"
}
CLIENT_ONLY=$(both client-auth/revoked-intermediate)

# ---- tls:// ----------------------------------------------------------------

# stunnel 5 (requireCert, verifyChain, CRLfile): a TLS terminator that says
# nothing after the handshake; served means the connection stays open.
start_gateway stunnel mtls.conf.in "$FX" || { fail "stunnel did not start"; finish; exit 1; }
run_json stunnel "tls://localhost:$GW_PORT"
expect_failing stunnel "$CLIENT_ONLY"
check "stunnel tls://: exit 1 (a FAIL)" test "$RC" = 1
check "stunnel tls://: the control's answer is a connection kept open" \
  grep -q "connection open 500 ms after the handshake" <<<"$(observed stunnel client-auth/valid TLSv1.3)"
check "stunnel tls://: revoked refused in the handshake (TLS 1.2), with the alert" \
  test "$(field stunnel client-auth/revoked TLSv1.2 observed | grep -c 'certificate_revoked (44)')" = 1
check "stunnel tls://: mode required" grep -q "^mode required (" <<<"$(observed stunnel client-auth/mode any)"
# the same gateway over https:// (its responder behind it speaks HTTP) agrees
"$MTLSPROBE" run --target "https://localhost:$GW_PORT/" --fixtures "$FX" -q --json "$WORK/stunnel-https.json" \
  >/dev/null 2>&1
check "stunnel: https:// fails the same scenarios" test "$(failing stunnel-https)" = "$CLIENT_ONLY"
"$MTLSPROBE" load --target "tls://localhost:$GW_PORT" --fixtures "$FX" -c 4 -n 20 -q --json "$WORK/st-load.json" \
  >/dev/null 2>&1
check "load tls:// (handshakes): exit 0, 20 ok" \
  bash -c '[ "$1" = 0 ] && [ "$(jq -r .totals.ok "$2")" = 20 ]' _ $? "$WORK/st-load.json"
"$MTLSPROBE" load --target "tls://localhost:$GW_PORT" --fixtures "$FX" --mode request --send 'GET / HTTP/1.0\r\n\r\n' \
  --expect 'HTTP/1.1 200' -c 4 -n 20 -q --json "$WORK/st-req.json" >/dev/null 2>&1
check "load tls:// --send --expect: exit 0, 20 ok" \
  bash -c '[ "$1" = 0 ] && [ "$(jq -r .totals.ok "$2")" = 20 ]' _ $? "$WORK/st-req.json"
"$MTLSPROBE" load --target "tls://localhost:$GW_PORT" --fixtures "$FX" --mode request --send 'GET / HTTP/1.0\r\n\r\n' \
  --expect 'never sent' -c 2 -n 4 -q --json "$WORK/st-noexp.json" >/dev/null 2>&1
check "load tls:// with --expect bytes that never come: exit 3, closed before them" \
  bash -c '[ "$1" = 3 ] && [ "$(jq -r ".errors.by_class.closed" "$2")" = 4 ]' _ $? "$WORK/st-noexp.json"
stop_gateway

# nginx stream: answers a client it verified with fixed bytes, then closes.
start_gateway nginx stream-close.conf.in "$FX" || { fail "nginx stream did not start"; finish; exit 1; }
run_json stream "tls://localhost:$GW_PORT" --expect 'verified\n' --send 'hello\r\n'
expect_failing stream ""
check "nginx stream --expect: the control got the bytes" \
  grep -q "^accepted: --expect's bytes arrived" <<<"$(observed stream client-auth/valid TLSv1.2)"
# without --expect, what the server sent before it closed is its answer
run_json stream-noexpect "tls://localhost:$GW_PORT" --only client-auth/valid --only client-auth/revoked
expect_failing stream-noexpect ""
check "nginx stream: bytes then a close is an answer" \
  grep -q "bytes, then the server closed the connection" <<<"$(observed stream-noexpect client-auth/valid TLSv1.3)"
# --expect that never arrives: the control is not served, nothing is judged
run_json stream-wrong "tls://localhost:$GW_PORT" --expect 'nothing like this' --only client-auth/revoked
check "--expect that never arrives: exit 3" test "$RC" = 3
check "--expect that never arrives: INCONCLUSIVE, never PASS" \
  test "$(jq -r '[.results[].verdict] | unique | join(",")' "$WORK/stream-wrong.json")" = INCONCLUSIVE
stop_gateway

# ---- mqtts:// ----------------------------------------------------------------

pub() { # pub PORT FIXTURE [ARGS...]: mosquitto_pub's exit code with that certificate
  local port=$1 fx=$2
  shift 2
  timeout 10 mosquitto_pub -h localhost -p "$port" --cafile "$FX/trust-bundle.pem" \
    --cert "$FX/$fx.chain.pem" --key "$FX/$fx.key.pem" -t "${PUB_TOPIC:-mtlsprobe/test}" -m x -q 1 "$@" >/dev/null 2>&1
}

# Strict Mosquitto (require_certificate, cafile, crlfile): it checks the
# CRL of the leaf's issuer only, so a certificate under a revoked
# intermediate connects.
start_gateway mosquitto mtls.conf.in "$FX" || { fail "mosquitto did not start"; finish; exit 1; }
MQ=$GW_PORT
run_json mqtt "mqtts://localhost:$MQ" --mqtt-version 3.1.1
expect_failing mqtt "$CLIENT_ONLY"
check "mosquitto: the control's CONNACK accepted" \
  grep -q "control got CONNACK 0x00 accepted" <<<"$(observed mqtt client-auth/revoked TLSv1.2)"
check "mosquitto: mode required" grep -q "^mode required (" <<<"$(observed mqtt client-auth/mode any)"
check "mosquitto: JUnit and SARIF carry the FAILs, the report says FAIL" bash -c '
  "$1" run --target "mqtts://localhost:$2" --fixtures "$3" -q --only client-auth/revoked-intermediate \
    --junit "$4/mq.xml" --sarif "$4/mq.sarif" --json "$4/mq-r.json" >/dev/null 2>&1
  grep -q "failures=\"2\"" "$4/mq.xml" && [ "$(jq ".runs[0].results | length" "$4/mq.sarif")" = 2 ] &&
    "$1" report "$4/mq-r.json" --out "$4/mq-report" --no-charts -q && grep -q "Verdict: FAIL" "$4/mq-report/report.md" &&
    grep -q "mqtts://localhost" "$4/mq-report/index.html"' _ "$MTLSPROBE" "$MQ" "$FX" "$WORK"
check "mosquitto: rejected in the handshake (TLS 1.2)" \
  test "$(field mqtt client-auth/expired TLSv1.2 observed | grep -c '^rejected in handshake')" = 1
# mosquitto_pub agrees on the same certificates
pub "$MQ" client/valid; check "mosquitto_pub: client/valid publishes" test $? = 0
pub "$MQ" client/revoked-intermediate; check "mosquitto_pub: client/revoked-intermediate publishes too (the hole)" test $? = 0
pub "$MQ" client/revoked; check "mosquitto_pub: client/revoked is refused" test $? != 0
pub "$MQ" client/expired; check "mosquitto_pub: client/expired is refused" test $? != 0
# MQTT 5, and a client id of our own
run_json mqtt5 "mqtts://localhost:$MQ" --mqtt-version 5 --client-id device-42 --only 'client-auth/valid*' \
  --only client-auth/revoked
expect_failing mqtt5 ""
check "MQTT 5: the CONNACK's reason code" grep -q "CONNACK 0x00" <<<"$(observed mqtt5 client-auth/valid TLSv1.3)"
check "mosquitto logged the client id" grep -q "device-42" "$GW_RUN/start.out"
# load: a fleet of devices connecting (CONNECT, CONNACK, DISCONNECT), each
# counted by the broker as a new client
before=$(grep -c "New client connected" "$GW_RUN/start.out")
timeout $((120 * TIME_SCALE)) "$MTLSPROBE" load --target "mqtts://localhost:$MQ" --fixtures "$FX" --mode connect \
  --clients 20 -c 8 -n 60 -q --json "$WORK/mq-load.json" >"$WORK/mq-load.out" 2>&1
check "load --mode connect: exit 0 ($(tail -n 3 "$WORK/mq-load.out" | tr '\n' ' '))" test $? = 0
check "load --mode connect: 60 CONNACKs, no error" test "$(jq -r '"\(.totals.ok) \(.totals.errors)"' "$WORK/mq-load.json")" = "60 0"
sleep 0.5
check "the broker counted 60 new clients" test $(( $(grep -c "New client connected" "$GW_RUN/start.out") - before )) = 60
check "load: the fleet's 20 identities were used" test "$(jq -r .totals.identities "$WORK/mq-load.json")" = 20
check "load: the CONNACK phase is named" grep -q "^  CONNACK " "$WORK/mq-load.out"
timeout $((120 * TIME_SCALE)) "$MTLSPROBE" load --target "mqtts://localhost:$MQ" --fixtures "$FX" --mode connect \
  -c 2 -n 6 -q --threshold 'connack.p99<60s' --threshold 'tls.p99<60s' --json "$WORK/mq-thr.json" >/dev/null 2>&1
check "load: connack and tls thresholds judged (exit 0)" test $? = 0
timeout $((120 * TIME_SCALE)) "$MTLSPROBE" load --target "mqtts://localhost:$MQ" --fixtures "$FX" --mode connect \
  --client client/revoked -c 2 -n 6 -q --json "$WORK/mq-revoked.json" >/dev/null 2>&1
check "load with a revoked device: exit 3, nothing measured" test $? = 3
# every attempt an error; the alert itself may be lost to the broker's close
# in TLS 1.3 (counted as a reset or a close then), but not from all of them
check "load with a revoked device: 6 errors, certificate_revoked among them" \
  test "$(jq -r '"\(.totals.errors) \((.errors.alerts["44"] // 0) > 0)"' "$WORK/mq-revoked.json")" = "6 true"
before=$(grep -c "New client connected" "$GW_RUN/start.out")
timeout $((120 * TIME_SCALE)) "$MTLSPROBE" load --target "mqtts://localhost:$MQ" --fixtures "$FX" --mode publish \
  -c 4 -n 200 --topic devices/d1 --body reading -q --threshold 'puback.p99<60s' --json "$WORK/mq-pub.json" \
  >"$WORK/mq-pub.out" 2>&1
check "load --mode publish: exit 0" test $? = 0
check "load --mode publish: 200 PUBACKs on 4 connections" \
  test "$(jq -r '"\(.totals.ok) \(.phases.handshake.count)"' "$WORK/mq-pub.json")" = "200 4"
check "load --mode publish: the PUBACK phase is named" grep -q "^  PUBACK " "$WORK/mq-pub.out"
sleep 0.5
check "the broker counted 4 new clients for the publishers" \
  test $(( $(grep -c "New client connected" "$GW_RUN/start.out") - before )) = 4
timeout $((120 * TIME_SCALE)) "$MTLSPROBE" load --target "mqtts://localhost:$MQ" --fixtures "$FX" -c 2 -n 6 -q \
  --json "$WORK/mq-hs.json" >/dev/null 2>&1
check "load --mode handshake on mqtts://: exit 0" test $? = 0

# over https://, nothing is judged: the broker closes on the HTTP request
run_json mqtt-https "https://localhost:$MQ/" --only client-auth/revoked
check "mosquitto over https://: INCONCLUSIVE (exit 3)" test "$RC" = 3
check "mosquitto over https://: the reason names mqtts://" grep -q "mqtts://" <<<"$(field mqtt-https client-auth/revoked TLSv1.3 reason)"
stop_gateway

# The certificate's CN as the MQTT user name, an ACL per device: the same
# verdicts as the strict broker; mosquitto_pub under client/valid publishes.
start_gateway mosquitto identity.conf.in "$FX" || { fail "mosquitto identity did not start"; finish; exit 1; }
run_json mqtt-identity "mqtts://localhost:$GW_PORT"
expect_failing mqtt-identity "$CLIENT_ONLY"
PUB_TOPIC=devices/1 pub "$GW_PORT" client/valid; check "identity broker: client/valid publishes under devices/" test $? = 0
timeout $((120 * TIME_SCALE)) "$MTLSPROBE" load --target "mqtts://localhost:$GW_PORT" --fixtures "$FX" --mode publish \
  --mqtt-version 5 --topic forbidden/x -c 1 -n 3 -q --json "$WORK/mq-acl.json" >/dev/null 2>&1
check "publish to a topic the ACL forbids (MQTT 5): exit 3, MQTT refused" \
  bash -c '[ "$1" = 3 ] && [ "$(jq -r ".errors.by_class[\"MQTT refused\"]" "$2")" = 3 ]' _ $? "$WORK/mq-acl.json"
check "  with the PUBACK's reason" grep -q "PUBACK 0x87" <<<"$(jq -r '.errors.messages[].text' "$WORK/mq-acl.json")"
check "identity broker: the CN is the user name" grep -q "u'$(openssl x509 -in "$FX/client/valid.cert.pem" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= *//p')'" "$GW_RUN/start.out"
stop_gateway

# Careless: no crlfile.
start_gateway mosquitto no-crl.conf.in "$FX" || { fail "mosquitto no-crl did not start"; finish; exit 1; }
run_json mqtt-nocrl "mqtts://localhost:$GW_PORT"
expect_failing mqtt-nocrl "$(both client-auth/revoked client-auth/revoked-intermediate)"
pub "$GW_PORT" client/revoked; check "mosquitto_pub: client/revoked publishes without a CRL" test $? = 0
stop_gateway

# Careless: require_certificate false, anonymous allowed: no certificate is
# asked for, so every defective one connects and the mode is none.
start_gateway mosquitto optional.conf.in "$FX" || { fail "mosquitto optional did not start"; finish; exit 1; }
run_json mqtt-optional "mqtts://localhost:$GW_PORT"
check "mosquitto optional: mode none, FAIL" test "$(field mqtt-optional client-auth/mode any verdict)" = FAIL
check "mosquitto optional: mode none" grep -q "^mode none" <<<"$(observed mqtt-optional client-auth/mode any)"
check "mosquitto optional: no-cert FAIL in both versions" \
  test "$(failing mqtt-optional | grep -c '^client-auth/no-cert .* FAIL')" = 2
timeout 10 mosquitto_pub -h localhost -p "$GW_PORT" --cafile "$FX/trust-bundle.pem" -t t -m x >/dev/null 2>&1
check "mosquitto_pub: connects without a certificate" test $? = 0
stop_gateway

# User names and passwords instead of certificates: without them the control
# is refused in the CONNACK and nothing is judged; with them, a device
# without a certificate connects.
start_gateway mosquitto password.conf.in "$FX" || { fail "mosquitto password did not start"; finish; exit 1; }
run_json mqtt-pw-none "mqtts://localhost:$GW_PORT" --only client-auth/revoked --only client-auth/no-cert
check "password broker without credentials: exit 3" test "$RC" = 3
check "password broker without credentials: INCONCLUSIVE, never PASS" \
  test "$(jq -r '[.results[].verdict] | unique | join(",")' "$WORK/mqtt-pw-none.json")" = INCONCLUSIVE
check "password broker without credentials: the reason names the CONNACK and --username" \
  grep -q "CONNACK 0x05 not authorized.*--username" <<<"$(field mqtt-pw-none client-auth/revoked TLSv1.2 reason)"
export MQ_PASS=s3cret
run_json mqtt-pw "mqtts://localhost:$GW_PORT" --username device1 --password env:MQ_PASS --only client-auth/no-cert \
  --only client-auth/valid
expect_failing mqtt-pw "$(both client-auth/no-cert)"
"$MTLSPROBE" load --target "mqtts://localhost:$GW_PORT" --fixtures "$FX" --mode connect -c 2 -n 4 -q \
  --json "$WORK/mq-pw-load.json" >/dev/null 2>&1
check "load without the password: exit 3" test $? = 3
check "load without the password: MQTT refused, by class" \
  test "$(jq -r '.errors.by_class["MQTT refused"]' "$WORK/mq-pw-load.json")" = 4
"$MTLSPROBE" load --target "mqtts://localhost:$GW_PORT" --fixtures "$FX" --mode connect -c 2 -n 4 -q \
  --mqtt-version 5 --username device1 --password env:MQ_PASS --json "$WORK/mq-pw-load5.json" >/dev/null 2>&1
check "load with the password, MQTT 5: exit 0" test $? = 0
check "the password is in no output" bash -c '! grep -rq s3cret "$1"/mqtt-pw.*' _ "$WORK"
stop_gateway

# ---- grpcs:// ----------------------------------------------------------------

# grpcio requiring a certificate from the fixtures' roots: it loads no CRL.
start_gateway grpc mtls.json.in "$FX" || { fail "grpc did not start"; finish; exit 1; }
run_json grpc "grpcs://localhost:$GW_PORT"
expect_failing grpc "$(both client-auth/revoked client-auth/revoked-intermediate)"
check "grpc: the control's answer is grpc-status 0" \
  grep -q "control got grpc-status 0 OK, HTTP 200" <<<"$(observed grpc client-auth/expired TLSv1.2)"
# a grpcio client with the same certificates agrees (Debian's python3-grpcio)
gcall() { # gcall PORT FIXTURE: 0 when the health check answers
  timeout 20 /usr/bin/python3 - "$1" "$FX/trust-bundle.pem" "$FX/$2.key.pem" "$FX/$2.chain.pem" <<'PY' >/dev/null 2>&1
import sys, grpc
port, ca, key, chain = sys.argv[1:5]
creds = grpc.ssl_channel_credentials(open(ca, "rb").read(), open(key, "rb").read(), open(chain, "rb").read())
ch = grpc.secure_channel("localhost:" + port, creds)
call = ch.unary_unary("/grpc.health.v1.Health/Check", request_serializer=lambda b: b, response_deserializer=lambda b: b)
try:
    call(b"", timeout=10)
except grpc.RpcError:
    sys.exit(1)
PY
}
gcall "$GW_PORT" client/valid; check "grpcio client: client/valid is answered" test $? = 0
gcall "$GW_PORT" client/revoked; check "grpcio client: client/revoked is answered too (no CRL)" test $? = 0
gcall "$GW_PORT" client/expired; check "grpcio client: client/expired is refused" test $? != 0
# a method the service refuses in grpc-status, inside HTTP 200: refused, not served
run_json grpc-admin "grpcs://localhost:$GW_PORT/mtlsprobe.test.Admin/Get" --only client-auth/valid-rsa \
  --only client-auth/valid
expect_failing grpc-admin "$(both client-auth/valid-rsa)"
check "grpc: PERMISSION_DENIED in HTTP 200 is a refusal" \
  grep -q "^rejected: grpc-status 7 PERMISSION_DENIED.*HTTP 200" <<<"$(observed grpc-admin client-auth/valid-rsa TLSv1.3)"
stop_gateway

# Careless: grpcio asking for no certificate.
start_gateway grpc optional.json.in "$FX" || { fail "grpc optional did not start"; finish; exit 1; }
run_json grpc-optional "grpcs://localhost:$GW_PORT" --only client-auth/no-cert --only client-auth/mode
check "grpc optional: no-cert FAIL in both versions" test "$(failing grpc-optional | grep -c '^client-auth/no-cert')" = 2
check "grpc optional: mode none" grep -q "^mode none" <<<"$(observed grpc-optional client-auth/mode any)"
stop_gateway

# ---- usage -------------------------------------------------------------------

usage() { # usage "fragment" ARGS...: exit 2 and the fragment on stderr
  local want=$1
  shift
  "$MTLSPROBE" run --fixtures "$FX" "$@" >"$WORK/usage.out" 2>&1
  local rc=$?
  check "run $*: exit 2 naming '$want' (got $rc: $(head -c 200 "$WORK/usage.out"))" \
    bash -c '[ "$1" = 2 ] && grep -qF -- "$2" "$3"' _ "$rc" "$want" "$WORK/usage.out"
}
usage "--send is for tls:// targets, and the target is https://" --target https://localhost:9/ --send x
usage "--username is for mqtts:// targets, and the target is tls://" --target tls://localhost:9 --username u
usage "--password goes with --username" --target mqtts://localhost:9 --password pass:x
usage "--mqtt-version must be 3.1.1 or 5, not '4'" --target mqtts://localhost:9 --mqtt-version 4
usage "--send: a bad escape" --target tls://localhost:9 --send 'a\q'
usage "a tls:// target needs a port" --target tls://localhost
lusage() { # lusage "fragment" ARGS...: load, exit 2 and the fragment on stderr
  local want=$1
  shift
  "$MTLSPROBE" load --fixtures "$FX" -n 1 "$@" >"$WORK/usage.out" 2>&1
  local rc=$?
  check "load $*: exit 2 naming '$want' (got $rc: $(head -c 200 "$WORK/usage.out"))" \
    bash -c '[ "$1" = 2 ] && grep -qF -- "$2" "$3"' _ "$rc" "$want" "$WORK/usage.out"
}
lusage "--mode connect does not go with a https:// target" --target https://localhost:9/ --mode connect
lusage "--mode request does not go with a mqtts:// target" --target mqtts://localhost:9 --mode request
lusage "--mode keepalive does not go with a tls:// target" --target tls://localhost:9 --mode keepalive
lusage "--client-id: every connection of a load gets its own" --target mqtts://localhost:9 --client-id d1
lusage "a tls:// load in --mode request sends --send's bytes and waits for --expect's" --target tls://localhost:9 --send x
lusage "a tls:// load in --mode request" --target tls://localhost:9 --mode request
lusage "--topic goes with --mode publish" --target mqtts://localhost:9 --mode connect --topic t
lusage "--topic: a topic name" --target mqtts://localhost:9 --mode publish --topic 'a/#'
lusage "--mode publish does not go with a https:// target" --target https://localhost:9/ --mode publish

finish
