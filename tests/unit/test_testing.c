/* test_testing.c — `doudi test` in the library (doudi_test, src/testing.c): a rule file's own
 * tests run, compared and reported, and their coverage measured. Rule files are strings; the
 * output is read back from a memory stream and compared with the exact text expected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "doudi.h"

/* A small rule file: lines are numbered in the comments of the coverage test. */
#define TINY                                                                                 \
    "record person {\n"                                             /*  1 */                 \
    "  id:     text key\n"                                          /*  2 */                 \
    "  county: text default \"c\"\n"                                /*  3 */                 \
    "  age:    int in 0..150\n"                                     /*  4 */                 \
    "  poor:   bool\n"                                              /*  5 */                 \
    "  alone:  bool default false\n"                                /*  6 */                 \
    "  require age != 99 \"age 99 is not allowed\"\n"              /*  7 */                 \
    "}\n"                                                           /*  8 */                 \
    "param as_of: date = 2021-04-01\n"                              /*  9 */                 \
    "let elderly = age >= 60\n"                                     /* 10 */                 \
    "category old \"老人\" cite \"A\" when elderly and poor\n"      /* 11 */                 \
    "category lonely when alone or age > 90\n"                      /* 12 */                 \
    "enum care_mode { home, institution }\n"                        /* 13 */                 \
    "placement care: care_mode first match {\n"                     /* 14 */                 \
    "  institution when alone and elderly cite \"B\"\n"             /* 15 */                 \
    "  home        when poor              cite \"C\"\n"             /* 16 */                 \
    "}\n"                                                           /* 17 */                 \
    "schedule per county when care != home order by age desc, id {\n" /* 18 */               \
    "  each old, lonely: 2021: 50%, 2022: 100%\n"                   /* 19 */                 \
    "}\n"                                                           /* 20 */                 \
    "example e { id: \"1\", age: 70, poor: true }\n"                /* 21 */

/* Compile `text` (TINY followed by some tests) and run its tests; returns doudi_test's result
 * and the output in *out (caller frees). */
static int test_text(const char *text, int flags, char **out, int *passed, int *failed)
{
    char *diags = NULL;
    doudi_rules *r = doudi_compile_string("t.doudi", text, strlen(text), &diags);
    if (!r) print_error("%s\n", diags ? diags : "(no diagnostics)");
    doudi_string_free(diags);
    assert_non_null(r);
    size_t len = 0;
    FILE *f = open_memstream(out, &len);
    assert_non_null(f);
    char *err = NULL;
    int rc = doudi_test(r, f, flags, passed, failed, &err);
    fclose(f);
    if (rc < 0) print_error("doudi_test: %s\n", err ? err : "");
    doudi_string_free(err);
    doudi_free(r);
    return rc;
}

static void test_passing(void **state)
{
    (void)state;
    char *out = NULL;
    int passed = -1, failed = -1;
    int rc = test_text(TINY
                       "test \"old and poor stays at home\" {\n"
                       "  given e {}\n"
                       "  expect { categories: {old}, primary: old, category_count: 1, old: true,\n"
                       "           lonely: false, elderly: true, care: home, cite: \"C\", age: 70 }\n"
                       "}\n",
                       0, &out, &passed, &failed);
    assert_int_equal(rc, 0);
    assert_int_equal(passed, 1);
    assert_int_equal(failed, 0);
    assert_string_equal(out, "ok   old and poor stays at home\n");
    free(out);
}

static void test_failing(void **state)
{
    (void)state;
    char *out = NULL;
    int passed = -1, failed = -1;
    int rc = test_text(TINY
                       "test \"wrong on purpose\" {\n"
                       "  given e { alone: true }\n"
                       "  expect { care: home, lonely: false, categories: {old}, cite: \"C\", year: 2022 }\n"
                       "}\n",
                       0, &out, &passed, &failed);
    assert_int_equal(rc, 1);
    assert_int_equal(passed, 0);
    assert_int_equal(failed, 1);
    const char *head = "FAIL wrong on purpose\n"
                       "  care: expected home, got institution\n"
                       "  lonely: expected false, got true\n"
                       "  categories: expected {old}, got {old, lonely}\n"
                       "  cite: expected \"C\", got \"B\"\n"
                       "  year: expected 2022, got 2021\n"
                       "  explanation:\n"
                       "    person id: 1\n";
    if (strncmp(out, head, strlen(head))) print_error("got:\n%s\n", out);
    assert_memory_equal(out, head, strlen(head));
    /* the explanation is doudi_explain's text, indented */
    assert_non_null(strstr(out, "\n    placement care: institution   [B]\n"));
    assert_non_null(strstr(out, "\n          true   alone\n"));
    free(out);
}

