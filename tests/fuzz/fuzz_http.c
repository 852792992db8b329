/* Fuzz target: HTTP responses from a gateway, through both uses of the one
 * parser, http-parser (the allocating http_reader and the load hot path's
 * http_load_reader, which must agree on the status and on completion).
 * The first input byte picks how the rest is cut into reads, because a
 * response arrives in pieces whose boundaries the gateway chooses. */
#include <stdio.h>

#include "fuzz.h"
#include "http/http.h"

#define MAX_BODY 4096

static int feed_reader(const char *d, size_t n, size_t piece, int *status)
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
    *status = resp.status;
    http_response_free(&resp);
    http_reader_free(&r);
    return st;
}

/* The load path's reader, as the load worker drives it: pieces, then the
 * peer's close; then the same reader again for a next response. Returns
 * its final state and status. */
static int feed_load(const char *d, size_t n, size_t piece, int *status)
{
    http_load_reader r;
    int st = 0;
    for (int round = 0; round < 2; round++) {
        http_load_reader_init(&r);
        st = 0;
        for (size_t off = 0; off < n && st == 0; off += piece) {
            size_t take = n - off < piece ? n - off : piece;
            st = http_load_reader_feed(&r, d + off, take);
        }
        if (st == 0)
            st = http_load_reader_eof(&r);
        if (st == 1 && (r.status < 100 || r.status > 599))
            abort();
    }
    *status = r.status;
    return st;
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
    int reader_status;
    int reader_st = feed_reader(d, n, piece, &reader_status);
    int load_status;
    int load_st = feed_load(d, n, piece, &load_status);
    /* one parser: both readers see the same response end, with the same
     * status (the allocating one may stop earlier, at its own limits) */
    if (load_st == 1 && reader_st == 1 && load_status != reader_status)
        abort();
    if (reader_st == 1 && load_st != 1)
        abort();
    return 0;
}
