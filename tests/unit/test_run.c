/* test_run.c — `doudi_run` (src/run.c, src/schedule.c): evaluating the ledger and storing a run.
 *
 *   - the hand-checked population of tests/fixtures/ledger (its README works every line out):
 *     the results file byte for byte, the run's counts, the same bytes on a second run;
 *   - persons the rules cannot evaluate go to review with the reason, not into the results,
 *     and the schedule is computed without them (quotas of 6 instead of 7, by hand);
 *   - a run is one transaction: a failure mid-run (a trigger refusing one result, a results
 *     file that cannot be written), and a process killed mid-run (SIGKILL from the progress
 *     callback, in a child), leave runs, results, review and the form tables exactly as they
 *     were, and the next run succeeds;
 *   - a re-imported change moves exactly the person it changes;
 *   - doudi_ledger_record, doudi_explain and doudi_mask_ids on a stored person.
 * The fixture, review and one-transaction cases run again on three threads (run --jobs 3,
 * src/api/jobs.h): the same results and tables, and a failure mid-run on a worker-fed writer
 * rolls everything back alike. */
#include "ledger_helpers.h"

#include "api/jobs.h"

#include <signal.h>
#include <sys/wait.h>

#define FIXTURE_PERSONS "tests/fixtures/ledger/persons.csv"
#define FIXTURE_RESULTS "tests/fixtures/ledger/expected_results.csv"

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

/* ---- a ledger in a scratch directory ------------------------------------------------------ */

typedef struct Scratch {
    char *dir, *db;
} Scratch;

static void import_into(const char *db, const char *csv, uint64_t want_rows)
{
    char *err = NULL;
    doudi_ledger *l = doudi_ledger_open(db, &err);
    assert_non_null(l);
    doudi_import_stats st;
    int rc = doudi_import(l, rules, 0, csv, NULL, NULL, &st, &err);
    if (rc) print_error("import %s: %s\n", csv, err ? err : "?");
    assert_int_equal(rc, 0);
    assert_int_equal(st.rows, want_rows);
    assert_int_equal(st.review, 0);
    doudi_ledger_close(l);
}

static Scratch fixture_ledger(void)
{
    Scratch lg = {make_tmpdir(), NULL};
    lg.db = path_in(lg.dir, "doudi.db");
    import_into(lg.db, FIXTURE_PERSONS, 17);
    return lg;
}

static void ledger_free(Scratch *lg)
{
    free(lg->db);
    remove_tree(lg->dir);
}

typedef struct Run {
    int rc;
    doudi_run_stats st;
    char *error;
} Run;

/* The threads a run takes here: 1 is doudi_run itself. */
static unsigned run_threads = 1;

static int on_three_threads(void **state)
{
    (void)state;
    run_threads = 3;
    return 0;
}

static int on_one_thread(void **state)
{
    (void)state;
    run_threads = 1;
    return 0;
}

static Run run_ledger(const char *db, const char *results, doudi_progress_fn progress, void *ctx)
{
    Run r = {0};
    doudi_ledger *l = doudi_ledger_open(db, &r.error);
    assert_non_null(l);
    if (run_threads == 1) r.rc = doudi_run(l, rules, results, progress, ctx, &r.st, &r.error);
    else r.rc = doudi_run_jobs(l, rules, run_threads, results, progress, ctx, &r.st, &r.error);
    doudi_ledger_close(l);
    return r;
}

static void assert_run(const Run *r, int64_t id, uint64_t persons, uint64_t targets, uint64_t scheduled,
                       uint64_t review)
{
    if (r->rc) print_error("run failed: %s\n", r->error ? r->error : "?");
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->st.run_id, id);
    assert_int_equal(r->st.persons, persons);
    assert_int_equal(r->st.targets, targets);
    assert_int_equal(r->st.scheduled, scheduled);
    assert_int_equal(r->st.review, review);
    assert_string_equal(r->st.as_of, "2021-04-01");
}

