/* forms.c — counting the forms and planning capacity during a run (see forms.h). */
#include "forms.h"
#include "base/fixed.h"
#include "vm/values.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const FORMS_SCHEMA =
    "CREATE TABLE IF NOT EXISTS form_counts ("
    "  run INTEGER NOT NULL, form TEXT NOT NULL, partition TEXT NOT NULL,"
    "  row TEXT NOT NULL, col TEXT NOT NULL, n INTEGER NOT NULL,"
    "  PRIMARY KEY (run, form, partition, row, col)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS capacity_plan ("
    "  run INTEGER NOT NULL, partition TEXT NOT NULL, type TEXT NOT NULL,"
    "  demand INTEGER NOT NULL, required_beds INTEGER NOT NULL, existing INTEGER NOT NULL,"
    "  existing_beds INTEGER NOT NULL, new INTEGER NOT NULL, upgrades INTEGER NOT NULL,"
    "  tasks INTEGER NOT NULL,"
    "  PRIMARY KEY (run, partition, type)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS capacity_years ("
    "  run INTEGER NOT NULL, partition TEXT NOT NULL, type TEXT NOT NULL, year INTEGER NOT NULL,"
    "  n INTEGER NOT NULL,"
    "  PRIMARY KEY (run, partition, type, year)) WITHOUT ROWID;";

typedef struct Part {
    char *name;
    int64_t *cells;
} Part;

typedef struct PartList {
    Part *items;
    size_t count, cap;
    size_t last;               /* the partition found last: people come sorted by key */
    size_t ncells;
} PartList;

typedef struct TableCount {
    const FormInfo *form;
    PartList parts;
} TableCount;

struct Forms {
    const Program *p;
    TableCount *tables;
    size_t ntables;
    int32_t cap_part_field;    /* the capacity plan's partition field in the person record */
    PartList demand;           /* per partition: people per placement value */
};

static Part *find_part(PartList *pl, const char *name)
{
    if (pl->count && !strcmp(pl->items[pl->last].name, name)) return &pl->items[pl->last];
    for (size_t i = 0; i < pl->count; i++)
        if (!strcmp(pl->items[i].name, name)) {
            pl->last = i;
            return &pl->items[i];
        }
    Part part = {xstrdup(name), xcalloc(pl->ncells + 1, sizeof(int64_t))};
    VEC_PUSH(pl, part);
    pl->last = pl->count - 1;
    return &pl->items[pl->last];
}

static void free_parts(PartList *pl)
{
    for (size_t i = 0; i < pl->count; i++) {
        free(pl->items[i].name);
        free(pl->items[i].cells);
    }
    free(pl->items);
}

Forms *forms_new(const Program *p)
{
    Forms *f = xcalloc(1, sizeof *f);
    f->p = p;
    f->ntables = p->nforms;
    f->tables = xcalloc(f->ntables + 1, sizeof *f->tables);
    for (size_t t = 0; t < f->ntables; t++) {
        TableCount *tc = &f->tables[t];
        tc->form = &p->forms[t];
        tc->parts.ncells = (size_t)tc->form->nrows * tc->form->ncols;
    }
    f->cap_part_field = p->capacity ? p->capacity->partition_field : -1;
    f->demand.ncells = p->placement_enum >= 0 ? p->enums[p->placement_enum].count : 0;
    return f;
}

void forms_free(Forms *f)
{
    if (!f) return;
    for (size_t t = 0; t < f->ntables; t++) free_parts(&f->tables[t].parts);
    free(f->tables);
    free_parts(&f->demand);
    free(f);
}

static const char *partition_of(const int64_t *fields, int32_t field)
{
    return field >= 0 ? (const char *)(intptr_t)fields[field] : "";
}

