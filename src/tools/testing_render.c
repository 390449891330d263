/* testing_render.c — a rule file's test report written out (see testing.h): text for people,
 * JSON for programs, JUnit XML and TAP 13 for CI systems.
 *
 * Every format is written from the same TestReport, after the tests have run, so they cannot
 * disagree. The text is the historical `doudi test` output, byte for byte. JUnit follows the
 * schema Jenkins and Ant read (tests/fixtures/junit.xsd): one <testsuite> per rule file, one
 * <testcase> per test; TAP follows version 13 (a plan, a test point per test, YAML diagnostics
 * under the failing ones). */
#include "testing.h"
#include "markdown.h"
#include "base/msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- pieces every format uses -------------------------------------------------------------- */

/* "care: expected township_home, got welfare_institution", or "care: cannot be compared ...". */
static void put_difference(StrBuf *out, const TestDifference *d)
{
    if (d->note) sb_printf(out, "%s: %s", d->key, msg_text(d->note));
    else sb_printf(out, tr("%s: expected %s, got %s"), d->key, d->expected, d->actual);
}

static void put_indented(StrBuf *out, const char *text, int indent)
{
    const char *s = text;
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        sb_pad(out, indent);
        sb_putn(out, s, len);
        sb_putc(out, '\n');
        s += len + (nl ? 1 : 0);
    }
}

/* What went wrong in one case, as the text report shows it, indented by `ind`. */
static void put_case(StrBuf *out, const TestCaseResult *c, uint32_t ncases, int ind)
{
    if (ncases > 1) {
        sb_pad(out, ind);
        if (c->base) sb_printf(out, tr("case %u of %u (line %d, given %s):\n"), c->number, ncases, c->line, c->base);
        else sb_printf(out, tr("case %u of %u (line %d):\n"), c->number, ncases, c->line);
        ind += 2;
    }
    if (c->error) {
        sb_pad(out, ind);
        sb_printf(out, tr("error: %s\n"), msg_text(c->error));
        return;
    }
    for (size_t i = 0; i < c->diffs.count; i++) {
        sb_pad(out, ind);
        put_difference(out, &c->diffs.items[i]);
        sb_putc(out, '\n');
    }
    if (c->explanation) {
        sb_pad(out, ind);
        sb_puts(out, tr("explanation:\n"));
        put_indented(out, c->explanation, ind + 2);
    }
}

static void put_failure_text(StrBuf *out, const TestResult *t, int ind)
{
    for (size_t i = 0; i < t->failures.count; i++) put_case(out, &t->failures.items[i], t->ncases, ind);
}

static bool has_coverage(const TestReport *r) { return r->flags & (TEST_COVERAGE | TEST_REQUIRE_FULL); }

static void put_coverage_line(StrBuf *out, const TestSummary *s)
{
    sb_printf(out, tr("coverage: %d of %d condition outcomes, %d/%d categories, %d/%d branches, %d/%d schedule groups"),
              s->outcomes_covered, s->outcomes, s->categories_covered, s->categories, s->branches_covered,
              s->branches, s->groups_covered, s->groups);
}

static void put_item(StrBuf *out, const TestReport *r, const CoverageItem *it)
{
    sb_printf(out, "%s:%u:%u: %s", r->path, it->line, it->col, msg_text(it->text));
}

/* A test that failed only because its cases cannot be evaluated is an error, not a failure. */
static bool is_error(const TestResult *t)
{
    for (size_t i = 0; i < t->failures.count; i++)
        if (!t->failures.items[i].error) return false;
    return t->failed;
}

typedef struct Totals {
    int passed, failed, errors, uncovered;
} Totals;

static Totals totals(const TestReports *rs)
{
    Totals t = {0};
    for (size_t i = 0; i < rs->count; i++) {
        const TestReport *r = rs->items[i];
        t.passed += r->sum.passed;
        t.failed += r->sum.failed;
        t.errors += r->error != NULL;
        t.uncovered += r->sum.uncovered;
    }
    return t;
}

/* ---- text ------------------------------------------------------------------------------------ */