/* Every table a run writes, as text. */
static char *dump_run_tables(const char *db)
{
    static const char *const sql[] = {
        "SELECT id, rules_sha256, as_of, started_at, finished_at, persons, targets, centralized, in_review FROM doudi_runs ORDER BY id",
        "SELECT * FROM doudi_results ORDER BY run, key",
        "SELECT * FROM doudi_review ORDER BY id",
        "SELECT * FROM doudi_form_counts ORDER BY run, form, partition, row, col",
        "SELECT * FROM doudi_capacity_plan ORDER BY run, partition, type",
        "SELECT * FROM doudi_capacity_years ORDER BY run, partition, type, year",
    };
    Buf b = {0};
    for (size_t i = 0; i < ARRAY_LEN(sql); i++) {
        char *t = query(db, sql[i]);
        buf_printf(&b, "-- %s\n", sql[i]);
        buf_puts(&b, t);
        free(t);
    }
    return buf_take(&b);
}

/* ---- 5. the hand-checked population ----------------------------------------------------------- */

static void test_fixture_results(void **state)
{
    (void)state;
    Scratch lg = fixture_ledger();
    char *out1 = path_in(lg.dir, "results1.csv"), *out2 = path_in(lg.dir, "results2.csv");
    Run r = run_ledger(lg.db, out1, NULL, NULL);
    assert_run(&r, 1, 17, 15, 14, 0);
    size_t want_len, got_len;
    char *want = slurp(FIXTURE_RESULTS, &want_len);
    assert_non_null(want);
    char *got = slurp(out1, &got_len);
    assert_non_null(got);
    assert_text_equal(got, want);                  /* shows the difference */
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got, want, want_len);
    /* determinism: a second run writes the same bytes */
    Run r2 = run_ledger(lg.db, out2, NULL, NULL);
    assert_run(&r2, 2, 17, 15, 14, 0);
    char *got2 = slurp(out2, &got_len);
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got2, want, want_len);
    /* and the stored results of the two runs agree, fired rule included */
    char *a = query(lg.db, "SELECT key, categories, primary_category, placement, quote(year), fired FROM doudi_results WHERE run = 1");
    char *b = query(lg.db, "SELECT key, categories, primary_category, placement, quote(year), fired FROM doudi_results WHERE run = 2");
    assert_text_equal(b, a);
    char *runs = query(lg.db, "SELECT id, rules_path, as_of, persons, targets, centralized, in_review, "
                              "finished_at IS NOT NULL, length(rules_sha256) FROM doudi_runs");
    assert_text_equal(runs, "1|" RULES "|2021-04-01|17|15|14|0|1|64\n2|" RULES "|2021-04-01|17|15|14|0|1|64\n");
    /* the fired branch names the placement rule and its citation */
    char *fired = query(lg.db, "SELECT fired FROM doudi_results WHERE run = 1 AND key = '410122196511301030'");
    assert_non_null(strstr(fired, "branch 1: home"));
    assert_non_null(strstr(fired, "四、¶1"));
    free(fired);
    free(runs);
    free(a);
    free(b);
    free(want);
    free(got);
    free(got2);
    free(r.error);
    free(r2.error);
    free(out1);
    free(out2);
    ledger_free(&lg);
}

/* ---- review at run time ------------------------------------------------------------------------ */

/* Stored values the rules cannot evaluate (changed behind doudi's back, or by an older rule
 * file): each person to review with the reason, out of the results; the schedule is computed
 * without them. D7 gone, the 410122 disabled_care group has N = 6: quotas ⌈1.8⌉ = 2 for 2021,
 * ⌈3.6⌉ = 4 for 2022 — D1, D2 in 2021; D3, D4 in 2022; D5, D6 in 2023. */
