/* One HTTP/1.1 exchange over a net_transport, for every client that waits
 * for its answer (run's connections, the calls to serve's helpers). The one
 * decision: it never asks which transport it has; what went wrong below
 * HTTP is the transport's to say (net_xp_failure_of). */
#include "http/client.h"

#include <stdio.h>

#include "util/timeutil.h"

http_exchange_result http_exchange(net_transport *t, const char *req, size_t req_len, int64_t deadline_ns,
                                   size_t max_body, http_response *out, int64_t *first_byte_ns, char *err,
                                   size_t errlen)
{
    net_xp_failure f;
    *first_byte_ns = 0;
    err[0] = '\0';
    if (net_xp_write_all(t, req, req_len, deadline_ns) != 0) {
        net_xp_failure_of(t, &f);
        snprintf(err, errlen, "%s", f.text);
        return HTTP_X_FAILED;
    }
    http_reader rd;
    http_reader_init(&rd, max_body);
    char buf[16384];
    int state = 0;
    while (state == 0) {
        ssize_t got = net_xp_read_wait(t, buf, sizeof buf, deadline_ns);
        if (!*first_byte_ns && got >= 0)
            *first_byte_ns = tm_mono_ns();
        if (got > 0) {
            state = http_reader_feed(&rd, buf, (size_t)got);
        } else if (got == 0) {
            state = http_reader_eof(&rd);
            if (state < 0 && rd.resp.status == 0)
                state = HTTP_X_CLOSED;
        } else {
            state = HTTP_X_FAILED;
        }
    }
    if (state == 1) {
        http_reader_take(&rd, out);
    } else if (state == HTTP_X_FAILED) {
        net_xp_failure_of(t, &f);
        snprintf(err, errlen, "%s", f.text);
    } else if (state == HTTP_X_CLOSED) {
        snprintf(err, errlen, "connection closed before an HTTP response");
    } else {
        snprintf(err, errlen, "%s", rd.error);
        state = HTTP_X_MALFORMED;
    }
    http_reader_free(&rd);
    return (http_exchange_result)state;
}
