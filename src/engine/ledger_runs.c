/* ledger_runs.c — the runs and what they store: results, the results file, the forms' counts
 * and the capacity plans (see ledger.h). */
#define _GNU_SOURCE            /* O_TMPFILE, linkat's AT_SYMLINK_FOLLOW */
#include "ledger_int.h"
#include "csv.h"
#include "base/crash.h"
#include "base/date.h"
#include "base/oom.h"
#include "base/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void now_iso(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "YYYY-MM-DDTHH:MM:SSZ" as seconds since 1970; 0 when it is not that. */
static int64_t parse_utc(const char *s)
{
    int64_t days;
    unsigned h, m, sec;
    char z;
    if (!s || strlen(s) != 20 || !date_parse(s, 10, &days) || s[10] != 'T' ||
        sscanf(s + 11, "%2u:%2u:%2u%c", &h, &m, &sec, &z) != 4 || z != 'Z' || h > 23 || m > 59 || sec > 60)
        return 0;
    return days * 86400 + h * 3600 + m * 60 + sec;
}

static const char *text_at(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return t ? t : "";
}

/* ---- runs ------------------------------------------------------------------------------------------ */

bool ledger_run_start(Ledger *l, const RunHeader *h, int64_t *run_id, char **error)
{
    char hex[65], started[32];
    sha256_hex(h->rules_text ? h->rules_text : "", h->rules_len, hex);
    now_iso(started);
    sqlite3_stmt *st = ledger_prepare(l,
        "INSERT INTO doudi_runs (rules_path, rules_text, rules_sha256, as_of, started_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        error);
    if (!st) return false;
    sqlite3_bind_text(st, 1, h->rules_path ? h->rules_path : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, h->rules_text ? h->rules_text : "", (int)h->rules_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, hex, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, h->as_of, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, started, -1, SQLITE_STATIC);
    bool ok = sqlite3_step(st) == SQLITE_DONE || ledger_fail(l, error, NULL);
    sqlite3_finalize(st);
    if (ok) *run_id = sqlite3_last_insert_rowid(l->db);
    return ok;
}

bool ledger_run_finish(Ledger *l, int64_t run, const RunCounts *c, char **error)
{
    char finished[32];
    now_iso(finished);
    sqlite3_stmt *st = ledger_prepare(l,
        "UPDATE doudi_runs SET finished_at = ?1, persons = ?2, targets = ?3, centralized = ?4, in_review = ?5 "
        "WHERE id = ?6", error);
    if (!st) return false;
    sqlite3_bind_text(st, 1, finished, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (int64_t)c->persons);
    sqlite3_bind_int64(st, 3, (int64_t)c->targets);
    sqlite3_bind_int64(st, 4, (int64_t)c->scheduled);
    sqlite3_bind_int64(st, 5, (int64_t)c->review);
    sqlite3_bind_int64(st, 6, run);
    bool ok = sqlite3_step(st) == SQLITE_DONE || ledger_fail(l, error, NULL);
    sqlite3_finalize(st);
    return ok;
}

bool ledger_run_info(Ledger *l, int64_t run, RunInfo *out, char **error)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = ledger_prepare(l, "SELECT max(id), count(*) FROM doudi_runs", error);
    if (!st) return false;
    if (sqlite3_step(st) == SQLITE_ROW) {
        out->latest = sqlite3_column_int64(st, 0);
        out->count = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (out->count == 0) return ledger_failf(error, "%s holds no run yet: run `doudi run` first", l->path);
    st = ledger_prepare(l,
        "SELECT id, as_of, rules_sha256, rules_path, coalesce(finished_at, started_at), persons, targets, centralized,"
        " in_review FROM doudi_runs WHERE id = ?1", error);
    if (!st) return false;
    sqlite3_bind_int64(st, 1, run ? run : out->latest);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        out->id = sqlite3_column_int64(st, 0);
        snprintf(out->as_of, sizeof out->as_of, "%s", text_at(st, 1));
        snprintf(out->rules_sha256, sizeof out->rules_sha256, "%s", text_at(st, 2));
        out->rules_path = xstrdup(text_at(st, 3));
        out->finished = parse_utc(text_at(st, 4));
        out->counts = (RunCounts){(uint64_t)sqlite3_column_int64(st, 5), (uint64_t)sqlite3_column_int64(st, 6),
                                  (uint64_t)sqlite3_column_int64(st, 7), (uint64_t)sqlite3_column_int64(st, 8)};
    }
    sqlite3_finalize(st);
    if (!found)
        return ledger_failf(error, "%s has no run %lld (the latest is %lld)", l->path, (long long)run,
                            (long long)out->latest);
    return true;
}

