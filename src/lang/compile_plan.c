/* compile_plan.c — the engine phases' part of a Program (program.h, "the engine phases"):
 * the schedule's quota groups and shares, the capacity plan's numbers and fields, the forms'
 * layout with the registers of their row and column conditions; the public notice's columns,
 * header and who it withholds.
 *
 * Conditions are compiled as RULE_CELL rules — a form's into the targets entry, the capacity
 * plan's upgrade condition into the institution record's check entry — and the infos hold
 * their registers. Numbers (shares, beds, the headroom) become constant registers: a literal
 * a shared constant, a param its own register, so an override reaches the engine as it
 * reaches the per-person code. Registers are virtual here; cg_relocate_plan lays them out
 * with everything else. */
#include "compile_int.h"
#include "completeness.h"

#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

static void set_position(Cg *g, Span at, uint32_t *line, uint32_t *col)
{
    Span saved = g->span;
    g->span = at;
    cg_position(g, line, col);
    g->span = saved;
}

/* The register of a constant number of an engine phase: a literal or a param. */
static uint32_t number_reg(Cg *g, Expr *e)
{
    Span saved = g->span;
    g->span = e->span;
    uint32_t reg = cg_expr_reg(g, e);
    g->span = saved;
    return reg;
}

static int32_t field_of(const Decl *record, const char *name)
{
    int index = -1;
    if (!record || !name || !record_field(record, name, &index)) return -1;
    return index;
}

/* A condition compiled as a RULE_CELL rule named for people ("attachment1 row tekun");
 * returns its register. */
static uint32_t compile_cell(Cg *g, RuleVec *rules, const char *name, const char *label, Expr *cond)
{
    RuleInfo ri = cg_begin_rule(g, RULE_CELL, name, label, NULL, cond->span);
    ri.reg = cg_new_reg(g);
    ri.value_kind = VK_BOOL;
    g->span = cond->span;
    cg_cond_into(g, cond, ri.reg);
    uint32_t reg = ri.reg;
    cg_end_rule(g, rules, ri);
    return reg;
}

/* ---- the schedule ---------------------------------------------------------------------------- */

static uint64_t category_bit(Cg *g, Name n)
{
    Symbol *s = check_lookup(g->r, n.text);
    return s && s->kind == SYM_CATEGORY && s->index < 64 ? (uint64_t)1 << s->index : 0;
}

static void add_group(Cg *g, ScheduleInfo *si, const SchedGroup *grp, uint64_t categories, Span at)
{
    si->groups = xrealloc(si->groups, (si->ngroups + 1) * sizeof *si->groups);
    ScheduleGroupInfo *gi = &si->groups[si->ngroups++];
    memset(gi, 0, sizeof *gi);
    gi->categories = categories;
    gi->pool = grp->pool;
    gi->nyears = (uint32_t)grp->shares.count;
    gi->years = xcalloc(grp->shares.count + 1, sizeof *gi->years);
    gi->share_reg = xcalloc(grp->shares.count + 1, sizeof *gi->share_reg);
    for (size_t i = 0; i < grp->shares.count; i++) {
        gi->years[i] = grp->shares.items[i].year;
        gi->share_reg[i] = number_reg(g, grp->shares.items[i].percent);
    }
    gi->cite = dup_or_null(grp->cite);
    set_position(g, at, &gi->line, &gi->col);
}

void cg_schedule_info(Cg *g)
{
    const Decl *d = g->r->schedule;
    if (!d) return;
    ScheduleInfo *si = xcalloc(1, sizeof *si);
    si->label = dup_or_null(d->label);
    si->partition_field = field_of(g->r->subject, d->per.text);
    set_position(g, d->span, &si->line, &si->col);
    for (size_t i = 0; i < d->groups.count; i++) {
        const SchedGroup *grp = &d->groups.items[i];
        if (grp->pool) {
            uint64_t mask = 0;
            for (size_t k = 0; k < grp->categories.count; k++) mask |= category_bit(g, grp->categories.items[k]);
            add_group(g, si, grp, mask, grp->span);
        } else {
            for (size_t k = 0; k < grp->categories.count; k++)
                add_group(g, si, grp, category_bit(g, grp->categories.items[k]), grp->categories.items[k].span);
        }
    }
    g->p->schedule = si;
}

/* ---- the capacity plan ------------------------------------------------------------------------ */

/* The institution record's upgrade condition, compiled into its check entry. */
void cg_capacity_upgrade(Cg *g, RuleVec *rules, const Decl *record)
{
    const Decl *cap = g->r->capacity;
    if (!cap || !cap->upgrade_when || !cap->from.text || strcmp(cap->from.text, record->name.text)) return;
    g->upgrade_reg = (int32_t)compile_cell(g, rules, "capacity upgrade", NULL, cap->upgrade_when);
}

