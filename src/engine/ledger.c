/* ledger.c — the SQLite store (see ledger.h). */
#include "ledger.h"
#include "forms.h"
#include "vm/values.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const BASE_SCHEMA =
    "CREATE TABLE IF NOT EXISTS runs ("
    "  id INTEGER PRIMARY KEY,"
    "  rules_path TEXT NOT NULL,"
    "  rules_text TEXT NOT NULL,"
    "  rules_sha256 TEXT NOT NULL,"
    "  as_of TEXT NOT NULL,"
    "  started_at TEXT NOT NULL,"
    "  finished_at TEXT,"
    "  persons INTEGER, targets INTEGER, centralized INTEGER, in_review INTEGER);"
    "CREATE TABLE IF NOT EXISTS results ("
    "  run INTEGER NOT NULL REFERENCES runs(id),"
    "  key TEXT NOT NULL,"
    "  categories TEXT NOT NULL,"
    "  primary_category TEXT NOT NULL,"
    "  placement TEXT NOT NULL,"
    "  year INTEGER,"
    "  fired TEXT NOT NULL,"
    "  PRIMARY KEY (run, key)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS review ("
    "  id INTEGER PRIMARY KEY,"
    "  source TEXT NOT NULL,"
    "  line INTEGER NOT NULL,"
    "  col INTEGER NOT NULL,"
    "  reason TEXT NOT NULL,"
    "  raw TEXT NOT NULL,"
    "  record TEXT NOT NULL,"
    "  run INTEGER);"
    "CREATE INDEX IF NOT EXISTS review_source ON review(source);";

static bool fail_db(Ledger *l, char **error, const char *what)
{
    if (error) {
        StrBuf sb = {0};
        sb_printf(&sb, "%s: %s", what, sqlite3_errmsg(l->db));
        *error = sb_take(&sb);
    }
    return false;
}

bool ledger_exec(Ledger *l, const char *sql, char **error)
{
    char *msg = NULL;
    if (sqlite3_exec(l->db, sql, NULL, NULL, &msg) == SQLITE_OK) return true;
    if (error) {
        StrBuf sb = {0};
        sb_printf(&sb, "%s: %s", l->path, msg ? msg : "SQL error");
        *error = sb_take(&sb);
    }
    sqlite3_free(msg);
    return false;
}

Ledger *ledger_open(const char *path, char **error)
{
    Ledger *l = xcalloc(1, sizeof *l);
    l->path = xstrdup(path);
    /* one connection, one thread: no per-call mutex (SQLite's default would take one) */
    if (sqlite3_open_v2(path, &l->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        fail_db(l, error, path);
        ledger_close(l);
        return NULL;
    }
    sqlite3_busy_timeout(l->db, 5000);
    /* An import or a run is one transaction over the whole table, inserting by key in file
     * order (random for the B-tree): SQLite's default 2 MB page cache then spills and re-reads
     * the same pages over and over (300,000 persons: ~1M pread/pwrite, half the wall time).
     * 64 MB holds a few hundred thousand persons' pages. */
    if (!ledger_exec(l, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                        "PRAGMA cache_size=-65536;", error) ||
        !ledger_exec(l, BASE_SCHEMA, error) || !ledger_exec(l, FORMS_SCHEMA, error)) {
        ledger_close(l);
        return NULL;
    }
    return l;
}

void ledger_close(Ledger *l)
{
    if (!l) return;
    if (l->db) sqlite3_close(l->db);
    free(l->path);
    free(l);
}

bool ledger_begin(Ledger *l, char **error) { return ledger_exec(l, "BEGIN IMMEDIATE", error); }
bool ledger_commit(Ledger *l, char **error) { return ledger_exec(l, "COMMIT", error); }
void ledger_rollback(Ledger *l) { sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL); }

sqlite3_stmt *ledger_prepare(Ledger *l, const char *sql, char **error)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK) {
        fail_db(l, error, "SQL");
        return NULL;
    }
    return st;
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

static const char *column_type(const FieldInfo *f)
{
    return f->kind == VK_INT || f->kind == VK_BOOL ? "INTEGER" : "TEXT";
}

static bool table_columns(Ledger *l, const char *table, StrBuf *have, char **error)
{
    StrBuf sql = {0};
    sb_puts(&sql, "PRAGMA table_info(");
    ledger_quote_ident(&sql, table);
    sb_puts(&sql, ")");
    sqlite3_stmt *st = ledger_prepare(l, sb_str(&sql), error);
    sb_free(&sql);
    if (!st) return false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        sb_putc(have, '\x1f');
        sb_puts(have, (const char *)sqlite3_column_text(st, 1));
        sb_putc(have, '\x1f');
    }
    sqlite3_finalize(st);
    return true;
}