void ledger_run_info_free(RunInfo *r)
{
    free(r->rules_path);
    r->rules_path = NULL;
}

char *ledger_run_rules_text(Ledger *l, int64_t run, size_t *len, char **error)
{
    sqlite3_stmt *st = ledger_prepare(l, "SELECT rules_text FROM doudi_runs WHERE id = ?1", error);
    if (!st) return NULL;
    sqlite3_bind_int64(st, 1, run);
    char *text = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *len = (size_t)sqlite3_column_bytes(st, 0);
        text = xcalloc(*len + 1, 1);
        memcpy(text, sqlite3_column_text(st, 0), *len);
    } else {
        ledger_failf(error, "%s has no run %lld", l->path, (long long)run);
    }
    sqlite3_finalize(st);
    return text;
}

/* ---- results ---------------------------------------------------------------------------------------- */

bool ledger_result_add(Ledger *l, int64_t run, const ResultRow *r, char **error)
{
    sqlite3_stmt *st = ledger_cached(l, &l->result_insert,
        "INSERT INTO doudi_results (run, key, categories, primary_category, placement, year, fired,"
        " sched_partition, sched_group, sched_rank) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", error);
    if (!st) return false;
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_text(st, 2, r->key, (int)r->key_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->categories, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->primary, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, r->placement, -1, SQLITE_STATIC);
    if (r->has_year) sqlite3_bind_int64(st, 6, r->year);
    else sqlite3_bind_null(st, 6);
    sqlite3_bind_text(st, 7, r->fired, -1, SQLITE_STATIC);
    if (r->has_rank) {
        sqlite3_bind_text(st, 8, r->partition ? r->partition : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 9, r->group);
        sqlite3_bind_int64(st, 10, r->rank);
    } else {
        for (int i = 8; i <= 10; i++) sqlite3_bind_null(st, i);
    }
    return sqlite3_step(st) == SQLITE_DONE || ledger_fail(l, error, NULL);
}

bool ledger_result_of(Ledger *l, int64_t run, const char *key, ResultRow *out, bool *found, char **error)
{
    memset(out, 0, sizeof *out);
    *found = false;
    sqlite3_stmt *st = ledger_prepare(l,
        "SELECT key, categories, primary_category, placement, year, fired, sched_partition, sched_group, sched_rank "
        "FROM doudi_results WHERE run = ?1 AND key = ?2", error);
    if (!st) return false;
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *found = true;
        out->key = xstrdup(text_at(st, 0));
        out->key_len = strlen(out->key);
        out->categories = xstrdup(text_at(st, 1));
        out->primary = xstrdup(text_at(st, 2));
        out->placement = xstrdup(text_at(st, 3));
        out->has_year = sqlite3_column_type(st, 4) != SQLITE_NULL;
        out->year = out->has_year ? sqlite3_column_int64(st, 4) : 0;
        out->fired = xstrdup(text_at(st, 5));
        out->has_rank = sqlite3_column_type(st, 8) != SQLITE_NULL;
        if (out->has_rank) {
            out->partition = xstrdup(text_at(st, 6));
            out->group = sqlite3_column_int64(st, 7);
            out->rank = sqlite3_column_int64(st, 8);
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE || ledger_fail(l, error, NULL);
}

void ledger_result_free(ResultRow *r)
{
    free((char *)r->key);
    free((char *)r->categories);
    free((char *)r->primary);
    free((char *)r->placement);
    free((char *)r->fired);
    free((char *)r->partition);
    memset(r, 0, sizeof *r);
}

char *ledger_review_reason(Ledger *l, int64_t run, const char *key)
{
    sqlite3_stmt *st = ledger_prepare(l,
        run ? "SELECT reason FROM doudi_review WHERE run = ?1 AND raw = ?2 ORDER BY id DESC LIMIT 1"
            : "SELECT reason FROM doudi_review WHERE run IS NULL AND ?1 = ?1 AND instr(raw, ?2) > 0 ORDER BY id DESC LIMIT 1",
        NULL);
    if (!st) return NULL;
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    char *reason = sqlite3_step(st) == SQLITE_ROW ? xstrdup(text_at(st, 0)) : NULL;
    sqlite3_finalize(st);
    return reason;
}

struct LedgerResults {
    Ledger *l;
    sqlite3_stmt *st;
};

LedgerResults *ledger_results(Ledger *l, int64_t run, char **error)
{
    sqlite3_stmt *st = ledger_prepare(l,
        "SELECT key, categories, primary_category, placement, year, fired FROM doudi_results WHERE run = ?1 "
        "ORDER BY key", error);
    if (!st) return NULL;
    sqlite3_bind_int64(st, 1, run);
    LedgerResults *c = xcalloc(1, sizeof *c);
    *c = (LedgerResults){l, st};
    return c;
}

int ledger_results_next(LedgerResults *c, ResultRow *out, char **error)
{
    int rc = sqlite3_step(c->st);
    if (rc == SQLITE_DONE) return 0;
    if (rc != SQLITE_ROW) {
        ledger_fail(c->l, error, NULL);
        return -1;
    }
    out->key = text_at(c->st, 0);
    out->key_len = (size_t)sqlite3_column_bytes(c->st, 0);
    out->categories = text_at(c->st, 1);
    out->primary = text_at(c->st, 2);
    out->placement = text_at(c->st, 3);
    out->has_year = sqlite3_column_type(c->st, 4) != SQLITE_NULL;
    out->year = out->has_year ? sqlite3_column_int64(c->st, 4) : 0;
    out->fired = text_at(c->st, 5);
    return 1;
}

void ledger_results_close(LedgerResults *c)
{
    if (!c) return;
    sqlite3_finalize(c->st);
    free(c);
}

/* ---- the results file ------------------------------------------------------------------------------- */

/* The stored results of a run, as a ledger_result_fn. */
static int next_stored(void *ctx, ResultRow *out, char **error)
{
    return ledger_results_next(ctx, out, error);
}

/* As "%lld" would write it, without a format string parsed per row. */
static void put_int(StrBuf *sb, int64_t v)
{
    char buf[24], *p = buf + sizeof buf;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0) *--p = '-';
    sb_putn(sb, p, (size_t)(buf + sizeof buf - p));
}

