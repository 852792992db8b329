/* The per-scheme handlers of proto.h: HTTP/1.1 (http/client.h), raw TLS,
 * MQTT (proto/mqtt.h) and gRPC (proto/grpc.h over http/h2.h). Each reduces
 * what the application said to a proto_answer, the one form the verdict
 * reads. */
#define _DEFAULT_SOURCE
#include "proto/proto.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "http/client.h"
#include "http/h2.h"
#include "http/request.h"
#include "proto/grpc.h"
#include "proto/mqtt.h"
#include "util/str.h"
#include "util/timeutil.h"

const char *proto_kind_name(proto_kind k)
{
    static const char *const n[] = { "HTTP", "TLS", "MQTT", "gRPC" };
    return k >= PROTO_HTTP && k <= PROTO_GRPC ? n[k] : "?";
}

/* FNV-1a continued from h over len more bytes. */
static uint64_t hash_more(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

uint64_t proto_hash(const void *data, size_t len)
{
    return hash_more(1469598103934665603ULL, data, len);
}

void proto_refusal_word(const char *body, size_t len, char *out, size_t outlen)
{
    static const char *const words[] = { "unauthorized", "unauthorised", "forbidden", "denied",
                                         "not allowed", "not authorized", "login", "log in", "sign in",
                                         "certificate required", "invalid certificate", "no certificate" };
    out[0] = '\0';
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        size_t wl = strlen(words[w]);
        for (size_t i = 0; i + wl <= len; i++) {
            if (strncasecmp(body + i, words[w], wl) == 0) {
                str_copy(out, outlen, words[w]);
                return;
            }
        }
    }
}

/* A request of n bytes at p, as the handlers hand them out (malloc'd). */
static int request_copy(const void *p, size_t n, char **req, size_t *len, mp_err *e)
{
    if (!(*req = malloc(n ? n : 1)))
        return mp_fail(e, "out of memory");
    if (n)
        memcpy(*req, p, n);
    *len = n;
    return 0;
}

/* An answer of kind k with nothing in it yet. */
static void answer_start(proto_answer *a, proto_kind k)
{
    memset(a, 0, sizeof *a);
    a->kind = k;
    a->expected = -1;
}

int proto_answer_served(const proto_answer *a)
{
    switch (a->kind) {
    case PROTO_HTTP: return a->code >= 200 && a->code < 400;
    case PROTO_MQTT: return a->code == 0;
    case PROTO_GRPC: return a->code == GRPC_OK;
    case PROTO_TLS: return a->expected != 0;
    }
    return 0;
}

int proto_answer_same(const proto_answer *a, const proto_answer *c)
{
    if (a->kind != c->kind)
        return 0;
    switch (a->kind) {
    case PROTO_HTTP:
        if (a->code / 100 != c->code / 100)
            return 0;
        return a->code / 100 != 3 || strcmp(a->location, c->location) == 0;
    case PROTO_MQTT:
    case PROTO_GRPC: return a->code == c->code;
    case PROTO_TLS: return a->expected == c->expected;
    }
    return 0;
}

void proto_answer_http(const http_response *r, proto_answer *a)
{
    answer_start(a, PROTO_HTTP);
    a->code = a->http_status = r->status;
    const char *loc = http_response_header(r, "Location");
    str_copy(a->location, sizeof a->location, loc ? loc : "");
    a->body_len = r->body_len;
    a->body_hash = proto_hash(r->body ? r->body : "", r->body_len);
    proto_refusal_word(r->body ? r->body : "", r->body_len, a->refusal_word, sizeof a->refusal_word);
    if (r->status >= 300 && r->status < 400 && a->location[0])
        snprintf(a->text, sizeof a->text, "HTTP %d to %.150s", r->status, a->location);
    else
        snprintf(a->text, sizeof a->text, "HTTP %d", r->status);
}

/* What the transport said when it failed, into err. */
static proto_result failed(net_transport *t, const char *what, char *err, size_t errlen)
{
    net_xp_failure f;
    t->ops->failure(t, &f);
    snprintf(err, errlen, "%s: %s", what, f.text[0] ? f.text : "failed");
    return f.kind == NET_XP_F_CLOSED ? PROTO_X_CLOSED : PROTO_X_FAILED;
}

