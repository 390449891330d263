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


int doudi_test(doudi_rules *r, FILE *out, int flags, int *passed, int *failed, char **error)
{
    if (passed) *passed = 0;
    if (failed) *failed = 0;
    if (!r->rules) return api_fail(error, "running tests needs the rule file itself, not a compiled .ddc");
    int tflags = (flags & DOUDI_TEST_COVERAGE ? TEST_COVERAGE : 0) |
                 (flags & DOUDI_TEST_REQUIRE_FULL_COVERAGE ? TEST_REQUIRE_FULL : 0);
    StrBuf sb = {0};
    TestSummary sum;
    testing_run(r->rules, r->prog, r->vm, tflags, &sb, &sum);
    if (out) fputs(sb_str(&sb), out);
    sb_free(&sb);
    if (passed) *passed = sum.passed;
    if (failed) *failed = sum.failed;
    return sum.failed || ((tflags & TEST_REQUIRE_FULL) && sum.uncovered) ? 1 : 0;
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

char *doudi_diff_render(const doudi_diff *d, doudi_format format)
{
    StrBuf sb = {0};
    if (format == DOUDI_JSON) diff_render_json(d, &sb);
    else diff_render_text(d, &sb);
    return sb_take(&sb);
}

int doudi_diff_figure_count(const doudi_diff *d) { return (int)diff_figure_count(d); }

const char *doudi_diff_figure(const doudi_diff *d, int i, int64_t *before, int64_t *after, int64_t *change)
{
    return i < 0 ? NULL : diff_figure(d, (size_t)i, before, after, change);
}

void doudi_diff_free(doudi_diff *d) { diff_free(d); }
