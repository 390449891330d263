/* cli/write_in_place.c — replacing a file the user gave with new text, atomically: `doudi fmt
 * -w`, `doudi test --update`, `doudi diff --write-expect` (base/replace.h: a temporary file
 * beside it with its mode, flushed, renamed over it; a symbolic link followed; the caller's
 * crash point just before the rename). */
#include "cli.h"
#include "base/msg.h"
#include "base/replace.h"
#include "base/util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int cannot_write(const char *verb, const char *path, const char *what)
{
    int e = errno;                 /* before anything else can change it */
    fprintf(stderr, "doudi %s: ", verb);
    fprintf(stderr, tr("cannot write %s: %s: %s (the file is unchanged)\n"), path, what, msg_strerror(e));
    return 2;
}

int cli_write_in_place(const char *verb, const char *path, const char *text, const char *crash_point)
{
    int err = file_replace(path, text, strlen(text), FILE_MODE_KEEP, crash_point);
    if (!err) return 0;
    errno = err;
    return cannot_write(verb, path, tr("cannot write the new text"));
}
