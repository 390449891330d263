/* run.c — evaluate every person and store the run (see run.h). */
#include "run.h"
#include "base/crash.h"
#include "base/date.h"
#include "forms.h"
#include "run_jobs.h"
#include "schedule.h"
#include "vm/record.h"
#include "vm/values.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a result row says of a person: kept as numbers until it is written. */
typedef struct Outcome {
    int64_t mask, primary, placement, branch;
} Outcome;

typedef struct Runner {
    Ledger *l;
    const Program *p;
    Vm *vm;
    const RecordInfo *ri;
    RunStats *stats;
    Schedule *sched;
    Forms *forms;
    LedgerCursor *persons;
    const RunSource *src;      /* NULL: the persons come from the ledger */
    int32_t partition_field;   /* index of the schedule's `per` field, or -1 */
    uint32_t key_first, nkeys, filter_reg;
    bool has_filter;
    int64_t *values;
    int64_t *key_values;
    StrBuf key, cats, source;  /* scratch, reused for every person */
    StrBuf note;               /* a row the source passed over: its RunSource.note */
    char **fired;              /* the text of each placement branch, for the results table */
    Outcome *waiting;          /* by schedule entry: the result rows that wait for their year */
    size_t waiting_cap;
    uint32_t nbranches;
    unsigned jobs;             /* threads: 1 scans on this one alone */
} Runner;

static const char *as_of_text(const Program *p, const Vm *vm, char out[16])
{
    strcpy(out, "");
    for (uint32_t i = 0; i < p->nparams; i++)
        if (!strcmp(p->params[i].name, "as_of") && p->params[i].kind == VK_DATE)
            date_format(vm->regs[p->params[i].reg], out);
    return out;
}

static bool to_review(Runner *rn, const char *key, const char *reason, char **error)
{
    ReviewEntry e = {.source = sb_str(&rn->source), .reason = reason, .raw = key, .raw_len = strlen(key),
                     .record = rn->ri->name, .run = rn->stats->run_id};
    rn->stats->review++;
    if (rn->src && rn->src->reviewed) rn->src->reviewed(rn->src->ctx, reason);
    return ledger_review_add(rn->l, &e, error);
}

static void key_text(Runner *rn)
{
    const FieldInfo *kf = &rn->ri->fields[rn->ri->key];
    rn->key.count = 0;
    value_format(rn->p, kf->kind, kf->enum_index, rn->values[rn->ri->key], false, &rn->key);
    sb_putc(&rn->key, '\0');
    rn->key.count--;
}

/* The person's ranges and `require` constraints, as on import: the rule file may have changed
 * since (not again for a source that has just checked them); then the per-person code, and the targets' code for a target. False (reviewed) when
 * the person cannot be evaluated. */
static bool evaluate(Runner *rn, bool *reviewed, char **error)
{
    const Program *p = rn->p;
    RecordCheck rc;
    if (!(rn->src && rn->src->checked) && !record_check(rn->vm, rn->ri, rn->values, &rc)) {
        *reviewed = true;
        return to_review(rn, rn->key.items, rc.reason, error);
    }
    if (vm_run(rn->vm, p->person_entry, rn->values, rn->ri->nfields) &&
        (rn->vm->regs[p->reg_catmask] == 0 || vm_continue(rn->vm, p->targets_entry)))
        return true;
    char reason[400];
    record_stop_reason(rn->vm, reason, sizeof reason);
    *reviewed = true;
    return to_review(rn, rn->key.items, reason, error);
}

static Outcome outcome_of(const Runner *rn)
{
    const Program *p = rn->p;
    const int64_t *R = rn->vm->regs;
    uint32_t nplacements = p->placement_enum >= 0 ? p->enums[p->placement_enum].count : 0;
    return (Outcome){R[p->reg_catmask], program_index(R[p->reg_primary], p->ncategories),
                     program_index(R[p->reg_placement], nplacements), program_index(R[p->reg_branch], rn->nbranches)};
}

/* Where the schedule ranked a person, for the result row. */
typedef struct Placed {
    const char *partition;
    int64_t group, rank;
} Placed;

