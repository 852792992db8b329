/* HTTP/1.1 requests as a server reads them: an incremental reader on
 * http-parser that keeps the method, target, every header in arrival order
 * (duplicates and letter case preserved, since the upstream echo must show
 * exactly what a gateway forwarded) and a bounded body. */
#ifndef MP_HTTP_REQUEST_H
#define MP_HTTP_REQUEST_H

#include <stddef.h>

#include <http_parser.h>

#include "http/http.h"

#define HTTP_REQ_MAX_HEADERS 128
#define HTTP_REQ_MAX_HEAD (32 * 1024)

typedef struct http_request {
    char method[16];
    char *target;          /* the request-target as sent: "/path?query" */
    http_header *headers;  /* in arrival order */
    size_t n_headers;
    char *body;
    size_t body_len;
    int keep_alive;        /* the client may send another request */
    int http_minor;        /* 0: HTTP/1.0, 1: HTTP/1.1 */
} http_request;

typedef struct http_request_reader {
    http_parser parser;
    http_parser_settings settings;
    http_request req;
    size_t max_body;
    size_t max_head;       /* HTTP_REQ_MAX_HEAD unless set after init */
    int head_only;         /* complete at the end of the head; a body stays unread */
    int has_body;          /* head_only: the request announced a body (length or chunked) */
    size_t head_bytes;
    int in_value;
    int complete;
    int error_status;      /* with an error: the status that answers it (400, 413, 431) */
    char error[160];
} http_request_reader;

void http_request_reader_init(http_request_reader *r, size_t max_body);
/* Feeds bytes; returns how many were consumed (up to the end of one
 * request, or of its head with head_only) in *used. 1 complete, 0 needs
 * more, -1 malformed or too large (r->error, r->error_status). */
int http_request_reader_feed(http_request_reader *r, const char *data, size_t len, size_t *used);
void http_request_reader_free(http_request_reader *r);

/* First value of a header, case-insensitive; NULL if absent. */
const char *http_request_header(const http_request *q, const char *name);

#endif
