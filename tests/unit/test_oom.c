/* test_oom.c — running out of memory (base/oom.h, doudi.h "running out of memory").
 *
 * The system's refusal is simulated: oom_fail_after(n) makes the allocation after the next n
 * fail once. Failing the 1st, 2nd, 3rd ... allocation in turn walks through every allocation
 * of a compile and of a run; each time the call must fail cleanly (its blocks freed — counted
 * here, and seen by LeakSanitizer under `make SAN=1 test` — and the ledger unchanged), until
 * n passes the last allocation and the call succeeds with the same result as without any
 * failure. A hook that frees memory and asks to retry makes the call succeed as if nothing
 * had happened. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <cmocka.h>

#include "doudi.h"
#include "base/oom.h"
#include "tmpdir.h"

#include <sqlite3.h>

#define ZHENGZHOU "rules/zhengzhou-2021.doudi"

/* A small rule file that still reaches every stage of the compiler: enums, two keyed records
 * with requires, params, lets, categories, a placement, a schedule, a capacity plan and two
 * forms (the fuzzers' seed of the plan). */
#define SMALL "tests/fuzz/corpus/fuzz_compile/plan-small.doudi"

static int hook_calls;

static int give_up(size_t size, void *ctx)
{
    (void)size, (void)ctx;
    hook_calls++;
    return DOUDI_ALLOC_FAIL;
}

static int retry(size_t size, void *ctx)
{
    (void)size;
    hook_calls++;
    (*(int *)ctx)++;
    return DOUDI_ALLOC_RETRY;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return s;
}

static char *disasm_of(const char *text, size_t len)
{
    char *diag = NULL;
    doudi_rules *r = doudi_compile_string("oom.doudi", text, len, &diag);
    if (!r) fail_msg("%s", diag ? diag : "(no diagnostics)");
    char *d = doudi_disasm(r);
    doudi_free(r);
    doudi_string_free(diag);
    return d;
}

/* Compile `text` failing each allocation in turn; returns how many there were. */
static long compile_failing_each(const char *text, size_t len)
{
    char *want = disasm_of(text, len);
    doudi_set_alloc_failure(give_up, NULL);
    long n = 0;
    for (;; n++) {
        long live = oom_live_blocks();
        oom_fail_after(n);
        char *diag = NULL;
        doudi_rules *r = doudi_compile_string("oom.doudi", text, len, &diag);
        if (r) {
            /* past the last allocation: nothing failed, the program is the usual one */
            assert_false(doudi_out_of_memory());
            oom_fail_after(-1);
            char *got = doudi_disasm(r);
            assert_string_equal(got, want);
            doudi_string_free(got);
            doudi_free(r);
            doudi_string_free(diag);
            free(want);
            break;
        }
        if (!doudi_out_of_memory()) fail_msg("allocation %ld: compile failed, not for memory: %s", n, diag);
        if (oom_live_blocks() != live)
            fail_msg("allocation %ld failed: %ld blocks of the abandoned compile left", n, oom_live_blocks() - live);
        assert_string_equal(diag, "out of memory");
        free(diag);        /* the C library's, as doudi.h allows for this message: not counted */
    }
    doudi_set_alloc_failure(NULL, NULL);
    return n;
}

static void test_compile_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    size_t len;
    char *text = read_file(SMALL, &len);
    long n = compile_failing_each(text, len);
    free(text);
    print_message("[          ] a compile of the small rule file: each of its %ld allocations failed in turn\n", n);
    assert_true(n > 100);
}

/* The same through the Zhengzhou rules. */
static void test_compile_zhengzhou_fails_cleanly(void **state)
{
    (void)state;
    size_t len;
    char *text = read_file(ZHENGZHOU, &len);
    char *want = disasm_of(text, len);
    doudi_set_alloc_failure(give_up, NULL);
    long n = 0, failed = 0;
    for (;; n++) {
        long live = oom_live_blocks();
        oom_fail_after(n);
        char *diag = NULL;
        doudi_rules *r = doudi_compile_string("oom.doudi", text, len, &diag);
        if (r) {
            oom_fail_after(-1);
            char *got = doudi_disasm(r);
            assert_string_equal(got, want);
            doudi_string_free(got);
            doudi_free(r);
            doudi_string_free(diag);
            break;
        }
        assert_true(doudi_out_of_memory());
        assert_int_equal(oom_live_blocks(), live);
        assert_string_equal(diag, "out of memory");
        free(diag);
        failed++;
    }
    doudi_set_alloc_failure(NULL, NULL);
    print_message("[          ] the Zhengzhou rules: each of its %ld allocations failed in turn\n", failed);
    assert_true(failed > 500);
    free(want);
    free(text);
}

