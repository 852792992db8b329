/* The one option parser (cmd_parse): what a row declares is enforced before
 * the verb sees a value (allowed values unless CMD_OPT_OPEN, required rows),
 * unknown options and missing values are errors, --help is its own result,
 * operands are refused unless the verb takes them; and every verb's table
 * is consistent (ids unique, letters equal to their ids, named ids above
 * the characters). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "cmd.h"
#include "cmd_opts.h"

/* main.c's, which the verbs call; none runs here */
atomic_int *cmd_stop_on_signals(void)
{
    return NULL;
}

enum { T_MODE = CMD_OPT_ID_BASE, T_PROFILE, T_TAG, T_FAIL };

static const cmd_opt t_opts[] = {
    { "target", 't', 't', "URL", "the target", NULL, NULL, 0, CMD_OPT_REQUIRED },
    { "mode", T_MODE, 0, NULL, "a mode", "fast|slow", "fast", 0, 0 },
    { "profile", T_PROFILE, 0, "P", "a profile or FILE", "a|b", NULL, 0, CMD_OPT_OPEN },
    { "tag", T_TAG, 0, "T", "a tag", NULL, NULL, 0, CMD_OPT_REPEAT },
    { "fail", T_FAIL, 0, "X", "refused by the verb", NULL, NULL, 0, 0 },
    { "quiet", 'q', 'q', NULL, "quiet", NULL, NULL, 0, 0 },
    { "help", 'h', 'h', NULL, "this text", NULL, NULL, 0, 0 },
};

static const cmd_verb t_verb = {
    .name = "probe", .summary = "a test verb", .usage = "mtlsprobe probe --target URL",
    .opts = t_opts, .n_opts = sizeof t_opts / sizeof t_opts[0],
};

typedef struct seen {
    const char *target, *mode, *profile;
    int tags, quiet;
} seen;

static int t_opt(void *settings, int id, const char *val, mp_err *e)
{
    seen *s = settings;
    switch (id) {
    case 't': s->target = val; break;
    case T_MODE: s->mode = val; break;
    case T_PROFILE: s->profile = val; break;
    case T_TAG: s->tags++; break;
    case T_FAIL: return mp_fail(e, "--fail: '%s' is refused", val);
    case 'q': s->quiet = 1; break;
    }
    return 0;
}

static char err_text[2048];

/* Parses argv (NULL-terminated) with stderr captured into err_text. */
static cmd_parse_result parse(seen *s, int operands_allowed, int *first, char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    memset(s, 0, sizeof *s);
    fflush(stderr);
    FILE *tmp = tmpfile();
    ck_assert_ptr_nonnull(tmp);
    int saved = dup(STDERR_FILENO);
    dup2(fileno(tmp), STDERR_FILENO);
    int saved_out = dup(STDOUT_FILENO); /* --help prints to stdout */
    dup2(fileno(tmp), STDOUT_FILENO);
    cmd_parse_result r = cmd_parse(&t_verb, argc, argv, operands_allowed, t_opt, s, first);
    fflush(stderr);
    fflush(stdout);
    dup2(saved, STDERR_FILENO);
    dup2(saved_out, STDOUT_FILENO);
    close(saved);
    close(saved_out);
    rewind(tmp);
    size_t n = fread(err_text, 1, sizeof err_text - 1, tmp);
    err_text[n] = '\0';
    fclose(tmp);
    return r;
}

#define ARGV(...) ((char *[]){ "probe", __VA_ARGS__, NULL })