/* Store one result row; year < 0 leaves it empty, placed NULL the rank. */
static bool insert_result(Runner *rn, const char *key, size_t keylen, const Outcome *o, int64_t year,
                          const Placed *placed, char **error)
{
    const Program *p = rn->p;
    const EnumInfo *ce = &p->enums[p->category_enum];
    rn->cats.count = 0;
    sb_putc(&rn->cats, '\0');
    rn->cats.count = 0;
    for (uint32_t i = 0; i < p->ncategories; i++)
        if ((uint64_t)o->mask >> i & 1) {
            if (rn->cats.count) sb_putc(&rn->cats, '|');
            sb_puts(&rn->cats, ce->values[i]);
        }
    ResultRow r = {
        .key = key, .key_len = keylen, .categories = rn->cats.items,
        .primary = o->primary >= 0 ? ce->values[o->primary] : "",
        .placement = p->placement_enum >= 0 && o->placement >= 0 ? p->enums[p->placement_enum].values[o->placement] : "",
        .has_year = year >= 0, .year = year,
        .fired = o->branch >= 0 ? rn->fired[o->branch] : "",
        .has_rank = placed != NULL, .partition = placed ? placed->partition : NULL,
        .group = placed ? placed->group : 0, .rank = placed ? placed->rank : 0,
    };
    if (rn->src && rn->src->result) return rn->src->result(rn->src->ctx, &r, error);
    return ledger_result_add(rn->l, rn->stats->run_id, &r, error);
}

/* "care branch 6: township_home (line 128) 四、¶2" for each placement branch, made once. */
static char **fired_texts(const Program *p)
{
    uint32_t n, first = program_rules(p, RULE_BRANCH, &n);
    char **texts = xcalloc(n + 1, sizeof *texts);
    for (uint32_t b = 0; b < n; b++) {
        const RuleInfo *ri = &p->rules[first + b];
        StrBuf sb = {0};
        sb_printf(&sb, "%s branch %u: %s (line %u)", p->placement_name, b + 1, ri->name, ri->line); /* not a message: stored in the ledger */
        if (ri->cite) sb_printf(&sb, " %s", ri->cite);
        texts[b] = sb_take(&sb);
    }
    return texts;
}

/* A scheduled person's row waits for the year, the others' is written now. True when it
 * was scheduled. */
static bool maybe_schedule(Runner *rn, const char *key, uint32_t row, const Outcome *o)
{
    const Program *p = rn->p;
    const int64_t *R = rn->vm->regs;
    if (!rn->sched || o->primary < 0) return false;
    if (rn->has_filter && !R[rn->filter_reg]) return false;
    for (uint32_t k = 0; k < rn->nkeys; k++) rn->key_values[k] = R[p->rules[rn->key_first + k].reg];
    const char *part = rn->partition_field >= 0 ? program_partition_key(p, 0, rn->partition_field, rn->values[rn->partition_field]) : "";
    if (!schedule_add(rn->sched, part, (int)o->primary, rn->key_values, key, row)) return false;
    rn->stats->scheduled++;
    if (rn->sched->count > rn->waiting_cap) {
        rn->waiting_cap = rn->sched->cap;
        rn->waiting = xrealloc(rn->waiting, rn->waiting_cap * sizeof *rn->waiting);
    }
    rn->waiting[rn->sched->count - 1] = *o;
    return true;
}

/* What the run does with a person evaluated (rn->vm holds their registers, rn->values their
 * record): counted, counted into the forms, scheduled or their result row written. */
static bool record_evaluated(Runner *rn, uint32_t row, char **error)
{
    Outcome o = outcome_of(rn);
    if (o.primary >= 0) rn->stats->targets++;
    if (rn->forms && !forms_add(rn->forms, rn->vm, rn->values, error)) return false;
    if (maybe_schedule(rn, rn->key.items, row, &o)) return true;
    return insert_result(rn, rn->key.items, rn->key.count, &o, -1, NULL, error);
}

