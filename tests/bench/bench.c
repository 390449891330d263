/* bench.c — `make bench`: how fast doudi is, as ratios against baselines run in the same
 * process on the same data (the machine is noisy; only the ratios count).
 *
 *   (a) the VM running rules/zhengzhou-2021.doudi's per-person work (lets, categories,
 *       primary, placement) over N in-memory records;
 *   (b) a hand-written C function computing the same outcomes — the native limit — checked
 *       to agree with the VM on every record;
 *   (c) `doudi run` end to end from a SQLite ledger: every person evaluated, scheduled and
 *       counted into the forms, the run and its results stored (the results file, a SELECT
 *       after the commit, is left out: the floor writes none either);
 *   (d) the SQLite floor for (c): a bare scan of the same persons table and a bare insert of
 *       the same number of result rows, with the same settings;
 *   (c2) (c) on two threads (`doudi run --jobs 2`: one reads and evaluates, one writes), timed
 *       in the same repetitions as (c), alternately first and second; c/c2 is the speed-up;
 *   (e) the embedding API's doudi_eval, record by record, and (f) doudi_eval_batch over the
 *       same records (up to 100k of them), validating and with verdicts kept, against the VM
 *       over those records.
 * Each figure is the median of several repetitions. Sizes: 10k, 100k, 1M (10M with
 * BENCH_10M=1). */
#include "lang/check.h"
#include "lang/compile.h"
#include "engine/csv.h"
#include "base/date.h"
#include "doudi.h"
#include "api/api_int.h"
#include "api/jobs.h"
#include "gen/gen.h"
#include "lang/parse.h"
#include "vm/values.h"
#include "vm/record.h"
#include "vm/vm.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define BENCH_NAME "bench"
#include "bench_util.h"

static const char *RULES = "rules/zhengzhou-2021.doudi";

/* ---- the rules, compiled ------------------------------------------------------------------ */

typedef struct Compiled {
    Arena arena;
    SourceFile *src;
    Rules *rules;
    Program *prog;
} Compiled;

static void compile_file(Compiled *c)
{
    DiagList dl = {0};
    c->src = source_read(RULES);
    if (!c->src) { perror(RULES); exit(2); }
    Module *m = parse_module(&c->arena, c->src, &dl);
    c->rules = check_module(&c->arena, m, &dl);
    c->prog = dl.errors ? NULL : compile_rules(c->rules, &dl);
    if (!c->prog) { fprintf(stderr, "bench: %s does not compile\n", RULES); exit(2); }
    diag_free(&dl);
}

/* ---- records in memory -------------------------------------------------------------------- */

typedef struct Population {
    size_t n;
    uint32_t nfields;
    int64_t *values;          /* n × nfields */
    char **texts;             /* owned text values */
    size_t ntexts, cap;
} Population;

static void load_population(const Program *p, const char *csv_path, Population *pop)
{
    const RecordInfo *ri = &p->records[0];
    char *err = NULL;
    CsvReader *r = csv_open(csv_path, NULL, &err);
    if (!r) { fprintf(stderr, "bench: %s\n", err); exit(2); }
    CsvRecord rec;
    csv_next(r, &rec);   /* the header: gen writes the columns in declaration order */
    if (rec.count != ri->nfields) { fprintf(stderr, "bench: unexpected header\n"); exit(2); }
    size_t cap = 1024;
    pop->nfields = ri->nfields;
    pop->values = xmalloc(cap * ri->nfields * sizeof *pop->values);
    while (csv_next(r, &rec) == 1) {
        if (pop->n == cap) {
            cap *= 2;
            pop->values = xrealloc(pop->values, cap * ri->nfields * sizeof *pop->values);
        }
        int64_t *row = pop->values + pop->n * ri->nfields;
        for (uint32_t i = 0; i < ri->nfields; i++) {
            char *owned = NULL, why[200];
            if (rec.lens[i] == 0 && ri->fields[i].has_default) {
                row[i] = ri->fields[i].kind == VK_TEXT ? (int64_t)(intptr_t)p->strings[ri->fields[i].default_value]
                                                       : ri->fields[i].default_value;
                continue;
            }
            if (!value_parse(p, &ri->fields[i], rec.fields[i], rec.lens[i], &row[i], &owned, why, sizeof why)) {
                fprintf(stderr, "bench: line %u: %s: %s\n", rec.line, ri->fields[i].name, why);
                exit(2);
            }
            if (owned) {
                if (pop->ntexts == pop->cap) {
                    pop->cap = pop->cap ? pop->cap * 2 : 4096;
                    pop->texts = xrealloc(pop->texts, pop->cap * sizeof *pop->texts);
                }
                pop->texts[pop->ntexts++] = owned;
            }
        }
        pop->n++;
    }
    csv_close(r);
}

