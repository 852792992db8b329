/* Fuzz target: HTTP responses from a gateway, through both readers (the
 * allocating http_reader on http-parser and the load hot path's scanner).
 * The first input byte picks how the rest is cut into reads, because a
 * response arrives in pieces whose boundaries the gateway chooses. */
#include <stdio.h>

#include "fuzz.h"
#include "http/http.h"

#define MAX_BODY 4096

static void feed_reader(const char *d, size_t n, size_t piece)
{
    http_reader r;
    http_reader_init(&r, MAX_BODY);
    int st = 0;
    for (size_t off = 0; off < n && st == 0; off += piece) {
        size_t take = n - off < piece ? n - off : piece;
        st = http_reader_feed(&r, d + off, take);
    }
    if (st == 0)
        st = http_reader_eof(&r);
    http_response resp;
    http_reader_take(&r, &resp);
    if (resp.body_len > MAX_BODY)
        abort(); /* the body limit must hold */
    if (st == 1 && (resp.status < 100 || resp.status > 599))
        abort();
    (void)http_response_header(&resp, "Content-Type");
    http_response_free(&resp);
    http_reader_free(&r);
}

static void feed_scanner(const char *d, size_t n, size_t piece)
{
    http_scan *s = malloc(sizeof *s);
    if (!s)
        return;
    http_scan_init(s);
    int st = 0;
    for (size_t off = 0; off < n && st == 0; off += piece) {
        size_t take = n - off < piece ? n - off : piece;
        st = http_scan_feed(s, d + off, take);
    }
    if (st == 1 && (s->status < 100 || s->status > 599))
        abort();
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t piece = (size_t)data[0] % 64 + 1;
    if (data[0] >= 192)
        piece = (size_t)-1 / 2; /* all at once */
    const char *d = (const char *)data + 1;
    size_t n = size - 1;
    feed_reader(d, n, piece);
    feed_scanner(d, n, piece);
    return 0;
}
