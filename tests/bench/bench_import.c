/* bench_import.c — `make bench`'s import figures, as ratios against a floor timed in the same
 * process on the same rows (the machine is noisy; only the ratios count).
 *
 *   (e) `doudi import` of a generated persons.csv into a new ledger: every row read, validated
 *       (values, `require`s, duplicate keys) and stored, in one transaction;
 *   (e') the same file imported again into that ledger: every row found unchanged;
 *   (f) the SQLite floor for (e): the same CSV read with the same reader and every row bound
 *       as it comes (ints as ints, the rest as the cell's text) to one bare prepared INSERT into
 *       a table of the same schema (the ledger's own CREATE TABLE), same settings (WAL,
 *       synchronous=NORMAL, no per-call mutex, the import's page cache of 512 MiB), one
 *       transaction. The rows go in the file's order, as every import stored them before new
 *       rows were held and inserted in key order: this is also the old storage path's floor.
 *   (b) with BENCH_BEFORE=DIR: `DIR/build/doudi import --rules DIR/rules/…` of the same file
 *       into a new ledger, DIR a tree of the code before the import's rework, built
 *       (docs/performance.md says how), timed as the child's CPU time in the same run — the
 *       "before" of the 3× target.
 * Printed per size: rows/s of each, (e)/(f) as a fraction of the floor, (e)/(b), peak memory
 * of the process, and the ledger's bytes per person. --designs [--size N] instead times the
 * person table's possible layouts as bare INSERTs, and the run's read in key order of each. Sizes: 100k, 1M (10M with BENCH_10M=1), or
 * --size N; --reps R repetitions (median; default 3, 1 from 1M up). Times are the process's
 * CPU time: on a shared machine wall time moves with everyone else's load. time_import and
 * time_floor are kept out of line so that `valgrind --tool=callgrind` counts each apart. */
#include "engine/csv.h"
#include "doudi.h"
#include "gen/gen.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_NAME "bench_import"
#include "bench_util.h"

static const char *RULES = "rules/zhengzhou-2021.doudi";

static long long file_bytes(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

/* (e), (e'): one `doudi import` of csv into db; the stats' counts checked against what the
 * caller expects (all new, or all unchanged). */
__attribute__((noinline)) static double time_import(doudi_rules *r, const char *db, const char *csv, uint64_t n, bool again)
{
    char *err = NULL;
    doudi_ledger *l = doudi_ledger_open(db, &err);
    if (!l) die("open", err);
    doudi_import_stats st;
    double t0 = cpu_now();
    if (doudi_import_file(l, r, 0, csv, NULL, NULL, &st, &err)) die("import", err);
    double t = cpu_now() - t0;
    doudi_ledger_close(l);
    uint64_t want_new = again ? 0 : n, want_same = again ? n : 0;
    if (st.rows != n || st.added != want_new || st.unchanged != want_same || st.updated || st.review) {
        fprintf(stderr, "bench_import: counted %llu rows: %llu new, %llu updated, %llu unchanged, %llu review\n",
                (unsigned long long)st.rows, (unsigned long long)st.added, (unsigned long long)st.updated,
                (unsigned long long)st.unchanged, (unsigned long long)st.review);
        exit(2);
    }
    return t;
}

static void exec_sql(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) die(sql, msg);
}

/* (b) before: `ROOT/build/doudi import` of csv into a new ledger, ROOT a tree of the code before
 * this work, built apart (see docs/performance.md), as a child process; its CPU time (user and
 * system) from getrusage(RUSAGE_CHILDREN) around its wait. Its counts are not checked (its output goes to /dev/null); the ledger's
 * rows are: every one stored. */
