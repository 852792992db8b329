/* File helpers. Outputs never damage what they point at: "-" is standard
 * output (and standard input for reads); a symbolic link is followed, so its
 * target is replaced and the link kept; a character device, FIFO or socket
 * is written in place; a regular file is written to "<path>.tmp.<pid>" and
 * renamed over the target, so a reader sees the old file or the new one,
 * with the old file's mode or a stricter one, never a wider one.
 * The one decision: a symbolic link on the way to an output (the file, a
 * directory above it, an entry of an output directory) is followed only
 * when it belongs to the user who runs mtlsprobe or to root. Another user's
 * link in a shared directory could point at any file root can write. */
#define _XOPEN_SOURCE 700
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Reads everything from an open stream (a file or standard input). */
static int read_stream(FILE *f, const char *path, char **data, size_t *len, mp_err *e)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf)
        return mp_fail(e, "out of memory reading %s", path);
    for (;;) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) {
            if (ferror(f)) {
                int err = errno;
                free(buf);
                return mp_fail(e, "cannot read %s: %s", path, mp_strerror(err).s);
            }
            break;
        }
        char *nb = realloc(buf, cap * 2 + 1);
        if (!nb) {
            free(buf);
            return mp_fail(e, "out of memory reading %s", path);
        }
        buf = nb;
        cap *= 2;
    }
    buf[n] = '\0';
    *data = buf;
    if (len)
        *len = n;
    return 0;
}

int fs_read_file(const char *path, char **data, size_t *len, mp_err *e)
{
    if (fs_is_stdio(path))
        return read_stream(stdin, "standard input", data, len, e);
    FILE *f = fopen(path, "rb");
    if (!f)
        return mp_fail(e, "cannot read %s: %s", path, mp_strerror(errno).s);
    int rc = read_stream(f, path, data, len, e);
    fclose(f);
    return rc;
}

int fs_is_stdio(const char *path)
{
    return path && strcmp(path, "-") == 0;
}

/* The directory part of path ("." when there is none). */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

char *fs_dirname(const char *path)
{
    return dir_of(path);
}

static int check_dir_usable(const char *dir, mp_err *e);

/* A link mtlsprobe may follow: the invoking user's own, or root's. */
static int link_trusted(const struct stat *st)
{
    return st->st_uid == geteuid() || st->st_uid == 0;
}

static int untrusted_link(const char *link, const char *shown, const struct stat *st, mp_err *e)
{
    return mp_fail(e, "refusing to write %s: %s is a symbolic link owned by uid %u, not by you or root, so it "
                      "could point at any file you can write; remove it or write elsewhere",
                   shown, link, (unsigned)st->st_uid);
}

/* Every component of path that is a symbolic link must be trusted. */
static int check_path_links(const char *path, const char *shown, mp_err *e)
{
    size_t n = strlen(path);
    char *p = malloc(n + 1);
    if (!p)
        return mp_fail(e, "out of memory");
    int rc = 0;
    for (size_t i = 1; i <= n && rc == 0; i++) {
        if (i < n && path[i] != '/')
            continue;
        memcpy(p, path, i);
        p[i] = '\0';
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISLNK(st.st_mode) && !link_trusted(&st))
            rc = untrusted_link(p, shown, &st, e);
    }
    free(p);
    return rc;
}

/* Follows a chain of symbolic links to the name the data must land on; a
 * dangling link resolves to its missing target, which is then created.
 * Each name on the way is checked (check_path_links). */
static char *resolve_links(const char *path, mp_err *e)
{
    char *cur = strdup(path);
    for (int hops = 0; cur; hops++) {
        struct stat st;
        if (check_path_links(cur, path, e) != 0) {
            free(cur);
            return NULL;
        }
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
            return cur;
        if (hops == 40) {
            free(cur);
            mp_fail(e, "cannot write %s: too many levels of symbolic links", path);
            return NULL;
        }
        char target[PATH_MAX];
        ssize_t n = readlink(cur, target, sizeof target - 1);
        if (n < 0) {
            int err = errno;
            free(cur);
            mp_fail(e, "cannot write %s: %s", path, mp_strerror(err).s);
            return NULL;
        }
        target[n] = '\0';
        char *next;
        if (target[0] == '/') {
            next = strdup(target);
        } else {
            char *dir = dir_of(cur);
            next = dir ? fs_join(dir, target) : NULL;
            free(dir);
        }
        free(cur);
        cur = next;
    }
    mp_fail(e, "out of memory writing %s", path);
    return NULL;
}

/* Standard output or error when path names the same open file, as
 * /dev/stdout does: written through the descriptor, so a socket (which
 * cannot be opened by name) works and a file the shell opened for appending
 * (>>) is appended to, not replaced. */