void testing_render_file(const TestReport *r, StrBuf *out)
{
    if (r->error) {
        sb_printf(out, tr("%s: not tested: %s\n"), r->path, msg_text(r->error));
        return;
    }
    for (size_t i = 0; i < r->tests.count; i++) {
        const TestResult *t = &r->tests.items[i];
        sb_printf(out, "%s %s\n", t->failed ? tr("FAIL") : tr("ok  "), t->name);
        put_failure_text(out, t, 2);
    }
    if (!has_coverage(r)) return;
    put_coverage_line(out, &r->sum);
    sb_putc(out, '\n');
    for (size_t i = 0; i < r->uncovered.count; i++) {
        put_item(out, r, &r->uncovered.items[i]);
        sb_putc(out, '\n');
    }
}

static void render_text(const TestReports *rs, StrBuf *out)
{
    for (size_t i = 0; i < rs->count; i++) {
        if (rs->count > 1) sb_printf(out, "== %s\n", rs->items[i]->path);
        testing_render_file(rs->items[i], out);
    }
    Totals t = totals(rs);
    sb_printf(out, tr("%d passed, %d failed\n"), t.passed, t.failed);
}

/* ---- JSON ------------------------------------------------------------------------------------ */

static void json_string_or_null(StrBuf *out, const char *s)
{
    if (s) sb_json_string(out, s);
    else sb_puts(out, "null");
}

static void json_case(StrBuf *out, const TestCaseResult *c)
{
    sb_printf(out, "{\"case\": %u, \"line\": %d, \"given\": ", c->number, c->line);
    json_string_or_null(out, c->base);
    sb_puts(out, ", \"error\": ");
    json_string_or_null(out, c->error);
    sb_puts(out, ", \"differences\": [");
    for (size_t i = 0; i < c->diffs.count; i++) {
        const TestDifference *d = &c->diffs.items[i];
        sb_puts(out, i ? ", {\"key\": " : "{\"key\": ");
        sb_json_string(out, d->key);
        if (d->note) {
            sb_puts(out, ", \"note\": ");
            sb_json_string(out, d->note);
        } else {
            sb_puts(out, ", \"expected\": ");
            sb_json_string(out, d->expected);
            sb_puts(out, ", \"actual\": ");
            sb_json_string(out, d->actual);
        }
        sb_putc(out, '}');
    }
    sb_puts(out, "], \"explanation\": ");
    json_string_or_null(out, c->error ? NULL : c->explanation);
    sb_putc(out, '}');
}

static void json_test(StrBuf *out, const TestResult *t)
{
    sb_puts(out, "{\"name\": ");
    sb_json_string(out, t->name);
    sb_printf(out, ", \"line\": %d, \"cases\": %u, \"ok\": %s, \"failures\": [", t->line, t->ncases,
              t->failed ? "false" : "true");
    for (size_t i = 0; i < t->failures.count; i++) {
        sb_puts(out, i ? ",\n        " : "\n        ");
        json_case(out, &t->failures.items[i]);
    }
    sb_puts(out, t->failures.count ? "\n      ]}" : "]}");
}

static void json_coverage(StrBuf *out, const TestReport *r)
{
    const TestSummary *s = &r->sum;
    if (!has_coverage(r)) {
        sb_puts(out, "null");
        return;
    }
    sb_printf(out,
              "{\"required\": %s, \"condition_outcomes\": {\"covered\": %d, \"total\": %d}, "
              "\"categories\": {\"covered\": %d, \"total\": %d}, \"branches\": {\"covered\": %d, \"total\": %d}, "
              "\"schedule_groups\": {\"covered\": %d, \"total\": %d},\n     \"uncovered\": [",
              (r->flags & TEST_REQUIRE_FULL) ? "true" : "false", s->outcomes_covered, s->outcomes,
              s->categories_covered, s->categories, s->branches_covered, s->branches, s->groups_covered, s->groups);
    for (size_t i = 0; i < r->uncovered.count; i++) {
        const CoverageItem *it = &r->uncovered.items[i];
        sb_printf(out, "%s{\"line\": %u, \"column\": %u, \"what\": ", i ? ", " : "", it->line, it->col);
        sb_json_string(out, it->text);
        sb_putc(out, '}');
    }
    sb_puts(out, "]}");
}

static void json_file(StrBuf *out, const TestReport *r)
{
    sb_puts(out, "{\"file\": ");
    sb_json_string(out, r->path);
    sb_puts(out, ", \"error\": ");
    json_string_or_null(out, r->error);
    sb_printf(out, ", \"passed\": %d, \"failed\": %d, \"ok\": %s,\n     \"tests\": [", r->sum.passed, r->sum.failed,
              testing_failed(r) ? "false" : "true");
    for (size_t i = 0; i < r->tests.count; i++) {
        sb_puts(out, i ? ",\n      " : "\n      ");
        json_test(out, &r->tests.items[i]);
    }
    sb_puts(out, r->tests.count ? "\n     ],\n     \"coverage\": " : "],\n     \"coverage\": ");
    json_coverage(out, r);
    sb_putc(out, '}');
}

