# `mtlsprobe load` against the reference gateway and a real nginx: counts add
# up, the three modes do what they say, --resume is confirmed by nginx's own
# log, --rate holds, rejected certificates are counted as errors of the right
# class, thresholds gate, and a gateway that is down or dies mid-run, too
# few file descriptors and Ctrl-C are all handled. Loads are small and short.
. "$(dirname "$0")/lib.sh"

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q || { echo "FAIL: fixtures generation"; exit 1; }
load() { "$MTLSPROBE" load --fixtures "$FX" -q --threads 2 "$@"; }
j() { jq -r "$1" "$WORK/$2.json"; }

SPORT=$(free_port)
"$MTLSPROBE" serve --fixtures "$FX" --listen "127.0.0.1:$SPORT" -q &
SERVE_PID=$!
cleanup_hooks+=("kill $SERVE_PID 2>/dev/null")
wait_port "$SPORT" || { echo "FAIL: serve did not start"; exit 1; }
S="https://localhost:$SPORT/"

# handshake mode, by count: every handshake is a success or an error
load --target "$S" -n 300 -c 4 --json "$WORK/hs.json" >"$WORK/hs.out" 2>&1
check "handshake -n 300: exit 0" test $? = 0
check "handshake -n 300: 300 handshakes" test "$(j .totals.handshakes hs)" = 300
check "handshake -n 300: ok + errors = handshakes" test "$(j '.totals.ok + .totals.errors' hs)" = 300
check "handshake -n 300: no errors" test "$(j .totals.errors hs)" = 0
check "handshake: histogram buckets sum to the count" test "$(j '[.phases.handshake.buckets_ns[][2]] | add' hs)" = "$(j .phases.handshake.count hs)"
check "handshake: summary names the phases" grep -q "^  handshake " "$WORK/hs.out"
check "handshake: summary states the limit" grep -q "limit: " "$WORK/hs.out"
check "handshake: a gateway that answers is not called unreachable ($(j .limit.kind hs))" \
  bash -c 'case "$1" in gateway-saturated|generator-saturated) exit 0;; *) exit 1;; esac' _ "$(j .limit.kind hs)"
check "handshake: the JSON's limit text is the summary's" grep -qF "limit: $(j .limit.text hs)" "$WORK/hs.out"

# a certificate the gateway refuses: errors of the right class, no successes
load --target "$S" --client client/expired -n 20 -c 2 --tls 1.2 --json "$WORK/rej.json" >/dev/null 2>&1
check "rejected client: no successes" test "$(j .totals.ok rej)" = 0
check "rejected client: 20 TLS alert errors" test "$(j '.errors.by_class["TLS alert"]' rej)" = 20
check "rejected client: the alert is certificate_expired (45)" test "$(j '.errors.alerts["45"]' rej)" = 20
# TLS 1.3: the client finishes before the server judges its certificate; the
# refusal that follows must still count as an error, not a success
load --target "$S" --client client/expired -n 20 -c 2 --tls 1.3 --json "$WORK/rej13.json" >/dev/null 2>&1
check "rejected client, TLS 1.3: no successes" test "$(j .totals.ok rej13)" = 0
check "rejected client, TLS 1.3: 20 errors" test "$(j .totals.errors rej13)" = 20

# --client none against a gateway that requires a certificate: refused with
# handshake_failure in TLS 1.2 and certificate_required in TLS 1.3
load --target "$S" --client none -n 10 -c 2 --tls 1.2 --json "$WORK/none12.json" >/dev/null 2>&1
load --target "$S" --client none -n 10 -c 2 --tls 1.3 --json "$WORK/none13.json" >/dev/null 2>&1
check "--client none, TLS 1.2: handshake_failure (40)" test "$(j '.errors.alerts["40"]' none12)" = 10
check "--client none, TLS 1.3: certificate_required (116)" test "$(j '.errors.alerts["116"]' none13)" = 10

# keepalive: requests reuse connections
load --target "$S" --mode keepalive -n 200 -c 4 --json "$WORK/ka.json" >/dev/null 2>&1
check "keepalive: 200 requests ok" test "$(j .totals.ok ka)" = 200
check "keepalive: time to first byte measured" test "$(j .phases.ttfb.count ka)" = 200

# TLS 1.3 resumption over thousands of handshakes: the client keeps the
# session of its last full handshake, so no ticket chain grows without end
load --target "$S" --tls 1.3 --resume 1 -d 3s -c 4 --json "$WORK/res13.json" >/dev/null 2>&1
check "TLS 1.3 --resume 1 for 3 s: no errors" test "$(j .totals.errors res13)" = 0
# How many depends on the machine's speed; that nearly all resumed does not.
check "TLS 1.3 --resume 1 for 3 s: some handshakes made" test "$(j .totals.ok res13)" -gt 0
check "TLS 1.3 --resume 1 for 3 s: at least 95% of them resumed" \
  test $(( $(j .totals.resumed res13) * 100 )) -ge $(( $(j .totals.ok res13) * 95 ))

