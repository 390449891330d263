/* forms.c — counting the forms' cells and the capacity plan's demand during a run (see forms.h). */
#include "forms.h"
#include "capacity.h"
#include "base/resid.h"
#include "vm/values.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Part {
    char *name;
    int64_t *cells;
} Part;

typedef struct PartList {
    Part *items;
    size_t count, cap;
    size_t last;               /* the partition found last: people come sorted by key */
    size_t ncells;
    uint32_t declared;         /* an enum field's values, its first parts in the declared order
                                  (part i the value i); 0: a text field, found by name */
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

/* By text: a partition that is a text field's value points into the row being read, so a
 * pointer seen before may hold another county now. */
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

/* Every declared partition of an enum field is there from the start, in the declared order, so
 * a county with no target still files its forms and its plan (its minimum institutions). */
static void declare_parts(const Program *p, PartList *pl, int32_t field)
{
    uint32_t n = program_partitions(p, field);
    for (uint32_t i = 0; i < n; i++) find_part(pl, program_partition(p, field, i));
    pl->declared = pl->count == n ? n : 0;   /* two values of one name: by name, as ever */
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
        declare_parts(p, &tc->parts, tc->form->partition_field);
    }
    f->cap_part_field = p->capacity ? p->capacity->partition_field : -1;
    f->demand.ncells = p->placement_enum >= 0 ? p->enums[p->placement_enum].count : 0;
    if (p->capacity && p->placement_enum >= 0) declare_parts(p, &f->demand, f->cap_part_field);
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

static const char *partition_of(const Program *p, const int64_t *fields, int32_t field)
{
    return field >= 0 ? program_partition_key(p, 0, field, fields[field]) : "";
}

/* The person's part: by the enum value's index where the parts are the declared values (no
 * name compared for every person), else by name. */
static Part *part_of(const Program *p, PartList *pl, const int64_t *fields, int32_t field)
{
    if (field >= 0 && pl->declared && fields[field] >= 0 && (uint64_t)fields[field] < pl->declared)
        return &pl->items[fields[field]];
    return find_part(pl, partition_of(p, fields, field));
}

/* ---- what the checker left to the run: each target counted once ----------------------------- */

/* The person's key, its resident id masked, for a message. */
static char *masked_key(const Program *p, const int64_t *fields)
{
    const RecordInfo *ri = &p->records[0];
    StrBuf sb = {0};
    if (ri->key >= 0) {
        const FieldInfo *k = &ri->fields[ri->key];
        value_format(p, k->kind, k->enum_index, fields[ri->key], false, &sb);
    }
    char *s = sb_take(&sb);
    resident_id_mask(s);
    return s;
}

/* "a (rules.doudi:12: `care == home and age > 60`)" */
static void describe(const Program *p, StrBuf *sb, const char *name, uint32_t line, const char *cond)
{
    sb_printf(sb, "%s (%s:%u: `%s`)", name, p->source_path ? p->source_path : "", line, cond ? cond : "");
}

static bool count_fails(const Program *p, const int64_t *fields, const char *table, const char *total_what,
                        const char *what, int n, StrBuf *pair, char **error)
{
    char *key = masked_key(p, fields);
    if (n == 0)
        *error = xasprintf("table %s: person %s is counted in %s but in none of its %ss: no %s's condition holds "
                           "for them (the %ss must count each person once; nothing of the run is stored)",
                           table, key, total_what, what, what, what);
    else
        *error = xasprintf("table %s: person %s is counted in two %ss, %s (the %ss must count each person once; "
                           "nothing of the run is stored)", table, key, what, sb_str(pair), what);
    free(key);
    return false;
}

static bool verify_rows(const Program *p, const FormInfo *fi, const int64_t *R, const int64_t *fields, char **error)
{
    int n = 0;
    uint32_t first = 0;
    StrBuf pair = {0};
    for (uint32_t row = 0; row < fi->nrows; row++) {
        if (fi->rows[row].reg < 0 || !R[fi->rows[row].reg]) continue;
        if (n++ == 0) {
            first = row;
            continue;
        }
        describe(p, &pair, fi->rows[first].name, fi->rows[first].line, fi->rows[first].cond);
        sb_puts(&pair, " and "); /* not a message: part of an English text shown through msg_text */
        describe(p, &pair, fi->rows[row].name, fi->rows[row].line, fi->rows[row].cond);
        break;
    }
    bool ok = n == 1;
    if (!ok) {
        uint32_t total = 0;
        while (total < fi->nrows && !fi->rows[total].total) total++;
        const FormRow *tr = total < fi->nrows ? &fi->rows[total] : NULL;
        char *what = xasprintf("its total row %s (%s)", tr ? tr->name : "total", tr && tr->label ? tr->label : "");
        count_fails(p, fields, fi->name, what, "row", n, &pair, error);
        free(what);
    }
    sb_free(&pair);
    return ok;
}

bool forms_add(Forms *f, const Vm *vm, const int64_t *fields, char **error)
{
    const int64_t *R = vm->regs;
    /* forms count targets; the cells' code does not even run for anyone else */
    if (R[f->p->reg_primary] < 0) return true;
    for (size_t t = 0; t < f->ntables; t++) {
        TableCount *tc = &f->tables[t];
        const FormInfo *fi = tc->form;
        if (fi->verify_rows && !verify_rows(f->p, fi, R, fields, error)) return false;
        Part *part = NULL;
        for (uint32_t row = 0; row < fi->nrows; row++) {
            if (fi->rows[row].reg < 0 || !R[fi->rows[row].reg]) continue;
            if (!part) part = part_of(f->p, &tc->parts, fields, fi->partition_field);
            for (uint32_t col = 0; col < fi->ncols; col++) {
                const FormColumn *c = &fi->cols[col];
                if (c->cell == FORM_COUNT && (c->reg < 0 || R[c->reg])) part->cells[(size_t)row * fi->ncols + col]++;
            }
        }
    }
    const Program *p = f->p;
    if (p->capacity && p->placement_enum >= 0 &&
        program_index(R[p->reg_placement], p->enums[p->placement_enum].count) >= 0) {
        Part *part = part_of(p, &f->demand, fields, f->cap_part_field);
        part->cells[R[p->reg_placement]]++;
    }
    return true;
}

size_t forms_demand_count(const Forms *f) { return f->demand.count; }
const char *forms_demand_partition(const Forms *f, size_t i) { return f->demand.items[i].name; }
const int64_t *forms_demand(const Forms *f, size_t i) { return f->demand.items[i].cells; }

/* ---- storing the forms ---------------------------------------------------------------------- */

static bool store_counts(Forms *f, Ledger *l, int64_t run_id, char **error)
{
    for (size_t t = 0; t < f->ntables; t++) {
        TableCount *tc = &f->tables[t];
        const FormInfo *fi = tc->form;
        for (size_t pi = 0; pi < tc->parts.count; pi++) {
            const Part *part = &tc->parts.items[pi];
            for (uint32_t row = 0; row < fi->nrows; row++)
                for (uint32_t col = 0; col < fi->ncols; col++) {
                    if (fi->rows[row].reg < 0 || fi->cols[col].cell != FORM_COUNT) continue;
                    if (!ledger_form_count_add(l, run_id, fi->name, part->name, fi->rows[row].name, fi->cols[col].name,
                                               part->cells[(size_t)row * fi->ncols + col], error))
                        return false;
                }
        }
    }
    return true;
}

bool forms_store(Forms *f, Ledger *l, Vm *vm, int64_t run_id, char **error)
{
    return store_counts(f, l, run_id, error) && capacity_store(f->p, vm, f, l, run_id, error);
}
