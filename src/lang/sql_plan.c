/* sql_plan.c — the engine phases as SQL (see sql_int.h): the yearly schedule, the results
 * table, the capacity plan and the forms, each a table made from plan_eval (and, for the
 * capacity plan, plan_institution), computing what engine/schedule.c, engine/forms.c and
 * engine/report.c compute:
 *
 *   schedule  targets (the `when` holding) per partition and quota group (the group of their
 *             primary category), ranked by the keys and then the record key in byte order;
 *             rank r (from 0) gets the first year Y with r < ⌈share(Y) × N⌉;
 *   capacity  per partition and institution type: demand, beds ⌈(1 + headroom) × demand⌉,
 *             institutions to build ⌈(beds − existing beds) / standard beds⌉ (at least the
 *             minimum), upgrades, and the tasks split by the cumulative build shares;
 *   forms     every cell of every sheet (each county, and the city with partition NULL):
 *             counts, existing and planned institutions, blanks as NULL, total rows summed. */
#include "sql_int.h"

#include <stdlib.h>
#include <string.h>

static void put(Sql *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(Sql *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&g->out, fmt, ap);
    va_end(ap);
}

static int line_of(Span sp)
{
    int line = 0, col = 0;
    if (sp.file) source_position(sp.file, sp.start, &line, &col);
    return line;
}

static int64_t reg_value(const Sql *g, uint32_t reg)
{
    return g->regs ? g->regs[reg] : g->p->consts[reg].value;
}

char *sql_partition(Sql *g, const RecordInfo *ri, int32_t field)
{
    if (field < 0) return xstrdup("''");
    char *col = sql_ident(g, ri->fields[field].name);
    const FieldInfo *fi = &ri->fields[field];
    if (fi->kind != VK_ENUM || !g->p->enums[fi->enum_index].codes) return col;
    /* an enum with codes: the partition is the value's code, as the engine keys it */
    const EnumInfo *en = &g->p->enums[fi->enum_index];
    StrBuf sb = {0};
    sb_printf(&sb, "CASE %s", col);
    for (uint32_t k = 0; k < en->count; k++) {
        char *v = sql_string(g, en->values[k]), *c = sql_string(g, en->codes[k]);
        sb_printf(&sb, " WHEN %s THEN %s", v, c);
        free(v);
        free(c);
    }
    sb_puts(&sb, " END");
    free(col);
    return sb_take(&sb);
}

/* "UNION SELECT <form> AS form, '<key>' AS part" for every declared partition of an enum field
 * of the persons (program_partitions): each has its sheet and its plan, with or without people.
 * form NULL: "UNION SELECT '<key>'" (the capacity plan's parts). */
static void declared_parts(Sql *g, const char *form, int32_t field)
{
    for (uint32_t i = 0; i < program_partitions(g->p, field); i++) {
        char *k = sql_string(g, program_partition(g->p, field, i));
        if (form) put(g, "UNION SELECT %s AS form, %s AS part\n", form, k);
        else put(g, "  UNION SELECT %s\n", k);
        free(k);
    }
}

/* ⌈share × n⌉ for a share in units of 10^-4 (base/fixed.c fixed_quota). */
static char *quota(Sql *g, int64_t share, const char *n)
{
    char *num = xasprintf("(%lld * %s + 9999)", (long long)share, n);
    char *q = sql_idiv(g, num, "10000");
    char *out = xasprintf("CASE WHEN %lld * %s <= 0 THEN 0 ELSE %s END", (long long)share, n, q);
    free(num);
    free(q);
    return out;
}

/* ---- the schedule -------------------------------------------------------------------------------------- */

/* The quota group of each category: the last group listing it (as schedule_new assigns). */
static int32_t *groups_of(const Sql *g)
{
    const ScheduleInfo *si = g->p->schedule;
    int32_t *grp = xmalloc((g->p->ncategories + 1) * sizeof *grp);
    for (uint32_t c = 0; c < g->p->ncategories; c++) grp[c] = -1;
    for (uint32_t k = 0; k < si->ngroups; k++)
        for (uint32_t c = 0; c < g->p->ncategories && c < 64; c++)
            if (si->groups[k].categories >> c & 1) grp[c] = (int32_t)k;
    return grp;
}

