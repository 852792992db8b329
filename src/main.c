/* mtlsprobe: verb dispatch, --help and --version. Everything else lives in
 * the verbs (cmd_*.c) and the components they call. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <lua.h>
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/version.h>

#include "cmd.h"
#include "results/results.h"

static const char usage_text[] =
    "usage: mtlsprobe <verb> [options]\n"
    "\n"
    "Tests how an API gateway enforces mutual TLS and how fast it shakes hands.\n"
    "\n"
    "verbs:\n"
    "  fixtures   generate a CA hierarchy and every good and bad certificate\n"
    "  run        run Lua scenarios (the conformance suite) against a gateway\n"
    "  load       drive concurrent mTLS handshakes and record latency histograms\n"
    "  report     turn result files into HTML, Markdown and charts\n"
    "  serve      a reference mTLS gateway and helper servers\n"
    "\n"
    "options:\n"
    "  -h, --help      this text; `mtlsprobe <verb> --help` explains a verb\n"
    "  -V, --version   versions of mtlsprobe, wolfSSL (and its assembly speed-ups), Lua\n"
    "\n"
    "exit codes: 0 success, 1 a check or threshold failed, 2 usage, input or setup error,\n"
    "3 nothing failed but something could not be judged or measured (run, load)\n"
    "docs: README.md, docs/fixtures.md, docs/scenarios.md, docs/results.md\n";

void cmd_error(const char *verb, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "mtlsprobe: %s%s", verb ? verb : "", verb ? ": " : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* The one flag a signal handler sets; verbs read it through
 * cmd_stop_on_signals. */
static atomic_int stop_flag;

static void on_stop_signal(int sig)
{
    (void)sig;
    atomic_store(&stop_flag, 1);
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

/* A password given as --pass pass:TEXT is recorded as pass:(hidden). */
void cmd_join_argv(int argc, char **argv, char *out, size_t outlen)
{
    size_t o = 0;
    out[0] = '\0';
    for (int i = -1; i < argc && o + 2 < outlen; i++) {
        const char *a = i < 0 ? "mtlsprobe" : argv[i];
        if (i > 0 && strcmp(argv[i - 1], "--pass") == 0 && strncmp(a, "pass:", 5) == 0)
            a = "pass:(hidden)";
        else if (strncmp(a, "--pass=pass:", 12) == 0)
            a = "--pass=pass:(hidden)";
        o += (size_t)snprintf(out + o, outlen - o, "%s%s", o ? " " : "", a);
    }
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
    printf("wolfSSL %s (built against %s)\n", wolfSSL_lib_version(), LIBWOLFSSL_VERSION_STRING);
    const char *asm_parts[4];
    int n = 0;
#ifdef WOLFSSL_SP_X86_64_ASM
    asm_parts[n++] = "SP x86_64 (ECC/RSA/DH)";
#endif
#ifdef USE_INTEL_SPEEDUP
    asm_parts[n++] = "Intel AES-NI/AVX (ciphers, hashes)";
#endif
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

typedef struct verb {
    const char *name;
    int (*fn)(int argc, char **argv);
} verb;

int main(int argc, char **argv)
{
    static const verb verbs[] = {
        { "fixtures", cmd_fixtures },
        { "run", cmd_run },
        { "load", cmd_load },
        { "report", cmd_report },
        { "serve", cmd_serve },
    };
    if (argc < 2) {
        fputs(usage_text, stderr);
        return MP_EXIT_USAGE;
    }
    const char *v = argv[1];
    if (strcmp(v, "-h") == 0 || strcmp(v, "--help") == 0 || strcmp(v, "help") == 0) {
        fputs(usage_text, stdout);
        return MP_EXIT_OK;
    }
    if (strcmp(v, "-V") == 0 || strcmp(v, "--version") == 0 || strcmp(v, "version") == 0) {
        print_version();
        return MP_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        if (strcmp(v, verbs[i].name) == 0) {
            wolfSSL_Init();
            int rc = verbs[i].fn(argc - 1, argv + 1);
            wolfSSL_Cleanup();
            return rc;
        }
    }
    if (v[0] == '-')
        cmd_error(NULL, "unknown option '%s' (try mtlsprobe --help)", v);
    else
        cmd_error(NULL, "unknown verb '%s' (verbs: fixtures, run, load, report, serve)", v);
    return MP_EXIT_USAGE;
}
