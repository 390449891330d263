/* run_jobs.c — a run's persons read and evaluated on worker threads, taken back in order (see
 * run_jobs.h).
 *
 * The blocks form a ring. Block number s lives in slot s % nslots, and a worker may claim the
 * next number only while fewer than nslots blocks are claimed and not yet taken back, so a slot
 * is never reused before the calling thread is done with it. Claiming and reading happen under
 * one lock (`reading`), so numbers follow the source's order; evaluation runs outside it, on as
 * many threads as there are workers. Every block claimed is finished (evaluated, or marked as
 * the end), so the calling thread, waiting for block after block in number order, never waits
 * for one that will not come. */
#include "run_jobs.h"
#include "base/msg.h"
#include "base/util.h"
#include "vm/record.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct Block {
    uint32_t n;                /* persons */
    int64_t *values;           /* RUN_JOBS_BLOCK × nfields */
    int64_t *regs;             /* RUN_JOBS_BLOCK × nregs */
    uint8_t *kind;             /* RunJobsKind per person */
    size_t *key, *reason;      /* offsets into text (RUN_JOBS_UNREADABLE's key; every reason) */
    StrBuf text;               /* the block's text values, and the unreadable's keys and reasons */
    StrBuf refusals;           /* RUN_JOBS_REFUSED's reasons (apart: text values point into text) */
    int end;                   /* after these persons: 0 more, 1 the source ended, -1 it failed */
    char *error;               /* end == -1 */
    bool done;                 /* ready for the calling thread */
} Block;

typedef struct Shared {
    const RunJobs *job;
    Block *slots;
    size_t nslots;
    pthread_mutex_t reading;   /* one reader at a time: claiming a number and reading its block */
    pthread_mutex_t lock;      /* the fields below */
    pthread_cond_t room;       /* a slot was freed, or the stream ended, or stop */
    pthread_cond_t ready;      /* a block is done */
    size_t claimed;            /* the next block number to read */
    size_t taken;              /* the next block number the calling thread takes */
    bool ended;                /* the source's last block is claimed */
    bool stop;                 /* the calling thread gives up */
} Shared;

typedef struct Worker {
    Shared *sh;
    Vm *vm;
    pthread_t thread;
} Worker;

/* ---- reading ----------------------------------------------------------------------------------- */

static size_t put_text(StrBuf *sb, const char *s)
{
    size_t at = sb->count;
    sb_puts(sb, s ? s : "");
    sb_putc(sb, '\0');
    return at;
}

/* Read up to a block of persons, their text copied into the block (as offsets while the buffer
 * may still move, made pointers at the end). */
static void read_block(Shared *sh, Block *b)
{
    const RunJobs *job = sh->job;
    const RecordInfo *ri = job->ri;
    uint32_t nf = ri->nfields;
    b->n = 0;
    b->end = 0;
    b->text.count = 0;
    b->refusals.count = 0;
    char why[400];
    while (b->n < RUN_JOBS_BLOCK) {
        int64_t *v = b->values + (size_t)b->n * nf;
        const char *key = NULL;
        why[0] = '\0';
        int rc = job->next(job->next_ctx, v, &key, why, sizeof why, &b->error);
        if (rc == 0 || rc == -2) {
            b->end = rc == 0 ? 1 : -1;
            break;
        }
        if (rc == -1) {
            b->kind[b->n] = RUN_JOBS_UNREADABLE;
            b->key[b->n] = put_text(&b->text, key);
            b->reason[b->n] = put_text(&b->text, why);
        } else {
            b->kind[b->n] = RUN_JOBS_EVALUATED;
            for (uint32_t f = 0; f < nf; f++)
                if (ri->fields[f].kind == VK_TEXT) v[f] = (int64_t)put_text(&b->text, (const char *)(intptr_t)v[f]);
        }
        b->n++;
    }
    for (uint32_t i = 0; i < b->n; i++) {
        if (b->kind[i] != RUN_JOBS_EVALUATED) continue;
        int64_t *v = b->values + (size_t)i * nf;
        for (uint32_t f = 0; f < nf; f++)
            if (ri->fields[f].kind == VK_TEXT) v[f] = (int64_t)(intptr_t)(b->text.items + v[f]);
    }
}

/* ---- evaluating --------------------------------------------------------------------------------- */

/* As run.c's evaluate: the record check, the person entry, the targets entry for a target. */
static void evaluate_block(const RunJobs *job, Vm *vm, Block *b)
{
    const Program *p = job->p;
    const RecordInfo *ri = job->ri;
    uint32_t nf = ri->nfields;
    for (uint32_t i = 0; i < b->n; i++) {
        if (b->kind[i] != RUN_JOBS_EVALUATED) continue;
        const int64_t *v = b->values + (size_t)i * nf;
        RecordCheck rc;
        char reason[400];
        const char *why = NULL;
        if (!record_check(vm, ri, v, &rc)) why = rc.reason;
        else if (!vm_run(vm, p->person_entry, v, nf) ||
                 (vm->regs[p->reg_catmask] != 0 && !vm_continue(vm, p->targets_entry))) {
            record_stop_reason(vm, reason, sizeof reason);
            why = reason;
        }
        if (why) {
            b->kind[i] = RUN_JOBS_REFUSED;
            b->reason[i] = put_text(&b->refusals, why);
            continue;
        }
        int64_t *r = b->regs + (size_t)i * job->nregs;
        for (uint32_t k = 0; k < job->nregs; k++) r[k] = vm->regs[job->reg_list[k]];
    }
}