static char *order_key(Sql *g, size_t i, const Expr *e, bool desc)
{
    char *name = xasprintf("#key %zu", i + 1);
    char *c = sql_ident(g, name), *k;
    free(name);
    if (e->type->kind == TY_TEXT) k = sql_collate_bytes(g, c);
    else if (e->type->kind == TY_ENUM) {
        StrBuf sb = {0};
        sb_printf(&sb, "CASE %s", c);
        for (size_t v = 0; v < e->type->en->values.count; v++) {
            char *s = sql_string(g, e->type->en->values.items[v].name.text);
            sb_printf(&sb, " WHEN %s THEN %zu", s, v);
            free(s);
        }
        sb_puts(&sb, " ELSE -1 END");
        k = sb_take(&sb);
    } else k = xstrdup(c);
    char *out = xasprintf("%s %s", k, desc ? "DESC" : "ASC");
    free(c);
    free(k);
    return out;
}

void sql_schedule(Sql *g)
{
    const ScheduleInfo *si = g->p->schedule;
    const Decl *sd = g->r->schedule;
    const RecordInfo *ri = &g->p->records[0];
    char *eval = sql_obj(g, "eval"), *review = sql_ident(g, COL_REVIEW), *target = sql_ident(g, COL_TARGET);
    char *key = sql_ident(g, COL_KEY), *primary = sql_ident(g, COL_PRIMARY), *part = sql_partition(g, ri, si->partition_field);
    sql_drop(g, "schedule", false);
    put(g, "-- schedule \"%s\" (line %d): per %s, ranked by the keys, then the record key in byte order\n",
        si->label ? si->label : "", line_of(sd->span), si->partition_field >= 0 ? ri->fields[si->partition_field].name : "(all)");
    sql_create_begin(g, "schedule");
    int32_t *grp = groups_of(g);
    const EnumInfo *ce = &g->p->enums[g->p->category_enum];
    put(g, "WITH s AS (\n  SELECT %s AS id, %s AS part,\n    CASE %s", key, part, primary);
    for (uint32_t c = 0; c < g->p->ncategories; c++) {
        if (grp[c] < 0) continue;
        char *s = sql_string(g, ce->values[c]);
        put(g, " WHEN %s THEN %d", s, grp[c]);
        free(s);
    }
    put(g, " END AS grp");
    for (size_t i = 0; i < sd->order.count; i++) {
        char *name = xasprintf("#key %zu", i + 1), *c = sql_ident(g, name);
        put(g, ",\n    %s", c);
        free(name);
        free(c);
    }
    put(g, "\n  FROM %s\n  WHERE %s IS NULL AND %s", eval, review, target);
    if (sd->when) {
        char *f = sql_ident(g, COL_FILTER);
        put(g, " AND %s", f);
        free(f);
    }
    put(g, "\n), r AS (\n  SELECT id, part, grp,\n    ROW_NUMBER() OVER (PARTITION BY part, grp ORDER BY ");
    for (size_t i = 0; i < sd->order.count; i++) {
        char *k = order_key(g, i, sd->order.items[i].expr, sd->order.items[i].desc);
        put(g, "%s, ", k);
        free(k);
    }
    char *idk = sql_collate_bytes(g, "id");
    put(g, "%s ASC) - 1 AS rnk,\n    COUNT(*) OVER (PARTITION BY part, grp) AS n\n  FROM s\n  WHERE grp IS NOT NULL\n)\n", idk);
    free(idk);
    put(g, "SELECT id, part AS %s, grp AS %s, rnk AS %s, n,\n  CASE grp", g->opt.dialect == SQL_SPARK ? "`partition`" : "\"partition\"",
        g->opt.dialect == SQL_SPARK ? "`group`" : "\"group\"", g->opt.dialect == SQL_SPARK ? "`rank`" : "\"rank\"");
    for (uint32_t k = 0; k < si->ngroups; k++) {
        const ScheduleGroupInfo *gi = &si->groups[k];
        put(g, "\n    -- group %u (line %u)%s%s\n    WHEN %u THEN CASE", k, gi->line, gi->cite ? " cite " : "", gi->cite ? gi->cite : "", k);
        for (uint32_t y = 0; y < gi->nyears; y++) {
            char *q = quota(g, reg_value(g, gi->share_reg[y]), "n");
            put(g, " WHEN rnk < %s THEN %lld", q, (long long)gi->years[y]);
            free(q);
        }
        put(g, " ELSE %lld END", gi->nyears ? (long long)gi->years[gi->nyears - 1] : 0LL);
    }
    put(g, "\n  END AS year\nFROM r");
    sql_create_end(g, "schedule");
    free(grp);
    free(eval); free(review); free(target); free(key); free(primary); free(part);
}

