/* The application protocol above a TLS connection, one small table per
 * target scheme (in the spirit of curl's per-scheme handlers): what `run`
 * sends once the handshake is done, how it reads the answer, and what the
 * verdict needs of that answer, in one tagged form for every protocol.
 *   https://  an HTTP/1.1 request (or HTTP/2 through c:h2_request)
 *   tls://    nothing, or --send's bytes; the answer is whether the
 *             connection stayed open (and --expect's bytes arrived)
 *   mqtts://  an MQTT CONNECT; the answer is the CONNACK's code
 *   grpcs://  a unary call over HTTP/2; the answer is grpc-status, not the
 *             HTTP status (a refused call still carries HTTP 200)
 * The exchanges run over any net_transport, so a unit test drives them with
 * the in-memory kind. Nothing here knows Lua or the verdicts. */
#ifndef MP_PROTO_PROTO_H
#define MP_PROTO_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "http/http.h"
#include "net/net.h"
#include "net/transport.h"
#include "util/err.h"

typedef enum proto_kind { PROTO_HTTP, PROTO_TLS, PROTO_MQTT, PROTO_GRPC } proto_kind;

/* "HTTP", "TLS", "MQTT", "gRPC" */
const char *proto_kind_name(proto_kind k);

/* What the application said on a connection whose handshake completed. */
typedef struct proto_answer {
    proto_kind kind;
    int code;             /* HTTP: the status; MQTT: the CONNACK's return (3.1.1) or reason
                           * (5) code; gRPC: grpc-status (-1 absent); TLS: 0 */
    int http_status;      /* HTTP and gRPC: the HTTP status */
    char location[256];   /* HTTP: the Location header, "" if none */
    size_t body_len;      /* HTTP: the body; TLS: the bytes that arrived */
    uint64_t body_hash;   /* FNV-1a of those bytes */
    char refusal_word[24]; /* HTTP: a word of refusal in the body ("denied"), "" if none */
    int expected;         /* TLS with --expect: 1 when its bytes arrived, 0 when not; -1 without */
    char text[200];       /* one line: "HTTP 401", "CONNACK 0x05 not authorized",
                           * "grpc-status 16 UNAUTHENTICATED, HTTP 200" */
} proto_answer;

/* The answer serves the client: HTTP 2xx or 3xx; CONNACK accepted (0);
 * grpc-status 0; TLS: the connection stayed open (and --expect matched). */
int proto_answer_served(const proto_answer *a);

/* The same answer as the control's, as a verdict compares them: same
 * kind and, per protocol, the same status class (HTTP; a redirect to the
 * same place), the same code (MQTT, gRPC), the same bytes (TLS). */
int proto_answer_same(const proto_answer *a, const proto_answer *control);

/* FNV-1a, for proto_answer.body_hash. */
uint64_t proto_hash(const void *data, size_t len);

/* The first word of refusal ("unauthorized", "forbidden", "denied",
 * "login"...) in a response body, case-insensitively, into out; "" when none. */
void proto_refusal_word(const char *body, size_t len, char *out, size_t outlen);

/* An HTTP response as an answer. */
void proto_answer_http(const http_response *r, proto_answer *a);

/* What the exchange of a scheme sends, besides what the URL says. */
typedef struct proto_config {
    /* tls:// */
    const uint8_t *send;    /* bytes to write after the handshake (--send); NULL: none */
    size_t send_len;
    const uint8_t *expect;  /* bytes the answer must contain (--expect); NULL: none */
    size_t expect_len;
    /* mqtts:// */
    int mqtt_version;       /* 4 (3.1.1) or 5 */
    const char *client_id;  /* NULL: "mtlsprobe-PID" */
    const char *username;   /* NULL: none */
    const uint8_t *password; /* NULL: none */
    size_t password_len;
} proto_config;

/* How an exchange ended. */
typedef enum proto_result {
    PROTO_X_ANSWER = 1,     /* *answer holds the application's answer */
    PROTO_X_MALFORMED = -1, /* the answer broke the protocol or our limits */
    PROTO_X_CLOSED = -2,    /* the peer closed before any answer */
    PROTO_X_FAILED = -3     /* the transport failed (its failure says why) or timed out */
} proto_result;

/* One scheme's handler. */
typedef struct proto_handler {
    net_scheme scheme;
    proto_kind kind;
    const char *alpn;         /* offered by default, NULL: none */
    /* The request sent when a scenario makes none: malloc'd bytes (HTTP: GET
     * the target's path with the headers; MQTT: CONNECT; gRPC: the call
     * as HTTP/2 frames' source, see grpc; TLS: --send or none). */
    int (*default_request)(const net_url *target, const http_header *headers, size_t n_headers,
                           const proto_config *pc, char **req, size_t *len, mp_err *e);
    /* Sends req over t and reads the answer until the deadline. For HTTP,
     * *resp keeps the whole response (http_response_free it). */
    proto_result (*exchange)(net_transport *t, const net_url *target, const proto_config *pc, const char *req,
                             size_t req_len, int64_t deadline_ns, size_t max_body, proto_answer *answer,
                             http_response *resp, int64_t *first_byte_ns, char *err, size_t errlen);
} proto_handler;

/* The handler of a scheme; never NULL for a scheme net_url_parse accepts. */
const proto_handler *proto_for(net_scheme s);

/* How long a tls:// exchange without --expect keeps the connection open
 * after the handshake to see whether the server closes it. */
#define PROTO_TLS_WINDOW_MS 500

/* --send and --expect values: C escapes \r \n \t \\ \xHH \0 unescaped into
 * out (at most cap bytes); -1 on a bad escape or overflow. */
int proto_unescape(const char *in, uint8_t *out, size_t cap, size_t *len);

#endif
