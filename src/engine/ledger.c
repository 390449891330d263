/* ledger.c — opening the store: modes, the schema and its migrations, transactions, and the
 * recovery of a results file a crashed run left pending (see ledger.h). */
#include "ledger_int.h"
#include "base/oom.h"
#include "base/crash.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The ledger's own tables, all named doudi_*. The record tables are made from the rule
 * file's declarations (ledger_records.c). */
static const char *const SCHEMA =
    "CREATE TABLE IF NOT EXISTS doudi_runs ("
    "  id INTEGER PRIMARY KEY,"
    "  rules_path TEXT NOT NULL, rules_text TEXT NOT NULL, rules_sha256 TEXT NOT NULL,"
    "  as_of TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,"
    "  persons INTEGER, targets INTEGER, centralized INTEGER, in_review INTEGER,"
    "  results_file TEXT, results_pending INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS doudi_results ("
    "  run INTEGER NOT NULL REFERENCES doudi_runs(id), key TEXT NOT NULL,"
    "  categories TEXT NOT NULL, primary_category TEXT NOT NULL, placement TEXT NOT NULL,"
    "  year INTEGER, fired TEXT NOT NULL,"
    "  sched_partition TEXT, sched_group INTEGER, sched_rank INTEGER,"
    "  PRIMARY KEY (run, key)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS doudi_schedule_years ("
    "  run INTEGER NOT NULL, partition TEXT NOT NULL, grp INTEGER NOT NULL, year INTEGER NOT NULL,"
    "  n INTEGER NOT NULL, quota INTEGER NOT NULL, cutoff_key TEXT, cutoff_keys TEXT,"
    "  PRIMARY KEY (run, partition, grp, year)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS doudi_review ("
    "  id INTEGER PRIMARY KEY, source TEXT NOT NULL, line INTEGER NOT NULL, col INTEGER NOT NULL,"
    "  reason TEXT NOT NULL, raw TEXT NOT NULL, record TEXT NOT NULL, run INTEGER);"
    "CREATE INDEX IF NOT EXISTS doudi_review_source ON doudi_review(source);"
    "CREATE TABLE IF NOT EXISTS doudi_form_counts ("
    "  run INTEGER NOT NULL, form TEXT NOT NULL, partition TEXT NOT NULL,"
    "  row TEXT NOT NULL, col TEXT NOT NULL, n INTEGER NOT NULL,"
    "  PRIMARY KEY (run, form, partition, row, col)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS doudi_capacity_plan ("
    "  run INTEGER NOT NULL, partition TEXT NOT NULL, type TEXT NOT NULL,"
    "  demand INTEGER NOT NULL, required_beds INTEGER NOT NULL, existing INTEGER NOT NULL,"
    "  existing_beds INTEGER NOT NULL, new INTEGER NOT NULL, upgrades INTEGER NOT NULL,"
    "  tasks INTEGER NOT NULL,"
    "  PRIMARY KEY (run, partition, type)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS doudi_capacity_years ("
    "  run INTEGER NOT NULL, partition TEXT NOT NULL, type TEXT NOT NULL, year INTEGER NOT NULL,"
    "  n INTEGER NOT NULL,"
    "  PRIMARY KEY (run, partition, type, year)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS doudi_records ("
    "  record TEXT NOT NULL, position INTEGER NOT NULL, field TEXT NOT NULL, kind TEXT NOT NULL,"
    "  enum_values TEXT, is_key INTEGER NOT NULL, has_default INTEGER NOT NULL,"
    "  PRIMARY KEY (record, field)) WITHOUT ROWID;";

/* Format 0 (before versions): the same tables without the prefix and the results file's
 * columns, and no record declarations (they are recorded at the next import). */
static const char *const MIGRATE_0_TO_1 =
    "ALTER TABLE runs RENAME TO doudi_runs;"
    "ALTER TABLE doudi_runs ADD COLUMN results_file TEXT;"
    "ALTER TABLE doudi_runs ADD COLUMN results_pending INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE results RENAME TO doudi_results;"
    "DROP INDEX IF EXISTS review_source;"
    "ALTER TABLE review RENAME TO doudi_review;"
    "ALTER TABLE form_counts RENAME TO doudi_form_counts;"
    "ALTER TABLE capacity_plan RENAME TO doudi_capacity_plan;"
    "ALTER TABLE capacity_years RENAME TO doudi_capacity_years;";

