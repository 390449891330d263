/* run_jobs.c — a run's persons read and evaluated on worker threads, taken back in order (see
 * run_jobs.h).
 *
 * The blocks form a ring. Block number s lives in slot s % nslots, and a worker may claim the
 * next number only while fewer than nslots blocks are claimed and not yet taken back, so a slot
 * is never reused before the calling thread is done with it. One worker reads at a time, so
 * numbers follow the source's order; a block read is evaluated by whoever gets to it first — a
 * worker with nothing to read, or the calling thread when it is the block it waits for — so on
 * two cores the one reader reads without pause while the writer, between its writes, evaluates
 * what it is about to take. Every block claimed is read and then evaluated (the last one marks
 * the end), so the calling thread, waiting for block after block in number order, never waits
 * for one that will not come. */
#include "run_jobs.h"
#include "base/msg.h"
#include "base/util.h"
#include "vm/record.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef enum BlockState {
    BLOCK_FREE,                /* its slot holds no block */
    BLOCK_READING,
    BLOCK_READ,                /* read, not evaluated yet: anyone may take up its evaluation */
    BLOCK_EVALUATING,
    BLOCK_DONE,                /* ready for the calling thread */
} BlockState;

typedef struct Block {
    uint32_t n;                /* persons */
    int64_t *values;           /* RUN_JOBS_BLOCK × nfields */
    int64_t *regs;             /* RUN_JOBS_BLOCK × nregs */
    uint8_t *kind;             /* RunJobsKind per person */
    size_t *key, *reason;      /* offsets into text (RUN_JOBS_UNREADABLE's key; every reason) */
    size_t *note;              /* person i's note is notes[note[i] .. note[i + 1]) */
    StrBuf notes;
    StrBuf text;               /* the block's text values, and the unreadable's keys and reasons */
    StrBuf refusals;           /* RUN_JOBS_REFUSED's reasons (apart: text values point into text) */
    int end;                   /* after these persons: 0 more, 1 the source ended, -1 it failed */
    char *error;               /* end == -1 */
    BlockState state;
} Block;

