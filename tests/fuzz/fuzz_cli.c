/* Fuzz target: the values users type on the command line: durations,
 * instants and offsets, rates, target URLs and HOST:PORT. Every parser gets
 * the same text; what each accepts must be in its documented range. */
#include "fuzz.h"
#include "net/net.h"
#include "util/timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    if (!s)
        return 0;
    mp_err e;
    int64_t ms, t = 0;
    if (tm_parse_duration(s, &ms, &e) == 0 && ms < 0)
        abort();
    if (tm_parse_instant(s, &t, &e) == 0 && !tm_in_range(t))
        abort();
    if (tm_parse_relative(s, 1767225600, &t, &e) == 0 && !tm_in_range(t))
        abort();
    char iso[21];
    tm_format_iso(t, iso);
    double rate;
    if (tm_parse_rate(s, &rate, &e) == 0 && !(rate > 0 && rate <= 1e9))
        abort();
    net_url u;
    if (net_url_parse(s, &u, &e) == 0 && (u.port < 1 || u.port > 65535 || u.path[0] != '/'))
        abort();
    char host[256];
    int port;
    if (net_hostport_parse(s, host, sizeof host, &port, &e) == 0 && (port < 1 || port > 65535))
        abort();
    free(s);
    return 0;
}