/* The results file from the rows `next` gives, in key order. */
static bool write_rows(int fd, ledger_result_fn next, void *ctx, char **error)
{
    int dupfd = dup(fd);
    FILE *f = dupfd >= 0 ? fdopen(dupfd, "wb") : NULL;
    if (!f) {
        if (dupfd >= 0) close(dupfd);
        return ledger_failf(error, "cannot write the results file: %s", strerror(errno));
    }
    oom_undo_push(oom_undo_fclose, f);   /* a row's text may need memory there is not */
    int rc = 1;
    fputs("id,categories,primary_category,placement,year\n", f);
    ResultRow r;
    StrBuf line = {0};   /* rows gathered, written some 64 KiB at a time */
    while ((rc = next(ctx, &r, error)) == 1) {
        if (line.count >= 65536) {
            fwrite(line.items, 1, line.count, f);
            line.count = 0;
        }
        csv_write_cell(&line, r.key);
        sb_putc(&line, ',');
        csv_write_cell(&line, r.categories);
        sb_putc(&line, ',');
        csv_write_cell(&line, r.primary);
        sb_putc(&line, ',');
        csv_write_cell(&line, r.placement);
        sb_putc(&line, ',');
        if (r.has_year) put_int(&line, r.year);
        sb_putc(&line, '\n');
    }
    fwrite(line.items, 1, line.count, f);
    sb_free(&line);
    errno = 0;
    bool written = !ferror(f);             /* a write that failed mid-way (disk full) */
    oom_undo_drop(f);
    written = fclose(f) == 0 && written;
    if (rc < 0) return false;
    if (!written) return ledger_failf(error, "cannot write the results file: %s", strerror(errno ? errno : EIO));
    return true;
}

bool ledger_write_results(Ledger *l, int64_t run, int fd, char **error)
{
    LedgerResults *c = ledger_results(l, run, error);
    bool ok = c && write_rows(fd, next_stored, c, error);
    ledger_results_close(c);
    return ok;
}

/* The rows to write: the run's stored results (next NULL), or the caller's. */
static bool write_results(Ledger *l, int64_t run, int fd, ledger_result_fn next, void *ctx, char **error)
{
    return next ? write_rows(fd, next, ctx, error) : ledger_write_results(l, run, fd, error);
}

/* The directory a path is in, made absolute, with the file's name: where the results file goes
 * and where a later open finds it again. */
static char *absolute_path(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
    char real[PATH_MAX];
    char *abs = realpath(dir, real) ? xasprintf("%s/%s", strcmp(real, "/") ? real : "", slash ? slash + 1 : path)
                                    : NULL;
    free(dir);
    return abs;
}

