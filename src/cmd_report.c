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

enum report_opt_id {
    REPORT_TITLE = CMD_OPT_ID_BASE, REPORT_BASELINE, REPORT_REGRESS, REPORT_NO_CHARTS, REPORT_SUMMARY,
    REPORT_MD_IMAGES, REPORT_GNUPLOT, REPORT_CHART_TIMEOUT,
};

static const cmd_opt report_opts[] = {
    { "out", 'o', 'o', "DIR", "output directory (created if needed)", NULL, NULL, CMD_COMPLETE_DIR,
      CMD_OPT_REQUIRED },
    { "title", REPORT_TITLE, 0, "TEXT", "the report's title", NULL, "mtlsprobe report", 0, 0 },
    { "baseline", REPORT_BASELINE, 0, "FILE", "an earlier result to compare with: scenarios that FAIL (not waived), are "
      "INCONCLUSIVE or ERROR now but were not then, and loads of the same target whose total p99 rose, are "
      "regressions (exit 1)", NULL, NULL, CMD_COMPLETE_FILE, CMD_OPT_REPEAT },
    { "regress", REPORT_REGRESS, 0, "PCT", "p99 rise that counts as a regression", NULL, "10%", 0, 0 },
    { "no-charts", REPORT_NO_CHARTS, 0, NULL, "write the pages without charts (no gnuplot needed)", NULL, NULL, 0, 0 },
    { "summary", REPORT_SUMMARY, 0, "FILE", "also write the Markdown to FILE for a CI job summary, e.g. "
      "\"$GITHUB_STEP_SUMMARY\" or - (standard output)", NULL, NULL, CMD_COMPLETE_FILE, 0 },
    { "md-images", REPORT_MD_IMAGES, 0, NULL, "charts in the Markdown: left out (none) or linked as charts/NAME.png beside "
      "it (relative)", "none|relative", "relative for DIR/report.md, none for --summary, where a relative link "
      "would show a broken image", 0, 0 },
    { "gnuplot", REPORT_GNUPLOT, 0, "PROGRAM", "the gnuplot to run", NULL, "gnuplot from PATH", CMD_COMPLETE_FILE, 0 },
    { "chart-timeout", REPORT_CHART_TIMEOUT, 0, "DUR", "stop gnuplot after this long per chart", NULL, "60s", 0, 0 },
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

typedef struct merge_args {
    const char *out;
    int quiet;
} merge_args;

static int merge_opt(void *settings, int id, const char *val, mp_err *e)
{
    merge_args *a = settings;
    (void)e;
    if (id == 'o')
        a->out = val;
    else if (id == 'q')
        a->quiet = 1;
    return 0;
}

static int cmd_merge(int argc, char **argv)
{
    merge_args a = { 0 };
    int first;
    cmd_parse_result pr = cmd_parse(&cmd_report_merge_verb, argc, argv, 1, merge_opt, &a, &first);
    if (pr != CMD_PARSED)
        return pr == CMD_PARSE_HELP ? MP_EXIT_OK : MP_EXIT_USAGE;
    const char *out = a.out;
    int quiet = a.quiet;
    int n = argc - first;
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
        cmd_check_inputs("report merge", argv + first, (size_t)n) != MP_EXIT_OK)
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
        const char *path = argv[first + i];
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
    if (res_load_merge((const res_load *const *)docs, (const char *const *)(argv + first), (size_t)n, merged,
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

typedef struct report_args {
    const char *summary, *out, *title, *gnuplot;
    int md_images; /* -1: the default of each Markdown output */
    char *baselines[MAX_INPUTS];
    size_t n_baselines;
    double regress;
    int charts, quiet;
    int64_t chart_timeout_ms;
} report_args;

static int report_opt(void *settings, int id, const char *val, mp_err *e)
{
    report_args *a = settings;
    switch (id) {
    case 'o': a->out = val; break;
    case REPORT_TITLE: a->title = val; break;
    case REPORT_BASELINE:
        if (a->n_baselines == MAX_INPUTS)
            return mp_fail(e, "too many --baseline");
        a->baselines[a->n_baselines++] = (char *)val;
        break;
    case REPORT_REGRESS:
        if (parse_pct(val, &a->regress) != 0)
            return mp_fail(e, "--regress '%s' is not a percentage, e.g. 10%%", val);
        break;
    case REPORT_NO_CHARTS: a->charts = 0; break;
    case REPORT_SUMMARY: a->summary = val; break;
    case REPORT_MD_IMAGES: a->md_images = strcmp(val, "relative") == 0; break;
    case REPORT_GNUPLOT: a->gnuplot = val; break;
    case REPORT_CHART_TIMEOUT:
        if (tm_parse_duration(val, &a->chart_timeout_ms, e) != 0 || a->chart_timeout_ms <= 0)
            return a->chart_timeout_ms <= 0 ? mp_fail(e, "--chart-timeout: must be positive")
                                            : mp_wrap(e, "--chart-timeout");
        break;
    case 'q': a->quiet = 1; break;
    }
    return 0;
}

int cmd_report(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "merge") == 0)
        return cmd_merge(argc - 1, argv + 1);
    report_args a = { .md_images = -1, .title = "mtlsprobe report", .gnuplot = "gnuplot", .regress = 10,
                      .charts = 1, .chart_timeout_ms = 60000 };
    int first;
    cmd_parse_result pr = cmd_parse(&cmd_report_verb, argc, argv, 1, report_opt, &a, &first);
    if (pr != CMD_PARSED)
        return pr == CMD_PARSE_HELP ? MP_EXIT_OK : MP_EXIT_USAGE;
    const char *summary = a.summary, *out = a.out, *title = a.title, *gnuplot = a.gnuplot;
    int md_images = a.md_images, charts = a.charts, quiet = a.quiet;
    char **baselines = a.baselines;
    size_t n_baselines = a.n_baselines;
    double regress = a.regress;
    int64_t chart_timeout_ms = a.chart_timeout_ms;
    mp_err e = { { 0 } };
    size_t n = (size_t)(argc - first);
    if (n == 0) {
        cmd_error("report", "give one or more result files (try mtlsprobe report --help)");
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
        inputs_all[i] = argv[first + (int)i];
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
    if (load_inputs(argv + first, n, &m.inputs, &m.n_inputs, 1, &e) != 0 ||
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