static void free_population(Population *pop)
{
    for (size_t i = 0; i < pop->ntexts; i++) free(pop->texts[i]);
    free(pop->texts);
    free(pop->values);
    memset(pop, 0, sizeof *pop);
}

/* ---- (b) the native limit: INTERPRETATION §2–4 by hand in C ------------------------------------ */

typedef struct Native {
    int birth_date, dibao, low_income, registered_poor, labor_capacity, income_source, supporter;
    int disability_type, disability_grade, chronic_severe, family_can_bear, severe_mental;
    int adl[6], family_care, guardian, de_facto_unsupported, has_caretaker, home[7], wants_central;
    int64_t lc_none, lc_partial, sup_none, sup_unable, dt_physical, dt_intellectual, dt_mental;
    int64_t fc_heavy, fc_none, g_none, g_incapable, wc_yes;
    int64_t p_home, p_medical, p_disability, p_welfare, p_village, p_township;
    int64_t as_of;
} Native;

typedef struct Outcome {
    int64_t mask, primary, placement;
} Outcome;

static int field(const RecordInfo *ri, const char *name)
{
    for (uint32_t i = 0; i < ri->nfields; i++)
        if (!strcmp(ri->fields[i].name, name)) return (int)i;
    fprintf(stderr, "bench: no field %s\n", name);
    exit(2);
}

static int64_t value_of(const Program *p, const RecordInfo *ri, const char *fieldname, const char *value)
{
    const FieldInfo *f = &ri->fields[field(ri, fieldname)];
    return value_enum_lookup(&p->enums[f->enum_index], value, strlen(value));
}

static void native_setup(const Program *p, Native *nv)
{
    const RecordInfo *ri = &p->records[0];
    static const char *const adl[6] = {"adl_eat", "adl_dress", "adl_bed", "adl_toilet", "adl_walk", "adl_bathe"};
    static const char *const home[7] = {"home_caregiver", "home_same_food", "home_same_housing", "home_medical",
                                        "home_activity_space", "home_heating_cooling", "home_pocket_money"};
    nv->birth_date = field(ri, "birth_date");
    nv->dibao = field(ri, "dibao");
    nv->low_income = field(ri, "low_income");
    nv->registered_poor = field(ri, "registered_poor");
    nv->labor_capacity = field(ri, "labor_capacity");
    nv->income_source = field(ri, "income_source");
    nv->supporter = field(ri, "supporter");
    nv->disability_type = field(ri, "disability_type");
    nv->disability_grade = field(ri, "disability_grade");
    nv->chronic_severe = field(ri, "chronic_severe");
    nv->family_can_bear = field(ri, "family_can_bear");
    nv->severe_mental = field(ri, "severe_mental");
    for (int i = 0; i < 6; i++) nv->adl[i] = field(ri, adl[i]);
    for (int i = 0; i < 7; i++) nv->home[i] = field(ri, home[i]);
    nv->family_care = field(ri, "family_care");
    nv->guardian = field(ri, "guardian");
    nv->de_facto_unsupported = field(ri, "de_facto_unsupported");
    nv->has_caretaker = field(ri, "has_caretaker");
    nv->wants_central = field(ri, "wants_central");
    nv->lc_none = value_of(p, ri, "labor_capacity", "none");
    nv->lc_partial = value_of(p, ri, "labor_capacity", "partial");
    nv->sup_none = value_of(p, ri, "supporter", "none");
    nv->sup_unable = value_of(p, ri, "supporter", "unable");
    nv->dt_physical = value_of(p, ri, "disability_type", "physical");
    nv->dt_intellectual = value_of(p, ri, "disability_type", "intellectual");
    nv->dt_mental = value_of(p, ri, "disability_type", "mental");
    nv->fc_heavy = value_of(p, ri, "family_care", "heavy");
    nv->fc_none = value_of(p, ri, "family_care", "none");
    nv->g_none = value_of(p, ri, "guardian", "none");
    nv->g_incapable = value_of(p, ri, "guardian", "incapable");
    nv->wc_yes = value_of(p, ri, "wants_central", "yes");
    const EnumInfo *pe = &p->enums[p->placement_enum];
    nv->p_home = value_enum_lookup(pe, "home", 4);
    nv->p_medical = value_enum_lookup(pe, "medical_rehab", 13);
    nv->p_disability = value_enum_lookup(pe, "disability_center", 17);
    nv->p_welfare = value_enum_lookup(pe, "welfare_institution", 19);
    nv->p_village = value_enum_lookup(pe, "village_courtyard", 17);
    nv->p_township = value_enum_lookup(pe, "township_home", 13);
    date_parse("2021-04-01", 10, &nv->as_of);
}

