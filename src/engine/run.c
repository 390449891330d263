/* run.c — evaluate every person and store the run (see run.h). */
#include "run.h"
#include "base/crash.h"
#include "base/date.h"
#include "forms.h"
#include "schedule.h"
#include "base/sha256.h"
#include "vm/values.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct Runner {
    Ledger *l;
    const Program *p;
    Vm *vm;
    const RecordInfo *ri;
    RunStats *stats;
    Schedule *sched;
    Forms *forms;
    int32_t partition_field;   /* index of the schedule's `per` field, or -1 */
    uint32_t key_first, nkeys, filter_reg;
    bool has_filter;
    int64_t *values;
    char **owned;
    int64_t *key_values;
    sqlite3_stmt *select, *insert, *review;
    StrBuf key, cats;          /* scratch, reused for every person */
    char **fired;              /* the text of each placement branch, for the results table */
    struct Outcome *waiting;   /* by schedule entry: the result rows that wait for their year */
    size_t waiting_cap;
    uint32_t nbranches;
} Runner;

static void now_iso(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static bool fail_sql(Runner *rn, char **error)
{
    StrBuf sb = {0};
    sb_printf(&sb, "%s: %s", rn->l->path, sqlite3_errmsg(rn->l->db));
    *error = sb_take(&sb);
    return false;
}

static const char *as_of_text(const Program *p, const Vm *vm, char out[16])
{
    strcpy(out, "");
    for (uint32_t i = 0; i < p->nparams; i++)
        if (!strcmp(p->params[i].name, "as_of") && p->params[i].kind == VK_DATE)
            date_format(vm->regs[p->params[i].reg], out);
    return out;
}

static bool insert_run(Runner *rn, const char *text, size_t len, char **error)
{
    char hex[65], started[32];
    sha256_hex(text, len, hex);
    now_iso(started);
    sqlite3_stmt *st = ledger_prepare(rn->l,
        "INSERT INTO runs (rules_path, rules_text, rules_sha256, as_of, started_at) VALUES (?1, ?2, ?3, ?4, ?5)", error);
    if (!st) return false;
    sqlite3_bind_text(st, 1, rn->p->source_path, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, text, (int)len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, hex, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, rn->stats->as_of, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, started, -1, SQLITE_STATIC);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    if (!ok) return fail_sql(rn, error);
    rn->stats->run_id = sqlite3_last_insert_rowid(rn->l->db);
    return true;
}

static bool prepare(Runner *rn, char **error)
{
    const RecordInfo *ri = rn->ri;
    StrBuf sql = {0};
    ledger_select_fields(&sql, ri, " ORDER BY ");
    ledger_quote_ident(&sql, ri->fields[ri->key].name);
    rn->select = ledger_prepare(rn->l, sb_str(&sql), error);
    sb_free(&sql);
    if (!rn->select) return false;
    rn->insert = ledger_prepare(rn->l,
        "INSERT INTO results (run, key, categories, primary_category, placement, year, fired) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", error);
    rn->review = rn->insert ? ledger_prepare(rn->l,
        "INSERT INTO review (source, line, col, reason, raw, record, run) VALUES (?1, 0, 0, ?2, ?3, ?4, ?5)", error) : NULL;
    return rn->review != NULL;
}

static void key_text(Runner *rn, StrBuf *sb)
{
    const FieldInfo *kf = &rn->ri->fields[rn->ri->key];
    value_format(rn->p, kf->kind, kf->enum_index, rn->values[rn->ri->key], false, sb);
}

static void to_review(Runner *rn, const char *key, const char *reason)
{
    sqlite3_stmt *st = rn->review;
    sqlite3_reset(st);
    StrBuf source = {0};
    sb_printf(&source, "run %lld", (long long)rn->stats->run_id);
    sqlite3_bind_text(st, 1, sb_str(&source), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, reason, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, rn->ri->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, rn->stats->run_id);
    sqlite3_step(st);
    sb_free(&source);
    rn->stats->review++;
}

/* Decode the current row; false (reviewed) when a stored value is unusable now. */
/* The common stored forms read directly: an enum by its exact identifier, a date as
 * YYYY-MM-DD, an int or bool as INTEGER. Anything else goes through ledger_column_value. */
static bool stored_fast(Runner *rn, uint32_t i)
{
    const FieldInfo *f = &rn->ri->fields[i];
    sqlite3_stmt *st = rn->select;
    int type = sqlite3_column_type(st, (int)i);
    if ((f->kind == VK_INT || f->kind == VK_BOOL) && type == SQLITE_INTEGER) {
        rn->values[i] = sqlite3_column_int64(st, (int)i);
        return true;
    }
    if (type != SQLITE_TEXT) return false;
    const char *text = (const char *)sqlite3_column_text(st, (int)i);
    size_t n = (size_t)sqlite3_column_bytes(st, (int)i);
    if (f->kind == VK_DATE) return date_parse(text, n, &rn->values[i]);
    if (f->kind != VK_ENUM) return false;
    const EnumInfo *en = &rn->p->enums[f->enum_index];
    for (uint32_t k = 0; k < en->count; k++)
        if (strlen(en->values[k]) == n && memcmp(en->values[k], text, n) == 0) {
            rn->values[i] = k;
            return true;
        }
    return false;
}

static bool load_row(Runner *rn)
{
    const RecordInfo *ri = rn->ri;
    char err[300], why[200];
    for (uint32_t i = 0; i < ri->nfields; i++) {
        /* text is read in place: SQLite keeps it until the next step, and nothing that
         * outlives this person (schedule, forms) keeps the pointer without copying it */
        if (ri->fields[i].kind == VK_TEXT && sqlite3_column_type(rn->select, (int)i) == SQLITE_TEXT) {
            rn->values[i] = (int64_t)(intptr_t)sqlite3_column_text(rn->select, (int)i);
            continue;
        }
        if (stored_fast(rn, i) ||
            ledger_column_value(rn->select, (int)i, rn->p, &ri->fields[i], &rn->values[i], &rn->owned[i], err, sizeof err)) {
            if (!ri->fields[i].range_kind || value_in_range(rn->p, &ri->fields[i], rn->values[i], why, sizeof why))
                continue;
            snprintf(err, sizeof err, "%s: %s", ri->fields[i].name, why);   /* name the field, as above */
        }
        const char *key = (const char *)sqlite3_column_text(rn->select, ri->key);
        to_review(rn, key ? key : "", err);
        return false;
    }
    return true;
}

static void review_vm_error(Runner *rn, const char *key)
{
    const Program *p = rn->p;
    char reason[400];
    snprintf(reason, sizeof reason, "%s at %s:%u:%u", vm_error_text(rn->vm->error), p->source_path,
             p->pc_line[rn->vm->error_pc], p->pc_col[rn->vm->error_pc]);
    to_review(rn, key, reason);
}

/* The record's `require` constraints, as on import: the rule file may have changed since. */
static bool requires_hold(Runner *rn, const char *key)
{
    const RecordInfo *ri = rn->ri;
    if (!vm_run(rn->vm, ri->check_entry, rn->values, ri->nfields)) {
        review_vm_error(rn, key);
        return false;
    }
    for (uint32_t i = 0; i < ri->nrequires; i++)
        if (!rn->vm->regs[ri->requires[i].reg]) {
            to_review(rn, key, ri->requires[i].message);
            return false;
        }
    return true;
}

static bool evaluate(Runner *rn, const char *key)
{
    const Program *p = rn->p;
    if (vm_run(rn->vm, p->person_entry, rn->values, rn->ri->nfields) &&
        (rn->vm->regs[p->reg_catmask] == 0 || vm_continue(rn->vm, p->targets_entry)))
        return true;
    review_vm_error(rn, key);
    return false;
}

/* What a result row says of a person: kept as numbers until it is written. */
typedef struct Outcome {
    int64_t mask, primary, placement, branch;
} Outcome;

static Outcome outcome_of(const Runner *rn)
{
    const Program *p = rn->p;
    const int64_t *R = rn->vm->regs;
    uint32_t nbranches;
    program_rules(p, RULE_BRANCH, &nbranches);
    uint32_t nplacements = p->placement_enum >= 0 ? p->enums[p->placement_enum].count : 0;
    return (Outcome){R[p->reg_catmask], program_index(R[p->reg_primary], p->ncategories),
                     program_index(R[p->reg_placement], nplacements), program_index(R[p->reg_branch], nbranches)};
}

/* Insert one result row; year < 0 leaves it empty. */
static bool insert_result(Runner *rn, const char *key, int keylen, const Outcome *o, int64_t year, char **error)
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
    sqlite3_stmt *st = rn->insert;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, rn->stats->run_id);
    sqlite3_bind_text(st, 2, key, keylen, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, rn->cats.items, (int)rn->cats.count, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, o->primary >= 0 ? ce->values[o->primary] : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, p->placement_enum >= 0 && o->placement >= 0 ? p->enums[p->placement_enum].values[o->placement] : "",
                      -1, SQLITE_STATIC);
    if (year >= 0) sqlite3_bind_int64(st, 6, year);
    else sqlite3_bind_null(st, 6);
    sqlite3_bind_text(st, 7, o->branch >= 0 ? rn->fired[o->branch] : "", -1, SQLITE_STATIC);
    return sqlite3_step(st) == SQLITE_DONE || fail_sql(rn, error);
}

