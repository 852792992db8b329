# Load benchmark: nginx (one worker) pinned to core 0, mtlsprobe pinned to
# core 1, TLS 1.3, ECDSA P-256 fixtures (leaf + intermediate), the gateway's
# certificate verified. Prints client CPU per handshake (full and resumed),
# how busy nginx's core was, `openssl s_time` (mTLS) on the same nginx for
# comparison, and memory per kept-alive connection (1,000 and 10,000; 50,000
# when the descriptor limit allows). Measures and
# prints; asserts nothing.
#   bash tests/bench/load_bench.sh build/mtlsprobe .
. "$(dirname "$0")/../integration/lib.sh"

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q
cores=$(nproc)
pin0=(); pin1=()
if [ "$cores" -ge 2 ] && command -v taskset >/dev/null; then pin0=(taskset -c 0); pin1=(taskset -c 1); fi

RUN=$(mktemp -d "$WORK/nginx.XXXXXX")
PORT=$(free_port)
PORT2=$(free_port)  # the same nginx without client authentication, for h2load
"${pin0[@]}" "$SRC/docker/gateways/start" nginx bench.conf.in --fixtures "$FX" --port "$PORT" \
  --upstream-port "$PORT2" --run "$RUN" >"$RUN/start.out" 2>&1 &