static int next_person(Runner *rn, const char **key, char *why, size_t whylen, char **error)
{
    if (rn->src) return rn->src->next(rn->src->ctx, rn->values, key, why, whylen, error);
    return ledger_next(rn->persons, rn->values, key, why, whylen, error);
}

static bool evaluate_row(Runner *rn, uint32_t row, char **error)
{
    key_text(rn);
    bool reviewed = false;
    if (!evaluate(rn, &reviewed, error) || reviewed) return !*error;
    return record_evaluated(rn, row, error);
}

/* A row the source passed over (RunSource.next gave 2), handed back at once. */
static bool source_passed(Runner *rn, char **error)
{
    rn->note.count = 0;
    if (rn->src->note) rn->src->note(rn->src->ctx, &rn->note);
    return !rn->src->taken || rn->src->taken(rn->src->ctx, rn->note.items ? rn->note.items : "", rn->note.count, error);
}

static bool scan(Runner *rn, RunProgress progress, void *ctx, char **error)
{
    int64_t total = progress && !rn->src ? ledger_count(rn->l, rn->ri, error) : 0;   /* a scan of its own */
    if (total < 0) return false;
    uint32_t row = 0;
    int rc;
    const char *stored_key;
    char why[400];
    while ((rc = next_person(rn, &stored_key, why, sizeof why, error)) != 0) {
        if (rc == -2) return false;
        if (rc == 2) {
            if (!source_passed(rn, error)) return false;
            continue;
        }
        rn->stats->persons++;
        bool ok = rc == -1 ? to_review(rn, stored_key, why, error) : evaluate_row(rn, row, error);
        if (!ok) return false;
        CRASH_POINT("run.person");
        row++;
        if (progress && (row & 1023) == 0) progress(row, (uint64_t)total, ctx);
    }
    if (progress) progress(row, (uint64_t)total, ctx);
    return true;
}

/* ---- on several threads (run_jobs.h) --------------------------------------------------------- */

typedef struct JobsScan {
    Runner *rn;
    uint32_t *kept;            /* the registers record_evaluated reads */
    uint32_t nkept;
    uint32_t row;
    RunProgress progress;
    void *ctx;
    uint64_t total;
} JobsScan;

/* What record_evaluated reads of the registers: the outcome, the filter, the order keys, the
 * forms' rows and columns (forms_add); nothing else of a person's registers is looked at
 * after their evaluation. */
static uint32_t *registers_kept(const Runner *rn, uint32_t *n)
{
    const Program *p = rn->p;
    size_t cap = 5 + rn->nkeys;
    for (uint32_t t = 0; t < p->nforms; t++) cap += (size_t)p->forms[t].nrows + p->forms[t].ncols;
    uint32_t *regs = xmalloc(cap * sizeof *regs);
    uint32_t k = 0;
    regs[k++] = p->reg_catmask;
    regs[k++] = p->reg_primary;
    regs[k++] = p->reg_placement;
    regs[k++] = p->reg_branch;
    if (rn->has_filter) regs[k++] = rn->filter_reg;
    for (uint32_t i = 0; i < rn->nkeys; i++) regs[k++] = p->rules[rn->key_first + i].reg;
    for (uint32_t t = 0; t < p->nforms; t++) {
        const FormInfo *fi = &p->forms[t];
        for (uint32_t r = 0; r < fi->nrows; r++)
            if (fi->rows[r].reg >= 0) regs[k++] = (uint32_t)fi->rows[r].reg;
        for (uint32_t c = 0; c < fi->ncols; c++)
            if (fi->cols[c].reg >= 0) regs[k++] = (uint32_t)fi->cols[c].reg;
    }
    *n = k;
    return regs;
}

static int cursor_next(void *cursor, int64_t *values, const char **key, char *why, size_t whylen, char **error)
{
    return ledger_next(cursor, values, key, why, whylen, error);
}

/* A person back from the workers, in ledger order: what scan's loop does with them, the
 * evaluation's registers put back into rn->vm first. */