static void render_json(const TestReports *rs, StrBuf *out)
{
    Totals t = totals(rs);
    bool ok = true;
    sb_puts(out, "{\n  \"files\": [");
    for (size_t i = 0; i < rs->count; i++) {
        sb_puts(out, i ? ",\n    " : "\n    ");
        json_file(out, rs->items[i]);
        ok &= !testing_failed(rs->items[i]);
    }
    sb_puts(out, rs->count ? "\n  ],\n" : "],\n");
    sb_printf(out, "  \"passed\": %d, \"failed\": %d, \"errors\": %d, \"uncovered\": %d, \"ok\": %s\n}\n", t.passed,
              t.failed, t.errors, t.uncovered, ok ? "true" : "false");
}

/* ---- JUnit XML ----------------------------------------------------------------------------- */

/* Text as XML character data or an attribute value: markup escaped, and the control characters
 * XML 1.0 forbids (all below 0x20 but tab, newline and carriage return) written as '?'. */
static void xml_text(StrBuf *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '&': sb_puts(out, "&amp;"); break;
        case '<': sb_puts(out, "&lt;"); break;
        case '>': sb_puts(out, "&gt;"); break;
        case '"': sb_puts(out, "&quot;"); break;
        case '\'': sb_puts(out, "&apos;"); break;
        case '\t': case '\n': case '\r': sb_putc(out, (char)*p); break;
        default: sb_putc(out, *p < 0x20 ? '?' : (char)*p);
        }
    }
}

static void xml_attr(StrBuf *out, const char *name, const char *value)
{
    sb_printf(out, " %s=\"", name);
    xml_text(out, value);
    sb_putc(out, '"');
}

static void xml_property(StrBuf *out, const char *name, const char *value)
{
    sb_puts(out, "      <property");
    xml_attr(out, "name", name);
    xml_attr(out, "value", value);
    sb_puts(out, "/>\n");
}

static void junit_properties(StrBuf *out, const TestReport *r)
{
    const TestSummary *s = &r->sum;
    if (!has_coverage(r)) {
        sb_puts(out, "    <properties/>\n");
        return;
    }
    char v[64];
    sb_puts(out, "    <properties>\n");
    snprintf(v, sizeof v, "%d/%d", s->outcomes_covered, s->outcomes);
    xml_property(out, "coverage.condition_outcomes", v);
    snprintf(v, sizeof v, "%d/%d", s->categories_covered, s->categories);
    xml_property(out, "coverage.categories", v);
    snprintf(v, sizeof v, "%d/%d", s->branches_covered, s->branches);
    xml_property(out, "coverage.branches", v);
    snprintf(v, sizeof v, "%d/%d", s->groups_covered, s->groups);
    xml_property(out, "coverage.schedule_groups", v);
    snprintf(v, sizeof v, "%d", s->uncovered);
    xml_property(out, "coverage.uncovered", v);
    xml_property(out, "coverage.required", (r->flags & TEST_REQUIRE_FULL) ? "true" : "false");
    sb_puts(out, "    </properties>\n");
}

/* The failure's one-line message: the first difference, or the first case's error. */
static void failure_message(StrBuf *out, const TestResult *t)
{
    const TestCaseResult *c = &t->failures.items[0];
    if (c->error) sb_puts(out, msg_text(c->error));
    else if (c->diffs.count) put_difference(out, &c->diffs.items[0]);
    if (t->failures.count > 1) sb_printf(out, tr(" (%zu of %u cases failed)"), t->failures.count, t->ncases);
}

static void junit_testcase(StrBuf *out, const TestReport *r, const TestResult *t)
{
    sb_puts(out, "    <testcase");
    xml_attr(out, "name", t->name);
    xml_attr(out, "classname", r->path);
    if (!t->failed) {
        sb_puts(out, "/>\n");
        return;
    }
    const char *element = is_error(t) ? "error" : "failure";
    StrBuf msg = {0}, body = {0};
    failure_message(&msg, t);
    sb_printf(&body, "%s:%d: %s\n", r->path, t->line, t->name);
    put_failure_text(&body, t, 2);
    sb_printf(out, ">\n      <%s", element);
    xml_attr(out, "type", is_error(t) ? "error" : "expectation");
    xml_attr(out, "message", sb_str(&msg));
    sb_putc(out, '>');
    xml_text(out, sb_str(&body));
    sb_printf(out, "</%s>\n    </testcase>\n", element);
    sb_free(&msg);
    sb_free(&body);
}

