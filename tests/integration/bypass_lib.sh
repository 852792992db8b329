# Shared by the bypass_*.sh tests: fixtures naming the mTLS and public
# hosts, `mtlsprobe serve` with one echo upstream per server fixture (and one
# that requires a client certificate), the --set values the bypass gateway
# templates take, and running the bypass and upstream suites.
FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q --host localhost --host 127.0.0.1 --host mtls.test --host public.test --host other.test ||
  { echo "FAIL: fixtures generation"; exit 1; }

# the echo upstreams, one per server fixture, and one that requires a client certificate
declare -A UP
specs=()
for name in valid expired wrong-san self-signed untrusted pin-mismatch client-auth; do
  UP[$name]=$(free_port) || { echo "FAIL: no free port"; exit 1; }
  if [ "$name" = client-auth ]; then specs+=(--upstream "127.0.0.1:${UP[$name]}=valid,client-auth")
  else specs+=(--upstream "127.0.0.1:${UP[$name]}=$name"); fi
done
"$MTLSPROBE" serve --fixtures "$FX" "${specs[@]}" --upstream-record "$WORK/record.jsonl" >"$WORK/upstreams.out" 2>&1 &
UP_PID=$!
cleanup_hooks+=("kill $UP_PID 2>/dev/null; wait $UP_PID 2>/dev/null")
for name in "${!UP[@]}"; do wait_port "${UP[$name]}" || { echo "FAIL: upstream $name did not start: $(cat "$WORK/upstreams.out")"; exit 1; }; done
check "serve announces each upstream" test "$(grep -c 'echo upstream on https://127.0.0.1:' "$WORK/upstreams.out")" = 7

sets=(--set MTLS_HOST=mtls.test --set PUBLIC_HOST=public.test --set OTHER_MTLS_HOST=other.test --set "UP_VALID=${UP[valid]}"
      --set "UP_EXPIRED=${UP[expired]}" --set "UP_WRONG_SAN=${UP[wrong-san]}"
      --set "UP_SELF_SIGNED=${UP[self-signed]}" --set "UP_UNTRUSTED=${UP[untrusted]}"
      --set "UP_PIN_MISMATCH=${UP[pin-mismatch]}" --set "UP_CLIENT_AUTH=${UP[client-auth]}")
# HAProxy presents a client certificate from one file holding chain and key.
(umask 077 && cat "$FX/client/valid.chain.pem" "$FX/client/valid.key.pem" > "$WORK/client-valid.pem")
sets+=(--set "CLIENT_PEM=$WORK/client-valid.pem")

# --other-mtls-host where the gateway config has a second mTLS host
OTHER=""  # set to "--other-mtls-host other.test" by a test whose gateway has one
# run_suites NAME: both suites against the gateway on $GW_PORT; $WORK/NAME.json
run_suites() {
  "$MTLSPROBE" run --target "https://mtls.test:$GW_PORT/" --connect-to "127.0.0.1:$GW_PORT" \
    --fixtures "$FX" --suite all --only 'bypass/*' --only 'upstream/*' --mtls-host mtls.test \
    --public-host public.test --echo / $OTHER --upstream-prefix /upstream/ --json "$WORK/$1.json" -q \
    >"$WORK/$1.out" 2>&1
  echo $? > "$WORK/$1.rc"
}
# verdicts NAME: "id VERDICT" lines, sorted
verdicts() { jq -r '.results[] | "\(.id) \(.verdict)"' "$WORK/$1.json" | sort; }
observed() { jq -r --arg id "$2" '.results[] | select(.id == $id) | .observed' "$WORK/$1.json"; }
details() { jq -r --arg id "$2" '.results[] | select(.id == $id) | .details[]' "$WORK/$1.json"; }


# Every scenario a careful config passes; upstream/pin-mismatch fails with
# nginx and HAProxy alike, which cannot pin an upstream's key.
SAFE_VERDICTS="bypass/cross-sni-resumption PASS
bypass/forged-identity-headers PASS
bypass/post-handshake-auth INFO
bypass/renegotiation PASS
bypass/revocation SKIP
bypass/revoked-keepalive SKIP
bypass/sni-host-mismatch PASS
upstream/client-cert PASS
upstream/expired PASS
upstream/pin-mismatch FAIL
upstream/self-signed PASS
upstream/untrusted PASS
upstream/valid PASS
upstream/wrong-san PASS"
