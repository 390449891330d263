/* capacity.c — the capacity plan (see capacity.h). */
#include "capacity.h"
#include "base/fixed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct CapType {
    int type;                  /* placement value */
    int64_t std_beds, minimum;
} CapType;

/* Existing institutions of one partition: [type] count, [n + type] beds, [2n + type] upgrades. */
typedef struct Existing {
    char *partition;
    int64_t *cells;
} Existing;

typedef struct Plan {
    const Program *p;
    const CapacityInfo *ci;
    size_t nplacements;
    CapType *types;
    size_t ntypes;
    int64_t headroom;          /* fixed point: 10% = 1000 */
    size_t nyears;
    int64_t *years, *cumulative;
    VEC(Existing) existing;
    bool shares_overflow;      /* the build shares add up beyond int64 (a hand-made program) */
} Plan;

/* Arithmetic that notes an overflow in *overflow (the result then means nothing): a hand-made
 * program's constants, or absurd numbers in the data, must refuse the plan, not wrap. */
static int64_t plus(bool *overflow, int64_t a, int64_t b)
{
    int64_t s;
    if (__builtin_add_overflow(a, b, &s)) *overflow = true;
    return s;
}

static int64_t minus(bool *overflow, int64_t a, int64_t b)
{
    int64_t d;
    if (__builtin_sub_overflow(a, b, &d)) *overflow = true;
    return d;
}

/* The plan's numbers, read from their registers (a param may have been overridden). */
static void plan_setup(Plan *pl, const Program *p, const Vm *vm)
{
    const CapacityInfo *ci = p->capacity;
    const int64_t *R = vm->regs;
    pl->p = p;
    pl->ci = ci;
    pl->nplacements = p->enums[p->placement_enum].count;
    pl->ntypes = ci->nitems;
    pl->types = xcalloc(pl->ntypes + 1, sizeof *pl->types);
    for (size_t i = 0; i < pl->ntypes; i++) {
        const CapacityItemInfo *it = &ci->items[i];
        pl->types[i] = (CapType){it->type, R[it->beds_reg], it->has_minimum ? R[it->minimum_reg] : 0};
    }
    pl->headroom = R[ci->headroom_reg];
    pl->nyears = ci->nbuild;
    pl->years = xcalloc(pl->nyears + 1, sizeof *pl->years);
    pl->cumulative = xcalloc(pl->nyears + 1, sizeof *pl->cumulative);
    int64_t sum = 0;
    for (size_t i = 0; i < pl->nyears; i++) {
        pl->years[i] = ci->build_years[i];
        sum = plus(&pl->shares_overflow, sum, R[ci->build_reg[i]]);
        pl->cumulative[i] = sum;
    }
}

static void plan_free(Plan *pl)
{
    free(pl->types);
    free(pl->years);
    free(pl->cumulative);
    for (size_t i = 0; i < pl->existing.count; i++) {
        free(pl->existing.items[i].partition);
        free(pl->existing.items[i].cells);
    }
    VEC_FREE(&pl->existing);
}

static int64_t *existing_of(Plan *pl, const char *partition, bool make)
{
    for (size_t i = 0; i < pl->existing.count; i++)
        if (!strcmp(pl->existing.items[i].partition, partition)) return pl->existing.items[i].cells;
    if (!make) return NULL;
    Existing e = {xstrdup(partition), xcalloc(3 * pl->nplacements + 1, sizeof(int64_t))};
    VEC_PUSH(&pl->existing, e);
    return e.cells;
}

/* a / b rounded up, for a >= 0 (0 when b is not positive) */
static int64_t ceil_div(int64_t a, int64_t b) { return b > 0 ? a / b + (a % b != 0) : 0; }

/* Read every institution: count, beds and the ones to upgrade, per partition and type. An
 * institution the ledger cannot read as the rules declare it is left out (it was checked on
 * import; the rules may have changed since). */