/* ---- results and review -------------------------------------------------------------------------------- */

void sql_results(Sql *g)
{
    char *eval = sql_obj(g, "eval"), *review = sql_ident(g, COL_REVIEW), *key = sql_ident(g, COL_KEY);
    char *cats = sql_ident(g, COL_CATEGORIES), *primary = sql_ident(g, COL_PRIMARY), *pl = sql_ident(g, COL_PLACEMENT);
    sql_drop(g, "results", false);
    put(g, "-- the results file's rows (id, categories, primary_category, placement, year): every person not in review;\n"
           "-- categories in declaration order joined by |, '' where there is none, year NULL when not scheduled\n");
    sql_create_begin(g, "results");
    put(g, "SELECT e.%s AS id, e.%s AS categories, e.%s AS primary_category, e.%s AS placement, ", key, cats, primary, pl);
    if (g->p->schedule) {
        char *sched = sql_obj(g, "schedule");
        put(g, "s.year AS year\nFROM %s e LEFT JOIN %s s ON s.id = e.%s\nWHERE e.%s IS NULL", eval, sched, key, review);
        free(sched);
    } else {
        put(g, "CAST(NULL AS BIGINT) AS year\nFROM %s e\nWHERE e.%s IS NULL", eval, review);
    }
    sql_create_end(g, "results");
    sql_drop(g, "review", false);
    put(g, "-- the persons the VM would not evaluate, with the reason (doudi run sends them to review)\n");
    sql_create_begin(g, "review");
    put(g, "SELECT %s AS id, %s AS reason FROM %s WHERE %s IS NOT NULL", key, review, eval, review);
    sql_create_end(g, "review");
    free(eval); free(review); free(key); free(cats); free(primary); free(pl);
}

/* ---- the capacity plan ------------------------------------------------------------------------------------ */

static void capacity_items(Sql *g)
{
    const CapacityInfo *ci = g->p->capacity;
    const EnumInfo *pe = &g->p->enums[g->p->placement_enum];
    put(g, "), items AS (\n");
    bool first = true;
    for (uint32_t i = 0; i < ci->nitems; i++) {
        const CapacityItemInfo *it = &ci->items[i];
        if (it->type < 0) continue;
        char *t = sql_string(g, pe->values[it->type]);
        put(g, "  %sSELECT %u AS item, %s AS type, %lld AS std_beds, %lld AS minimum   -- line %u%s%s\n", first ? "" : "UNION ALL ",
            i, t, (long long)reg_value(g, it->beds_reg), (long long)(it->has_minimum ? reg_value(g, it->minimum_reg) : 0),
            it->line, it->cite ? " cite " : "", it->cite ? it->cite : "");
        free(t);
        first = false;
    }
    if (first) put(g, "  SELECT 0 AS item, '' AS type, 0 AS std_beds, 0 AS minimum WHERE 1 = 0\n");
}

