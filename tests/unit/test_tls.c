/* tls: the fd-ownership rule of tls_conn_init and tls_conn_reuse (tls/tls.h):
 * on failure the socket is closed and the object is safe to close, whatever
 * the point of failure. A socket left open by a failed start leaks one
 * descriptor per attempt in load. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_main.h"
#include "tls/tls.h"

static tls_client cl;

static void setup(void)
{
    ck_assert_int_eq(tls_global_init(), 0);
    mp_err e;
    tls_client_opts o = { .version = TLS_ANY };
    ck_assert_int_eq(tls_client_init(&cl, &o, &e), 0);
}

static void teardown(void)
{
    tls_client_free(&cl);
    tls_global_cleanup();
}

/* One end of a fresh socket pair; the other end is closed. */
static int a_socket(void)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    close(sv[1]);
    return sv[0];
}

static int is_closed(int fd)
{
    return fcntl(fd, F_GETFD) == -1 && errno == EBADF;
}

/* What the rule promises after a failed start: fd closed, nothing held,
 * and closing the object (twice) is safe. */
static void assert_failed_start(int rc, int fd, tls_conn *c, const char *what)
{
    ck_assert_int_ne(rc, 0);
    ck_assert_msg(is_closed(fd), "%s failed and left its socket open", what);
    ck_assert_int_eq(c->fd, -1);
    ck_assert(!tls_conn_has_tls(c));
    tls_conn_close(c, 1);
    tls_conn_close(c, 1);
}

/* A conn as load keeps it between connections: its socket closed, its
 * wolfSSL object kept for tls_conn_reuse. */
static void kept_object(tls_conn *c)
{
    mp_err e;
    int fd = a_socket();
    ck_assert_int_eq(tls_conn_init(c, &cl, fd, NULL, &e), 0);
    tls_conn_close_keep(c, 1);
    ck_assert(is_closed(fd));
    ck_assert(tls_conn_has_tls(c));
}

START_TEST(init_failure_closes_the_socket)
{
    mp_err e;
    tls_conn c;
    int fd = a_socket();
    tls_conn_opts co = { .sigalgs = "NO-SUCH-ALGORITHM" };
    assert_failed_start(tls_conn_init(&c, &cl, fd, &co, &e), fd, &c, "tls_conn_init");
}
END_TEST

START_TEST(reuse_failure_closes_the_socket)
{
    mp_err e;
    tls_conn c;
    kept_object(&c);
    /* A failure after the object was reset (its options). */
    int fd2 = a_socket();
    tls_conn_opts co = { .sigalgs = "NO-SUCH-ALGORITHM" };
    assert_failed_start(tls_conn_reuse(&c, &cl, fd2, &co, &e), fd2, &c, "tls_conn_reuse");
}
END_TEST

START_TEST(reuse_without_object_closes_the_socket)
{
    mp_err e;
    tls_conn c;
    memset(&c, 0, sizeof c);
    c.fd = -1;
    int fd = a_socket();
    assert_failed_start(tls_conn_reuse(&c, &cl, fd, NULL, &e), fd, &c, "tls_conn_reuse without an object");
}
END_TEST

START_TEST(reuse_success_owns_the_socket)
{
    mp_err e;
    tls_conn c;
    kept_object(&c);
    int fd2 = a_socket();
    ck_assert_int_eq(tls_conn_reuse(&c, &cl, fd2, NULL, &e), 0);
    ck_assert_int_eq(c.fd, fd2);
    ck_assert(!is_closed(fd2));
    tls_conn_close(&c, 1);
    ck_assert(is_closed(fd2));
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("tls");
    TCase *tc = tcase_create("fd_ownership");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, init_failure_closes_the_socket);
    tcase_add_test(tc, reuse_failure_closes_the_socket);
    tcase_add_test(tc, reuse_without_object_closes_the_socket);
    tcase_add_test(tc, reuse_success_owns_the_socket);
    suite_add_tcase(s, tc);
    return s;
}
