/* completeness.c — citations a policy requires, and forms that count each person once (see
 * completeness.h). */
#include "completeness.h"
#include "base/msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Declared in the rule file itself, not typed at the REPL over it: the file's forms cannot be
 * expected to count an experiment, nor its policy to have a clause for one. */
static bool in_file(const Rules *r, Span sp)
{
    return sp.file == r->module->source;
}

/* ---- citations ----------------------------------------------------------------------------- */

/* The note after a missing cite: where to write it. */
static void cite_where(DiagList *dl, const char *where)
{
    diag_note(dl, "add the clause it rests on %s, e.g. cite \"三、(一)\"", where);
}

static void cite_categories(const Rules *r, DiagList *dl)
{
    for (size_t i = 0; i < r->categories.count; i++) {
        const Decl *d = r->categories.items[i]->decl;
        if (d->cite || !in_file(r, d->span)) continue;
        diag_add(dl, DIAG_ERROR, "cite-required", d->name.span,
                 "category '%s' has no cite: the policy requires one (cite required)", d->name.text);
        cite_where(dl, tr("after its label"));
    }
}

static void cite_branches(const Rules *r, const Decl *d, DiagList *dl)
{
    for (size_t i = 0; i < d->branches.count; i++) {
        const Branch *b = &d->branches.items[i];
        if (b->cite || !in_file(r, b->span)) continue;
        diag_add(dl, DIAG_ERROR, "cite-required", b->value.span,
                 "the placement branch '%s' has no cite: the policy requires one (cite required)", b->value.text);
        cite_where(dl, tr("at the end of the branch"));
    }
}

static void cite_groups(const Rules *r, const Decl *d, DiagList *dl)
{
    for (size_t g = 0; g < d->groups.count; g++) {
        const SchedGroup *grp = &d->groups.items[g];
        if (grp->cite || !grp->categories.count || !in_file(r, grp->span)) continue;
        StrBuf names = {0};
        for (size_t i = 0; i < grp->categories.count; i++)
            sb_printf(&names, "%s%s", i ? ", " : "", grp->categories.items[i].text);
        diag_add(dl, DIAG_ERROR, "cite-required", grp->categories.items[0].span,
                 "the schedule group of %s has no cite: the policy requires one (cite required)", sb_str(&names));
        cite_where(dl, tr("after its shares"));
        sb_free(&names);
    }
}

/* `policy … cite required`: every category, placement branch, schedule group and the capacity
 * plan names its clause. */
static void check_citations(const Rules *r, DiagList *dl)
{
    const Decl *p = r->policy;
    if (!p || !p->cite_rule.text) return;
    if (strcmp(p->cite_rule.text, "required") != 0) {
        diag_add(dl, DIAG_ERROR, "unknown-name", p->cite_rule.span,
                 "'cite %s' is not a policy option: write 'cite required'", p->cite_rule.text);
        return;
    }
    cite_categories(r, dl);
    if (r->placement) cite_branches(r, r->placement, dl);
    if (r->schedule) cite_groups(r, r->schedule, dl);
    if (r->capacity && !r->capacity->cite && in_file(r, r->capacity->span)) {
        Span kw = {r->capacity->span.file, r->capacity->span.start, r->capacity->span.start + 8};
        diag_add(dl, DIAG_ERROR, "cite-required", kw,
                 "the capacity plan has no cite: the policy requires one (cite required)");
        cite_where(dl, tr("after its build shares"));
    }
}

/* ---- what a condition splits people by ----------------------------------------------------- */

typedef enum { BY_NOTHING, BY_PRIMARY, BY_PLACEMENT } By;

/* A form's rows (or a group's columns) split by `by`: n values of `en`, one set per item. */
typedef struct Split {
    By by;
    const EnumType *en;
    size_t n;
} Split;

static By name_by(const Expr *e)
{
    if (!e || e->kind != EX_NAME || !e->sym) return BY_NOTHING;
    if (e->sym->kind == SYM_BUILTIN && e->sym->index == BI_PRIMARY) return BY_PRIMARY;
    if (e->sym->kind == SYM_PLACEMENT) return BY_PLACEMENT;
    return BY_NOTHING;
}