static inline void native_eval(const Native *nv, const int64_t *f, Outcome *o)
{
    int64_t age = years_between(f[nv->birth_date], nv->as_of);
    int lost = 0;
    for (int i = 0; i < 6; i++) lost += !f[nv->adl[i]];
    int self_care = lost == 0 ? 0 : lost <= 3 ? 1 : 2;   /* full, partial, none */
    bool poor = f[nv->dibao] || f[nv->low_income] || f[nv->registered_poor];
    bool minor = age < 18, elderly = age >= 60;
    int64_t lc = f[nv->labor_capacity], dt = f[nv->disability_type], grade = f[nv->disability_grade];
    bool c[6];
    c[0] = lc == nv->lc_none && !f[nv->income_source] &&
           (f[nv->supporter] == nv->sup_none || f[nv->supporter] == nv->sup_unable) &&
           (elderly || minor || grade >= 1);
    c[1] = poor && grade >= 1 && grade <= 2 &&
           (dt == nv->dt_physical || dt == nv->dt_intellectual || dt == nv->dt_mental);
    c[2] = poor && f[nv->chronic_severe] && self_care != 0 && !f[nv->family_can_bear];
    c[3] = poor && (lc == nv->lc_partial || lc == nv->lc_none) &&
           (f[nv->family_care] == nv->fc_heavy || f[nv->family_care] == nv->fc_none);
    c[4] = minor && (f[nv->guardian] == nv->g_none || f[nv->guardian] == nv->g_incapable ||
                     f[nv->de_facto_unsupported]);
    c[5] = poor && elderly && !f[nv->has_caretaker] && self_care != 0;
    int64_t mask = 0;
    for (int i = 0; i < 6; i++) mask |= (int64_t)c[i] << i;
    o->mask = mask;
    o->primary = mask ? __builtin_ctzll((uint64_t)mask) : -1;
    if (!mask) { o->placement = -1; return; }
    bool home_met = true;
    for (int i = 0; i < 7; i++) home_met = home_met && f[nv->home[i]];
    if (home_met && f[nv->wants_central] != nv->wc_yes) o->placement = nv->p_home;
    else if ((f[nv->severe_mental] || f[nv->chronic_severe]) && self_care != 0) o->placement = nv->p_medical;
    else if (c[1]) o->placement = nv->p_disability;
    else if (c[4]) o->placement = nv->p_welfare;
    else if (self_care == 0) o->placement = nv->p_village;
    else if (self_care == 1) o->placement = nv->p_township;
    else o->placement = nv->p_welfare;
}

/* ---- (b) over a compact record, as a C programmer would lay the person out ---------------------- */

/* The fields the per-person work reads, each as narrow as it can be: bytes for the flags, the
 * enums and the grade, an int32 day number for the birth date — 33 bytes, against doudi's 288
 * (an int64 per field; the issue counted 34). Packed: an array of them is 33 bytes a person. */
typedef struct __attribute__((packed)) CompactPerson {
    int32_t birth_date;
    uint8_t dibao, low_income, registered_poor, labor_capacity, income_source, supporter;
    uint8_t disability_type, disability_grade, chronic_severe, family_can_bear, severe_mental;
    uint8_t adl[6], family_care, guardian, de_facto_unsupported, has_caretaker, home[7], wants_central;
} CompactPerson;
_Static_assert(sizeof(CompactPerson) == 33, "the compact person is 33 bytes");

static CompactPerson *compact_population(const Native *nv, const Population *pop)
{
    CompactPerson *cp = xmalloc((pop->n + 1) * sizeof *cp);
    for (size_t i = 0; i < pop->n; i++) {
        const int64_t *f = pop->values + i * pop->nfields;
        CompactPerson *c = &cp[i];
        c->birth_date = (int32_t)f[nv->birth_date];
        c->dibao = (uint8_t)f[nv->dibao];
        c->low_income = (uint8_t)f[nv->low_income];
        c->registered_poor = (uint8_t)f[nv->registered_poor];
        c->labor_capacity = (uint8_t)f[nv->labor_capacity];
        c->income_source = (uint8_t)f[nv->income_source];
        c->supporter = (uint8_t)f[nv->supporter];
        c->disability_type = (uint8_t)f[nv->disability_type];
        c->disability_grade = (uint8_t)f[nv->disability_grade];
        c->chronic_severe = (uint8_t)f[nv->chronic_severe];
        c->family_can_bear = (uint8_t)f[nv->family_can_bear];
        c->severe_mental = (uint8_t)f[nv->severe_mental];
        for (int k = 0; k < 6; k++) c->adl[k] = (uint8_t)f[nv->adl[k]];
        c->family_care = (uint8_t)f[nv->family_care];
        c->guardian = (uint8_t)f[nv->guardian];
        c->de_facto_unsupported = (uint8_t)f[nv->de_facto_unsupported];
        c->has_caretaker = (uint8_t)f[nv->has_caretaker];
        for (int k = 0; k < 7; k++) c->home[k] = (uint8_t)f[nv->home[k]];
        c->wants_central = (uint8_t)f[nv->wants_central];
    }
    return cp;
}