/* ---- HTTP/1.1 ------------------------------------------------------------ */

static int http_default(const net_url *target, const http_header *headers, size_t n_headers, const proto_config *pc,
                        char **req, size_t *len, mp_err *e)
{
    (void)pc;
    return http_request_build("GET", target->path, target->authority, headers, n_headers, NULL, 0, req, len, e);
}

static proto_result http_x(net_transport *t, const net_url *target, const proto_config *pc, const char *req,
                           size_t req_len, int64_t deadline_ns, size_t max_body, proto_answer *answer,
                           http_response *resp, int64_t *first_byte_ns, char *err, size_t errlen)
{
    (void)target;
    (void)pc;
    http_exchange_result rc = http_exchange(t, req, req_len, deadline_ns, max_body, resp, first_byte_ns, err, errlen);
    if (rc == HTTP_X_OK) {
        proto_answer_http(resp, answer);
        return PROTO_X_ANSWER;
    }
    return rc == HTTP_X_CLOSED ? PROTO_X_CLOSED : rc == HTTP_X_MALFORMED ? PROTO_X_MALFORMED : PROTO_X_FAILED;
}

/* ---- raw TLS -------------------------------------------------------------- */

static int tls_default(const net_url *target, const http_header *headers, size_t n_headers, const proto_config *pc,
                       char **req, size_t *len, mp_err *e)
{
    (void)target;
    (void)headers;
    (void)n_headers;
    return pc && pc->send ? request_copy(pc->send, pc->send_len, req, len, e) : request_copy("", 0, req, len, e);
}

static int contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
    if (m == 0)
        return 1;
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return 1;
    return 0;
}

/* Sends --send's bytes, then: with --expect, reads until they arrived, the
 * peer closed or the deadline; without, keeps the connection open for
 * PROTO_TLS_WINDOW_MS and answers "open" unless the server closed or
 * alerted in that time (how a TLS 1.3 server refuses a certificate after
 * its handshake). */
static proto_result tls_x(net_transport *t, const net_url *target, const proto_config *pc, const char *req,
                          size_t req_len, int64_t deadline_ns, size_t max_body, proto_answer *answer,
                          http_response *resp, int64_t *first_byte_ns, char *err, size_t errlen)
{
    (void)target;
    (void)max_body;
    (void)resp;
    answer_start(answer, PROTO_TLS);
    if (req_len && net_xp_write_all(t, req, req_len, deadline_ns) != 0)
        return failed(t, "sending --send", err, errlen);
    int expecting = pc && pc->expect;
    int64_t until = expecting ? deadline_ns : tm_mono_ns() + PROTO_TLS_WINDOW_MS * 1000000LL;
    if (until > deadline_ns)
        until = deadline_ns;
    uint8_t got[4096];
    size_t n = 0;
    uint64_t h = proto_hash("", 0);
    for (;;) {
        if (expecting && contains(got, n, pc->expect, pc->expect_len))
            break;
        uint8_t buf[1024];
        ssize_t r = net_xp_read_wait(t, buf, sizeof buf, until);
        if (r > 0) {
            if (first_byte_ns && !*first_byte_ns)
                *first_byte_ns = tm_mono_ns();
            h = hash_more(h, buf, (size_t)r);
            answer->body_len += (size_t)r;
            size_t keep = (size_t)r < sizeof got - n ? (size_t)r : sizeof got - n;
            memcpy(got + n, buf, keep);
            n += keep;
            continue;
        }
        if (r == 0 && (expecting || answer->body_len == 0)) {
            snprintf(err, errlen, "the server closed the connection after the handshake%s (%zu bytes received)",
                     req_len ? " and --send" : "", answer->body_len);
            return PROTO_X_CLOSED;
        }
        if (r == 0) { /* it said something and was done: that was its answer */
            answer->body_hash = h;
            answer->expected = -1;
            snprintf(answer->text, sizeof answer->text, "%zu bytes, then the server closed the connection",
                     answer->body_len);
            return PROTO_X_ANSWER;
        }
        net_xp_failure f;
        t->ops->failure(t, &f);
        if (f.kind != NET_XP_F_TIMEOUT)
            return failed(t, "after the handshake", err, errlen);
        break; /* the window (or the deadline) passed */
    }
    answer->body_hash = h;
    if (expecting) {
        answer->expected = contains(got, n, pc->expect, pc->expect_len);
        snprintf(answer->text, sizeof answer->text, "%s (%zu bytes received)",
                 answer->expected ? "--expect's bytes arrived" : "--expect's bytes did not arrive",
                 answer->body_len);
    } else {
        answer->expected = -1;
        char got_text[48] = "";
        if (answer->body_len)
            snprintf(got_text, sizeof got_text, ", %zu bytes received", answer->body_len);
        snprintf(answer->text, sizeof answer->text, "connection open %d ms after the %s%s", PROTO_TLS_WINDOW_MS,
                 req_len ? "handshake and --send" : "handshake", got_text);
    }
    return PROTO_X_ANSWER;
}

