# Prints how long the built-in suite takes against a local nginx and against
# `mtlsprobe serve`, with -j 1 and -j 4 (median of 5 runs each). A benchmark:
# it prints figures and asserts nothing.
#   bash tests/bench/run_suite.sh build/mtlsprobe .
. "$(dirname "$0")/../integration/lib.sh"

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q

median_ms() { # median_ms PORT JOBS
  local t=()
  for _ in 1 2 3 4 5; do
    local t0 t1
    t0=$(date +%s%N)
    "$MTLSPROBE" run --target "https://localhost:$1/" --connect-to "127.0.0.1:$1" --fixtures "$FX" \
      -j "$2" -q >/dev/null 2>&1
    t1=$(date +%s%N)
    t+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${t[@]}" | sort -n | sed -n 3p
}

start_nginx mtls.conf.in "$FX"
echo "built-in suite (43 verdicts), median of 5, wall time:"
printf '  nginx  -j 1: %5d ms\n' "$(median_ms "$NGINX_PORT" 1)"
printf '  nginx  -j 4: %5d ms\n' "$(median_ms "$NGINX_PORT" 4)"
stop_nginx

port=$(free_port)
"$MTLSPROBE" serve --fixtures "$FX" --listen "127.0.0.1:$port" -q &
pid=$!
cleanup_hooks+=("kill $pid 2>/dev/null")
wait_port "$port"
printf '  serve  -j 1: %5d ms\n' "$(median_ms "$port" 1)"
printf '  serve  -j 4: %5d ms\n' "$(median_ms "$port" 4)"
