/* The registry of verbs, and mtlsprobe's own options: what main.c
 * dispatches on, what `mtlsprobe --help` lists, and what src/gendoc.c
 * turns into man pages and shell completion. A verb exists once it is
 * here; the man page list in CMakeLists.txt must name its page too
 * (gendoc refuses to run otherwise). */
#include <stddef.h>

#include "cmd.h"
#include "cmd_opts.h"

static const cmd_opt top_opts[] = {
    { "help", 'h', 'h', NULL, "this text; `mtlsprobe help VERB` (or `mtlsprobe VERB --help`) explains a verb",
      NULL, NULL, 0, 0 },
    { "version", 'V', 'V', NULL, "versions of mtlsprobe (and its git commit), wolfSSL (and its assembly "
      "speed-ups), Lua and jansson", NULL, NULL, 0, 0 },
};

static const cmd_verb *const top_verbs[] = {
    &cmd_fixtures_verb, &cmd_run_verb, &cmd_load_verb, &cmd_report_verb, &cmd_serve_verb, NULL,
};

const cmd_verb cmd_top_verb = {
    .name = "",
    .summary = "test how an API gateway enforces mutual TLS",
    .usage = "mtlsprobe <verb> [options]\nmtlsprobe help <verb>",
    .description = "Tests how an API gateway enforces mutual TLS and how fast it shakes hands.\n",
    .opts = top_opts,
    .n_opts = sizeof top_opts / sizeof top_opts[0],
    .notes = "docs: README.md, docs/fixtures.md, docs/scenarios.md, docs/results.md,\n"
             "docs/ci.md; man mtlsprobe-VERB\n",
    .exit_codes =
        "  0  success\n"
        "  1  a check or threshold failed\n"
        "  2  usage, input or setup error\n"
        "  3  nothing failed but something could not be judged or measured (run, load)\n",
    .verbs = top_verbs,
};

const cmd_verb *const cmd_all_verbs[] = {
    &cmd_top_verb, &cmd_fixtures_verb, &cmd_run_verb, &cmd_load_verb, &cmd_report_verb,
    &cmd_report_merge_verb, &cmd_serve_verb, NULL,
};
