# CI gates: run's exit codes (0 judged and passed, 1 a FAIL at or above
# --fail-on, 2 usage, 3 something not judged), --fail-on, --waivers (valid,
# expired, stale, not matching, malformed: checked before any connection),
# waived FAILs in the table, JSON, JUnit and the report, and load's exit 3
# when nothing was measured. The scenarios decide their own verdicts and make
# no connection (--tls 1.2: no version probe), so every verdict here is the
# same on any machine under any load.
. "$(dirname "$0")/lib.sh"

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q || { echo "FAIL: fixtures generation"; exit 1; }
SC=$WORK/sc
mkdir -p "$SC"
scenario() { # scenario FILE ID SEVERITY LUA-BODY
  printf 'return { id = "%s", severity = "%s", per_tls_version = true, run = function(t) %s end }\n' \
    "$2" "$3" "$4" >"$SC/$1.lua"
}
scenario a_low gate/low low 't:fail("accepted", "rejected")'
scenario b_high gate/high high 't:fail("accepted", "rejected")'
scenario c_pass gate/pass critical 't:pass("rejected", "rejected")'
mkdir -p "$WORK/inc" "$WORK/err"
printf 'return { id = "gate/inconclusive", severity = "critical", run = function(t) t:inconclusive("the gateway refused client/valid too") end }\n' >"$WORK/inc/inc.lua"
printf 'return { id = "gate/error", severity = "high", run = function(t) t:error("could not run") end }\n' >"$WORK/err/err.lua"

T="https://127.0.0.1:1/"
# gate EXPECTED_EXIT NAME ARGS...: run with --json/--junit $WORK/NAME.*;
# stdout and stderr in $WORK/NAME.out and .err
gate() {
  local want=$1 name=$2; shift 2
  timeout 60 "$MTLSPROBE" run --target "$T" --fixtures "$FX" --tls 1.2 --json "$WORK/$name.json" \
    --junit "$WORK/$name.xml" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
  local got=$?
  check "$name: exit $want (got $got; stderr: $(head -c 200 "$WORK/$name.err"))" test "$got" = "$want"
}
jqr() { jq -r "$2" "$WORK/$1.json"; }

# --help documents the options and every exit code
"$MTLSPROBE" run --help >"$WORK/help.out"
for frag in "--fail-on LEVEL" "--waivers FILE" "  0  nothing failed and everything was judged" \
            "  1  a FAIL at or above --fail-on" "  2  usage or setup error" "  3  nothing failed, but something could not be judged"; do
  check "run --help: '$frag'" grep -qF -- "$frag" "$WORK/help.out"
done
"$MTLSPROBE" load --help >"$WORK/lhelp.out"
check "load --help: exit 3" grep -qF "  3  no threshold breached, but the load could not be measured" "$WORK/lhelp.out"
"$MTLSPROBE" report --help >"$WORK/rhelp.out"
check "report --help: exit 1" grep -qF "  1  report written, and a regression" "$WORK/rhelp.out"

# exit codes and --fail-on
gate 1 plain "$SC"
check "plain: both FAILs" test "$(jqr plain '.summary | "\(.failed) \(.waived) \(.inconclusive)"')" = "2 0 0"
check "plain: summary line" grep -qx "1 passed, 2 failed, 0 inconclusive, 0 errors, 0 skipped, 0 info (recorded, not judged)" "$WORK/plain.out"
gate 1 fail-on-high "$SC" --fail-on high
check "fail-on high: the low FAIL is still a FAIL" test "$(jqr fail-on-high '[.results[] | select(.verdict == "FAIL")] | length')" = 2
check "fail-on high: one FAIL below the threshold" grep -qx "1 FAIL below --fail-on high, not counted towards the exit code" "$WORK/fail-on-high.out"
gate 0 fail-on-critical "$SC" --fail-on critical
check "fail-on critical: the table still says FAIL" grep -qE "^gate/low +TLSv1.2 +FAIL " "$WORK/fail-on-critical.out"
check "fail-on critical: JUnit still has the failures" test "$(grep -c "<failure" "$WORK/fail-on-critical.xml")" = 2
gate 0 fail-on-medium-low "$SC/a_low.lua" "$SC/c_pass.lua" --fail-on medium
gate 1 fail-on-low "$SC/a_low.lua" --fail-on low
gate 1 fail-on-info "$SC/a_low.lua" --fail-on info
# below the threshold, but something was not judged: 3, not 0
gate 3 below-and-inconclusive "$SC/a_low.lua" "$WORK/inc" --fail-on high
gate 3 inconclusive "$SC/c_pass.lua" "$WORK/inc"
check "inconclusive: the verdict and its reason" test "$(jqr inconclusive '.results[] | select(.id == "gate/inconclusive") | "\(.verdict): \(.reason)"')" = \
  "INCONCLUSIVE: the gateway refused client/valid too"
