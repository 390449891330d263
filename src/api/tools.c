/* tools.c — a rule file's own tests and the change impact of an amendment (doudi.h,
 * "tests" and "change impact"); the engines are tools/testing.c and tools/diff.c. */
#include "api_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/diff.h"
#include "tools/testing.h"

/* ---- tests ------------------------------------------------------------------------------------ */


static int test_flags(int flags)
{
    return (flags & DOUDI_TEST_COVERAGE ? TEST_COVERAGE : 0) |
           (flags & DOUDI_TEST_REQUIRE_FULL_COVERAGE ? TEST_REQUIRE_FULL : 0);
}

static const char *const NEEDS_SOURCE = "running tests needs the rule file itself, not a compiled .ddc";

int doudi_test(doudi_rules *r, FILE *out, int flags, int *passed, int *failed, char **error)
{
    if (passed) *passed = 0;
    if (failed) *failed = 0;
    if (!r->rules) return api_fail(error, "%s", NEEDS_SOURCE);
    TestReport *rep = testing_run(r->rules, r->prog, r->vm, test_flags(flags), r->prog->source_path);
    StrBuf sb = {0};
    testing_render_file(rep, &sb);
    if (out) fputs(sb_str(&sb), out);
    sb_free(&sb);
    if (passed) *passed = rep->sum.passed;
    if (failed) *failed = rep->sum.failed;
    int rc = testing_failed(rep) ? 1 : 0;
    testing_free(rep);
    return rc;
}

struct doudi_test_results {
    TestReports files;
};

doudi_test_results *doudi_test_results_new(void) { return xcalloc(1, sizeof(doudi_test_results)); }

int doudi_test_collect(doudi_test_results *res, doudi_rules *r, const char *path, int flags, char **error)
{
    if (!r->rules) {
        TestReport *e = testing_error(path, NEEDS_SOURCE);
        VEC_PUSH(&res->files, e);
        return api_fail(error, "%s", NEEDS_SOURCE);
    }
    TestReport *rep = testing_run(r->rules, r->prog, r->vm, test_flags(flags), path);
    VEC_PUSH(&res->files, rep);
    return testing_failed(rep) ? 1 : 0;
}

int doudi_test_update(const doudi_test_results *res, const doudi_rules *r, char **text, char **changes,
                      char **untouched, char **error)
{
    *text = *changes = *untouched = NULL;
    if (!r->rules || !r->src) return api_fail(error, "%s", NEEDS_SOURCE);
    if (!res->files.count || res->files.items[res->files.count - 1]->error)
        return api_fail(error, "%s", "the rule file's tests have not run");
    StrBuf out = {0}, ch = {0}, un = {0};
    size_t n = testing_update(res->files.items[res->files.count - 1], r->src->text, r->src->len, &out, &ch, &un);
    *text = sb_take(&out);
    *changes = sb_take(&ch);
    *untouched = sb_take(&un);
    return n > 0x7fffffff ? 0x7fffffff : (int)n;
}

void doudi_test_results_error(doudi_test_results *res, const char *path, const char *message)
{
    TestReport *e = testing_error(path, message);
    VEC_PUSH(&res->files, e);
}

static bool test_format(const char *name, TestFormat *f)
{
    static const struct { const char *name; TestFormat f; } formats[] = {
        {"text", TEST_TEXT}, {"json", TEST_JSON}, {"junit", TEST_JUNIT}, {"tap", TEST_TAP}, {"markdown", TEST_MARKDOWN},
    };
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
        if (name && !strcmp(name, formats[i].name)) {
            *f = formats[i].f;
            return true;
        }
    return false;
}

char *doudi_test_results_render(const doudi_test_results *res, const char *format, char **error)
{
    TestFormat f;
    if (!test_format(format, &f)) {
        api_fail(error, "unknown format '%s' (text, json, junit, tap or markdown)", format ? format : "");
        return NULL;
    }
    StrBuf sb = {0};
    testing_render(&res->files, f, &sb);
    return sb_take(&sb);
}

void doudi_test_results_counts(const doudi_test_results *res, doudi_test_counts *counts)
{
    memset(counts, 0, sizeof *counts);
    for (size_t i = 0; i < res->files.count; i++) {
        const TestReport *r = res->files.items[i];
        counts->files++;
        counts->passed += r->sum.passed;
        counts->failed += r->sum.failed;
        counts->errors += r->error != NULL;
        counts->uncovered += r->sum.uncovered;
        counts->failing_files += testing_failed(r);
        if (r->flags & (TEST_COVERAGE | TEST_REQUIRE_FULL)) {
            counts->outcomes_covered += r->sum.outcomes_covered;
            counts->outcomes += r->sum.outcomes;
        }
    }
}

