/* run_jobs.h — a run's persons read and evaluated on worker threads, taken back in order.
 *
 * The pipeline behind `doudi run --jobs N` (N ≥ 2), from a ledger or a file (`run --from`):
 * N-1 worker threads take turns reading the next block of persons from the source (one reader
 * at a time, so blocks are numbered in the source's order) and copy their values (text
 * included) into the block, with the source's note of each (and the rows it passes over, as
 * notes alone, in their place). A block read is then
 * evaluated, with a Vm of its own, by whoever gets to it first — a worker with nothing to read,
 * or the calling thread when it is the next block it takes: the record's ranges and `require`s
 * (vm/record.h; not when the source checked them), the person entry, the targets entry for a
 * target — keeping per person only
 * what the run needs afterwards: the registers the caller names. The calling thread takes the
 * blocks back strictly in block order and hands each person to the caller's `take`, in the
 * source's order: everything that writes (the ledger, the schedule, the forms) stays on the
 * calling thread and sees the persons in the same order as a run on one thread, so the run's
 * output is the same by construction.
 *
 * Memory: a fixed ring of blocks (two per worker, and two more), each RUN_JOBS_BLOCK persons;
 * nothing per person outlives its block. A source error ends the stream where it happened
 * (the persons before it are taken first); a `take` that fails stops every thread, and
 * run_jobs returns when all have ended. Not for guarded calls with an out-of-memory hook
 * (base/oom.h): an allocation refused on a worker thread aborts. */
#ifndef DOUDI_RUN_JOBS_H
#define DOUDI_RUN_JOBS_H

#include "base/util.h"
#include "vm/vm.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { RUN_JOBS_BLOCK = 4096 };

/* Where persons come from, in ledger_next's shape: 1 a person (values filled; text values may
 * point into the source's memory until the next call), -1 a person that cannot be read (*key
 * and why say who and why), 0 the end, -2 an error (*error); and 2, a row the source passes
 * over (no person: its note says what the calling thread is to do about it). Called on worker
 * threads, one at a time. */
typedef int (*RunJobsSource)(void *ctx, int64_t *values, const char **key, char *why, size_t whylen, char **error);

/* (may be NULL) Right after each call of the source that gave a person or a row passed over,
 * on the same thread: whatever the source wants back with it on the calling thread (a row's
 * line and text), appended to `out`. */
typedef void (*RunJobsNote)(void *ctx, StrBuf *out);

typedef enum RunJobsKind {
    RUN_JOBS_EVALUATED,        /* regs holds the named registers as the evaluation left them */
    RUN_JOBS_REFUSED,          /* the record check or the VM stopped it: `reason` (values are its own) */
    RUN_JOBS_UNREADABLE,       /* the source could not read it: `key` and `reason` */
    RUN_JOBS_PASSED,           /* the source passed the row over (2): no person, only its note */
} RunJobsKind;

/* One person, as the calling thread takes it (everything is valid during `take` only). */
typedef struct RunJobsPerson {
    RunJobsKind kind;
    const int64_t *values;     /* the record (not for RUN_JOBS_UNREADABLE or RUN_JOBS_PASSED) */
    const int64_t *regs;       /* RUN_JOBS_EVALUATED: regs[i] is register reg_list[i] */
    const char *key;           /* RUN_JOBS_UNREADABLE */
    const char *reason;
    const char *note;          /* what RunJobs.note wrote (note_len bytes; empty without one) */
    size_t note_len;
} RunJobsPerson;

typedef bool (*RunJobsTake)(void *ctx, const RunJobsPerson *person, char **error);

typedef struct RunJobs {
    const Program *p;
    const Vm *vm;              /* each evaluating Vm starts as a copy of its registers (params) */
    const RecordInfo *ri;
    unsigned workers;          /* worker threads, at least 1 */
    RunJobsSource next;
    RunJobsNote note;
    void *next_ctx;
    bool checked;              /* the source checked each record (ranges, `require`s) already */
    const uint32_t *reg_list;  /* the registers kept per evaluated person */
    uint32_t nregs;
    RunJobsTake take;
    void *take_ctx;
} RunJobs;

/* Run the pipeline to the end of the source. False with *error when the source or a `take`
 * failed, or no thread could be started; every thread has ended either way. */
bool run_jobs(const RunJobs *job, char **error);

#endif
