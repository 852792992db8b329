# Bad input and files, verb by verb: unknown options, malformed URLs,
# missing and unreadable files, a PEM that is not a certificate, a key that
# does not match, a manifest from a newer schema, Lua errors: each gives one
# clear line on stderr and exit 2. Private keys are written 0600 and never
# printed; output files are replaced atomically (old or new, never half);
# SIGINT during run and load still writes what was measured; SIGTERM stops
# serve cleanly.
. "$(dirname "$0")/lib.sh"
FAULTPEER=${FAULTPEER:?set FAULTPEER to the faultpeer binary}

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -v >"$WORK/fixtures.out" 2>&1 || { echo "FAIL: fixtures generation"; exit 1; }

bad() { # bad "fragment" args...: exit 2 and one stderr line naming fragment
  local frag=$1; shift
  timeout 30 "$MTLSPROBE" "$@" >"$WORK/out" 2>"$WORK/err"
  local rc=$?
  check "mtlsprobe $*: exit 2 (got $rc)" test "$rc" = 2
  check "mtlsprobe $*: one stderr line naming '$frag'" \
    bash -c '[ "$(wc -l < "$1")" = 1 ] && grep -qF -- "$2" "$1"' _ "$WORK/err" "$frag"
}

# inputs
printf -- '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n' >"$WORK/notcert.pem"
echo "just text" >"$WORK/text.txt"
mkdir -p "$WORK/newer" "$WORK/adir"
jq '.version = 99' "$FX/manifest.json" >"$WORK/newer/manifest.json"
echo '{"version": 1, "fixtures": [' >"$WORK/broken.json"
mkdir -p "$WORK/brokenfx" && cp "$WORK/broken.json" "$WORK/brokenfx/manifest.json"
printf 'return {\n  id = "x/broken",\n  title = "t"\n  run = function(t) end }\n' >"$WORK/syntax.lua"
printf 'ca{name="ca/r", trusted=true}\nerror("spec says no")\n' >"$WORK/lua-error.lua"
printf 'ca{name="ca/r", trusted=true}\nwhile true do end\n' >"$WORK/endless.lua"
printf 'ca{name="ca/r", trusted=true}\nlocal t = {} for i = 1, 1e9 do t[i] = ("x"):rep(1024) .. i end\n' >"$WORK/hog.lua"
# a fixtures copy whose server key does not match its certificate
cp -r "$FX" "$WORK/mismatch"
cp "$FX/client/valid.key.pem" "$WORK/mismatch/server/valid.key.pem"
# a fixtures copy whose server certificate is not a certificate
cp -r "$FX" "$WORK/notcertfx"
cp "$WORK/notcert.pem" "$WORK/notcertfx/server/valid.chain.pem"
PORT=$(free_port)
T="https://127.0.0.1:$PORT/"

# every verb: unknown options, missing values, stray arguments
for v in fixtures run load serve; do
  bad "unknown option '--bogus'" "$v" --bogus
done
bad "unknown option '--bogus'" report --bogus
bad "unknown option '--bogus'" report merge --bogus
bad "needs a value" run --target
bad "needs a value" load --target
bad "needs a value" serve --listen
bad "unexpected argument 'stray'" load --target "$T" --fixtures "$FX" stray
bad "unexpected argument 'stray'" serve --fixtures "$FX" stray

# result files for report and report merge: missing, not JSON, newer schema
jq '.version = 99' "$SRC/tests/fuzz/corpus/results/run-small.json" >"$WORK/newer-run.json"
bad "cannot read" report "$WORK/missing.json" --out "$WORK/rep"
bad "not valid JSON" report "$WORK/text.txt" --out "$WORK/rep"
bad "is newer than this mtlsprobe reads" report "$WORK/newer-run.json" --out "$WORK/rep"
bad "is newer than this mtlsprobe reads" report merge "$WORK/newer-run.json" "$WORK/newer-run.json" -o "$WORK/m.json"
check "a refused report writes nothing" test ! -e "$WORK/rep/index.html"