static void test_errors_and_rejections(void **state)
{
    (void)state;
    char *out = NULL;
    int passed = -1, failed = -1;
    int rc = test_text(TINY
                       "test \"a required field missing\" {\n"
                       "  given { id: \"2\" }\n"
                       "  expect { old: false }\n"
                       "}\n"
                       "test \"expected rejection\" {\n"
                       "  given e { age: 99 }\n"
                       "  expect { rejected: \"age 99\" }\n"
                       "}\n"
                       "test \"unexpected rejection\" {\n"
                       "  given e { age: 151 }\n"
                       "  expect { old: true }\n"
                       "}\n"
                       "test \"a rejection that does not come\" {\n"
                       "  given e {}\n"
                       "  expect { rejected: \"age 99\" }\n"
                       "}\n",
                       0, &out, &passed, &failed);
    assert_int_equal(rc, 1);
    assert_int_equal(passed, 1);
    assert_int_equal(failed, 3);
    const char *want = "FAIL a required field missing\n"
                       "  error: no value for the field 'age', which has no default: give it in the test, or add "
                       "`default 0` to its declaration (t.doudi:4:3)\n"
                       "ok   expected rejection\n"
                       "FAIL unexpected rejection\n"
                       "  error: the record is rejected: age: 151 is outside 0..150\n"
                       "FAIL a rejection that does not come\n"
                       "  rejected: expected \"age 99\", got accepted\n"
                       "  explanation:\n";
    if (strncmp(out, want, strlen(want))) print_error("got:\n%s\n", out);
    assert_memory_equal(out, want, strlen(want));
    free(out);
}

/* Several cases are one population: N = 3 in one county, 50% by 2021 (⌈1.5⌉ = 2), ranked by
 * age; the third county's person is alone in hers; the param given in a case is that case's. */
static void test_population_and_params(void **state)
{
    (void)state;
    char *out = NULL;
    int passed = -1, failed = -1;
    int rc = test_text(TINY
                       "test \"half by 2021, oldest first\" {\n"
                       "  given e { id: \"a\", alone: true, age: 80 }  expect { year: 2021 }\n"
                       "  given e { id: \"b\", alone: true, age: 70 }  expect { year: 2022, care: institution }\n"
                       "  given e { id: \"c\", alone: true, age: 75 }  expect { year: 2021 }\n"
                       "  given e { id: \"d\", alone: true, age: 61, county: \"x\" }  expect { year: 2021 }\n"
                       "  given e { id: \"h\", age: 95 }  expect { care: home }\n"
                       "}\n"
                       "test \"as_of given\" {\n"
                       "  given e { as_of: 2020-01-01 }  expect { as_of: 2020-01-01 }\n"
                       "  given e { id: \"2\" }  expect { as_of: 2021-04-01 }\n"
                       "}\n"
                       "test \"one id twice\" {\n"
                       "  given e {}  expect { old: true }\n"
                       "  given e {}  expect { old: true }\n"
                       "}\n",
                       0, &out, &passed, &failed);
    assert_int_equal(rc, 1);
    assert_int_equal(passed, 2);
    assert_int_equal(failed, 1);
    const char *want = "ok   half by 2021, oldest first\n"
                       "ok   as_of given\n"
                       "FAIL one id twice\n"
                       "  case 2 of 2 (line 35, given e):\n"
                       "    error: id 1 is also case 1's: a population has one record per id\n";
    if (strcmp(out, want)) print_error("got:\n%s\n", out);
    assert_string_equal(out, want);
    free(out);
}

/* With one test, most of TINY is uncovered; each item at its line and column. */
static void test_coverage(void **state)
{
    (void)state;
    char *out = NULL;
    int passed = -1, failed = -1;
    const char *text = TINY
        "test \"old and poor stays at home\" {\n"
        "  given e {}\n"
        "  expect { care: home }\n"
        "}\n";
    int rc = test_text(text, DOUDI_TEST_COVERAGE, &out, &passed, &failed);
    assert_int_equal(rc, 0);
    /* atoms: old 2 + 2, lonely 2 + 2, institution 2 + 2, home 1 (the last branch is not
     * required to be false): 13; seen: elderly T, poor T (old), alone F, age > 90 F (lonely),
     * alone F (institution; elderly short-circuited), poor T (home): 6 */
    const char *want =
        "ok   old and poor stays at home\n"
        "coverage: 6 of 13 condition outcomes, 0/2 categories, 1/2 branches, 0/2 schedule groups\n"
        "t.doudi:11:10: category old never false\n"
        "t.doudi:11:33: condition 'elderly' of category old never false\n"
        "t.doudi:11:45: condition 'poor' of category old never false\n"
        "t.doudi:12:10: category lonely never true\n"
        "t.doudi:12:22: condition 'alone' of category lonely never true\n"
        "t.doudi:12:31: condition 'age > 90' of category lonely never true\n"
        "t.doudi:15:3: branch 1 institution never true\n"
        "t.doudi:15:20: condition 'alone' of branch 1 institution never true\n"
        "t.doudi:15:30: condition 'elderly' of branch 1 institution never reached\n"
        "t.doudi:19:8: schedule group of old never used\n"
        "t.doudi:19:13: schedule group of lonely never used\n";
    if (strcmp(out, want)) print_error("got:\n%s\n", out);
    assert_string_equal(out, want);
    free(out);
    /* the same with full coverage required: the run fails, the tests still pass */
    rc = test_text(text, DOUDI_TEST_REQUIRE_FULL_COVERAGE, &out, &passed, &failed);
    assert_int_equal(rc, 1);
    assert_int_equal(passed, 1);
    assert_int_equal(failed, 0);
    assert_non_null(strstr(out, "coverage: 6 of 13 condition outcomes"));
    free(out);
}

