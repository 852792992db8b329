# src/tls is sealed: no file under src/ outside src/tls and src/pki includes
# a wolfSSL header, names a wolfSSL type or macro (WOLFSSL..., OcspResponder),
# calls a wolfSSL or wolfCrypt function (wolfSSL_..., wolfTLS..., wc_...) or
# reads a tls_conn's wolfSSL object (.ssl, ->ssl); and no src/tls header
# that such a file includes pulls a wolfSSL header in. Each violation is
# reported with its file and line. A static check: it needs no peer.
. "$(dirname "$0")/lib.sh"

cd "$SRC" || exit 1
[ -d src/tls ] && [ -d src/pki ] || { echo "FAIL: no src/tls or src/pki under $SRC"; exit 1; }

# Comments are checked too: naming a wolfSSL function outside is a sign
# that code using it is nearby.
pattern='#[[:space:]]*include[[:space:]]*[<"]wolfssl/|\b(LIB)?WOLFSSL[A-Za-z0-9_]*|\bwolf(SSL|TLS)[A-Za-z0-9_]*\(|\bwolfSSL_[A-Za-z0-9_]+|\bwc_[A-Za-z0-9_]+|\bOcspResponder\b|(\.|->)ssl\b'

mapfile -t outside < <(find src -type f \( -name '*.c' -o -name '*.h' \) ! -path 'src/tls/*' ! -path 'src/pki/*' | sort)
check "there are sources outside src/tls and src/pki to check" test "${#outside[@]}" -gt 0

violations=0
for f in "${outside[@]}"; do
  while IFS= read -r hit; do
    line=${hit%%:*}
    text=${hit#*:}
    fail "$f:$line: wolfSSL outside src/tls and src/pki: $(printf '%s' "$text" | sed 's/^[[:space:]]*//')"
    violations=$((violations + 1))
  done < <(grep -nE "$pattern" "$f")
done
[ "$violations" -eq 0 ] && ok "no file outside src/tls and src/pki names wolfSSL (${#outside[@]} files)"

# The src/tls headers those files include must not bring wolfSSL in.
mapfile -t headers < <(grep -hoE '#[[:space:]]*include[[:space:]]*"tls/[A-Za-z0-9_]+\.h"' "${outside[@]}" \
                        | sed -E 's/.*"(tls\/[^"]+)"/\1/' | sort -u)
uses_tls_h() { printf '%s\n' "${headers[@]}" | grep -qx tls/tls.h; }
check "tls/tls.h is among the headers used outside src/tls" uses_tls_h
leaky=0
for h in "${headers[@]}"; do
  while IFS= read -r hit; do
    fail "src/$h:${hit%%:*}: a header used outside src/tls includes wolfSSL: ${hit#*:}"
    leaky=$((leaky + 1))
  done < <(grep -nE '#[[:space:]]*include[[:space:]]*[<"]wolfssl/' "src/$h")
done
[ "$leaky" -eq 0 ] && ok "headers of src/tls used outside include no wolfSSL header (${#headers[@]} headers)"

finish