static int32_t record_index(const Rules *r, const char *name)
{
    for (size_t i = 0; name && i < r->records.count; i++)
        if (!strcmp(r->records.items[i]->name.text, name)) return (int32_t)i;
    return -1;
}

void cg_capacity_info(Cg *g)
{
    const Rules *r = g->r;
    const Decl *d = r->capacity;
    if (!d || !r->placement_enum) return;
    CapacityInfo *ci = xcalloc(1, sizeof *ci);
    ci->label = dup_or_null(d->label);
    ci->cite = dup_or_null(d->cite);
    set_position(g, d->span, &ci->line, &ci->col);
    ci->partition_field = field_of(r->subject, d->per.text);
    ci->record = record_index(r, d->from.text);
    const Decl *inst = ci->record >= 0 ? r->records.items[ci->record] : NULL;
    ci->inst_partition_field = field_of(inst, d->per.text);
    ci->inst_type_field = field_of(inst, "type");
    ci->inst_beds_field = field_of(inst, "beds");
    ci->upgrade_reg = g->upgrade_reg;
    ci->headroom_reg = number_reg(g, d->headroom);
    ci->nbuild = (uint32_t)d->build.count;
    ci->build_years = xcalloc(d->build.count + 1, sizeof *ci->build_years);
    ci->build_reg = xcalloc(d->build.count + 1, sizeof *ci->build_reg);
    for (size_t i = 0; i < d->build.count; i++) {
        ci->build_years[i] = d->build.items[i].year;
        ci->build_reg[i] = number_reg(g, d->build.items[i].percent);
    }
    ci->nitems = (uint32_t)d->cap_items.count;
    ci->items = xcalloc(d->cap_items.count + 1, sizeof *ci->items);
    for (size_t i = 0; i < d->cap_items.count; i++) {
        const CapItem *it = &d->cap_items.items[i];
        CapacityItemInfo *ii = &ci->items[i];
        ii->type = enum_find(r->placement_enum, it->type.text);
        ii->beds_reg = number_reg(g, it->beds);
        ii->has_minimum = it->minimum != NULL;
        if (it->minimum) ii->minimum_reg = number_reg(g, it->minimum);
        ii->cite = dup_or_null(it->cite);
        set_position(g, it->span, &ii->line, &ii->col);
    }
    g->p->capacity = ci;
}

/* ---- the forms -------------------------------------------------------------------------------- */

static bool listed(const NameList *nl, const char *name)
{
    for (size_t i = 0; i < nl->count; i++)
        if (!strcmp(nl->items[i].text, name)) return true;
    return false;
}

static int32_t capacity_item_named(const Rules *r, const char *type)
{
    for (size_t i = 0; r->capacity && r->placement_enum && i < r->capacity->cap_items.count; i++)
        if (!strcmp(r->capacity->cap_items.items[i].type.text, type)) return (int32_t)i;
    return -1;
}

static FormCell form_cell(CellKind k)
{
    switch (k) {
    case CELL_COUNT: return FORM_COUNT;
    case CELL_EXISTING: return FORM_EXISTING;
    case CELL_BUILD: return FORM_BUILD;
    default: return FORM_BLANK;
    }
}

static char *cell_name(const char *table, const char *what, const char *name)
{
    StrBuf sb = {0};
    sb_printf(&sb, "%s %s %s", table, what, name);
    return sb_take(&sb);
}

/* A condition as written, its blanks (line breaks too) each one space: for a run's message. */
static char *cond_text(const Expr *e)
{
    if (!e || !e->span.file || e->span.end <= e->span.start || e->span.end > e->span.file->len) return NULL;
    StrBuf sb = {0};
    bool blank = false;
    for (uint32_t i = e->span.start; i < e->span.end; i++) {
        char c = e->span.file->text[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            blank = true;
            continue;
        }
        if (blank && sb.count) sb_putc(&sb, ' ');
        blank = false;
        sb_putc(&sb, c);
    }
    return sb_take(&sb);
}

