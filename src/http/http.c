/* HTTP/1.1 requests and responses. Parsing is http-parser's; this file only
 * collects what it reports and bounds it. */
#define _DEFAULT_SOURCE
#include "http/http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_HEADER_BYTES (64 * 1024)

int http_header_is_secret(const char *name, size_t len)
{
    static const char *const exact[] = { "authorization", "proxy-authorization", "cookie", "set-cookie" };
    static const char *const parts[] = { "token", "secret", "key", "auth" };
    char low[128];
    if (len >= sizeof low)
        len = sizeof low - 1;
    for (size_t i = 0; i < len; i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    low[len] = '\0';
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (strcmp(low, exact[i]) == 0)
            return 1;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (strstr(low, parts[i]))
            return 1;
    return 0;
}

void http_header_redact(const char *line, char *out, size_t outlen)
{
    const char *colon = strchr(line, ':');
    size_t n = colon ? (size_t)(colon - line) : 0;
    while (n > 0 && line[n - 1] == ' ')
        n--;
    if (colon && http_header_is_secret(line, n))
        snprintf(out, outlen, "%.*s: (hidden)", (int)(colon - line), line);
    else
        snprintf(out, outlen, "%s", line);
}

int http_header_parse(const char *line, http_header *h, mp_err *e)
{
    const char *colon = strchr(line, ':');
    /* a message never repeats a credential: 'Authorization Bearer x' with
     * no colon is a name that hides its value, so it is not quoted */
    if (!colon || colon == line)
        return mp_fail(e, "a header must look like 'Name: value' (the text given is not repeated: it may be a "
                          "credential)");
    for (const char *p = line; p < colon; p++)
        if (!isgraph((unsigned char)*p))
            return mp_fail(e, "header name '%.*s' has a space or control character", (int)(colon - line), line);
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    for (const char *p = v; *p; p++)
        if (*p == '\r' || *p == '\n')
            return mp_fail(e, "header %.*s: its value contains a line break", (int)(colon - line), line);
    h->name = strndup(line, (size_t)(colon - line));
    h->value = strdup(v);
    if (!h->name || !h->value) {
        free(h->name);
        free(h->value);
        return mp_fail(e, "out of memory");
    }
    return 0;
}

static int has_header(const http_header *h, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(h[i].name, name) == 0)
            return 1;
    return 0;
}

int http_request_build(const char *method, const char *path, const char *host,
                       const http_header *headers, size_t n_headers, const char *body,
                       size_t body_len, char **out, size_t *out_len, mp_err *e)
{
    for (const char *p = method; *p; p++)
        if (!isupper((unsigned char)*p) && *p != '-')
            return mp_fail(e, "bad HTTP method '%s'", method);
    for (const char *p = path; *p; p++)
        if (*p == ' ' || *p == '\r' || *p == '\n')
            return mp_fail(e, "bad request path '%s'", path);
    size_t cap = strlen(method) + strlen(path) + (host ? strlen(host) : 0) + body_len + 256;
    for (size_t i = 0; i < n_headers; i++)
        cap += strlen(headers[i].name) + strlen(headers[i].value) + 4;
    char *s = malloc(cap);
    if (!s)
        return mp_fail(e, "out of memory");
    size_t o = (size_t)snprintf(s, cap, "%s %s HTTP/1.1\r\n", method, path);
    if (host && !has_header(headers, n_headers, "Host"))
        o += (size_t)snprintf(s + o, cap - o, "Host: %s\r\n", host);
    for (size_t i = 0; i < n_headers; i++)
        o += (size_t)snprintf(s + o, cap - o, "%s: %s\r\n", headers[i].name, headers[i].value);
    if ((body_len || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) &&
        !has_header(headers, n_headers, "Content-Length"))
        o += (size_t)snprintf(s + o, cap - o, "Content-Length: %zu\r\n", body_len);
    if (!has_header(headers, n_headers, "User-Agent"))
        o += (size_t)snprintf(s + o, cap - o, "User-Agent: mtlsprobe\r\n");
    o += (size_t)snprintf(s + o, cap - o, "\r\n");
    if (body_len)
        memcpy(s + o, body, body_len);
    *out = s;
    *out_len = o + body_len;
    return 0;
}

