/* mtlsprobe-gendoc: the man pages, the bash and zsh completion and a list
 * of every option (for tests/integration/options.sh), written at build time
 * from the verbs' option tables (cmd_verbs.c), the same tables that print
 * `--help` and drive getopt_long; nothing here is written by hand, so none
 * of it can drift. It also refuses inconsistent tables (a name or id used
 * twice, a letter whose id differs, a row without help) and a man page list
 * that does not match the verbs, which would install stale pages.
 *   mtlsprobe-gendoc OUTDIR PAGE.1...
 * writes OUTDIR/man/man1/PAGE.1, OUTDIR/completion/mtlsprobe.bash,
 * OUTDIR/completion/_mtlsprobe and OUTDIR/options.tsv. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "cmd_opts.h"
#include "util/err.h"

/* The verbs are linked for their tables but never run here; they refer to
 * the stop flag that mtlsprobe's main.c owns. */
atomic_int *cmd_stop_on_signals(void)
{
    static atomic_int never;
    return &never;
}

/* "report merge" -> "report-merge"; "" -> "" */
static void dashed(const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s", name);
    for (char *p = out; *p; p++)
        if (*p == ' ')
            *p = '-';
}

/* "mtlsprobe-report-merge" or "mtlsprobe" */
static void page_name(const cmd_verb *v, char *out, size_t n)
{
    char d[64];
    dashed(v->name, d, sizeof d);
    snprintf(out, n, "mtlsprobe%s%s", *d ? "-" : "", d);
}

static int check_table(const cmd_verb *v)
{
    int bad = 0;
    for (size_t i = 0; i < v->n_opts; i++) {
        const cmd_opt *o = &v->opts[i];
        if (!o->help || !*o->help) {
            fprintf(stderr, "gendoc: %s: row %zu has no help\n", v->name, i);
            bad = 1;
        }
        if (!o->name)
            continue;
        if (o->letter && o->letter != o->id) {
            fprintf(stderr, "gendoc: %s --%s: letter -%c but id %d\n", v->name, o->name, o->letter, o->id);
            bad = 1;
        }
        if (o->values && !*o->values) {
            fprintf(stderr, "gendoc: %s --%s: empty values\n", v->name, o->name);
            bad = 1;
        }
        for (size_t k = 0; k < i; k++) {
            const cmd_opt *p = &v->opts[k];
            if (p->name && (strcmp(p->name, o->name) == 0 || p->id == o->id)) {
                fprintf(stderr, "gendoc: %s: --%s and --%s share a name or an id\n", v->name, p->name, o->name);
                bad = 1;
            }
        }
    }
    return bad ? -1 : 0;
}

/* ---- roff ---------------------------------------------------------------- */

/* Text for roff: backslashes escaped, a dash that starts a word (an option)
 * a minus sign, a line that starts with a control character guarded. */
static void roff_text(FILE *f, const char *s, size_t len)
{
    int bol = 1;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (bol && (c == '.' || c == '\''))
            fputs("\\&", f);
        bol = 0;
        if (c == '\\')
            fputs("\\e", f);
        else if (c == '-' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '-' || s[i - 1] == '(' ||
                              s[i - 1] == '`' || s[i - 1] == '\n' || s[i - 1] == '['))
            fputs("\\-", f);
        else
            fputc(c, f);
        if (c == '\n')
            bol = 1;
    }
}

static void roff_str(FILE *f, const char *s)
{
    roff_text(f, s, strlen(s));
}

/* Paragraphs separated by blank lines; each line as written (roff fills). */
static void roff_paragraphs(FILE *f, const char *text)
{
    const char *p = text;
    int first = 1;
    while (*p) {
        const char *end = strstr(p, "\n\n");
        size_t len = end ? (size_t)(end - p) + 1 : strlen(p);
        if (!first)
            fputs(".PP\n", f);
        first = 0;
        roff_text(f, p, len);
        if (len && p[len - 1] != '\n')
            fputc('\n', f);
        p += len;
        while (*p == '\n')
            p++;
    }
}

