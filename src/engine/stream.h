/* stream.h — the streaming run: persons read from a ledger file (CSV or .xlsx, rows.h) straight
 * into the run, without importing them.
 *
 * Each row is validated exactly as `doudi import` validates it (import.h's RowCheck: the same
 * reasons at the same line and column; a key the file had before is reviewed, as the import
 * reviews the second), and each good row is evaluated, scheduled and counted into the forms by
 * the run (run.h's RunSource) as it is read. The run's own outputs — its row, results, years,
 * forms and capacity plan — go to the ledger given, which need hold no person: the caller
 * passes a scratch one (SQLite ":memory:"), so that the results file and every form are
 * written by the very code `doudi run` and `doudi report` use, and are byte for byte theirs.
 *
 * The review file (when asked for) is CSV, UTF-8: a header `file,line,column,reason,row`, then
 * one line per row sent to review — the rows other imports into this ledger sent there first
 * (the institutions), then the persons file's in line order — with its position (a CSV's
 * physical line or a sheet's row; the 1-based column, 0 for the whole row), the reason in the
 * language of messages and the row as read. A person whose row was good but who could not be
 * evaluated (the run's review) is there too, at its line, column 0. It holds full ids: written
 * to a temporary file created 0600 beside it and renamed into place after the run, never
 * left half-written; anything but a regular file (a pipe, /dev/stdout) is written directly. */
#ifndef DOUDI_STREAM_H
#define DOUDI_STREAM_H

#include "import.h"
#include "run.h"

#include <stdio.h>

typedef struct StreamOptions {
    const char *path;          /* the persons file */
    const char *encoding;      /* a CSV's: NULL to detect (import.h) */
    const char *sheet;         /* a workbook's sheet: NULL for the first */
    const char *review_path;   /* NULL: no review file */
    /* The result rows stored in the ledger's results table, as `doudi run` stores them, for
     * whoever reads the run back from the ledger (a diff of two rule files); otherwise they are
     * kept in memory for the results file alone. */
    bool store_results;
    /* Threads (0 or 1: this one alone): one at a time reads and checks rows, the others
     * evaluate, this one writes (run.h); the output is the same whatever the number. */
    unsigned jobs;
} StreamOptions;

/* Run p over the persons of opt->path into ledger l (see above); the results file to
 * results_path (NULL: none), each bad row reported to `report` (may be NULL) as the import
 * reports it. *read receives what an import of the file would say of its rows (rows read,
 * `added` the good ones, review), *stats the run's counts. False on a file-level error (the
 * file unreadable, a missing column: nothing written) or a failure of the run. */
bool stream_run(Ledger *l, const Program *p, Vm *vm, const StreamOptions *opt, const char *results_path,
                FILE *report, RunProgress progress, void *ctx, ImportStats *read, RunStats *stats, char **error);

#endif
