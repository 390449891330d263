/* bench_stream.c — `make bench`'s end-to-end line: CSV in, results file and forms out, three
 * ways over the same generated files, timed in the same process (only the ratios count):
 *
 *   (g) the hand-written pipeline (handwritten.h: the Zhengzhou rules in plain C, libc only):
 *       persons.csv and institutions.csv read and checked, every person evaluated, the
 *       schedule ranked, the results file written, the forms' cells and the capacity plan
 *       counted;
 *   (h) the streaming run, `doudi run RULES --from persons.csv --institutions … --out …`
 *       (doudi_run_stream): the same work by doudi, the run kept in a scratch ledger in memory;
 *   (i) `doudi import` of both files into a new ledger, then `doudi run --out`;
 *   (h2) (h) on two threads (`run --from --jobs 2`: one reads and checks rows, the others
 *       evaluate, the calling one writes), timed in wall time against (h)'s wall time in the
 *       same repetitions, alternately first and second (CPU time adds the threads up); h/h2 is
 *       the speed-up, which only shows when the machine has a second core to give.
 *
 * Before the figures count, (g) is checked against doudi: its results file must equal (h)'s
 * and (i)'s byte for byte, and every counted cell of both forms and every number of the
 * capacity plan, per county, must equal what (i) stored. Printed per size: rows/s of each,
 * h/g, i/g and i/h, and the peak memory. Times are the process's CPU time (the machine is
 * shared; wall time moves with everyone else's load); (g), (h) and (h2) each the median of
 * --reps R interleaved (default 9 at 100k, where a run takes a tenth of a second, 3 at 1M: on
 * this machine one sample of each moved the ratio by a tenth, three at 100k by as much), (i)
 * — the slow one — of R at 100k and timed once from 1M up. Sizes 100k and 1M (10M with BENCH_10M=1), or --size N. The generated
 * population has --bad-rate 1%: bad rows of every kind, checked and dropped by all three. */
#include "doudi.h"
#include "api/jobs.h"
#include "gen/gen.h"
#include "handwritten.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define BENCH_NAME "bench_stream"
#include "bench_util.h"

static const char *RULES = "rules/zhengzhou-2021.doudi";

typedef struct Files {
    char persons[600], institutions[600], db[600], hw[600], stream[600], stream2[600], ledger[600];
} Files;

/* (g) */
static double time_handwritten(const Files *f, HwResult *res)
{
    double t = cpu_now();
    if (!hw_run(f->persons, f->institutions, f->hw, res)) die("handwritten", "failed");
    return cpu_now() - t;
}

/* (h) on `jobs` threads: CPU time, and wall time in *wall */
static double time_stream(doudi_rules *r, const Files *f, unsigned jobs, doudi_stream_stats *st, double *wall)
{
    doudi_stream_options o = {.persons = f->persons, .institutions = f->institutions,
                              .results_path = jobs > 1 ? f->stream2 : f->stream};
    char *err = NULL;
    double t = cpu_now(), w = wall_now();
    if (doudi_run_stream_jobs(r, &o, jobs, NULL, NULL, NULL, st, &err)) die("run --from", err);
    *wall = wall_now() - w;
    return cpu_now() - t;
}

/* (i) */
static double time_import_run(doudi_rules *r, const Files *f, doudi_run_stats *st)
{
    remove_db(f->db);
    char *err = NULL;
    double t = cpu_now();
    doudi_ledger *l = doudi_ledger_open(f->db, &err);
    doudi_import_stats is;
    if (!l || doudi_import_file(l, r, 0, f->persons, NULL, NULL, &is, &err) ||
        doudi_import_file(l, r, 1, f->institutions, NULL, NULL, &is, &err) ||
        doudi_run(l, r, f->ledger, NULL, NULL, st, &err))
        die("import + run", err);
    doudi_ledger_close(l);
    return cpu_now() - t;
}

static bool same_file(const char *a, const char *b)
{
    FILE *x = fopen(a, "rb"), *y = fopen(b, "rb");
    bool same = x && y;
    static char bx[1 << 16], by[1 << 16];
    while (same) {
        size_t nx = fread(bx, 1, sizeof bx, x), ny = fread(by, 1, sizeof by, y);
        same = nx == ny && !memcmp(bx, by, nx);
        if (nx == 0) break;
    }
    if (x) fclose(x);
    if (y) fclose(y);
    return same;
}

static int index_of(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s, names[i])) return i;
    return -1;
}

/* Every counted cell and every number of the capacity plan (i) stored, against (g)'s; the sum
 * of each form's cells too, so that no cell of (g) is missing from what doudi stored. The
 * number of disagreements. */
