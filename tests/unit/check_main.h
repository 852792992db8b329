/* One main() for every Check test program: runs the suite that the file's
 * make_suite() builds and exits non-zero on any failure. */
#ifndef MP_TEST_CHECK_MAIN_H
#define MP_TEST_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static Suite *make_suite(void);

int main(void)
{
    SRunner *sr = srunner_create(make_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