static http_reader *reader_of(http_parser *p)
{
    return p->data;
}

int http_buf_append(char **dst, size_t *len, const char *at, size_t n)
{
    char *nd = realloc(*dst, *len + n + 1);
    if (!nd)
        return -1;
    memcpy(nd + *len, at, n);
    *len += n;
    nd[*len] = '\0';
    *dst = nd;
    return 0;
}

int http_status_parse(const char *s, size_t n)
{
    if (n != 3)
        return -1;
    int v = 0;
    for (size_t i = 0; i < 3; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return HTTP_STATUS_VALID(v) ? v : -1;
}

http_header *http_response_new_header(http_response *r, int *full)
{
    *full = r->n_headers >= HTTP_MAX_RESPONSE_HEADERS;
    if (*full)
        return NULL;
    http_header *nh = realloc(r->headers, (r->n_headers + 1) * sizeof *nh);
    if (!nh)
        return NULL;
    r->headers = nh;
    http_header *h = &nh[r->n_headers++];
    h->name = NULL;
    h->value = NULL;
    return h;
}

static int on_header_field(http_parser *p, const char *at, size_t n)
{
    http_reader *r = reader_of(p);
    http_response *resp = &r->resp;
    if ((r->header_bytes += n) > MAX_HEADER_BYTES) {
        snprintf(r->error, sizeof r->error, "response headers exceed %d bytes", MAX_HEADER_BYTES);
        return 1;
    }
    if (r->in_value || resp->n_headers == 0) { /* a new header starts */
        int full;
        if (!http_response_new_header(resp, &full)) {
            if (full)
                snprintf(r->error, sizeof r->error, "more than %d response headers", HTTP_MAX_RESPONSE_HEADERS);
            return 1;
        }
        r->in_value = 0;
    }
    http_header *h = &resp->headers[resp->n_headers - 1];
    size_t len = h->name ? strlen(h->name) : 0;
    return http_buf_append(&h->name, &len, at, n) ? 1 : 0;
}

static int on_header_value(http_parser *p, const char *at, size_t n)
{
    http_reader *r = reader_of(p);
    if ((r->header_bytes += n) > MAX_HEADER_BYTES) {
        snprintf(r->error, sizeof r->error, "response headers exceed %d bytes", MAX_HEADER_BYTES);
        return 1;
    }
    if (r->resp.n_headers == 0)
        return 1;
    http_header *h = &r->resp.headers[r->resp.n_headers - 1];
    size_t len = h->value ? strlen(h->value) : 0;
    r->in_value = 1;
    return http_buf_append(&h->value, &len, at, n) ? 1 : 0;
}

int http_status_is_interim(int status)
{
    return status >= 100 && status <= 199 && status != 101;
}

static int on_headers_complete(http_parser *p)
{
    http_reader *r = reader_of(p);
    /* http-parser takes any one to three digits ("HTTP/1.1 2"); a status
     * outside 100..599 would be misread as a verdict, so it is malformed. */
    if (!HTTP_STATUS_VALID((int)p->status_code)) {
        snprintf(r->error, sizeof r->error, "malformed HTTP response: status code %u",
                 (unsigned)p->status_code);
        return -1;
    }
    if (http_status_is_interim((int)p->status_code)) {
        if (++r->n_interim > HTTP_MAX_INTERIM) {
            snprintf(r->error, sizeof r->error, "malformed HTTP response: more than %d interim (1xx) responses",
                     HTTP_MAX_INTERIM);
            return -1;
        }
        r->in_interim = 1;
        return 1; /* no body; the final response follows */
    }
    r->resp.status = (int)p->status_code;
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
    http_reader *r = reader_of(p);
    size_t room = r->max_body > r->resp.body_len ? r->max_body - r->resp.body_len : 0;
    if (n > room) {
        r->resp.body_truncated = 1;
        n = room;
    }
    if (n && http_buf_append(&r->resp.body, &r->resp.body_len, at, n))
        return 1;
    return 0;
}

static int on_message_complete(http_parser *p)
{
    http_reader *r = reader_of(p);
    if (r->in_interim) { /* its headers are not the final response's */
        http_response_free(&r->resp);
        r->in_interim = 0;
        r->in_value = 0;
        return 0;
    }
    r->complete = 1;
    http_parser_pause(p, 1); /* what follows is not this response's */
    return 0;
}

void http_reader_init(http_reader *r, size_t max_body)
{
    memset(r, 0, sizeof *r);
    http_parser_init(&r->parser, HTTP_RESPONSE);
    r->parser.data = r;
    http_parser_settings_init(&r->settings);
    r->settings.on_header_field = on_header_field;
    r->settings.on_header_value = on_header_value;
    r->settings.on_headers_complete = on_headers_complete;
    r->settings.on_body = on_body;
    r->settings.on_message_complete = on_message_complete;
    r->max_body = max_body;
}

int http_reader_feed(http_reader *r, const char *data, size_t len)
{
    if (r->complete)
        return 1;
    size_t n = http_parser_execute(&r->parser, &r->settings, data, len);
    if (r->complete)
        return 1;
    if (HTTP_PARSER_ERRNO(&r->parser) != HPE_OK || n != len) {
        if (!r->error[0])
            snprintf(r->error, sizeof r->error, "malformed HTTP response: %s",
                     http_errno_description(HTTP_PARSER_ERRNO(&r->parser)));
        return -1;
    }
    return 0;
}

int http_reader_eof(http_reader *r)
{
    if (r->complete)
        return 1;
    http_parser_execute(&r->parser, &r->settings, NULL, 0);
    if (r->complete)
        return 1;
    snprintf(r->error, sizeof r->error, "%s",
             r->resp.status ? "connection closed before the response body ended"
                            : "connection closed before an HTTP response");
    return -1;
}

void http_reader_take(http_reader *r, http_response *out)
{
    *out = r->resp;
    memset(&r->resp, 0, sizeof r->resp);
}

void http_reader_free(http_reader *r)
{
    http_response_free(&r->resp);
}

void http_response_free(http_response *r)
{
    for (size_t i = 0; i < r->n_headers; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    free(r->body);
    memset(r, 0, sizeof *r);
}

const char *http_response_header(const http_response *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (r->headers[i].name && strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value ? r->headers[i].value : "";
    return NULL;
}

/* ---- the load hot path's reader ----------------------------------------- */

static int load_headers_complete(http_parser *p)
{
    http_load_reader *r = p->data;
    if (p->status_code < 100 || p->status_code > 599)
        return -1; /* as on_headers_complete: a status no verdict may read */
    if (http_status_is_interim((int)p->status_code)) {
        if (++r->n_interim > HTTP_MAX_INTERIM)
            return -1;
        r->in_interim = 1;
        return 1; /* no body; the final response follows */
    }
    r->status = (int)p->status_code;
    r->keep_alive = http_should_keep_alive(p);
    return 0;
}

static int load_message_complete(http_parser *p)
{
    http_load_reader *r = p->data;
    if (r->in_interim) {
        r->in_interim = 0;
        return 0;
    }
    r->complete = 1;
    http_parser_pause(p, 1); /* what follows is not this response's */
    return 0;
}

static const http_parser_settings load_settings = {
    .on_headers_complete = load_headers_complete,
    .on_message_complete = load_message_complete,
};

void http_load_reader_init(http_load_reader *r)
{
    http_parser_init(&r->parser, HTTP_RESPONSE);
    r->parser.data = r;
    r->status = 0;
    r->keep_alive = 0;
    r->complete = 0;
    r->in_interim = 0;
    r->n_interim = 0;
}

int http_load_reader_feed(http_load_reader *r, const char *data, size_t len)
{
    if (r->complete)
        return 1;
    size_t n = http_parser_execute(&r->parser, &load_settings, data, len);
    if (r->complete)
        return 1;
    return HTTP_PARSER_ERRNO(&r->parser) != HPE_OK || n != len ? -1 : 0;
}

int http_load_reader_eof(http_load_reader *r)
{
    if (!r->complete && HTTP_PARSER_ERRNO(&r->parser) == HPE_OK)
        http_parser_execute(&r->parser, &load_settings, NULL, 0);
    return r->complete ? 1 : -1;
}
