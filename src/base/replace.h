/* replace.h — a file's new content put in place whole or not at all.
 *
 * Everything doudi writes for people to keep (forms, notices, review exports, compiled rules,
 * rule files rewritten by fmt -w and test --update) goes through here: the content is written
 * to a temporary file beside its place (same directory, so the rename cannot cross file
 * systems; made by mkstemp, so nobody can have prepared the name), flushed to disk, given its
 * mode, and renamed over the place. A failure (a full disk) leaves the old file and removes
 * the temporary one; a crash leaves the old file or the new one, never half of either — a
 * process killed before the rename may leave its hidden `.NAME.tmp-XXXXXX` beside it (the
 * caller's crash point, when it names one, sits just before the rename). A symbolic link is
 * followed: the file it points to is replaced, the link kept (a dangling link is replaced by
 * the file). A pipe or a device (/dev/stdout) is written as it is: there is nothing to rename
 * over. A directory is refused (EISDIR).
 *
 * Modes: FILE_MODE_KEEP keeps an existing file's mode and gives a new one 0644 less the umask;
 * any other value is the mode itself (0600 for what holds full resident ids).
 *
 * The results file of a run is not written here: the ledger puts it in place after its
 * commit (ledger_runs.c), which needs the file to outlive the process that wrote it. */
#ifndef DOUDI_REPLACE_H
#define DOUDI_REPLACE_H

#include <stdbool.h>
#include <stddef.h>

#define FILE_MODE_KEEP (-1)

typedef struct FileReplace {
    int fd;                    /* open for writing, or -1 once closed */
    char *name;                /* where the content goes by name: the temporary file, or the
                                  path itself when it is a pipe or a device */
    char *target;              /* the file to replace (a link resolved); NULL: written through */
    int mode;
} FileReplace;

/* Make the temporary file for `path`. 0, or an errno value (nothing made). */
int file_replace_begin(FileReplace *fr, const char *path, int mode);
/* Flush, set the mode, close and rename into place (crash point `crash_point` before the
 * rename, when not NULL). 0, or an errno value — the temporary file then removed, the old file
 * untouched. */
int file_replace_commit(FileReplace *fr, const char *crash_point);
/* Give up: the temporary file removed, the old file untouched. */
void file_replace_abort(FileReplace *fr);

/* The three steps with `len` bytes of data. 0, or an errno value. */
int file_replace(const char *path, const void *data, size_t len, int mode, const char *crash_point);

#endif
