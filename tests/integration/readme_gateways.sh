# The README's "test your gateway in five minutes": its fixtures command and
# its nginx and HAProxy lines, taken from README.md as written (only the
# port and the fixture paths filled in), make gateways that the conformance
# suite judges with no FAIL and nothing left unjudged, in both TLS versions;
# then its load and report steps run against them. (Envoy is not packaged
# for Debian: its lines are not run here.)
. "$(dirname "$0")/lib.sh"

readme_block() { # readme_block START_REGEX: the fenced block whose first line matches, without fences
  awk -v re="$1" 'f && /^```$/ {exit} f {print} !f && $0 ~ re {f = 1; if ($0 !~ /^```/) print}' "$SRC/README.md"
}
cd "$WORK" || exit 1
fixtures_cmd=$(grep -m1 '^build/mtlsprobe fixtures ' "$SRC/README.md" | sed "s|^build/mtlsprobe|\"\$MTLSPROBE\"|")
check "the README's fixtures command ($fixtures_cmd)" bash -c "MTLSPROBE='$MTLSPROBE'; $fixtures_cmd -q"
FX=$WORK/fx
host=$(grep -m1 '^build/mtlsprobe fixtures ' "$SRC/README.md" | sed -n 's/.*--host \([^ ]*\).*/\1/p')

judge() { # judge NAME PORT: the README's run, load and report steps against it
  local name=$1 port=$2
  "$MTLSPROBE" run --target "https://$host:$port/" --connect-to "127.0.0.1:$port" --fixtures "$FX" -q \
    --json "$WORK/$name.json" >"$WORK/$name.out" 2>&1
  check "$name from the README: run exits 0 ($(tail -n 1 "$WORK/$name.out"))" test $? = 0
  check "$name from the README: no FAIL, INCONCLUSIVE or ERROR" \
    test "$(jq '.summary.failed + .summary.inconclusive + .summary.errors' "$WORK/$name.json")" = 0
  check "$name from the README: judged in TLS 1.2 and 1.3" \
    test "$(jq -r '[.results[].tls_version] | unique | join(",")' "$WORK/$name.json")" = "TLSv1.2,TLSv1.3,any"
  "$MTLSPROBE" load --target "https://127.0.0.1:$port/" --fixtures "$FX" -q -c 2 -d 1s \
    --json "$WORK/$name-load.json" >"$WORK/$name-load.out" 2>&1
  check "$name from the README: load measured handshakes" test "$(jq .totals.ok "$WORK/$name-load.json")" -gt 0
  "$MTLSPROBE" report "$WORK/$name.json" "$WORK/$name-load.json" --out "$WORK/$name-report" --no-charts -q
  check "$name from the README: report written" test -s "$WORK/$name-report/index.html"
}

# nginx: the server block inside a minimal main configuration
P=$(free_port)
readme_block '^```nginx$' | sed "s/listen 8443 ssl;/listen 127.0.0.1:$P ssl;/; s|fx/|$FX/|g" >"$WORK/site.conf"
check "the README has an nginx block" grep -q "ssl_verify_client on;" "$WORK/site.conf"
cat >"$WORK/nginx.conf" <<NGX
daemon off; pid $WORK/nginx.pid; error_log $WORK/nginx-error.log; worker_processes 1;
events {}
http { access_log off; client_body_temp_path $WORK; proxy_temp_path $WORK; fastcgi_temp_path $WORK;
       uwsgi_temp_path $WORK; scgi_temp_path $WORK; include $WORK/site.conf; }
NGX
nginx -c "$WORK/nginx.conf" -p "$WORK" &
NPID=$!
cleanup_hooks+=("kill $NPID 2>/dev/null")
if wait_port "$P"; then judge nginx "$P"; else fail "nginx with the README's lines did not start: $(cat "$WORK/nginx-error.log")"; fi
kill "$NPID" 2>/dev/null

# HAProxy: the frontend after a minimal global and defaults section
P=$(free_port)
eval "$(grep -m1 '^HAProxy (`cat ' "$SRC/README.md" | sed 's/^HAProxy (`\(.*\)`):$/\1/' | sed "s|fx/|$FX/|g")"
check "the README's HAProxy PEM was made" test -s "$FX/server/valid.haproxy.pem"
{
  printf 'global\n    log stderr format raw local0 emerg\ndefaults\n    mode http\n    timeout connect 5s\n'
  printf '    timeout client 10s\n    timeout server 10s\n'
  readme_block '^frontend mtls$' | sed "s/bind :8443/bind 127.0.0.1:$P/; s|fx/|$FX/|g"
} >"$WORK/haproxy.cfg"
check "the README has a HAProxy frontend" grep -q "verify required" "$WORK/haproxy.cfg"
haproxy -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 &
HPID=$!
cleanup_hooks+=("kill $HPID 2>/dev/null")
if wait_port "$P"; then judge haproxy "$P"; else fail "HAProxy with the README's lines did not start: $(head -c 300 "$WORK/haproxy.log")"; fi
kill "$HPID" 2>/dev/null

finish
