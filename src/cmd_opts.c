/* Option tables into getopt_long's arguments and into `--help`. The one
 * decision: the help is printed from the table, never written by hand, so
 * an option cannot be parsed without being documented; a row's help is
 * one paragraph that is wrapped here, so the same text also fills the man
 * pages (src/gendoc.c). */
#include <string.h>

#include "cmd.h"
#include "cmd_opts.h"
#include "util/str.h"

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

static const cmd_opt *row_of(const cmd_verb *v, int id)
{
    for (size_t i = 0; i < v->n_opts; i++)
        if (v->opts[i].name && v->opts[i].id == id)
            return &v->opts[i];
    return NULL;
}

/* Whether val is one of the row's "|"-separated values. */
static int value_allowed(const cmd_opt *o, const char *val)
{
    size_t vl = strlen(val);
    for (const char *p = o->values; *p;) {
        size_t len = strcspn(p, "|");
        if (len == vl && strncmp(p, val, len) == 0)
            return 1;
        p += len + (p[len] == '|');
    }
    return 0;
}

/* The row's value nearest to val (str_closest), or "". */
static void closest_value(const cmd_opt *o, const char *val, char *out, size_t n)
{
    char copy[512];
    const char *names[64];
    size_t k = 0;
    str_copy(copy, sizeof copy, o->values);
    for (char *save = NULL, *t = strtok_r(copy, "|", &save); t && k < 64; t = strtok_r(NULL, "|", &save))
        names[k++] = t;
    const char *near = str_closest(val, names, k);
    str_copy(out, n, near ? near : "");
}

/* "a, b or c" from "a|b|c". */
static void values_text(const cmd_opt *o, char *out, size_t n)
{
    size_t t = 0;
    out[0] = '\0';
    for (const char *p = o->values; *p && t < n;) {
        size_t len = strcspn(p, "|");
        const char *next = p + len + (p[len] == '|');
        const char *sep = p == o->values ? "" : *next ? ", " : " or ";
        t += (size_t)snprintf(out + t, n - t, "%s%.*s", sep, (int)len, p);
        p = next;
    }
}

cmd_parse_result cmd_parse(const cmd_verb *v, int argc, char **argv, int operands_allowed, cmd_opt_fn fn,
                           void *settings, int *operands)
{
    const char *verb = v->name;
    cmd_getopt g;
    if (cmd_getopt_build(v, &g) != 0) {
        cmd_error(verb, "option table too long or inconsistent");
        return CMD_PARSE_ERROR;
    }
    unsigned char given[256] = { 0 };
    if (v->n_opts > sizeof given) {
        cmd_error(verb, "option table too long");
        return CMD_PARSE_ERROR;
    }
    opterr = 0;
    optind = 0; /* GNU getopt: start again (a test parses more than once) */
    int c;
    while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        if (c == ':') {
            cmd_error(verb, "option '%s' needs a value", argv[optind - 1]);
            return CMD_PARSE_ERROR;
        }
        const cmd_opt *o = c == '?' ? NULL : row_of(v, c);
        if (!o) {
            cmd_error(verb, "unknown option '%s' (try mtlsprobe %s --help)", argv[optind - 1], verb);
            return CMD_PARSE_ERROR;
        }
        if (strcmp(o->name, "help") == 0) {
            cmd_help_print(v, stdout);
            return CMD_PARSE_HELP;
        }
        given[o - v->opts] = 1;
        if (o->values && optarg && !(o->flags & CMD_OPT_OPEN) && !value_allowed(o, optarg)) {
            char allowed[512], near[512];
            values_text(o, allowed, sizeof allowed);
            closest_value(o, optarg, near, sizeof near);
            cmd_error(verb, "--%s must be %s, not '%s'%s%s%s", o->name, allowed, optarg,
                      near[0] ? ": did you mean " : "", near, near[0] ? "?" : "");
            return CMD_PARSE_ERROR;
        }
        mp_err e = { { 0 } };
        if (fn(settings, c, optarg, &e) != 0) {
            cmd_error(verb, "%s", e.msg[0] ? e.msg : "bad option");
            return CMD_PARSE_ERROR;
        }
    }
    for (size_t i = 0; i < v->n_opts; i++) {
        if (v->opts[i].name && (v->opts[i].flags & CMD_OPT_REQUIRED) && !given[i]) {
            cmd_error(verb, "--%s is required (try mtlsprobe %s --help)", v->opts[i].name, verb);
            return CMD_PARSE_ERROR;
        }
    }
    if (!operands_allowed && optind < argc) {
        cmd_error(verb, "unexpected argument '%s'", argv[optind]);
        return CMD_PARSE_ERROR;
    }
    *operands = optind;
    return CMD_PARSED;
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
