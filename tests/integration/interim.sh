# Interim responses (RFC 9110 15.2): a gateway that sends 100 Continue and
# 103 Early Hints before its 200 is judged on the 200, in HTTP/1.1 and
# HTTP/2, in run and in load; the interim response's headers are not taken
# for the final one's. The peer is tests/integration/interim_peer.py
# (Python's ssl, and python3-h2 for HTTP/2; scripts/setup installs it).
. "$(dirname "$0")/lib.sh"

PY3=/usr/bin/python3; [ -x "$PY3" ] || PY3=python3
"$PY3" -c 'import h2' 2>/dev/null || { echo "FAIL: python3-h2 missing (scripts/setup installs it)"; exit 1; }

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q || { echo "FAIL: fixtures generation"; exit 1; }
PORT=$(free_port) || { echo "FAIL: no free port"; exit 1; }
"$PY3" "$SRC/tests/integration/interim_peer.py" "$PORT" "$FX/server/valid.chain.pem" "$FX/server/valid.key.pem" \
  "$FX/trust-bundle.pem" 2>"$WORK/peer.err" &
PEER_PID=$!
cleanup_hooks+=("kill $PEER_PID 2>/dev/null")
wait_port "$PORT" || { echo "FAIL: interim peer did not start: $(cat "$WORK/peer.err")"; exit 1; }
T="https://localhost:$PORT/"

# run, HTTP/1.1: the built-in valid-certificate control passes on the 200
"$MTLSPROBE" run --target "$T" --connect-to "127.0.0.1:$PORT" --fixtures "$FX" --only client-auth/valid \
  --json "$WORK/run1.json" -q >"$WORK/run1.out" 2>&1
check "run HTTP/1.1: client-auth/valid PASS in every TLS version ($(jq -c '[.results[] | {v: .verdict, o: .observed}]' "$WORK/run1.json" 2>/dev/null))" \
  test "$(jq -r '[.results[].verdict] | unique | join(",")' "$WORK/run1.json")" = PASS
check "run HTTP/1.1: the evidence says HTTP 200" \
  test "$(jq -r '[.results[].evidence.http_status] | unique | join(",")' "$WORK/run1.json")" = 200

# run: what a scenario sees of the answer, in both HTTP versions
cat > "$WORK/interim.lua" <<'LUA'
return { id = "custom/interim", run = function(t)
  local c = t:connect { cert = "client/valid", alpn = "h2" }
  local r, why = c:h2_request {}
  local c1 = t:connect { cert = "client/valid" }
  local r1, why1 = c1:request {}
  local seen = string.format("h2 %s link=%s; h1 %s link=%s",
    r and r.status or tostring(why), r and r.headers["link"] or "-",
    r1 and r1.status or tostring(why1), r1 and r1.headers["link"] or "-")
  if r and r.status == 200 and not r.headers["link"] and r1 and r1.status == 200 and not r1.headers["link"] then
    t:pass(seen, "h2 200 link=-; h1 200 link=-", c)
  else
    t:fail(seen, "h2 200 link=-; h1 200 link=-", c)
  end
end }
LUA
"$MTLSPROBE" run --target "$T" --connect-to "127.0.0.1:$PORT" --fixtures "$FX" "$WORK/interim.lua" \
  --json "$WORK/run2.json" -q >"$WORK/run2.out" 2>&1
check "run: a scenario sees 200 without the 103's Link, HTTP/2 and HTTP/1.1 ($(jq -r '.results[0].observed' "$WORK/run2.json" 2>/dev/null))" \
  test "$(jq -r '.results[0].verdict' "$WORK/run2.json")" = PASS

# load --mode request: every request counts as a 200, in both HTTP versions
load() { "$MTLSPROBE" load --fixtures "$FX" -q --threads 1 --target "$T" "$@"; }
load --mode request -n 20 -c 2 --json "$WORK/load1.json" >"$WORK/load1.out" 2>&1
check "load HTTP/1.1: exit 0" test $? = 0
check "load HTTP/1.1: 20 ok, 0 errors ($(jq -c .errors "$WORK/load1.json" 2>/dev/null))" \
  test "$(jq -r '"\(.totals.ok) \(.totals.errors)"' "$WORK/load1.json")" = "20 0"
load --mode keepalive -n 20 -c 2 --json "$WORK/load1k.json" >"$WORK/load1k.out" 2>&1
check "load HTTP/1.1 keepalive: 20 ok, 0 errors ($(jq -c .errors "$WORK/load1k.json" 2>/dev/null))" \
  test "$(jq -r '"\(.totals.ok) \(.totals.errors)"' "$WORK/load1k.json")" = "20 0"
load --mode request --http2 -n 20 -c 2 --json "$WORK/load2.json" >"$WORK/load2.out" 2>&1
check "load HTTP/2: exit 0" test $? = 0
check "load HTTP/2: 20 ok, 0 errors ($(jq -c .errors "$WORK/load2.json" 2>/dev/null))" \
  test "$(jq -r '"\(.totals.ok) \(.totals.errors)"' "$WORK/load2.json")" = "20 0"
load --mode keepalive --http2 --streams 4 -n 40 -c 2 --json "$WORK/load2k.json" >"$WORK/load2k.out" 2>&1
check "load HTTP/2 keepalive, 4 streams: 40 ok, 0 errors ($(jq -c .errors "$WORK/load2k.json" 2>/dev/null))" \
  test "$(jq -r '"\(.totals.ok) \(.totals.errors)"' "$WORK/load2k.json")" = "40 0"

finish
