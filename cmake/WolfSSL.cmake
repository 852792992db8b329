# Finds the wolfSSL build (default: .deps/wolfssl from scripts/setup, or
# -DWOLFSSL_ROOT=DIR) and checks its options.h for every feature mtlsprobe
# needs, stopping with a message that names each missing one.

set(WOLFSSL_ROOT "${PROJECT_SOURCE_DIR}/.deps/wolfssl" CACHE PATH
    "wolfSSL install prefix (built by scripts/setup)")

set(_wolf_options "${WOLFSSL_ROOT}/include/wolfssl/options.h")
if(NOT EXISTS "${_wolf_options}")
  message(FATAL_ERROR
    "wolfSSL not found: ${_wolf_options} does not exist.\n"
    "Run scripts/setup to build it, or pass -DWOLFSSL_ROOT=DIR.")
endif()

file(READ "${_wolf_options}" _wolf_text)
file(STRINGS "${WOLFSSL_ROOT}/include/wolfssl/version.h" _wolf_ver
     REGEX "#define LIBWOLFSSL_VERSION_STRING")
string(REGEX REPLACE ".*\"([0-9.]+)\".*" "\\1" WOLFSSL_VERSION "${_wolf_ver}")
if(WOLFSSL_VERSION VERSION_LESS 5.8)
  message(FATAL_ERROR "wolfSSL ${WOLFSSL_VERSION} at ${WOLFSSL_ROOT} is older than 5.8 "
                      "(CRL signing and the OCSP responder API need 5.8 or newer)")
endif()

# macro => what it gives us
set(_wolf_required
  "WOLFSSL_TLS13=TLS 1.3"
  "WOLFSSL_ALLOW_TLSV10=TLS 1.0/1.1 for probing (--enable-tlsv10 --enable-oldtls)"
  "HAVE_CRL=CRL checking"
  "HAVE_OCSP=OCSP"
  "HAVE_OCSP_RESPONDER=the OCSP responder API (--enable-ocsp-responder)"
  "HAVE_CERTIFICATE_STATUS_REQUEST=OCSP stapling"
  "WOLFSSL_CERT_GEN=certificate generation"
  "WOLFSSL_CERT_EXT=certificate extensions"
  "WOLFSSL_CERT_REQ=certificate requests"
  "WOLFSSL_ALT_NAMES=subjectAltName generation"
  "WOLFSSL_KEY_GEN=key generation"
  "HAVE_SESSION_TICKET=session tickets"
  "HAVE_SNI=SNI"
  "HAVE_ALPN=ALPN"
  "HAVE_SECURE_RENEGOTIATION=secure renegotiation"
  "WOLFSSL_POST_HANDSHAKE_AUTH=TLS 1.3 post-handshake auth"
  "HAVE_PK_CALLBACKS=PK callbacks"
  "OPENSSL_EXTRA=the X509 inspection API"
  "HAVE_ED25519=Ed25519"
  "HAVE_ECC384=P-384"
  "WC_RNG_SEED_CB=seeded key generation (-DWC_RNG_SEED_CB)"
  "WOLFSSL_CUSTOM_OID=custom certificate extensions (-DWOLFSSL_CUSTOM_OID)"
  "HAVE_OID_ENCODING=OID encoding (-DHAVE_OID_ENCODING)"
  "WOLFSSL_SP_X86_64_ASM=x86_64 assembly speed-ups (--enable-sp-asm or --enable-all-asm)"
)
set(_wolf_missing "")
foreach(_entry IN LISTS _wolf_required)
  string(REGEX REPLACE "=.*" "" _macro "${_entry}")
  string(REGEX REPLACE "^[^=]*=" "" _what "${_entry}")
  if(NOT _wolf_text MATCHES "#define ${_macro}[ \n]")
    string(APPEND _wolf_missing "\n  ${_what} (${_macro})")
  endif()
endforeach()
foreach(_macro WOLFSSL_NO_TLS12 NO_OLD_TLS)
  if(_wolf_text MATCHES "#define ${_macro}[ \n]")
    string(APPEND _wolf_missing "\n  built with ${_macro}, which removes protocol versions mtlsprobe probes")
  endif()
endforeach()
if(_wolf_missing)
  message(FATAL_ERROR "wolfSSL ${WOLFSSL_VERSION} at ${WOLFSSL_ROOT} lacks:${_wolf_missing}\n"
                      "Rebuild it with scripts/build-wolfssl.")
endif()

find_library(WOLFSSL_LIBRARY NAMES wolfssl PATHS "${WOLFSSL_ROOT}/lib" NO_DEFAULT_PATH REQUIRED)
add_library(wolfssl::wolfssl UNKNOWN IMPORTED)
set_target_properties(wolfssl::wolfssl PROPERTIES
  IMPORTED_LOCATION "${WOLFSSL_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${WOLFSSL_ROOT}/include")
find_package(Threads REQUIRED)
target_link_libraries(wolfssl::wolfssl INTERFACE Threads::Threads m)
message(STATUS "wolfSSL ${WOLFSSL_VERSION}: ${WOLFSSL_LIBRARY}")
