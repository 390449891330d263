/* ledger.h — the store: one SQLite file holds the survey ledger (a table per record type of the
 * rule file, columns from its fields), the record declarations it was imported with, the
 * runs, their results, the forms' counts, the capacity plans and the review entries. This is
 * the only code that touches SQLite (sqlite3.h is included by ledger*.c alone); everything
 * else asks for typed operations.
 *
 * Values are stored as people read them — enums by identifier, dates as YYYY-MM-DD, numbers
 * and percents as decimals — so the file stays legible in any SQLite browser and survives a
 * rule file that reorders an enum; ints and bools are INTEGER. The ledger's own tables are
 * named doudi_* (a record may not be: the checker reserves the prefix), so no record type can
 * collide with them. The schema has a version (PRAGMA user_version, LEDGER_VERSION): an older
 * ledger is upgraded when opened for writing, or when a reader may write the file; otherwise
 * it is refused with what to do.
 *
 * Every change (an import, a run) is one transaction: it lands whole or not at all. A run's
 * results file is part of the run: it is written before the commit to an unnamed file, named
 * after it, and the run's row says so until it is in place — if the process dies between the
 * commit and the rename, the next open puts the file in place from the stored results
 * (ledger_open), so the ledger and the results file are always both the old ones or both the
 * new ones, and no temporary file of full ids is left behind.
 *
 * Errors: functions returning bool or a pointer give false/NULL with a malloc'd message in
 * *error (the caller frees). */
#ifndef DOUDI_LEDGER_H
#define DOUDI_LEDGER_H

#include "base/util.h"
#include "vm/program.h"

#include <stdbool.h>
#include <stdint.h>

enum { LEDGER_VERSION = 2 };

typedef struct Ledger Ledger;

/* A callback handed one name (a key, a partition) at a time; returning false stops. */
typedef bool (*ledger_name_fn)(void *ctx, const char *name);

typedef enum LedgerMode {
    LEDGER_READ,               /* an existing ledger, opened read-only (report, explain, repl) */
    LEDGER_WRITE,              /* an existing ledger (run) */
    LEDGER_CREATE,             /* created when missing (import); ledger_discard removes it again */
} LedgerMode;

/* Open the ledger at `path`. Refused: a missing file (but with LEDGER_CREATE), a file that is
 * not a doudi ledger, a newer format; an older one is upgraded (or, read-only and the file
 * not writable, refused with what to do). A results file a crashed run left pending is put
 * in place (see the header comment). */
Ledger *ledger_open(const char *path, LedgerMode mode, char **error);
void ledger_close(Ledger *l);
/* A second, read-only connection to the file of `l`, for reading its records on another
 * thread while `l` writes (a run on several threads): NULL (no message) when `l` is not a file
 * in WAL mode — only then can a reader go on while the writer's transaction is open. Call it
 * inside `l`'s write transaction: the writer holds the file's write lock, so what this
 * connection reads is what `l` would read of the tables `l` has not written. Close with
 * ledger_close. */
Ledger *ledger_open_snapshot(Ledger *l);
/* Close a ledger this process created (LEDGER_CREATE on a missing file) and remove it with
 * its -wal and -shm files: a failed first import leaves nothing. Otherwise as ledger_close. */
void ledger_discard(Ledger *l);
const char *ledger_path(const Ledger *l);

bool ledger_begin(Ledger *l, char **error);
bool ledger_commit(Ledger *l, char **error);
/* Undo the transaction, and drop a results file written in it. */
void ledger_rollback(Ledger *l);
/* Undo an operation abandoned half-way (out of memory, base/oom.h): the statements it left
 * open finalized (the connection's own kept for reuse), its transaction rolled back, its
 * pending results file removed. Allocates nothing. */
void ledger_abandon(Ledger *l);

/* ---- what was imported: the record declarations (ledger_records.c) -------------------------- */

/* Record the declaration of record type `ri` (its fields, kinds, enum values, key), creating
 * its table or adding the columns of new fields. Inside the import's transaction. A field
 * whose kind differs from the stored declaration's is refused (the values would be misread). */
bool ledger_declare_record(Ledger *l, const Program *p, const RecordInfo *ri, char **error);
/* Declare each record type of p the ledger has no table for yet (its table made, empty), so
 * that the ledger holds a table for every record the rules declare — what `doudi sql`'s script
 * and other readers of the ledger expect — whichever files were imported. */
bool ledger_declare_absent(Ledger *l, const Program *p, char **error);
/* Can program p read this ledger's records of type `ri`? NULL when it can; else a message
 * saying what differs: no such record imported (when `required`; which there are), a field
 * whose kind changed, a field the ledger has no values for that has no default (with the fix). */
