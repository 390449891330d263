/* cli_test.c — `doudi test FILE... [--coverage] [--require-full-coverage]
 * [--format text|json|junit|tap|markdown] [-o FILE] [--update]`: run the tests a rule file
 * declares (`example`, `test`, docs/language.md §6.11).
 *
 * --update rewrites in place (atomically, as fmt -w; crash point test.before-rename) the
 * expected values a rule change moved, each shown as `FILE:LINE: KEY: OLD → NEW`; a test with
 * an expectation that is no value to write (a case that cannot be evaluated, an actual
 * `none`) is named and left as it is. The tests of a rewritten file then run again, and the
 * report and the exit status are those of the file as rewritten.
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
#include "base/replace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct TestArgs {
    int flags;
    bool update;
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
        else if (!strcmp(argv[i], "--update")) a->update = true;
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

/* Rewrite the expected values of path that r's tests (just collected into scratch) found
 * moved; say each on `say`. 1 when the file was rewritten, 0 when nothing was, 2 on failure. */
static int update_file(doudi_test_results *scratch, doudi_rules *r, const char *path, FILE *say)
{
    char *text = NULL, *changes = NULL, *untouched = NULL, *err = NULL;
    int n = doudi_test_update(scratch, r, &text, &changes, &untouched, &err);
    int rc = n > 0 ? 1 : n < 0 ? 2 : 0;
    if (n < 0) fprintf(stderr, "doudi test: %s: %s\n", path, err ? err : tr("failed"));
    if (untouched) fputs(untouched, say);
    if (n > 0 && cli_write_in_place("test", path, text, "test.before-rename") != 0) rc = 2;
    else if (n > 0) {
        fputs(changes, say);
        if (n == 1) fprintf(say, tr("updated 1 expected value in %s\n"), path);
        else fprintf(say, tr("updated %d expected values in %s\n"), n, path);
    }
    doudi_string_free(text);
    doudi_string_free(changes);
    doudi_string_free(untouched);
    doudi_string_free(err);
    return rc;
}

/* Run one file's tests into res (with --update, after rewriting what they found moved);
 * returns the file's exit status (0, 1 or 2). */
static int test_file(doudi_test_results *res, const char *path, const TestArgs *a, FILE *say)
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
    if (a->update) {
        doudi_test_results *scratch = doudi_test_results_new();
        int rc = doudi_test_collect(scratch, r, path, 0, &err);
        int u = rc == 1 ? update_file(scratch, r, path, say) : 0;
        doudi_test_results_free(scratch);
        doudi_string_free(err);
        err = NULL;
        if (u == 2) {
            doudi_free(r);
            doudi_test_results_error(res, path, tr("the rule file could not be rewritten"));
            return 2;
        }
        if (u == 1) {                  /* the report is that of the file as rewritten */
            doudi_free(r);
            r = doudi_compile_file(path, &diags);
            if (diags) fputs(diags, stderr);
            doudi_string_free(diags);
            if (!r) {
                doudi_test_results_error(res, path, tr("the rule file has errors or cannot be read"));
                return 2;
            }
        }
    }
    int rc = doudi_test_collect(res, r, path, a->flags, &err);
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
    int err = file_replace(path, text, strlen(text), FILE_MODE_KEEP, NULL);
    if (err) {
        fputs("doudi test: ", stderr);
        fprintf(stderr, tr("cannot write %s: %s\n"), path, msg_strerror(err));
    }
    return !err;
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
    FILE *say = !strcmp(a.format, "text") || a.out ? stdout : stderr;   /* not into a JSON report */
    for (int i = 0; i < a.nfiles; i++) {
        int s = test_file(res, a.files[i], &a, say);
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
