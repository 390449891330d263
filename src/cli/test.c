/* cli_test.c — `doudi test FILE... [--coverage] [--require-full-coverage]
 * [--format text|json|junit|tap|markdown] [-o FILE]`: run the tests a rule file declares
 * (`example`, `test`, docs/language.md §6.11).
 *
 * The tests of every file run first; the report is written at the end, in one format, to stdout
 * or to FILE. Text: one line per test, `ok   NAME` or `FAIL NAME` followed by each expected
 * value that differed and the explanation; with --coverage the coverage of each file and its
 * uncovered items (`FILE:LINE:COL: ...`); with several files a line `== FILE` before each;
 * last, over all files, the line `N passed, N failed` (CI reads it). JSON, JUnit XML (CI
 * systems show it per test), TAP 13 and a Markdown summary are the same results
 * (doudi_test_results_render). A file that does not compile gets its diagnostics on stderr, as
 * `doudi check` prints them; its tests are not run, and the report says it was not tested.
 * Exit 0 when every test passed, 1 when one failed (or, with --require-full-coverage, when
 * something is uncovered), 2 on usage, an unreadable file or a file with errors. */
#include "cli.h"
#include "doudi.h"
#include "base/msg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct TestArgs {
    int flags;
    const char *format, *out;
    const char **files;
    int nfiles;
} TestArgs;

static bool known_format(const char *f)
{
    return !strcmp(f, "text") || !strcmp(f, "json") || !strcmp(f, "junit") || !strcmp(f, "tap") ||
           !strcmp(f, "markdown");
}

/* 0 to run, 2 after a usage error (main.c answers --help). */
static int parse_args(int argc, char **argv, TestArgs *a)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--coverage")) a->flags |= DOUDI_TEST_COVERAGE;
        else if (!strcmp(argv[i], "--require-full-coverage")) a->flags |= DOUDI_TEST_REQUIRE_FULL_COVERAGE;
        else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
            a->format = argv[++i];
            if (!known_format(a->format))
                return cli_usage_error("test", tr("unknown format '%s' (text, json, junit, tap or markdown)"), a->format);
        } else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
            a->out = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("test", tr("unknown option '%s'"), argv[i]);
        } else {
            a->files[a->nfiles++] = argv[i];
        }
    }
    if (a->nfiles == 0) return cli_usage("test");
    return 0;
}

/* Run one file's tests into res; returns the file's exit status (0, 1 or 2). */
static int test_file(doudi_test_results *res, const char *path, int flags)
{
    if (!cli_is_source("test", path)) {
        doudi_test_results_error(res, path, tr("a compiled program keeps no tests"));
        return 2;
    }
    char *diags = NULL;
    doudi_rules *r = doudi_compile_file(path, &diags);
    if (diags) fputs(diags, stderr);
    doudi_string_free(diags);
    if (!r) {
        doudi_test_results_error(res, path, tr("the rule file has errors or cannot be read"));
        return 2;
    }
    char *err = NULL;
    int rc = doudi_test_collect(res, r, path, flags, &err);
    if (rc < 0) fprintf(stderr, "doudi test: %s: %s\n", path, err ? msg_text(err) : tr("failed"));
    doudi_string_free(err);
    doudi_free(r);
    return rc < 0 ? 2 : rc;
}

static bool write_report(const char *text, const char *path)
{
    if (!path) {
        fputs(text, stdout);
        return fflush(stdout) == 0;
    }
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fputs("doudi test: ", stderr);
        fprintf(stderr, tr("cannot write %s: %s\n"), path, msg_strerror(errno));
        if (f) fclose(f);
        return false;
    }
    return true;
}

int cli_test(int argc, char **argv)
{
    TestArgs a = {.format = "text", .files = calloc((size_t)argc + 1, sizeof *a.files)};
    if (!a.files) return 2;
    int rc = parse_args(argc, argv, &a);
    if (rc) {
        free(a.files);
        return 2;
    }
    doudi_test_results *res = doudi_test_results_new();
    int status = 0;
    for (int i = 0; i < a.nfiles; i++) {
        int s = test_file(res, a.files[i], a.flags);
        if (s > status) status = s;
    }
    char *err = NULL;
    char *text = doudi_test_results_render(res, a.format, &err);
    if (!text || !write_report(text, a.out)) {
        if (err) fprintf(stderr, "doudi test: %s\n", msg_text(err));
        status = 2;
    }
    doudi_string_free(text);
    doudi_string_free(err);
    doudi_test_results_free(res);
    free(a.files);
    return status;
}
