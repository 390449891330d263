/* cli_check.c — `doudi check FILE... [--format text|json]`: parse and check rule files.
 * Text diagnostics go to stderr; with --format json one JSON array (all files) goes to
 * stdout for editors and CI. Exit 0 when no file has errors (warnings allowed), 1 when any
 * has, 2 on usage or an unreadable file. */
#include "check.h"
#include "cli.h"
#include "parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_check(int argc, char **argv)
{
    bool json = false;
    const char *files[256];
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--format") && i + 1 < argc) {
            const char *f = argv[++i];
            if (!strcmp(f, "json")) json = true;
            else if (strcmp(f, "text")) return cli_usage_error("check", "unknown format '%s' (text or json)", f);
        } else if (!strcmp(argv[i], "--help")) {
            puts("usage: doudi check FILE... [--format text|json]");
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("check", "unknown option '%s'", argv[i]);
        } else if (nfiles < 256) {
            files[nfiles++] = argv[i];
        }
    }
    if (nfiles == 0) return cli_usage_error("check", "no rule file given (usage: doudi check FILE...)");

    int status = 0;
    DiagList all = {0};
    SourceFile *sources[256];
    Arena arena = {0};
    for (int i = 0; i < nfiles; i++) {
        sources[i] = source_read(files[i]);
        if (!sources[i]) {
            fprintf(stderr, "doudi check: cannot read %s: %s\n", files[i], strerror(errno));
            status = 2;
            continue;
        }
        DiagList dl = {0};
        Module *m = parse_module(&arena, sources[i], &dl);
        if (dl.errors == 0) check_module(&arena, m, &dl);
        else diag_sort(&dl);
        if (dl.errors && status == 0) status = 1;
        for (size_t k = 0; k < dl.count; k++) {
            VEC_PUSH(&all, dl.items[k]);
            if (dl.items[k].severity == DIAG_ERROR) all.errors++;
            else if (dl.items[k].severity == DIAG_WARNING) all.warnings++;
        }
        free(dl.items);
    }
    StrBuf out = {0};
    if (json) {
        diag_render_json(&out, &all);
        fputs(sb_str(&out), stdout);
    } else {
        diag_render_all(&out, &all);
        fputs(sb_str(&out), stderr);
    }
    sb_free(&out);
    diag_free(&all);
    for (int i = 0; i < nfiles; i++) source_free(sources[i]);
    arena_free(&arena);
    return status;
}
