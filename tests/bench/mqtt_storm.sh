# A connect storm against Mosquitto: devices reconnecting after an outage,
# each a TLS handshake with its own client certificate, a CONNECT and its
# CONNACK, then DISCONNECT. mtlsprobe load --mode connect with a fleet,
# closed loop and a fixed rate, beside the same connects made one process
# at a time by Debian's mosquitto_pub (what a hand-made storm costs). Prints
# the rates, the CONNACK latency and the broker's count of new clients;
# asserts nothing.
#   bash tests/bench/mqtt_storm.sh build/mtlsprobe .
#   MQTT_STORM_N=5000 bash tests/bench/mqtt_storm.sh build/mtlsprobe .
. "$(dirname "$0")/../integration/lib.sh"

N=${MQTT_STORM_N:-2000}
FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q
start_gateway mosquitto mtls.conf.in "$FX" || { echo "mosquitto did not start"; exit 1; }
clients() { grep -c "New client connected" "$GW_RUN/start.out"; }

before=$(clients)
"$MTLSPROBE" load --target "mqtts://localhost:$GW_PORT" --fixtures "$FX" --mode connect --clients 1000 \
  -c 64 -n "$N" -q --json "$WORK/closed.json" >"$WORK/closed.out" 2>&1
jq -r '"load --mode connect, 1,000 device identities, -c 64, \(.totals.handshakes) connects: \(.totals.ok) ok, \(.totals.errors) errors at \(.totals.rate_per_s | floor)/s; CONNACK p50 \(.phases.ttfb.p50_ms) ms, p99 \(.phases.ttfb.p99_ms) ms; total p99 \(.phases.total.p99_ms) ms; client CPU \(.cpu.us_per_handshake | floor) us per connection"' \
  "$WORK/closed.json"
echo "  the broker counted $(( $(clients) - before )) new clients"
grep "limit:" "$WORK/closed.out"

before=$(clients)
"$MTLSPROBE" load --target "mqtts://localhost:$GW_PORT" --fixtures "$FX" --mode connect --clients 1000 \
  --stages 5s:200/s,10s:200/s -c 500 -q --json "$WORK/open.json" >"$WORK/open.out" 2>&1
jq -r '"load --mode connect, ramp to 200/s and hold: \(.totals.ok) ok, \(.totals.errors) errors; CONNACK p99 \(.phases.ttfb.p99_ms) ms, total p99 (from the intended start) \(.phases.total.p99_ms) ms"' \
  "$WORK/open.json"
echo "  the broker counted $(( $(clients) - before )) new clients"

M=$(( N < 200 ? N : 200 ))
cat >"$WORK/pubs.sh" <<SH
ok=0
for i in \$(seq 1 $M); do
  mosquitto_pub -h localhost -p $GW_PORT --cafile $FX/trust-bundle.pem --cert $FX/client/valid.chain.pem \\
    --key $FX/client/valid.key.pem -t storm -m x >/dev/null 2>&1 && ok=\$((ok + 1))
done
echo "\$ok" >$WORK/pubs.ok
SH
/usr/bin/time -f "%e %U %S" -o "$WORK/pubs.time" bash "$WORK/pubs.sh"
read -r wall user sys <"$WORK/pubs.time"
echo "mosquitto_pub, one process per connect, $M connects: $(cat "$WORK/pubs.ok") ok in $wall s," \
  "$(awk -v m="$M" -v w="$wall" 'BEGIN { printf "%.0f", m / w }')/s; client CPU" \
  "$(awk -v m="$M" -v u="$user" -v s="$sys" 'BEGIN { printf "%.0f", (u + s) * 1e6 / m }') us per connection"
exit 0
