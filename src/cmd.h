/* The verbs. Each parses its own options and returns the process exit code:
 * 0 success, 1 a check or threshold failed, 2 usage, input or setup error,
 * 3 nothing failed but something could not be judged or measured. */
#ifndef MP_CMD_H
#define MP_CMD_H

#include <stdatomic.h>
#include <stddef.h>

/* 0 everything judged and nothing failed; 1 a failure; 2 usage or setup;
 * 3 nothing failed, but something could not be judged or measured. */
enum { MP_EXIT_OK = 0, MP_EXIT_FAIL = 1, MP_EXIT_USAGE = 2, MP_EXIT_UNJUDGED = 3 };

int cmd_fixtures(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* "mtlsprobe <verb> <args...>" into out, for result files. */
void cmd_join_argv(int argc, char **argv, char *out, size_t outlen);

/* Makes SIGINT and SIGTERM set the returned flag instead of ending the
 * process, so a verb can stop early and still write what it measured. */
atomic_int *cmd_stop_on_signals(void);

/* An output file of a verb: the option that names it, for messages. */
typedef struct cmd_output {
    const char *option;  /* "--json" */
    const char *path;    /* NULL: not asked for; "-": standard output */
    int make_parents;    /* the verb creates missing directories */
    int is_dir;          /* a directory the verb creates and fills */
} cmd_output;

/* Before any work: each output writable, at most one "-". Prints the error
 * and returns MP_EXIT_USAGE, or returns MP_EXIT_OK. */
int cmd_check_outputs(const char *verb, const cmd_output *outs, size_t n);

/* At most one input file may be "-" (standard input). */
int cmd_check_inputs(const char *verb, char *const *paths, size_t n);

/* When one of outs is "-": the verb's text goes to standard error until
 * cmd_stdout_restore(returned fd), after which "-" writes reach the real
 * standard output. Returns -1 (nothing to restore) otherwise. */
int cmd_stdout_reserve(const cmd_output *outs, size_t n);
void cmd_stdout_restore(int saved);

/* Prints "mtlsprobe: <verb>: <message>" on stderr. */
void cmd_error(const char *verb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