static void test_review_at_run(void **state)
{
    (void)state;
    Scratch lg = fixture_ledger();
    exec_sql(lg.db, "UPDATE person SET disability_grade = 9 WHERE id = '410122197508080710'");   /* D7 */
    exec_sql(lg.db, "UPDATE person SET sex = 'unknown' WHERE id = '410122198001011147'");        /* N1 */
    exec_sql(lg.db, "UPDATE person SET sex = 'male' WHERE id = '410181199010100269'");           /* S2 */
    exec_sql(lg.db, "UPDATE person SET county = NULL WHERE id = '410181196104020602'");          /* N2 */
    char *out = path_in(lg.dir, "results.csv");
    Run r = run_ledger(lg.db, out, NULL, NULL);
    assert_run(&r, 1, 17, 13, 12, 4);
    char *got = query(lg.db, "SELECT source, line, col, reason, raw, record, run FROM doudi_review ORDER BY raw");
    assert_text_equal(got,
                      "run 1|0|0|disability_grade: 9 is outside 0..4|410122197508080710|person|1\n"
                      "run 1|0|0|sex: 'unknown' is not one of: male 男, female 女|410122198001011147|person|1\n"
                      "run 1|0|0|county: missing (it has no default)|410181196104020602|person|1\n"
                      "run 1|0|0|性别与身份证号第17位的奇偶不符|410181199010100269|person|1\n");
    free(got);
    char *file = slurp(out, NULL);
    assert_text_equal(file,
                      "id,categories,primary_category,placement,year\n"
                      "410122193502140817,tekun|disabled_care|lonely_elderly,tekun,township_home,2021\n"
                      "410122194012200316,disabled_care,disabled_care,township_home,2022\n"
                      "410122194509010243,disabled_care|lonely_elderly,disabled_care,township_home,2021\n"
                      "410122195503100429,disabled_care,disabled_care,township_home,2022\n"
                      "410122195806150132,disabled_care,disabled_care,welfare_institution,2021\n"
                      "410122196511301030,chronic_illness,chronic_illness,home,\n"
                      "41012219700505051X,disabled_care,disabled_care,village_courtyard,2023\n"
                      "410122197005050624,disabled_care,disabled_care,village_courtyard,2023\n"
                      "410122201007010924,orphan,orphan,welfare_institution,2021\n"
                      "410181195001200374,chronic_illness,chronic_illness,medical_rehab,2021\n"
                      "41018119610401048X,lonely_elderly,lonely_elderly,township_home,2021\n"
                      "410181197002280598,disabled_care,disabled_care,medical_rehab,2021\n"
                      "410181198104020150,severe_disabled,severe_disabled,disability_center,2021\n");
    free(file);
    /* a second run: the first run's review entries stay (they belong to run 1) */
    Run r2 = run_ledger(lg.db, NULL, NULL, NULL);
    assert_run(&r2, 2, 17, 13, 12, 4);
    assert_int_equal(query_int(lg.db, "SELECT count(*) FROM doudi_review WHERE run = 1"), 4);
    assert_int_equal(query_int(lg.db, "SELECT count(*) FROM doudi_review WHERE run = 2"), 4);
    free(r.error);
    free(r2.error);
    free(out);
    ledger_free(&lg);
}

/* ---- one transaction --------------------------------------------------------------------------- */

static void test_run_is_one_transaction(void **state)
{
    (void)state;
    Scratch lg = fixture_ledger();
    Run r = run_ledger(lg.db, NULL, NULL, NULL);
    assert_run(&r, 1, 17, 15, 14, 0);
    free(r.error);
    exec_sql(lg.db, "UPDATE person SET sex = 'male' WHERE id = '410181199010100269'");   /* to review */
    char *before = dump_run_tables(lg.db);
    /* the results file cannot be written: the run is not stored either */
    char *nowhere = path_in(lg.dir, "no-such-dir/results.csv");
    r = run_ledger(lg.db, nowhere, NULL, NULL);
    assert_int_equal(r.rc, -1);
    assert_text_equal(r.error, sf("cannot write %s: No such file or directory", nowhere));
    free(r.error);
    free(nowhere);
    char *after = dump_run_tables(lg.db);
    assert_text_equal(after, before);
    free(after);
    /* refuse the result of a person late in key order, after others were written */
    exec_sql(lg.db, "CREATE TRIGGER refuse BEFORE INSERT ON doudi_results WHEN NEW.key = '410181198104020150' "
                    "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;");
    char *out = path_in(lg.dir, "results.csv");
    r = run_ledger(lg.db, out, NULL, NULL);
    assert_int_equal(r.rc, -1);
    assert_non_null(r.error);
    assert_non_null(strstr(r.error, "refused by the test"));
    free(r.error);
    after = dump_run_tables(lg.db);
    assert_text_equal(after, before);
    assert_int_equal(access(out, F_OK), -1);        /* no results file from a failed run */
    free(after);
    /* refused while the scheduled people's rows are written with their year, at the end */
    exec_sql(lg.db, "DROP TRIGGER refuse");
    exec_sql(lg.db, "CREATE TRIGGER refuse BEFORE INSERT ON doudi_results WHEN NEW.year = 2023 "
                    "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;");
    r = run_ledger(lg.db, out, NULL, NULL);
    assert_int_equal(r.rc, -1);
    free(r.error);
    after = dump_run_tables(lg.db);
    assert_text_equal(after, before);
    free(after);
    exec_sql(lg.db, "DROP TRIGGER refuse");
    r = run_ledger(lg.db, out, NULL, NULL);
    assert_run(&r, 2, 17, 14, 13, 1);
    free(r.error);
    free(before);
    free(out);
    ledger_free(&lg);
}

