/* run.h — evaluate every person of the ledger and store the run (one transaction).
 *
 * Persons are read in key order by one streaming query, each evaluated by the VM (no
 * allocation per record beyond its text fields), its result row written at once; the scheduled ones are
 * kept (their order keys only) for the schedule phase, whose years are written at the end.
 * A person who cannot be evaluated (a value the rules no longer accept, a failed `require`,
 * an overflow) goes to the review table with the reason. The results file is written from
 * the stored results, sorted by key. */
#ifndef DOUDI_RUN_H
#define DOUDI_RUN_H

#include "ledger.h"
#include "vm/vm.h"

typedef struct RunStats {
    int64_t run_id;
    uint64_t persons;          /* rows read */
    uint64_t targets;          /* in at least one category */
    uint64_t scheduled;        /* given a year */
    uint64_t review;           /* could not be evaluated */
    char as_of[16];
} RunStats;

typedef void (*RunProgress)(uint64_t done, uint64_t total, void *ctx);

bool run_rules(Ledger *l, const Program *p, Vm *vm, const char *results_path, RunProgress progress, void *ctx,
               RunStats *stats, char **error);

/* A source of persons other than the ledger (the streaming run, stream.h): next() gives the
 * next person's values in field order as ledger_next does (1 a person, 0 no more, -1 a person
 * who cannot be read — `why`, *key — sent to review, -2 a failure: *error; or 2, a row the
 * source passes over, which the run hands back to taken() in its turn, counting no person),
 * text values valid until the next call; reviewed() (may be NULL) hears of the person just
 * handled who could not be evaluated, with the reason the run stores. The run then reads no
 * person from the ledger (the ledger need hold none: it receives the run, its results, years,
 * forms and capacity).
 *
 * On several threads (jobs > 1), next() runs on worker threads, one call at a time, ahead of
 * the run: it must not write what the calling thread uses (the ledger, a report). After each
 * call that gave a person or a row passed over, note() (on the same thread) writes whatever the
 * source will want to know of it later; the run hands the note to taken() on the calling
 * thread, in the source's order, before it handles that person (or instead, for a row passed
 * over) — and so before reviewed() is called for them. On one thread, note() and taken() are
 * called for the rows passed over alone (the person just given is the source's current one). */
typedef struct RunSource {
    int (*next)(void *ctx, int64_t *values, const char **key, char *why, size_t whylen, char **error);
    void (*reviewed)(void *ctx, const char *reason);
    void (*note)(void *ctx, StrBuf *out);
    bool (*taken)(void *ctx, const char *note, size_t len, char **error);
    /* When set, the result rows go to result() instead of the ledger's results table (its
     * strings valid for the call only, but for primary and placement: the program's own, or
     * ""), and the results file is written from results() (the same rows in key order,
     * ledger.h's ledger_result_fn): a run whose ledger is scratch need not store and sort a
     * row per person in SQLite. */
    bool (*result)(void *ctx, const ResultRow *r, char **error);
    ledger_result_fn results;
    /* The source has run each person's range and `require` checks already (import.h's
     * row_check, with this program and VM): the run does not run them again. */
    bool checked;
    /* About how many persons the source holds at most (0: unknown): the schedule's tables are
     * sized for them at once, not grown by copying. An overestimate costs address space only. */
    size_t expected;
    void *ctx;
    /* (may be NULL) After the run and its results file are written, before the commit: the
     * source's own outputs (the streaming run's review file); false stops the run, nothing
     * kept. */
    bool (*finish)(void *ctx, char **error);
} RunSource;

/* run_rules with the persons from `src`, on `jobs` threads as run_rules_jobs (1: this one
 * alone; the output is the same whatever the number). */
bool run_rules_from(Ledger *l, const Program *p, Vm *vm, const RunSource *src, unsigned jobs, const char *results_path,
                    RunProgress progress, void *ctx, RunStats *stats, char **error);

/* The same on `jobs` threads (run_jobs.h): jobs - 1 read and evaluate persons, the calling
 * thread writes everything, taking the persons in the same order; the stored run, the results
 * file, the forms and the review entries are the same as with jobs = 1 (this thread alone).
 * Reading goes through a second, read-only connection to the ledger's file; a ledger that
 * cannot have one (in memory, not in WAL mode) is run on this thread alone. Not inside a
 * guarded call with an out-of-memory hook (base/oom.h): that call runs with jobs = 1. */
bool run_rules_jobs(Ledger *l, const Program *p, Vm *vm, unsigned jobs, const char *results_path, RunProgress progress,
                    void *ctx, RunStats *stats, char **error);

/* Write the results file of run `run_id`: DESIGN "Results file". */
bool run_write_results(Ledger *l, int64_t run_id, const char *path, char **error);

#endif