/* native_eval over the compact person: the same logic, field by field. */
static inline void native_eval_compact(const Native *nv, const CompactPerson *f, Outcome *o)
{
    int64_t age = years_between(f->birth_date, nv->as_of);
    int lost = 0;
    for (int i = 0; i < 6; i++) lost += !f->adl[i];
    int self_care = lost == 0 ? 0 : lost <= 3 ? 1 : 2;   /* full, partial, none */
    bool poor = f->dibao || f->low_income || f->registered_poor;
    bool minor = age < 18, elderly = age >= 60;
    int64_t lc = f->labor_capacity, dt = f->disability_type, grade = f->disability_grade;
    bool c[6];
    c[0] = lc == nv->lc_none && !f->income_source && (f->supporter == nv->sup_none || f->supporter == nv->sup_unable) &&
           (elderly || minor || grade >= 1);
    c[1] = poor && grade >= 1 && grade <= 2 &&
           (dt == nv->dt_physical || dt == nv->dt_intellectual || dt == nv->dt_mental);
    c[2] = poor && f->chronic_severe && self_care != 0 && !f->family_can_bear;
    c[3] = poor && (lc == nv->lc_partial || lc == nv->lc_none) &&
           (f->family_care == nv->fc_heavy || f->family_care == nv->fc_none);
    c[4] = minor && (f->guardian == nv->g_none || f->guardian == nv->g_incapable || f->de_facto_unsupported);
    c[5] = poor && elderly && !f->has_caretaker && self_care != 0;
    int64_t mask = 0;
    for (int i = 0; i < 6; i++) mask |= (int64_t)c[i] << i;
    o->mask = mask;
    o->primary = mask ? __builtin_ctzll((uint64_t)mask) : -1;
    if (!mask) { o->placement = -1; return; }
    bool home_met = true;
    for (int i = 0; i < 7; i++) home_met = home_met && f->home[i];
    if (home_met && f->wants_central != nv->wc_yes) o->placement = nv->p_home;
    else if ((f->severe_mental || f->chronic_severe) && self_care != 0) o->placement = nv->p_medical;
    else if (c[1]) o->placement = nv->p_disability;
    else if (c[4]) o->placement = nv->p_welfare;
    else if (self_care == 0) o->placement = nv->p_village;
    else if (self_care == 1) o->placement = nv->p_township;
    else o->placement = nv->p_welfare;
}

/* ---- (a) and (b) ------------------------------------------------------------------------------ */

static volatile int64_t sink;   /* keeps the loops from being optimised away */

/* The timed loops are kept out of line (noinline) so that a profiler — callgrind, whose
 * instruction counts do not move with the machine's load — gives each its own figure. */

__attribute__((noinline)) static double time_vm(const Program *p, Vm *vm, const Population *pop)
{
    double t0 = wall_now();
    int64_t acc = 0;
    const int64_t *R = vm->regs;
    for (size_t i = 0; i < pop->n; i++) {
        vm_run(vm, p->person_entry, pop->values + i * pop->nfields, pop->nfields);
        acc += R[p->reg_catmask] + R[p->reg_placement];
    }
    sink = acc;
    return wall_now() - t0;
}

/* The population as compact records (vm/record.h), one after another. */
static uint8_t *packed_population(const RecordLayout *l, const Population *pop)
{
    uint8_t *packed = xmalloc(pop->n * l->size + 1);
    for (size_t i = 0; i < pop->n; i++)
        if (!record_pack(l, pop->values + i * pop->nfields, packed + i * l->size)) {
            fprintf(stderr, "bench: record %zu does not pack\n", i);
            exit(2);
        }
    return packed;
}