char *ledger_check_record(Ledger *l, const Program *p, const RecordInfo *ri, bool required);
/* The ledger file's size in bytes (its pages), without reading them: for estimates. */
int64_t ledger_bytes(Ledger *l);
/* How many records of type ri the ledger holds (0 when none was imported). */
int64_t ledger_count(Ledger *l, const RecordInfo *ri, char **error);

/* ---- reading records: a cursor ------------------------------------------------------------ */

typedef struct LedgerCursor LedgerCursor;

/* Every record of type ri, in key order when `ordered`. A field the ledger has no column for
 * reads as missing (its default, or a reason). */
LedgerCursor *ledger_records(Ledger *l, const Program *p, const RecordInfo *ri, bool ordered, char **error);
/* The next record's values in field order, as vm.h's records are (text values point into the
 * cursor and stay valid until the next call; a missing value takes its default).
 *   1  a record;  0  no more;
 *  -1  this record cannot be read as the rules declare it: `why` says which field and why
 *      (a NULL where there is no default, a stored value the rules no longer accept), *key its
 *      stored key; the caller sends it to review and goes on;
 *  -2  the ledger failed: *error. */
int ledger_next(LedgerCursor *c, int64_t *values, const char **key, char *why, size_t whylen, char **error);
void ledger_cursor_close(LedgerCursor *c);

/* The record of type ri whose key is `key` into values (text values are copies in owned[i],
 * the caller frees). *found false when there is none. A stored value the rules cannot read is
 * an error naming the field. */
bool ledger_record_by_key(Ledger *l, const Program *p, const RecordInfo *ri, const char *key, int64_t *values,
                          char **owned, bool *found, char **error);

/* The record of type ri whose key is `key`, each field as it is stored, as text (NULL or a
 * column the table lacks: ""), into cells[0..nfields) (the caller frees each). *found false
 * when there is none. For showing a record as it stands, whatever the rules make of it. */
bool ledger_record_texts(Ledger *l, const RecordInfo *ri, const char *key, char **cells, bool *found, char **error);

/* The keys of the records of type ri that match, in key order: by key (exactly, or by the
 * pattern `key_like` in SQL LIKE form: '410122%1234'), or by the text field `field` equal to
 * `value`. Each match is handed to fn with the record's key (a callback returning false
 * stops). */
bool ledger_each_match(Ledger *l, const RecordInfo *ri, const char *key_like, const char *field, const char *value,
                       ledger_name_fn fn, void *ctx, char **error);

/* ---- writing records (import) ---------------------------------------------------------------- */

typedef struct LedgerUpsert LedgerUpsert;

/* Each key the ledger holds for record type ri, handed to fn (text and length; in no promised
 * order): what an import reads once to know which of its rows are new. */
typedef void (*ledger_key_fn)(void *ctx, const char *key, size_t len);
bool ledger_each_key(Ledger *l, const RecordInfo *ri, ledger_key_fn fn, void *ctx, char **error);

/* keys_known: the caller read every stored key (ledger_each_key), so a record it calls new is
 * not in the ledger; records are then held and stored in key order by ledger_upsert_finish
 * (or earlier, when many are held): one pass over the table instead of a random page a row. */
LedgerUpsert *ledger_upsert_open(Ledger *l, const Program *p, const RecordInfo *ri, bool keys_known, char **error);
/* Store one record by key: `stored` says whether the ledger held its key before (from
 * ledger_each_key) — false: inserted (should the key be there after all when keys are not
 * known, updated as below); true: its other values written where one differs. Text values
 * must stay valid for the call only. Returns 1 added, 2 updated, 0 unchanged (every value the
 * same), 3 held (a stored record, counted by ledger_upsert_finish), -1 on failure (*error). */
int ledger_upsert(LedgerUpsert *u, const int64_t *values, bool stored, char **error);
/* Store the records still held, in key order, before the transaction commits; *updated and
 * *unchanged count the held stored records (0 when keys were not known). */
bool ledger_upsert_finish(LedgerUpsert *u, uint64_t *updated, uint64_t *unchanged, char **error);
void ledger_upsert_close(LedgerUpsert *u);

/* ---- review ------------------------------------------------------------------------------------ */

typedef struct ReviewEntry {
    const char *source;        /* the imported file's path as written, or "run N" */
    uint32_t line, col;        /* 0 when not from a file */
    const char *reason;
    const char *raw;           /* the row as read (import), or the record's key (run) */
    size_t raw_len;
    const char *record;        /* the record type */
    int64_t run;               /* 0: an import's */
} ReviewEntry;

