# Verdict integrity against real peers (docs/gateways.md, "Verdict
# integrity"): a refusal counts against a certificate only when client/valid
# is served under the same conditions.
#
# Gateways that enforce client certificates at the HTTP level (nginx and
# HAProxy answering 401, Apache httpd redirecting with 302 to a login page,
# all with optional client certificates) must PASS every reject-expected
# scenario in both TLS versions, PASS client-auth/valid, report `mode
# optional` as a PASS, and exit 0. Peers that refuse client/valid too (nginx
# answering 403 to everyone, nginx trusting ca/rogue-root instead of the
# fixtures' root, a TCP peer that closes after the ClientHello) must PASS no
# reject-expected scenario: each is INCONCLUSIVE with a reason, and run exits 3.
#
# The reject-expected scenarios are read from the fixtures' manifest: every
# client fixture with `expect: reject` (client/X is scenario client-auth/X),
# plus client-auth/no-cert; a scenario that only records behaviour
# (`expect = "observe"` in its Lua file) is left out.
# VERDICT_EXPLORE=1 prints, per peer, the PASS and FAIL counts among those
# scenarios and the exit code, and asserts nothing.
. "$(dirname "$0")/lib.sh"

# A missing peer is a failure, not a skip: scripts/setup installs them all.
for bin in nginx haproxy apache2 socat; do
  command -v "$bin" >/dev/null || { echo "FAIL: $bin is not installed (scripts/setup installs it)"; exit 1; }
done

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q || { echo "FAIL: fixtures generation"; exit 1; }

reject_ids=(client-auth/no-cert)
for name in $(jq -r '.fixtures[] | select(.role == "client" and .expect == "reject") | .name | ltrimstr("client/")' "$FX/manifest.json"); do
  lua=$SRC/scenarios/client-auth/$name.lua
  [ -f "$lua" ] || { echo "FAIL: client/$name is expect: reject in the manifest but has no scenario ($lua)"; exit 1; }
  grep -q 'expect = "observe"' "$lua" && continue
  reject_ids+=("client-auth/$name")
done
[ ${#reject_ids[@]} -ge 15 ] || { echo "FAIL: only ${#reject_ids[@]} reject-expected scenarios found"; exit 1; }
REJECT_JSON=$(printf '%s\n' "${reject_ids[@]}" | jq -R . | jq -s .)

# suite NAME: the built-in client-auth suite against $GW_PORT into
# $WORK/NAME.json, its exit code in $WORK/NAME.rc
suite() {
  "$MTLSPROBE" run --target "https://localhost:$GW_PORT/" --connect-to "127.0.0.1:$GW_PORT" \
    --fixtures "$FX" --json "$WORK/$1.json" -q -j 4 >"$WORK/$1.out" 2>&1
  echo $? >"$WORK/$1.rc"
}
rc() { cat "$WORK/$1.rc"; }
# q NAME JQ-FILTER: the filter over the results of run NAME, $reject bound
# to the reject-expected scenario ids
q() { jq -r --argjson reject "$REJECT_JSON" "$2" "$WORK/$1.json"; }
# the results of reject-expected scenarios
REJ='[.results[] | select(.id as $i | $reject | index($i))]'
# "id [version]" lines of reject-expected results, sorted
rejected_lines() { q "$1" "$REJ | .[] | \"\(.id) [\(.tls_version)] \(.verdict)\"" | sort; }
one() { # one NAME ID VERSION FIELD: a field of one result
  jq -r --arg id "$2" --arg v "$3" ".results[] | select(.id == \$id and .tls_version == \$v) | $4" "$WORK/$1.json"
}
mode() { jq -r '.results[] | select(.id == "client-auth/mode")' "$WORK/$1.json"; }

# Each peer: "GATEWAY TEMPLATE NAME".
ENFORCING=("nginx mtls-optional-401.conf.in nginx-401" "haproxy mtls-optional-401.cfg.in haproxy-401"
           "apache2 mtls-redirect.conf.in apache2-302")
REFUSING=("nginx mtls-forbidden.conf.in nginx-403" "nginx mtls-other-ca.conf.in nginx-other-ca"
          "socat close-after-hello.in tcp-closer")

run_peer() { # run_peer GATEWAY TEMPLATE NAME
  start_gateway "$1" "$2" "$FX" || { fail "$3: $1 $2 did not start"; return 1; }
  suite "$3"
  stop_gateway
  [ -s "$WORK/$3.json" ] || { fail "$3: no JSON written (exit $(rc "$3")): $(tail -n 3 "$WORK/$3.out" | tr '\n' ' ')"; return 1; }
}

if [ -n "${VERDICT_EXPLORE:-}" ]; then
  printf '%-16s %-32s %5s %5s %5s %5s %4s\n' peer config PASS FAIL INCON other exit
  for p in "${ENFORCING[@]}" "${REFUSING[@]}"; do
    set -- $p
    run_peer "$1" "$2" "$3" || continue
    printf '%-16s %-32s %5s %5s %5s %5s %4s\n' "$3" "$1/$2" \
      "$(q "$3" "$REJ | map(select(.verdict == \"PASS\")) | length")" \
      "$(q "$3" "$REJ | map(select(.verdict == \"FAIL\")) | length")" \
      "$(q "$3" "$REJ | map(select(.verdict == \"INCONCLUSIVE\")) | length")" \
      "$(q "$3" "$REJ | map(select(.verdict != \"PASS\" and .verdict != \"FAIL\" and .verdict != \"INCONCLUSIVE\")) | length")" \
      "$(rc "$3")"
    echo "  valid: $(q "$3" '[.results[] | select(.id == "client-auth/valid") | "\(.tls_version) \(.verdict)"] | join(", ")');" \
         "mode: $(mode "$3" | jq -r '"\(.verdict) \(.observed)"')"
  done
  echo "(${#reject_ids[@]} reject-expected scenarios; PASS/FAIL/INCON/other count their results over both TLS versions)"
  exit 0
fi

# Gateways that enforce the certificate at the HTTP level.
for p in "${ENFORCING[@]}"; do
  set -- $p
  name=$3
  run_peer "$1" "$2" "$name" || continue
  want=$(for id in "${reject_ids[@]}"; do printf '%s [TLSv1.2]\n%s [TLSv1.3]\n' "$id" "$id"; done | sort)
  missing=$(comm -23 <(echo "$want") <(rejected_lines "$name" | sed 's/ [A-Z]*$//' | sort -u) | tr '\n' ';')
  notpass=$(rejected_lines "$name" | grep -v ' PASS$' | tr '\n' ';')
  check "$name: every reject-expected scenario judged in TLS 1.2 and 1.3 (missing: $missing)" test -z "$missing"
  check "$name: every reject-expected scenario passes (not: $notpass)" test -z "$notpass"
  check "$name: client-auth/valid passes in TLS 1.2 and 1.3" \
    test "$(q "$name" '[.results[] | select(.id == "client-auth/valid") | "\(.tls_version) \(.verdict)"] | sort | join(",")')" = "TLSv1.2 PASS,TLSv1.3 PASS"
  check "$name: client-auth/mode passes" test "$(mode "$name" | jq -r .verdict)" = PASS
  check "$name: client-auth/mode observed optional" grep -q "optional" <<<"$(mode "$name" | jq -r .observed)"
  check "$name: no INCONCLUSIVE in the summary" test "$(q "$name" '.summary.inconclusive')" = 0
  check "$name: exit 0" test "$(rc "$name")" = 0
  # The refusal names the scenario's status and the control's.
  case $name in *-302) status=302 ;; *) status=401 ;; esac
  for v in TLSv1.2 TLSv1.3; do
    observed=$(one "$name" client-auth/no-cert "$v" .observed)
    check "$name: no-cert [$v] observed names HTTP $status and the control ($observed)" \
      bash -c '[[ $1 == *"$2"* && $1 == *control* && $1 == *200* ]]' _ "$observed" "$status"
    check "$name: no-cert [$v] control is client/valid, served with 200" \
      test "$(one "$name" client-auth/no-cert "$v" '.control | "\(.fixture) \(.served) \(.http_status)"')" = "client/valid true 200"
  done
  # nginx and HAProxy finish the handshake for a bad certificate and refuse
  # it with 401; Apache ends the handshake (expired is not an optional error).
  case $name in
    nginx-401|haproxy-401)
      check "$name: expired [TLSv1.3] refused with HTTP 401" grep -q 401 <<<"$(one "$name" client-auth/expired TLSv1.3 .observed)" ;;
  esac