# malformed URLs and addresses
bad "must start with https://" run --target "htp://x" --fixtures "$FX"
bad "unclosed [" run --target "https://[::1" --fixtures "$FX"
bad "must start with https://" load --target "gw.internal:8443" --fixtures "$FX"
bad "--connect-to" run --target "$T" --connect-to "nonsense" --fixtures "$FX"
bad "expected HOST:PORT" serve --fixtures "$FX" --listen "nonsense"

# missing, unreadable and wrong-kind files
bad "no fixtures manifest" run --target "$T" --fixtures "$WORK/none"
bad "no fixtures manifest" load --target "$T" --fixtures "$WORK/none"
bad "no fixtures manifest" serve --fixtures "$WORK/none"
bad "does not exist" fixtures --spec "$WORK/none.lua" --out "$WORK/x"
bad "Is a directory" fixtures --spec "$WORK/adir" --out "$WORK/x"
bad "scenario $WORK/none.lua does not exist" run --target "$T" --fixtures "$FX" "$WORK/none.lua"
bad "cannot read --ca" run --target "$T" --fixtures "$FX" --ca "$WORK/none.pem"
bad "cannot read $WORK/none.pem" load --target "$T" --cert "$WORK/none.pem" --key "$FX/client/valid.key.pem" -k
bad "not valid JSON" run --target "$T" --fixtures "$WORK/brokenfx"
bad "not valid JSON" serve --fixtures "$WORK/brokenfx"
bad "cannot write" run --target "$T" --fixtures "$FX" --only client-auth/valid --timeout 1s --json "$WORK/text.txt/r.json"
bad "cannot write" load --target "$T" --fixtures "$FX" -n 1 --timeout 1s -q --json "$WORK/nodir/sub/l.json"
if [ "$(id -u)" != 0 ]; then
  cp "$FX/client/valid.key.pem" "$WORK/unreadable.key.pem"; chmod 000 "$WORK/unreadable.key.pem"
  bad "cannot read" load --target "$T" --cert "$FX/client/valid.cert.pem" --key "$WORK/unreadable.key.pem" -k
fi

# a PEM that is not a certificate, a key that does not match
bad "is not a valid X.509 certificate" load --target "$T" --cert "$WORK/notcert.pem" --key "$FX/client/valid.key.pem" -k
bad "cannot load trust anchors" run --target "$T" --fixtures "$FX" --ca "$WORK/notcert.pem"
bad "cannot load trust anchors" load --target "$T" --fixtures "$FX" --ca "$WORK/notcert.pem"
bad "not a private key this tool reads" load --target "$T" --cert "$FX/client/valid.cert.pem" --key "$WORK/text.txt" -k
bad "does not match the certificate" load --target "$T" --cert "$FX/client/valid.cert.pem" --key "$FX/client/expired.key.pem" -k
bad "does not match the certificate" serve --fixtures "$WORK/mismatch" --listen "127.0.0.1:$PORT"
bad "server" serve --fixtures "$WORK/notcertfx" --listen "127.0.0.1:$PORT"

# a manifest from a newer schema version
for v in run load; do
  bad "schema version 99 is newer" "$v" --target "$T" --fixtures "$WORK/newer"
done
bad "schema version 99 is newer" serve --fixtures "$WORK/newer"

# Lua errors: in a scenario file, in a fixture spec, and runaway specs
bad "syntax.lua:4:" run --target "$T" --fixtures "$FX" "$WORK/syntax.lua"
bad "lua-error.lua:2: spec says no" fixtures --spec "$WORK/lua-error.lua" --out "$WORK/x"
bad "endless.lua:2: stopped after" fixtures --spec "$WORK/endless.lua" --out "$WORK/x"
bad "not enough memory" fixtures --spec "$WORK/hog.lua" --out "$WORK/x"
check "failed fixtures runs leave no output" test ! -e "$WORK/x"