bool ledger_review_add(Ledger *l, const ReviewEntry *e, char **error);
/* Drop the review entries an earlier import of `source` left for record type `record`. */
bool ledger_review_clear(Ledger *l, const char *source, const char *record, char **error);

/* ledger_review.c: the imports' review entries (not a run's), of record type `record` and
 * from `source` (either NULL: any), in order of source, record type and line; each with its
 * row id, for ledger_review_delete. A callback returning false stops with that result. */
typedef bool (*ledger_review_entry_fn)(void *ctx, int64_t id, const ReviewEntry *e);
bool ledger_each_review(Ledger *l, const char *record, const char *source, ledger_review_entry_fn fn, void *ctx,
                        char **error);
bool ledger_review_delete(Ledger *l, int64_t id, char **error);
/* The latest run's review entries — the persons it could not evaluate, raw their key — in
 * order of record type and key (none when there is no run yet). */
bool ledger_each_run_review(Ledger *l, ledger_review_entry_fn fn, void *ctx, char **error);

/* ---- runs (ledger_runs.c) ----------------------------------------------------------------------- */

typedef struct RunHeader {
    const char *rules_path;
    const char *rules_text;
    size_t rules_len;
    const char *as_of;         /* YYYY-MM-DD */
} RunHeader;

typedef struct RunCounts {
    uint64_t persons, targets, scheduled, review;
} RunCounts;

/* Start a run (inside the run's transaction): its row, with the rules' text and SHA-256 and
 * the time. *run_id receives its number. */
bool ledger_run_start(Ledger *l, const RunHeader *h, int64_t *run_id, char **error);
bool ledger_run_finish(Ledger *l, int64_t run, const RunCounts *c, char **error);

typedef struct RunInfo {
    int64_t id, latest, count;     /* this run, the latest run, how many runs */
    char as_of[16];
    char rules_sha256[65];
    char *rules_path;              /* the caller frees (ledger_run_info_free) */
    int64_t finished;              /* seconds since 1970 UTC when it finished (or started); 0 unknown */
    RunCounts counts;
} RunInfo;

/* Run `run`, or the latest when 0. Errors: no run yet, no such run. */
bool ledger_run_info(Ledger *l, int64_t run, RunInfo *out, char **error);
void ledger_run_info_free(RunInfo *r);
/* The rule file's text stored with run `run` (the caller frees); NULL on error. */
char *ledger_run_rules_text(Ledger *l, int64_t run, size_t *len, char **error);

/* ---- results ---------------------------------------------------------------------------------- */

typedef struct ResultRow {
    const char *key;
    size_t key_len;
    const char *categories;    /* "a|b" in declaration order; "" for a person in none */
    const char *primary;       /* "" for a non-target */
    const char *placement;     /* "" for none */
    bool has_year;
    int64_t year;
    const char *fired;         /* the placement branch that fired, as people read it */
    /* where the schedule ranked the person (has_rank false: not scheduled, or a run of a
     * ledger before format 2, which did not store it) */
    bool has_rank;
    const char *partition;     /* the schedule's `per` value */
    int64_t group;             /* index into the schedule's groups */
    int64_t rank;              /* 1-based, within the partition and group */
} ResultRow;

bool ledger_result_add(Ledger *l, int64_t run, const ResultRow *r, char **error);

/* Run `run`'s result for the record with key `key`, copied into *out (free with
 * ledger_result_free); *found false when the run has none. */
bool ledger_result_of(Ledger *l, int64_t run, const char *key, ResultRow *out, bool *found, char **error);
void ledger_result_free(ResultRow *r);
/* Why run `run` (0: the latest import) sent the record `key` to review, or NULL (caller frees). */
char *ledger_review_reason(Ledger *l, int64_t run, const char *key);

typedef struct LedgerResults LedgerResults;

/* Run `run`'s results in key order (byte order). */
LedgerResults *ledger_results(Ledger *l, int64_t run, char **error);
/* 1 a row (its strings valid until the next call), 0 no more, -1 the ledger failed (*error). */
int ledger_results_next(LedgerResults *c, ResultRow *out, char **error);
void ledger_results_close(LedgerResults *c);

/* The results file of run `run` (DESIGN "Results file") written to `path`. A regular file (or
 * a new one) is replaced atomically, created 0600 (it holds full ids); anything else (a pipe,
 * a device, /dev/stdout) is written directly. Called inside the run's transaction it marks the
 * file pending, so that ledger_results_file_done after the commit puts it in place — and an
 * open after a crash in between does too. Outside a run's transaction (re-writing the file of
 * an old run) it is put in place at once. */
