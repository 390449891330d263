/* ledger.h — the SQLite store: one file holds the survey ledger (a table per record type of
 * the rule file, columns from its fields), the runs, their results and the review table.
 *
 * Values are stored as people read them — enums by identifier, dates as YYYY-MM-DD, numbers
 * and percents as decimals — so the file stays legible in any SQLite browser and survives a
 * rule file that reorders an enum; ints and bools are INTEGER. Every change (an import, a run)
 * is one transaction: it lands whole or not at all. */
#ifndef DOUDI_LEDGER_H
#define DOUDI_LEDGER_H

#include "vm/program.h"
#include "base/util.h"

#include <sqlite3.h>

typedef struct Ledger {
    sqlite3 *db;
    char *path;
} Ledger;

/* Open (creating if needed) with WAL journaling; creates the runs/results/review tables. */
Ledger *ledger_open(const char *path, char **error);
void ledger_close(Ledger *l);

/* Create the table of record type `ri` if missing, and add columns for fields it lacks. */
bool ledger_ensure_record_table(Ledger *l, const RecordInfo *ri, char **error);

bool ledger_exec(Ledger *l, const char *sql, char **error);
bool ledger_begin(Ledger *l, char **error);
bool ledger_commit(Ledger *l, char **error);
void ledger_rollback(Ledger *l);

/* Prepare, with the SQLite message in *error on failure. */
sqlite3_stmt *ledger_prepare(Ledger *l, const char *sql, char **error);

/* "table" / "column" quoted as an SQL identifier. */
void ledger_quote_ident(StrBuf *sb, const char *name);

/* Bind value v of a field to parameter i in its stored form; read it back from column i. */
bool ledger_bind_value(sqlite3_stmt *st, int i, const Program *p, const FieldInfo *f, int64_t v);
/* Read column `col` into *out (text: a copy in *owned, caller frees). False with a reason in
 * err (a NULL where the field has no default, or a stored value the rules no longer accept). */
bool ledger_column_value(sqlite3_stmt *st, int col, const Program *p, const FieldInfo *f, int64_t *out,
                         char **owned, char *err, size_t errlen);

/* "SELECT <every field> FROM <record>" then `tail` (e.g. " ORDER BY ...", " WHERE ..."):
 * the columns in field order, as ledger_column_value reads them. */
void ledger_select_fields(StrBuf *sql, const RecordInfo *ri, const char *tail);

/* Count the rows of a record type's table. */
int64_t ledger_count(Ledger *l, const RecordInfo *ri);

#endif