# private keys: 0600, never printed
bad_modes=$(find "$FX" -name '*.key.pem' ! -perm 600 | wc -l)
check "every private key is mode 0600" test "$bad_modes" = 0
check "every private key is there" test "$(find "$FX" -name '*.key.pem' | wc -l)" -gt 30
check "other files are readable" test "$(stat -c %a "$FX/client/valid.cert.pem")" = 644
(umask 000; "$MTLSPROBE" fixtures --out "$WORK/umask0" -q)
check "keys are 0600 whatever the umask" test "$(find "$WORK/umask0" -name '*.key.pem' ! -perm 600 | wc -l)" = 0
key_line=$(sed -n 2p "$FX/client/valid.key.pem")
SERVE_PORT=$(free_port)
"$MTLSPROBE" serve --fixtures "$FX" --listen "127.0.0.1:$SERVE_PORT" >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
cleanup_hooks+=("kill $SERVE_PID 2>/dev/null")
wait_port "$SERVE_PORT" || { echo "FAIL: serve did not start"; exit 1; }
timeout 60 "$MTLSPROBE" run --target "https://localhost:$SERVE_PORT/" --connect-to "127.0.0.1:$SERVE_PORT" \
  --fixtures "$FX" -v --json "$WORK/r.json" >"$WORK/run-v.out" 2>&1
timeout 60 "$MTLSPROBE" load --target "https://localhost:$SERVE_PORT/" --fixtures "$FX" -n 20 -c 2 --json "$WORK/l.json" \
  >"$WORK/load.out" 2>&1
for f in fixtures.out run-v.out load.out serve.log r.json l.json; do
  check "no private key material in $f" bash -c '! grep -q "PRIVATE KEY" "$1" && ! grep -qF -- "$2" "$1"' _ "$WORK/$f" "$key_line"
done

# atomic output: an existing result file is replaced whole, and a process
# killed mid-run leaves the old file, never a partial one
echo '{"old": true}' >"$WORK/keep.json"
cp "$WORK/keep.json" "$WORK/keep.junit"
"$MTLSPROBE" run --target "https://localhost:$SERVE_PORT/" --connect-to "127.0.0.1:$SERVE_PORT" \
  --fixtures "$FX" --json "$WORK/keep.json" --junit "$WORK/keep.junit" -q >/dev/null 2>&1 &
RUNP=$!
disown "$RUNP" # no "Killed" notice from the shell
sleep 0.05
kill -KILL "$RUNP" 2>/dev/null
while kill -0 "$RUNP" 2>/dev/null; do sleep 0.05; done
check "run killed early: the old JSON or a whole new one" \
  bash -c 'cmp -s <(echo "{\"old\": true}") "$1" || jq -e .summary "$1" >/dev/null' _ "$WORK/keep.json"
check "run killed early: the old JUnit or a whole new one" \
  bash -c 'cmp -s <(echo "{\"old\": true}") "$1" || grep -q "</testsuites>" "$1"' _ "$WORK/keep.junit"
timeout 60 "$MTLSPROBE" run --target "https://localhost:$SERVE_PORT/" --connect-to "127.0.0.1:$SERVE_PORT" \
  --fixtures "$FX" --json "$WORK/keep.json" --junit "$WORK/keep.junit" -q >/dev/null 2>&1
check "run replaces the JSON whole" test "$(jq .summary.passed "$WORK/keep.json")" = 39
check "run replaces the JUnit whole" grep -q "</testsuites>" "$WORK/keep.junit"
check "no temporary files left next to outputs" test -z "$(ls "$WORK" | grep '\.tmp\.')"
timeout 60 "$MTLSPROBE" fixtures --out "$WORK/fx-atomic" -q
old_serial=$(jq -r '.fixtures[] | select(.name == "client/valid") | .serial' "$WORK/fx-atomic/manifest.json")
for i in 1 2 3; do
  "$MTLSPROBE" fixtures --out "$WORK/fx-atomic" --force -q &
  FP=$!
  disown "$FP"
  sleep "0.$((i * 3))"
  kill -KILL "$FP" 2>/dev/null
  while kill -0 "$FP" 2>/dev/null; do sleep 0.05; done
  check "fixtures --force killed ($i): the old set or the whole new one" \
    bash -c 'jq -e ".fixtures | length > 30" "$1/manifest.json" >/dev/null && test -f "$1/client/valid.key.pem"' _ "$WORK/fx-atomic"