static double time_before(const char *root, const char *db, const char *csv, uint64_t n)
{
    char old[1100], rules[1100];
    snprintf(old, sizeof old, "%s/build/doudi", root);
    snprintf(rules, sizeof rules, "%s/%s", root, RULES);   /* the rule file as that code reads it */
    remove_db(db);
    fflush(stdout);
    struct rusage r0, r1;
    getrusage(RUSAGE_CHILDREN, &r0);
    pid_t pid = fork();
    if (pid < 0) die("fork", "failed");
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) _exit(127);
        execl(old, old, "import", "--db", db, "--rules", rules, csv, (char *)NULL);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) die(old, "import failed");
    getrusage(RUSAGE_CHILDREN, &r1);
    double t = (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) + (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) * 1e-6 +
               (double)(r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) + (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) * 1e-6;
    sqlite3 *sdb;
    sqlite3_stmt *st;
    sqlite3_open_v2(db, &sdb, SQLITE_OPEN_READONLY, NULL);
    if (sqlite3_prepare_v2(sdb, "SELECT count(*) FROM person", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW || (uint64_t)sqlite3_column_int64(st, 0) != n)
        die(old, "the ledger does not hold every row");
    sqlite3_finalize(st);
    sqlite3_close(sdb);
    remove_db(db);
    return t;
}

/* The person table's CREATE TABLE, as the import made it. */
static char *person_schema(const char *ledger)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    sqlite3_open_v2(ledger, &db, SQLITE_OPEN_READONLY, NULL);
    if (sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE name = 'person'", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW)
        die("schema", sqlite3_errmsg(db));
    char *sql = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return sql;
}

/* (f): the CSV read, each row bound as it comes to a bare INSERT into the same schema. */
__attribute__((noinline)) static double time_floor(const char *schema, const char *db_path, const char *csv, uint64_t n)
{
    remove_db(db_path);
    sqlite3 *db;
    sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    exec_sql(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-524288;");   /* as an import */
    exec_sql(db, schema);
    double t0 = cpu_now();
    char *err = NULL;
    CsvReader *r = csv_open(csv, NULL, &err);
    if (!r) die(csv, err);
    CsvRecord rec;
    csv_next(r, &rec);   /* the header: gen writes the columns in the table's order */
    size_t ncols = rec.count;
    sqlite3_stmt *ins, *types;
    sqlite3_prepare_v2(db, "SELECT type = 'INTEGER' FROM pragma_table_info('person') ORDER BY cid", -1, &types, NULL);
    bool *is_int = calloc(ncols, sizeof *is_int);
    for (size_t i = 0; i < ncols && sqlite3_step(types) == SQLITE_ROW; i++) is_int[i] = sqlite3_column_int(types, 0);
    sqlite3_finalize(types);
    char sql[4096] = "INSERT INTO person VALUES (";
    for (size_t i = 0; i < ncols; i++) strcat(sql, i ? ", ?" : "?");
    strcat(sql, ")");
    exec_sql(db, "BEGIN IMMEDIATE");
    if (sqlite3_prepare_v2(db, sql, -1, &ins, NULL) != SQLITE_OK) die("prepare", sqlite3_errmsg(db));
    uint64_t rows = 0;
    while (csv_next(r, &rec) == 1) {
        sqlite3_reset(ins);
        for (size_t i = 0; i < ncols; i++) {
            if (is_int[i]) sqlite3_bind_int64(ins, (int)i + 1, strtoll(rec.fields[i], NULL, 10));
            else sqlite3_bind_text(ins, (int)i + 1, rec.fields[i], (int)rec.lens[i], SQLITE_STATIC);
        }
        if (sqlite3_step(ins) != SQLITE_DONE) die("insert", sqlite3_errmsg(db));
        rows++;
    }
    sqlite3_finalize(ins);
    exec_sql(db, "COMMIT");
    csv_close(r);
    double t = cpu_now() - t0;
    sqlite3_close(db);
    free(is_int);
    remove_db(db_path);
    if (rows != n) { fprintf(stderr, "bench_import: the floor read %llu rows\n", (unsigned long long)rows); exit(2); }
    return t;
}

/* ---- ledger designs (--designs): what the person table's layout costs --------------------------- */

typedef struct Design {
    const char *name;
    bool rowid;        /* a rowid table with the key as a plain column */
    bool unique;       /* its key UNIQUE (an index kept as rows come) */
    bool index_after;  /* the key's UNIQUE index made after the rows */
    bool sorted;       /* the file's rows inserted in key order */
} Design;

/* The ledger's CREATE TABLE rewritten for design d. */
static char *design_schema(const char *schema, const Design *d)
{
    if (!d->rowid) return strdup(schema);
    char *s = strdup(schema);
    char *pk = strstr(s, " PRIMARY KEY NOT NULL");
    const char *with = d->unique ? " NOT NULL UNIQUE     " : " NOT NULL            ";
    if (pk) memcpy(pk, with, strlen(with));
    char *wr = strstr(s, ") WITHOUT ROWID");
    if (wr) strcpy(wr, ")");
    return s;
}

typedef struct HeldRows {
    char *text;        /* every row's fields, each NUL-terminated, one after another */
    size_t len, cap;
    struct Held { uint64_t p0, p1; size_t off; } *row;   /* the key's first 16 bytes, big-endian */
    size_t n, ncap;
    size_t key_col;
} HeldRows;

static const char *held_key(const char *text, size_t off, size_t key_col)
{
    const char *f = text + off;
    for (size_t i = 0; i < key_col; i++) f += strlen(f) + 1;
    return f;
}

static uint64_t be8(const char *s, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++) v = v << 8 | (i < n ? (unsigned char)s[i] : 0);
    return v;
}