/* With full coverage required, coverage is a test of its own: it fails when anything is
 * uncovered, listing each item. */
static void junit_coverage_case(StrBuf *out, const TestReport *r)
{
    sb_puts(out, "    <testcase name=\"full coverage\"");
    xml_attr(out, "classname", r->path);
    if (!r->sum.uncovered) {
        sb_puts(out, "/>\n");
        return;
    }
    StrBuf msg = {0}, body = {0};
    sb_printf(&msg, "%d items are not covered by the tests.", r->sum.uncovered);   /* not a message: JUnit XML stays English */
    put_coverage_line(&body, &r->sum);
    sb_putc(&body, '\n');
    for (size_t i = 0; i < r->uncovered.count; i++) {
        put_item(&body, r, &r->uncovered.items[i]);
        sb_putc(&body, '\n');
    }
    sb_puts(out, ">\n      <failure type=\"coverage\"");
    xml_attr(out, "message", sb_str(&msg));
    sb_putc(out, '>');
    xml_text(out, sb_str(&body));
    sb_puts(out, "</failure>\n    </testcase>\n");
    sb_free(&msg);
    sb_free(&body);
}

/* The coverage as a person reads it, when it was measured but not required. */
static void junit_system_out(StrBuf *out, const TestReport *r)
{
    if (!has_coverage(r) || (r->flags & TEST_REQUIRE_FULL)) {
        sb_puts(out, "    <system-out/>\n");
        return;
    }
    StrBuf body = {0};
    put_coverage_line(&body, &r->sum);
    sb_putc(&body, '\n');
    for (size_t i = 0; i < r->uncovered.count; i++) {
        put_item(&body, r, &r->uncovered.items[i]);
        sb_putc(&body, '\n');
    }
    sb_puts(out, "    <system-out>");
    xml_text(out, sb_str(&body));
    sb_puts(out, "</system-out>\n");
    sb_free(&body);
}

typedef struct SuiteCounts {
    int tests, failures, errors;
} SuiteCounts;

static SuiteCounts suite_counts(const TestReport *r)
{
    SuiteCounts c = {0};
    if (r->error) return (SuiteCounts){1, 0, 1};
    for (size_t i = 0; i < r->tests.count; i++) {
        const TestResult *t = &r->tests.items[i];
        c.tests++;
        if (t->failed) {
            if (is_error(t)) c.errors++;
            else c.failures++;
        }
    }
    if (r->flags & TEST_REQUIRE_FULL) {
        c.tests++;
        c.failures += r->sum.uncovered > 0;
    }
    return c;
}

static void junit_suite(StrBuf *out, const TestReport *r)
{
    SuiteCounts c = suite_counts(r);
    sb_puts(out, "  <testsuite");
    xml_attr(out, "name", r->path);
    sb_printf(out, " tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"0\"", c.tests, c.failures, c.errors);
    xml_attr(out, "file", r->path);
    sb_puts(out, ">\n");
    junit_properties(out, r);
    if (r->error) {
        sb_puts(out, "    <testcase name=\"rule file\"");
        xml_attr(out, "classname", r->path);
        sb_puts(out, ">\n      <error type=\"rule-file\"");
        xml_attr(out, "message", r->error);
        sb_puts(out, "/>\n    </testcase>\n");
    }
    for (size_t i = 0; i < r->tests.count; i++) junit_testcase(out, r, &r->tests.items[i]);
    if (!r->error && (r->flags & TEST_REQUIRE_FULL)) junit_coverage_case(out, r);
    junit_system_out(out, r);
    sb_puts(out, "    <system-err/>\n  </testsuite>\n");
}

static void render_junit(const TestReports *rs, StrBuf *out)
{
    SuiteCounts all = {0};
    for (size_t i = 0; i < rs->count; i++) {
        SuiteCounts c = suite_counts(rs->items[i]);
        all.tests += c.tests;
        all.failures += c.failures;
        all.errors += c.errors;
    }
    sb_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<testsuites name=\"doudi test\" tests=\"%d\" failures=\"%d\" errors=\"%d\">\n",
              all.tests, all.failures, all.errors);
    for (size_t i = 0; i < rs->count; i++) junit_suite(out, rs->items[i]);
    sb_puts(out, "</testsuites>\n");
}