static bool read_institutions(Plan *pl, Vm *vm, Ledger *l, char **error)
{
    const CapacityInfo *ci = pl->ci;
    const RecordInfo *ri = &pl->p->records[ci->record];
    if (ledger_count(l, ri, error) <= 0) return !*error;
    LedgerCursor *c = ledger_records(l, pl->p, ri, false, error);
    if (!c) return false;
    int64_t *values = xcalloc(ri->nfields + 1, sizeof *values);
    int32_t ftype = ci->inst_type_field, fbeds = ci->inst_beds_field, fpart = ci->inst_partition_field;
    char why[300];
    int rc;
    while ((rc = ledger_next(c, values, NULL, why, sizeof why, error)) != 0) {
        if (rc == -2) break;
        if (rc < 0 || ftype < 0 || fbeds < 0 || !vm_run(vm, ri->check_entry, values, ri->nfields)) continue;
        int64_t type = program_index(values[ftype], (uint32_t)pl->nplacements);
        if (type < 0) continue;
        const char *part = program_partition_key(pl->p, (uint32_t)ci->record, fpart, fpart >= 0 ? values[fpart] : 0);
        int64_t *cells = existing_of(pl, part, true);
        cells[type]++;
        bool overflow = false;
        cells[pl->nplacements + (size_t)type] = plus(&overflow, cells[pl->nplacements + (size_t)type], values[fbeds]);
        if (overflow) {
            *error = xasprintf("the institutions of %s, %s: their beds add up beyond the largest number a plan holds",
                               part, pl->p->enums[pl->p->placement_enum].values[type]);
            rc = -2;
            break;
        }
        if (ci->upgrade_reg >= 0 && vm->regs[ci->upgrade_reg]) cells[2 * pl->nplacements + (size_t)type]++;
    }
    free(values);
    ledger_cursor_close(c);
    return rc != -2;
}

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Every partition that has people or institutions, and every declared one (forms.c starts the
 * demand with them), in byte order. */
static const char **plan_partitions(const Plan *pl, const Forms *demand, size_t *n)
{
    size_t nd = forms_demand_count(demand);
    const char **names = xcalloc(nd + pl->existing.count + 1, sizeof *names);
    size_t k = 0;
    for (size_t i = 0; i < nd; i++) names[k++] = forms_demand_partition(demand, i);
    for (size_t i = 0; i < pl->existing.count; i++) {
        bool seen = false;
        for (size_t j = 0; j < nd && !seen; j++) seen = !strcmp(names[j], pl->existing.items[i].partition);
        if (!seen) names[k++] = pl->existing.items[i].partition;
    }
    qsort(names, k, sizeof *names, compare_names);
    *n = k;
    return names;
}

static const int64_t *demand_of(const Forms *demand, const char *partition)
{
    for (size_t i = 0; i < forms_demand_count(demand); i++)
        if (!strcmp(forms_demand_partition(demand, i), partition)) return forms_demand(demand, i);
    return NULL;
}

/* One partition and type: the plan row and its yearly split. */
static bool store_type(const Plan *pl, Ledger *l, int64_t run, const char *part, const CapType *ct,
                       const int64_t *dem, const int64_t *ex, char **error)
{
    size_t n = pl->nplacements, t = (size_t)ct->type;
    CapacityRow row = {.partition = part, .type = pl->p->enums[pl->p->placement_enum].values[t]};
    bool overflow = false;
    row.demand = dem ? dem[t] : 0;
    row.required_beds = fixed_quota(plus(&overflow, FIXED_SCALE, pl->headroom), row.demand);
    row.existing = ex ? ex[t] : 0;
    row.existing_beds = ex ? ex[n + t] : 0;
    row.upgrades = ex ? ex[2 * n + t] : 0;
    row.build = ceil_div(row.required_beds > row.existing_beds ? minus(&overflow, row.required_beds, row.existing_beds) : 0,
                         ct->std_beds);
    if (plus(&overflow, row.existing, row.build) < ct->minimum) row.build = minus(&overflow, ct->minimum, row.existing);
    row.tasks = plus(&overflow, row.build, row.upgrades);
    if (overflow) {
        *error = xasprintf("the capacity plan of %s, %s: a number is beyond the largest a plan holds", part, row.type);
        return false;
    }
    if (!ledger_capacity_add(l, run, &row, error)) return false;
    int64_t before = 0;
    for (size_t y = 0; y < pl->nyears; y++) {
        int64_t upto = fixed_quota(pl->cumulative[y], row.tasks);
        if (upto > row.tasks) upto = row.tasks;
        if (!ledger_capacity_year_add(l, run, part, row.type, pl->years[y], upto - before, error)) return false;
        before = upto;
    }
    return true;
}

bool capacity_store(const Program *p, Vm *vm, const Forms *demand, Ledger *l, int64_t run_id, char **error)
{
    if (!p->capacity || p->placement_enum < 0) return true;
    Plan pl = {0};
    plan_setup(&pl, p, vm);
    bool ok = !pl.shares_overflow;
    if (!ok) *error = xstrdup("the capacity plan's yearly build shares add up beyond the largest number a plan holds");
    ok = ok && read_institutions(&pl, vm, l, error);
    size_t nparts = 0;
    const char **parts = ok ? plan_partitions(&pl, demand, &nparts) : NULL;
    for (size_t pi = 0; ok && pi < nparts; pi++) {
        const int64_t *dem = demand_of(demand, parts[pi]), *ex = existing_of(&pl, parts[pi], false);
        for (size_t t = 0; ok && t < pl.ntypes; t++)
            if (pl.types[t].type >= 0) ok = store_type(&pl, l, run_id, parts[pi], &pl.types[t], dem, ex, error);
    }
    free(parts);
    plan_free(&pl);
    return ok;
}
