/* util/: durations, instants, relative times, atomic files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/timeutil.h"

START_TEST(durations)
{
    int64_t ms;
    mp_err e;
    ck_assert_int_eq(tm_parse_duration("30s", &ms, &e), 0);
    ck_assert_int_eq(ms, 30000);
    ck_assert_int_eq(tm_parse_duration("1h30m", &ms, &e), 0);
    ck_assert_int_eq(ms, 5400000);
    ck_assert_int_eq(tm_parse_duration("250ms", &ms, &e), 0);
    ck_assert_int_eq(ms, 250);
    ck_assert_int_eq(tm_parse_duration("398d", &ms, &e), 0);
    ck_assert_int_eq(ms, 398LL * 86400000);
    ck_assert_int_eq(tm_parse_duration("2", &ms, &e), 0);
    ck_assert_int_eq(ms, 2000);
    ck_assert_int_eq(tm_parse_duration("", &ms, &e), -1);
    ck_assert_int_eq(tm_parse_duration("-5s", &ms, &e), -1);
    ck_assert_int_eq(tm_parse_duration("5x", &ms, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "5x"));
    ck_assert_int_eq(tm_parse_duration("1h5", &ms, &e), -1);
    ck_assert_int_eq(tm_parse_duration("99999999999999d", &ms, &e), -1);
}
END_TEST

START_TEST(instants)
{
    int64_t t;
    mp_err e;
    char buf[21];
    ck_assert_int_eq(tm_parse_instant("2026-01-01T00:00:00Z", &t, &e), 0);
    ck_assert_int_eq(t, 1767225600);
    ck_assert_int_eq(tm_parse_instant("2026-01-01", &t, &e), 0);
    ck_assert_int_eq(t, 1767225600);
    ck_assert_int_eq(tm_parse_instant("2026-01-01 12:00:00.5Z", &t, &e), 0);
    ck_assert_int_eq(t, 1767225600 + 43200);
    ck_assert_int_eq(tm_parse_instant("@1767225600", &t, &e), 0);
    ck_assert_int_eq(t, 1767225600);
    ck_assert_int_eq(tm_parse_instant("2026-13-01", &t, &e), -1);
    ck_assert_int_eq(tm_parse_instant("2026-01-01T00:00:00+02:00", &t, &e), -1);
    ck_assert_int_eq(tm_parse_instant("tomorrow", &t, &e), -1);
    ck_assert_int_eq(tm_parse_instant("@12x", &t, &e), -1);
    ck_assert_int_eq(tm_parse_instant("2026-02-31", &t, &e), -1); /* no normalising */
    ck_assert_int_eq(tm_parse_instant("2026-02-28T24:00:00Z", &t, &e), -1);
    ck_assert_int_eq(tm_parse_instant("@300000000000", &t, &e), -1); /* year > 9999 */
    ck_assert_ptr_nonnull(strstr(e.msg, "outside 1950..9999"));
    ck_assert_int_eq(tm_parse_instant("@99999999999999999999", &t, &e), -1);
    ck_assert_int_eq(tm_parse_instant("1949-12-31", &t, &e), -1);
    ck_assert_int_eq(tm_parse_instant("9999-12-31T23:59:59Z", &t, &e), 0);
    ck_assert_int_eq(t, TM_MAX_EPOCH);
    tm_format_iso(1767225600, buf);
    ck_assert_str_eq(buf, "2026-01-01T00:00:00Z");
    tm_format_iso(2556144000LL, buf); /* beyond 2049: GeneralizedTime territory */
    ck_assert_str_eq(buf, "2051-01-01T00:00:00Z");
    tm_format_iso(TM_MAX_EPOCH + 1, buf);
    ck_assert_str_eq(buf, "invalid");
}
END_TEST

START_TEST(relative)
{
    int64_t t;
    mp_err e;
    ck_assert_int_eq(tm_parse_relative("now", 1000000, &t, &e), 0);
    ck_assert_int_eq(t, 1000000);
    ck_assert_int_eq(tm_parse_relative("-1h", 1000000, &t, &e), 0);
    ck_assert_int_eq(t, 1000000 - 3600);
    ck_assert_int_eq(tm_parse_relative("+90d", 0, &t, &e), 0);
    ck_assert_int_eq(t, 90 * 86400);
    ck_assert_int_eq(tm_parse_relative("now-30d", 0, &t, &e), 0);
    ck_assert_int_eq(t, -30 * 86400);
    ck_assert_int_eq(tm_parse_relative("2026-01-01", 0, &t, &e), 0);
    ck_assert_int_eq(t, 1767225600);
    ck_assert_int_eq(tm_parse_relative("now*2", 0, &t, &e), -1);
    ck_assert_int_eq(tm_parse_relative("+", 0, &t, &e), -1);
    ck_assert_int_eq(tm_parse_relative("+3000000d", 0, &t, &e), -1);
}
END_TEST

