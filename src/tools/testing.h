/* testing.h — running a rule file's tests (`example`, `test`) and measuring their coverage.
 *
 * A test is one or more cases, `given [EXAMPLE] { … } expect { … }`. Each case is a person: the
 * fields' declared defaults, then the example's values, then the case's own (a value naming a
 * param overrides that param while the case is evaluated). The person is validated as the
 * importer validates a row (every field without a default given, ranges, `require`s), evaluated
 * by a traced run of the program, and its results compared with `expect`. The cases of one test
 * are one population: the centralized targets among them are scheduled together, per the
 * schedule's partition, so `year` can be expected of a group (a test of one case is a
 * population of one: rank 0 of 1, placed in the first year whose share is above 0%).
 *
 * Expect keys: a field, a param or a let (its value), a category (true/false), `categories`
 * (the exact set; {} for a person who is not a target), `primary`, `category_count`, the
 * placement's name, `year`, `cite` (the citation of the placement branch that fired) and —
 * when no declared name is `rejected` — `rejected: "TEXT"`: the record must be refused, for a
 * reason containing TEXT.
 *
 * Coverage, from the same traced runs: whether some case made each category true and some
 * false, each placement branch fire and be passed over, each condition (atom) of a category or
 * a branch true and false (an atom short-circuiting skipped was not evaluated), and each
 * schedule quota group (a category of an `each` line, or a whole `pool` line) receive someone.
 * The last branch of a placement is not required to be passed over (nor an atom that, false,
 * makes it so): that would leave a target with no placement, a gap in the rules rather than a
 * behaviour to cover.
 *
 * The run builds a TestReport — each test's verdict, the failing cases with what differed and
 * the explanation, the coverage and each uncovered item — and renderers write it (text, JSON,
 * JUnit XML, TAP 13; testing_render.c): nothing is formatted while the tests run. */
#ifndef DOUDI_TESTING_H
#define DOUDI_TESTING_H

#include "lang/check.h"
#include "vm/program.h"
#include "base/util.h"
#include "vm/vm.h"

enum {
    TEST_COVERAGE = 1,         /* measure the coverage and report the uncovered items */
    TEST_REQUIRE_FULL = 2,     /* the same; anything uncovered makes the run fail */
};

typedef struct TestSummary {
    int passed, failed;        /* tests (a test with an error counts as failed) */
    /* coverage: covered of total */
    int outcomes_covered, outcomes;       /* condition outcomes (true, false) of atoms */
    int categories_covered, categories;   /* made true and made false */
    int branches_covered, branches;       /* fired, and passed over */
    int groups_covered, groups;           /* schedule quota groups that received someone */
    int uncovered;             /* items listed as uncovered */
} TestSummary;

/* One expect entry that did not hold. */
typedef struct TestDifference {
    char *key;                 /* the expect key, as written */
    char *expected, *actual;   /* values as a rule file writes them; actual "none" when there is
                                  none, "accepted" for a rejection that did not come */
    char *note;                /* instead of expected/actual: why it cannot be compared */
    /* for `doudi test --update`: where the expected value is written in the rule file, and
     * the actual value as the rule file would write it (NULL when it cannot be written: none,
     * a rejection that did not come, a value that cannot be compared) */
    uint32_t start, end;       /* byte offsets of the expected value (end 0: not known) */
    int line;
    char *literal;
} TestDifference;

/* A case of a test that failed. */
typedef struct TestCaseResult {
    uint32_t number;           /* 1-based, within its test */
    int line;                  /* of its `given` */
    char *base;                /* the example it starts from, or NULL */
    char *error;               /* it could not be evaluated: a defect of the test itself */
    VEC(TestDifference) diffs;
    char *explanation;         /* the explanation of its run (doudi explain's text), or NULL */
} TestCaseResult;

typedef struct TestResult {
    char *name;                /* the test's label */
    int line;
    uint32_t ncases;
    bool failed;
    VEC(TestCaseResult) failures;         /* its failing cases, in order */
} TestResult;

/* Something the tests never made happen: "category old never false". */
typedef struct CoverageItem {
    uint32_t line, col;
    char *text;
} CoverageItem;

/* The tests of one rule file. */
typedef struct TestReport {
    char *path;                /* the rule file, as given */
    char *error;               /* the file could not be tested (rule errors, a .ddc), or NULL */
    int flags;                 /* TEST_COVERAGE, TEST_REQUIRE_FULL */
    VEC(TestResult) tests;
    TestSummary sum;
    VEC(CoverageItem) uncovered;          /* sorted by position */
} TestReport;

typedef VEC(TestReport *) TestReports;

typedef enum TestFormat { TEST_TEXT, TEST_JSON, TEST_JUNIT, TEST_TAP, TEST_MARKDOWN } TestFormat;

/* Run every test of `rules`, compiled to `p`, on `vm` (p's VM; its params are restored after
 * each case), with coverage when flags ask for it. The report is the caller's (testing_free). */
TestReport *testing_run(const Rules *rules, const Program *p, Vm *vm, int flags, const char *path);
/* The report of a file that could not be tested, and why. */
TestReport *testing_error(const char *path, const char *message);
void testing_free(TestReport *r);
/* True when the report fails the run: a test failed, the file could not be tested, or (with
 * TEST_REQUIRE_FULL) something is uncovered. */
bool testing_failed(const TestReport *r);

/* One file's report as text: a line per test, `ok   NAME` or `FAIL NAME` followed by what
 * differed and the explanation of each failing case; with coverage then a line `coverage: …`
 * and each uncovered item as `FILE:LINE:COL: WHAT never true|never false|never reached|never
 * used`; for a file that could not be tested, `FILE: not tested: WHY`. */
void testing_render_file(const TestReport *r, StrBuf *out);
/* Every file's reports as one document:
 *   text   each file's text (after a line `== FILE` when there are several), then
 *          `N passed, N failed`;
 *   json   {"files": [...], "passed": N, "failed": N, "errors": N, "uncovered": N};
 *   junit  JUnit XML: a <testsuite> per file, a <testcase> per test (a <failure> with what
 *          differed and the explanation; an <error> for a case that cannot be evaluated), the
 *          coverage as <properties>, and with TEST_REQUIRE_FULL a testcase "full coverage";
 *   tap    TAP version 13: a test point per test (and per file's full coverage, when
 *          required), YAML diagnostics under each that failed;
 *   markdown  a summary for a merge-request comment: a row per file, the first failing tests
 *          with their first difference, the first uncovered items (a few kilobytes at most).
 * Ids are as the tests give them (test data is synthetic). */
void testing_render(const TestReports *rs, TestFormat format, StrBuf *out);

/* `doudi test --update` (testing_update.c): `text` (the rule file r was made from, `len`
 * bytes) with every expected value that differed rewritten to the actual value, into `out`;
 * nothing else of the text changes (comments, spacing, alignment stay). A test of which some
 * expectation cannot be rewritten — a case that could not be evaluated, an actual value that
 * no rule text writes (`none`, a rejection that did not come, a value that cannot be compared)
 * — is left as it is, all of it. `changes` gets a line per rewritten value, `FILE:LINE: KEY:
 * OLD → NEW`; `untouched` a line per test left as it is, `FILE:LINE: test "NAME" not
 * rewritten: WHY`. Returns how many values were rewritten. */
size_t testing_update(const TestReport *r, const char *text, size_t len, StrBuf *out, StrBuf *changes,
                      StrBuf *untouched);

#endif