static bool take_person(void *ctx, const RunJobsPerson *jp, char **error)
{
    JobsScan *js = ctx;
    Runner *rn = js->rn;
    if (rn->src && rn->src->taken && !rn->src->taken(rn->src->ctx, jp->note, jp->note_len, error)) return false;
    if (jp->kind == RUN_JOBS_PASSED) return true;
    rn->stats->persons++;
    bool ok;
    if (jp->kind == RUN_JOBS_UNREADABLE) ok = to_review(rn, jp->key, jp->reason, error);
    else {
        memcpy(rn->values, jp->values, rn->ri->nfields * sizeof *rn->values);
        key_text(rn);
        if (jp->kind == RUN_JOBS_REFUSED) ok = to_review(rn, rn->key.items, jp->reason, error);
        else {
            for (uint32_t k = 0; k < js->nkept; k++) rn->vm->regs[js->kept[k]] = jp->regs[k];
            ok = record_evaluated(rn, js->row, error);
        }
    }
    if (!ok) return false;
    CRASH_POINT("run.person");
    js->row++;
    if (js->progress && (js->row & 1023) == 0) js->progress(js->row, js->total, js->ctx);
    return true;
}

/* scan on `jobs` threads, the persons from `next`: jobs - 1 workers read and evaluate, this
 * thread writes. */
static bool scan_pipeline(Runner *rn, unsigned jobs, RunJobsSource next, RunJobsNote note, void *next_ctx,
                          uint64_t total, RunProgress progress, void *ctx, char **error)
{
    JobsScan js = {.rn = rn, .progress = progress, .ctx = ctx, .total = total};
    js.kept = registers_kept(rn, &js.nkept);
    RunJobs job = {.p = rn->p, .vm = rn->vm, .ri = rn->ri, .workers = jobs - 1, .next = next, .note = note,
                   .next_ctx = next_ctx, .checked = rn->src && rn->src->checked, .reg_list = js.kept,
                   .nregs = js.nkept, .take = take_person, .take_ctx = &js};
    bool ok = run_jobs(&job, error);
    if (ok && progress) progress(js.row, js.total, ctx);
    free(js.kept);
    return ok;
}

/* scan on `jobs` threads: from the source, or from the ledger through a connection of the
 * workers' own. A ledger a second connection cannot read during the run (in memory, not in
 * WAL mode) is scanned on this thread alone. */
static bool scan_jobs(Runner *rn, unsigned jobs, RunProgress progress, void *ctx, char **error)
{
    if (rn->src) return scan_pipeline(rn, jobs, rn->src->next, rn->src->note, rn->src->ctx, 0, progress, ctx, error);
    Ledger *reader = ledger_open_snapshot(rn->l);
    if (!reader) return scan(rn, progress, ctx, error);
    int64_t total = progress ? ledger_count(rn->l, rn->ri, error) : 0;
    LedgerCursor *c = total >= 0 ? ledger_records(reader, rn->p, rn->ri, true, error) : NULL;
    bool ok = c && scan_pipeline(rn, jobs, cursor_next, NULL, c, (uint64_t)total, progress, ctx, error);
    ledger_cursor_close(c);
    ledger_close(reader);
    return ok;
}

/* Entry i's order keys as people read them, joined by 0x1F. */
static void order_keys_text(const Runner *rn, size_t i, StrBuf *out)
{
    const Schedule *s = rn->sched;
    out->count = 0;
    for (uint32_t k = 0; k < s->nkeys; k++) {
        const RuleInfo *ri = &rn->p->rules[rn->key_first + k];
        int64_t v = s->keys[i * s->nkeys + k];
        if (k) sb_putc(out, '\x1f');
        if (s->key_kind[k] == VK_TEXT) sb_puts(out, schedule_key_text(s, i, k));
        else value_format(rn->p, ri->value_kind, ri->enum_index, v, false, out);
    }
    sb_putc(out, '\0');
    out->count--;
}

/* The yearly rows of entry i's group that i is the cut-off of (its rank is that year's
 * quota); the first of a group (rank 1) also writes the years whose quota is 0. */
