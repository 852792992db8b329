# Containment of files from outside and of signals: a scenario, profile or
# fixture spec that loops (in its body, at its top level, inside pcall),
# allocates without end, or tries to run a command or read a file ends as
# an ERROR naming the limit or the sandbox while the other scenarios still
# run; --trust-scripts lifts the sandbox; SIGINT/SIGTERM during a scenario
# and during the TLS version probe (against a peer that accepts and never
# answers) write the results marked interrupted, every scenario not run a
# SKIP, exit 3; SIGTERM during fixtures leaves no DIR.tmp-PID, exit 2; a
# spec's fixture count and extension size are capped; report stops gnuplot.
. "$(dirname "$0")/lib.sh"

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" --seed 24 -q || { echo "FAIL: fixtures generation"; exit 1; }
PORT=$(free_port)
"$MTLSPROBE" serve --fixtures "$FX" --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
cleanup_hooks+=("kill $SERVE_PID 2>/dev/null")
wait_port "$PORT" || { echo "FAIL: serve did not start"; exit 1; }
TARGET=(--target "https://localhost:$PORT/" --connect-to "127.0.0.1:$PORT" --fixtures "$FX")

S=$WORK/sc
mkdir -p "$S/mods"
cat >"$S/ok.lua" <<'EOF'
return { id = "x/ok", title = "a well-behaved scenario",
  run = function(t) local c = t:connect { cert = "client/valid" } c:request {} t:expect_status(c, 200) end }
