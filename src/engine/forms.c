/* forms.c — counting the forms and planning capacity during a run (see forms.h). */
#include "forms.h"
#include "base/fixed.h"
#include "lang/compile.h"
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
    const Decl *d;
    uint32_t nrows, ncols;
    int32_t *row_reg;          /* -1: a total row */
    int32_t *col_reg;          /* -1: count everyone in the row; -2: not a count column */
    int32_t part_field;
    PartList parts;
} TableCount;

struct Forms {
    const Rules *r;
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

static int32_t field_index(const RecordInfo *ri, const char *name)
{
    if (!name) return -1;
    for (uint32_t i = 0; i < ri->nfields; i++)
        if (!strcmp(ri->fields[i].name, name)) return (int32_t)i;
    return -1;
}

static int32_t cell_reg(const Program *p, const char *table, const char *what, const char *name)
{
    char key[512];
    snprintf(key, sizeof key, "%s/%s/%s", table, what, name);
    uint32_t n, first = program_rules(p, RULE_CELL, &n);
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(p->rules[first + i].name, key)) return (int32_t)p->rules[first + i].reg;
    return -1;
}

Forms *forms_new(const Rules *r, const Program *p)
{
    Forms *f = xcalloc(1, sizeof *f);
    f->r = r;
    f->p = p;
    const RecordInfo *person = &p->records[0];
    f->ntables = r->tables.count;
    f->tables = xcalloc(f->ntables + 1, sizeof *f->tables);
    for (size_t t = 0; t < f->ntables; t++) {
        TableCount *tc = &f->tables[t];
        const Decl *d = r->tables.items[t];
        tc->d = d;
        tc->nrows = (uint32_t)d->rows.count;
        tc->ncols = (uint32_t)d->columns.count;
        tc->row_reg = xcalloc(tc->nrows + 1, sizeof *tc->row_reg);
        tc->col_reg = xcalloc(tc->ncols + 1, sizeof *tc->col_reg);
        for (uint32_t i = 0; i < tc->nrows; i++)
            tc->row_reg[i] = d->rows.items[i].when ? cell_reg(p, d->name.text, "row", d->rows.items[i].name.text) : -1;
        for (uint32_t i = 0; i < tc->ncols; i++) {
            const TableColumn *col = &d->columns.items[i];
            tc->col_reg[i] = col->cell != CELL_COUNT ? -2
                             : col->expr ? cell_reg(p, d->name.text, "column", col->name.text) : -1;
        }
        tc->part_field = field_index(person, d->per.text);
        tc->parts.ncells = (size_t)tc->nrows * tc->ncols;
    }
    f->cap_part_field = r->capacity ? field_index(person, r->capacity->per.text) : -1;
    f->demand.ncells = p->placement_enum >= 0 ? p->enums[p->placement_enum].count : 0;
    return f;
}

