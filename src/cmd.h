/* The verbs. Each parses its own options and returns the process exit code:
 * 0 success, 1 a check or threshold failed, 2 usage, input or setup error,
 * 3 nothing failed but something could not be judged or measured. */
#ifndef MP_CMD_H
#define MP_CMD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

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
 * process, so a verb can stop early and still write what it measured. Only
 * the first: a second SIGINT or SIGTERM ends the process as by default. */
atomic_int *cmd_stop_on_signals(void);

struct pki_manifest;
struct res_run;
/* Checks the control fixture and every CRL of the set for staleness at now;
 * warns on stderr for each stale one and records it in run->stale. */
void cmd_warn_stale_fixtures(const struct pki_manifest *m, const char *control, int64_t now,
                             struct res_run *run);

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

/* --pass SRC (openssl's -passin forms, pki/secret.h) into out; on error
 * prints one line and returns -1. The caller wipes out after use. */
int cmd_read_pass(const char *verb, const char *src, char *out, size_t n);

/* Reads --pass SRC once (NULL: no password) and replaces a fixture with each
 * --identity NAME=CERT[,KEY] (cmd_identity.c). On error prints one line,
 * naming the file but never the password or key, and returns -1. */
struct pki_manifest;
int cmd_apply_identities(const char *verb, struct pki_manifest *m, const char *const *specs, size_t n,
                         const char *pass_src);

/* Before cmd_apply_identities: each --identity NAME must be a fixture of
 * the manifest, one of the names the verb's options give (named), or one
 * a selected scenario mentions (mentions(name, ctx), may be NULL). Else a
 * typo would add an unused identity while the fixture it meant stays:
 * one line naming the closest fixture, -1. */
int cmd_check_identity_names(const char *verb, const struct pki_manifest *m, const char *const *specs, size_t n,
                             const char *const *named, size_t n_named, int (*mentions)(const char *, void *),
                             void *ctx);

/* An option naming a fixture (--control, --upstream-client-cert...) that
 * the manifest lacks: one line with the closest fixture, -1; 0 when found. */
int cmd_check_fixture_option(const char *verb, const struct pki_manifest *m, const char *option, const char *name);

#endif
