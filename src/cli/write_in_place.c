/* cli/write_in_place.c — replacing a file the user gave with new text, atomically: `doudi fmt
 * -w`, `doudi test --update`, `doudi diff --write-expect`.
 *
 * The new text goes to a temporary file in the file's own directory (so the rename cannot
 * cross file systems), is flushed to disk and given the file's mode, then renamed over it — a
 * crash leaves the old file or the new one, never half of either (the caller's crash point
 * sits just before the rename). A symbolic link is followed: the file it points to is
 * rewritten. A file that does not exist yet is created with mode 0644 less the umask. */
#define _XOPEN_SOURCE 700      /* realpath(), to rewrite the file a symbolic link points to */
#include "cli.h"
#include "base/crash.h"
#include "base/msg.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cannot_write(const char *verb, const char *path, const char *what)
{
    int e = errno;                 /* before anything else can change it */
    fprintf(stderr, "doudi %s: ", verb);
    fprintf(stderr, tr("cannot write %s: %s: %s (the file is unchanged)\n"), path, what, msg_strerror(e));
    return 2;
}

/* Write all of text to fd; false on any short or failed write. */
static bool write_all(int fd, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, text, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        text += n;
        len -= (size_t)n;
    }
    return true;
}

/* The file to replace (a symbolic link resolved) and its mode; a new file's own path. */
static char *target(const char *path, mode_t *mode)
{
    char *real = realpath(path, NULL);
    struct stat st;
    if (real && stat(real, &st) == 0) {
        *mode = st.st_mode & 07777;
        return real;
    }
    free(real);
    if (errno != ENOENT) return NULL;
    mode_t mask = umask(0);
    umask(mask);
    *mode = 0644 & ~mask;
    return xstrdup(path);
}

int cli_write_in_place(const char *verb, const char *path, const char *text, const char *crash_point)
{
    mode_t mode = 0644;
    char *real = target(path, &mode);
    if (!real) return cannot_write(verb, path, tr("cannot resolve the path"));
    char *dircopy = xstrdup(real), *basecopy = xstrdup(real);
    char *tmp = xasprintf("%s/.%s.%s-XXXXXX", dirname(dircopy), basename(basecopy), verb);
    free(dircopy);
    free(basecopy);
    int rc = 0;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = cannot_write(verb, path, tr("cannot create a temporary file beside it"));
    } else {
        bool ok = write_all(fd, text, strlen(text)) && fchmod(fd, mode) == 0 && fsync(fd) == 0;
        ok = close(fd) == 0 && ok;
        if (crash_point) CRASH_POINT(crash_point);
        if (!ok || rename(tmp, real) != 0) {
            rc = cannot_write(verb, path, ok ? tr("cannot rename the new text over it") : tr("cannot write the new text"));
            unlink(tmp);
        }
    }
    free(tmp);
    free(real);
    return rc;
}
