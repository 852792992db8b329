# Outputs and secrets: inside an output directory, a symbolic link another
# user planted (report.md, index.html, charts/ pointing into a root-only
# place) is refused before any work, and its target is untouched; a link of
# the user's own is still followed; a replaced file keeps its mode or a
# stricter one; credential headers given with -H are "(hidden)" in every
# output. Runs as root, with directories owned by nobody, as a CI job that
# runs as root in a shared workspace would meet them.
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
  fail "this test plants another user's links and must run as root (CI and scripts/test do)"
  finish
  exit 1
fi
FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" --seed 24 >/dev/null 2>&1 || { echo "FAIL: fixtures"; exit 1; }
SERVE_PORT=$(free_port)
"$MTLSPROBE" serve --fixtures "$FX" --listen "127.0.0.1:$SERVE_PORT" >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
cleanup_hooks+=("kill $SERVE_PID 2>/dev/null")
wait_port "$SERVE_PORT" || { echo "FAIL: serve did not start"; exit 1; }
run() { "$MTLSPROBE" run --target "https://localhost:$SERVE_PORT/" --connect-to "127.0.0.1:$SERVE_PORT" --fixtures "$FX" "$@"; }
run --json "$WORK/r.json" -q >/dev/null 2>&1

# a root-only secret and a root-only directory, and directories nobody owns
SECRET=$WORK/root-only/secret.conf
mkdir -m 700 "$WORK/root-only" "$WORK/root-only/dir"
echo "do not replace" > "$SECRET"; chmod 600 "$SECRET"
chmod 755 "$WORK"
plant() { # plant DIR NAME TARGET: nobody's link DIR/NAME -> TARGET
  mkdir -p "$1"; chown nobody "$1"
  runuser -u nobody -- ln -s "$2" "$1/$3"
}
plant "$WORK/shared1" "$SECRET" report.md
plant "$WORK/shared2" "$SECRET" index.html
plant "$WORK/shared3" "$WORK/root-only/dir" charts
for n in 1 2 3; do
  "$MTLSPROBE" report "$WORK/r.json" --out "$WORK/shared$n" -q >"$WORK/rep$n.out" 2>&1
  check "planted link $n: refused, exit 2" test $? = 2
  check "planted link $n: the message names the link and its owner" grep -q "is a symbolic link owned by uid $(id -u nobody), not by you or root" "$WORK/rep$n.out"
done
check "planted links: the secret is untouched" test "$(cat "$SECRET")" = "do not replace"
check "planted links: its mode is still 0600" test "$(stat -c %a "$SECRET")" = 600
check "planted links: nothing written into the root-only directory" test -z "$(ls -A "$WORK/root-only/dir")"
check "planted links: no page written beside them" test ! -e "$WORK/shared3/index.html"
plant "$WORK/shared4" "$SECRET" out.json
run --json "$WORK/shared4/out.json" -q >"$WORK/json4.out" 2>&1
check "run --json through another user's link: exit 2" test $? = 2
check "run --json through another user's link: the secret is untouched" test "$(cat "$SECRET")" = "do not replace"
plant "$WORK/shared5" "$WORK/root-only/dir" sub
run --json "$WORK/shared5/sub/out.json" -q >"$WORK/json5.out" 2>&1
check "run --json under another user's linked directory: exit 2" test $? = 2

# the user's own links are followed, as before
ln -s "$WORK/own-target.json" "$WORK/own-link.json"
run --json "$WORK/own-link.json" -q >/dev/null 2>&1
check "own link: followed, the target written" test -s "$WORK/own-target.json" -a -L "$WORK/own-link.json"
mkdir "$WORK/own-dir-target" && ln -s "$WORK/own-dir-target" "$WORK/own-dir"
"$MTLSPROBE" report "$WORK/r.json" --out "$WORK/own-dir" --no-charts -q
check "own linked output directory: the report is written" test -s "$WORK/own-dir-target/index.html"
run --json /dev/stdout -q >"$WORK/stdout.json" 2>/dev/null
check "--json /dev/stdout still works" grep -q '"schema": "mtlsprobe-run"' "$WORK/stdout.json"