static size_t disagreements(const char *db_path, const HwResult *hw)
{
    sqlite3 *db;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) die("open", db_path);
    size_t bad = 0;
    int64_t sum[2] = {0, 0}, hw_sum[2] = {0, 0};
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT form, partition, row, col, n FROM doudi_form_counts WHERE run = 1", -1, &st, NULL);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *form = (const char *)sqlite3_column_text(st, 0), *part = (const char *)sqlite3_column_text(st, 1);
        const char *row = (const char *)sqlite3_column_text(st, 2), *col = (const char *)sqlite3_column_text(st, 3);
        int64_t n = sqlite3_column_int64(st, 4), want = -1;
        int c = index_of(part, HW_COUNTY_CODE, HW_COUNTIES), two = !strcmp(form, "attachment2");
        sum[two] += n;
        if (c >= 0 && !two) {
            int r = index_of(row, HW_CATEGORY, HW_CATEGORIES), k = index_of(col, HW_A1_COLUMN, 6);
            if (r >= 0 && k >= 0) want = hw->county[c].a1[r][k];
        } else if (c >= 0) {
            int r = index_of(row, HW_PLACEMENT, HW_PLACEMENTS), k = index_of(col, HW_CATEGORY, HW_CATEGORIES);
            if (k < 0 && !strcmp(col, "persons")) k = HW_CATEGORIES;
            if (r >= 0 && k >= 0) want = hw->county[c].a2[r][k];
        }
        if (want != n) {
            if (bad++ < 5) fprintf(stderr, "bench_stream: %s %s %s %s: doudi %lld, by hand %lld\n", form, part, row, col,
                                   (long long)n, (long long)want);
        }
    }
    sqlite3_finalize(st);
    for (int c = 0; c < HW_COUNTIES; c++) {
        for (int r = 0; r < HW_CATEGORIES; r++)
            for (int k = 0; k < 6; k++) hw_sum[0] += hw->county[c].a1[r][k];
        for (int r = 0; r < HW_PLACEMENTS; r++)
            for (int k = 0; k <= HW_CATEGORIES; k++) hw_sum[1] += hw->county[c].a2[r][k];
    }
    for (int i = 0; i < 2; i++)
        if (sum[i] != hw_sum[i] && bad++ < 5)
            fprintf(stderr, "bench_stream: attachment%d's cells sum to %lld, by hand %lld\n", i + 1, (long long)sum[i],
                    (long long)hw_sum[i]);
    sqlite3_prepare_v2(db, "SELECT partition, type, required_beds, existing, existing_beds, new, upgrades, tasks "
                           "FROM doudi_capacity_plan WHERE run = 1", -1, &st, NULL);
    int rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int c = index_of((const char *)sqlite3_column_text(st, 0), HW_COUNTY_CODE, HW_COUNTIES);
        int t = index_of((const char *)sqlite3_column_text(st, 1), HW_PLACEMENT, HW_PLACEMENTS);
        rows++;
        if (c < 0 || t <= 0) { bad++; continue; }
        const HwCounty *h = &hw->county[c];
        int64_t want[6] = {h->required_beds[t], h->existing[t], h->existing_beds[t], h->build[t], h->upgrades[t], h->tasks[t]};
        for (int k = 0; k < 6; k++)
            if (sqlite3_column_int64(st, 2 + k) != want[k] && bad++ < 5)
                fprintf(stderr, "bench_stream: capacity %s %s column %d: doudi %lld, by hand %lld\n", HW_COUNTY_CODE[c],
                        HW_PLACEMENT[t], k, (long long)sqlite3_column_int64(st, 2 + k), (long long)want[k]);
    }
    sqlite3_finalize(st);
    if (rows != HW_COUNTIES * (HW_PLACEMENTS - 1) && bad++ < 5) fprintf(stderr, "bench_stream: %d plan rows\n", rows);
    sqlite3_prepare_v2(db, "SELECT partition, type, year, n FROM doudi_capacity_years WHERE run = 1", -1, &st, NULL);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int c = index_of((const char *)sqlite3_column_text(st, 0), HW_COUNTY_CODE, HW_COUNTIES);
        int t = index_of((const char *)sqlite3_column_text(st, 1), HW_PLACEMENT, HW_PLACEMENTS);
        int y = (int)sqlite3_column_int64(st, 2) - HW_YEAR[0];
        if (c < 0 || t <= 0 || y < 0 || y >= HW_YEARS || hw->county[c].per_year[t][y] != sqlite3_column_int64(st, 3))
            bad++;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return bad;
}