static void form_rows(Cg *g, RuleVec *rules, const Decl *d, FormInfo *fi)
{
    fi->nrows = (uint32_t)d->rows.count;
    fi->rows = xcalloc(d->rows.count + 1, sizeof *fi->rows);
    for (size_t i = 0; i < d->rows.count; i++) {
        const TableRow *row = &d->rows.items[i];
        FormRow *fr = &fi->rows[i];
        fr->name = xstrdup(row->name.text);
        fr->label = dup_or_null(row->label);
        fr->total = row->total;
        fr->reg = -1;
        fr->capacity_item = capacity_item_named(g->r, row->name.text);
        set_position(g, row->span, &fr->line, &fr->col);
        fr->cond = cond_text(row->when);
        if (row->when) {
            char *name = cell_name(d->name.text, "row", row->name.text);
            fr->reg = (int32_t)compile_cell(g, rules, name, row->label, row->when);
            free(name);
        }
    }
}

static void form_columns(Cg *g, RuleVec *rules, const Decl *d, FormInfo *fi)
{
    fi->ncols = (uint32_t)d->columns.count;
    fi->cols = xcalloc(d->columns.count + 1, sizeof *fi->cols);
    for (size_t i = 0; i < d->columns.count; i++) {
        const TableColumn *col = &d->columns.items[i];
        FormColumn *fc = &fi->cols[i];
        fc->name = xstrdup(col->name.text);
        fc->label = dup_or_null(col->label);
        fc->group = dup_or_null(col->group);
        fc->cell = (uint8_t)form_cell(col->cell);
        fc->year = col->year;
        fc->reg = -1;
        set_position(g, col->span, &fc->line, &fc->col);
        if (col->cell == CELL_COUNT && col->expr) {
            char *name = cell_name(d->name.text, "column", col->name.text);
            fc->reg = (int32_t)compile_cell(g, rules, name, col->label, col->expr);
            free(name);
        }
    }
}

/* Which cells the layout leaves empty: `blank` columns, `blank in ROW`, and a capacity
 * column in a row that is no institution type of the plan. */
static void form_blanks(const Decl *d, FormInfo *fi)
{
    fi->blank = xcalloc((size_t)fi->nrows * fi->ncols + 1, 1);
    for (uint32_t r = 0; r < fi->nrows; r++)
        for (uint32_t c = 0; c < fi->ncols; c++) {
            const FormRow *row = &fi->rows[r];
            const FormColumn *col = &fi->cols[c];
            bool capacity = col->cell == FORM_EXISTING || col->cell == FORM_BUILD;
            fi->blank[(size_t)r * fi->ncols + c] =
                col->cell == FORM_BLANK || listed(&d->columns.items[c].blank_rows, row->name) ||
                (!row->total && capacity && row->capacity_item < 0);
        }
}

/* Each table: its layout, and its row and column conditions in the targets entry. */
void cg_forms(Cg *g, RuleVec *rules)
{
    const Rules *r = g->r;
    Program *p = g->p;
    p->nforms = (uint32_t)r->tables.count;
    p->forms = xcalloc(r->tables.count + 1, sizeof *p->forms);
    for (size_t t = 0; t < r->tables.count; t++) {
        const Decl *d = r->tables.items[t];
        FormInfo *fi = &p->forms[t];
        fi->name = xstrdup(d->name.text);
        fi->label = dup_or_null(d->label);
        fi->partition_field = field_of(r->subject, d->per.text);
        set_position(g, d->span, &fi->line, &fi->col);
        form_rows(g, rules, d, fi);
        form_columns(g, rules, d, fi);
        fi->verify_rows = completeness_run_rows(r, d);
        form_blanks(d, fi);
    }
}

/* ---- the public notice ------------------------------------------------------------------------ */

static void notice_source(Cg *g, const NoticeColumn *col, NoticeColumnInfo *ci)
{
    Symbol *s = check_lookup(g->r, col->name.text);
    ci->field = -1;
    ci->enum_index = -1;
    if (!s) return;
    switch (s->kind) {
    case SYM_FIELD: ci->source = NOTICE_FIELD; ci->field = s->index; break;
    case SYM_LET:
        ci->source = NOTICE_LET;
        ci->reg = g->let_reg[s->index];
        ci->kind = cg_value_kind(s->type);
        ci->enum_index = cg_enum_index_of(s->type);
        break;
    case SYM_PLACEMENT: ci->source = NOTICE_PLACEMENT; break;
    default:
        ci->source = s->index == BI_PRIMARY ? NOTICE_PRIMARY : s->index == BI_CATEGORIES ? NOTICE_CATEGORIES
                   : s->index == BI_YEAR ? NOTICE_YEAR : NOTICE_CATEGORY_COUNT;
    }
}

static NoticeMask notice_mask(const Name *mask)
{
    if (!mask->text) return NOTICE_MASK_NONE;
    return !strcmp(mask->text, "id") ? NOTICE_MASK_ID : NOTICE_MASK_NAME;
}