/* Enough tests to cover everything of TINY: the last branch never false is fine. */
static void test_full_coverage(void **state)
{
    (void)state;
    char *out = NULL;
    int passed = -1, failed = -1;
    int rc = test_text(TINY
                       "test \"t1\" { given e {} expect { care: home } }\n"
                       "test \"t2\" { given e { poor: false } expect { categories: {} } }\n"
                       "test \"t3\" { given e { age: 40 } expect { categories: {} } }\n"
                       "test \"t4\" { given e { alone: true } expect { categories: {old, lonely}, care: institution, year: 2021 } }\n"
                       "test \"t5\" { given e { age: 95, poor: false, alone: true } expect { primary: lonely, year: 2021 } }\n"
                       "test \"t6\" { given e { age: 95 } expect { categories: {old, lonely}, care: home } }\n"
                       "test \"t7\" { given e { age: 40, alone: true } expect { categories: {lonely}, care: home } }\n",
                       DOUDI_TEST_REQUIRE_FULL_COVERAGE, &out, &passed, &failed);
    const char *want = "ok   t1\nok   t2\nok   t3\nok   t4\nok   t5\nok   t6\nok   t7\n"
                       "coverage: 13 of 13 condition outcomes, 2/2 categories, 2/2 branches, 2/2 schedule groups\n";
    if (strcmp(out, want)) print_error("got:\n%s\n", out);
    assert_string_equal(out, want);
    assert_int_equal(rc, 0);
    assert_int_equal(passed, 7);
    free(out);
}

/* The checker's side of the test syntax: `rejected` stands alone; an expect key twice. */
static void test_check(void **state)
{
    (void)state;
    const char *text = TINY
        "test \"t\" { given e {} expect { rejected: \"x\", old: true } }\n"
        "test \"u\" { given e {} expect { old: true, old: false } }\n";
    char *diags = NULL;
    doudi_rules *r = doudi_compile_string("t.doudi", text, strlen(text), &diags);
    assert_null(r);
    assert_non_null(diags);
    assert_non_null(strstr(diags, "t.doudi:22:32: error: a test case that expects 'rejected' expects nothing else"));
    assert_non_null(strstr(diags, "t.doudi:23:43: error: 'old' is expected twice"));
    doudi_string_free(diags);
}

/* Compiled rules keep no tests: doudi_test refuses a .ddc. */
static void test_compiled_file(void **state)
{
    (void)state;
    const char *text = TINY "test \"t\" { given e {} expect { old: true } }\n";
    char *err = NULL;
    doudi_rules *r = doudi_compile_string("t.doudi", text, strlen(text), &err);
    assert_non_null(r);
    char path[] = "/tmp/doudi-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(doudi_save(r, path, &err), 0);
    doudi_free(r);
    r = doudi_load(path, &err);
    assert_non_null(r);
    int passed = -1, failed = -1;
    assert_int_equal(doudi_test(r, NULL, 0, &passed, &failed, &err), -1);
    assert_string_equal(err, "running tests needs the rule file itself, not a compiled .ddc");
    assert_int_equal(passed, 0);
    assert_int_equal(failed, 0);
    doudi_string_free(err);
    doudi_free(r);
    remove(path);
}

/* `doudi fmt` keeps a test's several cases, one after the other. */
static void test_fmt_cases(void **state)
{
    (void)state;
    char path[] = "/tmp/doudi-fmt-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(TINY "test \"two\" { given e { id: \"a\" } expect { year: 2021 } given e {} expect {} }\n", f);
    fclose(f);
    char *diags = NULL;
    char *text = doudi_format_file(path, &diags);
    assert_non_null(text);
    const char *want = "test \"two\" {\n"
                       "  given e {\n"
                       "    id: \"a\"\n"
                       "  }\n"
                       "  expect {\n"
                       "    year: 2021\n"
                       "  }\n"
                       "  given e {}\n"
                       "  expect {}\n"
                       "}\n";
    const char *at = strstr(text, "test \"two\"");
    if (!at || strcmp(at, want)) print_error("got:\n%s\n", text);
    assert_non_null(at);
    assert_string_equal(at, want);
    doudi_string_free(text);
    doudi_string_free(diags);
    remove(path);
}