# --shard splits the work: two shards of -n 100 make 100
load --target "$S" -n 100 -c 4 --shard 0/2 --json "$WORK/sh0.json" >/dev/null 2>&1 &
SH0=$!
load --target "$S" -n 100 -c 4 --shard 1/2 --json "$WORK/sh1.json" >/dev/null 2>&1
wait "$SH0"
check "--shard 0/2 and 1/2: 50 handshakes each" test "$(j .totals.handshakes sh0),$(j .totals.handshakes sh1)" = "50,50"
check "--shard: recorded in the JSON" test "$(j '.config.shard | "\(.index)/\(.count)"' sh1)" = "1/2"

# thresholds
load --target "$S" -n 50 -c 2 --threshold 'handshake.p99<1us' --threshold 'errors<1%' >"$WORK/th.out" 2>&1
check "breached threshold: exit 1" test $? = 1
check "breached threshold: named" grep -q "threshold handshake.p99<1us: BREACHED" "$WORK/th.out"
check "met threshold: reported" grep -q "threshold errors<1%: met" "$WORK/th.out"
load --target "$S" -n 50 -c 2 --threshold 'handshake.p99<10s' --threshold 'rate>=1/s' >/dev/null 2>&1
check "met thresholds: exit 0" test $? = 0

# open loop: the rate achieved depends on the machine, so it is printed
# (scripts/bench measures it), not asserted
load --target "$S" --rate 200 -c 32 -d 5s --json "$WORK/rate.json" >/dev/null 2>&1
echo "measured: --rate 200 achieved $(j .totals.rate_per_s rate)/s"
check "--rate: transactions made" test "$(j .totals.ok rate)" -gt 0
check "--rate: uncorrected histogram kept" test "$(j .phases.total_uncorrected.count rate)" -gt 0
check "--rate: per-second series" test "$(j '.series | length' rate)" -ge 5

# nginx: request mode, and --resume 0.5 confirmed by nginx's own count
start_nginx mtls.conf.in "$FX"
N="https://localhost:$NGINX_PORT/"
load --target "$N" --mode request --resume 0.5 -n 400 -c 4 --tls 1.2 --json "$WORK/res.json" >/dev/null 2>&1
check "request mode: 400 ok" test "$(j .totals.ok res)" = 400
reused=$(grep -c ' r 200$' "$NGINX_RUN/access.log")
total=$(grep -c ' 200$' "$NGINX_RUN/access.log")
check "--resume 0.5: nginx logged 400 requests" test "$total" = 400
check "--resume 0.5: nginx saw about half resumed ($reused of $total)" test "$reused" -ge 160 -a "$reused" -le 240
check "--resume 0.5: our count agrees with nginx's ($(j .totals.resumed res) vs $reused)" test "$(j .totals.resumed res)" = "$reused"
load --target "$N" --mode request --client client/revoked -n 10 -c 2 --json "$WORK/rev.json" >/dev/null 2>&1
check "nginx rejects client/revoked: HTTP 400 errors" test "$(j '.errors.http_status["400"]' rev)" = 10
stop_nginx

# a long run, made short: a series of 3 entries folds (1 s, 2 s, 4 s steps)
# and keeps every transaction; the progress line goes on past the series'
# size with live percentiles
MTLSPROBE_TEST_SERIES_CAP=3 "$MTLSPROBE" load --fixtures "$FX" --threads 1 --target "$S" -c 2 -d 6s \
  --json "$WORK/fold.json" >"$WORK/fold.out" 2>"$WORK/fold.err"
check "folded series: exit 0" test $? = 0
check "folded series: the JSON says each entry covers 2 s or more ($(j .series_step_s fold))" test "$(j .series_step_s fold)" -ge 2
check "folded series: at most 3 entries ($(j '.series | length' fold))" test "$(j '.series | length' fold)" -le 3
check "folded series: entries start at multiples of the step" test "$(j "[.series[] | .t % $(j .series_step_s fold)] | add" fold)" = 0
check "folded series: every transaction is in it" test "$(j '[.series[].ok] | add' fold)" = "$(j .totals.ok fold)"
check "folded series: the progress line past 3 s has live percentiles ($(tr '\r' '\n' <"$WORK/fold.err" | grep -E '^ *[3-9]\.[0-9]s' | tail -n 1))" \
  bash -c 'tr "\r" "\n" <"$1" | grep -E "^ *[3-9]\.[0-9]s .*p50" | grep -vq "p50 *0\.00ms"' _ "$WORK/fold.err"