/* An unnamed file in the directory of `path` (it vanishes if the process dies before it is
 * linked), or, where the file system has no unnamed files, a named temporary one. */
static int open_unnamed(const char *path, char **tmp)
{
    *tmp = NULL;
    const char *slash = strrchr(path, '/');
    char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    free(dir);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) return fd;
    char *name = xasprintf("%s.tmp.XXXXXX", path);
    fd = mkstemp(name);
    if (fd < 0) free(name);
    else *tmp = name;
    return fd;
}

static bool mark_pending(Ledger *l, int64_t run, const char *abs, bool pending, char **error)
{
    sqlite3_stmt *st = ledger_prepare(l, "UPDATE doudi_runs SET results_file = ?1, results_pending = ?2 WHERE id = ?3",
                                      error);
    if (!st) return false;
    sqlite3_bind_text(st, 1, abs, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, pending);
    sqlite3_bind_int64(st, 3, run);
    bool ok = sqlite3_step(st) == SQLITE_DONE || ledger_fail(l, error, NULL);
    sqlite3_finalize(st);
    return ok;
}

/* Anything but a regular file (a device, a pipe) is written in place, never replaced. */
static bool write_directly(Ledger *l, int64_t run, const char *path, ledger_result_fn next, void *ctx,
                           char **error)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return ledger_failf(error, "cannot write %s: %s", path, strerror(errno));
    oom_undo_push(oom_undo_close, (void *)(intptr_t)fd);
    bool ok = write_results(l, run, fd, next, ctx, error);
    oom_undo_drop((void *)(intptr_t)fd);
    close(fd);
    return ok;
}

bool ledger_results_file(Ledger *l, int64_t run, const char *path, char **error)
{
    return ledger_results_file_from(l, run, path, NULL, NULL, error);
}

bool ledger_results_file_from(Ledger *l, int64_t run, const char *path, ledger_result_fn next, void *ctx,
                              char **error)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) return ledger_failf(error, "cannot write %s: it is a directory", path);
        return write_directly(l, run, path, next, ctx, error);
    }
    char *abs = absolute_path(path);
    if (!abs) return ledger_failf(error, "cannot write %s: %s", path, strerror(errno));
    /* everything allocated before the file is opened, and the file the ledger's at once: a call
     * abandoned for memory while it is written drops it (ledger_abandon) */
    char *link = xasprintf("%s.tmp", abs);
    char *tmp;
    int fd = open_unnamed(path, &tmp);
    if (fd < 0) {
        free(abs);
        free(link);
        return ledger_failf(error, "cannot write %s: %s", path, strerror(errno));
    }
    if (tmp) {
        free(link);
        link = NULL;
    }
    l->pending = (PendingFile){.fd = fd, .tmp = tmp, .path = abs, .run = run, .link = link};
    bool ok = write_results(l, run, fd, next, ctx, error);
    if (ok && fsync(fd) != 0) ok = ledger_failf(error, "cannot write %s: %s", path, strerror(errno));
    bool in_run = !sqlite3_get_autocommit(l->db);
    if (ok && in_run) ok = mark_pending(l, run, abs, true, error);
    if (!ok) {
        ledger_pending_drop(&l->pending);
        return false;
    }
    return in_run || ledger_results_file_done(l, error);
}

/* Give the unnamed file a name next to its place, then rename it there. */
static bool put_in_place(PendingFile *pf, char **error)
{
    char *named = pf->tmp ? pf->tmp : pf->link;
    if (!pf->tmp) {
        unlink(named);   /* a crashed run's */
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", pf->fd);
        if (linkat(AT_FDCWD, proc, AT_FDCWD, named, AT_SYMLINK_FOLLOW) != 0)
            return ledger_failf(error, "cannot write %s: %s", pf->path, strerror(errno));
    }
    CRASH_POINT("run.before-rename");
    bool ok = rename(named, pf->path) == 0;
    if (!ok) {
        ledger_failf(error, "cannot write %s: %s", pf->path, strerror(errno));
        unlink(named);
    }
    if (named == pf->tmp) {   /* renamed or removed: nothing for ledger_pending_drop to unlink */
        free(pf->tmp);
        pf->tmp = NULL;
    }
    if (ok) CRASH_POINT("run.after-rename");
    return ok;
}