static int std_fd_for(const struct stat *st)
{
    for (int fd = 1; fd <= 2; fd++) {
        struct stat fs;
        if (fstat(fd, &fs) == 0 && fs.st_dev == st->st_dev && fs.st_ino == st->st_ino && !S_ISDIR(fs.st_mode))
            return fd;
    }
    return -1;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* A character device, FIFO or socket: written where it is, never replaced. */
static int write_in_place(const char *path, const char *shown, const struct stat *st, const void *data,
                          size_t len, mp_err *e)
{
    int fd = std_fd_for(st), own = 0;
    if (fd < 0 && S_ISSOCK(st->st_mode)) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(path) >= sizeof sa.sun_path)
            return mp_fail(e, "cannot write %s: socket path too long", shown);
        memcpy(sa.sun_path, path, strlen(path) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
            int err = errno;
            close(fd);
            return mp_fail(e, "cannot write %s: %s", shown, mp_strerror(err).s);
        }
        own = 1;
    } else if (fd < 0) {
        fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        own = 1;
    } else {
        fflush(fd == 1 ? stdout : stderr);
    }
    if (fd < 0)
        return mp_fail(e, "cannot write %s: %s", shown, mp_strerror(errno).s);
    int rc = write_all(fd, data, len);
    int err = errno;
    if (own && close(fd) != 0 && rc == 0) {
        rc = -1;
        err = errno;
    }
    return rc == 0 ? 0 : mp_fail(e, "cannot write %s: %s", shown, mp_strerror(err).s);
}

/* A regular file: a temporary file beside it, then rename over it. */
static int write_replace(const char *path, const char *shown, const void *data, size_t len, mode_t mode,
                         mp_err *e)
{
    size_t plen = strlen(path) + 32;
    char *tmp = malloc(plen);
    if (!tmp)
        return mp_fail(e, "out of memory writing %s", shown);
    snprintf(tmp, plen, "%s.tmp.%ld", path, (long)getpid());
    /* A file replaced keeps its mode or gets a stricter one: the report
     * that replaces a 0600 file must not make it readable by everyone. */
    struct stat old;
    if (stat(path, &old) == 0 && S_ISREG(old.st_mode))
        mode &= old.st_mode & 0777;
    /* Never through a name someone else left there (O_EXCL, O_NOFOLLOW). */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        int err = errno;
        free(tmp);
        return mp_fail(e, "cannot write %s: %s", shown, mp_strerror(err).s);
    }
    /* open() honours the umask; keys must end up exactly 0600. */
    if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0)
        goto fail;
    if (fsync(fd) != 0 && errno != EINVAL)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        goto fail;
    free(tmp);
    return 0;
fail: {
        int err = errno;
        if (fd >= 0)
            close(fd);
        unlink(tmp);
        free(tmp);
        return mp_fail(e, "cannot write %s: %s", shown, mp_strerror(err).s);
    }
}

int fs_write_file(const char *path, const void *data, size_t len, mode_t mode,
                  mp_err *e)
{
    if (fs_is_stdio(path)) {
        fflush(stdout);
        if (write_all(STDOUT_FILENO, data, len) != 0)
            return mp_fail(e, "cannot write to standard output: %s", mp_strerror(errno).s);
        return 0;
    }
    struct stat st;
    if (check_path_links(path, path, e) != 0)
        return -1;
    /* /dev/stdout and /proc/self/fd/N are links to "pipe:[N]" or
     * "socket:[N]", not to names: what they reach is written in place */
    if (stat(path, &st) == 0 && (!S_ISREG(st.st_mode) || std_fd_for(&st) >= 0) && !S_ISDIR(st.st_mode))
        return write_in_place(path, path, &st, data, len, e);
    char *real = resolve_links(path, e);
    if (!real)
        return -1;
    int rc;
    if (stat(real, &st) == 0 && S_ISDIR(st.st_mode))
        rc = mp_fail(e, "cannot write %s: it is a directory", path);
    else if (stat(real, &st) == 0 && !S_ISREG(st.st_mode))
        rc = write_in_place(real, path, &st, data, len, e);
    else
        rc = write_replace(real, path, data, len, mode, e);
    free(real);
    return rc;
}

int fs_check_output(const char *path, int make_parents, mp_err *e)
{
    if (fs_is_stdio(path))
        return 0;
    if (!*path)
        return mp_fail(e, "empty output file name");
    struct stat st;
    int rc = 0;
    if (check_path_links(path, path, e) != 0)
        return -1;
    if (stat(path, &st) == 0 && (!S_ISREG(st.st_mode) || std_fd_for(&st) >= 0) && !S_ISDIR(st.st_mode)) {
        /* written in place; a FIFO's reader may come later: only the
         * permission is asked */
        if (std_fd_for(&st) < 0 && access(path, W_OK) != 0)
            rc = mp_fail(e, "cannot write %s: %s", path, mp_strerror(errno).s);
        return rc;
    }
    char *real = resolve_links(path, e);
    if (!real)
        return -1;
    if (stat(real, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            rc = mp_fail(e, "cannot write %s: it is a directory", path);
        else if (!S_ISREG(st.st_mode) && access(real, W_OK) != 0)
            rc = mp_fail(e, "cannot write %s: %s", path, mp_strerror(errno).s);
    }
    /* A regular file is replaced through a new file in its directory: that
     * directory must take one, whatever the file's own mode says. */
    char *dir = dir_of(real);
    if (!dir) {
        free(real);
        return mp_fail(e, "out of memory");
    }
    if (rc == 0) {
        if (make_parents)
            rc = check_dir_usable(dir, e);
        else if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
            rc = mp_fail(e, "cannot write %s: %s is not a directory", path, dir);
    }
    if (rc == 0) {
        size_t plen = strlen(real) + 40;
        char *probe = malloc(plen);
        if (!probe) {
            rc = mp_fail(e, "out of memory");
        } else if (stat(dir, &st) == 0) {
            snprintf(probe, plen, "%s.probe.%ld", real, (long)getpid());
            int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            if (fd < 0)
                rc = mp_fail(e, "cannot write %s: %s", path, mp_strerror(errno).s);
            else {
                close(fd);
                unlink(probe);
            }
        }
        free(probe);
    }
    free(dir);
    free(real);
    return rc;
}

/* An existing output directory: none of its entries may be another user's
 * symbolic link (report.md, charts/...), which the writes would follow. */
static int check_dir_entries(const char *dir, mp_err *e)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0; /* missing: created later, empty */
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode) &&
            !link_trusted(&st)) {
            char *p = fs_join(dir, de->d_name);
            rc = untrusted_link(p ? p : de->d_name, dir, &st, e);
            free(p);
        }
    }
    closedir(d);
    return rc;
}

