/* The registry of verbs, and mtlsprobe's own options: what main.c
 * dispatches on, what `mtlsprobe --help` lists, and what src/gendoc.c
 * turns into man pages and shell completion. A verb exists once it is
 * here; the man page list in CMakeLists.txt must name its page too
 * (gendoc refuses to run otherwise). */
#include <stddef.h>

#include "cmd.h"
#include "cmd_opts.h"

/* Every page under docs/, one line each; tests/integration/options.sh fails
 * when a page is missing here or named here without existing. */
#define MTLSPROBE_DOCS_NOTE                                                                         \
    "docs (README.md, and docs/ beside it or in /usr/share/doc/mtlsprobe):\n"                       \
    "  docs/run.md         the verbs, exit codes, fixtures, run and its suites, target schemes, waivers\n" \
    "  docs/load.md        load: modes, rates, stages, fleets, limits, long runs, many machines\n"  \
    "  docs/report.md      report and report merge\n"                                              \
    "  docs/serve.md       serve: the reference gateway and its helpers\n"                          \
    "  docs/staging.md     a staging gateway with your CA; notes per gateway and cloud service\n"  \
    "  docs/iot.md         an MQTT broker end to end: fixtures, config, run, a fleet's load, report\n" \
    "  docs/gateways.md    how nginx, HAProxy, Caddy, Apache, stunnel, Mosquitto, gRPC fare, by config\n" \
    "  docs/ci.md          CI gates: outputs, GitHub Actions and GitLab CI templates\n"            \
    "  docs/fixtures.md    the fixture spec, output files, manifest.json\n"                        \
    "  docs/scenarios.md   the scenario API, the built-in suites, profiles\n"                      \
    "  docs/results.md     the JSON result schemas, JUnit\n"                                       \
    "  docs/robustness.md  sanitizers, fuzzing, faults, bad input, signals\n"                      \
    "  docs/install.md     building, the Debian package, the container image\n"                  \
    "  docs/layout.md      the source tree\n"                                                       \
    "man mtlsprobe-VERB, or mtlsprobe help VERB\n"

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
    .notes = MTLSPROBE_DOCS_NOTE,
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