void forms_add(Forms *f, const Vm *vm, const int64_t *fields)
{
    const int64_t *R = vm->regs;
    /* forms count targets; the cells' code does not even run for anyone else */
    if (R[f->p->reg_primary] < 0) return;
    for (size_t t = 0; t < f->ntables; t++) {
        TableCount *tc = &f->tables[t];
        const FormInfo *fi = tc->form;
        Part *part = NULL;
        for (uint32_t row = 0; row < fi->nrows; row++) {
            if (fi->rows[row].reg < 0 || !R[fi->rows[row].reg]) continue;
            if (!part) part = find_part(&tc->parts, partition_of(fields, fi->partition_field));
            for (uint32_t col = 0; col < fi->ncols; col++) {
                const FormColumn *c = &fi->cols[col];
                if (c->cell == FORM_COUNT && (c->reg < 0 || R[c->reg])) part->cells[(size_t)row * fi->ncols + col]++;
            }
        }
    }
    const Program *p = f->p;
    if (p->capacity && p->placement_enum >= 0 &&
        program_index(R[p->reg_placement], p->enums[p->placement_enum].count) >= 0) {
        Part *part = find_part(&f->demand, partition_of(fields, f->cap_part_field));
        part->cells[R[p->reg_placement]]++;
    }
}

/* ---- storing the forms ---------------------------------------------------------------------- */

static bool store_counts(Forms *f, Ledger *l, int64_t run_id, char **error)
{
    sqlite3_stmt *st = ledger_prepare(l,
        "INSERT INTO form_counts (run, form, partition, row, col, n) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", error);
    if (!st) return false;
    bool ok = true;
    for (size_t t = 0; t < f->ntables && ok; t++) {
        TableCount *tc = &f->tables[t];
        const FormInfo *fi = tc->form;
        for (size_t pi = 0; pi < tc->parts.count && ok; pi++) {
            const Part *part = &tc->parts.items[pi];
            for (uint32_t row = 0; row < fi->nrows && ok; row++)
                for (uint32_t col = 0; col < fi->ncols && ok; col++) {
                    if (fi->rows[row].reg < 0 || fi->cols[col].cell != FORM_COUNT) continue;
                    sqlite3_reset(st);
                    sqlite3_bind_int64(st, 1, run_id);
                    sqlite3_bind_text(st, 2, fi->name, -1, SQLITE_STATIC);
                    sqlite3_bind_text(st, 3, part->name, -1, SQLITE_STATIC);
                    sqlite3_bind_text(st, 4, fi->rows[row].name, -1, SQLITE_STATIC);
                    sqlite3_bind_text(st, 5, fi->cols[col].name, -1, SQLITE_STATIC);
                    sqlite3_bind_int64(st, 6, part->cells[(size_t)row * fi->ncols + col]);
                    ok = sqlite3_step(st) == SQLITE_DONE;
                }
        }
    }
    sqlite3_finalize(st);
    if (!ok && error && !*error) *error = xstrdup(sqlite3_errmsg(l->db));
    return ok;
}

/* ---- the capacity plan ----------------------------------------------------------------------- */

typedef struct CapType {
    int type;                  /* placement value */
    int64_t std_beds, minimum;
} CapType;

typedef struct Plan {
    const CapacityInfo *ci;
    CapType *types;
    size_t ntypes;
    int64_t headroom;          /* fixed point: 10% = 1000 */
    size_t nyears;
    int64_t *years, *cumulative;
    PartList existing;         /* per partition: [type] count, [n + type] beds, [2n + type] upgrades */
} Plan;

/* The plan's numbers, read from their registers (a param may have been overridden). */
static void plan_setup(Plan *pl, const Forms *f, const Vm *vm)
{
    const CapacityInfo *ci = f->p->capacity;
    const int64_t *R = vm->regs;
    pl->ci = ci;
    pl->ntypes = ci->nitems;
    pl->types = xcalloc(pl->ntypes + 1, sizeof *pl->types);
    for (size_t i = 0; i < pl->ntypes; i++) {
        const CapacityItemInfo *it = &ci->items[i];
        pl->types[i].type = it->type;
        pl->types[i].std_beds = R[it->beds_reg];
        pl->types[i].minimum = it->has_minimum ? R[it->minimum_reg] : 0;
    }
    pl->headroom = R[ci->headroom_reg];
    pl->nyears = ci->nbuild;
    pl->years = xcalloc(pl->nyears + 1, sizeof *pl->years);
    pl->cumulative = xcalloc(pl->nyears + 1, sizeof *pl->cumulative);
    int64_t sum = 0;
    for (size_t i = 0; i < pl->nyears; i++) {
        pl->years[i] = ci->build_years[i];
        sum += R[ci->build_reg[i]];
        pl->cumulative[i] = sum;
    }
    pl->existing.ncells = 3 * (size_t)f->p->enums[f->p->placement_enum].count;
}

