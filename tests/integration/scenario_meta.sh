# Scenario metadata is refused, never cut: more tags or controls than a
# result holds, or a tag longer than it holds, is an ERROR naming the file
# and the line of the field (exit 2) before any connection, so that --tags never silently "matches no
# scenario". The target is never contacted (port 9, discard).
. "$(dirname "$0")/lib.sh"

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q || { echo "FAIL: fixtures generation"; exit 1; }

scenario() { # scenario FILE TAGS CONTROLS
  printf 'return {\n  id = "meta/%s",\n  tags = { %s },\n  controls = { %s },\n  run = function(t) t:pass("ran") end,\n}\n' \
    "$1" "$2" "$3" >"$WORK/$1.lua"
}
refused() { # refused FILE LINE "fragment"
  "$MTLSPROBE" run --target https://127.0.0.1:9/ --fixtures "$FX" "$WORK/$1.lua" >"$WORK/$1.out" 2>"$WORK/$1.err"
  local rc=$?
  check "$1: exit 2" test "$rc" = 2
  check "$1: ERROR naming $1.lua:$2: $3" grep -qF -- "$1.lua:$2: $3" "$WORK/$1.err"
}

scenario tags9 '"a","b","c","d","e","f","g","h","i"' ''
refused tags9 3 "at most 8 tags, not 9"
scenario controls17 '' "$(for i in $(seq 1 17); do printf '"c%d",' "$i"; done)"
refused controls17 4 "at most 16 controls, not 17"
scenario longtag '"a-tag-that-is-much-longer-than-thirty-one-bytes"' ''
refused longtag 3 "tags[1] is 47 bytes, at most 31"

# the line is found past comments and strings that mention the field
cat >"$WORK/commented.lua" <<'LUA'
-- tags = { "not here" }
--[[ severity = "no",
tags = "nor here" ]]
return {
  id = "meta/commented", title = "tags = nor in a string",
  severity = "urgent",
  run = function(t) t:pass("ran") end,
}
LUA
refused commented 6 "severity must be critical"

# at the limits: accepted (the scenario then runs, and fails to connect)
scenario tags8 '"a","b","c","d","e","f","g","h"' "$(for i in $(seq 1 16); do printf '"c%d",' "$i"; done)"
"$MTLSPROBE" run --target https://127.0.0.1:9/ --fixtures "$FX" --json "$WORK/t8.json" "$WORK/tags8.lua" >/dev/null 2>"$WORK/tags8.err"
check "8 tags and 16 controls: not refused" bash -c '! grep -q "at most" "$1"' _ "$WORK/tags8.err"
check "8 tags and 16 controls: all kept" test "$(jq '.results[0] | "\(.tags | length),\(.controls | length)"' -r "$WORK/t8.json")" = "8,16"

finish