typedef struct Shared {
    const RunJobs *job;
    Block *slots;
    size_t nslots;
    pthread_mutex_t lock;      /* the fields below and every block's state */
    pthread_cond_t changed;    /* a block changed state, or stop */
    size_t claimed;            /* the next block number to read */
    size_t taken;              /* the next block number the calling thread takes */
    bool reading;              /* a worker is reading (one at a time: numbers follow the source) */
    bool ended;                /* the source's last block is read */
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
    b->notes.count = 0;
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
        b->note[b->n] = b->notes.count;
        if (job->note) job->note(job->next_ctx, &b->notes);
        if (rc == 2) {
            b->kind[b->n] = RUN_JOBS_PASSED;
        } else if (rc == -1) {
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
    b->note[b->n] = b->notes.count;
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
        if (!job->checked && !record_check(vm, ri, v, &rc)) why = rc.reason;
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

static Block *slot_of(Shared *sh, size_t number) { return &sh->slots[number % sh->nslots]; }

/* The oldest block read and waiting for its evaluation, or NULL (under the lock). */
static Block *oldest_read(Shared *sh)
{
    for (size_t n = sh->taken; n < sh->claimed; n++)
        if (slot_of(sh, n)->state == BLOCK_READ) return slot_of(sh, n);
    return NULL;
}

/* Evaluate b (claimed under the lock, which is released meanwhile) and mark it done. */
static void evaluate_claimed(Shared *sh, Vm *vm, Block *b)
{
    b->state = BLOCK_EVALUATING;
    pthread_mutex_unlock(&sh->lock);
    evaluate_block(sh->job, vm, b);
    pthread_mutex_lock(&sh->lock);
    b->state = BLOCK_DONE;
    pthread_cond_broadcast(&sh->changed);
}

/* A worker reads the next block when nobody is reading and the ring has room — reading is the
 * one part that cannot be shared, so it comes first — and otherwise evaluates the oldest block
 * read; it ends when the source has ended and nothing is left to evaluate. */
static void *work(void *arg)
{
    Worker *w = arg;
    Shared *sh = w->sh;
    pthread_mutex_lock(&sh->lock);
    while (!sh->stop) {
        if (!sh->reading && !sh->ended && sh->claimed - sh->taken < sh->nslots) {
            Block *b = slot_of(sh, sh->claimed++);
            b->state = BLOCK_READING;
            sh->reading = true;
            pthread_mutex_unlock(&sh->lock);
            read_block(sh, b);
            pthread_mutex_lock(&sh->lock);
            sh->reading = false;
            if (b->end) sh->ended = true;
            b->state = BLOCK_READ;
            pthread_cond_broadcast(&sh->changed);
            continue;
        }
        Block *b = oldest_read(sh);
        if (b) evaluate_claimed(sh, w->vm, b);
        else if (sh->ended) break;
        else pthread_cond_wait(&sh->changed, &sh->lock);
    }
    pthread_mutex_unlock(&sh->lock);
    return NULL;
}

/* ---- taking the blocks back, in order ------------------------------------------------------------ */

static bool take_block(const RunJobs *job, Block *b, char **error)
{
    uint32_t nf = job->ri->nfields;
    for (uint32_t i = 0; i < b->n; i++) {
        RunJobsPerson person = {.kind = (RunJobsKind)b->kind[i], .values = b->values + (size_t)i * nf,
                                .note = b->notes.items ? b->notes.items + b->note[i] : "",
                                .note_len = b->note[i + 1] - b->note[i]};
        switch (person.kind) {
        case RUN_JOBS_EVALUATED: person.regs = b->regs + (size_t)i * job->nregs; break;
        case RUN_JOBS_REFUSED: person.reason = b->refusals.items + b->reason[i]; break;
        case RUN_JOBS_UNREADABLE:
            person.values = NULL;
            person.key = b->text.items + b->key[i];
            person.reason = b->text.items + b->reason[i];
            break;
        case RUN_JOBS_PASSED: person.values = NULL; break;
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

/* Take every block in number order until the one that ends the stream, evaluating (with vm)
 * the one it waits for when no worker has taken that up; false at the first failure (the
 * workers are still running then: the caller stops them). */
static bool take_all(Shared *sh, Vm *vm, char **error)
{
    for (;;) {
        Block *b = slot_of(sh, sh->taken);
        pthread_mutex_lock(&sh->lock);
        while (b->state != BLOCK_DONE) {
            /* read and nobody evaluating it: rather than wait, evaluate it here */
            if (b->state == BLOCK_READ) evaluate_claimed(sh, vm, b);
            else pthread_cond_wait(&sh->changed, &sh->lock);
        }
        pthread_mutex_unlock(&sh->lock);
        bool ok = take_block(sh->job, b, error);
        int end = b->end;
        pthread_mutex_lock(&sh->lock);
        b->state = BLOCK_FREE;
        sh->taken++;
        pthread_cond_broadcast(&sh->changed);
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
        b->note = xcalloc(RUN_JOBS_BLOCK + 1, sizeof *b->note);
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
        free(b->note);
        sb_free(&b->notes);
        sb_free(&b->text);
        sb_free(&b->refusals);
        free(b->error);
    }
    free(sh->slots);
}

bool run_jobs(const RunJobs *job, char **error)
{
    Shared sh = {.job = job};
    pthread_mutex_init(&sh.lock, NULL);
    pthread_cond_init(&sh.changed, NULL);
    unsigned nworkers = job->workers ? job->workers : 1;
    blocks_new(&sh, 2 * (size_t)nworkers + 2);
    (void)tr("out of memory");   /* the catalogue's lookup is built once, here, not by two workers at once */
    Worker *w = xcalloc(nworkers, sizeof *w);
    Vm *own = vm_copy(job->vm);
    unsigned started = 0;
    for (; started < nworkers; started++) {
        w[started].sh = &sh;
        w[started].vm = vm_copy(job->vm);
        if (pthread_create(&w[started].thread, NULL, work, &w[started]) != 0) {
            vm_free(w[started].vm);
            break;
        }
    }
    bool ok = started > 0;
    if (!ok) *error = xstrdup("no thread could be started for the run");
    else ok = take_all(&sh, own, error);
    pthread_mutex_lock(&sh.lock);
    sh.stop = true;
    pthread_cond_broadcast(&sh.changed);
    pthread_mutex_unlock(&sh.lock);
    for (unsigned i = 0; i < started; i++) {
        pthread_join(w[i].thread, NULL);
        vm_free(w[i].vm);
    }
    free(w);
    vm_free(own);
    blocks_free(&sh);
    pthread_cond_destroy(&sh.changed);
    pthread_mutex_destroy(&sh.lock);
    return ok;
}