"$MTLSPROBE" report "$WORK/fold.json" --out "$WORK/fold-report" -q >/dev/null 2>&1
check "folded series: report reads it" test -s "$WORK/fold-report/index.html"

# a gateway that is down: counted errors, ends on time
down=$(free_port)
start=$(date +%s)
load --target "https://127.0.0.1:$down/" -d 2s -c 4 --json "$WORK/down.json" >"$WORK/down.out" 2>&1
check "down: exit 3 (nothing measured)" test $? = 3
check "down: connect refused counted" test "$(j '.errors.by_class["connect refused"]' down)" -gt 0
check "down: ends on time" test $(( $(date +%s) - start )) -le 5
# refusals back off (10 ms, doubling to 1 s, per connection): 4 connections
# in 2 s make at most 8 attempts each, where a spinning client made tens of
# thousands
check "down: refused connects back off ($(j .totals.handshakes down) attempts by 4 connections in 2 s)" \
  test "$(j .totals.handshakes down)" -le 40
check "down: the limit is the target, not the load generator" \
  grep -q "^  limit: the target refused or was unreachable: [0-9]* of [0-9]* connections (100%)" "$WORK/down.out"
check "down: no saturation claimed" bash -c '! grep -q "saturated" "$1"' _ "$WORK/down.out"
check "down: the JSON's limit says so" test "$(j .limit.kind down)" = target-unreachable

# a gateway that dies mid-run: errors counted, ends on time
P2=$(free_port)
"$MTLSPROBE" serve --fixtures "$FX" --listen "127.0.0.1:$P2" -q &
P2_PID=$!
wait_port "$P2"
( sleep 2; kill "$P2_PID" ) &
start=$(date +%s)
load --target "https://localhost:$P2/" -d 4s -c 2 --json "$WORK/dies.json" >/dev/null 2>&1
check "dies mid-run: successes before" test "$(j .totals.ok dies)" -gt 0
check "dies mid-run: errors after" test "$(j .totals.errors dies)" -gt 0
check "dies mid-run: ends on time" test $(( $(date +%s) - start )) -le 7

# Ctrl-C: partial summary and JSON
"$MTLSPROBE" load --fixtures "$FX" -q --target "$S" -d 30s -c 2 --json "$WORK/int.json" >"$WORK/int.out" 2>&1 &
LP=$!
sleep 1.5
kill -INT "$LP"
start=$(date +%s)
wait "$LP"
check "Ctrl-C: stops within 3 s" test $(( $(date +%s) - start )) -le 3
check "Ctrl-C: JSON written, marked interrupted" test "$(j .interrupted int)" = true
check "Ctrl-C: partial summary printed" grep -q "interrupted" "$WORK/int.out"

# more connections than file descriptors: a clear error before the run
out=$(bash -c "ulimit -n 256; ulimit -Hn 256; '$MTLSPROBE' load --fixtures '$FX' --target '$S' -c 1000 -d 1s -q" 2>&1)
rc=$?
check "too few descriptors: exit 2" test "$rc" = 2
check "too few descriptors: says so" grep -q "1000 connections need 1064 file descriptors, but the hard limit is 256" <<<"$out"

# bad input
bad() { # bad "fragment" args...
  local frag=$1; shift
  "$MTLSPROBE" load "$@" >"$WORK/bad.out" 2>"$WORK/bad.err"
  local rc=$?
  check "load $*: exit 2" test "$rc" = 2
  check "load $*: one line naming '$frag'" bash -c '[ "$(wc -l < "$1")" = 1 ] && grep -qF -- "$2" "$1"' _ "$WORK/bad.err" "$frag"
}
bad "--target is required" --fixtures "$FX"
bad "--rate 'abc'" --target "$S" --fixtures "$FX" --rate abc
bad "-c must be" --target "$S" --fixtures "$FX" -c 0
bad "--resume must be" --target "$S" --fixtures "$FX" --resume 2
bad "threshold 'foo'" --target "$S" --fixtures "$FX" --threshold foo
bad "--mode must be" --target "$S" --fixtures "$FX" --mode burst
bad "unknown client fixture 'client/nope'" --target "$S" --fixtures "$FX" --client client/nope
bad "--shard must be" --target "$S" --fixtures "$FX" --shard 3/2
bad "--shard must be I/N with 0 <= I < N, not '1/2junk'" --target "$S" --fixtures "$FX" --shard 1/2junk
bad "--shard must be" --target "$S" --fixtures "$FX" --shard 1x/2
bad "--shard must be" --target "$S" --fixtures "$FX" --shard -1/2
bad "give --fixtures" --target "$S"

finish