/* Format 1: a result row did not say where the schedule ranked the person (the partition, the
 * quota group, the rank), and no table held each group's size and yearly cut-offs (SCHEMA
 * makes doudi_schedule_years). The runs of before stay without them: explain says so. */
static const char *const MIGRATE_1_TO_2 =
    "ALTER TABLE doudi_results ADD COLUMN sched_partition TEXT;"
    "ALTER TABLE doudi_results ADD COLUMN sched_group INTEGER;"
    "ALTER TABLE doudi_results ADD COLUMN sched_rank INTEGER;";

/* ---- helpers ------------------------------------------------------------------------------------ */

bool ledger_failf(char **error, const char *fmt, ...)
{
    if (error && !*error) {
        va_list ap;
        va_start(ap, fmt);
        *error = xvasprintf(fmt, ap);
        va_end(ap);
    }
    return false;
}

bool ledger_fail(Ledger *l, char **error, const char *what)
{
    return ledger_failf(error, "%s: %s", what ? what : l->path, sqlite3_errmsg(l->db));
}

bool ledger_exec(Ledger *l, const char *sql, char **error)
{
    char *msg = NULL;
    if (sqlite3_exec(l->db, sql, NULL, NULL, &msg) == SQLITE_OK) return true;
    ledger_failf(error, "%s: %s", l->path, msg ? msg : "SQL error");
    sqlite3_free(msg);
    return false;
}

sqlite3_stmt *ledger_prepare(Ledger *l, const char *sql, char **error)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK) {
        ledger_fail(l, error, NULL);
        return NULL;
    }
    return st;
}

sqlite3_stmt *ledger_cached(Ledger *l, sqlite3_stmt **slot, const char *sql, char **error)
{
    if (!*slot) *slot = ledger_prepare(l, sql, error);
    else sqlite3_reset(*slot);
    return *slot;
}

void ledger_quote_ident(StrBuf *sb, const char *name)
{
    sb_putc(sb, '"');
    for (const char *s = name; *s; s++) {
        if (*s == '"') sb_putc(sb, '"');
        sb_putc(sb, *s);
    }
    sb_putc(sb, '"');
}