START_TEST(values_required_and_errors)
{
    seen s;
    int first = -1;
    ck_assert_int_eq(parse(&s, 0, &first, ARGV("--target", "u", "--mode", "slow", "-q")), CMD_PARSED);
    ck_assert_str_eq(s.target, "u");
    ck_assert_str_eq(s.mode, "slow");
    ck_assert_int_eq(s.quiet, 1);
    ck_assert_int_eq(first, 6);

    /* a value the row does not allow never reaches the verb */
    ck_assert_int_eq(parse(&s, 0, &first, ARGV("-t", "u", "--mode", "warp")), CMD_PARSE_ERROR);
    ck_assert_ptr_null(s.mode);
    ck_assert_msg(strstr(err_text, "probe: --mode must be fast or slow, not 'warp'") != NULL, "%s", err_text);
    ck_assert_int_eq(parse(&s, 0, &first, ARGV("-t", "u", "--mode=fast")), CMD_PARSED);
    ck_assert_str_eq(s.mode, "fast");

    /* CMD_OPT_OPEN: the named values and anything else (a file) */
    ck_assert_int_eq(parse(&s, 0, &first, ARGV("-t", "u", "--profile", "mine.lua")), CMD_PARSED);
    ck_assert_str_eq(s.profile, "mine.lua");

    /* a required row not given */
    ck_assert_int_eq(parse(&s, 0, &first, ARGV("--mode", "fast")), CMD_PARSE_ERROR);
    ck_assert_msg(strstr(err_text, "--target is required (try mtlsprobe probe --help)") != NULL, "%s", err_text);

    /* repeatable rows reach the verb each time */
    ck_assert_int_eq(parse(&s, 0, &first, ARGV("-t", "u", "--tag", "a", "--tag", "b")), CMD_PARSED);
    ck_assert_int_eq(s.tags, 2);

    /* the verb's own refusal, printed whole */
    ck_assert_int_eq(parse(&s, 0, &first, ARGV("-t", "u", "--fail", "x")), CMD_PARSE_ERROR);
    ck_assert_msg(strstr(err_text, "--fail: 'x' is refused") != NULL, "%s", err_text);

    ck_assert_int_eq(parse(&s, 0, &first, ARGV("-t", "u", "--bogus")), CMD_PARSE_ERROR);
    ck_assert_msg(strstr(err_text, "unknown option '--bogus' (try mtlsprobe probe --help)") != NULL, "%s", err_text);
    ck_assert_int_eq(parse(&s, 0, &first, ARGV("--target")), CMD_PARSE_ERROR);
    ck_assert_msg(strstr(err_text, "option '--target' needs a value") != NULL, "%s", err_text);

    /* operands: refused unless the verb takes them */
    ck_assert_int_eq(parse(&s, 0, &first, ARGV("-t", "u", "stray")), CMD_PARSE_ERROR);
    ck_assert_msg(strstr(err_text, "unexpected argument 'stray'") != NULL, "%s", err_text);
    ck_assert_int_eq(parse(&s, 1, &first, ARGV("-t", "u", "a.lua", "b.lua")), CMD_PARSED);
    ck_assert_int_eq(first, 3);

    /* --help is its own result, before any required check */
    ck_assert_int_eq(parse(&s, 0, &first, ARGV("--help")), CMD_PARSE_HELP);
    ck_assert_msg(strstr(err_text, "usage: mtlsprobe probe --target URL") != NULL, "%s", err_text);
    ck_assert_msg(strstr(err_text, "(required)") != NULL, "%s", err_text);
}
END_TEST

/* Every verb's table: ids unique, a letter equal to its id, other ids named
 * from CMD_OPT_ID_BASE (never a bare character that reads like a letter). */
START_TEST(every_table_is_consistent)
{
    for (const cmd_verb *const *v = cmd_all_verbs; *v; v++) {
        cmd_getopt g;
        ck_assert_msg(cmd_getopt_build(*v, &g) == 0, "%s: table", (*v)->name);
        for (size_t i = 0; i < (*v)->n_opts; i++) {
            const cmd_opt *o = &(*v)->opts[i];
            if (!o->name)
                continue;
            if (o->letter)
                ck_assert_msg(o->id == o->letter, "%s --%s: letter and id differ", (*v)->name, o->name);
            else
                ck_assert_msg(o->id >= CMD_OPT_ID_BASE, "%s --%s: id %d without a letter is not a named id",
                              (*v)->name, o->name, o->id);
            for (size_t k = i + 1; k < (*v)->n_opts; k++)
                ck_assert_msg(!(*v)->opts[k].name || (*v)->opts[k].id != o->id, "%s: --%s and --%s share id %d",
                              (*v)->name, o->name, (*v)->opts[k].name, o->id);
        }
    }
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("opts");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, values_required_and_errors);
    tcase_add_test(tc, every_table_is_consistent);
    suite_add_tcase(s, tc);
    return s;
}
