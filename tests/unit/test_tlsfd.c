/* tls: the fd-ownership rule of tls_conn_init and tls_conn_reuse (tls.h):
 * on failure the fd is closed and the object is safe to close. A failure
 * that left the socket open leaked one descriptor per launch in load. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_main.h"
#include "tls/tls.h"

static tls_client cl;
static int pair[2];

static void setup(void)
{
    ck_assert_int_eq(tls_global_init(), 0);
    tls_client_opts o;
    memset(&o, 0, sizeof o);
    mp_err e;
    ck_assert_int_eq(tls_client_init(&cl, &o, &e), 0);
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
}

static void teardown(void)
{
    if (fcntl(pair[0], F_GETFD) >= 0)
        close(pair[0]);
    close(pair[1]);
    tls_client_free(&cl);
    tls_global_cleanup();
}

static int is_closed(int fd)
{
    return fcntl(fd, F_GETFD) == -1 && errno == EBADF;
}

/* "cannot reuse": no wolfSSL object to reuse */
START_TEST(reuse_without_object_closes_fd)
{
    tls_conn c;
    memset(&c, 0, sizeof c);
    c.fd = -1;
    mp_err e;
    ck_assert_int_eq(tls_conn_reuse(&c, &cl, pair[0], NULL, &e), -1);
    ck_assert_msg(strstr(e.msg, "cannot reuse") != NULL, "%s", e.msg);
    ck_assert_msg(is_closed(pair[0]), "the socket was left open");
    ck_assert_int_eq(c.fd, -1);
    tls_conn_close(&c, 1); /* safe */
}
END_TEST

/* a failure after the socket was attached (an option wolfSSL refuses) */
START_TEST(init_failing_late_closes_fd)
{
    tls_conn c;
    tls_conn_opts co = { .sigalgs = "NO-SUCH-ALGORITHM" };
    mp_err e;
    ck_assert_int_eq(tls_conn_init(&c, &cl, pair[0], &co, &e), -1);
    ck_assert_msg(is_closed(pair[0]), "the socket was left open");
    ck_assert_int_eq(c.fd, -1);
    tls_conn_close(&c, 1); /* frees the object */
    ck_assert_int_eq(tls_conn_has_tls(&c), 0);
}
END_TEST

START_TEST(reuse_failing_late_closes_fd)
{
    tls_conn c;
    mp_err e;
    int first[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, first), 0);
    ck_assert_int_eq(tls_conn_init(&c, &cl, first[0], NULL, &e), 0);
    tls_conn_close_keep(&c, 1);
    close(first[1]);
    ck_assert_int_eq(tls_conn_has_tls(&c), 1);
    tls_conn_opts co = { .sigalgs = "NO-SUCH-ALGORITHM" };
    ck_assert_int_eq(tls_conn_reuse(&c, &cl, pair[0], &co, &e), -1);
    ck_assert_msg(is_closed(pair[0]), "the socket was left open");
    ck_assert_int_eq(c.fd, -1);
    tls_conn_close(&c, 1);
}
END_TEST

/* success: the conn holds the socket until it is closed */
START_TEST(success_keeps_fd_until_close)
{
    tls_conn c;
    mp_err e;
    ck_assert_int_eq(tls_conn_init(&c, &cl, pair[0], NULL, &e), 0);
    ck_assert_int_eq(c.fd, pair[0]);
    ck_assert_int_eq(is_closed(pair[0]), 0);
    tls_conn_close(&c, 1);
    ck_assert_msg(is_closed(pair[0]), "close did not close the socket");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("tlsfd");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, reuse_without_object_closes_fd);
    tcase_add_test(tc, init_failing_late_closes_fd);
    tcase_add_test(tc, reuse_failing_late_closes_fd);
    tcase_add_test(tc, success_keeps_fd_until_close);
    suite_add_tcase(s, tc);
    return s;
}
