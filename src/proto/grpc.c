/* gRPC answers and messages (proto/grpc.h). */
#include "proto/grpc.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

size_t grpc_frame_encode(const uint8_t *msg, size_t len, uint8_t *out, size_t cap)
{
    if (len > UINT32_MAX || cap < GRPC_PREFIX_LEN || cap - GRPC_PREFIX_LEN < len)
        return 0;
    out[0] = 0; /* not compressed */
    out[1] = (uint8_t)(len >> 24);
    out[2] = (uint8_t)(len >> 16);
    out[3] = (uint8_t)(len >> 8);
    out[4] = (uint8_t)len;
    if (len)
        memcpy(out + GRPC_PREFIX_LEN, msg, len);
    return GRPC_PREFIX_LEN + len;
}

static const char *const status_names[GRPC_MAX_CODE + 1] = {
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
    "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
    "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
};

const char *grpc_status_name(int code)
{
    return code >= 0 && code <= GRPC_MAX_CODE ? status_names[code] : "UNKNOWN_CODE";
}

int grpc_status_parse(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 2)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return -1;
    return n == 1 ? s[0] - '0' : (s[0] - '0') * 10 + (s[1] - '0');
}

int grpc_status_is_refusal(int code)
{
    return code == GRPC_UNAUTHENTICATED || code == GRPC_PERMISSION_DENIED;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* grpc-message is percent-encoded UTF-8; what a verdict line shows is its
 * printable ASCII, anything else as '?'. */
static void decode_message(const char *in, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; in[i] && o + 1 < outlen; i++) {
        int c = (unsigned char)in[i];
        if (c == '%' && in[i + 1] && in[i + 2] && hexval(in[i + 1]) >= 0 && hexval(in[i + 2]) >= 0) {
            c = hexval(in[i + 1]) * 16 + hexval(in[i + 2]);
            i += 2;
        }
        out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    out[o] = '\0';
}

void grpc_answer_read(const http_response *r, grpc_answer *a)
{
    memset(a, 0, sizeof *a);
    a->http_status = r->status;
    a->status = -1;
    const char *ct = http_response_header(r, "content-type");
    if (ct && strncasecmp(ct, "application/grpc", 16) == 0 &&
        (ct[16] == '\0' || ct[16] == '+' || ct[16] == ';'))
        a->is_grpc = 1;
    const char *st = http_response_header(r, "grpc-status");
    if (st)
        a->status = grpc_status_parse(st);
    const char *msg = http_response_header(r, "grpc-message");
    if (msg)
        decode_message(msg, a->message, sizeof a->message);
    size_t off = 0;
    const uint8_t *b = (const uint8_t *)r->body;
    while (off < r->body_len) {
        if (r->body_len - off < GRPC_PREFIX_LEN) {
            a->body_malformed = !r->body_truncated;
            break;
        }
        uint32_t len = (uint32_t)b[off + 1] << 24 | (uint32_t)b[off + 2] << 16 | (uint32_t)b[off + 3] << 8 |
                       b[off + 4];
        if (r->body_len - off - GRPC_PREFIX_LEN < len) {
            a->body_malformed = !r->body_truncated;
            break;
        }
        off += GRPC_PREFIX_LEN + len;
        a->n_messages++;
    }
}

void grpc_answer_text(const grpc_answer *a, char *out, size_t outlen)
{
    if (a->status < 0) {
        snprintf(out, outlen, "HTTP %d, no grpc-status%s", a->http_status,
                 a->is_grpc ? "" : " (not a gRPC response)");
        return;
    }
    snprintf(out, outlen, "grpc-status %d %s%s%s%s, HTTP %d", a->status, grpc_status_name(a->status),
             a->message[0] ? " (" : "", a->message, a->message[0] ? ")" : "", a->http_status);
}