void doudi_test_results_free(doudi_test_results *res)
{
    if (!res) return;
    for (size_t i = 0; i < res->files.count; i++) testing_free(res->files.items[i]);
    VEC_FREE(&res->files);
    free(res);
}

/* ---- change impact (doudi diff): the engine is diff.c ------------------------------------------ */


static char *diff_explain(void *ctx, Ledger *l, const char *key, bool json, char **error)
{
    doudi_rules *r = ctx;
    doudi_ledger dl = {l};
    doudi_record *rec = doudi_ledger_record(&dl, r, key, error);
    char *text = rec ? doudi_explain(r, rec, json ? DOUDI_JSON : DOUDI_TEXT, error) : NULL;
    doudi_record_free(rec);
    return text;
}

static bool diff_side(doudi_rules *r, DiffRules *out, char **error)
{
    (void)error;
    *out = (DiffRules){r->prog, r->vm, diff_explain, r};
    return true;
}

doudi_diff *doudi_diff_population(doudi_rules *old_rules, doudi_rules *new_rules, const char *population,
                                  int limit, char **error)
{
    DiffRules o, n;
    if (error) *error = NULL;
    if (!diff_side(old_rules, &o, error) || !diff_side(new_rules, &n, error)) return NULL;
    return diff_population(&o, &n, population, limit < 0 ? 0 : limit, error);
}

doudi_diff *doudi_diff_ledger(doudi_ledger *l, doudi_rules *old_rules, doudi_rules *new_rules, int limit,
                              char **error)
{
    DiffRules o, n;
    if (error) *error = NULL;
    if (!diff_side(old_rules, &o, error) || !diff_side(new_rules, &n, error)) return NULL;
    return diff_ledger(l->l, &o, &n, limit < 0 ? 0 : limit, error);
}

int doudi_diff_expect(doudi_diff *d, const char *path, char **mismatches, char **error)
{
    StrBuf sb = {0};
    char *err = NULL;
    int rc = diff_expect(d, path, &sb, &err);
    if (mismatches) *mismatches = rc == 1 ? sb_take(&sb) : NULL;
    sb_free(&sb);
    if (error) *error = err;
    else free(err);
    return rc;
}

int doudi_diff_write_expect(doudi_diff *d, const char *path, char **text, char **changes, char **error)
{
    StrBuf out = {0}, log = {0};
    char *err = NULL;
    int rc = diff_write_expect(d, path, &out, &log, &err);
    *text = rc < 0 ? NULL : sb_take(&out);
    *changes = rc < 0 ? NULL : sb_take(&log);
    sb_free(&out);
    sb_free(&log);
    if (error) *error = err;
    else free(err);
    return rc;
}

char *doudi_diff_render(const doudi_diff *d, doudi_format format)
{
    StrBuf sb = {0};
    if (format == DOUDI_JSON) diff_render_json(d, &sb);
    else diff_render_text(d, &sb);
    return sb_take(&sb);
}

char *doudi_diff_render_markdown(const doudi_diff *d, const doudi_markdown_options *opt)
{
    doudi_markdown_options none = {0};
    if (!opt) opt = &none;
    DiffMarkdown md = {
        .limit = opt->limit ? opt->limit : DOUDI_MARKDOWN_LIMIT,
        .people = opt->people < 0 ? 0 : opt->people,
        .show_ids = opt->show_ids != 0,
        .title = opt->title,
        .approval_note = opt->approval_note,
        .full_text = opt->full_text,
        .full_json = opt->full_json,
    };
    StrBuf sb = {0};
    diff_render_markdown(d, &md, &sb);
    return sb_take(&sb);
}

int doudi_diff_figure_count(const doudi_diff *d) { return (int)diff_figure_count(d); }

const char *doudi_diff_figure(const doudi_diff *d, int i, int64_t *before, int64_t *after, int64_t *change)
{
    return i < 0 ? NULL : diff_figure(d, (size_t)i, before, after, change);
}

void doudi_diff_free(doudi_diff *d) { diff_free(d); }