static void *work(void *arg)
{
    Worker *w = arg;
    Shared *sh = w->sh;
    for (;;) {
        pthread_mutex_lock(&sh->reading);
        pthread_mutex_lock(&sh->lock);
        while (!sh->stop && !sh->ended && sh->claimed - sh->taken >= sh->nslots) pthread_cond_wait(&sh->room, &sh->lock);
        bool quit = sh->stop || sh->ended;
        size_t number = sh->claimed;
        if (!quit) sh->claimed++;
        pthread_mutex_unlock(&sh->lock);
        if (quit) {
            pthread_mutex_unlock(&sh->reading);
            return NULL;
        }
        Block *b = &sh->slots[number % sh->nslots];
        read_block(sh, b);
        if (b->end) {
            pthread_mutex_lock(&sh->lock);
            sh->ended = true;
            pthread_cond_broadcast(&sh->room);
            pthread_mutex_unlock(&sh->lock);
        }
        pthread_mutex_unlock(&sh->reading);
        evaluate_block(sh->job, w->vm, b);
        pthread_mutex_lock(&sh->lock);
        b->done = true;
        pthread_cond_broadcast(&sh->ready);
        pthread_mutex_unlock(&sh->lock);
    }
}

/* ---- taking the blocks back, in order ------------------------------------------------------------ */

static bool take_block(const RunJobs *job, Block *b, char **error)
{
    uint32_t nf = job->ri->nfields;
    for (uint32_t i = 0; i < b->n; i++) {
        RunJobsPerson person = {.kind = (RunJobsKind)b->kind[i], .values = b->values + (size_t)i * nf};
        switch (person.kind) {
        case RUN_JOBS_EVALUATED: person.regs = b->regs + (size_t)i * job->nregs; break;
        case RUN_JOBS_REFUSED: person.reason = b->refusals.items + b->reason[i]; break;
        case RUN_JOBS_UNREADABLE:
            person.values = NULL;
            person.key = b->text.items + b->key[i];
            person.reason = b->text.items + b->reason[i];
            break;
        }
        if (!job->take(job->take_ctx, &person, error)) return false;
    }
    if (b->end < 0) {
        *error = b->error;
        b->error = NULL;
        return false;
    }
    return true;
}

/* Take every block in number order until the one that ends the stream; false at the first
 * failure (the workers are still running then: the caller stops them). */
static bool take_all(Shared *sh, char **error)
{
    for (;;) {
        Block *b = &sh->slots[sh->taken % sh->nslots];
        pthread_mutex_lock(&sh->lock);
        while (!b->done) pthread_cond_wait(&sh->ready, &sh->lock);
        pthread_mutex_unlock(&sh->lock);
        bool ok = take_block(sh->job, b, error);
        int end = b->end;
        pthread_mutex_lock(&sh->lock);
        b->done = false;
        sh->taken++;
        pthread_cond_broadcast(&sh->room);
        pthread_mutex_unlock(&sh->lock);
        if (!ok) return false;
        if (end) return true;
    }
}

static void blocks_new(Shared *sh, size_t nslots)
{
    const RunJobs *job = sh->job;
    sh->nslots = nslots;
    sh->slots = xcalloc(nslots, sizeof *sh->slots);
    for (size_t i = 0; i < nslots; i++) {
        Block *b = &sh->slots[i];
        b->values = xcalloc((size_t)RUN_JOBS_BLOCK * (job->ri->nfields + 1), sizeof *b->values);
        b->regs = xcalloc((size_t)RUN_JOBS_BLOCK * (job->nregs + 1), sizeof *b->regs);
        b->kind = xcalloc(RUN_JOBS_BLOCK, sizeof *b->kind);
        b->key = xcalloc(RUN_JOBS_BLOCK, sizeof *b->key);
        b->reason = xcalloc(RUN_JOBS_BLOCK, sizeof *b->reason);
    }
}

static void blocks_free(Shared *sh)
{
    for (size_t i = 0; i < sh->nslots; i++) {
        Block *b = &sh->slots[i];
        free(b->values);
        free(b->regs);
        free(b->kind);
        free(b->key);
        free(b->reason);
        sb_free(&b->text);
        sb_free(&b->refusals);
        free(b->error);
    }
    free(sh->slots);
}

bool run_jobs(const RunJobs *job, char **error)
{
    Shared sh = {.job = job};
    pthread_mutex_init(&sh.reading, NULL);
    pthread_mutex_init(&sh.lock, NULL);
    pthread_cond_init(&sh.room, NULL);
    pthread_cond_init(&sh.ready, NULL);
    unsigned nworkers = job->workers ? job->workers : 1;
    blocks_new(&sh, 2 * (size_t)nworkers + 2);
    (void)tr("out of memory");   /* the catalogue's lookup is built once, here, not by two workers at once */
    Worker *w = xcalloc(nworkers, sizeof *w);
    unsigned started = 0;
    for (; started < nworkers; started++) {
        w[started].sh = &sh;
        w[started].vm = vm_new(job->p);
        memcpy(w[started].vm->regs, job->vm->regs, (job->p->nregs ? job->p->nregs : 1) * sizeof *job->vm->regs);
        if (pthread_create(&w[started].thread, NULL, work, &w[started]) != 0) {
            vm_free(w[started].vm);
            break;
        }
    }
    bool ok = started > 0;
    if (!ok) *error = xstrdup("no thread could be started for the run");
    else ok = take_all(&sh, error);
    pthread_mutex_lock(&sh.lock);
    sh.stop = true;
    pthread_cond_broadcast(&sh.room);
    pthread_mutex_unlock(&sh.lock);
    for (unsigned i = 0; i < started; i++) {
        pthread_join(w[i].thread, NULL);
        vm_free(w[i].vm);
    }
    free(w);
    blocks_free(&sh);
    pthread_cond_destroy(&sh.ready);
    pthread_cond_destroy(&sh.room);
    pthread_mutex_destroy(&sh.lock);
    pthread_mutex_destroy(&sh.reading);
    return ok;
}