START_TEST(atomic_write_and_modes)
{
    char dir[] = "/tmp/mp-test-XXXXXX";
    mp_err e;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *sub = fs_join(dir, "a/b/c");
    ck_assert_int_eq(fs_mkdirs(sub, 0755, &e), 0);
    ck_assert_int_eq(fs_mkdirs(sub, 0755, &e), 0); /* idempotent */
    char *key = fs_join(sub, "key.pem");
    mode_t old = umask(0);
    ck_assert_int_eq(fs_write_file(key, "secret", 6, 0600, &e), 0);
    umask(old);
    struct stat st;
    ck_assert_int_eq(stat(key, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    char *data;
    size_t len;
    ck_assert_int_eq(fs_read_file(key, &data, &len, &e), 0);
    ck_assert_uint_eq(len, 6);
    ck_assert_str_eq(data, "secret");
    free(data);
    /* No temporary file is left next to it. */
    ck_assert_int_eq(fs_dir_is_empty(sub), 0);
    char *tmp = fs_join(sub, "key.pem.tmp");
    ck_assert_int_eq(fs_exists(tmp), 0);
    ck_assert_int_eq(fs_read_file("/nonexistent/x", &data, &len, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/x"));
    ck_assert_int_eq(fs_write_file("/nonexistent/dir/x", "a", 1, 0644, &e), -1);
    ck_assert_int_eq(fs_remove_tree(dir, &e), 0);
    ck_assert_int_eq(fs_exists(dir), 0);
    ck_assert_int_eq(fs_remove_tree("/", &e), -1);
    free(sub);
    free(key);
    free(tmp);
}
END_TEST

START_TEST(outputs_never_damage_their_target)
{
    char dir[] = "/tmp/mp-test-XXXXXX";
    mp_err e;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *target = fs_join(dir, "target.json"), *link = fs_join(dir, "link.json");
    char *fifo = fs_join(dir, "fifo"), *nodir = fs_join(dir, "nodir/x.json");
    char *dangling = fs_join(dir, "dangling"), *made = fs_join(dir, "made.json");
    ck_assert_int_eq(symlink("target.json", link), 0);
    ck_assert_int_eq(symlink("made.json", dangling), 0);
    ck_assert_int_eq(fs_check_output(link, 0, &e), 0);
    ck_assert_int_eq(fs_write_file(link, "new", 3, 0644, &e), 0);
    struct stat st;
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert(S_ISLNK(st.st_mode)); /* the link is kept... */
    char *data;
    ck_assert_int_eq(fs_read_file(target, &data, NULL, &e), 0);
    ck_assert_str_eq(data, "new"); /* ...and its target written */
    free(data);
    ck_assert_int_eq(fs_write_file(dangling, "m", 1, 0644, &e), 0);
    ck_assert_int_eq(lstat(dangling, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    ck_assert_int_eq(fs_exists(made), 1);
    /* a character device is written in place */
    ck_assert_int_eq(fs_check_output("/dev/null", 0, &e), 0);
    ck_assert_int_eq(fs_write_file("/dev/null", "x", 1, 0644, &e), 0);
    ck_assert_int_eq(stat("/dev/null", &st), 0);
    ck_assert(S_ISCHR(st.st_mode));
    /* a FIFO passes the check without a reader, and stays a FIFO */
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    ck_assert_int_eq(fs_check_output(fifo, 0, &e), 0);
    ck_assert_int_eq(lstat(fifo, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
    /* checked before any work: a missing directory, a directory */
    ck_assert_int_eq(fs_check_output(nodir, 0, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "not a directory"));
    ck_assert_int_eq(fs_check_output(nodir, 1, &e), 0); /* would be created */
    ck_assert_int_eq(fs_check_output(dir, 0, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "it is a directory"));
    ck_assert_int_eq(fs_write_file(dir, "x", 1, 0644, &e), -1);
    ck_assert_int_eq(fs_check_output_dir(nodir, &e), 0);
    ck_assert_int_eq(fs_check_output_dir(target, &e), -1);
    ck_assert_int_eq(fs_is_stdio("-"), 1);
    ck_assert_int_eq(fs_is_stdio("./-"), 0);
    ck_assert_int_eq(fs_check_output("-", 0, &e), 0);
    ck_assert_int_eq(fs_remove_tree(dir, &e), 0);
    free(target);
    free(link);
    free(fifo);
    free(nodir);
    free(dangling);
    free(made);
}
END_TEST

START_TEST(errno_text)
{
    ck_assert_str_eq(mp_strerror(ENOENT).s, "No such file or directory");
    ck_assert_str_eq(mp_strerror(ECONNREFUSED).s, "Connection refused");
    ck_assert_int_gt((int)strlen(mp_strerror(123456).s), 0);
}
END_TEST

START_TEST(join)
{
    char *s = fs_join("a/", "b");
    ck_assert_str_eq(s, "a/b");
    free(s);
    s = fs_join("/", "b");
    ck_assert_str_eq(s, "/b");
    free(s);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("util");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, durations);
    tcase_add_test(tc, instants);
    tcase_add_test(tc, relative);
    tcase_add_test(tc, atomic_write_and_modes);
    tcase_add_test(tc, outputs_never_damage_their_target);
    tcase_add_test(tc, join);
    tcase_add_test(tc, errno_text);
    suite_add_tcase(s, tc);
    return s;
}