int fs_check_output_dir(const char *dir, mp_err *e)
{
    if (!*dir)
        return mp_fail(e, "empty directory name");
    if (check_path_links(dir, dir, e) != 0 || check_dir_entries(dir, e) != 0)
        return -1;
    return check_dir_usable(dir, e);
}

/* The nearest existing ancestor of dir is a directory that takes entries. */
static int check_dir_usable(const char *dir, mp_err *e)
{
    /* the nearest existing ancestor must be a directory that takes entries */
    char *p = strdup(dir);
    if (!p)
        return mp_fail(e, "out of memory");
    struct stat st;
    int rc = 0;
    for (;;) {
        if (stat(p, &st) == 0) {
            if (!S_ISDIR(st.st_mode))
                rc = mp_fail(e, "cannot create %s: %s is not a directory", dir, p);
            else {
                /* a probe directory: access() says yes to root on a read-only mount */
                size_t plen = strlen(p) + 40;
                char *probe = malloc(plen);
                if (!probe)
                    rc = mp_fail(e, "out of memory");
                else {
                    snprintf(probe, plen, "%s/.mtlsprobe-probe.%ld", p, (long)getpid());
                    if (mkdir(probe, 0700) != 0)
                        rc = mp_fail(e, "cannot write in %s: %s", p, mp_strerror(errno).s);
                    else
                        rmdir(probe);
                    free(probe);
                }
            }
            break;
        }
        if (errno != ENOENT) {
            rc = mp_fail(e, "cannot use %s: %s", p, mp_strerror(errno).s);
            break;
        }
        char *slash = strrchr(p, '/');
        if (!slash) {
            strcpy(p, ".");
            continue;
        }
        if (slash == p) {
            p[1] = '\0';
            continue;
        }
        *slash = '\0';
    }
    free(p);
    return rc;
}

int fs_mkdirs(const char *path, mode_t mode, mp_err *e)
{
    if (!*path)
        return mp_fail(e, "empty directory name");
    if (check_path_links(path, path, e) != 0)
        return -1;
    char *p = strdup(path);
    if (!p)
        return mp_fail(e, "out of memory");
    for (char *s = p + 1; ; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, mode) != 0 && errno != EEXIST) {
                int err = errno;
                int r = mp_fail(e, "cannot create directory %s: %s", p, mp_strerror(err).s);
                free(p);
                return r;
            }
            *s = c;
            if (c == '\0')
                break;
        }
    }
    struct stat st;
    if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
        int r = mp_fail(e, "%s exists and is not a directory", p);
        free(p);
        return r;
    }
    free(p);
    return 0;
}

int fs_mkdirs_for(const char *path, mode_t mode, mp_err *e)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return 0;
    char *dir = strndup(path, (size_t)(slash - path));
    if (!dir)
        return mp_fail(e, "out of memory");
    int r = fs_mkdirs(dir, mode, e);
    free(dir);
    return r;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int fs_remove_tree(const char *path, mp_err *e)
{
    if (!path || !*path || strcmp(path, "/") == 0)
        return mp_fail(e, "refusing to remove '%s'", path ? path : "");
    if (!fs_exists(path))
        return 0;
    if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return mp_fail(e, "cannot remove %s: %s", path, mp_strerror(errno).s);
    return 0;
}

int fs_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

int fs_dir_is_empty(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return 0;
    struct dirent *ent;
    int empty = 1;
    while ((ent = readdir(d)) != NULL) {
        if (strcmp(ent->d_name, ".") != 0 && strcmp(ent->d_name, "..") != 0) {
            empty = 0;
            break;
        }
    }
    closedir(d);
    return empty;
}

char *fs_join(const char *a, const char *b)
{
    size_t la = strlen(a);
    while (la > 0 && a[la - 1] == '/')
        la--; /* "/" joins as "/b" */
    size_t n = la + 1 + strlen(b) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%.*s/%s", (int)la, a, b);
    return s;
}