/* ---- TAP 13 ---------------------------------------------------------------------------------- */

/* A test point's description: '#' starts a directive in TAP, so it is escaped. */
static void tap_description(StrBuf *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '#' || *s == '\\') sb_putc(out, '\\');
        sb_putc(out, *s == '\n' ? ' ' : *s);
    }
}

/* A YAML literal block, indented `ind` spaces under its key (with an explicit indentation
 * indicator, so lines that start with spaces stay in the block). */
static void yaml_block(StrBuf *out, const char *key, const char *text, int ind)
{
    sb_pad(out, ind);
    sb_printf(out, "%s: |2\n", key);
    put_indented(out, text, ind + 2);
}

static void tap_case(StrBuf *out, const TestCaseResult *c)
{
    sb_printf(out, "    - case: %u\n      line: %d\n", c->number, c->line);
    if (c->base) {
        sb_puts(out, "      given: ");
        sb_json_string(out, c->base);
        sb_putc(out, '\n');
    }
    if (c->error) {
        sb_puts(out, "      error: ");
        sb_json_string(out, c->error);
        sb_putc(out, '\n');
        return;
    }
    if (c->diffs.count) sb_puts(out, "      differences:\n");
    for (size_t i = 0; i < c->diffs.count; i++) {
        StrBuf line = {0};
        put_difference(&line, &c->diffs.items[i]);
        sb_puts(out, "        - ");
        sb_json_string(out, sb_str(&line));
        sb_putc(out, '\n');
        sb_free(&line);
    }
    if (c->explanation) yaml_block(out, "explanation", c->explanation, 6);
}

static void tap_point(StrBuf *out, int n, bool ok, const char *what)
{
    sb_printf(out, "%s %d - ", ok ? "ok" : "not ok", n);   /* not a message: TAP */
    tap_description(out, what);
    sb_putc(out, '\n');
}

static int tap_file(StrBuf *out, const TestReport *r, int n)
{
    sb_puts(out, "# ");
    tap_description(out, r->path);
    sb_putc(out, '\n');
    if (r->error) {
        tap_point(out, ++n, false, "rule file");
        sb_puts(out, "  ---\n  file: ");
        sb_json_string(out, r->path);
        sb_puts(out, "\n  error: ");
        sb_json_string(out, r->error);
        sb_puts(out, "\n  ...\n");
        return n;
    }
    for (size_t i = 0; i < r->tests.count; i++) {
        const TestResult *t = &r->tests.items[i];
        tap_point(out, ++n, !t->failed, t->name);
        if (!t->failed) continue;
        sb_puts(out, "  ---\n  file: ");
        sb_json_string(out, r->path);
        sb_printf(out, "\n  line: %d\n  failures:\n", t->line);
        for (size_t k = 0; k < t->failures.count; k++) tap_case(out, &t->failures.items[k]);
        sb_puts(out, "  ...\n");
    }
    if (!has_coverage(r)) return n;
    StrBuf line = {0};
    put_coverage_line(&line, &r->sum);
    if (r->flags & TEST_REQUIRE_FULL) {
        tap_point(out, ++n, r->sum.uncovered == 0, "full coverage");
        if (r->sum.uncovered) {
            sb_puts(out, "  ---\n  coverage: ");
            sb_json_string(out, sb_str(&line));
            sb_puts(out, "\n  uncovered:\n");
            for (size_t i = 0; i < r->uncovered.count; i++) {
                StrBuf item = {0};
                put_item(&item, r, &r->uncovered.items[i]);
                sb_puts(out, "    - ");
                sb_json_string(out, sb_str(&item));
                sb_putc(out, '\n');
                sb_free(&item);
            }
            sb_puts(out, "  ...\n");
        }
    } else {
        sb_printf(out, "# %s\n", sb_str(&line));
        for (size_t i = 0; i < r->uncovered.count; i++) {
            sb_puts(out, "# ");
            put_item(out, r, &r->uncovered.items[i]);
            sb_putc(out, '\n');
        }
    }
    sb_free(&line);
    return n;
}

