# CMake checks the wolfSSL it is given (-DWOLFSSL_ROOT) for every feature the
# project needs and stops with a message naming the missing one; an old
# version is refused too.
. "$(dirname "$0")/lib.sh"

real=$(sed -n 's/^WOLFSSL_ROOT:PATH=//p' "$(dirname "$MTLSPROBE")/CMakeCache.txt" 2>/dev/null)
[ -n "$real" ] || real=$SRC/.deps/wolfssl
[ -f "$real/include/wolfssl/options.h" ] || { echo "FAIL: no wolfSSL at $real"; exit 1; }

fake_root() { # fake_root DIR SED_SCRIPT_FOR_OPTIONS [SED_SCRIPT_FOR_VERSION]
  mkdir -p "$1/include/wolfssl" "$1/lib"
  sed "$2" "$real/include/wolfssl/options.h" > "$1/include/wolfssl/options.h"
  sed "${3:-}" "$real/include/wolfssl/version.h" > "$1/include/wolfssl/version.h"
}
configure() { mkdir -p "$1"; cmake -S "$SRC" -B "$1/build" -DWOLFSSL_ROOT="$1" >"$1/log" 2>&1; }

fake_root "$WORK/nocrl" '/#define HAVE_CRL$/d'
configure "$WORK/nocrl" && fail "configure accepted a wolfSSL without HAVE_CRL"
check "message names CRL checking (HAVE_CRL)" grep -q "CRL checking (HAVE_CRL)" "$WORK/nocrl/log"

fake_root "$WORK/noasm" '/#define WOLFSSL_SP_X86_64_ASM$/d; /#define HAVE_OCSP_RESPONDER$/d'
configure "$WORK/noasm" && fail "configure accepted a wolfSSL without asm"
check "message names the assembly speed-ups" grep -q "assembly speed-ups" "$WORK/noasm/log"
check "message names the OCSP responder" grep -q "HAVE_OCSP_RESPONDER" "$WORK/noasm/log"

fake_root "$WORK/old" 's/^x/x/' 's/"5\.[0-9.]*"/"5.7.2"/'
configure "$WORK/old" && fail "configure accepted wolfSSL 5.7.2"
check "old version refused" grep -q "5.7.2 .* is older than 5.8" <<<"$(tr '\n' ' ' < "$WORK/old/log")"

configure "$WORK/none" && fail "configure accepted a missing wolfSSL"
check "missing wolfSSL named" grep -q "wolfSSL not found" "$WORK/none/log"

finish