/* A constant of the split's enum (a value of another enum was reported by the checker). */
static bool is_value(const Split *s, const Expr *e)
{
    return e && e->kind == EX_NAME && e->enum_value >= 0 && (size_t)e->enum_value < s->n && e->type &&
           e->type->kind == TY_ENUM && e->type->en == s->en;
}

/* The value a condition's first comparison is about (primary or the placement), or nothing. */
static By first_by(const Expr *e)
{
    switch (e->kind) {
    case EX_BINARY:
        if (e->op == BIN_AND || e->op == BIN_OR) return first_by(e->lhs);
        return name_by(e->lhs) ? name_by(e->lhs) : name_by(e->rhs);
    case EX_UNARY: return e->op == UN_NOT ? first_by(e->lhs) : BY_NOTHING;
    case EX_IN: return name_by(e->lhs);
    default: return BY_NOTHING;
    }
}

/* The values v of the split for which e holds, into in[0..n); false when e is not made of
 * comparisons of the split's value with constants. */
static bool value_set(const Split *s, const Expr *e, bool *in)
{
    if (e->kind == EX_BOOL) {
        for (size_t v = 0; v < s->n; v++) in[v] = e->v.b;
        return true;
    }
    if (e->kind == EX_UNARY && e->op == UN_NOT) {
        if (!value_set(s, e->lhs, in)) return false;
        for (size_t v = 0; v < s->n; v++) in[v] = !in[v];
        return true;
    }
    if (e->kind == EX_BINARY && (e->op == BIN_AND || e->op == BIN_OR)) {
        bool *r = xcalloc(s->n + 1, 1);
        bool ok = value_set(s, e->lhs, in) && value_set(s, e->rhs, r);
        for (size_t v = 0; ok && v < s->n; v++) in[v] = e->op == BIN_AND ? in[v] && r[v] : in[v] || r[v];
        free(r);
        return ok;
    }
    bool negate;
    if (e->kind == EX_BINARY && (e->op == BIN_EQ || e->op == BIN_NE)) {
        const Expr *val = name_by(e->lhs) == s->by ? e->rhs : name_by(e->rhs) == s->by ? e->lhs : NULL;
        if (!is_value(s, val)) return false;
        for (size_t v = 0; v < s->n; v++) in[v] = false;
        in[val->enum_value] = true;
        negate = e->op == BIN_NE;
    } else if (e->kind == EX_IN && name_by(e->lhs) == s->by && e->rhs->kind == EX_SET) {
        for (size_t v = 0; v < s->n; v++) in[v] = false;
        for (size_t i = 0; i < e->rhs->items.count; i++) {
            if (!is_value(s, e->rhs->items.items[i])) return false;
            in[e->rhs->items.items[i]->enum_value] = true;
        }
        negate = e->negated;
    } else {
        return false;
    }
    for (size_t v = 0; negate && v < s->n; v++) in[v] = !in[v];
    return true;
}

/* The split of a list of conditions, or by == BY_NOTHING when they are not all of the form. */
static Split split_of(const Rules *r, const Expr *const *conds, size_t n, bool **sets)
{
    Split s = {BY_NOTHING, NULL, 0};
    if (!n) return s;
    By by = first_by(conds[0]);
    const EnumType *en = by == BY_PRIMARY ? r->category_enum : by == BY_PLACEMENT ? r->placement_enum : NULL;
    if (!en) return s;
    Split t = {by, en, en->values.count};
    for (size_t i = 0; i < n; i++) {
        sets[i] = xcalloc(t.n + 1, 1);
        if (!value_set(&t, conds[i], sets[i])) return s;
    }
    return t;
}

static void free_sets(bool **sets, size_t n)
{
    for (size_t i = 0; i < n; i++) free(sets[i]);
    free(sets);
}

/* ---- the forms ----------------------------------------------------------------------------- */

/* One list of rows or count columns that must split people by a value. */
typedef struct Parts {
    const Decl *table;
    const char *what;          /* "row", "column" */
    const char *group;         /* the group's header, for columns in one */
    size_t n;
    const Expr **conds;
    const Name **names;
    const Span *spans;         /* each part's condition, where an overlap is reported */
    const char *total;         /* the label of the total row or column, or NULL */
    Span total_at;             /* where a missing value is reported */
} Parts;

static const char *value_kind(By by) { return by == BY_PRIMARY ? tr("category") : tr("placement value"); }