/* The process's open file descriptors: an abandoned call must leave none of its own. */
static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.';
    closedir(d);
    return n - 1;   /* the directory's own */
}

/* A compile from a file: the file is closed whichever allocation fails (it is open while its
 * text is read into a buffer that grows). */
static void test_compile_file_closes_its_file(void **state)
{
    (void)state;
    doudi_set_alloc_failure(give_up, NULL);
    int fds = open_fds();
    long n = 0;
    for (;; n++) {
        long live = oom_live_blocks();
        oom_fail_after(n);
        char *diag = NULL;
        doudi_rules *r = doudi_compile_file(SMALL, &diag);
        if (r) {
            oom_fail_after(-1);
            doudi_free(r);
            doudi_string_free(diag);
            break;
        }
        assert_true(doudi_out_of_memory());
        assert_int_equal(oom_live_blocks(), live);
        if (open_fds() != fds) fail_msg("allocation %ld failed: %d descriptors left open", n, open_fds() - fds);
        free(diag);
    }
    doudi_set_alloc_failure(NULL, NULL);
    assert_true(n > 100);
}

static int64_t count_runs(const char *db)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM doudi_runs", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(h);
    return n;
}

/* The entries of a directory (a ledger's -wal and -shm files included). */
static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* A ledger of the fixture's first `persons` persons. */
static doudi_ledger *small_ledger(const char *dir, const char *name, doudi_rules *r, int persons, char **path)
{
    char csv[1024];
    snprintf(csv, sizeof csv, "%s/persons.csv", dir);
    FILE *in = fopen("tests/fixtures/population-3000/persons.csv", "r"), *out = fopen(csv, "w");
    assert_non_null(in);
    assert_non_null(out);
    char line[4096];
    for (int i = 0; i <= persons && fgets(line, sizeof line, in); i++) fputs(line, out);
    fclose(in);
    fclose(out);
    *path = malloc(1024);
    snprintf(*path, 1024, "%s/%s", dir, name);
    char *err = NULL;
    doudi_ledger *l = doudi_ledger_open(*path, &err);
    if (!l) fail_msg("%s", err);
    doudi_import_stats st;
    if (doudi_import(l, r, 0, csv, NULL, NULL, &st, &err) != 0) fail_msg("%s", err);
    assert_int_equal(st.rows, (uint64_t)persons);
    return l;
}

/* A run whose allocation n failed: it failed for memory, saying so, and left no block, no open
 * descriptor and no file (no results or review file, whole or half-written) of its own. */
static void abandoned_cleanly(long n, const char *err, long live, int fds, const char *dir, int files)
{
    if (!doudi_out_of_memory()) fail_msg("allocation %ld: the run failed, not for memory: %s", n, err);
    assert_string_equal(err, "out of memory");
    if (oom_live_blocks() != live)
        fail_msg("allocation %ld failed: %ld blocks of the abandoned run left", n, oom_live_blocks() - live);
    if (open_fds() != fds) fail_msg("allocation %ld failed: %d descriptors left open", n, open_fds() - fds);
    if (count_files(dir) != files) fail_msg("allocation %ld failed: a file was left in %s", n, dir);
}

/* The Zhengzhou rules as of 2021-06-30, and what a run over the fixture's first 40 persons
 * gives when nothing fails (in dir/reference.db; dir/persons.csv holds them): the figures a
 * run that failed at every allocation in turn must reach in the end. */
static doudi_rules *rules_and_reference(const char *dir, doudi_run_stats *want)
{
    char *err = NULL, *ref_path;
    doudi_rules *r = doudi_compile_file(ZHENGZHOU, &err);
    if (!r) fail_msg("%s", err);
    assert_int_equal(doudi_set_param(r, "as_of", "2021-06-30", &err), 0);
    doudi_ledger *ref = small_ledger(dir, "reference.db", r, 40, &ref_path);
    if (doudi_run(ref, r, NULL, NULL, NULL, want, &err) != 0) fail_msg("%s", err);
    doudi_ledger_close(ref);
    free(ref_path);
    return r;
}

