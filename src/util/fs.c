/* File helpers. Writes go to "<path>.tmp.<pid>" and are renamed into place,
 * so an interrupted run never leaves a half-written output file. */
#define _XOPEN_SOURCE 700
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fs_read_file(const char *path, char **data, size_t *len, mp_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return mp_fail(e, "cannot read %s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(f);
        return mp_fail(e, "out of memory reading %s", path);
    }
    for (;;) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) {
            if (ferror(f)) {
                int err = errno;
                free(buf);
                fclose(f);
                return mp_fail(e, "cannot read %s: %s", path, strerror(err));
            }
            break;
        }
        char *nb = realloc(buf, cap * 2 + 1);
        if (!nb) {
            free(buf);
            fclose(f);
            return mp_fail(e, "out of memory reading %s", path);
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    buf[n] = '\0';
    *data = buf;
    if (len)
        *len = n;
    return 0;
}

int fs_write_file(const char *path, const void *data, size_t len, mode_t mode,
                  mp_err *e)
{
    size_t plen = strlen(path) + 32;
    char *tmp = malloc(plen);
    if (!tmp)
        return mp_fail(e, "out of memory writing %s", path);
    snprintf(tmp, plen, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        int err = errno;
        free(tmp);
        return mp_fail(e, "cannot write %s: %s", path, strerror(err));
    }
    /* open() honours the umask; keys must end up exactly 0600. */
    if (fchmod(fd, mode) != 0)
        goto fail;
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            goto fail;
        }
        p += w;
        left -= (size_t)w;
    }
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
        return mp_fail(e, "cannot write %s: %s", path, strerror(err));
    }
}

int fs_mkdirs(const char *path, mode_t mode, mp_err *e)
{
    if (!*path)
        return mp_fail(e, "empty directory name");
    char *p = strdup(path);
    if (!p)
        return mp_fail(e, "out of memory");
    for (char *s = p + 1; ; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, mode) != 0 && errno != EEXIST) {
                int err = errno;
                int r = mp_fail(e, "cannot create directory %s: %s", p, strerror(err));
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
        return mp_fail(e, "cannot remove %s: %s", path, strerror(errno));
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
