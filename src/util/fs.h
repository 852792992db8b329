/* Files and directories: whole-file reads, atomic writes (temporary file then
 * rename, so a reader sees the old file or the new one, never half of one),
 * recursive mkdir and removal. */
#ifndef MP_UTIL_FS_H
#define MP_UTIL_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

/* Reads a whole file; *data is NUL-terminated (not counted in *len). */
int fs_read_file(const char *path, char **data, size_t *len, mp_err *e);

/* Writes data to path atomically with the given mode (0600 for keys). */
int fs_write_file(const char *path, const void *data, size_t len, mode_t mode,
                  mp_err *e);

/* mkdir -p; existing directories are fine. */
int fs_mkdirs(const char *path, mode_t mode, mp_err *e);

/* mkdir -p of the directory part of path. */
int fs_mkdirs_for(const char *path, mode_t mode, mp_err *e);

/* rm -rf; a missing path is fine. Refuses "" and "/". */
int fs_remove_tree(const char *path, mp_err *e);

/* 1 if path exists (any type), 0 if not. */
int fs_exists(const char *path);

/* 1 if path is a directory with no entries. */
int fs_dir_is_empty(const char *path);

/* Joins a and b with one '/'; returns a malloc'd string or NULL. */
char *fs_join(const char *a, const char *b);

#endif