static void test_run_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    char *dir = make_tmpdir_tagged("oom");
    char *err = NULL, *path;
    doudi_run_stats want;
    doudi_rules *r = rules_and_reference(dir, &want);
    doudi_ledger *l = small_ledger(dir, "ledger.db", r, 40, &path);
    char results[1024];
    snprintf(results, sizeof results, "%s/results.csv", dir);
    int files = count_files(dir);
    doudi_set_alloc_failure(give_up, NULL);
    /* (SQLite keeps the descriptor of a connection closed beside another for its next open:
     * count_runs's, once it has run) */
    assert_int_equal(count_runs(path), 0);
    int fds = open_fds();
    long n = 0;
    doudi_run_stats got;
    for (;; n++) {
        long live = oom_live_blocks();
        oom_fail_after(n);
        int rc = doudi_run(l, r, results, NULL, NULL, &got, &err);
        if (rc == 0) {
            assert_false(doudi_out_of_memory());
            oom_fail_after(-1);
            break;
        }
        abandoned_cleanly(n, err, live, fds, dir, files);
        free(err);
        err = NULL;
        assert_int_equal(count_runs(path), 0);     /* rolled back: the ledger as it was */
    }
    assert_int_equal(count_files(dir), files + 1);   /* results.csv */
    doudi_set_alloc_failure(NULL, NULL);
    print_message("[          ] a run of 40 persons: each of its %ld allocations failed in turn\n", n);
    assert_true(n > 50);
    /* the run that finally went through is the first the ledger holds, with the reference's
     * figures: the abandoned ones left nothing behind, not even a used run id */
    assert_int_equal(got.run_id, 1);
    assert_int_equal(got.persons, want.persons);
    assert_int_equal(got.targets, want.targets);
    assert_int_equal(got.scheduled, want.scheduled);
    assert_int_equal(got.review, want.review);
    assert_int_equal(count_runs(path), 1);
    doudi_ledger_close(l);
    doudi_free(r);
    free(path);
    remove_tree(dir);
}

/* The streaming run (a CSV read while the run goes on, a results file and a review file
 * written): whichever allocation fails, the call leaves no block, no open descriptor and no
 * file, and the run that finally goes through has the figures of import + run. */
static void test_stream_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    char *dir = make_tmpdir_tagged("oom");
    char *err = NULL;
    doudi_run_stats want;
    doudi_rules *r = rules_and_reference(dir, &want);
    char persons[1024], results[1024], review[1024];
    snprintf(persons, sizeof persons, "%s/persons.csv", dir);
    snprintf(results, sizeof results, "%s/stream-results.csv", dir);
    snprintf(review, sizeof review, "%s/stream-review.csv", dir);
    doudi_stream_options opt = {.persons = persons, .results_path = results, .review_path = review};
    int files = count_files(dir);
    doudi_set_alloc_failure(give_up, NULL);
    int fds = open_fds();
    long n = 0;
    doudi_stream_stats got;
    for (;; n++) {
        long live = oom_live_blocks();
        oom_fail_after(n);
        int rc = doudi_run_stream(r, &opt, NULL, NULL, NULL, &got, &err);
        if (rc == 0) {
            assert_false(doudi_out_of_memory());
            oom_fail_after(-1);
            break;
        }
        abandoned_cleanly(n, err, live, fds, dir, files);
        free(err);
        err = NULL;
    }
    doudi_set_alloc_failure(NULL, NULL);
    print_message("[          ] a streaming run of 40 persons: each of its %ld allocations failed in turn\n", n);
    assert_true(n > 100);
    assert_int_equal(count_files(dir), files + 2);   /* the results and the review file */
    assert_int_equal(got.run.persons, want.persons);
    assert_int_equal(got.run.targets, want.targets);
    assert_int_equal(got.run.scheduled, want.scheduled);
    doudi_free(r);
    remove_tree(dir);
}

static void test_eval_needs_no_memory(void **state)
{
    (void)state;
    char *err = NULL;
    doudi_rules *r = doudi_compile_file(SMALL, &err);
    assert_non_null(r);
    doudi_record *rec = doudi_record_new(r);
    if (doudi_record_parse(rec, "id=410102195001010014, county=410102, birth_date=1950-01-01, dibao=true, grade=1, "
                                "adl_eat=false, adl_walk=true, labor=none", &err))
        fail_msg("%s", err);
    doudi_outcome want, got;
    if (doudi_eval(r, rec, &want, &err)) fail_msg("%s", err);
    doudi_set_alloc_failure(give_up, NULL);
    long n = 0;
    for (;; n++) {
        oom_fail_after(n);
        if (doudi_eval(r, rec, &got, &err) == 0) break;
        assert_true(doudi_out_of_memory());
        doudi_string_free(err);
        err = NULL;
    }
    oom_fail_after(-1);
    doudi_set_alloc_failure(NULL, NULL);
    /* an evaluation allocates nothing (the record's values are read in place, the VM's
     * registers are the rules'): it cannot run out of memory at all */
    assert_int_equal(n, 0);
    assert_int_equal(got.categories, want.categories);
    assert_int_equal(got.placement, want.placement);
    /* a record made while memory runs out is NULL, not half a record */
    doudi_set_alloc_failure(give_up, NULL);
    oom_fail_after(0);
    assert_null(doudi_record_new(r));
    assert_true(doudi_out_of_memory());
    oom_fail_after(-1);
    doudi_set_alloc_failure(NULL, NULL);
    doudi_record_free(rec);
    doudi_free(r);
}

