/* fork + execvp rather than posix_spawn: the child must change directory
 * before exec (gnuplot resolves its data files relative to it), which
 * posix_spawn cannot do portably. The exec failure reaches the parent through
 * a close-on-exec pipe, so "not installed" is told apart from "failed". */
#define _DEFAULT_SOURCE
#include "report/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/timeutil.h"

static void last_line(const char *path, char *out, size_t n)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        /* gnuplot warnings are not the reason it failed */
        if (line[0] && !strstr(line, "warning:"))
            snprintf(out, n, "%s", line);
    }
    fclose(f);
}

int rpt_spawn(char *const argv[], const char *dir, const char *log_path, int64_t timeout_ms,
              const atomic_int *stop, mp_err *e)
{
    int fds[2];
    if (pipe(fds) != 0)
        return mp_fail(e, "cannot run %s: %s", argv[0], mp_strerror(errno).s);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return mp_fail(e, "cannot run %s: %s", argv[0], mp_strerror(errno).s);
    }
    if (pid == 0) {
        /* its own process group, so a stop or timeout ends what it started too */
        setpgid(0, 0);
        close(fds[0]);
        int err = 0;
        int in = open("/dev/null", O_RDONLY);
        int out = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0 ||
            (dir && chdir(dir) != 0)) {
            err = errno;
        } else {
            execvp(argv[0], argv);
            err = errno;
        }
        ssize_t w = write(fds[1], &err, sizeof err);
        (void)w;
        _exit(127);
    }
    setpgid(pid, pid); /* as the child does: whichever runs first */
    close(fds[1]);
    int child_err = 0;
    ssize_t got;
    do {
        got = read(fds[0], &child_err, sizeof child_err);
    } while (got < 0 && errno == EINTR);
    close(fds[0]);
    int status = 0;
    int64_t deadline = tm_mono_ns() + timeout_ms * 1000000LL;
    int timed_out = 0, interrupted = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR)
            return mp_fail(e, "waiting for %s: %s", argv[0], mp_strerror(errno).s);
        interrupted = stop && atomic_load(stop);
        if (interrupted || tm_mono_ns() >= deadline) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            timed_out = !interrupted;
            break;
        }
        struct timespec ts = { 0, 10 * 1000000L };
        nanosleep(&ts, NULL);
    }
    if (got == (ssize_t)sizeof child_err && child_err) {
        if (child_err == ENOENT)
            mp_fail(e, "%s not found (not installed, or not in PATH)", argv[0]);
        else
            mp_fail(e, "cannot run %s: %s", argv[0], mp_strerror(child_err).s);
        return RPT_SPAWN_NOT_RUN;
    }
    if (interrupted)
        return mp_fail(e, "interrupted");
    if (timed_out)
        return mp_fail(e, "%s did not finish within %lld ms and was stopped", argv[0],
                       (long long)timeout_ms);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    char line[512];
    last_line(log_path, line, sizeof line);
    if (WIFSIGNALED(status))
        return mp_fail(e, "%s was killed by signal %d%s%s", argv[0], WTERMSIG(status), line[0] ? ": " : "",
                       line);
    return mp_fail(e, "%s exited with status %d%s%s (log: %s)", argv[0], WEXITSTATUS(status),
                   line[0] ? ": " : "", line, log_path);
}