__attribute__((noinline)) static double time_vm_packed(const Program *p, Vm *vm, const RecordLayout *l, const uint8_t *packed, size_t n)
{
    double t0 = wall_now();
    int64_t acc = 0;
    const int64_t *R = vm->regs;
    for (size_t i = 0; i < n; i++) {
        record_run(vm, p->person_entry, l, packed + i * l->size);
        acc += R[p->reg_catmask] + R[p->reg_placement];
    }
    sink = acc;
    return wall_now() - t0;
}

__attribute__((noinline)) static double time_native(const Native *nv, const Population *pop)
{
    double t0 = wall_now();
    int64_t acc = 0;
    Outcome o;
    for (size_t i = 0; i < pop->n; i++) {
        native_eval(nv, pop->values + i * pop->nfields, &o);
        acc += o.mask + o.placement;
    }
    sink = acc;
    return wall_now() - t0;
}

__attribute__((noinline)) static double time_native_compact(const Native *nv, const CompactPerson *cp, size_t n)
{
    double t0 = wall_now();
    int64_t acc = 0;
    Outcome o;
    for (size_t i = 0; i < n; i++) {
        native_eval_compact(nv, &cp[i], &o);
        acc += o.mask + o.placement;
    }
    sink = acc;
    return wall_now() - t0;
}

/* Every record: the VM and the native function agree, or the benchmark means nothing. */
static size_t disagreements(const Program *p, Vm *vm, const Native *nv, const Population *pop, const CompactPerson *cp,
                            const RecordLayout *l, const uint8_t *packed)
{
    size_t bad = 0;
    const int64_t *R = vm->regs;
    for (size_t i = 0; i < pop->n; i++) {
        const int64_t *f = pop->values + i * pop->nfields;
        Outcome o, oc;
        native_eval(nv, f, &o);
        native_eval_compact(nv, &cp[i], &oc);
        record_run(vm, p->person_entry, l, packed + i * l->size);
        int64_t pm = R[p->reg_catmask], pp = R[p->reg_primary], pl = R[p->reg_placement];
        vm_run(vm, p->person_entry, f, pop->nfields);
        if (pm != R[p->reg_catmask] || pp != R[p->reg_primary] || pl != R[p->reg_placement]) {
            if (bad++ < 5) fprintf(stderr, "disagree on %s: the VM over int64 and packed records\n", (const char *)(intptr_t)f[0]);
        } else if (oc.mask != o.mask || oc.primary != o.primary || oc.placement != o.placement) {
            if (bad++ < 5) fprintf(stderr, "disagree on %s: native and native compact\n", (const char *)(intptr_t)f[0]);
        } else if (o.mask != R[p->reg_catmask] || o.primary != R[p->reg_primary] || o.placement != R[p->reg_placement]) {
            if (bad++ < 5)
                fprintf(stderr, "disagree on %s: native %lld/%lld/%lld vm %lld/%lld/%lld\n",
                        (const char *)(intptr_t)f[0], (long long)o.mask, (long long)o.primary,
                        (long long)o.placement, (long long)R[p->reg_catmask], (long long)R[p->reg_primary],
                        (long long)R[p->reg_placement]);
        }
    }
    return bad;
}

/* ---- (e) and (f): the embedding API over the same records ------------------------------------ */

/* Up to EVAL_SAMPLE of the population as doudi_records (their text points into pop). */
enum { EVAL_SAMPLE = 100000 };

static doudi_record **api_records(const doudi_rules *r, const Population *pop, size_t m)
{
    doudi_record **recs = xmalloc((m + 1) * sizeof *recs);
    for (size_t i = 0; i < m; i++) {
        recs[i] = doudi_record_new(r);
        memcpy(recs[i]->values, pop->values + i * pop->nfields, pop->nfields * sizeof *recs[i]->values);
        for (uint32_t k = 0; k < pop->nfields; k++) recs[i]->set[k] = true;
    }
    return recs;
}

/* Forget every record's verdict, so that the next evaluation validates it, as every call did
 * before records kept their verdict. */
static void forget_verdicts(doudi_record **recs, size_t m)
{
    for (size_t i = 0; i < m; i++) recs[i]->valid_stamp = 0;
}

static double time_vm_records(const doudi_rules *r, doudi_record **recs, size_t m)
{
    double t0 = wall_now();
    int64_t acc = 0;
    for (size_t i = 0; i < m; i++) {
        vm_run(r->vm, r->prog->person_entry, recs[i]->values, recs[i]->n);
        acc += r->vm->regs[r->prog->reg_catmask] + r->vm->regs[r->prog->reg_placement];
    }
    sink = acc;
    return wall_now() - t0;
}

