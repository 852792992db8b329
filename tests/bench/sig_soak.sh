# The signature soak: does the load client ever refuse a correct server
# signature (one decrypt_error was once seen in 8.7 M handshakes)? Two parts,
# each with the signature memo (src/tls/sigcache.c) on and off:
#  1. the signature path alone, in one process (bench_sig): SIG_SOAK_N
#     P-256 signatures made by wolfCrypt, as `serve` makes its
#     CertificateVerify, verified as the load client verifies them;
#  2. full handshakes with `mtlsprobe load --mode handshake -n
#     SIG_SOAK_HANDSHAKES` against `mtlsprobe serve` (wolfSSL signs) and
#     against nginx (OpenSSL signs).
# Prints, for each, the count, the rate and the signature failures (a
# refused signature is kept in the load JSON with the server's certificate,
# errors.signature_failures; bench_sig writes its own to a file). Measures
# and prints; asserts nothing.
#   bash tests/bench/sig_soak.sh build/mtlsprobe .
#   SIG_SOAK_N=10000000 SIG_SOAK_HANDSHAKES=10000000 bash tests/bench/sig_soak.sh build/mtlsprobe .
# Defaults: 10,000,000 signatures, 1,000,000 handshakes per configuration
# (on 2 cores about 13 minutes and 8 minutes each).
. "$(dirname "$0")/../integration/lib.sh"

N=${SIG_SOAK_N:-10000000}
H=${SIG_SOAK_HANDSHAKES:-1000000}
BUILD=$(dirname "$MTLSPROBE")
cmake --build "$BUILD" --target bench_sig >/dev/null
FAILS=$WORK/signature-failures.txt
"$BUILD/tests/bench_sig" "$N" "$(nproc)" "$FAILS"
[ -s "$FAILS" ] && { echo "refused signatures (key, digest, signature):"; cat "$FAILS"; }

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q
SPORT=$(free_port)
"$MTLSPROBE" serve --fixtures "$FX" --listen "127.0.0.1:$SPORT" -q &
SERVE_PID=$!
cleanup_hooks+=('kill $SERVE_PID 2>/dev/null; wait $SERVE_PID 2>/dev/null')
wait_port "$SPORT" || { echo "serve did not start"; exit 1; }
start_gateway nginx bench.conf.in "$FX" --upstream-port "$(free_port)"

soak() { # NAME PORT MEMO(on|off)
  local memo=()
  [ "$3" = off ] && memo=(--no-signature-memo)
  "$MTLSPROBE" load --target "https://localhost:$2/" --fixtures "$FX" --mode handshake -n "$H" -c 32 -q \
    "${memo[@]+"${memo[@]}"}" --json "$WORK/$1-$3.json" >"$WORK/$1-$3.out" 2>&1
  jq -r --arg n "$1" --arg m "$3" '"handshakes against \($n), memo \($m): \(.totals.handshakes) (\(.totals.ok) ok, \(.totals.errors) errors) at \(.totals.rate_per_s | floor)/s; signature failures \(.errors.signature_failures.count // "?"); decrypt_error (51) alerts \(.errors.alerts["51"] // 0)"' \
    "$WORK/$1-$3.json"
  jq -r '.errors.signature_failures.kept[]? | "  kept: \(.tls_version) server certificate \(.server_certificate_sha256) digest \(.digest) signature \(.signature)"' \
    "$WORK/$1-$3.json"
}
soak serve "$SPORT" on
soak serve "$SPORT" off
soak nginx "$GW_PORT" on
soak nginx "$GW_PORT" off
exit 0
