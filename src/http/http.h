/* HTTP/1.1 over any byte stream: request text, and an incremental response
 * reader on Debian's http-parser with limits on header and body sizes, so a
 * misbehaving gateway cannot make us buffer without bound. */
#ifndef MP_HTTP_H
#define MP_HTTP_H

#include <stddef.h>

#include <http_parser.h>

#include "util/err.h"

typedef struct http_header {
    char *name;
    char *value;
} http_header;

typedef struct http_response {
    int status;
    http_header *headers;
    size_t n_headers;
    char *body;
    size_t body_len;
    int body_truncated;   /* more than max_body arrived; the rest was dropped */
} http_response;

/* Appends n bytes to a growing NUL-terminated buffer; -1 out of memory. */
int http_buf_append(char **dst, size_t *len, const char *at, size_t n);

/* "Name: value" into a header; the caller frees both strings. */
int http_header_parse(const char *line, http_header *h, mp_err *e);

/* Builds a request. Host comes first unless `headers` carries its own. */
int http_request_build(const char *method, const char *path, const char *host,
                       const http_header *headers, size_t n_headers, const char *body,
                       size_t body_len, char **out, size_t *out_len, mp_err *e);

typedef struct http_reader {
    http_parser parser;
    http_parser_settings settings;
    http_response resp;
    size_t max_body;
    size_t header_bytes;
    int in_value;        /* the last callback was a header value */
    int complete;
    char error[160];
} http_reader;

void http_reader_init(http_reader *r, size_t max_body);
/* 1 complete, 0 needs more, -1 malformed (r->error says why). */
int http_reader_feed(http_reader *r, const char *data, size_t len);
/* The peer closed: completes a response delimited by close. */
int http_reader_eof(http_reader *r);
/* Moves the response out (the reader can then be discarded). */
void http_reader_take(http_reader *r, http_response *out);
void http_reader_free(http_reader *r);

void http_response_free(http_response *r);

/* A response scanner for the load hot path: no allocation, keeps only the
 * status and how the body is delimited (Content-Length, chunked, or close).
 * Headers may take at most HTTP_SCAN_HEAD bytes; they are read line by line,
 * so a scanner holds one line (the first HTTP_SCAN_LINE bytes of it: the
 * header names it looks for and their values fit), not the whole head. */
#define HTTP_SCAN_HEAD 8192
#define HTTP_SCAN_LINE 256

typedef struct http_scan {
    char head[HTTP_SCAN_LINE]; /* the header line being read */
    size_t head_len;
    size_t head_total;    /* head bytes so far */
    int in_body;
    int status;
    int until_close;      /* no length: the body ends when the peer closes */
    int conn_close;       /* "Connection: close": no further request on it */
    int chunked;
    int64_t left;         /* body bytes (or current chunk bytes) still to come */
    int chunk_state;      /* 0 size line, 1 data, 2 CRLF after data, 3 trailers */
    char line[32];
    size_t line_len;
    int complete;
} http_scan;

void http_scan_init(http_scan *s);
/* 1 complete, 0 needs more, -1 malformed. */
int http_scan_feed(http_scan *s, const char *data, size_t len);
/* First value of a header, case-insensitive; NULL if absent. */
const char *http_response_header(const http_response *r, const char *name);

#endif
