/* Names of TLS protocol versions and alerts, for messages and reports. No
 * TLS library behind it: report and scenario code name what they saw
 * without linking a connection. */
#ifndef MP_TLS_NAMES_H
#define MP_TLS_NAMES_H

#include <stdint.h>

typedef enum tls_version {
    TLS_ANY = 0, /* TLS 1.2 or 1.3, whichever the peer prefers */
    TLS_V1_0 = 10,
    TLS_V1_1 = 11,
    TLS_V1_2 = 12,
    TLS_V1_3 = 13
} tls_version;

/* "1.2" / "1.3" / "1.0" / "1.1" / "any" (or "TLSv1.2"...); -1 if unknown. */
int tls_version_parse(const char *s, tls_version *v);
const char *tls_version_name(tls_version v); /* "TLSv1.3"; "any" for TLS_ANY */

/* A protocol version as it travels in a record or ServerHello (0x0304
 * "TLSv1.3" ... 0x0300 "SSLv3"); NULL for any other value. */
const char *tls_wire_version_name(uint16_t wire);

/* TLS alert description names (RFC 8446 6.2), e.g. 42 "bad_certificate";
 * "unknown_alert" for a code without one. */
const char *tls_alert_name(int code);

#endif