bool ledger_table_exists(Ledger *l, const char *name)
{
    sqlite3_stmt *st = ledger_prepare(l, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", NULL);
    if (!st) return false;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

const char *ledger_path(const Ledger *l) { return l->path; }

bool ledger_begin(Ledger *l, char **error) { return ledger_exec(l, "BEGIN IMMEDIATE", error); }
bool ledger_commit(Ledger *l, char **error) { return ledger_exec(l, "COMMIT", error); }

void ledger_rollback(Ledger *l)
{
    sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
    ledger_pending_drop(&l->pending);
}

/* ---- the schema's version ------------------------------------------------------------------------- */

static int64_t user_version(Ledger *l)
{
    sqlite3_stmt *st = ledger_prepare(l, "PRAGMA user_version", NULL);
    int64_t v = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
}

static bool has_any_table(Ledger *l)
{
    sqlite3_stmt *st = ledger_prepare(l, "SELECT 1 FROM sqlite_master LIMIT 1", NULL);
    bool any = st && sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return any;
}

typedef enum Format { FORMAT_EMPTY, FORMAT_LEGACY, FORMAT_V1, FORMAT_CURRENT, FORMAT_NEWER, FORMAT_FOREIGN } Format;

static Format format_of(Ledger *l)
{
    int64_t v = user_version(l);
    if (v > LEDGER_VERSION) return FORMAT_NEWER;
    if (v == LEDGER_VERSION && ledger_table_exists(l, "doudi_runs")) return FORMAT_CURRENT;
    if (v == 1 && ledger_table_exists(l, "doudi_runs")) return FORMAT_V1;
    if (v == 0 && ledger_table_exists(l, "runs") && ledger_table_exists(l, "results")) return FORMAT_LEGACY;
    if (v == 0 && !has_any_table(l)) return FORMAT_EMPTY;
    return FORMAT_FOREIGN;
}

static bool set_version(Ledger *l, char **error)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", LEDGER_VERSION);
    return ledger_exec(l, sql, error);
}

/* Create (an empty file) or upgrade (formats 0 and 1) the schema, in one transaction. */
static bool make_schema(Ledger *l, Format f, char **error)
{
    if (!ledger_exec(l, "PRAGMA journal_mode=WAL", error) || !ledger_begin(l, error)) return false;
    bool ok = (f != FORMAT_LEGACY || ledger_exec(l, MIGRATE_0_TO_1, error)) &&
              ((f != FORMAT_LEGACY && f != FORMAT_V1) || ledger_exec(l, MIGRATE_1_TO_2, error)) &&
              ledger_exec(l, SCHEMA, error) && set_version(l, error);
    if (ok) ok = ledger_commit(l, error);
    if (!ok) ledger_rollback(l);
    return ok;
}

static bool file_writable(const char *path) { return access(path, W_OK) == 0; }

/* ---- opening ------------------------------------------------------------------------------------ */

static void abandon_and_close(void *arg)
{
    Ledger *l = arg;
    if (l->db) ledger_abandon(l);
    ledger_close(l);
}

static Ledger *connect(const char *path, int flags, LedgerMode mode, char **error)
{
    Ledger *l = xcalloc(1, sizeof *l);
    l->path = xstrdup(path);
    l->mode = mode;
    l->pending.fd = -1;
    /* a call abandoned for memory (base/oom.h) with this connection open closes it */
    oom_undo_push(abandon_and_close, l);
    /* one connection, one thread: no per-call mutex (SQLite's default would take one) */
    if (sqlite3_open_v2(path, &l->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        ledger_fail(l, error, path);
        ledger_close(l);
        return NULL;
    }
    sqlite3_busy_timeout(l->db, 5000);
    return l;
}

/* An import or a run is one transaction over the whole table, inserting by key in file order
 * (random for the B-tree): SQLite's default 2 MB page cache then spills and re-reads the same
 * pages over and over (300,000 persons: ~1M pread/pwrite, half the wall time). 64 MB holds a
 * few hundred thousand persons' pages. */
static bool configure(Ledger *l, char **error)
{
    if (l->mode == LEDGER_READ)
        return ledger_exec(l, "PRAGMA cache_size=" LEDGER_CACHE_KIB "; PRAGMA query_only=ON;", error);
    return ledger_exec(l, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA cache_size=" LEDGER_CACHE_KIB ";",
                       error);
}

/* Bring the schema to this version: create it in an empty file, upgrade an older one. A
 * read-only open upgrades through a writable connection of its own, when the file allows. */
static bool settle_format(Ledger *l, char **error)
{
    Format f = format_of(l);
    switch (f) {
    case FORMAT_CURRENT: return true;
    case FORMAT_NEWER:
        return ledger_failf(error, "%s is a ledger of a newer doudi (format %lld; this one reads %d): use that doudi",
                            l->path, (long long)user_version(l), LEDGER_VERSION);
    case FORMAT_FOREIGN: return ledger_failf(error, "%s is not a doudi ledger (an SQLite file of something else)", l->path);
    case FORMAT_EMPTY:
        if (l->mode != LEDGER_CREATE)
            return ledger_failf(error, "%s is not a doudi ledger (it is empty): `doudi import` makes one", l->path);
        return make_schema(l, f, error);
    case FORMAT_LEGACY:
    case FORMAT_V1: break;
    }
    if (l->mode != LEDGER_READ) return make_schema(l, f, error);
    if (!file_writable(l->path))
        return ledger_failf(error, "%s is a ledger of an older doudi (format %lld) and cannot be upgraded here (it is "
                            "read-only): open it once with write access (e.g. `doudi run`) to upgrade it", l->path,
                            (long long)user_version(l));
    Ledger *w = connect(l->path, SQLITE_OPEN_READWRITE, LEDGER_WRITE, error);
    bool ok = w && make_schema(w, f, error);
    ledger_close(w);
    return ok;
}

static bool has_pending_results(Ledger *l)
{
    sqlite3_stmt *st = ledger_prepare(l, "SELECT 1 FROM doudi_runs WHERE results_pending = 1 LIMIT 1", NULL);
    bool pending = st && sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return pending;
}

/* A results file a crashed run left pending is put in place by the next open — by a reader
 * too, through a writable connection of its own, when the file allows (else it waits). */
static bool recover(Ledger *l, char **error)
{
    if (!has_pending_results(l)) return true;
    if (l->mode != LEDGER_READ) return ledger_recover_results(l, error);
    if (!file_writable(l->path)) return true;
    Ledger *w = connect(l->path, SQLITE_OPEN_READWRITE, LEDGER_WRITE, error);
    bool ok = w && ledger_recover_results(w, error);
    ledger_close(w);
    return ok;
}

Ledger *ledger_open(const char *path, LedgerMode mode, char **error)
{
    struct stat st;
    bool exists = stat(path, &st) == 0;
    if (!exists && mode != LEDGER_CREATE) {
        ledger_failf(error, "no ledger at %s: `doudi import --db %s …` makes one", path, path);
        return NULL;
    }
    if (exists && S_ISDIR(st.st_mode)) {
        ledger_failf(error, "%s is a directory, not a ledger", path);
        return NULL;
    }
    int flags = mode == LEDGER_READ ? SQLITE_OPEN_READONLY
              : mode == LEDGER_WRITE ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    Ledger *l = connect(path, flags, mode, error);
    if (!l) return NULL;
    l->created = !exists;
    if (!settle_format(l, error) || !configure(l, error) || !recover(l, error)) {
        if (l->created) ledger_discard(l);
        else ledger_close(l);
        return NULL;
    }
    return l;
}

static bool in_wal_mode(Ledger *l)
{
    sqlite3_stmt *st = ledger_prepare(l, "PRAGMA journal_mode", NULL);
    bool wal = st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) &&
               !strcmp((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    return wal;
}

Ledger *ledger_open_snapshot(Ledger *l)
{
    const char *file = sqlite3_db_filename(l->db, "main");
    if (!file || !*file || !in_wal_mode(l)) return NULL;   /* in memory, or a reader would block the writer */
    char *ignored = NULL;
    Ledger *r = connect(file, SQLITE_OPEN_READONLY, LEDGER_READ, &ignored);
    /* it reads the records once, in key order: SQLite's default page cache is enough, and the
     * writer's 64 MB is not taken twice */
    if (r && !ledger_exec(r, "PRAGMA query_only=ON;", &ignored)) {
        ledger_close(r);
        r = NULL;
    }
    free(ignored);
    return r;
}

static void finalize_all(Ledger *l)
{
#define FINALIZE(name) sqlite3_finalize(l->name);
    LEDGER_CACHED_STATEMENTS(FINALIZE)
#undef FINALIZE
}

void ledger_pending_drop(PendingFile *pf)
{
    if (pf->fd >= 0) close(pf->fd);
    if (pf->tmp) unlink(pf->tmp);
    free(pf->tmp);
    free(pf->path);
    free(pf->link);
    *pf = (PendingFile){.fd = -1};
}

static bool is_cached(const Ledger *l, const sqlite3_stmt *s)
{
#define IS(name) if (s == l->name) return true;
    LEDGER_CACHED_STATEMENTS(IS)
#undef IS
    return false;
}

void ledger_abandon(Ledger *l)
{
    for (sqlite3_stmt *s = sqlite3_next_stmt(l->db, NULL), *next; s; s = next) {
        next = sqlite3_next_stmt(l->db, s);
        if (is_cached(l, s)) sqlite3_reset(s);
        else sqlite3_finalize(s);
    }
    if (!sqlite3_get_autocommit(l->db)) sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
    ledger_pending_drop(&l->pending);
}

void ledger_close(Ledger *l)
{
    if (!l) return;
    oom_undo_drop(l);
    ledger_pending_drop(&l->pending);
    finalize_all(l);
    if (l->db) sqlite3_close(l->db);
    free(l->path);
    free(l);
}

void ledger_discard(Ledger *l)
{
    if (!l) return;
    bool created = l->created;
    char *path = xstrdup(l->path);
    ledger_close(l);
    if (created) {
        static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
        for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
            char *p = xasprintf("%s%s", path, suffixes[i]);
            unlink(p);
            free(p);
        }
    }
    free(path);
}
