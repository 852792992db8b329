/* mtlsprobe: verb dispatch, --help, `help VERB` and --version. The verbs and
 * their option tables are registered in cmd_verbs.c; everything else lives
 * in the verbs (cmd_*.c) and the components they call. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <lua.h>

#include "cmd.h"
#include "cmd_opts.h"
#include "results/results.h"
#include "tls/tls.h"

/* The one flag a signal handler sets; verbs read it through
 * cmd_stop_on_signals. */
static atomic_int stop_flag;

/* The first SIGINT or SIGTERM asks the verb to stop and write what it has;
 * the handlers then go back to the default, so a second one ends the
 * process at once, even while results are being written. */
static void on_stop_signal(int sig)
{
    (void)sig;
    atomic_store(&stop_flag, 1);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGINT, &dfl, NULL);
    sigaction(SIGTERM, &dfl, NULL);
}

atomic_int *cmd_stop_on_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return &stop_flag;
}

static void print_version(void)
{
    /* The commit ties an audit report to the exact source it came from. */
    size_t clen = strlen(res_build_commit);
    int dirty = clen > 6 && strcmp(res_build_commit + clen - 6, "-dirty") == 0;
    if (clen == 0)
        printf("mtlsprobe %s (commit unknown)\n", MTLSPROBE_VERSION);
    else
        printf("mtlsprobe %s (commit %.*s%s)\n", MTLSPROBE_VERSION, (int)(dirty ? clen - 6 : clen), res_build_commit,
               dirty ? ", dirty" : "");
    printf("wolfSSL %s (built against %s)\n", tls_library_version(), tls_built_version());
    const char *asm_parts[4];
    int n = tls_build_speedups(asm_parts, 4);
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2");
    int bmi2 = __builtin_cpu_supports("bmi2");
#else
    int avx2 = 0, bmi2 = 0;
#endif
    if (n == 0) {
        printf("assembly speed-ups: off\n");
    } else {
        printf("assembly speed-ups: on: ");
        for (int i = 0; i < n; i++)
            printf("%s%s", i ? ", " : "", asm_parts[i]);
        printf("; CPU: avx2 %s, bmi2 %s\n", avx2 ? "yes" : "no", bmi2 ? "yes" : "no");
    }
    printf("%s, jansson %s\n", LUA_RELEASE, JANSSON_VERSION);
}

/* "fixtures, run, load, report, serve" for the unknown-verb message. */
static void verb_names(char *out, size_t n)
{
    size_t o = 0;
    out[0] = '\0';
    for (const cmd_verb *const *w = cmd_top_verb.verbs; *w && o < n; w++)
        o += (size_t)snprintf(out + o, n - o, "%s%s", o ? ", " : "", (*w)->name);
}

static int unknown_verb(const char *v)
{
    char names[128];
    verb_names(names, sizeof names);
    cmd_error(NULL, "unknown verb '%s' (verbs: %s)", v, names);
    return MP_EXIT_USAGE;
}

/* `mtlsprobe help [VERB [SUBVERB]]` */
static int help_verb(int argc, char **argv)
{
    if (argc == 0) {
        cmd_help_print(&cmd_top_verb, stdout);
        return MP_EXIT_OK;
    }
    int used = 0;
    const cmd_verb *v = cmd_verb_lookup(argc, argv, &used);
    if (!v || used != argc)
        return unknown_verb(v ? argv[used] : argv[0]);
    cmd_help_print(v, stdout);
    return MP_EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        cmd_help_print(&cmd_top_verb, stderr);
        return MP_EXIT_USAGE;
    }
    const char *v = argv[1];
    if (strcmp(v, "help") == 0)
        return help_verb(argc - 2, argv + 2);
    if (strcmp(v, "version") == 0) {
        print_version();
        return MP_EXIT_OK;
    }
    if (v[0] == '-') {
        const cmd_opt *o = strchr(v, '=') ? NULL : cmd_opt_find(&cmd_top_verb, v);
        if (o && o->id == 'h') {
            cmd_help_print(&cmd_top_verb, stdout);
            return MP_EXIT_OK;
        }
        if (o && o->id == 'V') {
            print_version();
            return MP_EXIT_OK;
        }
        cmd_error(NULL, "unknown option '%s' (try mtlsprobe --help)", v);
        return MP_EXIT_USAGE;
    }
    for (const cmd_verb *const *w = cmd_top_verb.verbs; *w; w++) {
        if (strcmp(v, (*w)->name) == 0) {
            (void)tls_global_init();
            int rc = (*w)->fn(argc - 1, argv + 1);
            tls_global_cleanup();
            return rc;
        }
    }
    return unknown_verb(v);
}