NPID=$!
cleanup_hooks+=("kill $NPID 2>/dev/null")
wait_port "$PORT" || { echo "nginx did not start"; cat "$RUN"/*; exit 1; }
worker=$(pgrep -P "$NPID" | head -n 1)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

bench() { # bench LABEL load-args...
  local label=$1; shift
  local t0 w0 t1 w1
  t0=$(date +%s%N); w0=$(ticks "$worker")
  "${pin1[@]}" "$MTLSPROBE" load --target "https://localhost:$PORT/" --fixtures "$FX" --threads 1 \
    --tls 1.3 -q --json "$WORK/$label.json" "$@" >/dev/null 2>&1
  t1=$(date +%s%N); w1=$(ticks "$worker")
  local busy
  busy=$(awk -v d="$((w1 - w0))" -v hz="$hz" -v ns="$((t1 - t0))" 'BEGIN { printf "%.0f", 100 * d / hz / (ns / 1e9) }')
  printf '  %-26s %8.1f/s  client %6.1f us/handshake  nginx core %3s%% busy  handshake p50 %.2f ms p99 %.2f ms\n' \
    "$label" "$(jq .totals.rate_per_s "$WORK/$label.json")" "$(jq .cpu.us_per_handshake "$WORK/$label.json")" \
    "$busy" "$(jq .phases.handshake.p50_ms "$WORK/$label.json")" "$(jq .phases.handshake.p99_ms "$WORK/$label.json")"
}

echo "mtlsprobe load against nginx (1 worker), TLS 1.3, P-256, mTLS; $cores cores"
bench "full handshakes, -c 64" -c 64 -d 8s --warmup 1s
bench "resumed (--resume 1), -c 64" -c 64 -d 8s --warmup 1s --resume 1

# The floor: a blocking wolfSSL client, one connection at a time, nothing
# else (it does not wait for the session tickets, which load does).
floor_bin=$(dirname "$MTLSPROBE")/tests/bench_client
if [ -x "$floor_bin" ]; then
  read -r f_ok f_n f_user f_sys < <("${pin1[@]}" "$floor_bin" "$PORT" 3000 "$FX" || true)
  if [ -n "${f_sys:-}" ]; then
    mt=$(jq .cpu.us_per_handshake "$WORK/full handshakes, -c 64.json")
    printf '  minimal blocking wolfSSL client (same library, %s/%s ok): user %.1f + system %.1f = %.1f us/handshake; mtlsprobe / minimal: %.2f\n' \
      "$f_ok" "$f_n" "$f_user" "$f_sys" "$(awk -v a="$f_user" -v b="$f_sys" 'BEGIN { print a + b }')" \
      "$(awk -v m="$mt" -v a="$f_user" -v b="$f_sys" 'BEGIN { print m / (a + b) }')"
  fi
fi

if command -v openssl >/dev/null; then
  out=$("${pin1[@]}" openssl s_time -connect "127.0.0.1:$PORT" -new -time 8 -tls1_3 \
        -cert "$FX/client/valid.chain.pem" -key "$FX/client/valid.key.pem" -CAfile "$FX/trust-bundle.pem" 2>&1 | grep "connections/user sec")
  per_user=$(sed -n 's/.*; *\([0-9.]*\) connections\/user sec.*/\1/p' <<<"$out" | head -n 1)
  if [ -n "$per_user" ]; then
    printf '  openssl s_time (one connection at a time): %s; client %.1f us/connection\n' \
      "$(sed 's/^ *//' <<<"$out" | head -n 1)" "$(awk -v c="$per_user" 'BEGIN { print 1e6 / c }')"
    mt=$(jq .cpu.us_per_handshake "$WORK/full handshakes, -c 64.json")
    printf '  ratio of client CPU, openssl s_time / mtlsprobe: %.2f\n' "$(awk -v a="$(awk -v c="$per_user" 'BEGIN { print 1e6 / c }')" -v b="$mt" 'BEGIN { print a / b }')"
  fi
fi

# New connections at 550/s stay within what one nginx core completes (about
# 630 full handshakes/s here); faster, its accept queue overflows.
# h2load cannot send a client certificate: compare server-auth handshakes,
# one request per new connection, on the same nginx's second port.
if command -v h2load >/dev/null; then
  n=3000
  t0=$(date +%s%N)
  cpu=$(bash -c '"$@" >/dev/null 2>&1; times' _ "${pin1[@]}" h2load --h1 -t 1 -n "$n" -c "$n" \
        "https://127.0.0.1:$PORT2/" | tail -n 1)
  t1=$(date +%s%N)
  h2_us=$(awk -v c="$cpu" -v n="$n" 'BEGIN { split(c, a, /[ ms]+/); printf "%.1f", (a[1]*60 + a[2] + a[3]*60 + a[4]) * 1e6 / n }')
  "${pin1[@]}" "$MTLSPROBE" load --target "https://localhost:$PORT2/" --fixtures "$FX" --client none \
    --threads 1 --tls 1.3 --mode request -n "$n" -c 64 -q --json "$WORK/sa.json" >/dev/null 2>&1
  mt_us=$(jq .cpu.us_per_handshake "$WORK/sa.json")
  printf '  server-auth, one request per connection: h2load %s us/connection, mtlsprobe %.1f us/connection (ratio %.2f)\n' \
    "$h2_us" "$mt_us" "$(awk -v a="$h2_us" -v b="$mt_us" 'BEGIN { print a / b }')"
fi

# Memory per kept-alive connection: the same open-loop keep-alive run with
# 1,000 and with 10,000 connections (new ones at 550/s, which one nginx core
# completes); the difference divided by 9,000 is what one more connection
# costs, whatever the process needs anyway.
keepalive_mem() { # keepalive_mem N SECONDS LABEL
  "$MTLSPROBE" load --target "https://localhost:$PORT/" --fixtures "$FX" --threads 2 --tls 1.3 -q \
    --mode keepalive -c "$1" --rate 550 -d "$2s" --timeout 20s --json "$WORK/$3.json" >/dev/null 2>&1
  printf '  %6s connections: %s ok, %s errors, %s opened, peak memory %.0f MiB\n' "$1" \
    "$(jq .totals.ok "$WORK/$3.json")" "$(jq .totals.errors "$WORK/$3.json")" \
    "$(jq .phases.handshake.count "$WORK/$3.json")" "$(jq .peak_rss_mib "$WORK/$3.json")"
}
echo "kept-alive connections (open loop, 550 requests/s):"
keepalive_mem 1000 4 ka1k
keepalive_mem 10000 20 ka
printf '  per connection: %.1f KiB (peak memory difference / opened connections difference)\n' \
  "$(awk -v a="$(jq .peak_rss_mib "$WORK/ka1k.json")" -v b="$(jq .peak_rss_mib "$WORK/ka.json")" \
         -v n="$(jq .phases.handshake.count "$WORK/ka1k.json")" -v m="$(jq .phases.handshake.count "$WORK/ka.json")" \
         'BEGIN { print (m > n) ? (b - a) * 1024 / (m - n) : 0 }')"
# 50,000 connections need 50,064 descriptors in the load process (and as
# many in nginx), and two source addresses (one has about 28,000 ephemeral
# ports towards one gateway port).
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt 120000 ]; then
  echo "  50,000 connections: not measured: the descriptor hard limit is $hard (load needs 50,064, nginx 120,000)"
else
  ulimit -n "$hard"
  RUN50=$(mktemp -d "$WORK/nginx50.XXXXXX")
  PORT50=$(free_port)
  "$SRC/docker/gateways/start" nginx fleet.conf.in --fixtures "$FX" --port "$PORT50" --run "$RUN50" >"$RUN50/start.out" 2>&1 &
  N50=$!
  cleanup_hooks+=("kill $N50 2>/dev/null")
  wait_port "$PORT50" && "$MTLSPROBE" load --target "https://localhost:$PORT50/" --fixtures "$FX" --threads 2 \
    --tls 1.3 -q --mode keepalive -c 50000 --rate 550 -d 100s --timeout 30s --source 127.0.0.2-127.0.0.3 \
    --json "$WORK/ka50k.json" >/dev/null 2>&1
  printf '  50,000 connections: %s ok, %s errors, %s opened, peak memory %.0f MiB\n' \
    "$(jq .totals.ok "$WORK/ka50k.json")" "$(jq .totals.errors "$WORK/ka50k.json")" \
    "$(jq .phases.handshake.count "$WORK/ka50k.json")" "$(jq .peak_rss_mib "$WORK/ka50k.json")"
  kill "$N50" 2>/dev/null
fi