static const char *g_text;
static size_t g_key_col;

static int cmp_held(const void *a, const void *b)
{
    const struct Held *x = a, *y = b;
    if (x->p0 != y->p0) return x->p0 < y->p0 ? -1 : 1;
    if (x->p1 != y->p1) return x->p1 < y->p1 ? -1 : 1;
    return strcmp(held_key(g_text, x->off, g_key_col), held_key(g_text, y->off, g_key_col));
}

__attribute__((noinline)) static double time_design(const char *schema, const Design *d, const char *db_path,
                                                      const char *csv, uint64_t n, double *scan)
{
    remove_db(db_path);
    sqlite3 *db;
    sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    exec_sql(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-524288;");
    char *sql_schema = design_schema(schema, d);
    exec_sql(db, sql_schema);
    free(sql_schema);
    double t0 = cpu_now();
    char *err = NULL;
    CsvReader *r = csv_open(csv, NULL, &err);
    if (!r) die(csv, err);
    CsvRecord rec;
    csv_next(r, &rec);
    size_t ncols = rec.count, key_col = 0;
    sqlite3_stmt *ins, *types;
    sqlite3_prepare_v2(db, "SELECT type = 'INTEGER', name = 'id' FROM pragma_table_info('person') ORDER BY cid", -1,
                       &types, NULL);
    bool *is_int = calloc(ncols, sizeof *is_int);
    for (size_t i = 0; i < ncols && sqlite3_step(types) == SQLITE_ROW; i++) {
        is_int[i] = sqlite3_column_int(types, 0);
        if (sqlite3_column_int(types, 1)) key_col = i;
    }
    sqlite3_finalize(types);
    char sql[4096] = "INSERT INTO person VALUES (";
    for (size_t i = 0; i < ncols; i++) strcat(sql, i ? ", ?" : "?");
    strcat(sql, ")");
    exec_sql(db, "BEGIN IMMEDIATE");
    if (sqlite3_prepare_v2(db, sql, -1, &ins, NULL) != SQLITE_OK) die("prepare", sqlite3_errmsg(db));
    uint64_t rows = 0;
    HeldRows h = {.key_col = key_col};
    while (csv_next(r, &rec) == 1) {
        if (d->sorted) {
            if (h.n == h.ncap) { h.ncap = h.ncap ? h.ncap * 2 : 65536; h.row = realloc(h.row, h.ncap * sizeof *h.row); }
            size_t kl = rec.lens[key_col];
            const char *k = rec.fields[key_col];
            h.row[h.n++] = (struct Held){be8(k, kl), kl > 8 ? be8(k + 8, kl - 8) : 0, h.len};
            for (size_t i = 0; i < ncols; i++) {
                if (h.len + rec.lens[i] + 1 > h.cap) { h.cap = h.cap ? h.cap * 2 : 1 << 20; h.text = realloc(h.text, h.cap); }
                memcpy(h.text + h.len, rec.fields[i], rec.lens[i] + 1);
                h.len += rec.lens[i] + 1;
            }
            continue;
        }
        sqlite3_reset(ins);
        for (size_t i = 0; i < ncols; i++) {
            if (is_int[i]) sqlite3_bind_int64(ins, (int)i + 1, strtoll(rec.fields[i], NULL, 10));
            else sqlite3_bind_text(ins, (int)i + 1, rec.fields[i], (int)rec.lens[i], SQLITE_STATIC);
        }
        if (sqlite3_step(ins) != SQLITE_DONE) die("insert", sqlite3_errmsg(db));
        rows++;
    }
    if (d->sorted) {
        g_text = h.text;
        g_key_col = key_col;
        qsort(h.row, h.n, sizeof *h.row, cmp_held);
        for (size_t k = 0; k < h.n; k++) {
            sqlite3_reset(ins);
            const char *f = h.text + h.row[k].off;
            for (size_t i = 0; i < ncols; i++) {
                size_t len = strlen(f);
                if (is_int[i]) sqlite3_bind_int64(ins, (int)i + 1, strtoll(f, NULL, 10));
                else sqlite3_bind_text(ins, (int)i + 1, f, (int)len, SQLITE_STATIC);
                f += len + 1;
            }
            if (sqlite3_step(ins) != SQLITE_DONE) die("insert", sqlite3_errmsg(db));
            rows++;
        }
        free(h.text);
        free(h.row);
    }
    sqlite3_finalize(ins);
    if (d->index_after) exec_sql(db, "CREATE UNIQUE INDEX person_id ON person(id)");
    exec_sql(db, "COMMIT");
    csv_close(r);
    double t = cpu_now() - t0;
    sqlite3_close(db);
    free(is_int);
    /* the run's read: every column of every person in key order, from a fresh connection with
     * the run's 64 MiB cache */
    sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    exec_sql(db, "PRAGMA cache_size=-65536");
    sqlite3_stmt *sel;
    sqlite3_prepare_v2(db, "SELECT * FROM person ORDER BY id", -1, &sel, NULL);
    t0 = cpu_now();
    uint64_t seen = 0, sum = 0;
    while (sqlite3_step(sel) == SQLITE_ROW) {
        for (int i = 0; i < (int)ncols; i++) sum += (uint64_t)sqlite3_column_bytes(sel, i);
        seen++;
    }
    *scan = cpu_now() - t0;
    sqlite3_finalize(sel);
    sqlite3_close(db);
    remove_db(db_path);
    if (rows != n || seen != n || !sum) { fprintf(stderr, "bench_import: design %s: %llu rows\n", d->name, (unsigned long long)rows); exit(2); }
    return t;
}

static void bench_designs(const char *tmp, uint64_t n)
{
    static const Design designs[] = {
        {"without rowid, file order (today)", false, false, false, false},
        {"without rowid, sorted", false, false, false, true},
        {"rowid + UNIQUE key, file order", true, true, false, false},
        {"rowid + UNIQUE key, sorted", true, true, false, true},
        {"rowid, no index, file order", true, false, false, false},
        {"rowid, index made after, file order", true, false, true, false},
        {"rowid, index made after, sorted", true, false, true, true},
    };
    char dir[512], csv[600], db[600], floor_db[600];
    snprintf(dir, sizeof dir, "%s/d%llu", tmp, (unsigned long long)n);
    snprintf(csv, sizeof csv, "%s/persons.csv", dir);
    snprintf(db, sizeof db, "%s/ledger.db", dir);
    snprintf(floor_db, sizeof floor_db, "%s/design.db", dir);
    GenOptions o = gen_default_options();
    o.count = n;
    o.seed = 1;
    char *err = NULL;
    mkdir(dir, 0700);
    if (gen_write_dir(&o, dir, NULL, &err) != 0) die("gen", err);
    doudi_rules *r = doudi_compile_file(RULES, &err);
    if (!r) die(RULES, err);
    doudi_ledger *l = doudi_ledger_open(db, &err);
    if (!l) die("open", err);
    doudi_import_stats st;
    if (doudi_import_file(l, r, 0, csv, NULL, NULL, &st, &err)) die("import", err);
    doudi_ledger_close(l);
    doudi_free(r);
    char *schema = person_schema(db);
    remove_db(db);
    for (size_t i = 0; i < sizeof designs / sizeof *designs; i++) {
        double scan = 0, t = time_design(schema, &designs[i], floor_db, csv, n, &scan);
        printf("%10llu  %-38s insert %6.0f k rows/s   scan in key order %6.0f k rows/s  peak %ld MB\n",
               (unsigned long long)n, designs[i].name, n / t / 1e3, n / scan / 1e3, peak_mb());
        fflush(stdout);
    }
    free(schema);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) exit(2);
}

