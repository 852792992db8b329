/* The verbs' output and input files, checked before any work: every output
 * path must be writable (exit 2 at once, not after a 60 s load), at most one
 * output may be "-" (standard output), and at most one input "-" (standard
 * input). While an output goes to standard output, the verb's own text goes
 * to standard error, so the document on standard output stays parseable.
 * Also the verbs' one-line errors and their command line for result files. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "http/http.h"
#include "util/fs.h"

int cmd_check_outputs(const char *verb, const cmd_output *outs, size_t n)
{
    const char *to_stdout = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!outs[i].path)
            continue;
        if (fs_is_stdio(outs[i].path) && outs[i].is_dir) {
            cmd_error(verb, "%s names a directory; - (standard output) cannot be one", outs[i].option);
            return MP_EXIT_USAGE;
        }
        if (fs_is_stdio(outs[i].path)) {
            if (to_stdout) {
                cmd_error(verb, "%s - and %s -: only one output can go to standard output", to_stdout,
                          outs[i].option);
                return MP_EXIT_USAGE;
            }
            to_stdout = outs[i].option;
            continue;
        }
        mp_err e = { { 0 } };
        int r = outs[i].is_dir ? fs_check_output_dir(outs[i].path, &e)
                               : fs_check_output(outs[i].path, outs[i].make_parents, &e);
        if (r != 0) {
            cmd_error(verb, "%s: %s", outs[i].option, e.msg);
            return MP_EXIT_USAGE;
        }
    }
    return MP_EXIT_OK;
}

int cmd_check_inputs(const char *verb, char *const *paths, size_t n)
{
    int stdin_seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (!fs_is_stdio(paths[i]))
            continue;
        if (stdin_seen++) {
            cmd_error(verb, "standard input (-) can be read only once");
            return MP_EXIT_USAGE;
        }
    }
    return MP_EXIT_OK;
}

int cmd_stdout_reserve(const cmd_output *outs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (outs[i].path && fs_is_stdio(outs[i].path)) {
            fflush(stdout);
            int saved = dup(STDOUT_FILENO);
            if (saved >= 0)
                dup2(STDERR_FILENO, STDOUT_FILENO);
            return saved;
        }
    }
    return -1;
}

void cmd_stdout_restore(int saved)
{
    if (saved < 0)
        return;
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
}

void cmd_error(const char *verb, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "mtlsprobe: %s%s", verb ? verb : "", verb ? ": " : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* A password given as --pass pass:TEXT is recorded as pass:(hidden); the
 * value of a credential header given with -H/--header (Authorization,
 * Cookie, an API key...) as (hidden). */
void cmd_join_argv(int argc, char **argv, char *out, size_t outlen)
{
    size_t o = 0;
    out[0] = '\0';
    for (int i = -1; i < argc && o + 2 < outlen; i++) {
        const char *a = i < 0 ? "mtlsprobe" : argv[i];
        char red[1100];
        const char *prev = i > 0 ? argv[i - 1] : "";
        if (strcmp(prev, "--pass") == 0 && strncmp(a, "pass:", 5) == 0) {
            a = "pass:(hidden)";
        } else if (strncmp(a, "--pass=pass:", 12) == 0) {
            a = "--pass=pass:(hidden)";
        } else if (strcmp(prev, "-H") == 0 || strcmp(prev, "--header") == 0) {
            http_header_redact(a, red, sizeof red);
            a = red;
        } else if (strncmp(a, "--header=", 9) == 0 || (strncmp(a, "-H", 2) == 0 && a[2])) {
            size_t skip = a[1] == 'H' ? 2 : 9;
            char h[1000];
            http_header_redact(a + skip, h, sizeof h);
            snprintf(red, sizeof red, "%.*s%s", (int)skip, a, h);
            a = red;
        }
        o += (size_t)snprintf(out + o, outlen - o, "%s%s", o ? " " : "", a);
    }
}