static int64_t ceil_div(int64_t a, int64_t b) { return b > 0 ? (a + b - 1) / b : 0; }


/* Read every institution: count, beds and the ones to upgrade, per partition and type. */
static bool read_institutions(Plan *pl, const Forms *f, Ledger *l, Vm *vm, char **error)
{
    const Program *p = f->p;
    const CapacityInfo *ci = pl->ci;
    const RecordInfo *ri = ci->record >= 0 && (uint32_t)ci->record < p->nrecords ? &p->records[ci->record] : NULL;
    if (!ri || !ledger_ensure_record_table(l, ri, error)) return ri != NULL;
    int32_t ftype = ci->inst_type_field, fbeds = ci->inst_beds_field, fpart = ci->inst_partition_field;
    int32_t upgrade = ci->upgrade_reg;
    StrBuf sql = {0};
    ledger_select_fields(&sql, ri, "");
    sqlite3_stmt *st = ledger_prepare(l, sb_str(&sql), error);
    sb_free(&sql);
    if (!st) return false;
    int64_t *values = xcalloc(ri->nfields + 1, sizeof *values);
    char **owned = xcalloc(ri->nfields + 1, sizeof *owned);
    size_t ntypes = p->enums[p->placement_enum].count;
    while (sqlite3_step(st) == SQLITE_ROW) {
        bool ok = true;
        char err[300];
        for (uint32_t i = 0; i < ri->nfields && ok; i++)
            ok = ledger_column_value(st, (int)i, p, &ri->fields[i], &values[i], &owned[i], err, sizeof err);
        if (ok && vm_run(vm, ri->check_entry, values, ri->nfields) && ftype >= 0 && fbeds >= 0 &&
            values[ftype] >= 0 && (size_t)values[ftype] < ntypes) {
            Part *part = find_part(&pl->existing, partition_of(values, fpart));
            part->cells[values[ftype]]++;
            part->cells[ntypes + (size_t)values[ftype]] += values[fbeds];
            if (upgrade >= 0 && vm->regs[upgrade]) part->cells[2 * ntypes + (size_t)values[ftype]]++;
        }
        for (uint32_t i = 0; i < ri->nfields; i++) {
            free(owned[i]);
            owned[i] = NULL;
        }
    }
    sqlite3_finalize(st);
    free(values);
    free(owned);
    return true;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every partition that has people or institutions, in byte order. */
static char **plan_partitions(const Forms *f, const Plan *pl, size_t *n)
{
    char **names = xcalloc(f->demand.count + pl->existing.count + 1, sizeof *names);
    size_t k = 0;
    for (size_t i = 0; i < f->demand.count; i++) names[k++] = f->demand.items[i].name;
    for (size_t i = 0; i < pl->existing.count; i++) {
        bool seen = false;
        for (size_t j = 0; j < f->demand.count && !seen; j++) seen = !strcmp(names[j], pl->existing.items[i].name);
        if (!seen) names[k++] = pl->existing.items[i].name;
    }
    qsort(names, k, sizeof *names, compare_names);
    *n = k;
    return names;
}

static const int64_t *cells_of(const PartList *pl, const char *name)
{
    for (size_t i = 0; i < pl->count; i++)
        if (!strcmp(pl->items[i].name, name)) return pl->items[i].cells;
    return NULL;
}

static bool store_plan_row(sqlite3_stmt *plan, sqlite3_stmt *years, const Plan *pl, int64_t run_id,
                           const char *part, const char *type, const int64_t v[7])
{
    sqlite3_reset(plan);
    sqlite3_bind_int64(plan, 1, run_id);
    sqlite3_bind_text(plan, 2, part, -1, SQLITE_STATIC);
    sqlite3_bind_text(plan, 3, type, -1, SQLITE_STATIC);
    for (int i = 0; i < 7; i++) sqlite3_bind_int64(plan, 4 + i, v[i]);
    if (sqlite3_step(plan) != SQLITE_DONE) return false;
    int64_t tasks = v[6], before = 0;
    for (size_t y = 0; y < pl->nyears; y++) {
        int64_t upto = fixed_quota(pl->cumulative[y], tasks);
        if (upto > tasks) upto = tasks;
        sqlite3_reset(years);
        sqlite3_bind_int64(years, 1, run_id);
        sqlite3_bind_text(years, 2, part, -1, SQLITE_STATIC);
        sqlite3_bind_text(years, 3, type, -1, SQLITE_STATIC);
        sqlite3_bind_int64(years, 4, pl->years[y]);
        sqlite3_bind_int64(years, 5, upto - before);
        if (sqlite3_step(years) != SQLITE_DONE) return false;
        before = upto;
    }
    return true;
}

static bool store_plan(Forms *f, Plan *pl, Ledger *l, int64_t run_id, char **error)
{
    const Program *p = f->p;
    const EnumInfo *pe = &p->enums[p->placement_enum];
    size_t ntypes = pe->count, nparts;
    char **parts = plan_partitions(f, pl, &nparts);
    sqlite3_stmt *plan = ledger_prepare(l,
        "INSERT INTO capacity_plan (run, partition, type, demand, required_beds, existing, existing_beds, new,"
        " upgrades, tasks) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", error);
    sqlite3_stmt *years = plan ? ledger_prepare(l,
        "INSERT INTO capacity_years (run, partition, type, year, n) VALUES (?1, ?2, ?3, ?4, ?5)", error) : NULL;
    bool ok = plan && years;
    for (size_t pi = 0; pi < nparts && ok; pi++) {
        const int64_t *dem = cells_of(&f->demand, parts[pi]), *ex = cells_of(&pl->existing, parts[pi]);
        for (size_t t = 0; t < pl->ntypes && ok; t++) {
            const CapType *ct = &pl->types[t];
            if (ct->type < 0) continue;
            int64_t demand = dem ? dem[ct->type] : 0;
            int64_t required = fixed_quota(FIXED_SCALE + pl->headroom, demand);
            int64_t existing = ex ? ex[ct->type] : 0, beds = ex ? ex[ntypes + (size_t)ct->type] : 0;
            int64_t upgrades = ex ? ex[2 * ntypes + (size_t)ct->type] : 0;
            int64_t build = ceil_div(required > beds ? required - beds : 0, ct->std_beds);
            if (existing + build < ct->minimum) build = ct->minimum - existing;
            int64_t v[7] = {demand, required, existing, beds, build, upgrades, build + upgrades};
            ok = store_plan_row(plan, years, pl, run_id, parts[pi], pe->values[ct->type], v);
        }
    }
    if (!ok && error && !*error) *error = xstrdup(sqlite3_errmsg(l->db));
    sqlite3_finalize(plan);
    sqlite3_finalize(years);
    free(parts);
    return ok;
}

bool forms_store(Forms *f, Ledger *l, Vm *vm, int64_t run_id, char **error)
{
    if (!store_counts(f, l, run_id, error)) return false;
    if (!f->p->capacity || f->p->placement_enum < 0) return true;
    Plan pl = {0};
    plan_setup(&pl, f, vm);
    bool ok = read_institutions(&pl, f, l, vm, error) && store_plan(f, &pl, l, run_id, error);
    free(pl.types);
    free(pl.years);
    free(pl.cumulative);
    free_parts(&pl.existing);
    return ok;
}
