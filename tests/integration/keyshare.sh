# load's key shares, seen on the wire: a capture on loopback (tcpdump) of
# the ClientHellos `load` sends to nginx shows a fresh key share on every
# handshake by default, and one reused share with --reuse-key-share, for
# X25519 and for P-256; the summary and the JSON say when the option is on
# and are silent when it is off. Needs tcpdump and the right to capture
# (root, as CI runs): without them the test fails, it does not skip.
. "$(dirname "$0")/lib.sh"

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q || { echo "FAIL: fixtures"; exit 1; }
start_nginx mtls.conf.in "$FX"
command -v tcpdump >/dev/null || { echo "FAIL: tcpdump is not installed (scripts/setup installs it)"; exit 1; }

# capture NAME load-args...: runs a load of N handshakes under tcpdump and
# leaves the key shares of its ClientHellos in $WORK/NAME.shares, the
# summary in $WORK/NAME.out and the JSON in $WORK/NAME.json.
capture() {
  local name=$1 i; shift
  tcpdump -i lo --immediate-mode -U -n -s 0 -w "$WORK/$name.pcap" "tcp dst port $NGINX_PORT" 2>"$WORK/$name.tcpdump" &
  local tp=$!
  for i in $(seq 1 $((50 * TIME_SCALE))); do
    grep -q "listening on" "$WORK/$name.tcpdump" 2>/dev/null && break
    sleep 0.1
  done
  "$MTLSPROBE" load --target "https://127.0.0.1:$NGINX_PORT/" --fixtures "$FX" --threads 1 -c 1 -q \
    --json "$WORK/$name.json" "$@" >"$WORK/$name.out" 2>&1
  echo "load exit $?" >>"$WORK/$name.out"
  sleep 1
  kill -INT "$tp" 2>/dev/null; wait "$tp" 2>/dev/null
  python3 "$SRC/tests/integration/keyshares.py" "$WORK/$name.pcap" "$NGINX_PORT" >"$WORK/$name.shares" \
    2>>"$WORK/$name.out"
}
hellos() { wc -l <"$WORK/$1.shares"; }
distinct() { awk '{ print $2 }' "$WORK/$1.shares" | sort -u | wc -l; }
group_of() { awk '{ split($2, a, ":"); print a[1] }' "$WORK/$1.shares" | sort -u | tr '\n' ' '; }

N=12
capture fresh -n $N --tls 1.3
grep -q "listening on" "$WORK/fresh.tcpdump" ||
  { echo "FAIL: tcpdump cannot capture here: $(head -n 2 "$WORK/fresh.tcpdump")"; exit 1; }
check "default: load exits 0 ($(tail -n 1 "$WORK/fresh.out"))" grep -q "load exit 0" "$WORK/fresh.out"
check "default: every ClientHello captured ($(hellos fresh) of $N)" [ "$(hellos fresh)" -eq $N ]
check "default: a fresh X25519 key share per handshake ($(distinct fresh) distinct of $(hellos fresh); groups $(group_of fresh))" \
  [ "$(distinct fresh)" -eq $N ] && [ "$(group_of fresh)" = "29 " ]
check "default: the summary says nothing of key shares" bash -c "! grep -q 'key shares' '$WORK/fresh.out'"
check "default: JSON config.reuse_key_share_s is null" \
  [ "$(jq -r '.config.reuse_key_share_s' "$WORK/fresh.json")" = null ]

capture reused -n $N --tls 1.3 --reuse-key-share 1h
check "reused: load exits 0 ($(tail -n 1 "$WORK/reused.out"))" grep -q "load exit 0" "$WORK/reused.out"
check "reused: every ClientHello captured ($(hellos reused) of $N)" [ "$(hellos reused)" -eq $N ]
check "reused: one X25519 key share for all of them ($(distinct reused) distinct; groups $(group_of reused))" \
  [ "$(distinct reused)" -eq 1 ] && [ "$(group_of reused)" = "29 " ]
check "reused: the summary says so" grep -q "key shares: reused for 3600 s per worker (--reuse-key-share): 1 made" \
  "$WORK/reused.out"
check "reused: JSON config.reuse_key_share_s 3600 and totals.key_shares 1" \
  [ "$(jq -r '[.config.reuse_key_share_s, .totals.key_shares] | map(tostring) | join(" ")' "$WORK/reused.json")" = "3600 1" ]

# P-256 first: the ECDH key is reused too (and TLS 1.2's ECDHE share).
capture p256 -n $N --tls 1.3 --groups P-256
check "P-256 default: a fresh key share per handshake ($(distinct p256) distinct of $(hellos p256); groups $(group_of p256))" \
  [ "$(hellos p256)" -eq $N ] && [ "$(distinct p256)" -eq $N ] && [ "$(group_of p256)" = "23 " ]
capture p256r -n $N --tls 1.3 --groups P-256 --reuse-key-share 1h
check "P-256 reused: one key share ($(distinct p256r) distinct of $(hellos p256r); groups $(group_of p256r))" \
  [ "$(hellos p256r)" -eq $N ] && [ "$(distinct p256r)" -eq 1 ] && [ "$(group_of p256r)" = "23 " ]
check "P-256 reused: load exits 0" grep -q "load exit 0" "$WORK/p256r.out"

# Bad values are refused before anything runs.
out=$("$MTLSPROBE" load --target "https://127.0.0.1:$NGINX_PORT/" --fixtures "$FX" -n 1 --reuse-key-share 0s 2>&1)
rc=$?
check "--reuse-key-share 0s: exit 2 ($rc)" [ $rc -eq 2 ]
check "--reuse-key-share 0s: says why ($out)" grep -q "above zero" <(echo "$out")
"$MTLSPROBE" load --target "https://127.0.0.1:$NGINX_PORT/" --fixtures "$FX" -n 1 --reuse-key-share soon >/dev/null 2>&1
rc=$?
check "--reuse-key-share soon: exit 2 ($rc)" [ $rc -eq 2 ]
finish