done

# Peers that refuse client/valid too: nothing can be judged.
for p in "${REFUSING[@]}"; do
  set -- $p
  name=$3
  run_peer "$1" "$2" "$name" || continue
  check "$name: no reject-expected scenario passes" test "$(q "$name" "$REJ | map(select(.verdict == \"PASS\")) | length")" = 0
  missing=$(q "$name" "[.results[].id] as \$seen | \$reject - \$seen | join(\" \")")
  check "$name: every reject-expected scenario has a result (missing: $missing)" test -z "$missing"
  not_inconclusive=$(q "$name" "$REJ | map(select(.verdict != \"INCONCLUSIVE\") | \"\(.id) [\(.tls_version)] \(.verdict)\") | join(\", \")")
  check "$name: every reject-expected result is INCONCLUSIVE (not: $not_inconclusive)" test -z "$not_inconclusive"
  check "$name: every INCONCLUSIVE has a reason" \
    test "$(q "$name" "[.results[] | select(.verdict == \"INCONCLUSIVE\") | select((.reason // \"\") == \"\")] | length")" = 0
  # name-constraint-violation's control is a certificate of the same
  # name-constrained CA; every other one is client/valid.
  check "$name: every reject-expected control is client/valid (or its own), not served" \
    test "$(q "$name" "$REJ | map(select((.control.fixture != (if .id == \"client-auth/name-constraint-violation\" then \"client/name-constrained-valid\" else \"client/valid\" end)) or .control.served != false)) | length")" = 0
  reason=$(q "$name" "$REJ | map(.reason) | first")
  check "$name: the reason names the likely cause ($reason)" \
    bash -c '[[ $1 == *trust-bundle* || $1 == *path* || $1 == *"TLS gateway"* ]]' _ "$reason"
  check "$name: client-auth/valid does not pass" test "$(q "$name" '[.results[] | select(.id == "client-auth/valid" and .verdict == "PASS")] | length')" = 0
  check "$name: client-auth/valid is INCONCLUSIVE" \
    test "$(q "$name" '[.results[] | select(.id == "client-auth/valid") | .verdict] | unique | join(",")')" = INCONCLUSIVE
  check "$name: client-auth/mode is INCONCLUSIVE" test "$(mode "$name" | jq -r .verdict)" = INCONCLUSIVE
  check "$name: the summary counts INCONCLUSIVE" test "$(q "$name" '.summary.inconclusive // 0')" -gt 0
  check "$name: exit 3" test "$(rc "$name")" = 3
  # A gateway that finishes handshakes is probed in both TLS versions.
  if [ "$1" = nginx ]; then
    check "$name: both TLS versions judged" \
      test "$(q "$name" "$REJ | map(.tls_version) | unique | join(\",\")")" = "TLSv1.2,TLSv1.3"
  fi
done

finish