static void render_tap(const TestReports *rs, StrBuf *out)
{
    int planned = 0;
    for (size_t i = 0; i < rs->count; i++) planned += suite_counts(rs->items[i]).tests;
    sb_printf(out, "TAP version 13\n1..%d\n", planned);   /* not a message: TAP */
    int n = 0;
    for (size_t i = 0; i < rs->count; i++) n = tap_file(out, rs->items[i], n);
    Totals t = totals(rs);
    sb_printf(out, "# %d passed, %d failed\n", t.passed, t.failed);   /* not a message: TAP */
}

/* ---- Markdown: a summary for a merge-request comment ------------------------------------------- */

/* How many failing tests and uncovered items the summary lists (the full report has them all),
 * and how long a difference may be in it. */
enum { MD_LIST = 10, MD_LINE = 300 };

static void md_file_row(StrBuf *out, const TestReport *r)
{
    sb_puts(out, "| ");
    md_code(out, r->path);
    if (r->error) {
        sb_puts(out, tr(" | – | – | – | – | not tested |\n"));
        return;
    }
    sb_printf(out, " | %d | %d | ", r->sum.passed, r->sum.failed);
    if (has_coverage(r)) sb_printf(out, tr("%d of %d | %d"), r->sum.outcomes_covered, r->sum.outcomes, r->sum.uncovered);
    else sb_puts(out, "– | –");
    sb_printf(out, " | %s |\n", testing_failed(r) ? tr("**fails**") : tr("passes"));
}

static void md_failing(StrBuf *out, const TestReports *rs, int nfailed)
{
    int listed = 0;
    sb_printf(out, "\n%s\n\n", nfailed > MD_LIST ? tr("The first failing tests:") : tr("Failing tests:"));
    for (size_t i = 0; i < rs->count && listed < MD_LIST; i++) {
        const TestReport *r = rs->items[i];
        for (size_t k = 0; k < r->tests.count && listed < MD_LIST; k++) {
            const TestResult *t = &r->tests.items[k];
            if (!t->failed) continue;
            listed++;
            char *where = xasprintf("%s:%d", r->path, t->line);
            StrBuf first = {0};
            failure_message(&first, t);
            sb_puts(out, "- ");
            md_code(out, where);
            sb_puts(out, " **");
            md_text(out, t->name, MD_LINE);
            sb_puts(out, "**");
            sb_puts(out, tr(": "));
            md_text(out, sb_str(&first), MD_LINE);
            sb_putc(out, '\n');
            sb_free(&first);
            free(where);
        }
    }
}

static void md_uncovered(StrBuf *out, const TestReports *rs, int nuncovered)
{
    int listed = 0;
    sb_printf(out, "\n%s\n\n", nuncovered > MD_LIST ? tr("The first uncovered items:") : tr("Uncovered items:"));
    for (size_t i = 0; i < rs->count && listed < MD_LIST; i++) {
        const TestReport *r = rs->items[i];
        for (size_t k = 0; k < r->uncovered.count && listed < MD_LIST; k++, listed++) {
            const CoverageItem *it = &r->uncovered.items[k];
            char *where = xasprintf("%s:%u:%u", r->path, it->line, it->col);
            sb_puts(out, "- ");
            md_code(out, where);
            sb_putc(out, ' ');
            md_text(out, msg_text(it->text), MD_LINE);
            sb_putc(out, '\n');
            free(where);
        }
    }
}

static void render_markdown(const TestReports *rs, StrBuf *out)
{
    Totals t = totals(rs);
    sb_printf(out, tr("**%d passed, %d failed.**"), t.passed, t.failed);
    if (t.errors == 1) sb_puts(out, tr(" 1 rule file could not be tested."));
    else if (t.errors) sb_printf(out, tr(" %d rule files could not be tested."), t.errors);
    sb_puts(out, tr("\n\n| rule file | passed | failed | condition outcomes covered | uncovered | verdict |\n"));
    sb_puts(out, "|---|---:|---:|---:|---:|---|\n");
    for (size_t i = 0; i < rs->count; i++) md_file_row(out, rs->items[i]);
    if (t.failed) md_failing(out, rs, t.failed);
    if (t.uncovered) md_uncovered(out, rs, t.uncovered);
}

void testing_render(const TestReports *rs, TestFormat format, StrBuf *out)
{
    switch (format) {
    case TEST_TEXT: render_text(rs, out); break;
    case TEST_JSON: render_json(rs, out); break;
    case TEST_JUNIT: render_junit(rs, out); break;
    case TEST_TAP: render_tap(rs, out); break;
    case TEST_MARKDOWN: render_markdown(rs, out); break;
    }
}
