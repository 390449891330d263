/* ledger_int.h — what the ledger's files share (ledger.h is the interface): the connection,
 * its statements prepared once, and small helpers. ledger.c opens, migrates and recovers;
 * ledger_records.c holds the record tables and their declarations; ledger_runs.c the runs,
 * results, review, forms and capacity plans. Nothing outside src/engine/ledger*.c includes
 * this header or sqlite3.h. */
#ifndef DOUDI_LEDGER_INT_H
#define DOUDI_LEDGER_INT_H

#include "ledger.h"

#include <sqlite3.h>

/* A results file written before a run's commit, waiting to be put in place after it. */
typedef struct PendingFile {
    int fd;                    /* the unnamed file (O_TMPFILE), or -1 */
    char *tmp;                 /* without O_TMPFILE: the named temporary file */
    char *path;                /* where it goes */
    char *link;                /* with O_TMPFILE: the name it is linked under before the rename,
                                  made beforehand — nothing is allocated after the commit */
    int64_t run;
} PendingFile;

/* The page cache a connection keeps (PRAGMA cache_size, in KiB when negative): 64 MiB holds a
 * few hundred thousand persons' pages. An import raises it while it writes (ledger_records.c). */
#define LEDGER_CACHE_KIB "-65536"

/* The statements a connection prepares once and keeps (ledger_cached), listed once: the struct's
 * fields, closing and abandoning an operation all go by this list. */
#define LEDGER_CACHED_STATEMENTS(X) \
    X(result_insert) X(review_insert) X(count_insert) X(plan_insert) X(year_insert) X(sched_insert)

struct Ledger {
    sqlite3 *db;
    char *path;
    LedgerMode mode;
    bool created;              /* this process made the file (LEDGER_CREATE on a missing file) */
#define LEDGER_STMT_FIELD(name) sqlite3_stmt *name;
    LEDGER_CACHED_STATEMENTS(LEDGER_STMT_FIELD)
#undef LEDGER_STMT_FIELD
    PendingFile pending;
};

/* Set *error to "PATH: SQLite's message" (or `what` instead of the path); returns false. */
bool ledger_fail(Ledger *l, char **error, const char *what);
bool ledger_failf(char **error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool ledger_exec(Ledger *l, const char *sql, char **error);
/* Forget a results file not yet in place: its descriptor closed, its temporary file removed. */
void ledger_pending_drop(PendingFile *pf);
sqlite3_stmt *ledger_prepare(Ledger *l, const char *sql, char **error);
/* A statement prepared once per connection and kept in *slot, reset for reuse. */
sqlite3_stmt *ledger_cached(Ledger *l, sqlite3_stmt **slot, const char *sql, char **error);
/* "name" quoted as an SQL identifier. */
void ledger_quote_ident(StrBuf *sb, const char *name);
bool ledger_table_exists(Ledger *l, const char *name);

/* ledger_runs.c: the results file of a run written to a file descriptor (a CSV, sorted). */
bool ledger_write_results(Ledger *l, int64_t run, int fd, char **error);
/* ledger_runs.c: put in place the results files crashed runs left pending. */
bool ledger_recover_results(Ledger *l, char **error);

#endif