bool ledger_results_file_done(Ledger *l, char **error)
{
    PendingFile *pf = &l->pending;
    if (!pf->path) return true;
    bool ok = put_in_place(pf, error);
    /* the file is in place (or the error says why not): a later open has nothing to redo */
    if (ok) ok = mark_pending(l, pf->run, pf->path, false, error);
    ledger_pending_drop(pf);
    return ok;
}

bool ledger_recover_results(Ledger *l, char **error)
{
    sqlite3_stmt *st = ledger_prepare(l,
        "SELECT id, results_file FROM doudi_runs WHERE results_pending = 1 ORDER BY id", error);
    if (!st) return false;
    bool ok = true;
    while (ok && sqlite3_step(st) == SQLITE_ROW) {
        int64_t run = sqlite3_column_int64(st, 0);
        char *path = xstrdup(text_at(st, 1));
        char *stale = xasprintf("%s.tmp", path);
        unlink(stale);
        free(stale);
        ok = ledger_results_file(l, run, path, error) && mark_pending(l, run, path, false, error);
        free(path);
    }
    sqlite3_finalize(st);
    return ok;
}

/* ---- the forms and the capacity plan ---------------------------------------------------------------- */

bool ledger_form_count_add(Ledger *l, int64_t run, const char *form, const char *partition, const char *row,
                           const char *col, int64_t n, char **error)
{
    sqlite3_stmt *st = ledger_cached(l, &l->count_insert,
        "INSERT INTO doudi_form_counts (run, form, partition, row, col, n) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", error);
    if (!st) return false;
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_text(st, 2, form, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, partition, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, row, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, col, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, n);
    return sqlite3_step(st) == SQLITE_DONE || ledger_fail(l, error, NULL);
}

bool ledger_capacity_add(Ledger *l, int64_t run, const CapacityRow *r, char **error)
{
    sqlite3_stmt *st = ledger_cached(l, &l->plan_insert,
        "INSERT INTO doudi_capacity_plan (run, partition, type, demand, required_beds, existing, existing_beds, new,"
        " upgrades, tasks) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", error);
    if (!st) return false;
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_text(st, 2, r->partition, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->type, -1, SQLITE_STATIC);
    const int64_t v[7] = {r->demand, r->required_beds, r->existing, r->existing_beds, r->build, r->upgrades, r->tasks};
    for (int i = 0; i < 7; i++) sqlite3_bind_int64(st, 4 + i, v[i]);
    return sqlite3_step(st) == SQLITE_DONE || ledger_fail(l, error, NULL);
}

bool ledger_capacity_year_add(Ledger *l, int64_t run, const char *partition, const char *type, int64_t year,
                              int64_t n, char **error)
{
    sqlite3_stmt *st = ledger_cached(l, &l->year_insert,
        "INSERT INTO doudi_capacity_years (run, partition, type, year, n) VALUES (?1, ?2, ?3, ?4, ?5)", error);
    if (!st) return false;
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_text(st, 2, partition, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, year);
    sqlite3_bind_int64(st, 5, n);
    return sqlite3_step(st) == SQLITE_DONE || ledger_fail(l, error, NULL);
}

/* Step a query whose first parameter is the run (and second, when `text` is not NULL, that
 * text), handing each row to `row`; false on an SQL error or when `row` says stop. */
static bool each_row(Ledger *l, const char *sql, int64_t run, const char *text,
                     bool (*row)(sqlite3_stmt *st, void *fn, void *ctx), void *fn, void *ctx, char **error)
{
    sqlite3_stmt *st = ledger_prepare(l, sql, error);
    if (!st) return false;
    sqlite3_bind_int64(st, 1, run);
    if (text) sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
    int rc;
    bool ok = true;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) ok = row(st, fn, ctx);
    if (ok && rc != SQLITE_DONE) ok = ledger_fail(l, error, NULL);
    sqlite3_finalize(st);
    return ok;
}

static bool count_row(sqlite3_stmt *st, void *fn, void *ctx)
{
    return ((ledger_count_fn)fn)(ctx, text_at(st, 0), text_at(st, 1), text_at(st, 2), sqlite3_column_int64(st, 3));
}

bool ledger_each_form_count(Ledger *l, int64_t run, const char *form, ledger_count_fn fn, void *ctx, char **error)
{
    return each_row(l, "SELECT partition, row, col, n FROM doudi_form_counts WHERE run = ?1 AND form = ?2", run, form,
                    count_row, (void *)fn, ctx, error);
}

static bool capacity_row(sqlite3_stmt *st, void *fn, void *ctx)
{
    CapacityRow r = {text_at(st, 0), text_at(st, 1), sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
                     sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5), sqlite3_column_int64(st, 6),
                     sqlite3_column_int64(st, 7), sqlite3_column_int64(st, 8)};
    return ((ledger_capacity_fn)fn)(ctx, &r);
}

