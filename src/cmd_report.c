/* `mtlsprobe report` and `mtlsprobe report merge`: options, then the report
 * components (model, charts, pages) or the result model's merge. Exit codes:
 * 0 written, 1 a regression against a baseline, 2 bad input or setup. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_opts.h"
#include "report/charts.h"
#include "report/model.h"
#include "report/render.h"
#include "report/spawn.h"
#include "results/loaddoc.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/timeutil.h"

#define MAX_INPUTS 256

static const cmd_opt report_opts[] = {
    { "out", 'o', 'o', "DIR", "output directory (created if needed)", NULL, NULL, CMD_COMPLETE_DIR,
      CMD_OPT_REQUIRED },
    { "title", 'T', 0, "TEXT", "the report's title", NULL, "mtlsprobe report", 0, 0 },
    { "baseline", 'b', 0, "FILE", "an earlier result to compare with: scenarios that FAIL (not waived), are "
      "INCONCLUSIVE or ERROR now but were not then, and loads of the same target whose total p99 rose, are "
      "regressions (exit 1)", NULL, NULL, CMD_COMPLETE_FILE, CMD_OPT_REPEAT },
    { "regress", 'r', 0, "PCT", "p99 rise that counts as a regression", NULL, "10%", 0, 0 },
    { "no-charts", 'N', 0, NULL, "write the pages without charts (no gnuplot needed)", NULL, NULL, 0, 0 },
    { "summary", 'S', 0, "FILE", "also write the Markdown to FILE for a CI job summary, e.g. "
      "\"$GITHUB_STEP_SUMMARY\" or - (standard output)", NULL, NULL, CMD_COMPLETE_FILE, 0 },
    { "md-images", 'I', 0, NULL, "charts in the Markdown: left out (none) or linked as charts/NAME.png beside "
      "it (relative)", "none|relative", "relative for DIR/report.md, none for --summary, where a relative link "
      "would show a broken image", 0, 0 },
    { "gnuplot", 'g', 0, "PROGRAM", "the gnuplot to run", NULL, "gnuplot from PATH", CMD_COMPLETE_FILE, 0 },
    { "chart-timeout", 't', 0, "DUR", "stop gnuplot after this long per chart", NULL, "60s", 0, 0 },
    { "quiet", 'q', 'q', NULL, "print nothing but errors and regressions", NULL, NULL, 0, 0 },
    { "help", 'h', 'h', NULL, "this text; `mtlsprobe report merge --help` for merging", NULL, NULL, 0, 0 },
};

const cmd_verb cmd_report_verb = {
    .name = "report",
    .summary = "turn result files into HTML, Markdown and charts",
    .usage = "mtlsprobe report RESULTS.json... --out DIR [options]\n"
             "mtlsprobe report merge WORKER.json... -o MERGED.json",
    .description =
        "Turns result files of `run` (conformance) and `load` into one report:\n"
        "DIR/index.html (self-contained: inline CSS and SVG charts, no network fetches),\n"
        "DIR/report.md (charts linked as PNG) and the charts in DIR/charts/ as PNG and\n"
        "SVG, drawn by gnuplot from data files written there. A result file may be -\n"
        "(standard input, once).\n",
    .opts = report_opts,
    .n_opts = sizeof report_opts / sizeof report_opts[0],
    .exit_codes =
        "  0  report written\n"
        "  1  report written, and a regression against a baseline (a waived FAIL is none)\n"
        "  2  usage error, an unreadable or foreign result file, gnuplot missing or\n"
        "     failing, or interrupted (Ctrl-C or SIGTERM stops gnuplot and writes no\n"
        "     page; a second one ends the process at once)\n"
        "The report judges nothing itself: a run's own verdicts, INCONCLUSIVE included,\n"
        "decide `run`'s exit code, not this one.\n",
    .operands = CMD_COMPLETE_FILE,
    .fn = cmd_report,
};

static const cmd_opt merge_opts[] = {
    { "out", 'o', 'o', "FILE", "the merged document; - is standard output, and the summary line then goes to "
      "standard error; `mtlsprobe report` reads it", NULL, NULL, CMD_COMPLETE_FILE, CMD_OPT_REQUIRED },
    { "quiet", 'q', 'q', NULL, "no summary line", NULL, NULL, 0, 0 },
    { "help", 'h', 'h', NULL, "this text", NULL, NULL, 0, 0 },
};

static int cmd_merge(int argc, char **argv);

const cmd_verb cmd_report_merge_verb = {
    .name = "report merge",
    .summary = "merge the load results of several workers into one",
    .usage = "mtlsprobe report merge WORKER.json... -o MERGED.json",
    .description =
        "Combines the load results of several workers (`mtlsprobe load --shard I/N`, one\n"
        "process or machine each) into one mtlsprobe-load document, exactly: histogram\n"
        "buckets are added and every percentile is computed from the merged histogram;\n"
        "totals, errors (by class, alert and HTTP status) and CPU are summed; the\n"
        "per-second series is aligned on the wall clock and summed. Results of different\n"
        "configurations (target, mode, TLS version, client, resume ratio, duration...)\n"
        "and repeated shard indexes are refused. A WORKER.json may be - (standard input).\n",
    .opts = merge_opts,
    .n_opts = sizeof merge_opts / sizeof merge_opts[0],
    .exit_codes = "  0  merged\n  2  usage error, or inputs that cannot be merged\n",
    .operands = CMD_COMPLETE_FILE,
    .fn = cmd_merge,
};

static int parse_pct(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0 || (*end && strcmp(end, "%") != 0))
        return -1;
    *out = v;
    return 0;
}

static int cmd_merge(int argc, char **argv)
{
    const char *out = NULL;
    int quiet = 0, c;
    optind = 1;
    cmd_getopt g;
    if (cmd_getopt_build(&cmd_report_merge_verb, &g) != 0) {
        cmd_error("report merge", "option table too long");
        return MP_EXIT_USAGE;
    }
    opterr = 0;
    while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': cmd_help_print(&cmd_report_merge_verb, stdout); return MP_EXIT_OK;
        case ':': cmd_error("report merge", "option '%s' needs a value", argv[optind - 1]); return MP_EXIT_USAGE;
        default:
            cmd_error("report merge", "unknown option '%s' (try mtlsprobe report merge --help)", argv[optind - 1]);
            return MP_EXIT_USAGE;
        }
    }
    int n = argc - optind;
    if (!out || n < 1) {
        cmd_error("report merge", "give the workers' result files and -o MERGED.json (try --help)");
        return MP_EXIT_USAGE;
    }
    if (n > RES_MAX_SHARDS) {
        cmd_error("report merge", "at most %d files", RES_MAX_SHARDS);
        return MP_EXIT_USAGE;
    }
    const cmd_output outs[] = { { "--out", out, 1, 0 } };
    if (cmd_check_outputs("report merge", outs, 1) != MP_EXIT_OK ||
        cmd_check_inputs("report merge", argv + optind, (size_t)n) != MP_EXIT_OK)
        return MP_EXIT_USAGE;
    res_load **docs = calloc((size_t)n, sizeof *docs);
    res_load *merged = res_load_new();
    mp_err e = { { 0 } };
    int rc = MP_EXIT_USAGE;
    if (!docs || !merged) {
        cmd_error("report merge", "out of memory");
        goto done;
    }
    for (int i = 0; i < n; i++) {
        const char *path = argv[optind + i];
        json_t *root;
        res_kind kind;
        if (res_doc_load(path, &root, &kind, &e) != 0) {
            cmd_error("report merge", "%s", e.msg);
            goto done;
        }
        if (kind != RES_KIND_LOAD) {
            json_decref(root);
            cmd_error("report merge", "%s: a conformance run result; merge takes load results "
                                      "(schema mtlsprobe-load)", path);
            goto done;
        }
        docs[i] = res_load_new();
        int r = docs[i] ? res_load_from_json(root, docs[i], &e) : mp_fail(&e, "out of memory");
        json_decref(root);
        if (r != 0) {
            cmd_error("report merge", "%s: %s", path, e.msg);
            goto done;
        }
    }
    if (res_load_merge((const res_load *const *)docs, (const char *const *)(argv + optind), (size_t)n, merged,
                       &e) != 0) {
        cmd_error("report merge", "%s", e.msg);
        goto done;
    }
    /* the workers' command lines stay in their files; this one says how the
     * document was made. argv[-1] is "report": cmd_report passed argv + 1. */
    cmd_join_argv(argc + 1, argv - 1, merged->command_line, sizeof merged->command_line);
    if (fs_mkdirs_for(out, 0755, &e) != 0 || res_load_save(merged, out, &e) != 0) {
        cmd_error("report merge", "%s", e.msg);
        goto done;
    }
    int saved_stdout = cmd_stdout_reserve(outs, 1);
    if (!quiet) {
        const hist *t = &merged->phases[RES_PH_TOTAL];
        printf("merged %d worker%s (%zu of %d shards): %llu handshakes, %llu ok, %llu errors, %.1f/s; "
               "total p99 %.3f ms; wrote %s\n", n, n == 1 ? "" : "s", merged->n_merged, merged->shard_count,
               (unsigned long long)merged->handshakes, (unsigned long long)merged->ok,
               (unsigned long long)merged->errors, merged->rate_per_s,
               (double)hist_percentile(t, 99) / 1e6, out);
        if ((int)merged->n_merged < merged->shard_count)
            printf("note: %d of %d shards are missing; the totals cover only the files given\n",
                   merged->shard_count - (int)merged->n_merged, merged->shard_count);
    }
    cmd_stdout_restore(saved_stdout);
    rc = MP_EXIT_OK;