static void roff_opt(FILE *f, const cmd_opt *o)
{
    const char *arg = o->arg ? o->arg : o->values;
    fputs(".TP\n", f);
    if (o->letter)
        fprintf(f, "\\fB\\-%c\\fR, ", o->letter);
    fputs("\\fB\\-\\-", f);
    roff_str(f, o->name);
    fputs("\\fR", f);
    if (arg) {
        fputs(" \\fI", f);
        roff_str(f, arg);
        fputs("\\fR", f);
    }
    fputc('\n', f);
    char text[2048];
    cmd_opt_help_text(o, text, sizeof text);
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, "\n");
        roff_text(f, p, len);
        fputc('\n', f);
        p += len;
        if (*p == '\n') {
            fputs(".br\n", f);
            p++;
        }
    }
}

static int write_man(const char *dir, const cmd_verb *v)
{
    char name[96], upper[96], path[4096];
    page_name(v, name, sizeof name);
    FILE *f = snprintf(path, sizeof path, "%s/%s.1", dir, name) < (int)sizeof path ? fopen(path, "w") : NULL;
    if (!f) {
        fprintf(stderr, "gendoc: %s: %s\n", path, mp_strerror(errno).s);
        return -1;
    }
    for (size_t i = 0; name[i] && i + 1 < sizeof upper; i++)
        upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]), upper[i + 1] = '\0';
    fprintf(f, ".\\\" Generated by mtlsprobe-gendoc from the option tables; do not edit.\n");
    fprintf(f, ".TH %s 1 \"\" \"mtlsprobe %s\" \"mtlsprobe manual\"\n", upper, MTLSPROBE_VERSION);
    fputs(".SH NAME\n", f);
    roff_str(f, name);
    fputs(" \\- ", f);
    roff_str(f, v->summary);
    fputs("\n.SH SYNOPSIS\n.nf\n", f);
    roff_str(f, v->usage);
    fputs("\n.fi\n.SH DESCRIPTION\n", f);
    roff_paragraphs(f, v->description);
    if (v->verbs) {
        fputs(".SH VERBS\n", f);
        for (const cmd_verb *const *w = v->verbs; *w; w++) {
            char wn[96];
            page_name(*w, wn, sizeof wn);
            fputs(".TP\n.BR ", f);
            roff_str(f, wn);
            fputs(" (1)\n", f);
            roff_str(f, (*w)->summary);
            fputc('\n', f);
        }
    }
    fputs(".SH OPTIONS\n", f);
    for (size_t i = 0; i < v->n_opts; i++) {
        const cmd_opt *o = &v->opts[i];
        if (!o->name) {
            fputs(".SS ", f);
            roff_str(f, o->help);
            fputc('\n', f);
        } else {
            roff_opt(f, o);
        }
    }
    if (v->notes) {
        fputs(".SH NOTES\n", f);
        roff_paragraphs(f, v->notes);
    }
    fputs(".SH EXIT STATUS\n.nf\n", f);
    roff_str(f, v->exit_codes);
    fputs(".fi\n.SH SEE ALSO\n", f);
    int n = 0;
    for (const cmd_verb *const *w = cmd_all_verbs; *w; w++) {
        if (*w == v)
            continue;
        char wn[96];
        page_name(*w, wn, sizeof wn);
        fprintf(f, "%s.BR ", n++ ? ",\n" : "");
        roff_str(f, wn);
        fputs(" (1)", f);
    }
    fputs("\n.PP\nREADME.md and docs/ in /usr/share/doc/mtlsprobe.\n", f);
    return fclose(f) == 0 ? 0 : -1;
}

/* ---- bash ---------------------------------------------------------------- */

static void values_words(FILE *f, const char *values)
{
    for (const char *p = values; *p; p++)
        fputc(*p == '|' ? ' ' : *p, f);
}

