/* ledger_report.c — what the documents (the HTML report) read of a run beyond its forms: its
 * targets counted per partition, category, placement and year, and the review queue counted
 * by reason (see ledger.h). Both are one GROUP BY each, so a report over a million persons
 * reads a few hundred rows. */
#include "ledger_int.h"

#include <stdlib.h>
#include <string.h>

static const char *text_at(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return t ? t : "";
}

/* The partition of each result: the person's field, joined by key (the results table keeps
 * only the key; the person table's key is its primary key, so the join is a lookup each). */
static void outcome_sql(const Program *p, int32_t partition_field, StrBuf *sql)
{
    const RecordInfo *ri = p->nrecords ? &p->records[0] : NULL;
    bool joined = ri && ri->key >= 0 && partition_field >= 0 && (uint32_t)partition_field < ri->nfields;
    sb_puts(sql, "SELECT ");
    if (joined) {
        sb_puts(sql, "coalesce(p.");
        ledger_quote_ident(sql, ri->fields[partition_field].name);
        sb_puts(sql, ", '')");
    } else {
        sb_puts(sql, "''");
    }
    sb_puts(sql, ", r.primary_category, r.placement, r.year, count(*) FROM doudi_results r ");
    if (joined) {
        sb_puts(sql, "LEFT JOIN ");
        ledger_quote_ident(sql, ri->name);
        sb_puts(sql, " p ON p.");
        ledger_quote_ident(sql, ri->fields[ri->key].name);
        sb_puts(sql, " = r.key ");
    }
    sb_puts(sql, "WHERE r.run = ?1 AND r.primary_category <> '' GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4");
}

bool ledger_each_outcome(Ledger *l, const Program *p, int64_t run, int32_t partition_field, ledger_outcome_fn fn,
                         void *ctx, char **error)
{
    StrBuf sql = {0};
    outcome_sql(p, partition_field, &sql);
    sqlite3_stmt *st = ledger_prepare(l, sb_str(&sql), error);
    sb_free(&sql);
    if (!st) return false;
    sqlite3_bind_int64(st, 1, run);
    int rc;
    bool ok = true;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        bool has_year = sqlite3_column_type(st, 3) != SQLITE_NULL;
        /* an enum field stores the identifier; the partition is keyed as the run keyed it */
        const char *part = text_at(st, 0), *key = partition_field >= 0 ? program_partition_find(p, partition_field, part) : part;
        ok = fn(ctx, key ? key : part, text_at(st, 1), text_at(st, 2), has_year, sqlite3_column_int64(st, 3),
                sqlite3_column_int64(st, 4));
    }
    if (ok && rc != SQLITE_DONE) ok = ledger_fail(l, error, NULL);
    sqlite3_finalize(st);
    return ok;
}

bool ledger_each_review_count(Ledger *l, int64_t run, ledger_review_fn fn, void *ctx, char **error)
{
    sqlite3_stmt *st = ledger_prepare(l,
        "SELECT record, col, reason, count(*) FROM doudi_review WHERE run IS NULL OR run = ?1 "
        "GROUP BY record, col, reason ORDER BY record, col, reason", error);
    if (!st) return false;
    sqlite3_bind_int64(st, 1, run);
    int rc;
    bool ok = true;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t col = sqlite3_column_int64(st, 1);
        ok = fn(ctx, text_at(st, 0), col > 0 && col <= UINT32_MAX ? (uint32_t)col : 0, text_at(st, 2),
                sqlite3_column_int64(st, 3));
    }
    if (ok && rc != SQLITE_DONE) ok = ledger_fail(l, error, NULL);
    sqlite3_finalize(st);
    return ok;
}