check "inconclusive: the table says so" grep -qE "^gate/inconclusive +TLSv1.2 +INCONCLUSIVE " "$WORK/inconclusive.out"
check "inconclusive: JUnit error with the reason" grep -q '<error message="INCONCLUSIVE: the gateway refused client/valid too"' "$WORK/inconclusive.xml"
gate 3 error "$SC/c_pass.lua" "$WORK/err"
gate 1 fail-beats-unjudged "$SC/b_high.lua" "$WORK/inc" "$WORK/err"
for bad in bogus HIGH ""; do
  "$MTLSPROBE" run --target "$T" --fixtures "$FX" --fail-on "$bad" "$SC" >/dev/null 2>"$WORK/bad.err"
  check "--fail-on '$bad': exit 2" test $? = 2
  check "--fail-on '$bad': one line" bash -c '[ "$(wc -l <"$1")" = 1 ] && grep -q "fail-on must be critical, high, medium, low or info" "$1"' _ "$WORK/bad.err"
done

# --waivers: a valid one covers the high FAIL; the low one stays below --fail-on
cat >"$WORK/waivers.json" <<'JSON'
{
  "comment": "accepted findings",
  "waivers": [
    { "id": "gate/hi*", "tls_version": "TLSv1.2", "target": "https://127.0.0.1:1/*",
      "reason": "legacy clients until Q3", "expires": "9999-12-31" }
  ]
}
JSON
gate 0 waived "$SC" --waivers "$WORK/waivers.json" --fail-on medium -v
check "waived: table says FAIL (waived)" grep -qE "^gate/high +TLSv1.2 +FAIL \(waived\) " "$WORK/waived.out"
check "waived: -v prints the reason and expiry" grep -qF "waived: legacy clients until Q3 (expires 9999-12-31)" "$WORK/waived.out"
check "waived: summary counts it" grep -qx "1 passed, 2 failed (1 waived), 0 inconclusive, 0 errors, 0 skipped, 0 info (recorded, not judged)" "$WORK/waived.out"
check "waived: JSON verdict stays FAIL, with the waiver" test "$(jqr waived '.results[] | select(.id == "gate/high") | "\(.verdict) \(.waiver.reason) \(.waiver.expires)"')" = \
  "FAIL legacy clients until Q3 9999-12-31"
check "waived: JSON waiver is null elsewhere" test "$(jqr waived '[.results[] | select(.id != "gate/high") | .waiver] | unique | tostring')" = "[null]"
check "waived: summary.waived" test "$(jqr waived '.summary | "\(.failed) \(.waived)"')" = "2 1"
check "waived: schema version 3" test "$(jqr waived .version)" = 3
check "waived: JUnit passing testcase with the waiver" \
  bash -c 'grep -A1 "name=\"gate/high \[TLSv1.2\]\"" "$1" | grep -q "<system-out>waived: legacy clients until Q3, expires 9999-12-31"' _ "$WORK/waived.xml"
check "waived: JUnit counts one failure" grep -q '<testsuite name=.* failures="1"' "$WORK/waived.xml"
check "waived: no warning" test ! -s "$WORK/waived.err"
gate 1 waived-fail-on-low "$SC" --waivers "$WORK/waivers.json" --fail-on low
gate 3 waiver-covers-no-inconclusive "$SC/b_high.lua" "$WORK/inc" --waivers "$WORK/waivers.json"