void sql_capacity(Sql *g)
{
    const CapacityInfo *ci = g->p->capacity;
    const RecordInfo *pr = &g->p->records[0], *ir = &g->p->records[ci->record];
    char *eval = sql_obj(g, "eval"), *inst = sql_obj(g, "institution"), *review = sql_ident(g, COL_REVIEW);
    char *target = sql_ident(g, COL_TARGET), *pl = sql_ident(g, COL_PLACEMENT);
    char *ppart = sql_partition(g, pr, ci->partition_field), *ipart = sql_partition(g, ir, ci->inst_partition_field);
    char *type = ci->inst_type_field >= 0 ? sql_ident(g, ir->fields[ci->inst_type_field].name) : xstrdup("''");
    char *beds = ci->inst_beds_field >= 0 ? sql_ident(g, ir->fields[ci->inst_beds_field].name) : xstrdup("0");
    char *upgrade = sql_ident(g, "#upgrade"), *counted = sql_ident(g, "#counted");
    int64_t headroom = reg_value(g, ci->headroom_reg);
    sql_drop(g, "capacity", false);
    put(g, "-- capacity \"%s\" (line %u)%s%s: headroom %lld/10000, per partition and institution type\n",
        ci->label ? ci->label : "", ci->line, ci->cite ? " cite " : "", ci->cite ? ci->cite : "", (long long)headroom);
    sql_create_begin(g, "capacity");
    put(g, "WITH demand AS (\n  SELECT %s AS part, %s AS type, COUNT(*) AS n FROM %s\n  WHERE %s IS NULL AND %s AND %s <> ''\n"
           "  GROUP BY %s%s%s\n), inst AS (\n  SELECT %s AS part, %s AS type, COUNT(*) AS existing, CAST(SUM(%s) AS BIGINT) AS beds,\n"
           "    CAST(SUM(CASE WHEN %s THEN 1 ELSE 0 END) AS BIGINT) AS upgrades\n  FROM %s WHERE %s\n  GROUP BY %s%s%s\n"
           "), parts AS (\n  SELECT part FROM demand UNION SELECT part FROM inst\n",
        ppart, pl, eval, review, target, pl, pl, ci->partition_field >= 0 ? ", " : "", ci->partition_field >= 0 ? ppart : "",
        ipart, type, beds, upgrade, inst, counted, type, ci->inst_partition_field >= 0 ? ", " : "",
        ci->inst_partition_field >= 0 ? ipart : "");
    declared_parts(g, NULL, ci->partition_field);
    capacity_items(g);
    char *req = quota(g, 10000 + headroom, "demand");
    char *need = sql_idiv(g, "(required_beds - existing_beds + std_beds - 1)", "std_beds");
    put(g, "), base AS (\n  SELECT p.part, i.item, i.type, i.std_beds, i.minimum, COALESCE(d.n, 0) AS demand,\n"
           "    COALESCE(x.existing, 0) AS existing, COALESCE(x.beds, 0) AS existing_beds, COALESCE(x.upgrades, 0) AS upgrades\n"
           "  FROM parts p CROSS JOIN items i\n  LEFT JOIN demand d ON d.part = p.part AND d.type = i.type\n"
           "  LEFT JOIN inst x ON x.part = p.part AND x.type = i.type\n"
           "), req AS (\n  SELECT *, %s AS required_beds FROM base\n"
           "), bld AS (\n  SELECT *, CASE WHEN std_beds > 0 AND required_beds > existing_beds THEN %s ELSE 0 END AS need FROM req\n"
           "), plan AS (\n  SELECT *, CASE WHEN existing + need < minimum THEN minimum - existing ELSE need END AS new FROM bld\n)\n",
        req, need);
    free(req);
    free(need);
    put(g, "SELECT part AS %s, item, type, demand, required_beds, existing, existing_beds, new, upgrades, new + upgrades AS tasks",
        g->opt.dialect == SQL_SPARK ? "`partition`" : "\"partition\"");
    /* the tasks by build year: by each year ⌈cumulative share × tasks⌉ of them, at most all */
    int64_t cum = 0;
    char *before = xstrdup("0");
    for (uint32_t y = 0; y < ci->nbuild; y++) {
        cum += reg_value(g, ci->build_reg[y]);
        char *q = quota(g, cum, "(new + upgrades)");
        char *upto = sql_least(g, q, "(new + upgrades)");
        char *col = xasprintf("y%lld", (long long)ci->build_years[y]), *qc = sql_ident(g, col);
        put(g, ",\n  %s - %s AS %s", upto, before, qc);
        free(col);
        free(qc);
        free(before);
        before = upto;
        free(q);
    }
    free(before);
    put(g, "\nFROM plan");
    sql_create_end(g, "capacity");
    /* the same split, one row per year */
    sql_drop(g, "capacity_years", false);
    put(g, "-- the capacity plan's tasks by build year\n");
    sql_create_begin(g, "capacity_years");
    char *cap = sql_obj(g, "capacity");
    for (uint32_t y = 0; y < ci->nbuild; y++) {
        char *col = xasprintf("y%lld", (long long)ci->build_years[y]), *qc = sql_ident(g, col);
        char *pq = sql_ident(g, "partition");
        put(g, "%sSELECT %s, type, %lld AS year, %s AS n FROM %s\n", y ? "UNION ALL " : "", pq, (long long)ci->build_years[y], qc, cap);
        free(col); free(qc); free(pq);
    }
    if (ci->nbuild == 0) put(g, "SELECT '' AS partition, '' AS type, 0 AS year, 0 AS n WHERE 1 = 0\n");
    g->out.count--;   /* the last newline: the statement ends here */
    sql_create_end(g, "capacity_years");
    free(cap);
    free(eval); free(inst); free(review); free(target); free(pl); free(ppart); free(ipart); free(type); free(beds);
    free(upgrade); free(counted);
}