/* "row" or "column" as a message names it (p->what is the keyword). */
static const char *part_noun(const Parts *p) { return !strcmp(p->what, "column") ? tr("column") : tr("row"); }

static void report_missing(const Rules *r, DiagList *dl, const Parts *p, const Split *s, size_t v)
{
    const EnumValueDecl *val = &s->en->values.items[v];
    const char *label = val->label ? val->label : val->name.text;
    const char *table = p->table->name.text, *noun = part_noun(p), *kind = value_kind(s->by);
    const char *name = val->name.text;
    if (p->group && p->total)
        diag_add(dl, DIAG_ERROR, "form-incomplete", p->total_at,
                 "group \"%s\" of table %s has no %s for %s '%s' (%s): its people are left out of %s", p->group,
                 table, noun, kind, name, label, p->total);
    else if (p->group)
        diag_add(dl, DIAG_ERROR, "form-incomplete", p->total_at,
                 "group \"%s\" of table %s has no %s for %s '%s' (%s): its people are counted nowhere in it",
                 p->group, table, noun, kind, name, label);
    else if (p->total)
        diag_add(dl, DIAG_ERROR, "form-incomplete", p->total_at,
                 "table %s has no %s for %s '%s' (%s): its people are left out of %s", table, noun, kind, name,
                 label, p->total);
    else
        diag_add(dl, DIAG_ERROR, "form-incomplete", p->total_at,
                 "table %s has no %s for %s '%s' (%s): its people are counted nowhere in it", table, noun, kind,
                 name, label);
    const char *on = s->by == BY_PRIMARY ? "primary" : r->placement_sym ? r->placement_sym->name : "placement";
    if (!strcmp(p->what, "column"))
        diag_note_at(dl, p->names[p->n - 1]->span, "add a column for it after this one: column %s \"%s\" count when %s == %s",
                     name, label, on, name);
    else
        diag_note_at(dl, p->names[p->n - 1]->span, "add a row for it after this one: row %s \"%s\" when %s == %s",
                     name, label, on, name);
}

static void report_overlap(DiagList *dl, const Parts *p, const Split *s, size_t v, size_t first, size_t second)
{
    diag_add(dl, DIAG_ERROR, "form-overlap", p->spans[second],
             !strcmp(p->what, "column") ? "%s '%s' is counted in two columns of table %s: '%s' and '%s'"
                                        : "%s '%s' is counted in two rows of table %s: '%s' and '%s'",
             value_kind(s->by), s->en->values.items[v].name.text, p->table->name.text, p->names[first]->text,
             p->names[second]->text);
    diag_note_at(dl, p->spans[first], "the %s '%s' counts it too", part_noun(p), p->names[first]->text);
}

/* Each value to cover is counted by exactly one part; returns the split found (BY_NOTHING
 * when the parts are not all of the form, and nothing is said). */
static By check_parts(const Rules *r, DiagList *dl, const Parts *p, const bool *only_capacity)
{
    bool **sets = xcalloc(p->n + 1, sizeof *sets);
    Split s = split_of(r, p->conds, p->n, sets);
    bool *reported = s.by ? xcalloc(p->n * p->n + 1, 1) : NULL;
    for (size_t v = 0; s.by && v < s.n; v++) {
        if (s.by == BY_PLACEMENT && only_capacity && !only_capacity[v]) continue;
        if (!in_file(r, s.en->values.items[v].name.span)) continue;
        size_t first = p->n;
        for (size_t i = 0; i < p->n; i++) {
            if (!sets[i][v]) continue;
            if (first == p->n) first = i;
            else if (!reported[first * p->n + i]) {
                reported[first * p->n + i] = true;
                report_overlap(dl, p, &s, v, first, i);
            }
        }
        if (first == p->n) report_missing(r, dl, p, &s, v);
    }
    free(reported);
    free_sets(sets, p->n);
    return s.by;
}

/* The placement values a table with capacity columns has rows for: the capacity plan's types
 * (NULL when the table has no such column). Caller frees. */
