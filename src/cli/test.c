/* cli_test.c — `doudi test FILE... [--coverage] [--require-full-coverage]`: run the tests a
 * rule file declares (`example`, `test`, docs/language.md §6.11).
 *
 * stdout: one line per test, `ok   NAME` or `FAIL NAME` followed by each expected value that
 * differed and the explanation; with --coverage the coverage of each file and its uncovered
 * items (`FILE:LINE:COL: ...`); with several files a line `== FILE` before each; last, over
 * all files, the line `N passed, N failed` (in Chinese `通过 N 项，未通过 N 项`: a script that
 * reads the line gives --lang en; the exit status says as much). A file that does not compile gets
 * its diagnostics on stderr, as `doudi check` prints them, and its tests are not run.
 * Exit 0 when every test passed, 1 when one failed (or, with --require-full-coverage, when
 * something is uncovered), 2 on usage, an unreadable file or a file with errors. */
#include "cli.h"
#include "doudi.h"
#include "base/msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_test(int argc, char **argv)
{
    int flags = 0;
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--coverage")) flags |= DOUDI_TEST_COVERAGE;
        else if (!strcmp(argv[i], "--require-full-coverage")) flags |= DOUDI_TEST_REQUIRE_FULL_COVERAGE;
        else if (argv[i][0] == '-' && argv[i][1]) {
            free(files);
            return cli_usage_error("test", tr("unknown option '%s'"), argv[i]);
        } else {
            files[nfiles++] = argv[i];
        }
    }
    if (nfiles == 0) {
        free(files);
        return cli_usage("test");
    }
    int status = 0, passed = 0, failed = 0;
    for (int i = 0; i < nfiles; i++) {
        if (nfiles > 1) printf("== %s\n", files[i]);
        fflush(stdout);
        char *diags = NULL;
        if (!cli_is_source("test", files[i])) {
            status = 2;
            continue;
        }
        doudi_rules *r = doudi_compile_file(files[i], &diags);
        if (diags) fputs(diags, stderr);
        doudi_string_free(diags);
        if (!r) {
            status = 2;
            continue;
        }
        char *err = NULL;
        int p = 0, f = 0;
        int rc = doudi_test(r, stdout, flags, &p, &f, &err);
        if (rc < 0) {
            fflush(stdout);
            fprintf(stderr, "doudi test: %s: %s\n", files[i], err ? err : tr("failed"));
            status = 2;
        } else if (rc > 0 && status == 0) {
            status = 1;
        }
        passed += p;
        failed += f;
        doudi_string_free(err);
        doudi_free(r);
    }
    printf(tr("%d passed, %d failed\n"), passed, failed);
    free(files);
    return status;
}