static void bench_size(doudi_rules *r, const char *tmp, uint64_t n, int reps)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/n%llu", tmp, (unsigned long long)n);
    Files f;
    snprintf(f.persons, sizeof f.persons, "%s/persons.csv", dir);
    snprintf(f.institutions, sizeof f.institutions, "%s/institutions.csv", dir);
    snprintf(f.db, sizeof f.db, "%s/ledger.db", dir);
    snprintf(f.hw, sizeof f.hw, "%s/results-hw.csv", dir);
    snprintf(f.stream, sizeof f.stream, "%s/results-stream.csv", dir);
    snprintf(f.stream2, sizeof f.stream2, "%s/results-stream2.csv", dir);
    snprintf(f.ledger, sizeof f.ledger, "%s/results-ledger.csv", dir);
    GenOptions o = gen_default_options();
    o.count = n;
    o.seed = 1;
    o.bad_rate = 0.01;
    char *err = NULL;
    if (gen_write_dir(&o, dir, NULL, &err) != 0) die("gen", err);

    int ireps = n <= 100000 ? reps : 1;   /* (i): how many of the repetitions time it */
    double *tg = calloc((size_t)reps, sizeof *tg), *th = calloc((size_t)reps, sizeof *th);
    double *ti = calloc((size_t)reps, sizeof *ti);
    double *wh = calloc((size_t)reps, sizeof *wh), *wh2 = calloc((size_t)reps, sizeof *wh2);
    HwResult *hw = malloc(sizeof *hw);
    doudi_stream_stats ss, ss2;
    doudi_run_stats rs;
    for (int i = 0; i < reps; i++) {   /* interleaved: a slow spell of the machine hits all three */
        tg[i] = time_handwritten(&f, hw);
        if (i % 2) time_stream(r, &f, 2, &ss2, &wh2[i]);
        th[i] = time_stream(r, &f, 1, &ss, &wh[i]);
        if (i % 2 == 0) time_stream(r, &f, 2, &ss2, &wh2[i]);
        if (i < ireps) ti[i] = time_import_run(r, &f, &rs);
    }
    size_t bad = disagreements(f.db, hw);
    bool same = same_file(f.hw, f.stream) && same_file(f.hw, f.stream2) && same_file(f.hw, f.ledger);
    bool counts = hw->persons == ss.run.persons && hw->persons == rs.persons && hw->targets == rs.targets &&
                  hw->scheduled == rs.scheduled && hw->rejected == ss.persons.review &&
                  ss2.run.persons == ss.run.persons && ss2.run.targets == ss.run.targets &&
                  ss2.run.scheduled == ss.run.scheduled && ss2.persons.review == ss.persons.review;
    double g = median(tg, reps), h = median(th, reps), i = median(ti, ireps);
    double hw1 = median(wh, reps), hw2 = median(wh2, reps);
    printf("%10llu  (g) by hand %7.0f k rows/s   (h) run --from %7.0f k rows/s   (i) import + run %7.0f k rows/s\n",
           (unsigned long long)n, n / g / 1e3, n / h / 1e3, n / i / 1e3);
    printf("%10s  h/g = %.2fx   i/g = %.2fx   i/h = %.2fx   %s   peak memory %ld MB\n", "", h / g, i / g, i / h,
           same && !bad && counts ? "agree on every record, form cell and plan number"
                                  : "DISAGREE",
           peak_mb());
    printf("%10s  (h2) run --from --jobs 2: wall %.2f s against (h)'s %.2f s   h/h2 = %.2fx faster on 2 threads\n", "",
           hw2, hw1, hw1 / hw2);
    if (!counts)
        printf("%10s  counts: by hand %llu persons %llu rejected %llu targets %llu scheduled; run --from %llu persons "
               "%llu rejected; import + run %llu persons %llu targets %llu scheduled\n", "",
               (unsigned long long)hw->persons, (unsigned long long)hw->rejected, (unsigned long long)hw->targets,
               (unsigned long long)hw->scheduled, (unsigned long long)ss.run.persons,
               (unsigned long long)ss.persons.review, (unsigned long long)rs.persons, (unsigned long long)rs.targets,
               (unsigned long long)rs.scheduled);
    if (!same) printf("%10s  the results files differ: %s %s %s %s\n", "", f.hw, f.stream, f.stream2, f.ledger);
    fflush(stdout);
    free(tg);
    free(th);
    free(ti);
    free(wh);
    free(wh2);
    free(hw);
    if (!same || bad || !counts) exit(1);   /* the files are left for a look */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) exit(2);
}

int main(int argc, char **argv)
{
    int reps = 0;
    uint64_t only = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--size") && i + 1 < argc) only = strtoull(argv[++i], NULL, 10);
    }
    char *err = NULL;
    doudi_rules *r = doudi_compile_file(RULES, &err);
    if (!r) die(RULES, err);
    char tmp[] = "/tmp/doudi-bench-stream.XXXXXX";
    if (!mkdtemp(tmp)) die("mkdtemp", "failed");
    printf("doudi bench, end to end: %s, CSV in, results file and forms out; CPU time, medians\n", RULES);
    uint64_t sizes[] = {100000, 1000000, 10000000};
    int nsizes = getenv("BENCH_10M") ? 3 : 2;
    for (int k = 0; k < (only ? 1 : nsizes); k++) {
        uint64_t n = only ? only : sizes[k];
        bench_size(r, tmp, n, reps > 0 ? reps : n <= 100000 ? 9 : n <= 1000000 ? 3 : 1);
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0) return 2;
    doudi_free(r);
    return 0;
}