done:
    for (int i = 0; docs && i < n; i++)
        res_load_free(docs[i]);
    free(docs);
    res_load_free(merged);
    return rc;
}

static int load_inputs(char **paths, size_t n, rpt_input **out, size_t *n_out, int labelled, mp_err *e)
{
    rpt_input *in = calloc(n ? n : 1, sizeof *in);
    if (!in)
        return mp_fail(e, "out of memory");
    size_t runs = 0, loads = 0;
    for (size_t i = 0; i < n; i++) {
        if (rpt_input_load(paths[i], &in[i], e) != 0) {
            for (size_t k = 0; k < i; k++)
                rpt_input_free(&in[k]);
            free(in);
            return -1;
        }
        if (labelled) {
            if (in[i].kind == RES_KIND_RUN)
                snprintf(in[i].label, sizeof in[i].label, "run%zu", ++runs);
            else
                snprintf(in[i].label, sizeof in[i].label, "load%zu", ++loads);
        } else {
            snprintf(in[i].label, sizeof in[i].label, "baseline%zu", i + 1);
        }
    }
    *out = in;
    *n_out = n;
    return 0;
}

int cmd_report(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "merge") == 0)
        return cmd_merge(argc - 1, argv + 1);
    const char *summary = NULL;
    int md_images = -1; /* -1: the default of each Markdown output */
    const char *out = NULL, *title = "mtlsprobe report", *gnuplot = "gnuplot";
    char *baselines[MAX_INPUTS];
    size_t n_baselines = 0;
    double regress = 10;
    int charts = 1, quiet = 0, c;
    int64_t chart_timeout_ms = 60000;
    mp_err e = { { 0 } };
    cmd_getopt g;
    if (cmd_getopt_build(&cmd_report_verb, &g) != 0) {
        cmd_error("report", "option table too long");
        return MP_EXIT_USAGE;
    }
    opterr = 0;
    while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'T': title = optarg; break;
        case 'b':
            if (n_baselines == MAX_INPUTS) {
                cmd_error("report", "too many --baseline");
                return MP_EXIT_USAGE;
            }
            baselines[n_baselines++] = optarg;
            break;
        case 'r':
            if (parse_pct(optarg, &regress) != 0) {
                cmd_error("report", "--regress '%s' is not a percentage, e.g. 10%%", optarg);
                return MP_EXIT_USAGE;
            }
            break;
        case 'N': charts = 0; break;
        case 'S': summary = optarg; break;
        case 'I':
            if (strcmp(optarg, "none") && strcmp(optarg, "relative")) {
                cmd_error("report", "--md-images must be none or relative, not '%s'", optarg);
                return MP_EXIT_USAGE;
            }
            md_images = strcmp(optarg, "relative") == 0;
            break;
        case 'g': gnuplot = optarg; break;
        case 't':
            if (tm_parse_duration(optarg, &chart_timeout_ms, &e) != 0 || chart_timeout_ms <= 0) {
                cmd_error("report", "--chart-timeout: %s", chart_timeout_ms <= 0 ? "must be positive" : e.msg);
                return MP_EXIT_USAGE;
            }
            break;
        case 'q': quiet = 1; break;
        case 'h': cmd_help_print(&cmd_report_verb, stdout); return MP_EXIT_OK;
        case ':': cmd_error("report", "option '%s' needs a value", argv[optind - 1]); return MP_EXIT_USAGE;
        default:
            cmd_error("report", "unknown option '%s' (try mtlsprobe report --help)", argv[optind - 1]);
            return MP_EXIT_USAGE;
        }
    }
    size_t n = (size_t)(argc - optind);
    if (n == 0) {
        cmd_error("report", "give one or more result files (try mtlsprobe report --help)");
        return MP_EXIT_USAGE;
    }
    if (!out) {
        cmd_error("report", "--out DIR is required");
        return MP_EXIT_USAGE;
    }
    if (n > MAX_INPUTS) {
        cmd_error("report", "at most %d result files", MAX_INPUTS);
        return MP_EXIT_USAGE;
    }
    const cmd_output outs[] = { { "--out", out, 1, 1 }, { "--summary", summary, 0, 0 } };
    if (cmd_check_outputs("report", outs, 2) != MP_EXIT_OK)
        return MP_EXIT_USAGE;
    char *inputs_all[2 * MAX_INPUTS];
    for (size_t i = 0; i < n; i++)
        inputs_all[i] = argv[optind + (int)i];
    for (size_t i = 0; i < n_baselines; i++)
        inputs_all[n + i] = baselines[i];
    if (cmd_check_inputs("report", inputs_all, n + n_baselines) != MP_EXIT_OK)
        return MP_EXIT_USAGE;
    rpt_model m;
    memset(&m, 0, sizeof m);
    str_copy(m.title, sizeof m.title, title);
    m.generated_ms = tm_now() * 1000;
    m.regress_pct = regress;
    int rc = MP_EXIT_USAGE;
    if (load_inputs(argv + optind, n, &m.inputs, &m.n_inputs, 1, &e) != 0 ||
        load_inputs(baselines, n_baselines, &m.baselines, &m.n_baselines, 0, &e) != 0) {
        cmd_error("report", "%s", e.msg);
        goto done;
    }
    if (rpt_find_regressions(&m, &e) != 0 || rpt_controls_evaluate(&m, &e) != 0 || rpt_judge(&m, &e) != 0 ||
        rpt_hints_apply(&m, &e) != 0 ||
        fs_mkdirs(out, 0755, &e) != 0) {
        cmd_error("report", "%s", e.msg);
        goto done;
    }
    /* SIGINT/SIGTERM: gnuplot is stopped, no page is written (each file
     * already written is complete), exit 2 */
    atomic_int *stop = cmd_stop_on_signals();
    if (charts) {
        rpt_chart_opts co = { gnuplot, chart_timeout_ms, stop };
        int r = rpt_charts_render(&m, out, &co, &e);
        if (r == RPT_SPAWN_NOT_RUN) {
            cmd_error("report", "%s (install Debian's gnuplot-nox, give --gnuplot PROGRAM, or use --no-charts)",
                      e.msg);
            goto done;
        }
        if (r != 0) {
            cmd_error("report", "charts: %s", e.msg);
            goto done;
        }
    }
    if (atomic_load(stop)) {
        cmd_error("report", "interrupted; no page written");
        goto done;
    }
    char *md_path = fs_join(out, "report.md");
    int w = !md_path ? mp_fail(&e, "out of memory") : rpt_html_write(&m, out, &e);
    if (w == 0)
        w = rpt_markdown_write(&m, md_path, md_images != 0, &e);
    free(md_path);
    if (w == 0 && summary)
        w = rpt_markdown_write(&m, summary, md_images == 1, &e);
    if (w != 0) {
        cmd_error("report", "%s", e.msg);
        goto done;
    }
    int saved_stdout = cmd_stdout_reserve(outs, 2);
    for (size_t i = 0; i < m.n_regs; i++)
        printf("regression: %s: %s\n", m.regs[i].input, m.regs[i].what);
    if (!quiet) {
        char *index = fs_join(out, "index.html");
        printf("wrote %s, %s/report.md and %zu chart%s (PNG and SVG) in %s/charts\n", index ? index : out, out,
               m.n_charts, m.n_charts == 1 ? "" : "s", out);
        free(index);
    }
    cmd_stdout_restore(saved_stdout);
    rc = m.n_regs ? MP_EXIT_FAIL : MP_EXIT_OK;
done:
    rpt_model_free(&m);
    return rc;
}