static double time_eval(const doudi_rules *r, doudi_record **recs, size_t m)
{
    double t0 = wall_now();
    int64_t acc = 0;
    doudi_outcome o;
    for (size_t i = 0; i < m; i++) {
        if (doudi_eval(r, recs[i], &o, NULL)) { fprintf(stderr, "bench: doudi_eval refused record %zu\n", i); exit(2); }
        acc += (int64_t)o.categories + o.placement;
    }
    sink = acc;
    return wall_now() - t0;
}

static double time_eval_batch(const doudi_rules *r, doudi_record **recs, size_t m, doudi_outcome *outs)
{
    double t0 = wall_now();
    if (doudi_eval_batch(r, (const doudi_record *const *)recs, m, outs, NULL, NULL) != 0) {
        fprintf(stderr, "bench: doudi_eval_batch refused records\n");
        exit(2);
    }
    int64_t acc = 0;
    for (size_t i = 0; i < m; i++) acc += (int64_t)outs[i].categories + outs[i].placement;
    sink = acc;
    return wall_now() - t0;
}

/* (e) doudi_eval record by record and (f) one doudi_eval_batch over the sample: each first on
 * records never validated (as every call was before records kept their verdict), then again
 * (verdicts kept); all against the VM's person entry over the same records (the records live
 * apart in the heap, so this VM figure can differ from (a)), interleaved in each repetition. */
enum { API_VM, API_EVAL_NEW, API_EVAL_KEPT, API_BATCH_NEW, API_BATCH_KEPT, API_N };

static void bench_api(const Population *pop, int reps)
{
    char *err = NULL;
    doudi_rules *r = doudi_compile_file(RULES, &err);
    if (!r) { fprintf(stderr, "bench: %s\n", err); exit(2); }
    size_t m = pop->n < EVAL_SAMPLE ? pop->n : EVAL_SAMPLE;
    doudi_record **recs = api_records(r, pop, m);
    doudi_outcome *outs = xmalloc((m + 1) * sizeof *outs);
    double *t[API_N], ns[API_N];
    for (int k = 0; k < API_N; k++) t[k] = xmalloc((size_t)reps * sizeof *t[k]);
    for (int i = 0; i < reps; i++) {
        t[API_VM][i] = time_vm_records(r, recs, m);
        forget_verdicts(recs, m);
        t[API_EVAL_NEW][i] = time_eval(r, recs, m);
        t[API_EVAL_KEPT][i] = time_eval(r, recs, m);
        forget_verdicts(recs, m);
        t[API_BATCH_NEW][i] = time_eval_batch(r, recs, m, outs);
        t[API_BATCH_KEPT][i] = time_eval_batch(r, recs, m, outs);
    }
    for (int k = 0; k < API_N; k++) ns[k] = median(t[k], reps) / (double)m * 1e9;
    printf("%10s  (e) doudi_eval        %6.1f ns/rec validating = %.2fx VM, %6.1f ns/rec validated = %.2fx VM\n", "",
           ns[API_EVAL_NEW], ns[API_EVAL_NEW] / ns[API_VM], ns[API_EVAL_KEPT], ns[API_EVAL_KEPT] / ns[API_VM]);
    printf("%10s  (f) doudi_eval_batch  %6.1f ns/rec validating = %.2fx VM, %6.1f ns/rec validated = %.2fx VM"
           "   (VM over these %zu records: %.1f ns/rec)\n", "",
           ns[API_BATCH_NEW], ns[API_BATCH_NEW] / ns[API_VM], ns[API_BATCH_KEPT], ns[API_BATCH_KEPT] / ns[API_VM], m,
           ns[API_VM]);
    for (size_t i = 0; i < m; i++) doudi_record_free(recs[i]);
    free(recs);
    free(outs);
    for (int k = 0; k < API_N; k++) free(t[k]);
    doudi_free(r);
}

/* ---- (c) and (d) ------------------------------------------------------------------------------ */

static double time_run(const char *db, const char *results, unsigned jobs)
{
    char *err = NULL;
    doudi_rules *r = doudi_compile_file(RULES, &err);
    doudi_ledger *l = doudi_ledger_open(db, &err);
    if (!r || !l) { fprintf(stderr, "bench: %s\n", err ? err : "?"); exit(2); }
    doudi_run_stats st;
    double t0 = wall_now();
    if (doudi_run_jobs(l, r, jobs, results, NULL, NULL, &st, &err)) { fprintf(stderr, "bench: %s\n", err); exit(2); }
    double t = wall_now() - t0;
    doudi_ledger_close(l);
    doudi_free(r);
    return t;
}

static void exec_sql(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) { fprintf(stderr, "bench: %s: %s\n", sql, msg); exit(2); }
}