# the report shows the waiver
timeout 60 "$MTLSPROBE" report "$WORK/waived.json" --out "$WORK/report" --no-charts -q
check "report: exit 0" test $? = 0
check "report: FAIL (waived) badge" grep -q '<span class="badge FAIL waived">FAIL (waived)</span>' "$WORK/report/index.html"
check "report: the waived FAIL counted on the first screen" grep -q '<p class="totals" id="totals">[^<]* FAIL (1 waived)' "$WORK/report/index.html"
check "report: the waiver beside the verdict" grep -qF "waived: legacy clients until Q3, expires 9999-12-31" "$WORK/report/index.html"
check "report.md: FAIL (waived) row" grep -qF "| **FAIL (waived)** | high | gate/high |" "$WORK/report/report.md"
timeout 60 "$MTLSPROBE" report "$WORK/inconclusive.json" --out "$WORK/report-inc" --no-charts -q
check "report: an INCONCLUSIVE run is INCONCLUSIVE on the first screen" grep -q 'id="overall" data-verdict="INCONCLUSIVE"' "$WORK/report-inc/index.html"
check "report: the INCONCLUSIVE verdict counted on the first screen" grep -q '<p class="totals" id="totals">[^<]*1 INCONCLUSIVE' "$WORK/report-inc/index.html"
check "report: INCONCLUSIVE row with its reason" grep -qF "reason: the gateway refused client/valid too" "$WORK/report-inc/index.html"

# an expired waiver covers nothing: the FAIL fails again, and run says why
sed 's/9999-12-31/2020-01-31/' "$WORK/waivers.json" >"$WORK/expired.json"
gate 1 expired "$SC" --waivers "$WORK/expired.json" --fail-on medium
check "expired: not waived" test "$(jqr expired '.summary.waived')" = 0
check "expired: one line says the waiver expired" \
  grep -qx "mtlsprobe: run: the waiver for gate/hi\* \[TLSv1.2\] at https://127.0.0.1:1/\* expired on 2020-01-31: 1 FAIL counts again" "$WORK/expired.err"

# waivers that cover nothing: another TLS version, another target, no match
cat >"$WORK/stale.json" <<'JSON'
{ "waivers": [
  { "id": "gate/high", "tls_version": "TLSv1.3", "reason": "r", "expires": "9999-12-31" },
  { "id": "gate/high", "target": "https://gw.example:8443/*", "reason": "r", "expires": "9999-12-31" },
  { "id": "client-auth/*", "reason": "r", "expires": "9999-12-31" } ] }
JSON
gate 1 stale "$SC" --waivers "$WORK/stale.json" --fail-on medium
check "stale: nothing waived" test "$(jqr stale '.summary.waived')" = 0
check "stale: a warning per waiver" test "$(grep -c "warning: stale waiver for .*: it covers no FAIL in this run" "$WORK/stale.err")" = 3
check "stale: names the version" grep -qF "stale waiver for gate/high [TLSv1.3]" "$WORK/stale.err"

# malformed waiver files: exit 2, one line, before any connection (a
# listener counts the connections it accepts)
LPORT=$(free_port)
perl -MIO::Socket::INET -e '$| = 1; $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1:'"$LPORT"'", Listen => 64, ReuseAddr => 1) or die; while ($c = $s->accept) { print "accepted\n"; close $c }' >>"$WORK/accepts" &
cleanup_hooks+=("kill $! 2>/dev/null")
wait_port "$LPORT" || { echo "FAIL: listener did not start"; exit 1; }
for i in $(seq 1 100); do [ -s "$WORK/accepts" ] && break; sleep 0.1; done # wait_port's own connection
accepted_before=$(wc -l <"$WORK/accepts")
malformed() { # malformed NAME FRAGMENT CONTENT
  printf '%s' "$3" >"$WORK/$1.waivers"
  rm -f "$WORK/$1.json"
  timeout 60 "$MTLSPROBE" run --target "https://127.0.0.1:$LPORT/" --fixtures "$FX" --waivers "$WORK/$1.waivers" \
    --json "$WORK/$1.json" >"$WORK/$1.out" 2>"$WORK/$1.err"
  local rc=$?
  check "waivers $1: exit 2 (got $rc)" test "$rc" = 2
  check "waivers $1: one line naming '$2'" bash -c '[ "$(wc -l <"$1")" = 1 ] && grep -qF -- "$2" "$1"' _ "$WORK/$1.err" "$2"
  check "waivers $1: no results written" test ! -e "$WORK/$1.json"
}
malformed invalid-json "not valid JSON" '{"waivers": ['
malformed no-reason 'waivers[0]: "reason" is required' '{"waivers": [{"id": "a", "expires": "2027-03-31"}]}'
malformed no-expires 'waivers[0]: "expires" is required' '{"waivers": [{"id": "a", "reason": "r"}]}'
malformed bad-date '"expires" must be a date YYYY-MM-DD, not '"'"'31/03/2027'"'" '{"waivers": [{"id": "a", "reason": "r", "expires": "31/03/2027"}]}'
malformed unknown-key 'unknown key "tls"' '{"waivers": [{"id": "a", "tls": "TLSv1.2", "reason": "r", "expires": "2027-03-31"}]}'
malformed not-a-list 'expected {"waivers": [...]}' '{"waivers": {}}'
rm -f "$WORK/none.json"
timeout 60 "$MTLSPROBE" run --target "https://127.0.0.1:$LPORT/" --fixtures "$FX" --waivers "$WORK/missing.waivers" \
  >/dev/null 2>"$WORK/missing.err"