/* ---- the forms ---------------------------------------------------------------------------------------------- */

static const char *cell_kind(uint8_t cell)
{
    switch (cell) {
    case FORM_COUNT: return "count";
    case FORM_EXISTING: return "existing";
    case FORM_BUILD: return "build";
    default: return "blank";
    }
}

/* plan_form_layout: a row per cell of every form, with what fills it. */
static void form_layout(Sql *g)
{
    sql_drop(g, "form_layout", false);
    put(g, "-- every cell of every form: its row and column, what fills it, blank (left empty) and total (a total row)\n");
    sql_create_begin(g, "form_layout");
    bool first = true;
    for (uint32_t f = 0; f < g->p->nforms; f++) {
        const FormInfo *fi = &g->p->forms[f];
        put(g, "%s-- table %s \"%s\" (line %u)\n", first ? "" : "", fi->name, fi->label ? fi->label : "", fi->line);
        for (uint32_t r = 0; r < fi->nrows; r++)
            for (uint32_t c = 0; c < fi->ncols; c++) {
                const FormRow *row = &fi->rows[r];
                const FormColumn *col = &fi->cols[c];
                char *fn = sql_string(g, fi->name), *rn = sql_string(g, row->name), *cn = sql_string(g, col->name);
                char *rl = sql_string(g, row->label ? row->label : ""), *cl = sql_string(g, col->label ? col->label : "");
                char *cg = sql_string(g, col->group ? col->group : ""), *kind = sql_string(g, cell_kind(col->cell));
                put(g, "%sSELECT %s AS form, %d AS per, %u AS row_no, %s AS row_name, %s AS row_label, %u AS col_no, %s AS col_name, "
                       "%s AS col_label, %s AS col_group, %s AS cell, %lld AS year, %d AS blank, %d AS total\n",
                    first ? "" : "UNION ALL ", fn, fi->partition_field >= 0, r, rn, rl, c, cn, cl, cg, kind, (long long)col->year,
                    fi->blank[(size_t)r * fi->ncols + c] ? 1 : 0, row->total ? 1 : 0);
                first = false;
                free(fn); free(rn); free(cn); free(rl); free(cl); free(cg); free(kind);
            }
    }
    g->out.count--;
    sql_create_end(g, "form_layout");
}

/* plan_form_counts: per form, partition, row and count column, the targets counted there;
 * a partition is there when one of its targets is in one of the form's rows. One pass over
 * plan_eval per form (a wide row of sums per partition), then a row per cell. */