/* A batch with a record it refuses allocates that record's message: failing each allocation in
 * turn, the batch fails whole — no message handed out, none of its blocks left — until it
 * succeeds as without any failure. */
static void test_eval_batch_fails_cleanly(void **state)
{
    (void)state;
    char *err = NULL;
    doudi_rules *r = doudi_compile_file(SMALL, &err);
    assert_non_null(r);
    doudi_record *good = doudi_record_new(r), *empty = doudi_record_new(r);
    if (doudi_record_parse(good, "id=410102195001010014, county=410102, birth_date=1950-01-01, dibao=true, grade=1, "
                                 "adl_eat=false, adl_walk=true, labor=none", &err))
        fail_msg("%s", err);
    const doudi_record *recs[2] = {good, empty};
    doudi_outcome want;
    if (doudi_eval(r, good, &want, &err)) fail_msg("%s", err);
    doudi_outcome outs[2];
    char *errs[2];
    doudi_set_alloc_failure(give_up, NULL);
    long n = 0;
    for (;; n++) {
        long live = oom_live_blocks();
        oom_fail_after(n);
        int rc = doudi_eval_batch(r, recs, 2, outs, errs, &err);
        if (rc >= 0) {
            assert_int_equal(rc, 1);
            break;
        }
        assert_true(doudi_out_of_memory());
        assert_null(errs[0]);
        assert_null(errs[1]);
        if (oom_live_blocks() != live)
            fail_msg("allocation %ld failed: %ld blocks of the abandoned batch left", n, oom_live_blocks() - live);
        assert_string_equal(err, "out of memory");
        free(err);        /* the C library's, as doudi.h allows for this message */
        err = NULL;
    }
    oom_fail_after(-1);
    doudi_set_alloc_failure(NULL, NULL);
    assert_true(n > 0);   /* the refused record's message was allocated */
    assert_null(errs[0]);
    assert_int_equal(outs[0].categories, want.categories);
    assert_int_equal(outs[0].placement, want.placement);
    assert_non_null(errs[1]);
    assert_int_equal(outs[1].category_count, -1);
    doudi_string_free(errs[1]);
    doudi_record_free(good);
    doudi_record_free(empty);
    doudi_free(r);
}

static void test_retry_hook_lets_the_call_succeed(void **state)
{
    (void)state;
    size_t len;
    char *text = read_file(SMALL, &len);
    char *want = disasm_of(text, len);
    int retries = 0;
    hook_calls = 0;
    doudi_set_alloc_failure(retry, &retries);
    oom_fail_after(40);
    char *diag = NULL;
    doudi_rules *r = doudi_compile_string("oom.doudi", text, len, &diag);
    oom_fail_after(-1);
    doudi_set_alloc_failure(NULL, NULL);
    assert_non_null(r);
    assert_int_equal(retries, 1);             /* asked once, for the one refused allocation */
    assert_false(doudi_out_of_memory());
    char *got = doudi_disasm(r);
    assert_string_equal(got, want);
    doudi_string_free(got);
    doudi_free(r);
    free(want);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_hook_lets_the_call_succeed),
        cmocka_unit_test(test_compile_fails_cleanly_at_every_allocation),
        cmocka_unit_test(test_compile_zhengzhou_fails_cleanly),
        cmocka_unit_test(test_compile_file_closes_its_file),
        cmocka_unit_test(test_eval_needs_no_memory),
        cmocka_unit_test(test_eval_batch_fails_cleanly),
        cmocka_unit_test(test_run_fails_cleanly_at_every_allocation),
        cmocka_unit_test(test_stream_fails_cleanly_at_every_allocation),
    };
    return cmocka_run_group_tests_name("oom", tests, NULL, NULL);
}
