/* ledger_review.c — reading the review table back, and dropping single entries (see ledger.h):
 * for `doudi review`, which sends the rows back to the clerk, and for the import of the
 * corrected rows, which takes them out of review again. ledger_records.c adds and clears them
 * by source. */
#include "ledger_int.h"

#include <stdint.h>

static const char *text_at(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return t ? t : "";
}

static uint32_t u32_at(sqlite3_stmt *st, int i)
{
    int64_t v = sqlite3_column_int64(st, i);
    return v > 0 && v <= UINT32_MAX ? (uint32_t)v : 0;
}

/* Each row of st (id, source, line, col, reason, raw, record, run) to fn; st finalized. */
static bool each_entry(Ledger *l, sqlite3_stmt *st, ledger_review_entry_fn fn, void *ctx, char **error)
{
    int rc;
    bool ok = true;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        ReviewEntry e = {.source = text_at(st, 1), .line = u32_at(st, 2), .col = u32_at(st, 3),
                         .reason = text_at(st, 4), .raw = text_at(st, 5),
                         .raw_len = (size_t)sqlite3_column_bytes(st, 5), .record = text_at(st, 6),
                         .run = sqlite3_column_int64(st, 7)};
        ok = fn(ctx, sqlite3_column_int64(st, 0), &e);
    }
    if (ok && rc != SQLITE_DONE) ok = ledger_fail(l, error, NULL);
    sqlite3_finalize(st);
    return ok;
}

bool ledger_each_review(Ledger *l, const char *record, const char *source, ledger_review_entry_fn fn, void *ctx,
                        char **error)
{
    sqlite3_stmt *st = ledger_prepare(l,
        "SELECT id, source, line, col, reason, raw, record, run FROM doudi_review "
        "WHERE run IS NULL AND (?1 IS NULL OR record = ?1) AND (?2 IS NULL OR source = ?2) "
        "ORDER BY source, record, line, id", error);
    if (!st) return false;
    if (record) sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
    if (source) sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
    return each_entry(l, st, fn, ctx, error);
}

bool ledger_each_run_review(Ledger *l, ledger_review_entry_fn fn, void *ctx, char **error)
{
    sqlite3_stmt *st = ledger_prepare(l,
        "SELECT id, source, line, col, reason, raw, record, run FROM doudi_review "
        "WHERE run = (SELECT max(id) FROM doudi_runs) ORDER BY record, raw, id", error);
    return st && each_entry(l, st, fn, ctx, error);
}

bool ledger_review_delete(Ledger *l, int64_t id, char **error)
{
    sqlite3_stmt *st = ledger_prepare(l, "DELETE FROM doudi_review WHERE id = ?1", error);
    if (!st) return false;
    sqlite3_bind_int64(st, 1, id);
    bool ok = sqlite3_step(st) == SQLITE_DONE || ledger_fail(l, error, NULL);
    sqlite3_finalize(st);
    return ok;
}