/* ---- MQTT ----------------------------------------------------------------- */

static int mqtt_default(const net_url *target, const http_header *headers, size_t n_headers, const proto_config *pc,
                        char **req, size_t *len, mp_err *e)
{
    (void)target;
    (void)headers;
    (void)n_headers;
    char id[64];
    snprintf(id, sizeof id, "mtlsprobe-%ld", (long)getpid());
    mqtt_connect c = {
        .version = pc && pc->mqtt_version == MQTT_V5 ? MQTT_V5 : MQTT_V311,
        .client_id = pc && pc->client_id ? pc->client_id : id,
        .username = pc ? pc->username : NULL,
        .password = pc ? pc->password : NULL,
        .password_len = pc ? pc->password_len : 0,
        .keepalive_s = 30,
        .clean = 1,
    };
    uint8_t buf[2048];
    size_t n = mqtt_connect_encode(&c, buf, sizeof buf);
    if (!n)
        return mp_fail(e, "cannot encode the MQTT CONNECT (a client id, user name or password too long, or a "
                          "password without a user name in MQTT 3.1.1)");
    return request_copy(buf, n, req, len, e);
}

static proto_result mqtt_x(net_transport *t, const net_url *target, const proto_config *pc, const char *req,
                           size_t req_len, int64_t deadline_ns, size_t max_body, proto_answer *answer,
                           http_response *resp, int64_t *first_byte_ns, char *err, size_t errlen)
{
    (void)target;
    (void)max_body;
    (void)resp;
    answer_start(answer, PROTO_MQTT);
    int version = pc && pc->mqtt_version == MQTT_V5 ? MQTT_V5 : MQTT_V311;
    if (net_xp_write_all(t, req, req_len, deadline_ns) != 0)
        return failed(t, "sending the MQTT CONNECT", err, errlen);
    mqtt_reader rd;
    mqtt_reader_init(&rd, 1u << 20);
    for (;;) {
        uint8_t buf[1024];
        ssize_t r = net_xp_read_wait(t, buf, sizeof buf, deadline_ns);
        if (r == 0) {
            snprintf(err, errlen, "the broker closed the connection before a CONNACK");
            return PROTO_X_CLOSED;
        }
        if (r < 0)
            return failed(t, "waiting for the CONNACK", err, errlen);
        if (first_byte_ns && !*first_byte_ns)
            *first_byte_ns = tm_mono_ns();
        size_t off = 0;
        while (off < (size_t)r) {
            size_t used = 0;
            mqtt_packet pkt;
            int st = mqtt_reader_feed(&rd, buf + off, (size_t)r - off, &used, &pkt);
            off += used;
            if (st < 0) {
                snprintf(err, errlen, "malformed MQTT from the broker");
                return PROTO_X_MALFORMED;
            }
            if (st == 0)
                break;
            if (pkt.type != MQTT_CONNACK) {
                snprintf(err, errlen, "the broker sent %s before its CONNACK", mqtt_packet_name(pkt.type));
                return PROTO_X_MALFORMED;
            }
            mqtt_connack ack;
            const char *why = NULL;
            if (mqtt_connack_decode(version, &pkt, &ack, &why) != 0) {
                snprintf(err, errlen, "malformed CONNACK: %s", why ? why : "?");
                return PROTO_X_MALFORMED;
            }
            answer->code = ack.code;
            snprintf(answer->text, sizeof answer->text, "CONNACK 0x%02x %s", ack.code,
                     mqtt_connack_name(version, ack.code));
            uint8_t bye[8];
            size_t bl = ack.code == 0 ? mqtt_disconnect_encode(version, bye, sizeof bye) : 0;
            if (bl)
                net_xp_write_all(t, bye, bl, deadline_ns);
            return PROTO_X_ANSWER;
        }
    }
}

