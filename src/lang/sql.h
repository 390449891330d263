/* sql.h — the second back end: a checked rule file as an SQL script.
 *
 * sql_generate turns the typed rule file (check.h) and its compiled Program (for the engine
 * phases' layout and the params' current values) into a script that a database engine runs
 * against the ledger's record tables: the per-person evaluation, the results table, the
 * yearly schedule, the capacity plan and every form's cells, each as a table or view whose
 * comments carry the rule file's lines and cites. The numbers are the VM's: integers and
 * fixed point with 4 decimals, dates as day numbers, rounding and quotas as base/fixed.h
 * says, and a person whose evaluation the VM would stop (an overflow, a malformed id, a
 * value the rules no longer accept) is held back for review as the VM holds them back.
 *
 * What has no SQL form in the chosen dialect is a diagnostic (file:line:col and the
 * construct), never SQL that computes something else. */
#ifndef DOUDI_SQL_H
#define DOUDI_SQL_H

#include "check.h"
#include "vm/program.h"

typedef enum SqlDialect {
    SQL_POSTGRES,
    SQL_SQLITE,
    SQL_DUCKDB,
    SQL_SPARK,
} SqlDialect;

typedef struct SqlOptions {
    SqlDialect dialect;
    const char *person_table;       /* NULL: the subject record's name (as doudi import names it) */
    const char *institution_table;  /* NULL: the capacity plan's record's name */
    const char *prefix;             /* NULL: "plan_"; every object the script makes starts so */
    bool ddl;                       /* instead of the plan: CREATE TABLE for the record tables */
} SqlOptions;

/* "postgres", "sqlite", "duckdb", "spark" (also "postgresql", "spark-sql"); false when unknown. */
bool sql_dialect_parse(const char *name, SqlDialect *out);
const char *sql_dialect_name(SqlDialect d);

/* The script (malloc'd), or NULL with diagnostics in `diags`. `regs` are the VM registers the
 * params are read from (so an overridden param — `--as-of` — is in the script); NULL: the
 * values the Program was compiled with. */
char *sql_generate(const Rules *r, const Program *p, const int64_t *regs, const SqlOptions *opt,
                   DiagList *diags);

#endif
