/* net: the target URL and HOST:PORT parsers, table-driven. A target is
 * https://, tls://, mqtts:// or grpcs://; the host may be an IPv6 literal in
 * brackets; the port defaults per scheme (443, none, 8883, 443) and is
 * 1..65535 in digits only; only https and grpcs take a path; the query stays in the
 * path and the fragment is dropped; userinfo (user@) is refused, as is an
 * empty host. */
#include <string.h>

#include "check_main.h"
#include "net/net.h"

START_TEST(url_values)
{
    struct {
        const char *in;
        const char *host, *path, *authority;
        int port;
        net_scheme scheme;
    } ok[] = {
        { "https://gw.example", "gw.example", "/", "gw.example", 443, NET_SCHEME_HTTPS },
        { "https://gw.example/", "gw.example", "/", "gw.example", 443, NET_SCHEME_HTTPS },
        { "HTTPS://gw.example:8443/api/v1", "gw.example", "/api/v1", "gw.example:8443", 8443, NET_SCHEME_HTTPS },
        { "https://127.0.0.1:1/", "127.0.0.1", "/", "127.0.0.1:1", 1, NET_SCHEME_HTTPS },
        { "https://h:65535", "h", "/", "h:65535", 65535, NET_SCHEME_HTTPS },
        { "https://[::1]", "::1", "/", "[::1]", 443, NET_SCHEME_HTTPS },
        { "https://[::1]:8443/p", "::1", "/p", "[::1]:8443", 8443, NET_SCHEME_HTTPS },
        { "https://[2001:db8::1]/x", "2001:db8::1", "/x", "[2001:db8::1]", 443, NET_SCHEME_HTTPS },
        { "https://h/p?q=1&r=2", "h", "/p?q=1&r=2", "h", 443, NET_SCHEME_HTTPS },
        { "https://h?q=1", "h", "/?q=1", "h", 443, NET_SCHEME_HTTPS },
        { "https://h:9/p#frag", "h", "/p", "h:9", 9, NET_SCHEME_HTTPS },
        { "https://h#frag", "h", "/", "h", 443, NET_SCHEME_HTTPS },
        { "https://h/p?q=1#frag", "h", "/p?q=1", "h", 443, NET_SCHEME_HTTPS },
        { "tls://db.example:5432", "db.example", "/", "db.example:5432", 5432, NET_SCHEME_TLS },
        { "TLS://[::1]:9/", "::1", "/", "[::1]:9", 9, NET_SCHEME_TLS },
        { "mqtts://broker", "broker", "/", "broker", 8883, NET_SCHEME_MQTTS },
        { "mqtts://127.0.0.1:18883/", "127.0.0.1", "/", "127.0.0.1:18883", 18883, NET_SCHEME_MQTTS },
        { "grpcs://g:50051", "g", "/grpc.health.v1.Health/Check", "g:50051", 50051, NET_SCHEME_GRPCS },
        { "grpcs://g/pkg.Svc/Call", "g", "/pkg.Svc/Call", "g", 443, NET_SCHEME_GRPCS },
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        net_url u;
        mp_err e = { 0 };
        ck_assert_msg(net_url_parse(ok[i].in, &u, &e) == 0, "%s: %s", ok[i].in, e.msg);
        ck_assert_str_eq(u.host, ok[i].host);
        ck_assert_str_eq(u.path, ok[i].path);
        ck_assert_str_eq(u.authority, ok[i].authority);
        ck_assert_int_eq(u.port, ok[i].port);
        ck_assert_int_eq(u.scheme, ok[i].scheme);
    }
}
END_TEST

