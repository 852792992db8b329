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

/* A header whose value is a credential, shown as "(hidden)" in every
 * output: Authorization, Proxy-Authorization, Cookie, Set-Cookie, and any
 * name containing token, secret, key or auth (case-insensitive). */
int http_header_is_secret(const char *name, size_t len);

/* "Name: value" (an -H argument) with the value replaced by "(hidden)" when
 * the header is a credential, into out; else the line as it is. */
void http_header_redact(const char *line, char *out, size_t outlen);

/* Builds a request. Host comes first unless `headers` carries its own. */
int http_request_build(const char *method, const char *path, const char *host,
                       const http_header *headers, size_t n_headers, const char *body,
                       size_t body_len, char **out, size_t *out_len, mp_err *e);

/* Interim responses (RFC 9110 15.2): 1xx other than 101 Switching
 * Protocols (100 Continue, 103 Early Hints) come before the final response
 * and say nothing about the request's outcome. Every reader, HTTP/1.1 and
 * HTTP/2, skips them, their headers included, and reads the final one; a
 * peer sending more than HTTP_MAX_INTERIM of them is malformed. */
#define HTTP_MAX_INTERIM 16
int http_status_is_interim(int status);

/* The one status rule for HTTP/1.1 and HTTP/2 answers: 100..599; anything
 * else would be misread as a verdict, so it is a malformed response. */
#define HTTP_STATUS_VALID(s) ((s) >= 100 && (s) <= 599)

/* An HTTP/2 :status value: exactly three digits, 100..599; -1 otherwise. */
int http_status_parse(const char *s, size_t n);

/* The most response headers any reader keeps. */
#define HTTP_MAX_RESPONSE_HEADERS 128

/* One header slot more in r (name and value NULL), for the readers of both
 * HTTP versions: the new slot, or NULL when r holds HTTP_MAX_RESPONSE_HEADERS
 * already or memory runs out (*full says which). */
http_header *http_response_new_header(http_response *r, int *full);

typedef struct http_reader {
    http_parser parser;
    http_parser_settings settings;
    http_response resp;
    size_t max_body;
    size_t header_bytes;
    int in_value;        /* the last callback was a header value */
    int in_interim;      /* reading an interim (1xx) response, dropped at its end */
    int n_interim;       /* interim responses skipped so far */
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

/* The load hot path's response reader: the same http-parser with only the
 * two callbacks the load needs (end of the head: the status, and whether
 * the connection can carry another request; end of the message) and
 * nothing allocated per response, as wrk does. The head may take at most
 * http-parser's HTTP_MAX_HEADER_SIZE bytes. */
typedef struct http_load_reader {
    http_parser parser;
    int status;
    int keep_alive;  /* the connection may carry the next request (no
                      * "Connection: close", not delimited by the close) */
    int complete;
    int in_interim;  /* as in http_reader */
    int n_interim;
} http_load_reader;

/* Starts a response; call again for each. */
void http_load_reader_init(http_load_reader *r);
/* 1 complete, 0 needs more, -1 malformed. Bytes after the end of the
 * response are ignored. */
int http_load_reader_feed(http_load_reader *r, const char *data, size_t len);
/* The peer closed: 1 when that ended the response (a body delimited by
 * the close), -1 when the response was cut short. */
int http_load_reader_eof(http_load_reader *r);

/* First value of a header, case-insensitive; NULL if absent. */
const char *http_response_header(const http_response *r, const char *name);

#endif