bool ledger_ensure_record_table(Ledger *l, const RecordInfo *ri, char **error)
{
    StrBuf have = {0};
    if (!table_columns(l, ri->name, &have, error)) return false;
    StrBuf sql = {0};
    if (have.count == 0) {
        sb_puts(&sql, "CREATE TABLE ");
        ledger_quote_ident(&sql, ri->name);
        sb_puts(&sql, " (");
        for (uint32_t i = 0; i < ri->nfields; i++) {
            const FieldInfo *f = &ri->fields[i];
            if (i) sb_puts(&sql, ", ");
            ledger_quote_ident(&sql, f->name);
            sb_printf(&sql, " %s%s", column_type(f), f->key ? " PRIMARY KEY NOT NULL" : "");
        }
        sb_puts(&sql, ri->key >= 0 ? ") WITHOUT ROWID" : ")");
    } else {
        for (uint32_t i = 0; i < ri->nfields; i++) {
            char probe[256];
            snprintf(probe, sizeof probe, "\x1f%s\x1f", ri->fields[i].name);
            if (strstr(sb_str(&have), probe)) continue;
            sb_puts(&sql, "ALTER TABLE ");
            ledger_quote_ident(&sql, ri->name);
            sb_puts(&sql, " ADD COLUMN ");
            ledger_quote_ident(&sql, ri->fields[i].name);
            sb_printf(&sql, " %s;", column_type(&ri->fields[i]));
        }
    }
    bool ok = sql.count == 0 || ledger_exec(l, sb_str(&sql), error);
    sb_free(&sql);
    sb_free(&have);
    return ok;
}

bool ledger_bind_value(sqlite3_stmt *st, int i, const Program *p, const FieldInfo *f, int64_t v)
{
    if (f->kind == VK_INT || f->kind == VK_BOOL) return sqlite3_bind_int64(st, i, v) == SQLITE_OK;
    if (f->kind == VK_TEXT) return sqlite3_bind_text(st, i, (const char *)(intptr_t)v, -1, SQLITE_TRANSIENT) == SQLITE_OK;
    StrBuf sb = {0};
    value_format(p, f->kind, f->enum_index, v, false, &sb);
    bool ok = sqlite3_bind_text(st, i, sb_str(&sb), (int)sb.count, SQLITE_TRANSIENT) == SQLITE_OK;
    sb_free(&sb);
    return ok;
}

bool ledger_column_value(sqlite3_stmt *st, int col, const Program *p, const FieldInfo *f, int64_t *out,
                         char **owned, char *err, size_t errlen)
{
    *owned = NULL;
    int type = sqlite3_column_type(st, col);
    if (type == SQLITE_NULL) {
        if (!f->has_default) {
            snprintf(err, errlen, "%s: missing (it has no default)", f->name);
            return false;
        }
        if (f->kind == VK_TEXT) {
            *owned = xstrdup(p->strings[f->default_value]);
            *out = (int64_t)(intptr_t)*owned;
        } else {
            *out = f->default_value;
        }
        return true;
    }
    if ((f->kind == VK_INT || f->kind == VK_BOOL) && type == SQLITE_INTEGER) {
        *out = sqlite3_column_int64(st, col);
        return true;
    }
    const char *text = (const char *)sqlite3_column_text(st, col);
    int n = sqlite3_column_bytes(st, col);
    if (f->kind == VK_TEXT) {
        *owned = xstrndup(text ? text : "", (size_t)n);
        *out = (int64_t)(intptr_t)*owned;
        return true;
    }
    char reason[200];
    if (!value_parse(p, f, text ? text : "", (size_t)n, out, owned, reason, sizeof reason)) {
        snprintf(err, errlen, "%s: %s", f->name, reason);
        return false;
    }
    return true;
}

void ledger_select_fields(StrBuf *sql, const RecordInfo *ri, const char *tail)
{
    sb_puts(sql, "SELECT ");
    for (uint32_t i = 0; i < ri->nfields; i++) {
        if (i) sb_puts(sql, ", ");
        ledger_quote_ident(sql, ri->fields[i].name);
    }
    sb_puts(sql, " FROM ");
    ledger_quote_ident(sql, ri->name);
    sb_puts(sql, tail);
}

int64_t ledger_count(Ledger *l, const RecordInfo *ri)
{
    StrBuf sql = {0};
    sb_puts(&sql, "SELECT count(*) FROM ");
    ledger_quote_ident(&sql, ri->name);
    sqlite3_stmt *st = ledger_prepare(l, sb_str(&sql), NULL);
    sb_free(&sql);
    if (!st) return 0;
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return n;
}