static bool write_cutoffs(Runner *rn, size_t i, int64_t rank, int64_t n, StrBuf *keys, char **error)
{
    const Schedule *s = rn->sched;
    const ScheduleGroup *g = &s->groups[s->group[i]];
    bool ok = true;
    for (uint32_t k = 0; k < g->nshares && ok; k++) {
        int64_t q = schedule_quota(g, k, n);
        if (q != rank && !(q == 0 && rank == 1)) continue;
        if (q) order_keys_text(rn, i, keys);
        ScheduleYearRow row = {strset_text(&s->strings, s->partition[i]), s->group[i], g->years[k], n, q,
                               q ? schedule_person_key(s, i) : NULL, q ? keys->items : NULL};
        ok = ledger_schedule_year_add(rn->l, rn->stats->run_id, &row, error);
    }
    return ok;
}

static bool write_years(Runner *rn, char **error)
{
    Schedule *s = rn->sched;
    if (!s || s->count == 0) return true;
    int64_t *years = xmalloc(s->count * sizeof *years);
    int64_t *ranks = xmalloc(s->count * sizeof *ranks);
    int64_t *sizes = xmalloc(s->count * sizeof *sizes);
    schedule_assign_ranked(s, years, ranks, sizes);
    StrBuf keys = {0};
    bool ok = true;
    for (size_t i = 0; i < s->count && ok; i++) {
        Placed placed = {strset_text(&s->strings, s->partition[i]), s->group[i], ranks[i]};
        const char *key = schedule_person_key(s, i);
        ok = insert_result(rn, key, strlen(key), &rn->waiting[i], years[i], &placed, error) &&
             write_cutoffs(rn, i, ranks[i], sizes[i], &keys, error);
    }
    sb_free(&keys);
    free(years);
    free(ranks);
    free(sizes);
    return ok;
}

static void setup(Runner *rn)
{
    const Program *p = rn->p;
    rn->sched = schedule_new(p, rn->vm);
    if (rn->sched && rn->src && rn->src->expected) {
        schedule_reserve(rn->sched, rn->src->expected);
        rn->waiting_cap = rn->sched->cap;
        rn->waiting = xmalloc(rn->waiting_cap * sizeof *rn->waiting);
    }
    rn->partition_field = p->schedule ? p->schedule->partition_field : -1;
    rn->key_first = program_rules(p, RULE_KEY, &rn->nkeys);
    uint32_t nfilter, f = program_rules(p, RULE_FILTER, &nfilter);
    rn->has_filter = nfilter > 0;
    if (nfilter) rn->filter_reg = p->rules[f].reg;
    rn->forms = forms_new(p);
    program_rules(p, RULE_BRANCH, &rn->nbranches);
    rn->fired = fired_texts(p);
    rn->values = xcalloc(rn->ri->nfields + 1, sizeof *rn->values);
    rn->key_values = xcalloc(rn->nkeys + 1, sizeof *rn->key_values);
    sb_printf(&rn->source, "run %lld", (long long)rn->stats->run_id); /* not a message: stored in the ledger */
}

static void teardown(Runner *rn)
{
    ledger_cursor_close(rn->persons);
    schedule_free(rn->sched);
    forms_free(rn->forms);
    for (uint32_t i = 0; i < rn->nbranches; i++) free(rn->fired[i]);
    free(rn->fired);
    free(rn->waiting);
    sb_free(&rn->key);
    sb_free(&rn->cats);
    sb_free(&rn->source);
    sb_free(&rn->note);
    free(rn->values);
    free(rn->key_values);
}

/* Everything of the run inside its transaction: the run's row, every person, the years, the
 * forms and the capacity plan, the counts, and the results file (written before the commit,
 * so that a run whose file cannot be written is not stored either; put in place after it). */
