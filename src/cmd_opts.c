/* Option tables into getopt_long's arguments and into `--help`. The one
 * decision: the help is printed from the table, never written by hand, so
 * an option cannot be parsed without being documented; a row's help is
 * one paragraph that is wrapped here, so the same text also fills the man
 * pages (src/gendoc.c). */
#include <string.h>

#include "cmd_opts.h"

int cmd_getopt_build(const cmd_verb *v, cmd_getopt *g)
{
    size_t n = 0, s = 0;
    memset(g, 0, sizeof *g);
    g->shortopts[s++] = ':';
    for (size_t i = 0; i < v->n_opts; i++) {
        const cmd_opt *o = &v->opts[i];
        if (!o->name)
            continue;
        if (n == CMD_OPTS_MAX || (o->letter && o->id != o->letter))
            return -1;
        int has_arg = o->arg || o->values;
        g->longopts[n++] = (struct option){ o->name, has_arg ? required_argument : no_argument, NULL, o->id };
        if (o->letter) {
            g->shortopts[s++] = o->letter;
            if (has_arg)
                g->shortopts[s++] = ':';
        }
    }
    return 0;
}

const cmd_opt *cmd_opt_find(const cmd_verb *v, const char *arg)
{
    if (arg[0] != '-')
        return NULL;
    for (size_t i = 0; i < v->n_opts; i++) {
        const cmd_opt *o = &v->opts[i];
        if (!o->name)
            continue;
        if (arg[1] == '-') {
            size_t len = strlen(o->name);
            if (strncmp(arg + 2, o->name, len) == 0 && (arg[2 + len] == '\0' || arg[2 + len] == '='))
                return o;
        } else if (o->letter && arg[1] == o->letter && arg[2] == '\0') {
            return o;
        }
    }
    return NULL;
}

void cmd_opt_help_text(const cmd_opt *o, char *text, size_t n)
{
    size_t t = (size_t)snprintf(text, n, "%s", o->help);
    const char *sep = " (";
    if (o->flags & CMD_OPT_REQUIRED && t < n) {
        t += (size_t)snprintf(text + t, n - t, "%srequired", sep);
        sep = "; ";
    }
    if (o->arg && o->values && t < n) {
        t += (size_t)snprintf(text + t, n - t, "%sone of: ", sep);
        for (const char *p = o->values; *p && t < n; p++)
            t += (size_t)snprintf(text + t, n - t, *p == '|' ? ", " : "%c", *p);
        sep = "; ";
    }
    if (o->def && t < n) {
        t += (size_t)snprintf(text + t, n - t, "%sdefault: %s", sep, o->def);
        sep = "; ";
    }
    if (o->flags & CMD_OPT_REPEAT && t < n) {
        t += (size_t)snprintf(text + t, n - t, "%srepeatable", sep);
        sep = "; ";
    }
    if (sep[0] == ';' && t < n)
        snprintf(text + t, n - t, ")");
}

#define HELP_COL 26
#define HELP_WIDTH 80

/* Words of text from column col, wrapped before HELP_WIDTH; "\n" in text
 * starts a new line. at is the column the cursor is in. */
static void wrap(FILE *f, const char *text, int at, int col)
{
    const char *p = text;
    int first = 1;
    while (*p) {
        if (*p == '\n') {
            fprintf(f, "\n%*s", col, "");
            at = col;
            first = 1;
            p++;
            continue;
        }
        if (*p == ' ') {
            p++;
            continue;
        }
        size_t len = strcspn(p, " \n");
        if (!first && at + 1 + (int)len >= HELP_WIDTH) {
            fprintf(f, "\n%*s", col, "");
            at = col;
            first = 1;
        }
        if (!first) {
            fputc(' ', f);
            at++;
        }
        fwrite(p, 1, len, f);
        at += (int)len;
        first = 0;
        p += len;
    }
    fputc('\n', f);
}

static void print_opt(FILE *f, const cmd_opt *o)
{
    char label[128];
    const char *arg = o->arg ? o->arg : o->values;
    if (o->letter)
        snprintf(label, sizeof label, "  -%c, --%s%s%s", o->letter, o->name, arg ? " " : "", arg ? arg : "");
    else
        snprintf(label, sizeof label, "      --%s%s%s", o->name, arg ? " " : "", arg ? arg : "");
    int at = (int)strlen(label);
    fputs(label, f);
    if (at <= HELP_COL - 2) {
        fprintf(f, "%*s", HELP_COL - at, "");
        at = HELP_COL;
    } else {
        fputs("  ", f);
        at += 2;
    }
    char text[2048];
    cmd_opt_help_text(o, text, sizeof text);
    wrap(f, text, at, HELP_COL);
}

void cmd_help_print(const cmd_verb *v, FILE *f)
{
    const char *u = v->usage;
    for (int line = 0; *u; line++) {
        size_t len = strcspn(u, "\n");
        fprintf(f, "%s%.*s\n", line ? "       " : "usage: ", (int)len, u);
        u += len + (u[len] == '\n');
    }
    if (v->description)
        fprintf(f, "\n%s", v->description);
    if (v->verbs) {
        fputs("\nverbs:\n", f);
        for (const cmd_verb *const *w = v->verbs; *w; w++)
            if (!strchr((*w)->name, ' '))
                fprintf(f, "  %-10s %s\n", (*w)->name, (*w)->summary);
    }
    for (size_t i = 0; i < v->n_opts; i++) {
        const cmd_opt *o = &v->opts[i];
        if (!o->name)
            fprintf(f, "\n%s:\n", o->help);
        else if (i == 0)
            fputs("\noptions:\n", f);
        if (o->name)
            print_opt(f, o);
    }
    if (v->notes)
        fprintf(f, "\n%s", v->notes);
    if (v->exit_codes)
        fprintf(f, "\nexit codes:\n%s", v->exit_codes);
}

const cmd_verb *cmd_verb_lookup(int argc, char *const *argv, int *used)
{
    const cmd_verb *best = NULL;
    int best_words = 0;
    for (const cmd_verb *const *w = cmd_all_verbs; *w; w++) {
        const char *name = (*w)->name;
        if (!*name)
            continue;
        int words = 0;
        const char *p = name;
        while (*p && words < argc) {
            size_t len = strcspn(p, " ");
            if (strlen(argv[words]) != len || strncmp(argv[words], p, len) != 0)
                break;
            words++;
            p += len + (p[len] == ' ');
        }
        if (!*p && words > best_words) {
            best = *w;
            best_words = words;
        }
    }
    *used = best_words;
    return best;
}
