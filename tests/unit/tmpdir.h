/* tmpdir.h — a scratch directory for a test: made under $TMPDIR (or /tmp), removed with the
 * files in it. Include after <cmocka.h>. */
#ifndef DOUDI_TEST_TMPDIR_H
#define DOUDI_TEST_TMPDIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A new directory named doudi-TAG-XXXXXX; the caller passes it to remove_tree. */
static inline char *make_tmpdir_tagged(const char *tag)
{
    const char *base = getenv("TMPDIR");
    char templ[512];
    snprintf(templ, sizeof templ, "%s/doudi-%s-XXXXXX", base && *base ? base : "/tmp", tag);
    char *d = mkdtemp(templ);
    assert_non_null(d);
    return strdup(d);
}

/* Remove dir's files, dir itself, and free the name. NULL is fine. */
static inline void remove_tree(char *dir)
{
    if (!dir) return;
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
}

#endif
