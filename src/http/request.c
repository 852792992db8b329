/* Server-side request reading on http-parser. The reader pauses the parser
 * at the end of each message, so bytes of a pipelined next request stay with
 * the caller for the next reader instead of being swallowed. */
#define _DEFAULT_SOURCE
#include "http/request.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static http_request_reader *reader(http_parser *p)
{
    return p->data;
}

static int head_too_large(http_request_reader *r)
{
    if (r->head_bytes <= r->max_head)
        return 0;
    snprintf(r->error, sizeof r->error, "request head larger than %zu bytes", r->max_head);
    r->error_status = 431;
    return 1;
}

static int on_url(http_parser *p, const char *at, size_t n)
{
    http_request_reader *r = reader(p);
    size_t len = r->req.target ? strlen(r->req.target) : 0;
    r->head_bytes += n;
    return head_too_large(r) || http_buf_append(&r->req.target, &len, at, n) != 0;
}

static int on_header_field(http_parser *p, const char *at, size_t n)
{
    http_request_reader *r = reader(p);
    http_request *q = &r->req;
    r->head_bytes += n;
    if (head_too_large(r))
        return 1;
    if (r->in_value || q->n_headers == 0) {
        if (q->n_headers == HTTP_REQ_MAX_HEADERS) {
            snprintf(r->error, sizeof r->error, "more than %d headers", HTTP_REQ_MAX_HEADERS);
            r->error_status = 431;
            return 1;
        }
        q->headers[q->n_headers].name = NULL;
        q->headers[q->n_headers].value = NULL;
        q->n_headers++;
        r->in_value = 0;
    }
    http_header *h = &q->headers[q->n_headers - 1];
    size_t len = h->name ? strlen(h->name) : 0;
    return http_buf_append(&h->name, &len, at, n) != 0;
}

static int on_header_value(http_parser *p, const char *at, size_t n)
{
    http_request_reader *r = reader(p);
    http_request *q = &r->req;
    r->head_bytes += n;
    if (head_too_large(r) || q->n_headers == 0)
        return 1;
    http_header *h = &q->headers[q->n_headers - 1];
    size_t len = h->value ? strlen(h->value) : 0;
    r->in_value = 1;
    return http_buf_append(&h->value, &len, at, n) != 0;
}

static int on_headers_complete(http_parser *p)
{
    http_request_reader *r = reader(p);
    snprintf(r->req.method, sizeof r->req.method, "%s", http_method_str((enum http_method)p->method));
    r->req.http_minor = p->http_minor;
    for (size_t i = 0; i < r->req.n_headers; i++)
        if (!r->req.headers[i].value)
            r->req.headers[i].value = strdup("");
    if (r->head_only) {
        /* Told to skip the body, http-parser ends the message here, so
         * the body's bytes stay with the caller. */
        r->has_body = (p->flags & F_CHUNKED) ||
                      (p->content_length > 0 && p->content_length != ULLONG_MAX);
        return 1;
    }
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
    http_request_reader *r = reader(p);
    if (r->req.body_len + n > r->max_body) {
        snprintf(r->error, sizeof r->error, "request body larger than %zu bytes", r->max_body);
        r->error_status = 413;
        return 1;
    }
    return http_buf_append(&r->req.body, &r->req.body_len, at, n) != 0;
}

static int on_message_complete(http_parser *p)
{
    http_request_reader *r = reader(p);
    r->complete = 1;
    r->req.keep_alive = http_should_keep_alive(p);
    http_parser_pause(p, 1);
    return 0;
}

void http_request_reader_init(http_request_reader *r, size_t max_body)
{
    memset(r, 0, sizeof *r);
    http_parser_init(&r->parser, HTTP_REQUEST);
    r->parser.data = r;
    http_parser_settings_init(&r->settings);
    r->settings.on_url = on_url;
    r->settings.on_header_field = on_header_field;
    r->settings.on_header_value = on_header_value;
    r->settings.on_headers_complete = on_headers_complete;
    r->settings.on_body = on_body;
    r->settings.on_message_complete = on_message_complete;
    r->max_body = max_body;
    r->max_head = HTTP_REQ_MAX_HEAD;
    r->req.headers = calloc(HTTP_REQ_MAX_HEADERS, sizeof *r->req.headers);
    if (!r->req.headers)
        snprintf(r->error, sizeof r->error, "out of memory");
}

int http_request_reader_feed(http_request_reader *r, const char *data, size_t len, size_t *used)
{
    *used = 0;
    if (r->error[0])
        return -1;
    if (r->complete)
        return 1;
    size_t n = http_parser_execute(&r->parser, &r->settings, data, len);
    *used = n;
    enum http_errno err = HTTP_PARSER_ERRNO(&r->parser);
    if (r->complete)
        return 1;
    if (err != HPE_OK) {
        if (!r->error[0])
            snprintf(r->error, sizeof r->error, "malformed request: %s", http_errno_description(err));
        if (!r->error_status)
            r->error_status = 400;
        return -1;
    }
    return 0;
}

void http_request_reader_free(http_request_reader *r)
{
    http_request *q = &r->req;
    for (size_t i = 0; q->headers && i < q->n_headers; i++) {
        free(q->headers[i].name);
        free(q->headers[i].value);
    }
    free(q->headers);
    free(q->target);
    free(q->body);
    memset(r, 0, sizeof *r);
}

const char *http_request_header(const http_request *q, const char *name)
{
    for (size_t i = 0; i < q->n_headers; i++)
        if (q->headers[i].name && strcasecmp(q->headers[i].name, name) == 0)
            return q->headers[i].value;
    return NULL;
}
