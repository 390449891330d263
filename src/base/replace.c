/* replace.c — see replace.h. */
#define _XOPEN_SOURCE 700      /* realpath(): the file a symbolic link points to is the one replaced */
#include "replace.h"
#include "crash.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The file to replace (a link resolved) and whether it is a regular file or not there yet:
 * NULL with *through set for a pipe or a device, NULL with errno for a directory or an error. */
static char *target_of(const char *path, int *mode, bool *through)
{
    *through = false;
    char *real = realpath(path, NULL);
    struct stat st;
    if (real && stat(real, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            free(real);
            errno = EISDIR;
            return NULL;
        }
        if (!S_ISREG(st.st_mode)) {
            free(real);
            *through = true;
            return NULL;
        }
        if (*mode == FILE_MODE_KEEP) *mode = (int)(st.st_mode & 07777);
        return real;
    }
    free(real);
    if (errno != ENOENT) return NULL;
    if (*mode == FILE_MODE_KEEP) {
        mode_t mask = umask(0);
        umask(mask);
        *mode = (int)(0644 & ~mask);
    }
    return xstrdup(path);
}

int file_replace_begin(FileReplace *fr, const char *path, int mode)
{
    *fr = (FileReplace){.fd = -1, .mode = mode};
    bool through;
    fr->target = target_of(path, &fr->mode, &through);
    if (through) {
        fr->fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fr->fd < 0) return errno;
        fr->name = xstrdup(path);
        return 0;
    }
    if (!fr->target) return errno ? errno : EINVAL;
    const char *slash = strrchr(fr->target, '/');
    int dirlen = slash ? (int)(slash - fr->target) + 1 : 0;
    fr->name = xasprintf("%.*s.%s.tmp-XXXXXX", dirlen, fr->target, slash ? slash + 1 : fr->target);
    fr->fd = mkstemp(fr->name);       /* 0600 until the content is whole */
    if (fr->fd < 0) {
        int err = errno;
        free(fr->name);
        free(fr->target);
        *fr = (FileReplace){.fd = -1};
        return err;
    }
    return 0;
}

void file_replace_abort(FileReplace *fr)
{
    if (fr->fd >= 0) close(fr->fd);
    if (fr->target && fr->name) unlink(fr->name);
    free(fr->name);
    free(fr->target);
    *fr = (FileReplace){.fd = -1};
}

int file_replace_commit(FileReplace *fr, const char *crash_point)
{
    int err = 0;
    if (!fr->target) {                 /* written through: nothing to put in place */
        if (fr->fd >= 0 && close(fr->fd) != 0) err = errno;
        fr->fd = -1;
        file_replace_abort(fr);
        return err;
    }
    if (fr->fd < 0 && (fr->fd = open(fr->name, O_WRONLY | O_CLOEXEC)) < 0) err = errno;   /* written by name */
    if (!err && fchmod(fr->fd, (mode_t)fr->mode) != 0) err = errno;
    if (!err && fsync(fr->fd) != 0) err = errno;
    if (close(fr->fd) != 0 && !err) err = errno;
    fr->fd = -1;
    if (!err && crash_point) CRASH_POINT(crash_point);
    if (!err && rename(fr->name, fr->target) != 0) err = errno;
    if (!err) {
        free(fr->name);
        fr->name = NULL;
    }
    file_replace_abort(fr);
    return err;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        if (n == 0) return EIO;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int file_replace(const char *path, const void *data, size_t len, int mode, const char *crash_point)
{
    FileReplace fr;
    int err = file_replace_begin(&fr, path, mode);
    if (err) return err;
    if ((err = write_all(fr.fd, data ? data : "", len)) != 0) {
        file_replace_abort(&fr);
        return err;
    }
    return file_replace_commit(&fr, crash_point);
}