/* ---- gRPC ----------------------------------------------------------------- */

/* The request bytes of a unary call are its message, framed: the health
 * check's empty HealthCheckRequest. */
static int grpc_default(const net_url *target, const http_header *headers, size_t n_headers, const proto_config *pc,
                        char **req, size_t *len, mp_err *e)
{
    (void)target;
    (void)headers;
    (void)n_headers;
    (void)pc;
    uint8_t frame[GRPC_PREFIX_LEN];
    return request_copy(frame, grpc_frame_encode(NULL, 0, frame, sizeof frame), req, len, e);
}

static proto_result grpc_x(net_transport *t, const net_url *target, const proto_config *pc, const char *req,
                           size_t req_len, int64_t deadline_ns, size_t max_body, proto_answer *answer,
                           http_response *resp, int64_t *first_byte_ns, char *err, size_t errlen)
{
    (void)pc;
    answer_start(answer, PROTO_GRPC);
    http_header hs[] = { { (char *)"content-type", (char *)"application/grpc" }, { (char *)"te", (char *)"trailers" } };
    http_h2_request q = { .method = "POST", .scheme = "https", .authority = target->authority,
                          .path = target->path, .headers = hs, .n_headers = 2,
                          .body = (const uint8_t *)req, .body_len = req_len };
    mp_err e;
    if (http_h2_exchange_xp(t, &q, max_body, deadline_ns, resp, &e) != 0) {
        net_xp_failure f;
        t->ops->failure(t, &f);
        snprintf(err, errlen, "%s", e.msg);
        return f.kind == NET_XP_F_CLOSED || strstr(e.msg, "closed") ? PROTO_X_CLOSED
               : f.kind != NET_XP_F_NONE ? PROTO_X_FAILED : PROTO_X_MALFORMED;
    }
    if (first_byte_ns && !*first_byte_ns)
        *first_byte_ns = tm_mono_ns();
    grpc_answer g;
    grpc_answer_read(resp, &g);
    answer->http_status = g.http_status;
    answer->code = g.status;
    grpc_answer_text(&g, answer->text, sizeof answer->text);
    return PROTO_X_ANSWER;
}

static const proto_handler handlers[] = {
    { NET_SCHEME_HTTPS, PROTO_HTTP, NULL, http_default, http_x },
    { NET_SCHEME_TLS, PROTO_TLS, NULL, tls_default, tls_x },
    { NET_SCHEME_MQTTS, PROTO_MQTT, NULL, mqtt_default, mqtt_x },
    { NET_SCHEME_GRPCS, PROTO_GRPC, "h2", grpc_default, grpc_x },
};

const proto_handler *proto_for(net_scheme s)
{
    for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
        if (handlers[i].scheme == s)
            return &handlers[i];
    return &handlers[0];
}

int proto_unescape(const char *in, uint8_t *out, size_t cap, size_t *len)
{
    size_t n = 0;
    for (const char *p = in; *p; p++) {
        int c = (unsigned char)*p;
        if (c == '\\') {
            p++;
            switch (*p) {
            case 'r': c = '\r'; break;
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case '0': c = 0; break;
            case '\\': c = '\\'; break;
            case 'x':
                if (!isxdigit((unsigned char)p[1]) || !isxdigit((unsigned char)p[2]))
                    return -1;
                {
                    char hx[3] = { p[1], p[2], 0 };
                    c = (int)strtol(hx, NULL, 16);
                }
                p += 2;
                break;
            default: return -1;
            }
        }
        if (n == cap)
            return -1;
        out[n++] = (uint8_t)c;
    }
    *len = n;
    return 0;
}