static void form_counts(Sql *g)
{
    const RecordInfo *ri = &g->p->records[0];
    char *eval = sql_obj(g, "eval"), *review = sql_ident(g, COL_REVIEW), *target = sql_ident(g, COL_TARGET);
    const char *mat = g->opt.dialect == SQL_SPARK ? "" : "MATERIALIZED ";
    sql_drop(g, "form_counts", false);
    put(g, "-- the counted cells: targets in the row for whom the column's condition holds\n");
    sql_create_begin(g, "form_counts");
    StrBuf sel = {0};
    int nwide = 0;
    for (uint32_t f = 0; f < g->p->nforms; f++) {
        const FormInfo *fi = &g->p->forms[f];
        char *part = sql_partition(g, ri, fi->partition_field), *fn = sql_string(g, fi->name);
        StrBuf any = {0}, sums = {0};
        int ncell = 0;
        for (uint32_t r = 0; r < fi->nrows; r++) {
            if (fi->rows[r].reg < 0) continue;
            char *rc = sql_cell_column(fi->name, "row", fi->rows[r].name), *rq = sql_ident(g, rc);
            sb_printf(&any, "%s%s", any.count ? " OR " : "", rq);
            for (uint32_t c = 0; c < fi->ncols; c++) {
                const FormColumn *col = &fi->cols[c];
                if (col->cell != FORM_COUNT) continue;
                char *cond;
                if (col->reg >= 0) {
                    char *cc = sql_cell_column(fi->name, "column", col->name), *cq = sql_ident(g, cc);
                    cond = xasprintf("%s AND %s", rq, cq);
                    free(cc);
                    free(cq);
                } else cond = xstrdup(rq);
                sb_printf(&sums, ",\n    CAST(SUM(CASE WHEN %s THEN 1 ELSE 0 END) AS BIGINT) AS c%d", cond, ncell);
                char *rn = sql_string(g, fi->rows[r].name), *cn = sql_string(g, col->name);
                sb_printf(&sel, "%sSELECT %s AS form, part, %s AS row_name, %s AS col_name, c%d AS n FROM w%d WHERE hit > 0\n",
                          sel.count ? "UNION ALL " : "", fn, rn, cn, ncell, nwide);
                ncell++;
                free(cond); free(rn); free(cn);
            }
            free(rc);
            free(rq);
        }
        char *group = fi->partition_field >= 0 ? xasprintf("\n  GROUP BY %s", part) : xstrdup("");
        put(g, "%s w%d AS %s(\n  -- table %s (line %u)\n  SELECT %s AS part, SUM(CASE WHEN %s THEN 1 ELSE 0 END) AS hit%s\n"
               "  FROM %s WHERE %s IS NULL AND %s%s\n)", nwide ? "," : "WITH", nwide, mat, fi->name, fi->line, part,
            any.count ? sb_str(&any) : "1 = 0", sb_str(&sums), eval, review, target, group);
        free(group);
        nwide++;
        sb_free(&any);
        sb_free(&sums);
        free(part);
        free(fn);
    }
    if (nwide) put(g, "\n");
    if (!sel.count) sb_puts(&sel, "SELECT '' AS form, '' AS part, '' AS row_name, '' AS col_name, 0 AS n WHERE 1 = 0\n");
    sel.count--;
    put(g, "%s", sb_str(&sel));
    sb_free(&sel);
    sql_create_end(g, "form_counts");
    free(eval); free(review); free(target);
}

/* plan_form_parts: the county sheets of each form (report.c load_partitions): the partitions
 * counted in any form partitioned alike and, when the plan is partitioned alike, the plan's. */
static void form_parts(Sql *g)
{
    char *counts = sql_obj(g, "form_counts"), *cap = sql_obj(g, "capacity"), *pq = sql_ident(g, "partition");
    sql_drop(g, "form_parts", false);
    put(g, "-- the county sheets of each form\n");
    sql_create_begin(g, "form_parts");
    bool first = true;
    for (uint32_t f = 0; f < g->p->nforms; f++) {
        const FormInfo *fi = &g->p->forms[f];
        char *fn = sql_string(g, fi->name);
        if (fi->partition_field < 0) {
            put(g, "%sSELECT %s AS form, '' AS part\n", first ? "" : "UNION ", fn);
            first = false;
            free(fn);
            continue;
        }
        for (uint32_t o = 0; o < g->p->nforms; o++) {
            if (g->p->forms[o].partition_field != fi->partition_field) continue;
            char *on = sql_string(g, g->p->forms[o].name);
            put(g, "%sSELECT %s AS form, part FROM %s WHERE form = %s\n", first ? "" : "UNION ", fn, counts, on);
            first = false;
            free(on);
        }
        if (g->p->capacity && g->p->capacity->partition_field == fi->partition_field)
            put(g, "UNION SELECT %s AS form, %s AS part FROM %s\n", fn, pq, cap);
        declared_parts(g, fn, fi->partition_field);
        free(fn);
    }
    if (first) put(g, "SELECT '' AS form, '' AS part WHERE 1 = 0\n");
    g->out.count--;
    sql_create_end(g, "form_parts");
    free(counts); free(cap); free(pq);
}