static void bash_verb(FILE *f, const cmd_verb *v)
{
    fprintf(f, "        \"%s\")\n            opts=\"", v->name);
    int n = 0;
    for (size_t i = 0; i < v->n_opts; i++)
        if (v->opts[i].name)
            fprintf(f, "%s--%s", n++ ? " " : "", v->opts[i].name);
    fputs("\"\n            case $prev in\n", f);
    for (size_t i = 0; i < v->n_opts; i++) {
        const cmd_opt *o = &v->opts[i];
        if (!o->name || (!o->arg && !o->values))
            continue;
        fprintf(f, "            --%s", o->name);
        if (o->letter)
            fprintf(f, "|-%c", o->letter);
        fputs(")\n", f);
        if (o->values) {
            fputs("                COMPREPLY=($(compgen -W \"", f);
            values_words(f, o->values);
            fputs("\" -- \"$cur\"))\n", f);
            if (o->complete == CMD_COMPLETE_FILE)
                fputs("                _mtlsprobe_files -f\n", f);
        } else if (o->complete == CMD_COMPLETE_FILE) {
            fputs("                _mtlsprobe_files -f\n", f);
        } else if (o->complete == CMD_COMPLETE_DIR) {
            fputs("                _mtlsprobe_files -d\n", f);
        }
        fputs("                return ;;\n", f);
    }
    fprintf(f, "            esac\n            operands=%s ;;\n",
            v->operands == CMD_COMPLETE_FILE ? "-f" : v->operands == CMD_COMPLETE_DIR ? "-d" : "\"\"");
}

static int write_bash(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gendoc: %s: %s\n", path, mp_strerror(errno).s);
        return -1;
    }
    fputs("# bash completion for mtlsprobe. Generated by mtlsprobe-gendoc from the\n"
          "# option tables that also print --help; do not edit.\n\n"
          "_mtlsprobe_files() { # -f files, -d directories, added to COMPREPLY\n"
          "    local IFS=$'\\n'\n"
          "    COMPREPLY+=($(compgen \"$1\" -- \"$cur\"))\n"
          "    compopt -o filenames 2>/dev/null\n"
          "}\n\n"
          "_mtlsprobe() {\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
          "    local verb=${COMP_WORDS[1]} opts operands first=2\n"
          "    COMPREPLY=()\n"
          "    # --opt=value: bash splits at '='\n"
          "    if [[ $cur == = ]]; then cur=\"\";\n"
          "    elif [[ $prev == = ]] && (( COMP_CWORD > 1 )); then prev=${COMP_WORDS[COMP_CWORD-2]}; fi\n"
          "    if (( COMP_CWORD == 1 )); then\n"
          "        COMPREPLY=($(compgen -W \"", f);
    for (const cmd_verb *const *w = cmd_top_verb.verbs; *w; w++)
        fprintf(f, "%s ", (*w)->name);
    fputs("help", f);
    for (size_t i = 0; i < cmd_top_verb.n_opts; i++) {
        const cmd_opt *o = &cmd_top_verb.opts[i];
        if (o->name)
            fprintf(f, " --%s", o->name);
    }
    fputs("\" -- \"$cur\"))\n"
          "        return\n"
          "    fi\n"
          "    if [[ $verb == help ]]; then\n"
          "        (( COMP_CWORD == 2 )) && COMPREPLY=($(compgen -W \"", f);
    for (const cmd_verb *const *w = cmd_top_verb.verbs; *w; w++)
        fprintf(f, "%s%s", w == cmd_top_verb.verbs ? "" : " ", (*w)->name);
    fputs("\" -- \"$cur\"))\n"
          "        (( COMP_CWORD == 3 )) && [[ ${COMP_WORDS[2]} == report ]] && COMPREPLY=($(compgen -W merge -- \"$cur\"))\n"
          "        return\n"
          "    fi\n"
          "    if [[ $verb == report && ${COMP_WORDS[2]} == merge ]] && (( COMP_CWORD > 2 )); then\n"
          "        verb=\"report merge\" first=3\n"
          "    fi\n"
          "    case $verb in\n", f);
    for (const cmd_verb *const *w = cmd_all_verbs; *w; w++)
        if (*(*w)->name)
            bash_verb(f, *w);
    fputs("        *) return ;;\n"
          "    esac\n"
          "    if [[ $cur == -* ]]; then\n"
          "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
          "        return\n"
          "    fi\n"
          "    [[ $verb == report ]] && (( COMP_CWORD == first )) && COMPREPLY=($(compgen -W merge -- \"$cur\"))\n"
          "    [[ -n $operands ]] && _mtlsprobe_files \"$operands\"\n"
          "}\n"
          "complete -F _mtlsprobe mtlsprobe\n", f);
    return fclose(f) == 0 ? 0 : -1;
}

/* ---- zsh ----------------------------------------------------------------- */

/* Inside a single-quoted _arguments spec: ' closes the quote, and in the
 * description ] and \ are special, in the message : is. */