START_TEST(url_refused)
{
    struct {
        const char *in;
        const char *why; /* a substring of the message */
    } bad[] = {
        { "http://gw.example/", "must start with https://" },
        { "gw.example:443", "must start with https://" },
        { "mqtt://broker/", "must start with https://, tls://, mqtts:// or grpcs://" },
        { "tls://db.example", "needs a port (tls://HOST:PORT)" },
        { "tls://db.example:5432/x", "takes no path" },
        { "mqtts://b/topic", "takes no path" },
        { "grpcs://g/pkg.Svc", "/package.Service/Method" },
        { "grpcs://g/pkg.Svc/", "/package.Service/Method" },
        { "grpcs://g/pkg.Svc/M?x", "/package.Service/Method" },
        { "https://", "has no host" },
        { "https:///path", "has no host" },
        { "https://?q", "has no host" },
        { "https://[]", "has no host" },
        { "https://[]:443", "bad host" },
        { "https://user@gw.example/", "bad character in host" },
        { "https://user:pw@gw.example/", "bad character in host" },
        { "https://g w/", "bad character in host" },
        { "https://[::1/", "unclosed [" },
        { "https://::1/", "expected HOST:PORT" },
        { "https://h:0/", "port must be 1..65535" },
        { "https://h:65536/", "port must be 1..65535" },
        { "https://h:/", "port must be 1..65535" },
        { "https://h:443x/", "port must be 1..65535" },
        { "https://h:-1/", "port must be 1..65535" },
        { "https://h:+443/", "port must be 1..65535" },
        { "https://[::1]x/", "only :PORT may follow ']'" },
        { "https://[::1]x:443/", "only :PORT may follow ']'" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        net_url u;
        mp_err e = { 0 };
        ck_assert_msg(net_url_parse(bad[i].in, &u, &e) == -1, "%s accepted", bad[i].in);
        ck_assert_msg(strstr(e.msg, bad[i].why) != NULL, "%s: '%s'", bad[i].in, e.msg);
    }
}
END_TEST

START_TEST(hostport_values)
{
    struct {
        const char *in;
        const char *host; /* NULL: refused */
        int port;
    } cases[] = {
        { "127.0.0.1:8443", "127.0.0.1", 8443 },
        { "gw.example:1", "gw.example", 1 },
        { "[::1]:443", "::1", 443 },
        { "[fe80::1%lo]:65535", "fe80::1%lo", 65535 },
        { "gw.example", NULL, 0 },     /* no port */
        { "gw.example:", NULL, 0 },
        { ":443", NULL, 0 },           /* empty host */
        { "[]:443", NULL, 0 },
        { "::1:443", NULL, 0 },        /* IPv6 without brackets */
        { "[::1]443", NULL, 0 },
        { "[::1", NULL, 0 },
        { "h:0", NULL, 0 },
        { "h:65536", NULL, 0 },
        { "h:99999999999999999999", NULL, 0 },
        { "h:12ab", NULL, 0 },
        { "h: 443", NULL, 0 },
        { "h:+443", NULL, 0 },
        { "h:-443", NULL, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char host[64] = "unset";
        int port = -1;
        mp_err e = { 0 };
        int rc = net_hostport_parse(cases[i].in, host, sizeof host, &port, &e);
        if (cases[i].host) {
            ck_assert_msg(rc == 0, "%s: %s", cases[i].in, e.msg);
            ck_assert_str_eq(host, cases[i].host);
            ck_assert_int_eq(port, cases[i].port);
        } else {
            ck_assert_msg(rc == -1, "%s accepted as %s port %d", cases[i].in, host, port);
            ck_assert_msg(strstr(e.msg, cases[i].in) != NULL, "%s: '%s'", cases[i].in, e.msg);
            ck_assert_str_eq(host, "unset"); /* nothing written on a refusal */
        }
    }
    /* a host longer than the caller's room is refused, not cut */
    char small[4];
    int port;
    mp_err e;
    ck_assert_int_eq(net_hostport_parse("abcd:1", small, sizeof small, &port, &e), -1);
    ck_assert_int_eq(net_hostport_parse("abc:1", small, sizeof small, &port, &e), 0);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("net");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, url_values);
    tcase_add_test(tc, url_refused);
    tcase_add_test(tc, hostport_values);
    suite_add_tcase(s, tc);
    return s;
}
