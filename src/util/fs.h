/* Files and directories: whole-file reads, writes that never damage what
 * they point at ("-" is standard output, symbolic links are followed, devices,
 * FIFOs and sockets are written in place, regular files are replaced
 * atomically), output checks before any work, recursive mkdir and removal. */
#ifndef MP_UTIL_FS_H
#define MP_UTIL_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

/* Reads a whole file ("-": standard input); *data is NUL-terminated (not
 * counted in *len). */
int fs_read_file(const char *path, char **data, size_t *len, mp_err *e);

/* Writes data to path: "-" is standard output; a symbolic link is followed
 * and its target written; a character device, FIFO or socket is written in
 * place; a regular file (or a new one) is replaced atomically with the
 * given mode (0600 for keys). */
int fs_write_file(const char *path, const void *data, size_t len, mode_t mode,
                  mp_err *e);

/* 1 when path is "-" (standard input or output). */
int fs_is_stdio(const char *path);

/* Before any work: can fs_write_file write path? Tries a file beside the
 * target (so root on a read-only mount is caught too). make_parents: a
 * missing directory will be created, so the nearest existing one is tried. */
int fs_check_output(const char *path, int make_parents, mp_err *e);

/* Before any work: can dir be created (if missing) and written in? */
int fs_check_output_dir(const char *dir, mp_err *e);

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

/* The directory part of path ("." when there is none), malloc'd, or NULL. */
char *fs_dirname(const char *path);

/* Joins a and b with one '/'; returns a malloc'd string or NULL. */
char *fs_join(const char *a, const char *b);

#endif