static void zsh_put(FILE *f, const char *s, size_t len, const char *special)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\'')
            fputs("'\\''", f);
        else if (s[i] == '\n')
            fputc(' ', f);
        else {
            if (strchr(special, s[i]))
                fputc('\\', f);
            fputc(s[i], f);
        }
    }
}

/* The help up to its first clause, at most 60 characters. */
static size_t short_help(const char *h)
{
    size_t len = strcspn(h, ";:(\n");
    while (len > 0 && h[len - 1] == ' ')
        len--;
    if (len > 60) {
        len = 60;
        while (len > 0 && h[len] != ' ')
            len--;
    }
    return len;
}

static void zsh_verb(FILE *f, const cmd_verb *v)
{
    char d[64];
    dashed(v->name, d, sizeof d);
    for (char *p = d; *p; p++)
        if (*p == '-')
            *p = '_';
    fprintf(f, "_mtlsprobe_%s() {\n", d);
    if (v->verbs == NULL && strcmp(v->name, "report") == 0)
        fputs("    (( CURRENT == 2 )) && compadd merge\n", f);
    fputs("    _arguments -s -S", f);
    for (size_t i = 0; i < v->n_opts; i++) {
        const cmd_opt *o = &v->opts[i];
        if (!o->name)
            continue;
        int has_arg = o->arg || o->values;
        fputs(" \\\n        ", f);
        const char *rep = o->flags & CMD_OPT_REPEAT ? "*" : "";
        if (o->letter && *rep) /* repeatable: no exclusion of itself */
            fprintf(f, "'*'{-%c%s,--%s%s}'", o->letter, has_arg ? "+" : "", o->name, has_arg ? "=" : "");
        else if (o->letter)
            fprintf(f, "'(-%c --%s)'{-%c%s,--%s%s}'", o->letter, o->name, o->letter, has_arg ? "+" : "", o->name,
                    has_arg ? "=" : "");
        else
            fprintf(f, "'%s--%s%s", rep, o->name, has_arg ? "=" : "");
        fputc('[', f);
        zsh_put(f, o->help, short_help(o->help), "[]\\");
        fputc(']', f);
        if (has_arg) {
            fputc(':', f);
            const char *arg = o->arg ? o->arg : o->values;
            zsh_put(f, arg, strlen(arg), ":\\");
            fputc(':', f);
            if (o->values) {
                fputc('(', f);
                values_words(f, o->values);
                fputc(')', f);
            } else if (o->complete == CMD_COMPLETE_FILE) {
                fputs("_files", f);
            } else if (o->complete == CMD_COMPLETE_DIR) {
                fputs("_files -/", f);
            } else {
                fputc(' ', f);
            }
        }
        fputc('\'', f);
    }
    if (v->operands == CMD_COMPLETE_FILE)
        fputs(" \\\n        '*:file:_files'", f);
    fputs("\n}\n\n", f);
}

static int write_zsh(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gendoc: %s: %s\n", path, mp_strerror(errno).s);
        return -1;
    }
    fputs("#compdef mtlsprobe\n# zsh completion for mtlsprobe. Generated by mtlsprobe-gendoc from the\n"
          "# option tables that also print --help; do not edit.\n\n", f);
    for (const cmd_verb *const *w = cmd_all_verbs; *w; w++)
        if (*(*w)->name)
            zsh_verb(f, *w);
    fputs("_mtlsprobe() {\n    local -a verbs\n    verbs=(", f);
    for (const cmd_verb *const *w = cmd_top_verb.verbs; *w; w++) {
        fputs("\n        '", f);
        zsh_put(f, (*w)->name, strlen((*w)->name), ":");
        fputc(':', f);
        zsh_put(f, (*w)->summary, strlen((*w)->summary), "");
        fputc('\'', f);
    }
    fputs("\n        'help:explain a verb'\n    )\n"
          "    local curcontext=$curcontext state line\n"
          "    _arguments -C", f);
    for (size_t i = 0; i < cmd_top_verb.n_opts; i++) {
        const cmd_opt *o = &cmd_top_verb.opts[i];
        if (!o->name)
            continue;
        fprintf(f, " \\\n        '(- :)'{-%c,--%s}'[", o->letter, o->name);
        zsh_put(f, o->help, short_help(o->help), "[]\\");
        fputs("]'", f);
    }
    fputs(" \\\n        '1:verb:->verb' '*:: :->args'\n"
          "    case $state in\n"
          "    verb) _describe -t verbs 'mtlsprobe verb' verbs ;;\n"
          "    args)\n"
          "        case $words[1] in\n"
          "        help) (( CURRENT == 2 )) && _describe -t verbs 'verb' verbs ;;\n"
          "        report)\n"
          "            if [[ $words[2] == merge ]] && (( CURRENT > 2 )); then\n"
          "                shift words; (( CURRENT-- )); _mtlsprobe_report_merge\n"
          "            else\n"
          "                _mtlsprobe_report\n"
          "            fi ;;\n", f);
    for (const cmd_verb *const *w = cmd_top_verb.verbs; *w; w++)
        if (strcmp((*w)->name, "report") != 0)
            fprintf(f, "        %s) _mtlsprobe_%s ;;\n", (*w)->name, (*w)->name);
    fputs("        esac ;;\n    esac\n}\n\n_mtlsprobe \"$@\"\n", f);
    return fclose(f) == 0 ? 0 : -1;
}