static void bench_size(doudi_rules *r, const char *tmp, uint64_t n, int reps, const char *old)
{
    char dir[512], csv[600], db[600], floor_db[600];
    snprintf(dir, sizeof dir, "%s/n%llu", tmp, (unsigned long long)n);
    snprintf(csv, sizeof csv, "%s/persons.csv", dir);
    snprintf(db, sizeof db, "%s/ledger.db", dir);
    snprintf(floor_db, sizeof floor_db, "%s/floor.db", dir);
    GenOptions o = gen_default_options();
    o.count = n;
    o.seed = 1;
    char *err = NULL;
    mkdir(dir, 0700);
    if (gen_write_dir(&o, dir, NULL, &err) != 0) die("gen", err);
    double *te = malloc((size_t)reps * sizeof *te), *tr = malloc((size_t)reps * sizeof *tr),
           *tf = malloc((size_t)reps * sizeof *tf), *tb = malloc((size_t)reps * sizeof *tb);
    long long bytes = 0;
    char *schema = NULL;
    for (int i = 0; i < reps; i++) {
        remove_db(db);
        te[i] = time_import(r, db, csv, n, false);
        tr[i] = time_import(r, db, csv, n, true);
        if (!schema) schema = person_schema(db);
        bytes = file_bytes(db);
        char wal[700];
        snprintf(wal, sizeof wal, "%s-wal", db);
        bytes += file_bytes(wal);
        tf[i] = time_floor(schema, floor_db, csv, n);
        if (old) tb[i] = time_before(old, floor_db, csv, n);
    }
    double e = median(te, reps), ea = median(tr, reps), f = median(tf, reps);
    printf("%10llu  (e) import %6.0f k rows/s  (e') again %6.0f k rows/s  (f) floor %6.0f k rows/s"
           "   e/f = %.2f  e'/f = %.2f   %lld bytes/person  peak %ld MB\n",
           (unsigned long long)n, n / e / 1e3, n / ea / 1e3, n / f / 1e3, f / e, f / ea, bytes / (long long)n,
           peak_mb());
    if (old) {
        double b = median(tb, reps);
        printf("%10llu  (b) before %6.0f k rows/s (%s)   e/b = %.2f  e'/b = %.2f  b/f = %.2f\n", (unsigned long long)n,
               n / b / 1e3, old, b / e, b / ea, f / b);
    }
    fflush(stdout);
    free(schema);
    free(te);
    free(tr);
    free(tf);
    free(tb);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) exit(2);
}

int main(int argc, char **argv)
{
    int reps = 0;
    bool designs = false;
    uint64_t only = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--size") && i + 1 < argc) only = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--designs")) designs = true;
    }
    char *err = NULL;
    doudi_rules *r = doudi_compile_file(RULES, &err);
    if (!r) die(RULES, err);
    char tmp[] = "/tmp/doudi-bench-import.XXXXXX";
    if (!mkdtemp(tmp)) { perror("mkdtemp"); return 2; }
    if (designs) {
        bench_designs(tmp, only ? only : 100000);
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
        return system(cmd) != 0 ? 2 : 0;
    }
    printf("doudi bench (import): %s, medians of %s\n", RULES, reps ? "--reps" : "3 (1 from 1M up)");
    uint64_t sizes[] = {100000, 1000000, 10000000};
    int nsizes = getenv("BENCH_10M") ? 3 : 2;
    for (int i = 0; i < nsizes; i++) {
        uint64_t n = only ? only : sizes[i];
        bench_size(r, tmp, n, reps ? reps : n >= 1000000 ? 1 : 3, getenv("BENCH_BEFORE"));
        if (only) break;
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0) return 2;
    doudi_free(r);
    return 0;
}