/* "care branch 6: township_home (line 128) 四、¶2" for each placement branch, made once. */
static char **fired_texts(const Program *p)
{
    uint32_t n, first = program_rules(p, RULE_BRANCH, &n);
    char **texts = xcalloc(n + 1, sizeof *texts);
    for (uint32_t b = 0; b < n; b++) {
        const RuleInfo *ri = &p->rules[first + b];
        StrBuf sb = {0};
        sb_printf(&sb, "%s branch %u: %s (line %u)", p->placement_name, b + 1, ri->name, ri->line);
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
    const char *part = rn->partition_field >= 0 ? (const char *)(intptr_t)rn->values[rn->partition_field] : "";
    if (!schedule_add(rn->sched, part, (int)o->primary, rn->key_values, key, row)) return false;
    rn->stats->scheduled++;
    if (rn->sched->count > rn->waiting_cap) {
        rn->waiting_cap = rn->sched->cap;
        rn->waiting = xrealloc(rn->waiting, rn->waiting_cap * sizeof *rn->waiting);
    }
    rn->waiting[rn->sched->count - 1] = *o;
    return true;
}

static bool evaluate_row(Runner *rn, uint32_t row, char **error)
{
    /* scratch buffers live in the runner: no allocation per person once they have grown */
    rn->key.count = 0;
    key_text(rn, &rn->key);
    sb_putc(&rn->key, '\0');
    rn->key.count--;
    const char *key = rn->key.items;
    if (!requires_hold(rn, key) || !evaluate(rn, key)) return true;
    Outcome o = outcome_of(rn);
    if (o.primary >= 0) rn->stats->targets++;
    if (rn->forms) forms_add(rn->forms, rn->vm, rn->values);
    if (maybe_schedule(rn, key, row, &o)) return true;
    return insert_result(rn, key, (int)rn->key.count, &o, -1, error);
}

static void free_row(Runner *rn)
{
    for (uint32_t i = 0; i < rn->ri->nfields; i++) {
        free(rn->owned[i]);
        rn->owned[i] = NULL;
    }
}

static bool scan(Runner *rn, RunProgress progress, void *ctx, char **error)
{
    uint64_t total = progress ? (uint64_t)ledger_count(rn->l, rn->ri) : 0;   /* a scan of its own */
    uint32_t row = 0;
    int rc;
    while ((rc = sqlite3_step(rn->select)) == SQLITE_ROW) {
        rn->stats->persons++;
        bool ok = !load_row(rn) || evaluate_row(rn, row, error);
        free_row(rn);
        if (!ok) return false;
        CRASH_POINT("run.person");
        row++;
        if (progress && (row & 1023) == 0) progress(row, total, ctx);
    }
    if (progress) progress(row, total, ctx);
    return rc == SQLITE_DONE || fail_sql(rn, error);
}

static bool write_years(Runner *rn, char **error)
{
    Schedule *s = rn->sched;
    if (!s || s->count == 0) return true;
    int64_t *years = xmalloc(s->count * sizeof *years);
    schedule_assign(s, years);
    bool ok = true;
    for (size_t i = 0; i < s->count && ok; i++)
        ok = insert_result(rn, s->person_key[i], -1, &rn->waiting[i], years[i], error);
    free(years);
    return ok;
}

static bool finish_run(Runner *rn, char **error)
{
    char finished[32];
    now_iso(finished);
    sqlite3_stmt *st = ledger_prepare(rn->l,
        "UPDATE runs SET finished_at = ?1, persons = ?2, targets = ?3, centralized = ?4, in_review = ?5 WHERE id = ?6", error);
    if (!st) return false;
    sqlite3_bind_text(st, 1, finished, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (int64_t)rn->stats->persons);
    sqlite3_bind_int64(st, 3, (int64_t)rn->stats->targets);
    sqlite3_bind_int64(st, 4, (int64_t)rn->stats->scheduled);
    sqlite3_bind_int64(st, 5, (int64_t)rn->stats->review);
    sqlite3_bind_int64(st, 6, rn->stats->run_id);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok || fail_sql(rn, error);
}

static void setup(Runner *rn)
{
    const Program *p = rn->p;
    rn->sched = schedule_new(p, rn->vm);
    rn->partition_field = p->schedule ? p->schedule->partition_field : -1;
    rn->key_first = program_rules(p, RULE_KEY, &rn->nkeys);
    uint32_t nfilter, f = program_rules(p, RULE_FILTER, &nfilter);
    rn->has_filter = nfilter > 0;
    if (nfilter) rn->filter_reg = p->rules[f].reg;
    rn->forms = forms_new(p);
    program_rules(p, RULE_BRANCH, &rn->nbranches);
    rn->fired = fired_texts(p);
    rn->values = xcalloc(rn->ri->nfields + 1, sizeof *rn->values);
    rn->owned = xcalloc(rn->ri->nfields + 1, sizeof *rn->owned);
    rn->key_values = xcalloc(rn->nkeys + 1, sizeof *rn->key_values);
}

static void teardown(Runner *rn)
{
    sqlite3_finalize(rn->select);
    sqlite3_finalize(rn->insert);
    sqlite3_finalize(rn->review);
    schedule_free(rn->sched);
    forms_free(rn->forms);
    for (uint32_t i = 0; i < rn->nbranches; i++) free(rn->fired[i]);
    free(rn->fired);
    free(rn->waiting);
    sb_free(&rn->key);
    sb_free(&rn->cats);
    free(rn->values);
    free(rn->owned);
    free(rn->key_values);
}

static bool write_results_file(Ledger *l, int64_t run_id, const char *path, const char *tmp, char **error);
static bool rename_results(const char *tmp, const char *path, char **error);

bool run_rules(Ledger *l, const Program *p, Vm *vm, const char *results_path, RunProgress progress, void *ctx,
               RunStats *stats, char **error)
{
    memset(stats, 0, sizeof *stats);
    if (p->nrecords == 0 || p->records[0].key < 0) {
        *error = xstrdup("the rule file declares no record with a key");
        return false;
    }
    Runner rn = {.l = l, .p = p, .vm = vm, .ri = &p->records[0], .stats = stats};
    as_of_text(p, vm, stats->as_of);
    if (!ledger_ensure_record_table(l, rn.ri, error)) return false;
    setup(&rn);
    StrBuf tmp = {0};
    if (results_path) sb_printf(&tmp, "%s.tmp", results_path);
    bool ok = ledger_begin(l, error);
    if (ok) {
        ok = insert_run(&rn, p->source_text, p->source_len, error) && prepare(&rn, error) && scan(&rn, progress, ctx, error) &&
             write_years(&rn, error) && (!rn.forms || forms_store(rn.forms, l, vm, stats->run_id, error)) &&
             finish_run(&rn, error);
        sqlite3_finalize(rn.select);
        rn.select = NULL;
        /* The results file is part of the run: written before the commit, so that a run whose
         * file cannot be written is not stored either, and put in place after it. */
        if (ok && results_path) ok = write_results_file(l, stats->run_id, results_path, sb_str(&tmp), error);
        if (ok) CRASH_POINT("run.before-commit");
        if (ok) ok = ledger_commit(l, error);
        if (ok) CRASH_POINT("run.after-commit");
        if (!ok) ledger_rollback(l);
    }
    teardown(&rn);
    if (results_path && ok) ok = rename_results(sb_str(&tmp), results_path, error);
    else if (results_path) remove(sb_str(&tmp));
    sb_free(&tmp);
    return ok;
}

/* A CSV field, quoted when it holds a comma, quote or newline. */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static bool cannot_write(const char *path, char **error)
{
    StrBuf sb = {0};
    sb_printf(&sb, "cannot write %s: %s", path, strerror(errno ? errno : EIO));
    *error = sb_take(&sb);
    return false;
}

/* The results file of run `run_id`, written to `tmp` (removed again on failure). */
static bool write_results_file(Ledger *l, int64_t run_id, const char *path, const char *tmp, char **error)
{
    sqlite3_stmt *st = ledger_prepare(l,
        "SELECT key, categories, primary_category, placement, year FROM results WHERE run = ?1 ORDER BY key", error);
    if (!st) return false;
    sqlite3_bind_int64(st, 1, run_id);
    errno = 0;
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        sqlite3_finalize(st);
        return cannot_write(path, error);
    }
    fputs("id,categories,primary_category,placement,year\n", f);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int c = 0; c < 4; c++) {
            csv_field(f, (const char *)sqlite3_column_text(st, c));
            fputc(',', f);
        }
        if (sqlite3_column_type(st, 4) != SQLITE_NULL) fprintf(f, "%lld", (long long)sqlite3_column_int64(st, 4));
        fputc('\n', f);
    }
    sqlite3_finalize(st);
    bool written = !ferror(f);               /* a write that failed mid-way (disk full) */
    written = fclose(f) == 0 && written;
    bool ok = rc == SQLITE_DONE && written;
    if (rc != SQLITE_DONE) {
        StrBuf sb = {0};
        sb_printf(&sb, "%s: %s", l->path, sqlite3_errmsg(l->db));
        *error = sb_take(&sb);
    } else if (!written) {
        cannot_write(path, error);
    }
    if (!ok) remove(tmp);
    return ok;
}

static bool rename_results(const char *tmp, const char *path, char **error)
{
    CRASH_POINT("run.before-rename");
    if (rename(tmp, path) == 0) {
        CRASH_POINT("run.after-rename");
        return true;
    }
    cannot_write(path, error);
    remove(tmp);
    return false;
}

bool run_write_results(Ledger *l, int64_t run_id, const char *path, char **error)
{
    StrBuf tmp = {0};
    sb_printf(&tmp, "%s.tmp", path);
    bool ok = write_results_file(l, run_id, path, sb_str(&tmp), error) && rename_results(sb_str(&tmp), path, error);
    sb_free(&tmp);
    return ok;
}
