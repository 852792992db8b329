/* Names of TLS versions and alerts: the one table of each, shared by the
 * connection code, the scenarios and the reports. It deliberately includes
 * no TLS library, so code that only names outcomes depends on nothing. */
#include "tls/names.h"

#include <stddef.h>
#include <strings.h>

int tls_version_parse(const char *s, tls_version *v)
{
    static const struct { const char *n; tls_version v; } t[] = {
        { "1.0", TLS_V1_0 }, { "1.1", TLS_V1_1 }, { "1.2", TLS_V1_2 }, { "1.3", TLS_V1_3 },
        { "any", TLS_ANY }, { "TLSv1.0", TLS_V1_0 }, { "TLSv1.1", TLS_V1_1 },
        { "TLSv1.2", TLS_V1_2 }, { "TLSv1.3", TLS_V1_3 },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (strcasecmp(s, t[i].n) == 0) {
            *v = t[i].v;
            return 0;
        }
    }
    return -1;
}

const char *tls_version_name(tls_version v)
{
    switch (v) {
    case TLS_V1_0: return "TLSv1.0";
    case TLS_V1_1: return "TLSv1.1";
    case TLS_V1_2: return "TLSv1.2";
    case TLS_V1_3: return "TLSv1.3";
    default: return "any";
    }
}

const char *tls_wire_version_name(uint16_t wire)
{
    switch (wire) {
    case 0x0304: return "TLSv1.3";
    case 0x0303: return "TLSv1.2";
    case 0x0302: return "TLSv1.1";
    case 0x0301: return "TLSv1.0";
    case 0x0300: return "SSLv3";
    default: return NULL;
    }
}

const char *tls_alert_name(int code)
{
    switch (code) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 21: return "decryption_failed";
    case 22: return "record_overflow";
    case 30: return "decompression_failure";
    case 40: return "handshake_failure";
    case 41: return "no_certificate";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 60: return "export_restriction";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 111: return "certificate_unobtainable";
    case 112: return "unrecognized_name";
    case 113: return "bad_certificate_status_response";
    case 114: return "bad_certificate_hash_value";
    case 115: return "unknown_psk_identity";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return "unknown_alert";
    }
}