bool ledger_each_capacity(Ledger *l, int64_t run, ledger_capacity_fn fn, void *ctx, char **error)
{
    return each_row(l,
                    "SELECT partition, type, demand, required_beds, existing, existing_beds, new, upgrades, tasks "
                    "FROM doudi_capacity_plan WHERE run = ?1 ORDER BY partition, type", run, NULL, capacity_row, (void *)fn, ctx, error);
}

static bool year_row(sqlite3_stmt *st, void *fn, void *ctx)
{
    return ((ledger_year_fn)fn)(ctx, text_at(st, 0), text_at(st, 1), sqlite3_column_int64(st, 2),
                                sqlite3_column_int64(st, 3));
}

bool ledger_each_capacity_year(Ledger *l, int64_t run, ledger_year_fn fn, void *ctx, char **error)
{
    return each_row(l, "SELECT partition, type, year, n FROM doudi_capacity_years WHERE run = ?1 ORDER BY year, partition, type", run, NULL,
                    year_row, (void *)fn, ctx, error);
}

static bool name_row(sqlite3_stmt *st, void *fn, void *ctx) { return ((ledger_name_fn)fn)(ctx, text_at(st, 0)); }

bool ledger_each_partition(Ledger *l, int64_t run, const char *form, ledger_name_fn fn, void *ctx, char **error)
{
    if (form)
        return each_row(l, "SELECT DISTINCT partition FROM doudi_form_counts WHERE run = ?1 AND form = ?2", run, form,
                        name_row, (void *)fn, ctx, error);
    return each_row(l, "SELECT DISTINCT partition FROM doudi_capacity_plan WHERE run = ?1", run, NULL, name_row,
                    (void *)fn, ctx, error);
}

/* ---- the schedule's groups and yearly cut-offs ------------------------------------------------ */

bool ledger_schedule_year_add(Ledger *l, int64_t run, const ScheduleYearRow *r, char **error)
{
    sqlite3_stmt *st = ledger_cached(l, &l->sched_insert,
        "INSERT INTO doudi_schedule_years (run, partition, grp, year, n, quota, cutoff_key, cutoff_keys)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", error);
    if (!st) return false;
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_text(st, 2, r->partition, -1, SQLITE_STATIC);
    const int64_t v[4] = {r->group, r->year, r->n, r->quota};
    for (int i = 0; i < 4; i++) sqlite3_bind_int64(st, 3 + i, v[i]);
    if (r->cutoff_key) {
        sqlite3_bind_text(st, 7, r->cutoff_key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, r->cutoff_keys ? r->cutoff_keys : "", -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, 7);
        sqlite3_bind_null(st, 8);
    }
    return sqlite3_step(st) == SQLITE_DONE || ledger_fail(l, error, NULL);
}

int ledger_schedule_years(Ledger *l, int64_t run, const char *partition, int64_t group, ScheduleYearRow *out,
                          int max, char **error)
{
    sqlite3_stmt *st = ledger_prepare(l,
        "SELECT year, n, quota, cutoff_key, cutoff_keys FROM doudi_schedule_years"
        " WHERE run = ?1 AND partition = ?2 AND grp = ?3 ORDER BY year", error);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_text(st, 2, partition, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, group);
    int n = 0, rc = SQLITE_DONE;
    while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        bool cut = sqlite3_column_type(st, 3) != SQLITE_NULL;
        out[n++] = (ScheduleYearRow){
            .partition = xstrdup(partition), .group = group, .year = sqlite3_column_int64(st, 0),
            .n = sqlite3_column_int64(st, 1), .quota = sqlite3_column_int64(st, 2),
            .cutoff_key = cut ? xstrdup(text_at(st, 3)) : NULL, .cutoff_keys = cut ? xstrdup(text_at(st, 4)) : NULL,
        };
    }
    bool failed = rc != SQLITE_ROW && rc != SQLITE_DONE;
    if (failed) ledger_fail(l, error, NULL);
    sqlite3_finalize(st);
    if (failed) ledger_schedule_years_free(out, n);
    return failed ? -1 : n;
}

void ledger_schedule_years_free(ScheduleYearRow *rows, int n)
{
    for (int i = 0; i < n; i++) {
        free((char *)rows[i].partition);
        free((char *)rows[i].cutoff_key);
        free((char *)rows[i].cutoff_keys);
    }
}