done

# SIGINT during run (against a peer that never answers HTTP) and load
PEER_PORT=$(free_port)
"$FAULTPEER" server no-http "$PEER_PORT" "$FX" >/dev/null 2>&1 &
PEER_PID=$!
cleanup_hooks+=("kill $PEER_PID 2>/dev/null")
wait_port "$PEER_PORT" || { echo "FAIL: faultpeer did not start"; exit 1; }
"$MTLSPROBE" run --target "https://localhost:$PEER_PORT/" --connect-to "127.0.0.1:$PEER_PORT" --fixtures "$FX" \
  --timeout 1s --json "$WORK/int.json" --junit "$WORK/int.xml" >"$WORK/int.out" 2>&1 &
RUNP=$!
# interrupt once a scenario is waiting on the peer and another has had time to end
for i in $(seq 1 300); do
  [ "$(ss -Htn state established "( dport = :$PEER_PORT )" 2>/dev/null | wc -l)" -gt 0 ] && break
  sleep 0.1
done
sleep 2.5
kill -INT "$RUNP"
timeout 30 tail --pid="$RUNP" -f /dev/null
wait "$RUNP"
rc=$?
check "run SIGINT: exit 3, nothing failed but not everything ran (got $rc)" test "$rc" = 3
check "run SIGINT: JSON written, marked interrupted" test "$(jq .interrupted "$WORK/int.json")" = true
check "run SIGINT: scenarios not run are SKIP 'interrupted'" \
  test "$(jq '[.results[] | select(.verdict == "SKIP" and .reason == "interrupted before it ran")] | length > 0' "$WORK/int.json")" = true
check "run SIGINT: what ran is kept" test "$(jq '[.results[] | select(.verdict == "ERROR")] | length > 0' "$WORK/int.json")" = true
check "run SIGINT: JUnit written" grep -q "</testsuites>" "$WORK/int.xml"
check "run SIGINT: summary says interrupted" grep -q "(interrupted: [0-9]* did not run)" "$WORK/int.out"
"$MTLSPROBE" load --target "https://localhost:$SERVE_PORT/" --fixtures "$FX" -c 2 -d 60s --json "$WORK/lint.json" \
  -q >"$WORK/lint.out" 2>&1 &
LP=$!
# serve logs a handshake-only connection as "closed before a request"
served=$(grep -c 'closed before a request "CN=' "$WORK/serve.log")
for i in $(seq 1 300); do # interrupt once the load has been served
  [ "$(grep -c 'closed before a request "CN=' "$WORK/serve.log")" -gt $((served + 5)) ] && break
  sleep 0.1
done
kill -INT "$LP"
timeout 30 tail --pid="$LP" -f /dev/null
wait "$LP"
rc=$?
check "load SIGINT: exit 3 (interrupted, no threshold breached; got $rc: $(tail -n 3 "$WORK/lint.out" | tr '\n' ' '))" \
  test "$rc" = 3
check "load SIGINT: JSON with what was measured" test "$(jq '.interrupted == true and .totals.ok > 0' "$WORK/lint.json")" = true

# SIGTERM stops serve cleanly
kill -TERM "$SERVE_PID"
timeout 30 tail --pid="$SERVE_PID" -f /dev/null
wait "$SERVE_PID"
check "serve SIGTERM: exit 0" test $? = 0
check "serve SIGTERM: says so" grep -q "SIGTERM, stopping" "$WORK/serve.log"
check "serve SIGTERM: final count" grep -q "stopped after .* served" "$WORK/serve.log"

finish