/* A population of n plain persons (numbered from 0) in dir/name. */
static char *write_population(const char *dir, const char *name, unsigned n)
{
    Buf b = {0};
    header_line(&b);
    for (unsigned k = 0; k < n; k++) {
        Person p = person_n(k);
        if (k % 3 == 0) {   /* some targets: disabled_care */
            person_set(&p, "dibao", "1");
            person_set(&p, "labor_capacity", "partial");
            person_set(&p, "family_care", "heavy");
        }
        person_line(&b, &p);
    }
    char *text = buf_take(&b);
    char *path = path_in(dir, name);
    write_text(path, text);
    free(text);
    return path;
}

typedef struct Killer {
    uint64_t at;
} Killer;

static void kill_self(uint64_t done, uint64_t total, void *ctx)
{
    const Killer *k = ctx;
    (void)total;
    if (done >= k->at) raise(SIGKILL);
}

/* The process dies mid-run (SIGKILL, no cleanup, results rows already written in the open
 * transaction): the ledger is as before, and the next run succeeds. */
static void test_run_killed(void **state)
{
    (void)state;
    enum { N = 6000 };
    Scratch lg = {make_tmpdir(), NULL};
    lg.db = path_in(lg.dir, "doudi.db");
    char *csv = write_population(lg.dir, "persons.csv", N);
    import_into(lg.db, csv, N);
    Run r = run_ledger(lg.db, NULL, NULL, NULL);
    assert_run(&r, 1, N, N / 3, N / 3, 0);
    free(r.error);
    char *before = dump_run_tables(lg.db);

    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        Killer k = {4096};
        char *out = path_in(lg.dir, "killed.csv");
        run_ledger(lg.db, out, kill_self, &k);
        _exit(0);                                   /* not reached */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);
    char *wal = path_in(lg.dir, "doudi.db-wal");
    struct stat st;
    assert_int_equal(stat(wal, &st), 0);            /* the dead run's WAL, never checkpointed */
    free(wal);

    char *after = dump_run_tables(lg.db);
    assert_text_equal(after, before);
    free(after);
    char *killed = path_in(lg.dir, "killed.csv");
    assert_int_equal(access(killed, F_OK), -1);
    free(killed);
    r = run_ledger(lg.db, NULL, NULL, NULL);
    assert_run(&r, 2, N, N / 3, N / 3, 0);
    free(r.error);
    assert_int_equal(query_int(lg.db, "SELECT count(*) FROM doudi_results WHERE run = 2"), N);
    free(before);
    free(csv);
    ledger_free(&lg);
}

/* ---- a change moves exactly who it should ---------------------------------------------------- */

/* H1 now wants central care: branch 1 fails; chronic_severe and partial → medical_rehab; alone
 * in 410122's chronic_illness group → 2021. Every other line stays. */
