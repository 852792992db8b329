/* Option tables: each verb's options are defined once, in a cmd_opt table,
 * from which getopt_long's arguments, `--help`, the man pages and the shell
 * completions are all made (the last two by src/gendoc.c at build time). */
#ifndef MP_CMD_OPTS_H
#define MP_CMD_OPTS_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#include "util/err.h"

/* How a shell completes an option's argument (or a verb's operands). */
typedef enum cmd_complete {
    CMD_COMPLETE_NONE = 0, /* free text: nothing to offer but the values, if any */
    CMD_COMPLETE_FILE,     /* a file name (besides the values, if any) */
    CMD_COMPLETE_DIR,      /* a directory */
} cmd_complete;

enum {
    CMD_OPT_REPEAT = 1 << 0,   /* may be given more than once: "(repeatable)" */
    CMD_OPT_REQUIRED = 1 << 1, /* the verb refuses to run without it: "(required)" */
    CMD_OPT_OPEN = 1 << 2,     /* values are the named choices, and anything else is taken too
                                * (a FILE, as --profile takes one); otherwise values are the only
                                * ones allowed */
};

/* The first id of an option without a short letter: each verb names its
 * own in an enum from here (an option with a letter has the letter). */
#define CMD_OPT_ID_BASE 256

/* One option. A row whose name is NULL is a heading that groups the rows
 * after it (help holds its title). */
typedef struct cmd_opt {
    const char *name;     /* long name without "--" */
    int id;               /* what getopt_long returns for it: the short letter, or any other value */
    char letter;          /* the short option, 0 for none; when set, id == letter */
    const char *arg;      /* the argument's name ("URL"); NULL: takes none, unless values name it */
    const char *help;     /* one paragraph, wrapped when printed */
    const char *values;   /* the allowed values, "|"-separated; NULL: free text. Each is exercised by a test */
    const char *def;      /* printed as "(default: DEF)"; NULL: none said */
    cmd_complete complete;
    int flags;            /* CMD_OPT_* */
} cmd_opt;

typedef struct cmd_verb cmd_verb;
struct cmd_verb {
    const char *name;        /* "run", "report merge"; "" for mtlsprobe itself */
    const char *summary;     /* one line, lower case, no period: the verb list and the man page's NAME */
    const char *usage;       /* synopsis lines, "\n"-separated, each starting "mtlsprobe" */
    const char *description; /* paragraphs (lines as printed; a blank line between paragraphs) */
    const cmd_opt *opts;
    size_t n_opts;
    const char *notes;       /* printed after the options; may be NULL */
    const char *exit_codes;  /* the body under "exit codes:" */
    cmd_complete operands;   /* what the non-option arguments are */
    const cmd_verb *const *verbs; /* NULL-terminated verbs listed in the help, or NULL */
    int (*fn)(int argc, char **argv);
};

/* --trust-scripts, one row shared by the verbs that run Lua files from
 * outside (run: scenarios and profiles; fixtures: specs). */
#define CMD_OPT_TRUST_SCRIPTS(id)                                                                          \
    { "trust-scripts", (id), 0, NULL, "run the Lua files given without the sandbox: with os.execute, io, "     \
      "package.loadlib, dofile and the debug library, i.e. with your rights. Only for files you trust; "      \
      "the memory, instruction and time limits stay (docs/scenarios.md)", NULL, NULL, 0, 0 }

#define CMD_OPTS_MAX 96

/* getopt_long's arguments for one verb. */
typedef struct cmd_getopt {
    struct option longopts[CMD_OPTS_MAX + 1];
    char shortopts[3 * CMD_OPTS_MAX + 2];
} cmd_getopt;

/* Fills g from v's table; the short-option string starts with ':' so that
 * a missing value is told apart from an unknown option. Returns -1 when the
 * table is too long or inconsistent (a letter whose id differs). */
int cmd_getopt_build(const cmd_verb *v, cmd_getopt *g);

/* What a verb does with one option: stores val (NULL for an option without
 * one) into its own settings; 0, or -1 with the whole message in e
 * ("--jobs must be 1..64"). */
typedef int (*cmd_opt_fn)(void *settings, int id, const char *val, mp_err *e);

typedef enum cmd_parse_result {
    CMD_PARSED,      /* *operands: argv's index of the first operand */
    CMD_PARSE_HELP,  /* --help was printed: exit 0 */
    CMD_PARSE_ERROR, /* the message was printed: exit 2 */
} cmd_parse_result;

/* The one option parser: getopt_long from v's table, then for each option
 * what the row declares, before fn sees it (a value among the row's values
 * unless CMD_OPT_OPEN: "--tls must be 1.2, 1.3 or both, not '1.4'"), and
 * once every option is read, each CMD_OPT_REQUIRED row given ("--target is
 * required"). --help prints the help. Messages go to stderr as
 * "mtlsprobe VERB: ...". Operands are left to the verb (operands_allowed 0:
 * the first one is an error). */
cmd_parse_result cmd_parse(const cmd_verb *v, int argc, char **argv, int operands_allowed, cmd_opt_fn fn,
                           void *settings, int *operands);

/* The row of "--name", "--name=VALUE" or "-l" in v's table, or NULL. */
const cmd_opt *cmd_opt_find(const cmd_verb *v, const char *arg);

/* A row's help with what the table says besides: "(required; one of: a, b;
 * default: X; repeatable)". */
void cmd_opt_help_text(const cmd_opt *o, char *text, size_t n);

/* The verb's --help text: usage, description, options, notes, exit codes. */
void cmd_help_print(const cmd_verb *v, FILE *f);

/* The registry (cmd_verbs.c): mtlsprobe itself, then every verb and
 * sub-verb, NULL-terminated. */
extern const cmd_verb cmd_top_verb;
extern const cmd_verb *const cmd_all_verbs[];
extern const cmd_verb cmd_fixtures_verb, cmd_run_verb, cmd_load_verb, cmd_report_verb, cmd_report_merge_verb,
    cmd_serve_verb;

/* The verb named by argv (e.g. {"report", "merge"}): the longest match
 * among cmd_all_verbs, or NULL; *used says how many words it took. */
const cmd_verb *cmd_verb_lookup(int argc, char *const *argv, int *used);

#endif