/* The notice's layout, and who is withheld: each condition a RULE_CELL in the targets entry. */
void cg_notice(Cg *g, RuleVec *rules)
{
    const Decl *d = g->r->notice;
    if (!d) return;
    NoticeInfo *ni = xcalloc(1, sizeof *ni);
    ni->label = dup_or_null(d->label);
    set_position(g, d->span, &ni->line, &ni->col);
    ni->nper = (uint32_t)d->notice_per.count;
    ni->per_fields = xcalloc(d->notice_per.count + 1, sizeof *ni->per_fields);
    for (size_t i = 0; i < d->notice_per.count; i++) ni->per_fields[i] = field_of(g->r->subject, d->notice_per.items[i].text);
    ni->period_from_reg = number_reg(g, d->period_from);
    ni->period_to_reg = number_reg(g, d->period_to);
    ni->office_reg = number_reg(g, d->office);
    ni->ncols = (uint32_t)d->notice_columns.count;
    ni->cols = xcalloc(d->notice_columns.count + 1, sizeof *ni->cols);
    for (size_t i = 0; i < d->notice_columns.count; i++) {
        const NoticeColumn *col = &d->notice_columns.items[i];
        NoticeColumnInfo *ci = &ni->cols[i];
        ci->name = xstrdup(col->name.text);
        ci->label = dup_or_null(col->label);
        ci->mask = (uint8_t)notice_mask(&col->mask);
        notice_source(g, col, ci);
        set_position(g, col->span, &ci->line, &ci->col);
    }
    ni->nwithholds = (uint32_t)d->withholds.count;
    ni->withholds = xcalloc(d->withholds.count + 1, sizeof *ni->withholds);
    for (size_t i = 0; i < d->withholds.count; i++) {
        const Withhold *w = &d->withholds.items[i];
        NoticeWithholdInfo *wi = &ni->withholds[i];
        wi->label = dup_or_null(w->label);
        char *name = cell_name("notice", "withhold", w->label);
        wi->reg = compile_cell(g, rules, name, w->label, w->when);
        free(name);
        set_position(g, w->span, &wi->line, &wi->col);
    }
    g->p->notice = ni;
}

/* ---- registers -------------------------------------------------------------------------------- */

static int32_t relocate_opt(const Cg *g, int32_t reg) { return reg < 0 ? reg : (int32_t)cg_relocate(g, (uint32_t)reg); }

void cg_relocate_plan(Cg *g)
{
    Program *p = g->p;
    for (uint32_t i = 0; p->schedule && i < p->schedule->ngroups; i++) {
        ScheduleGroupInfo *gi = &p->schedule->groups[i];
        for (uint32_t y = 0; y < gi->nyears; y++) gi->share_reg[y] = cg_relocate(g, gi->share_reg[y]);
    }
    CapacityInfo *ci = p->capacity;
    if (ci) {
        ci->upgrade_reg = relocate_opt(g, ci->upgrade_reg);
        ci->headroom_reg = cg_relocate(g, ci->headroom_reg);
        for (uint32_t y = 0; y < ci->nbuild; y++) ci->build_reg[y] = cg_relocate(g, ci->build_reg[y]);
        for (uint32_t i = 0; i < ci->nitems; i++) {
            ci->items[i].beds_reg = cg_relocate(g, ci->items[i].beds_reg);
            if (ci->items[i].has_minimum) ci->items[i].minimum_reg = cg_relocate(g, ci->items[i].minimum_reg);
        }
    }
    for (uint32_t f = 0; f < p->nforms; f++) {
        FormInfo *fi = &p->forms[f];
        for (uint32_t r = 0; r < fi->nrows; r++) fi->rows[r].reg = relocate_opt(g, fi->rows[r].reg);
        for (uint32_t c = 0; c < fi->ncols; c++) fi->cols[c].reg = relocate_opt(g, fi->cols[c].reg);
    }
    NoticeInfo *ni = p->notice;
    if (ni) {
        ni->period_from_reg = cg_relocate(g, ni->period_from_reg);
        ni->period_to_reg = cg_relocate(g, ni->period_to_reg);
        ni->office_reg = cg_relocate(g, ni->office_reg);
        for (uint32_t c = 0; c < ni->ncols; c++)
            if (ni->cols[c].source == NOTICE_LET) ni->cols[c].reg = cg_relocate(g, ni->cols[c].reg);
        for (uint32_t w = 0; w < ni->nwithholds; w++) ni->withholds[w].reg = cg_relocate(g, ni->withholds[w].reg);
    }
}