static void test_reimport_moves_one(void **state)
{
    (void)state;
    Scratch lg = fixture_ledger();
    char *out1 = path_in(lg.dir, "r1.csv"), *out2 = path_in(lg.dir, "r2.csv");
    Run r = run_ledger(lg.db, out1, NULL, NULL);
    assert_int_equal(r.rc, 0);
    free(r.error);
    char *text = slurp(FIXTURE_PERSONS, NULL);
    char *h1 = strstr(text, "410122196511301030");
    assert_non_null(h1);
    char *end = strchr(h1, '\n');
    assert_memory_equal(end - 9, "undecided", 9);
    Buf b = {0};
    buf_add(&b, text, (size_t)(end - 9 - text));
    buf_puts(&b, "yes");
    buf_puts(&b, end);
    char *changed = buf_take(&b);
    char *csv = path_in(lg.dir, "changed.csv");
    write_text(csv, changed);
    doudi_ledger *l = doudi_ledger_open(lg.db, NULL);
    doudi_import_stats st;
    assert_int_equal(doudi_import(l, rules, 0, csv, NULL, NULL, &st, NULL), 0);
    assert_int_equal(st.updated, 1);
    assert_int_equal(st.unchanged, 16);
    doudi_ledger_close(l);
    r = run_ledger(lg.db, out2, NULL, NULL);
    assert_run(&r, 2, 17, 15, 15, 0);
    free(r.error);
    char *want = slurp(FIXTURE_RESULTS, NULL);
    const char *from = "410122196511301030,chronic_illness,chronic_illness,home,\n";
    char *at = strstr(want, from);
    assert_non_null(at);
    b = (Buf){0};
    buf_add(&b, want, (size_t)(at - want));
    buf_puts(&b, "410122196511301030,chronic_illness,chronic_illness,medical_rehab,2021\n");
    buf_puts(&b, at + strlen(from));
    char *expect = buf_take(&b);
    char *got = slurp(out2, NULL);
    assert_text_equal(got, expect);
    free(got);
    free(expect);
    free(want);
    free(changed);
    free(text);
    free(csv);
    free(out1);
    free(out2);
    ledger_free(&lg);
}

/* ---- explain and masking ----------------------------------------------------------------------- */

static void test_explain_stored(void **state)
{
    (void)state;
    Scratch lg = fixture_ledger();
    char *err = NULL;
    doudi_ledger *l = doudi_ledger_open(lg.db, &err);
    doudi_record *rec = doudi_ledger_record(l, rules, "41012219700505051X", &err);
    if (!rec) print_error("%s\n", err ? err : "?");
    assert_non_null(rec);
    doudi_outcome out;
    assert_int_equal(doudi_eval(rules, rec, &out, &err), 0);
    assert_string_equal(doudi_category_name(rules, out.primary), "disabled_care");
    assert_string_equal(doudi_placement_name(rules, out.placement), "village_courtyard");
    char *text = doudi_explain(rules, rec, DOUDI_TEXT, &err);
    assert_non_null(text);
    assert_non_null(strstr(text, "41012219700505051X"));       /* the API shows ids as they are */
    doudi_mask_ids(text);
    assert_null(strstr(text, "41012219700505051X"));
    assert_non_null(strstr(text, "410122********051X"));
    assert_non_null(strstr(text, "disabled_care"));
    doudi_string_free(text);
    doudi_record_free(rec);
    rec = doudi_ledger_record(l, rules, "410122000000000000", &err);
    assert_null(rec);
    assert_non_null(strstr(err, "no person with id 410122000000000000"));
    doudi_string_free(err);
    doudi_ledger_close(l);
    ledger_free(&lg);
}

static void test_mask_ids(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } cases[] = {
        {"410122195806150132", "410122********0132"},
        {"id 41012219700505051X, and 410181199010100269.", "id 410122********051X, and 410181********0269."},
        {"身份证号410122195806150132的人", "身份证号410122********0132的人"},
        {"4101221958061501321", "4101221958061501321"},     /* 19 digits: not an id */
        {"41012219580615013", "41012219580615013"},         /* 17 */
        {"x410122195806150132x", "x410122********0132x"},
        {"", ""},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char buf[200];
        snprintf(buf, sizeof buf, "%s", cases[i].in);
        doudi_mask_ids(buf);
        assert_string_equal(buf, cases[i].out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_results),
        cmocka_unit_test(test_review_at_run),
        cmocka_unit_test(test_run_is_one_transaction),
        cmocka_unit_test_setup_teardown(test_fixture_results, on_three_threads, on_one_thread),
        cmocka_unit_test_setup_teardown(test_review_at_run, on_three_threads, on_one_thread),
        cmocka_unit_test_setup_teardown(test_run_is_one_transaction, on_three_threads, on_one_thread),
        cmocka_unit_test(test_run_killed),
        cmocka_unit_test(test_reimport_moves_one),
        cmocka_unit_test(test_explain_stored),
        cmocka_unit_test(test_mask_ids),
    };
    return cmocka_run_group_tests(tests, setup_rules, teardown_rules);
}