/* The floor: read every column of every person in key order, and insert as many rows shaped
 * like results, in one transaction, with the ledger's settings. */
static double time_floor(const char *db_path, const Program *p, size_t n)
{
    sqlite3 *db;
    sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);   /* as the ledger */
    exec_sql(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
    exec_sql(db, "CREATE TABLE IF NOT EXISTS floor_results (run INTEGER NOT NULL, key TEXT NOT NULL, categories TEXT NOT NULL,"
                 " primary_category TEXT NOT NULL, placement TEXT NOT NULL, year INTEGER, fired TEXT NOT NULL,"
                 " PRIMARY KEY (run, key)) WITHOUT ROWID; DELETE FROM floor_results;");
    const RecordInfo *ri = &p->records[0];
    StrBuf sql = {0};
    sb_puts(&sql, "SELECT ");
    for (uint32_t i = 0; i < ri->nfields; i++) sb_printf(&sql, "%s\"%s\"", i ? ", " : "", ri->fields[i].name);
    sb_printf(&sql, " FROM \"%s\" ORDER BY \"%s\"", ri->name, ri->fields[ri->key].name);
    double t0 = wall_now();
    exec_sql(db, "BEGIN IMMEDIATE");
    sqlite3_stmt *sel, *ins;
    sqlite3_prepare_v2(db, sb_str(&sql), -1, &sel, NULL);
    sqlite3_prepare_v2(db, "INSERT INTO floor_results VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &ins, NULL);
    int64_t acc = 0;
    size_t rows = 0;
    while (sqlite3_step(sel) == SQLITE_ROW) {
        for (uint32_t i = 0; i < ri->nfields; i++) {
            if (sqlite3_column_type(sel, (int)i) == SQLITE_INTEGER) acc += sqlite3_column_int64(sel, (int)i);
            else acc += sqlite3_column_bytes(sel, (int)i) + (sqlite3_column_text(sel, (int)i) != NULL);
        }
        sqlite3_reset(ins);
        sqlite3_bind_int64(ins, 1, 1);
        sqlite3_bind_text(ins, 2, (const char *)sqlite3_column_text(sel, ri->key), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 3, "disabled_care|lonely_elderly", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, "disabled_care", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 5, "township_home", -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 6, 2021);
        sqlite3_bind_text(ins, 7, "care branch 6: township_home (line 128) 四、¶2", -1, SQLITE_STATIC);
        sqlite3_step(ins);
        rows++;
    }
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    exec_sql(db, "COMMIT");
    double t = wall_now() - t0;
    exec_sql(db, "DROP TABLE floor_results");
    sqlite3_close(db);
    sb_free(&sql);
    sink = acc;
    if (rows != n) { fprintf(stderr, "bench: the floor read %zu rows, expected %zu\n", rows, n); exit(2); }
    return t;
}

/* ---- driver ----------------------------------------------------------------------------------- */

static void generate(const char *dir, uint64_t n)
{
    GenOptions o = gen_default_options();
    o.count = n;
    o.seed = 1;
    char *err = NULL;
    if (gen_write_dir(&o, dir, NULL, &err) != 0) { fprintf(stderr, "bench: gen: %s\n", err); exit(2); }
}

static void import(const char *dir, const char *db)
{
    char *err = NULL;
    doudi_rules *r = doudi_compile_file(RULES, &err);
    doudi_ledger *l = doudi_ledger_open(db, &err);
    char path[1024];
    snprintf(path, sizeof path, "%s/persons.csv", dir);
    doudi_import_stats st;
    if (!r || !l || doudi_import(l, r, 0, path, NULL, NULL, &st, &err)) { fprintf(stderr, "bench: import: %s\n", err); exit(2); }
    snprintf(path, sizeof path, "%s/institutions.csv", dir);
    doudi_import(l, r, 1, path, NULL, NULL, &st, &err);
    doudi_ledger_close(l);
    doudi_free(r);
}

static void bench_size(const Compiled *c, const char *tmp, uint64_t n, int reps, bool ledger)
{
    char dir[512], csv[600], db[600];
    snprintf(dir, sizeof dir, "%s/n%llu", tmp, (unsigned long long)n);
    snprintf(csv, sizeof csv, "%s/persons.csv", dir);
    snprintf(db, sizeof db, "%s/ledger.db", dir);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    if (system(cmd) != 0) exit(2);
    generate(dir, n);
    Population pop = {0};
    load_population(c->prog, csv, &pop);
    Vm *vm = vm_new(c->prog);
    Native nv;
    native_setup(c->prog, &nv);
    CompactPerson *cp = compact_population(&nv, &pop);
    RecordLayout layout;
    record_layout_init(&layout, c->prog, &c->prog->records[0]);
    uint8_t *packed = packed_population(&layout, &pop);
    size_t bad = disagreements(c->prog, vm, &nv, &pop, cp, &layout, packed);
    double *ta = xmalloc((size_t)reps * sizeof *ta), *tb = xmalloc((size_t)reps * sizeof *tb);
    double *ta2 = xmalloc((size_t)reps * sizeof *ta2), *tb2 = xmalloc((size_t)reps * sizeof *tb2);
    for (int i = 0; i < reps; i++) {
        ta[i] = time_vm(c->prog, vm, &pop);
        tb[i] = time_native(&nv, &pop);
        ta2[i] = time_vm_packed(c->prog, vm, &layout, packed, pop.n);
        tb2[i] = time_native_compact(&nv, cp, pop.n);
    }
    double a = median(ta, reps), b = median(tb, reps), a2 = median(ta2, reps), b2 = median(tb2, reps);
    printf("%10llu  (a) VM %8.1f M rec/s  %6.1f ns/rec   (b) native %8.1f M rec/s  %5.1f ns/rec   a/b = %.2fx  %s\n",
           (unsigned long long)n, n / a / 1e6, a / n * 1e9, n / b / 1e6, b / n * 1e9, a / b,
           bad ? "DISAGREE" : "agree on every record");
    printf("%10s  (a') VM, %u-byte records %5.1f ns/rec   (b') native, %zu-byte struct %5.1f ns/rec   a'/b' = %.2fx"
           "   (a over int64 records / b' = %.2fx)\n", "", layout.size, a2 / n * 1e9, sizeof(CompactPerson),
           b2 / n * 1e9, a2 / b2, a / b2);
    free(ta2);
    free(tb2);
    free(cp);
    free(packed);
    record_layout_free(&layout);
    bench_api(&pop, reps);
    vm_free(vm);
    free_population(&pop);
    if (ledger) {
        import(dir, db);
        int lreps = reps > 3 ? 3 : reps;
        double *tc = xmalloc((size_t)lreps * sizeof *tc), *td = xmalloc((size_t)lreps * sizeof *td);
        double *tc2 = xmalloc((size_t)lreps * sizeof *tc2);
        for (int i = 0; i < lreps; i++) {
            td[i] = time_floor(db, c->prog, n);
            /* the results table, as the floor writes; the file is extra. Each run adds to the
             * ledger's tables, so one thread and two take turns at going first. */
            if (i % 2) tc2[i] = time_run(db, NULL, 2);
            tc[i] = time_run(db, NULL, 1);
            if (i % 2 == 0) tc2[i] = time_run(db, NULL, 2);
        }
        double cc = median(tc, lreps), dd = median(td, lreps), cc2 = median(tc2, lreps);
        printf("%10s  (c) run %7.0f k rec/s            (d) floor %7.0f k rec/s               c/d = %.2f of the floor\n", "",
               n / cc / 1e3, n / dd / 1e3, dd / cc);
        printf("%10s  (c2) run --jobs 2 %7.0f k rec/s                                           c/c2 = %.2fx faster"
               " on 2 threads\n", "", n / cc2 / 1e3, cc / cc2);
        free(tc);
        free(tc2);
        free(td);
    }
    printf("%10s  peak memory so far %ld MB\n", "", peak_kb() / 1024);
    fflush(stdout);
    free(ta);
    free(tb);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) exit(2);
    if (bad) exit(1);
}

int main(int argc, char **argv)
{
    int reps = 5;
    uint64_t only = 0;         /* --size N: just that size */
    bool ledger = true;        /* --vm-only: skip (c) and (d), e.g. under a profiler */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--size") && i + 1 < argc) only = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--vm-only")) ledger = false;
    }
    Compiled c = {0};
    compile_file(&c);
    char tmp[] = "/tmp/doudi-bench.XXXXXX";
    if (!mkdtemp(tmp)) { perror("mkdtemp"); return 2; }
    printf("doudi bench: %s, medians of %d repetitions (ledger runs: of up to 3)\n", RULES, reps);
    uint64_t sizes[] = {10000, 100000, 1000000, 10000000};
    int nsizes = getenv("BENCH_10M") ? 4 : 3;
    if (only) bench_size(&c, tmp, only, reps, ledger);
    else
        for (int i = 0; i < nsizes; i++) bench_size(&c, tmp, sizes[i], reps, ledger && sizes[i] <= 1000000);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0) return 2;
    program_free(c.prog);
    arena_free(&c.arena);
    source_free(c.src);
    return 0;
}