EOF
cat >"$S/loop.lua" <<'EOF'
return { id = "x/loop", title = "loop", run = function(t) while true do end end }
EOF
printf 'while true do end\nreturn { id = "x/toploop", run = function(t) end }\n' >"$S/toploop.lua"
cat >"$S/pcallloop.lua" <<'EOF'
return { id = "x/pcallloop", run = function(t) while true do pcall(function() while true do end end) end end }
EOF
cat >"$S/slow.lua" <<'EOF'
return { id = "x/slow", time_limit = 1, run = function(t) while true do end end }
EOF
cat >"$S/long.lua" <<'EOF'
return { id = "x/long", time_limit = 3600, run = function(t) while true do end end }
EOF
cat >"$S/bomb.lua" <<'EOF'
return { id = "x/bomb", run = function(t) local a = {} while true do a[#a + 1] = ("x"):rep(1 << 20) .. #a end end }
EOF
printf 'os.execute("touch %s/pwned")\nreturn { id = "x/exec", run = function(t) end }\n' "$WORK" >"$S/exec.lua"
cat >"$S/popen.lua" <<'EOF'
return { id = "x/popen", run = function(t) local f = io.popen("id") t:expect_status(nil, 200) end }
EOF
cat >"$S/read.lua" <<'EOF'
local f = io.open("/etc/passwd")
return { id = "x/read", title = f and f:read("a") or "no file", run = function(t) end }
EOF
cat >"$S/escape.lua" <<'EOF'
local function refused(f, ...) local ok = pcall(f, ...) return not ok end
local function nil_or_refused(f) return f == nil or refused(f) end
assert(load("return 1")() == 1)
assert(select(2, load("\27LuaT\0")) :find("binary chunk", 1, true))
assert(refused(require, "../escape"))
assert(refused(function() return debug.sethook end))
assert(nil_or_refused(package.loadlib))
assert(refused(dofile, "/etc/passwd") and refused(loadfile, "/etc/passwd"))
assert(refused(os.exit, 0) and refused(os.remove, "/tmp/x") and refused(os.rename, "/tmp/x", "/tmp/y"))
assert(os.time() and os.clock() and os.date("%Y") and os.getenv("PATH"))
local m = require "mods.helper"
return { id = "x/escape", title = "the sandbox holds; " .. m.hello, run = function(t) end }
EOF
echo 'return { hello = "modules beside the scenario load" }' >"$S/mods/helper.lua"

run_one() { # run_one NAME args...: runs the scenarios given, results in $WORK/NAME.json
  local name=$1; shift
  timeout 60 "$MTLSPROBE" run "${TARGET[@]}" --json "$WORK/$name.json" -q "$@" >"$WORK/$name.out" 2>&1
}
signal_and_wait() { # signal_and_wait SIG PID: sends SIG, waits up to 20 s; rc is its exit code, 124 if still running
  kill -"$1" "$2"
  timeout 20 tail --pid="$2" -f /dev/null
  if kill -0 "$2" 2>/dev/null; then rc=124; kill -KILL "$2"; wait "$2"; return; fi
  wait "$2"
  rc=$?
}
verdict() { jq -r --arg id "$2" '.results[] | select(.id == $id) | .verdict' "$WORK/$1.json"; }
reason() { jq -r --arg id "$2" '.results[] | select(.id == $id) | .reason' "$WORK/$1.json"; }

# the built-in suites and profiles run sandboxed as before
run_one builtin --suite all
rc=$?
check "built-in suites sandboxed: exit 0 (got $rc)" test "$rc" = 0
check "built-in suites sandboxed: no ERROR, FAIL or INCONCLUSIVE" \
  test "$(jq '[.results[] | select(.verdict == "ERROR" or .verdict == "FAIL" or .verdict == "INCONCLUSIVE")] | length' "$WORK/builtin.json")" = 0
run_one profile --profile mozilla-intermediate
check "a built-in profile loads sandboxed: the audit ran without an ERROR" \
  test "$(jq '([.results[] | select(.verdict == "ERROR")] | length) == 0 and (.results | length) > 10' "$WORK/profile.json")" = true

# an endless loop in the body: ERROR with the limit, the others still run, exit 3
run_one loop "$S/loop.lua" "$S/ok.lua"
rc=$?
check "loop in the body: exit 3 (got $rc)" test "$rc" = 3
check "loop in the body: ERROR" test "$(verdict loop x/loop)" = ERROR
check "loop in the body: the reason names the limit and the line" \
  grep -q "loop.lua:1: stopped after 1000 million Lua instructions (an endless loop?)" <<<"$(reason loop x/loop)"
check "loop in the body: the other scenario still PASSes" test "$(verdict loop x/ok)" = PASS

# at the top level: the file does not load (exit 2, the user's input), the others run
run_one toploop "$S/toploop.lua" "$S/ok.lua"
rc=$?
check "loop at the top level: exit 2 (got $rc)" test "$rc" = 2
check "loop at the top level: ERROR naming the limit" \
  grep -q "toploop.lua:1: stopped after" <<<"$(jq -r '.results[0].reason' "$WORK/toploop.json")"
check "loop at the top level: the other scenario still PASSes" test "$(verdict toploop x/ok)" = PASS

run_one pcallloop "$S/pcallloop.lua"
check "a loop inside pcall cannot swallow the limit: ERROR" test "$(verdict pcallloop x/pcallloop)" = ERROR

# the time limit: the scenario's own, and --scenario-time-limit over it
run_one slow "$S/slow.lua"
check "time_limit = 1: ERROR 'stopped after 1 s'" grep -q "stopped after 1 s, its time limit" <<<"$(reason slow x/slow)"
run_one long "$S/long.lua" --scenario-time-limit 1s
check "--scenario-time-limit 1s overrides time_limit = 3600" \
  grep -q "stopped after 1 s, its time limit (an endless loop?); --scenario-time-limit" <<<"$(reason long x/long)"
printf 'return { id = "x/badlimit", time_limit = "soon", run = function(t) end }\n' >"$S/badlimit.lua"
run_one badlimit "$S/badlimit.lua"
check "a bad time_limit is an input error" grep -q "time_limit must be" <<<"$(reason badlimit sc/badlimit)$(jq -r '.results[0].reason' "$WORK/badlimit.json")"

# an allocation bomb stops at the memory limit
run_one bomb "$S/bomb.lua" "$S/ok.lua"
rc=$?
check "allocation bomb: exit 3 (got $rc)" test "$rc" = 3
check "allocation bomb: ERROR at the memory limit" \
  grep -q "bomb.lua: not enough memory: stopped at 128 MiB, the limit (an endless allocation?)" <<<"$(reason bomb x/bomb)"
check "allocation bomb: the other scenario still PASSes" test "$(verdict bomb x/ok)" = PASS

# the sandbox: no shell, no files
run_one exec "$S/exec.lua"
rc=$?
check "os.execute: exit 2 (got $rc)" test "$rc" = 2
check "os.execute: ERROR naming the sandbox" \
  grep -q "exec.lua:1: os.execute is not available .*--trust-scripts" "$WORK/exec.json"
check "os.execute: nothing ran" test ! -e "$WORK/pwned"
run_one popen "$S/popen.lua"
rc=$?
check "io.popen: exit 3 (got $rc)" test "$rc" = 3
check "io.popen: ERROR naming the sandbox" grep -q "popen.lua:1: io.popen is not available" <<<"$(reason popen x/popen)"
run_one read "$S/read.lua"
rc=$?
check "io.open: exit 2 (got $rc)" test "$rc" = 2
check "io.open: ERROR naming the sandbox" grep -q "read.lua:1: io.open is not available" "$WORK/read.json"
check "io.open: /etc/passwd is nowhere in the results" bash -c '! grep -q "root:" "$1"' _ "$WORK/read.json"
run_one escape "$S/escape.lua"
check "load, require, debug, dofile, os: refused; os.time/getenv and modules beside the file work" \
  test "$(verdict escape x/escape)" = ERROR -a "$(jq -r '.results[0].title' "$WORK/escape.json")" = \
  "the sandbox holds; modules beside the scenario load"
# --trust-scripts lifts it
run_one trusted "$S/exec.lua" "$S/read.lua" --trust-scripts
check "--trust-scripts: os.execute runs" test -e "$WORK/pwned"
check "--trust-scripts: io.open reads" grep -q "root:" "$WORK/trusted.json"
rm -f "$WORK/pwned"
# profiles and specs are sandboxed too
printf 'os.execute("touch %s/pwned")\nreturn {}\n' "$WORK" >"$WORK/profile.lua"
timeout 60 "$MTLSPROBE" run "${TARGET[@]}" --profile "$WORK/profile.lua" -q >"$WORK/prof.out" 2>&1
rc=$?
check "a profile calling os.execute: exit 2 (got $rc), refused" test "$rc" = 2 -a ! -e "$WORK/pwned"
check "  with the sandbox's message" grep -q "os.execute is not available" "$WORK/prof.out"
printf 'ca { name = "ca/r", trusted = true }\nos.execute("touch %s/pwned")\n' "$WORK" >"$WORK/spec-exec.lua"
timeout 60 "$MTLSPROBE" fixtures --spec "$WORK/spec-exec.lua" --out "$WORK/fx-exec" >"$WORK/spec.out" 2>&1
rc=$?
check "a spec calling os.execute: exit 2 (got $rc), refused at its line" \
  test "$rc" = 2 -a ! -e "$WORK/pwned" -a ! -e "$WORK/fx-exec"
check "  spec-exec.lua:2 named" grep -q "spec-exec.lua:2: os.execute is not available" "$WORK/spec.out"
timeout 60 "$MTLSPROBE" fixtures --spec "$WORK/spec-exec.lua" --out "$WORK/fx-exec" --trust-scripts -q
check "fixtures --trust-scripts: the spec's os.execute runs" test -e "$WORK/pwned"

# SIGINT while a scenario loops: the results are written, marked interrupted
cat >"$S/started.lua" <<'EOF'
return { id = "x/started", run = function(t) print("scenario started") while true do end end }
EOF
"$MTLSPROBE" run "${TARGET[@]}" --json "$WORK/int.json" --junit "$WORK/int.xml" --scenario-time-limit 1h \
  "$S/started.lua" "$S/ok.lua" >"$WORK/int.out" 2>&1 &
RUNP=$!
for i in $(seq 1 300); do grep -q "scenario started" "$WORK/int.out" && break; sleep 0.05; done
signal_and_wait INT "$RUNP"
check "SIGINT in a scenario loop: exit 3 within 20 s (got $rc)" test "$rc" = 3
check "SIGINT in a scenario loop: JSON marked interrupted" test "$(jq .interrupted "$WORK/int.json")" = true
check "SIGINT in a scenario loop: it is a SKIP 'interrupted while it ran'" \
  test "$(reason int x/started)" = "interrupted while it ran" -a "$(verdict int x/started)" = SKIP
check "SIGINT in a scenario loop: the one not run is a SKIP 'interrupted before it ran'" \
  test "$(reason int x/ok)" = "interrupted before it ran"
check "SIGINT in a scenario loop: JUnit written" grep -q "</testsuites>" "$WORK/int.xml"

# SIGTERM during the TLS version probe against a peer that accepts and never answers
SILENT=$(free_port)
python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
held = []
while True:
    held.append(s.accept()[0])
' "$SILENT" &
SILENT_PID=$!
cleanup_hooks+=("kill $SILENT_PID 2>/dev/null")
wait_port "$SILENT" || { echo "FAIL: the silent peer did not start"; exit 1; }
for sig in TERM INT; do
  "$MTLSPROBE" run --target "https://localhost:$SILENT/" --connect-to "127.0.0.1:$SILENT" --fixtures "$FX" \
    --timeout 60s --json "$WORK/probe.json" --junit "$WORK/probe.xml" --sarif "$WORK/probe.sarif" \
    >"$WORK/probe.out" 2>&1 &
  RUNP=$!
  for i in $(seq 1 300); do # once the probe waits on its ServerHello
    [ "$(ss -Htn state established "( dport = :$SILENT )" 2>/dev/null | wc -l)" -gt 0 ] && break
    sleep 0.05
  done
  signal_and_wait "$sig" "$RUNP"
  check "SIG$sig in the version probe: exit 3 within 20 s, well before --timeout 60s (got $rc)" test "$rc" = 3
  check "SIG$sig in the version probe: JSON marked interrupted, every scenario a SKIP" \
    test "$(jq '.interrupted and (.results | length > 10) and all(.results[]; .verdict == "SKIP")' "$WORK/probe.json")" = true
  check "SIG$sig in the version probe: JUnit and SARIF written" \
    bash -c 'grep -q "</testsuites>" "$1" && jq -e .runs "$2" >/dev/null' _ "$WORK/probe.xml" "$WORK/probe.sarif"
  check "SIG$sig in the version probe: the summary says interrupted" grep -q "(interrupted: [0-9]* did not run)" "$WORK/probe.out"
done

# fixtures: progress under -v, SIGTERM removes DIR.tmp-PID, exit 2
{ echo 'ca { name = "ca/root", trusted = true }'
  echo 'for i = 1, 300 do client { name = "client/c" .. i, issuer = "ca/root", key = "rsa-4096" } end'; } >"$WORK/slow-spec.lua"
"$MTLSPROBE" fixtures --spec "$WORK/slow-spec.lua" --out "$WORK/fx-slow" -v >"$WORK/slow.out" 2>"$WORK/slow.err" &
FP=$!
for i in $(seq 1 400); do grep -q "generated [0-9]*/301" "$WORK/slow.err" && break; sleep 0.05; done
check "fixtures -v: progress lines" grep -q "mtlsprobe: fixtures: generated [0-9]*/301 (client/c" "$WORK/slow.err"
check "fixtures: a temporary directory while it works" bash -c 'ls -d "$1".tmp-* >/dev/null 2>&1' _ "$WORK/fx-slow"
signal_and_wait TERM "$FP"
check "fixtures SIGTERM: exit 2 (got $rc)" test "$rc" = 2
check "fixtures SIGTERM: says interrupted" grep -q "interrupted; .*fx-slow is unchanged" "$WORK/slow.err"
check "fixtures SIGTERM: no DIR.tmp-PID left, no DIR" \
  bash -c '! ls -d "$1".tmp-* >/dev/null 2>&1 && test ! -e "$1"' _ "$WORK/fx-slow"

# fixtures: the count and extension-size caps, at the spec's line
{ echo 'ca { name = "ca/root", trusted = true }'
  echo 'for i = 1, 1000000 do client { name = "client/c" .. i, issuer = "ca/root" } end'; } >"$WORK/many.lua"
timeout 60 "$MTLSPROBE" fixtures --spec "$WORK/many.lua" --out "$WORK/fx-many" >"$WORK/many.out" 2>&1
rc=$?
check "a million fixtures: exit 2 (got $rc)" test "$rc" = 2
check "  'many.lua:2: ... more than 1000 fixtures'" grep -q "many.lua:2: client{}: more than 1000 fixtures" "$WORK/many.out"
{ echo 'ca { name = "ca/root", trusted = true }'
  echo 'client { name = "client/x", issuer = "ca/root",'
  echo '  extensions = { { oid = "1.2.3.4", der = ("A"):rep(50 * 1024 * 1024) } } }'; } >"$WORK/ext.lua"
timeout 60 "$MTLSPROBE" fixtures --spec "$WORK/ext.lua" --out "$WORK/fx-ext" >"$WORK/ext.out" 2>&1
rc=$?
check "a 50 MiB extension: exit 2 (got $rc), nothing written" test "$rc" = 2 -a ! -e "$WORK/fx-ext"
check "  'ext.lua:2: ... 52428800 bytes; an extension has at most 65536'" \
  grep -q "ext.lua:2: .*extensions\[1\] is 52428800 bytes; an extension has at most 65536" "$WORK/ext.out"

# report: SIGTERM while gnuplot draws stops it (and what it started) and writes no page
printf '#!/bin/sh\nsleep 120\n' >"$WORK/slowplot"
chmod +x "$WORK/slowplot"
"$MTLSPROBE" load --target "https://127.0.0.1:$PORT/" --fixtures "$FX" -d 1s -c 1 -q --json "$WORK/load.json" \
  >/dev/null 2>&1
"$MTLSPROBE" report "$WORK/load.json" --out "$WORK/rep" --gnuplot "$WORK/slowplot" >"$WORK/rep.out" 2>&1 &
RP=$!
for i in $(seq 1 200); do pgrep -f "[s]leep 120" >/dev/null && break; sleep 0.05; done
signal_and_wait TERM "$RP"
check "report SIGTERM: exit 2 (got $rc)" test "$rc" = 2
check "report SIGTERM: says interrupted" grep -q "interrupted" "$WORK/rep.out"
check "report SIGTERM: gnuplot's children stopped too" bash -c '! pgrep -f "[s]leep 120" >/dev/null'
check "report SIGTERM: no page and no temporary file" \
  bash -c 'test ! -e "$1/index.html" -a -z "$(find "$1" -name ".tmp*" -o -name "*.tmp.*")"' _ "$WORK/rep"

finish