void forms_free(Forms *f)
{
    if (!f) return;
    for (size_t t = 0; t < f->ntables; t++) {
        free(f->tables[t].row_reg);
        free(f->tables[t].col_reg);
        free_parts(&f->tables[t].parts);
    }
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
        Part *part = NULL;
        for (uint32_t row = 0; row < tc->nrows; row++) {
            if (tc->row_reg[row] < 0 || !R[tc->row_reg[row]]) continue;
            if (!part) part = find_part(&tc->parts, partition_of(fields, tc->part_field));
            for (uint32_t col = 0; col < tc->ncols; col++)
                if (tc->col_reg[col] == -1 || (tc->col_reg[col] >= 0 && R[tc->col_reg[col]]))
                    part->cells[(size_t)row * tc->ncols + col]++;
        }
    }
    const Program *p = f->p;
    if (f->r->capacity && p->placement_enum >= 0 &&
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
        for (size_t pi = 0; pi < tc->parts.count && ok; pi++) {
            const Part *part = &tc->parts.items[pi];
            for (uint32_t row = 0; row < tc->nrows && ok; row++)
                for (uint32_t col = 0; col < tc->ncols && ok; col++) {
                    if (tc->row_reg[row] < 0 || tc->col_reg[col] == -2) continue;
                    sqlite3_reset(st);
                    sqlite3_bind_int64(st, 1, run_id);
                    sqlite3_bind_text(st, 2, tc->d->name.text, -1, SQLITE_STATIC);
                    sqlite3_bind_text(st, 3, part->name, -1, SQLITE_STATIC);
                    sqlite3_bind_text(st, 4, tc->d->rows.items[row].name.text, -1, SQLITE_STATIC);
                    sqlite3_bind_text(st, 5, tc->d->columns.items[col].name.text, -1, SQLITE_STATIC);
                    sqlite3_bind_int64(st, 6, part->cells[(size_t)row * tc->ncols + col]);
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
    const Decl *d;
    CapType *types;
    size_t ntypes;
    int64_t headroom;          /* fixed point: 10% = 1000 */
    size_t nyears;
    int64_t *years, *cumulative;
    PartList existing;         /* per partition: [type] count, [n + type] beds, [2n + type] upgrades */
} Plan;

static void plan_setup(Plan *pl, const Forms *f, const Vm *vm)
{
    const Decl *d = f->r->capacity;
    const Program *p = f->p;
    const EnumInfo *pe = &p->enums[p->placement_enum];
    pl->d = d;
    pl->ntypes = d->cap_items.count;
    pl->types = xcalloc(pl->ntypes + 1, sizeof *pl->types);
    for (size_t i = 0; i < pl->ntypes; i++) {
        const CapItem *it = &d->cap_items.items[i];
        pl->types[i].type = value_enum_lookup(pe, it->type.text, strlen(it->type.text));
        pl->types[i].std_beds = compile_value_now(p, vm->regs, it->beds);
        pl->types[i].minimum = it->minimum ? compile_value_now(p, vm->regs, it->minimum) : 0;
    }
    pl->headroom = compile_value_now(p, vm->regs, d->headroom);
    pl->nyears = d->build.count;
    pl->years = xcalloc(pl->nyears + 1, sizeof *pl->years);
    pl->cumulative = xcalloc(pl->nyears + 1, sizeof *pl->cumulative);
    int64_t sum = 0;
    for (size_t i = 0; i < pl->nyears; i++) {
        pl->years[i] = d->build.items[i].year;
        sum += compile_value_now(p, vm->regs, d->build.items[i].percent);
        pl->cumulative[i] = sum;
    }
    pl->existing.ncells = 3 * (size_t)pe->count;
}

static int64_t ceil_div(int64_t a, int64_t b) { return b > 0 ? (a + b - 1) / b : 0; }


/* Read every institution: count, beds and the ones to upgrade, per partition and type. */
static bool read_institutions(Plan *pl, const Forms *f, Ledger *l, Vm *vm, char **error)
{
    const Program *p = f->p;
    const RecordInfo *ri = NULL;
    for (uint32_t i = 0; i < p->nrecords; i++)
        if (!strcmp(p->records[i].name, pl->d->from.text)) ri = &p->records[i];
    if (!ri || !ledger_ensure_record_table(l, ri, error)) return ri != NULL;
    int32_t ftype = field_index(ri, "type"), fbeds = field_index(ri, "beds"), fpart = field_index(ri, pl->d->per.text);
    int32_t upgrade = cell_reg(p, "capacity", "upgrade", "when");
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
    if (!f->r->capacity || f->p->placement_enum < 0) return true;
    Plan pl = {0};
    plan_setup(&pl, f, vm);
    bool ok = read_institutions(&pl, f, l, vm, error) && store_plan(f, &pl, l, run_id, error);
    free(pl.types);
    free(pl.years);
    free(pl.cumulative);
    free_parts(&pl.existing);
    return ok;
}