static bool *capacity_types(const Rules *r, const Decl *t)
{
    bool capacity_columns = false;
    for (size_t i = 0; i < t->columns.count; i++)
        capacity_columns |= t->columns.items[i].cell == CELL_EXISTING || t->columns.items[i].cell == CELL_BUILD;
    if (!capacity_columns || !r->capacity || !r->placement_enum) return NULL;
    bool *types = xcalloc(r->placement_enum->values.count + 1, 1);
    for (size_t i = 0; i < r->capacity->cap_items.count; i++) {
        int v = enum_find(r->placement_enum, r->capacity->cap_items.items[i].type.text);
        if (v >= 0) types[v] = true;
    }
    return types;
}

static By check_rows(const Rules *r, DiagList *dl, const Decl *t)
{
    size_t n = 0;
    Parts p = {.table = t, .what = "row", .total_at = t->name.span};
    p.conds = xcalloc(t->rows.count + 1, sizeof *p.conds);
    p.names = xcalloc(t->rows.count + 1, sizeof *p.names);
    Span *spans = xcalloc(t->rows.count + 1, sizeof *spans);
    p.spans = spans;
    for (size_t i = 0; i < t->rows.count; i++) {
        const TableRow *row = &t->rows.items[i];
        if (row->total) {
            p.total = row->label;
            continue;
        }
        p.conds[n] = row->when;
        p.names[n] = &row->name;
        spans[n++] = row->when->span;
    }
    p.n = n;
    bool *types = capacity_types(r, t);
    By by = n ? check_parts(r, dl, &p, types) : BY_NOTHING;
    free(types);
    free(p.conds);
    free(p.names);
    free(spans);
    return by;
}

/* The count columns of one group (or of the table outside groups): checked when the group has
 * a total column and its conditions split by a value the rows do not. */
static void check_group(const Rules *r, DiagList *dl, const Decl *t, const char *group, By rows_by)
{
    size_t n = 0;
    Parts p = {.table = t, .what = "column", .group = group};
    p.conds = xcalloc(t->columns.count + 1, sizeof *p.conds);
    p.names = xcalloc(t->columns.count + 1, sizeof *p.names);
    Span *spans = xcalloc(t->columns.count + 1, sizeof *spans);
    p.spans = spans;
    for (size_t i = 0; i < t->columns.count; i++) {
        const TableColumn *col = &t->columns.items[i];
        if (col->group != group || col->cell != CELL_COUNT) continue;
        if (!col->expr) {
            p.total = col->label;
            p.total_at = col->name.span;
            continue;
        }
        p.conds[n] = col->expr;
        p.names[n] = &col->name;
        spans[n++] = col->expr->span;
    }
    p.n = n;
    if (p.total && n && first_by(p.conds[0]) != rows_by) check_parts(r, dl, &p, NULL);
    free(p.conds);
    free(p.names);
    free(spans);
}

static void check_table(const Rules *r, DiagList *dl, const Decl *t)
{
    By rows_by = check_rows(r, dl, t);
    for (size_t i = 0; i < t->columns.count; i++) {
        const char *group = t->columns.items[i].group;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) seen = t->columns.items[j].group == group;
        if (!seen) check_group(r, dl, t, group, rows_by);
    }
}

/* ---- what the run verifies ---------------------------------------------------------------- */

static bool has_capacity_columns(const Decl *t)
{
    for (size_t i = 0; i < t->columns.count; i++)
        if (t->columns.items[i].cell == CELL_EXISTING || t->columns.items[i].cell == CELL_BUILD) return true;
    return false;
}

/* Whether conds[0..n) are all of the form the checker proves a split of. */
static bool proved(const Rules *r, const Expr **conds, size_t n)
{
    bool **sets = xcalloc(n + 1, sizeof *sets);
    Split s = split_of(r, conds, n, sets);
    free_sets(sets, n);
    return s.by != BY_NOTHING;
}

bool completeness_run_rows(const Rules *r, const Decl *t)
{
    bool total = false;
    size_t n = 0;
    const Expr **conds = xcalloc(t->rows.count + 1, sizeof *conds);
    for (size_t i = 0; i < t->rows.count; i++) {
        if (t->rows.items[i].total) total = true;
        else if (t->rows.items[i].when) conds[n++] = t->rows.items[i].when;
    }
    bool verify = total && n && !has_capacity_columns(t) && !proved(r, conds, n);
    free(conds);
    return verify;
}

void completeness_check(const Rules *r, DiagList *dl)
{
    check_citations(r, dl);
    for (size_t i = 0; i < r->tables.count; i++) check_table(r, dl, r->tables.items[i]);
}