/* The numbers that fill cells before totals: counts, and the capacity plan's for institution rows. */
static void form_raw(Sql *g)
{
    char *counts = sql_obj(g, "form_counts"), *layout = sql_obj(g, "form_layout"), *parts = sql_obj(g, "form_parts");
    put(g, "WITH raw AS (\n  SELECT c.form, c.part, c.row_name, c.col_name, c.n FROM %s c\n"
           "  JOIN %s fp ON fp.form = c.form AND fp.part = c.part\n", counts, parts);
    if (g->p->capacity) {
        char *cap = sql_obj(g, "capacity"), *years = sql_obj(g, "capacity_years"), *pq = sql_ident(g, "partition");
        /* a form without `per` takes every county's plan; one with `per` the counties it has */
        put(g, "  UNION ALL\n  SELECT l.form, CASE WHEN l.per = 1 THEN k.%s ELSE '' END, l.row_name, l.col_name,\n"
               "    CASE WHEN l.cell = 'existing' THEN k.existing ELSE k.new + k.upgrades END\n"
               "  FROM %s l JOIN %s k ON k.type = l.row_name\n"
               "  WHERE l.total = 0 AND (l.cell = 'existing' OR (l.cell = 'build' AND l.year = 0))\n"
               "    AND (l.per = 0 OR EXISTS (SELECT 1 FROM %s fp WHERE fp.form = l.form AND fp.part = k.%s))\n"
               "  UNION ALL\n  SELECT l.form, CASE WHEN l.per = 1 THEN k.%s ELSE '' END, l.row_name, l.col_name, k.n\n"
               "  FROM %s l JOIN %s k ON k.type = l.row_name AND k.year = l.year\n"
               "  WHERE l.total = 0 AND l.cell = 'build' AND l.year <> 0\n"
               "    AND (l.per = 0 OR EXISTS (SELECT 1 FROM %s fp WHERE fp.form = l.form AND fp.part = k.%s))\n",
            pq, layout, cap, parts, pq, pq, layout, years, parts, pq);
        free(cap); free(years); free(pq);
    }
    free(counts); free(layout); free(parts);
}

void sql_forms(Sql *g)
{
    form_layout(g);
    form_counts(g);
    form_parts(g);
    char *layout = sql_obj(g, "form_layout"), *parts = sql_obj(g, "form_parts");
    sql_drop(g, "forms", false);
    put(g, "-- every form's cells: a sheet per county (partition) and the city's (partition NULL), blank cells NULL,\n"
           "-- a total row the sum of the other rows' non-blank cells (NULL when they are all blank)\n");
    sql_create_begin(g, "forms");
    form_raw(g);
    put(g, "), sheets AS (\n  SELECT form, 0 AS city, part FROM %s WHERE form IN (SELECT form FROM %s WHERE per = 1)\n"
           "  UNION SELECT form, 1 AS city, '' AS part FROM %s\n"
           "), plain AS (\n  SELECT s.form, s.city, s.part, l.row_no, l.col_no,\n"
           "    CASE WHEN l.blank = 1 THEN NULL ELSE COALESCE(SUM(r.n), 0) END AS value\n"
           "  FROM sheets s JOIN %s l ON l.form = s.form AND l.total = 0\n"
           "  LEFT JOIN raw r ON r.form = s.form AND r.row_name = l.row_name AND r.col_name = l.col_name AND (s.city = 1 OR r.part = s.part)\n"
           "  GROUP BY s.form, s.city, s.part, l.row_no, l.col_no, l.blank\n"
           "), totals AS (\n  SELECT s.form, s.city, s.part, l.row_no, l.col_no,\n"
           "    CASE WHEN l.blank = 1 THEN NULL ELSE SUM(p.value) END AS value\n"
           "  FROM sheets s JOIN %s l ON l.form = s.form AND l.total = 1\n"
           "  LEFT JOIN plain p ON p.form = s.form AND p.city = s.city AND p.part = s.part AND p.col_no = l.col_no\n"
           "  GROUP BY s.form, s.city, s.part, l.row_no, l.col_no, l.blank\n"
           "), cells AS (\n  SELECT * FROM plain UNION ALL SELECT * FROM totals\n)\n"
           "SELECT c.form, CASE WHEN c.city = 1 THEN NULL ELSE c.part END AS %s, c.row_no, l.row_name, c.col_no, l.col_name, c.value\n"
           "FROM cells c JOIN %s l ON l.form = c.form AND l.row_no = c.row_no AND l.col_no = c.col_no",
        parts, layout, layout, layout, layout, g->opt.dialect == SQL_SPARK ? "`partition`" : "\"partition\"", layout);
    sql_create_end(g, "forms");
    free(layout);
    free(parts);
}