static bool run_body(Runner *rn, const char *results_path, RunProgress progress, void *ctx, char **error)
{
    RunHeader h = {rn->p->source_path, rn->p->source_text, rn->p->source_len, rn->stats->as_of};
    if (!ledger_run_start(rn->l, &h, &rn->stats->run_id, error)) return false;
    setup(rn);
    if (!rn->src) rn->persons = ledger_records(rn->l, rn->p, rn->ri, true, error);
    RunCounts counts;
    bool ok = (rn->src || rn->persons) &&
              (rn->jobs > 1 ? scan_jobs(rn, rn->jobs, progress, ctx, error) : scan(rn, progress, ctx, error)) &&
              write_years(rn, error) &&
              forms_store(rn->forms, rn->l, rn->vm, rn->stats->run_id, error);
    counts = (RunCounts){rn->stats->persons, rn->stats->targets, rn->stats->scheduled, rn->stats->review};
    ok = ok && ledger_run_finish(rn->l, rn->stats->run_id, &counts, error);
    ledger_cursor_close(rn->persons);
    rn->persons = NULL;
    if (!ok) return false;
    if (results_path) {
        ok = rn->src && rn->src->result
                 ? ledger_results_file_from(rn->l, rn->stats->run_id, results_path, rn->src->results, rn->src->ctx, error)
                 : ledger_results_file(rn->l, rn->stats->run_id, results_path, error);
        if (!ok) return false;
    }
    /* the source's own outputs, before the commit: one that cannot be written rolls the run
     * back, and the results file (not yet in place) with it */
    return !(rn->src && rn->src->finish) || rn->src->finish(rn->src->ctx, error);
}

static bool run_with(Ledger *l, const Program *p, Vm *vm, const RunSource *src, unsigned jobs, const char *results_path,
                     RunProgress progress, void *ctx, RunStats *stats, char **error);

bool run_rules(Ledger *l, const Program *p, Vm *vm, const char *results_path, RunProgress progress, void *ctx,
               RunStats *stats, char **error)
{
    return run_with(l, p, vm, NULL, 1, results_path, progress, ctx, stats, error);
}

bool run_rules_from(Ledger *l, const Program *p, Vm *vm, const RunSource *src, unsigned jobs, const char *results_path,
                    RunProgress progress, void *ctx, RunStats *stats, char **error)
{
    return run_with(l, p, vm, src, jobs ? jobs : 1, results_path, progress, ctx, stats, error);
}

bool run_rules_jobs(Ledger *l, const Program *p, Vm *vm, unsigned jobs, const char *results_path, RunProgress progress,
                    void *ctx, RunStats *stats, char **error)
{
    return run_with(l, p, vm, NULL, jobs, results_path, progress, ctx, stats, error);
}

/* The run: persons from `src` or from the ledger, on `jobs` threads. */
static bool run_with(Ledger *l, const Program *p, Vm *vm, const RunSource *src, unsigned jobs, const char *results_path,
                     RunProgress progress, void *ctx, RunStats *stats, char **error)
{
    memset(stats, 0, sizeof *stats);
    if (p->nrecords == 0 || p->records[0].key < 0) {
        *error = xstrdup("the rule file declares no record with a key");
        return false;
    }
    Runner rn = {.l = l, .p = p, .vm = vm, .ri = &p->records[0], .stats = stats, .src = src, .jobs = jobs};
    as_of_text(p, vm, stats->as_of);
    char *mismatch = src ? NULL : ledger_check_record(l, p, rn.ri, true);
    if (!mismatch && p->capacity) mismatch = ledger_check_record(l, p, &p->records[p->capacity->record], false);
    if (mismatch) {
        *error = mismatch;
        return false;
    }
    bool ok = ledger_begin(l, error);
    if (ok) {
        ok = run_body(&rn, results_path, progress, ctx, error);
        if (ok) CRASH_POINT("run.before-commit");
        if (ok) ok = ledger_commit(l, error);
        if (ok) CRASH_POINT("run.after-commit");
        if (!ok) ledger_rollback(l);
    }
    teardown(&rn);
    return ok && (!results_path || ledger_results_file_done(l, error));
}

bool run_write_results(Ledger *l, int64_t run_id, const char *path, char **error)
{
    return ledger_results_file(l, run_id, path, error);
}
