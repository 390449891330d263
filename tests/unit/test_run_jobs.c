/* test_run_jobs.c — the pipeline behind `run --jobs N` (src/engine/run_jobs.c), with a source
 * of its own instead of a ledger, so the cases no ledger can stage are deterministic:
 *
 *   - every person comes back once, in the source's order, across many blocks and any number
 *     of workers; unreadable persons with their key and reason, the others evaluated (here all
 *     refused by the record check: their values are zeros, so the id fails its `require`);
 *   - the source failing mid-stream: every person before the failure is taken, then run_jobs
 *     fails with the source's message;
 *   - `take` failing: run_jobs stops there (the workers end; nothing hangs) with its message;
 *   - an empty source. Whether the outcomes equal a one-thread run's is
 *     tests/cli/run_jobs.test.sh's part. */
#include "ledger_helpers.h"

#include "api/api_int.h"
#include "engine/run_jobs.h"

typedef struct Source {
    uint32_t count, fail_at;   /* persons; fail_at: -2 instead of that person (0: never) */
    uint32_t next;
    int32_t date_field;        /* each person's number is put there */
    uint32_t nfields;
    char key[32];
} Source;

/* Every third person unreadable (its key its number), the others zeros but for the number. */
static int source_next(void *ctx, int64_t *values, const char **key, char *why, size_t whylen, char **error)
{
    Source *s = ctx;
    if (s->fail_at && s->next == s->fail_at) {
        *error = strdup("the source broke");
        return -2;
    }
    if (s->next == s->count) return 0;
    uint32_t i = s->next++;
    if (i % 3 == 0) {
        snprintf(s->key, sizeof s->key, "%u", i);
        *key = s->key;
        snprintf(why, whylen, "unreadable %u", i);
        return -1;
    }
    memset(values, 0, s->nfields * sizeof *values);
    values[s->date_field] = i;
    return 1;
}

typedef struct Taken {
    uint32_t count, fail_at;   /* fail_at: `take` fails at that person (0: never) */
    int32_t date_field;
    bool out_of_order;
} Taken;

static bool take(void *ctx, const RunJobsPerson *jp, char **error)
{
    Taken *t = ctx;
    uint32_t i = t->count++;
    if (t->fail_at && i == t->fail_at) {
        *error = strdup("the writer broke");
        return false;
    }
    char want[64];
    if (i % 3 == 0) {
        snprintf(want, sizeof want, "unreadable %u", i);
        if (jp->kind != RUN_JOBS_UNREADABLE || strtoul(jp->key, NULL, 10) != i || strcmp(jp->reason, want))
            t->out_of_order = true;
    } else if (jp->kind != RUN_JOBS_REFUSED || jp->values[t->date_field] != (int64_t)i || !jp->reason[0]) {
        t->out_of_order = true;
    }
    return true;
}

static doudi_rules *rules;

static int setup_rules(void **state)
{
    (void)state;
    rules = compile_rules();
    return 0;
}

static int teardown_rules(void **state)
{
    (void)state;
    doudi_free(rules);
    return 0;
}

static int32_t field_named(const RecordInfo *ri, const char *name)
{
    for (uint32_t i = 0; i < ri->nfields; i++)
        if (!strcmp(ri->fields[i].name, name)) return (int32_t)i;
    fail_msg("no field %s", name);
    return -1;
}

/* Run the pipeline over `count` persons on `workers` workers. */
static bool pipeline(unsigned workers, Source *src, Taken *t, char **error)
{
    const Program *p = rules->prog;
    const RecordInfo *ri = &p->records[0];
    src->date_field = t->date_field = field_named(ri, "birth_date");
    src->nfields = ri->nfields;
    uint32_t regs[] = {p->reg_catmask, p->reg_primary};
    RunJobs job = {.p = p, .vm = rules->vm, .ri = ri, .workers = workers, .next = source_next, .next_ctx = src,
                   .reg_list = regs, .nregs = 2, .take = take, .take_ctx = t};
    *error = NULL;
    return run_jobs(&job, error);
}

static void test_order(void **state)
{
    (void)state;
    unsigned workers[] = {1, 2, 3, 7};
    for (size_t w = 0; w < ARRAY_LEN(workers); w++) {
        Source src = {.count = 5 * RUN_JOBS_BLOCK + 17};
        Taken t = {0};
        char *error;
        assert_true(pipeline(workers[w], &src, &t, &error));
        assert_null(error);
        assert_int_equal(t.count, src.count);
        assert_false(t.out_of_order);
    }
}

static void test_source_fails(void **state)
{
    (void)state;
    Source src = {.count = 4 * RUN_JOBS_BLOCK, .fail_at = 2 * RUN_JOBS_BLOCK + 5};
    Taken t = {0};
    char *error;
    assert_false(pipeline(3, &src, &t, &error));
    assert_non_null(error);
    assert_string_equal(error, "the source broke");
    free(error);
    assert_int_equal(t.count, src.fail_at);   /* everyone before the failure, no one after */
    assert_false(t.out_of_order);
}

static void test_take_fails(void **state)
{
    (void)state;
    Source src = {.count = 40 * RUN_JOBS_BLOCK};
    Taken t = {.fail_at = RUN_JOBS_BLOCK + 3};
    char *error;
    assert_false(pipeline(2, &src, &t, &error));
    assert_non_null(error);
    assert_string_equal(error, "the writer broke");
    free(error);
    assert_int_equal(t.count, t.fail_at + 1);
    /* the workers stopped: at most the ring (two blocks per worker and two) was read ahead */
    assert_true(src.next <= (2 * 2 + 2 + 2) * RUN_JOBS_BLOCK);
}

static void test_empty(void **state)
{
    (void)state;
    Source src = {.count = 0};
    Taken t = {0};
    char *error;
    assert_true(pipeline(2, &src, &t, &error));
    assert_int_equal(t.count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_source_fails),
        cmocka_unit_test(test_take_fails),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, setup_rules, teardown_rules);
}
