/* cli/rules.c — opening the rules a verb is given: a rule file (.doudi) or a compiled program
 * (.ddc). Verbs that run rules take either; verbs that read the rule file's text (check, fmt,
 * test) say plainly when they are given a compiled program instead; and whether an output would
 * overwrite an input or another output. */
#define _XOPEN_SOURCE 700      /* realpath() */
#include "cli.h"
#include "doudi.h"
#include "base/msg.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

doudi_rules *cli_open_rules(const char *verb, const char *path)
{
    char *err = NULL;
    int compiled = doudi_is_compiled(path);
    doudi_rules *r = doudi_open(path, &err);
    if (compiled > 0 || (compiled < 0 && err)) {
        if (!r) fprintf(stderr, "doudi %s: %s\n", verb, err ? msg_text(err) : path);
    } else {
        if (err) fputs(msg_text(err), stderr);   /* the rule file's diagnostics: errors, or warnings */
        if (!r) {
            fprintf(stderr, "doudi %s: ", verb);
            fprintf(stderr, tr("%s has errors\n"), path);
        }
    }
    doudi_string_free(err);
    return r;
}

bool cli_is_source(const char *verb, const char *path)
{
    if (doudi_is_compiled(path) <= 0) return true;
    fprintf(stderr, "doudi %s: ", verb);
    fprintf(stderr,
            tr("%s is a compiled program (.ddc), not a rule file: this command reads the rule file's text "
               "(give the .doudi it was compiled from)\n"),
            path);
    return false;
}

bool cli_not_an_input(const char *verb, const char *out, const char *const *inputs, int n)
{
    struct stat o;
    if (!out || stat(out, &o) != 0) return true;   /* a new file is no input */
    for (int i = 0; i < n; i++) {
        struct stat in;
        if (!inputs[i] || stat(inputs[i], &in) != 0) continue;
        if (in.st_dev != o.st_dev || in.st_ino != o.st_ino) continue;
        fprintf(stderr, "doudi %s: ", verb);
        fprintf(stderr, tr("%s is this command's input %s: give another file for the output\n"), out, inputs[i]);
        return false;
    }
    return true;
}

/* `path` made absolute through its directory (which must exist), the file itself not needed. */
static char *placed_path(const char *path)
{
    char *dir = xstrdup(path), *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : path;
    if (slash == dir) dir[1] = '\0';
    else if (slash) *slash = '\0';
    char *real = realpath(slash ? dir : ".", NULL);
    char *placed = real ? xasprintf("%s/%s", real, base) : NULL;
    free(real);
    free(dir);
    return placed;
}

bool cli_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (!a || !b) return false;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    char *pa = placed_path(a), *pb = placed_path(b);
    bool same = pa && pb ? !strcmp(pa, pb) : !strcmp(a, b);
    free(pa);
    free(pb);
    return same;
}