/* ---- the list ------------------------------------------------------------ */

/* verb TAB --name TAB -l TAB values TAB arg, "-" for none (and for the
 * verb of mtlsprobe's own options) */
static int write_tsv(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gendoc: %s: %s\n", path, mp_strerror(errno).s);
        return -1;
    }
    for (const cmd_verb *const *w = cmd_all_verbs; *w; w++) {
        const cmd_verb *v = *w;
        for (size_t i = 0; i < v->n_opts; i++) {
            const cmd_opt *o = &v->opts[i];
            if (!o->name)
                continue;
            const char *arg = o->arg ? o->arg : o->values ? "VALUE" : "-";
            char letter[3] = { '-', o->letter, '\0' };
            fprintf(f, "%s\t--%s\t%s\t%s\t%s\n", *v->name ? v->name : "-", o->name, o->letter ? letter : "-",
                    o->values ? o->values : "-", arg);
        }
    }
    return fclose(f) == 0 ? 0 : -1;
}

static int mkdir_p(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: mtlsprobe-gendoc OUTDIR PAGE.1...\n");
        return 2;
    }
    const char *out = argv[1];
    int bad = 0;
    /* the pages the build installs must be exactly the verbs' pages */
    size_t n_verbs = 0;
    for (const cmd_verb *const *w = cmd_all_verbs; *w; w++, n_verbs++) {
        char name[96], file[100];
        page_name(*w, name, sizeof name);
        snprintf(file, sizeof file, "%s.1", name);
        int listed = 0;
        for (int i = 2; i < argc; i++) {
            const char *base = strrchr(argv[i], '/');
            listed |= strcmp(base ? base + 1 : argv[i], file) == 0;
        }
        if (!listed) {
            fprintf(stderr, "gendoc: %s is not in MTLSPROBE_MAN1_PAGES (CMakeLists.txt)\n", file);
            bad = 1;
        }
        bad |= check_table(*w) != 0;
    }
    if ((size_t)(argc - 2) != n_verbs) {
        fprintf(stderr, "gendoc: %d man pages listed for %zu verbs\n", argc - 2, n_verbs);
        bad = 1;
    }
    if (bad)
        return 1;
    char man[2048], comp[2048], path[4096];
    snprintf(man, sizeof man, "%s/man/man1", out);
    snprintf(comp, sizeof comp, "%s/completion", out);
    if (mkdir_p(man) != 0 || mkdir_p(comp) != 0) {
        fprintf(stderr, "gendoc: cannot create %s: %s\n", out, mp_strerror(errno).s);
        return 1;
    }
    for (const cmd_verb *const *w = cmd_all_verbs; *w; w++)
        if (write_man(man, *w) != 0)
            return 1;
    snprintf(path, sizeof path, "%s/mtlsprobe.bash", comp);
    if (write_bash(path) != 0)
        return 1;
    snprintf(path, sizeof path, "%s/_mtlsprobe", comp);
    if (write_zsh(path) != 0)
        return 1;
    snprintf(path, sizeof path, "%s/options.tsv", out);
    return write_tsv(path) == 0 ? 0 : 1;
}
