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
 * behaviour to cover. */
#ifndef DOUDI_TESTING_H
#define DOUDI_TESTING_H

#include "lang/check.h"
#include "vm/program.h"
#include "base/util.h"
#include "vm/vm.h"

enum {
    TEST_COVERAGE = 1,         /* print the coverage summary and the uncovered items */
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

/* Run every test of `rules`, compiled to `p`, on `vm` (p's VM; its params are restored after
 * each case). Writes one line per test, `ok   NAME` or `FAIL NAME` followed by what differed
 * and the explanation of each failing case; with TEST_COVERAGE or TEST_REQUIRE_FULL then a
 * line `coverage: …` and each uncovered item as `FILE:LINE:COL: WHAT never true|never
 * false|never reached|never used`. The closing `N passed, N failed` line is the caller's. */
void testing_run(const Rules *rules, const Program *p, Vm *vm, int flags, StrBuf *out, TestSummary *sum);

#endif