# a replaced file keeps its mode, or a stricter one
echo old > "$WORK/keep.json"; chmod 600 "$WORK/keep.json"
run --json "$WORK/keep.json" -q >/dev/null 2>&1
check "a 0600 result file stays 0600 when replaced" test "$(stat -c %a "$WORK/keep.json")" = 600
mkdir "$WORK/rep-keep"; echo old > "$WORK/rep-keep/report.md"; chmod 640 "$WORK/rep-keep/report.md"
"$MTLSPROBE" report "$WORK/r.json" --out "$WORK/rep-keep" --no-charts -q
check "a 0640 report.md stays 0640 when replaced" test "$(stat -c %a "$WORK/rep-keep/report.md")" = 640

# credential headers are hidden everywhere
H=(-H 'Authorization: Bearer SECRETX' -H 'Cookie: a=SECRETY' -H 'X-Api-Key: SECRETZ' -H 'Proxy-Authorization: Basic SECRETP'
   -H 'X-Session-Token: SECRETT' -H 'X-Trace: visible-value')
run "${H[@]}" --json "$WORK/h.json" --junit "$WORK/h.xml" --sarif "$WORK/h.sarif" -v >"$WORK/h.out" 2>&1
check "-H: the run is judged as usual" test "$(jq .summary.passed "$WORK/h.json")" -gt 0
"$MTLSPROBE" report "$WORK/h.json" --out "$WORK/h-report" --no-charts -q
"$MTLSPROBE" load --target "https://127.0.0.1:$SERVE_PORT/" --fixtures "$FX" \
  --mode request -n 5 -c 1 "${H[@]}" --json "$WORK/hl.json" -q >"$WORK/hl.out" 2>&1
check "-H: load measured" test "$(jq .totals.ok "$WORK/hl.json")" = 5
leaks=$(grep -rl 'SECRET[XYZPT]' "$WORK/h.json" "$WORK/h.xml" "$WORK/h.sarif" "$WORK/h.out" "$WORK/h-report" "$WORK/hl.json" "$WORK/hl.out" 2>/dev/null | tr '\n' ' ')
check "-H: no credential in any output (found in: $leaks)" test -z "$leaks"
check "-H: shown as (hidden) in the command line" \
  test "$(jq -r .command_line "$WORK/h.json" | grep -o '(hidden)' | wc -l)" = 5
check "-H: a header that is no credential is kept" grep -q "X-Trace: visible-value" <<<"$(jq -r .command_line "$WORK/h.json")"
check "-H: the report shows the hidden command line" grep -q "Authorization: (hidden)" "$WORK/h-report/index.html"
check "-H: the load result hides them too" test "$(jq -r .command_line "$WORK/hl.json" | grep -o '(hidden)' | wc -l)" = 5
# the redaction is of outputs only: the request carries the real values (an
# echo upstream records what arrived)
UP_PORT=$(free_port)
"$MTLSPROBE" serve --fixtures "$FX" --upstream "127.0.0.1:$UP_PORT=valid" --upstream-record "$WORK/echo.jsonl" \
  >"$WORK/echo.log" 2>&1 &
cleanup_hooks+=("kill $! 2>/dev/null")
wait_port "$UP_PORT" || { echo "FAIL: echo upstream did not start"; exit 1; }
"$MTLSPROBE" run --target "https://localhost:$UP_PORT/" --connect-to "127.0.0.1:$UP_PORT" --fixtures "$FX" \
  --only client-auth/valid --tls 1.3 "${H[@]}" -q >/dev/null 2>&1
check "-H: the gateway got the real Authorization value" grep -q "Bearer SECRETX" "$WORK/echo.jsonl"
check "-H: and the real API key" grep -q "SECRETZ" "$WORK/echo.jsonl"

finish
