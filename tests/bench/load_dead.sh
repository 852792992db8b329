# `mtlsprobe load` against a closed port: how much client CPU it spends
# while every connect is refused (each connection backs off 10 ms, doubling
# to 1 s), and how many attempts it makes. Measures and prints; asserts
# nothing (tests/integration/load.sh asserts the backoff and the limit line).
#   bash tests/bench/load_dead.sh build/mtlsprobe .
. "$(dirname "$0")/../integration/lib.sh"

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q
DEAD=$(free_port)
for c in 64 1000; do
  /usr/bin/time -f "%U %S %e" -o "$WORK/time" "$MTLSPROBE" load --target "https://127.0.0.1:$DEAD/" \
    --fixtures "$FX" -c "$c" -d 10s -q --json "$WORK/dead.json" >"$WORK/dead.out" 2>&1
  read -r user sys wall < <(tail -n 1 "$WORK/time")
  echo "load against a closed port, -c $c -d 10s: $(jq .totals.handshakes "$WORK/dead.json") connect attempts," \
    "client CPU ${user} s user + ${sys} s system in ${wall} s wall"
  grep "limit:" "$WORK/dead.out"
done
finish
