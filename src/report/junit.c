/* JUnit XML in the common dialect (testsuites > testsuite > testcase with
 * failure / error / skipped) that Jenkins, GitLab and GitHub reporters read.
 * JUnit knows no "could not judge" and no "accepted risk": an INCONCLUSIVE
 * verdict is an <error> (the test could not reach a verdict), and a waived
 * FAIL is a passing testcase whose <system-out> says "waived: reason,
 * expires DATE", so a CI job that gates on JUnit agrees with the exit code.
 * Nothing unjudged reads as a pass: an INFO observation is <skipped>
 * ("INFO: recorded, not judged"), and a scenario an interruption kept from
 * running is an <error>, as the exit code 3 says. */
#include "report/junit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fs.h"
#include "util/timeutil.h"

typedef struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

static void put(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 8192;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void puts_(sbuf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* XML text or attribute value; control characters other than tab and
 * newline are not allowed in XML 1.0 and are replaced. */
static void esc(sbuf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': puts_(b, "&amp;"); break;
        case '<': puts_(b, "&lt;"); break;
        case '>': puts_(b, "&gt;"); break;
        case '"': puts_(b, "&quot;"); break;
        case '\'': puts_(b, "&apos;"); break;
        default:
            if (c < 0x20 && c != '\t' && c != '\n')
                puts_(b, "?");
            else
                put(b, s, 1);
        }
    }
}

int rpt_junit_write(const res_run *r, const char *path, mp_err *e)
{
    sbuf b = { 0 };
    char num[64];
    res_counts c = res_run_count(r);
    double secs = (double)(r->finished_ms - r->started_ms) / 1000.0;
    puts_(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    snprintf(num, sizeof num, "%zu", r->n);
    puts_(&b, "<testsuites name=\"mtlsprobe\" tests=\"");
    puts_(&b, num);
    /* no skipped= here: Jenkins' junit-10.xsd allows it on <testsuite> only */
    size_t errors = c.errors + c.inconclusive + c.not_run, skipped = c.skipped - c.not_run + c.info;
    snprintf(num, sizeof num, "\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n",
             c.failed - c.waived, errors, secs);
    puts_(&b, num);
    puts_(&b, "  <testsuite name=\"mtlsprobe run ");
    esc(&b, r->target);
    snprintf(num, sizeof num, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\"",
             r->n, c.failed - c.waived, errors, skipped);
    puts_(&b, num);
    char iso[21];
    tm_format_iso(r->started_ms / 1000, iso);
    iso[19] = '\0'; /* UTC; junit-10.xsd's timestamp pattern takes no zone */
    snprintf(num, sizeof num, " time=\"%.3f\" timestamp=\"%s\">\n", secs, iso);
    puts_(&b, num);
    for (size_t i = 0; i < r->n; i++) {
        const res_scenario *s = &r->items[i];
        puts_(&b, "    <testcase classname=\"");
        esc(&b, s->id);
        puts_(&b, "\" name=\"");
        esc(&b, s->id);
        puts_(&b, " [");
        esc(&b, s->tls_version);
        puts_(&b, "]\"");
        snprintf(num, sizeof num, " time=\"%.3f\"", s->duration_ms > 0 ? s->duration_ms / 1000.0 : 0);
        puts_(&b, num);
        int not_run = res_scenario_not_run(s);
        const char *tag = s->verdict == RES_FAIL && !s->waived ? "failure"
                          : (s->verdict == RES_ERROR || s->verdict == RES_INCONCLUSIVE || not_run) ? "error"
                          : (s->verdict == RES_SKIP || s->verdict == RES_INFO) ? "skipped" : NULL;
        if (s->waived) {
            puts_(&b, ">\n      <system-out>waived: ");
            esc(&b, s->waiver_reason);
            puts_(&b, ", expires ");
            esc(&b, s->waiver_expires);
            puts_(&b, "\nFAIL [");
            esc(&b, s->severity);
            puts_(&b, "] expected ");
            esc(&b, s->expected);
            puts_(&b, ", observed ");
            esc(&b, s->observed);
            puts_(&b, "</system-out>\n    </testcase>\n");
            continue;
        }
        if (!tag) {
            puts_(&b, "/>\n");
            continue;
        }
        puts_(&b, ">\n      <");
        puts_(&b, tag);
        puts_(&b, " message=\"");
        if (s->verdict == RES_INCONCLUSIVE) {
            puts_(&b, "INCONCLUSIVE: ");
            esc(&b, s->reason[0] ? s->reason : s->observed);
        } else if (not_run) {
            puts_(&b, strcmp(s->reason, RES_REASON_INTERRUPTED_RUNNING) == 0
                          ? "not judged: the run was interrupted while this scenario ran"
                          : "not run: the run was interrupted before this scenario started");
        } else if (s->verdict == RES_INFO) {
            puts_(&b, "INFO: recorded, not judged: ");
            esc(&b, s->observed);
        } else if (s->verdict == RES_SKIP || s->verdict == RES_ERROR) {
            esc(&b, s->reason[0] ? s->reason : s->observed);
        } else {
            puts_(&b, "[");
            esc(&b, s->severity);
            puts_(&b, "] expected ");
            esc(&b, s->expected);
            puts_(&b, ", observed ");
            esc(&b, s->observed);
        }
        puts_(&b, "\"");
        if (s->verdict == RES_SKIP || s->verdict == RES_INFO) {
            puts_(&b, "/>\n");
        } else {
            puts_(&b, ">");
            puts_(&b, "expected: ");
            esc(&b, s->expected);
            puts_(&b, "\nobserved: ");
            esc(&b, s->observed);
            puts_(&b, "\nseverity: ");
            esc(&b, s->severity);
            if (s->has_control) {
                puts_(&b, "\ncontrol ");
                esc(&b, s->control_fixture[0] ? s->control_fixture : "-");
                puts_(&b, ": ");
                esc(&b, s->control_observed);
            }
            if (s->verdict == RES_INCONCLUSIVE && s->reason[0]) {
                puts_(&b, "\nreason: ");
                esc(&b, s->reason);
            }
            puts_(&b, "\ntitle: ");
            esc(&b, s->title);
            puts_(&b, "</");
            puts_(&b, tag);
            puts_(&b, ">\n");
        }
        puts_(&b, "    </testcase>\n");
    }
    puts_(&b, "  </testsuite>\n</testsuites>\n");
    if (b.oom) {
        free(b.p);
        return mp_fail(e, "out of memory writing %s", path);
    }
    int rc = fs_write_file(path, b.p, b.len, 0644, e);
    free(b.p);
    return rc;
}
