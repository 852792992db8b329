/* The first step of a ROBOT test (Böck, Somorovsky, Young, 2017:
 * "Return Of Bleichenbacher's Oracle Threat", CVE-2017-13099 and the
 * vendor CVEs after it): RSA key exchange offered alone, then five
 * ClientKeyExchange messages, one per connection, whose PKCS#1 v1.5
 * encoded premaster secret is well formed or malformed in one way, each
 * followed by a ChangeCipherSpec and a Finished the server cannot
 * verify. A server without an oracle answers all five alike; one that
 * answers them differently tells an attacker which ciphertexts are
 * PKCS#1 conformant, and thousands of further queries then decrypt or
 * sign with its key. Those queries are not made here. */
#ifndef MP_TLS_ROBOT_H
#define MP_TLS_ROBOT_H

#include <stdint.h>

#include "tls/hello.h"
#include "util/err.h"

typedef enum tls_robot_variant {
    TLS_ROBOT_CORRECT,          /* 00 02 padding 00 version random(46) */
    TLS_ROBOT_BAD_PREFIX,       /* 41 17 instead of 00 02 */
    TLS_ROBOT_ZERO_MISPLACED,   /* the 00 separator two bytes before the end */
    TLS_ROBOT_NO_ZERO,          /* no 00 separator at all */
    TLS_ROBOT_BAD_VERSION,      /* premaster secret version 02 02 */
    TLS_ROBOT_VARIANTS
} tls_robot_variant;

typedef struct tls_robot_result {
    tls_hello_kind hello;       /* the ServerHello to the RSA-only offer */
    int hello_alert;
    uint16_t suite;             /* the RSA suite chosen */
    int version;                /* 0x0303 ... */
    int modulus_bits;           /* of the leaf's RSA key, 0: not RSA */
    int sent;                   /* the ClientKeyExchange flight was sent */
    tls_hello_kind answer;      /* ALERT, CLOSED, TIMEOUT or GARBAGE (a
                                 * record that is no alert) */
    int alert;                  /* for ALERT: its description */
    int closed_after;           /* after the alert the connection closed */
} tls_robot_result;

/* Runs one variant on a connected socket (the caller closes it): o offers
 * the RSA key exchange suites (read_flight is forced on). -1 only for bad
 * options or a cryptography failure. */
int tls_robot_probe(int fd, const tls_hello_opts *o, tls_robot_variant v, int64_t deadline_ns,
                    tls_robot_result *r, mp_err *e);

/* The variant's name: "correct", "bad prefix 41 17", ... */
const char *tls_robot_variant_name(tls_robot_variant v);

#endif