bool ledger_results_file(Ledger *l, int64_t run, const char *path, char **error);
/* A run's result rows in key order, one per call (its strings valid until the next call): 1 a
 * row, 0 no more, -1 a failure (*error). */
typedef int (*ledger_result_fn)(void *ctx, ResultRow *out, char **error);
/* As ledger_results_file, the rows from `next` rather than the run's stored results: for a run
 * that keeps its results elsewhere (the streaming run, stream.h). A crash between the commit
 * and the rename then leaves no file to put in place (the stored results are what recovery
 * reads). */
bool ledger_results_file_from(Ledger *l, int64_t run, const char *path, ledger_result_fn next, void *ctx,
                              char **error);
/* After the run's commit: rename the pending results file into place and clear the mark. */
bool ledger_results_file_done(Ledger *l, char **error);

/* One year of one quota group of a run's schedule: the group's size n, how many of it are
 * placed by that year (quota, cumulative), and the last of them — the cut-off person — by key
 * and by the values of the order keys (as people read them, joined by a unit separator, 0x1F);
 * no cut-off when the quota is 0. */
typedef struct ScheduleYearRow {
    const char *partition;
    int64_t group, year, n, quota;
    const char *cutoff_key;    /* NULL: none */
    const char *cutoff_keys;
} ScheduleYearRow;

bool ledger_schedule_year_add(Ledger *l, int64_t run, const ScheduleYearRow *r, char **error);
/* Run `run`'s years of one partition's group, in year order: up to `max` rows into out (their
 * strings malloc'd: ledger_schedule_years_free); the count, or -1 (*error). */
int ledger_schedule_years(Ledger *l, int64_t run, const char *partition, int64_t group, ScheduleYearRow *out,
                          int max, char **error);
void ledger_schedule_years_free(ScheduleYearRow *rows, int n);

/* ---- the forms and the capacity plan ---------------------------------------------------------- */

bool ledger_form_count_add(Ledger *l, int64_t run, const char *form, const char *partition, const char *row,
                           const char *col, int64_t n, char **error);

typedef struct CapacityRow {
    const char *partition, *type;
    int64_t demand, required_beds, existing, existing_beds, build, upgrades, tasks;
} CapacityRow;

bool ledger_capacity_add(Ledger *l, int64_t run, const CapacityRow *row, char **error);
bool ledger_capacity_year_add(Ledger *l, int64_t run, const char *partition, const char *type, int64_t year,
                              int64_t n, char **error);

/* Reading them back, one callback per stored row (strings valid during the call); a callback
 * returning false stops with that result. */
typedef bool (*ledger_count_fn)(void *ctx, const char *partition, const char *row, const char *col, int64_t n);
typedef bool (*ledger_capacity_fn)(void *ctx, const CapacityRow *row);
typedef bool (*ledger_year_fn)(void *ctx, const char *partition, const char *type, int64_t year, int64_t n);

bool ledger_each_form_count(Ledger *l, int64_t run, const char *form, ledger_count_fn fn, void *ctx, char **error);
bool ledger_each_capacity(Ledger *l, int64_t run, ledger_capacity_fn fn, void *ctx, char **error);
bool ledger_each_capacity_year(Ledger *l, int64_t run, ledger_year_fn fn, void *ctx, char **error);
/* The distinct partitions of run `run`'s counts of form `form` (form NULL: of its capacity plan). */
bool ledger_each_partition(Ledger *l, int64_t run, const char *form, ledger_name_fn fn, void *ctx, char **error);

/* ---- what the documents read beyond the forms (ledger_report.c) -------------------------------- */

/* Run `run`'s targets counted by partition, primary category, placement and year (has_year
 * false: none). The partition is the value of the subject's field `partition_field` (-1: ""
 * for everyone), read from the person's record; a person no longer in the ledger counts under
 * "". Rows in byte order of the partition, then the names, then the year. */
typedef bool (*ledger_outcome_fn)(void *ctx, const char *partition, const char *primary, const char *placement,
                                  bool has_year, int64_t year, int64_t n);
bool ledger_each_outcome(Ledger *l, const Program *p, int64_t run, int32_t partition_field, ledger_outcome_fn fn,
                         void *ctx, char **error);

/* The review queue as it stands for run `run`: the imports' entries and that run's own, counted
 * by record type, column (0: the whole row, or a run's entry) and reason, in that order. */
typedef bool (*ledger_review_fn)(void *ctx, const char *record, uint32_t col, const char *reason, int64_t n);
bool ledger_each_review_count(Ledger *l, int64_t run, ledger_review_fn fn, void *ctx, char **error);

#endif