/* Several files' results in one document: a passing and a failing test of TINY, and a file
 * that could not be tested. Each format's lines as worked out from the tests. */
static void test_results_formats(void **state)
{
    (void)state;
    const char *text = TINY
        "test \"passes\" { given e {} expect { care: home } }\n"
        "test \"fails # here\" {\n"
        "  given e { alone: true }\n"
        "  expect { care: home }\n"
        "}\n";
    char *diags = NULL, *err = NULL;
    doudi_rules *r = doudi_compile_string("t.doudi", text, strlen(text), &diags);
    assert_non_null(r);
    doudi_string_free(diags);
    doudi_test_results *res = doudi_test_results_new();
    assert_int_equal(doudi_test_collect(res, r, "t.doudi", DOUDI_TEST_REQUIRE_FULL_COVERAGE, &err), 1);
    doudi_test_results_error(res, "x.doudi", "the rule file has errors");
    doudi_test_counts n;
    doudi_test_results_counts(res, &n);
    assert_int_equal(n.files, 2);
    assert_int_equal(n.failing_files, 2);
    assert_int_equal(n.passed, 1);
    assert_int_equal(n.failed, 1);
    assert_int_equal(n.errors, 1);

    char *tap = doudi_test_results_render(res, "tap", &err);
    const char *tap_head = "TAP version 13\n1..4\n# t.doudi\nok 1 - passes\nnot ok 2 - fails \\# here\n"
                           "  ---\n  file: \"t.doudi\"\n  line: 23\n  failures:\n    - case: 1\n      line: 24\n"
                           "      given: \"e\"\n      differences:\n        - \"care: expected home, got institution\"\n"
                           "      explanation: |2\n        person id: 1\n";
    if (strncmp(tap, tap_head, strlen(tap_head))) print_error("got:\n%s\n", tap);
    assert_memory_equal(tap, tap_head, strlen(tap_head));
    assert_non_null(strstr(tap, "\n  ...\nnot ok 3 - full coverage\n  ---\n  coverage: \"coverage: "));
    assert_non_null(strstr(tap, "\n# x.doudi\nnot ok 4 - rule file\n  ---\n  file: \"x.doudi\"\n"
                                "  error: \"the rule file has errors\"\n  ...\n# 1 passed, 1 failed\n"));
    doudi_string_free(tap);

    char *xml = doudi_test_results_render(res, "junit", &err);
    assert_non_null(strstr(xml, "<testsuites name=\"doudi test\" tests=\"4\" failures=\"2\" errors=\"1\">\n"
                                "  <testsuite name=\"t.doudi\" tests=\"3\" failures=\"2\" errors=\"0\" skipped=\"0\" "
                                "file=\"t.doudi\">\n"));
    assert_non_null(strstr(xml, "    <testcase name=\"passes\" classname=\"t.doudi\"/>\n"
                                "    <testcase name=\"fails # here\" classname=\"t.doudi\">\n"
                                "      <failure type=\"expectation\" message=\"care: expected home, got institution\">"
                                "t.doudi:23: fails # here\n  care: expected home, got institution\n  explanation:\n"));
    assert_non_null(strstr(xml, "  <testsuite name=\"x.doudi\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" "
                                "file=\"x.doudi\">\n    <properties/>\n    <testcase name=\"rule file\" classname=\"x.doudi\">\n"
                                "      <error type=\"rule-file\" message=\"the rule file has errors\"/>\n"));
    doudi_string_free(xml);

    char *txt = doudi_test_results_render(res, "text", &err);
    assert_non_null(strstr(txt, "== t.doudi\nok   passes\nFAIL fails # here\n  care: expected home, got institution\n"));
    assert_non_null(strstr(txt, "\n== x.doudi\nx.doudi: not tested: the rule file has errors\n1 passed, 1 failed\n"));
    doudi_string_free(txt);

    assert_null(doudi_test_results_render(res, "xml", &err));
    assert_string_equal(err, "unknown format 'xml' (text, json, junit, tap or markdown)");
    doudi_string_free(err);
    doudi_test_results_free(res);
    doudi_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passing),
        cmocka_unit_test(test_failing),
        cmocka_unit_test(test_errors_and_rejections),
        cmocka_unit_test(test_population_and_params),
        cmocka_unit_test(test_coverage),
        cmocka_unit_test(test_full_coverage),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_compiled_file),
        cmocka_unit_test(test_fmt_cases),
        cmocka_unit_test(test_results_formats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