check "waivers missing file: exit 2" test $? = 2
check "waivers missing file: one line naming it" bash -c '[ "$(wc -l <"$1")" = 1 ] && grep -q "missing.waivers" "$1"' _ "$WORK/missing.err"
sleep 0.5 # a connection would have been logged by now
check "malformed waivers: no connection was made" test "$(wc -l <"$WORK/accepts")" = "$accepted_before"
# the listener does see a run with a good waiver file (the check above can fail)
timeout 60 "$MTLSPROBE" run --target "https://127.0.0.1:$LPORT/" --fixtures "$FX" --waivers "$WORK/waivers.json" \
  --only client-auth/valid --tls 1.3 --timeout 1s -q >/dev/null 2>&1
check "good waivers: the run starts (not a usage error)" test $? != 2
sleep 0.5
check "good waivers: the listener saw it" test "$(wc -l <"$WORK/accepts")" -gt "$accepted_before"

# an unreachable target: nothing judged, exit 3; load measures nothing: exit 3
DOWN=$(free_port)
timeout 60 "$MTLSPROBE" run --target "https://127.0.0.1:$DOWN/" --fixtures "$FX" --only client-auth/valid -q \
  --json "$WORK/down.json" >/dev/null 2>&1
check "unreachable run: exit 3" test $? = 3
check "unreachable run: ERROR verdicts only" test "$(jq -r '[.results[].verdict] | unique | join(",")' "$WORK/down.json")" = ERROR
timeout 60 "$MTLSPROBE" load --target "https://127.0.0.1:$DOWN/" --fixtures "$FX" -c 1 -n 3 --timeout 1s -q >"$WORK/lrun.out" 2>&1
check "unreachable load: exit 3" test $? = 3
check "unreachable load: says nothing was measured" grep -q "nothing measured: no handshake succeeded" "$WORK/lrun.out"
timeout 60 "$MTLSPROBE" load --target "https://127.0.0.1:$DOWN/" --fixtures "$FX" -c 1 -n 3 --timeout 1s -q \
  --threshold 'handshake.p99<50ms' >"$WORK/lthr.out" 2>&1
check "unreachable load, latency threshold: exit 3, not measured" test $? = 3
check "unreachable load, latency threshold: NOT MEASURED" grep -q "threshold handshake.p99<50ms: NOT MEASURED (no samples)" "$WORK/lthr.out"
timeout 60 "$MTLSPROBE" load --target "https://127.0.0.1:$DOWN/" --fixtures "$FX" -c 1 -n 3 --timeout 1s -q \
  --threshold 'errors<1%' >"$WORK/lerr.out" 2>&1
check "unreachable load, error threshold: breached, exit 1" test $? = 1

# the example waiver file in the repository is valid
gate 1 example "$SC" --waivers "$SRC/scenarios/examples/waivers.json"
check "example waivers: stale warnings only" bash -c '! grep -v "warning: stale waiver" "$1" | grep -q .' _ "$WORK/example.err"

finish
