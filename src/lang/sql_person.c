/* sql_person.c — the per-person evaluation as one table (see sql_int.h).
 *
 * `plan_eval` has a row per stored person: the fields decoded as `doudi run` decodes them,
 * then — one layer of a WITH query per step, so that each layer names what the next reads —
 * the requires, the lets and categories (a layer per depth of dependence), the outcome (the
 * category set, count and primary), the placement, and for targets what the engine phases
 * read: the schedule's keys and filter and every form cell's condition. Its last column,
 * `#review`, says why the VM would not evaluate the person (a stored value the rules do not
 * accept, a failed require, an evaluation that stops), in the order the run checks; every
 * other phase reads only the rows where it is NULL.
 *
 * `plan_institution` does the same for the capacity plan's institutions: decoded, the upgrade
 * condition, and whether the record's check entry runs without stopping (the run counts an
 * institution then, whether or not its requires hold). */
#include "sql_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- comments with the rule file's lines and cites ----------------------------------------------- */

static int line_of(Span sp)
{
    int line = 0, col = 0;
    if (sp.file) source_position(sp.file, sp.start, &line, &col);
    return line;
}

/* "-- WHAT NAME "LABEL" (line N) cite C" on a line of its own. */
static void comment_to(StrBuf *sb, const char *indent, const char *what, const char *name, const char *label, Span at,
                       const char *cite)
{
    sb_printf(sb, "%s-- %s", indent, what);
    if (name) sb_printf(sb, " %s", name);
    if (label) sb_printf(sb, " \"%s\"", label);
    if (at.file) sb_printf(sb, " (line %d)", line_of(at));
    if (cite) sb_printf(sb, " cite %s", cite);
    sb_putc(sb, '\n');
}

/* A comment on its own line: at the top level now; inside a layer, before its next column. */
static void comment(Sql *g, const char *indent, const char *what, const char *name, const char *label, Span at,
                    const char *cite)
{
    comment_to(indent[0] ? &g->pending : &g->out, indent, what, name, label, at, cite);
}

/* ---- layers: a SELECT of the columns before plus its own ----------------------------------------------- */

/* A layer is computed once where the engine would otherwise fold it into the next and copy
 * each column's expression wherever it is read — a category read by the category set, the
 * count, the primary and every form cell would be computed a dozen times per person, and a
 * chain of lets that read each other twice grows exponentially. SQLite and DuckDB compute the
 * layer once (MATERIALIZED); PostgreSQL streams it through an OFFSET 0 fence. Spark has no such
 * hint (its optimizer keeps expensive expressions from being copied). */
static void layer_open(Sql *g, const char *head)
{
    g->layer_at = g->out.count;
    sb_puts(&g->out, head);
    g->bound = false;
}

static void layer_close(Sql *g)
{
    if (g->opt.dialect == SQL_POSTGRES) {
        /* PostgreSQL's fence: a subquery with OFFSET is not pulled up, and its rows stream
         * through (nothing is stored) */
        g->out.count--;   /* before the newline */
        sb_puts(&g->out, "\n  OFFSET 0\n");
        return;
    }
    bool mat = g->opt.dialect == SQL_SQLITE || g->opt.dialect == SQL_DUCKDB;
    if (!mat) return;
    static const char kw[] = "MATERIALIZED ";
    size_t k = sizeof kw - 1, at = g->layer_at;
    sb_puts(&g->out, kw);   /* grow, then move the layer's text up */
    memmove(g->out.items + at + k, g->out.items + at, g->out.count - k - at);
    memcpy(g->out.items + at, kw, k);
}

static void layer_begin(Sql *g, int *n)
{
    sb_printf(&g->out, "),\nl%d AS ", ++*n);
    layer_open(g, "(\n  SELECT *");
    g->ncols = 1;
}

static void layer_end(Sql *g, int n)
{
    sb_printf(&g->out, "\n  FROM l%d\n", n - 1);
    layer_close(g);
}


static void put_column(Sql *g, const char *text, const char *name)
{
    char *q = sql_ident(g, name);
    sb_printf(&g->out, "%s\n%s    %s AS %s", g->ncols++ ? "," : "", sb_str(&g->pending), text, q);
    g->pending.count = 0;
    free(q);
}

/* ---- decoding the stored fields -------------------------------------------------------------------- */

static char *default_literal(Sql *g, const FieldInfo *fi)
{
    switch (fi->kind) {
    case VK_TEXT: return sql_string(g, fi->default_value >= 0 && (uint64_t)fi->default_value < g->p->nstrings
                                           ? g->p->strings[fi->default_value] : "");
    case VK_BOOL: return xstrdup(fi->default_value ? sql_true(g) : sql_false(g));
    case VK_ENUM: return sql_string(g, g->p->enums[fi->enum_index].values[fi->default_value]);
    default: return sql_int(fi->default_value);
    }
}

/* An enum value stored by identifier, kept when it is one the rules know (and the range allows). */
static char *decode_enum(Sql *g, const char *col, const FieldInfo *fi, bool ranged)
{
    const EnumInfo *en = &g->p->enums[fi->enum_index];
    StrBuf sb = {0};
    sb_printf(&sb, "CASE WHEN %s IN (", col);
    for (uint32_t k = 0, n = 0; k < en->count; k++) {
        if (ranged && fi->range_kind == 2 && !((uint64_t)fi->range_lo >> k & 1)) continue;
        char *s = sql_string(g, en->values[k]);
        sb_printf(&sb, "%s%s", n++ ? ", " : "", s);
        free(s);
    }
    sb_printf(&sb, ") THEN %s END", col);
    return sb_take(&sb);
}

static char *decode_raw(Sql *g, const char *col, const FieldInfo *fi, bool ranged)
{
    switch (fi->kind) {
    case VK_TEXT: return sql_decode_text(g, col);
    case VK_BOOL: return sql_decode_bool(g, col);
    case VK_DATE: return sql_decode_date(g, col);
    case VK_NUMBER: return sql_decode_fixed(g, col, false);
    case VK_PERCENT: return sql_decode_fixed(g, col, true);
    case VK_ENUM: return decode_enum(g, col, fi, ranged);
    default: return g->opt.dialect == SQL_SQLITE ? xstrdup(col) : xasprintf("CAST(%s AS BIGINT)", col);
    }
}

/* The field's value: decoded, the default for a NULL, then its range (persons only: the run
 * checks ranges; the capacity plan reads institutions without). NULL when unusable. */
static char *decode_field(Sql *g, const FieldInfo *fi, bool ranged)
{
    char *col = sql_ident(g, fi->name);
    char *v = decode_raw(g, col, fi, ranged);
    if (fi->has_default) {
        char *d = default_literal(g, fi);
        char *t = xasprintf("CASE WHEN %s IS NULL THEN %s ELSE %s END", col, d, v);
        free(d);
        free(v);
        v = t;
    }
    if (ranged && fi->range_kind == 1) {
        char *lo = sql_int(fi->range_lo), *hi = sql_int(fi->range_hi);
        char *t = xasprintf("CASE WHEN %s BETWEEN %s AND %s THEN %s END", v, lo, hi, v);
        free(lo); free(hi); free(v);
        v = t;
    } else if (ranged && fi->range_kind == 2 && fi->kind != VK_ENUM) {
        StrBuf sb = {0};
        sb_printf(&sb, "CASE WHEN %s IN (", v);
        for (int k = 0, n = 0; k < 64; k++)
            if ((uint64_t)fi->range_lo >> k & 1) sb_printf(&sb, "%s%d", n++ ? ", " : "", k);
        sb_printf(&sb, ") THEN %s END", v);
        free(v);
        v = sb_take(&sb);
    }
    free(col);
    return v;
}

/* SELECT of the decoded fields of `ri` from `table`, as the first layer. */
static void stored_layer(Sql *g, const RecordInfo *ri, const char *table, bool ranged)
{
    sb_puts(&g->out, "  SELECT");
    g->ncols = 0;
    for (uint32_t i = 0; i < ri->nfields; i++) {
        const FieldInfo *fi = &ri->fields[i];
        char *v = decode_field(g, fi, ranged);
        put_column(g, v, fi->name);
        free(v);
        if (fi->kind != VK_DATE) continue;
        /* the year and month*100+day of a date field, for years_between and year_of */
        char *col = sql_ident(g, fi->name);
        for (int k = 0; k < 2; k++) {
            char *part = sql_decode_date_part(g, col, k ? 'M' : 'y');
            char *pn = xasprintf("%s#%s", fi->name, k ? "md" : "y");
            put_column(g, part, pn);
            free(part); free(pn);
        }
        free(col);
    }
    char *t = sql_ident(g, table);
    sb_printf(&g->out, "\n  FROM %s\n", t);
    free(t);
}

/* ---- what a rule reads --------------------------------------------------------------------------------- */

static int depth_of(Sql *g, const Expr *e)
{
    if (!e) return 0;
    int d = 0;
    if (e->kind == EX_NAME && e->sym) {
        if (e->sym->kind == SYM_LET) d = g->lets[e->sym->index].depth;
        else if (e->sym->kind == SYM_CATEGORY) d = g->cats[e->sym->index].depth;
    }
    const Expr *kids[3] = {e->lhs, e->rhs, e->cond};
    for (int i = 0; i < 3; i++) {
        int k = depth_of(g, kids[i]);
        if (k > d) d = k;
    }
    for (size_t i = 0; i < e->items.count; i++) {
        int k = depth_of(g, e->items.items[i]);
        if (k > d) d = k;
    }
    for (size_t i = 0; i < e->conds.count; i++) {
        int k = depth_of(g, e->conds.items[i]);
        if (k > d) d = k;
    }
    return d;
}

/* A let's value, an int converted when the let is a number. */
static SqlExpr let_value(Sql *g, const Symbol *s)
{
    return sql_operand(g, s->decl->value, sql_is_fixed(s->type));
}

/* ---- layers ------------------------------------------------------------------------------------------------- */

/* The requires of the subject, as the reason the first that fails gives (NULL: they hold). */
static void requires_layer(Sql *g, int *n)
{
    const Decl *rec = g->r->subject;
    const RecordInfo *ri = &g->p->records[0];
    layer_begin(g, n);
    StrBuf sb = {0};
    sb_puts(&sb, "CASE");
    for (size_t i = 0; i < rec->requires.count; i++) {
        const Require *rq = &rec->requires.items[i];
        sb_printf(&sb, "\n      -- require (line %d)", line_of(rq->span));
        SqlExpr c = sql_expr(g, rq->cond);
        char *msg = sql_string(g, ri->requires[i].message);
        if (c.fallible) {
            char *stop = xasprintf("evaluation stopped at %s:%d (require)", rq->span.file ? rq->span.file->path : "", line_of(rq->span));
            char *s = sql_string(g, stop);
            sb_printf(&sb, "\n      WHEN %s IS NULL THEN %s", c.text, s);
            free(stop);
            free(s);
        }
        sb_printf(&sb, "\n      WHEN NOT %s THEN %s", c.text, msg);
        free(msg);
        sql_expr_free(&c);
    }
    sb_puts(&sb, rec->requires.count ? "\n    END" : " WHEN 1 = 0 THEN '' END");
    put_column(g, sb_str(&sb), "#require");
    sb_free(&sb);
    layer_end(g, *n);
}

/* Lets and categories, a layer per depth: each reads only columns of layers before it. */
static int rule_layers(Sql *g, int *n)
{
    const Rules *r = g->r;
    int max = 0;
    for (size_t i = 0; i < r->eval_order.count; i++) {
        const Symbol *s = r->eval_order.items[i];
        const Expr *e = s->kind == SYM_LET ? s->decl->value : s->decl->when;
        int d = depth_of(g, e) + 1;
        if (s->kind == SYM_LET) g->lets[s->index].depth = d;
        else g->cats[s->index].depth = d;
        if (d > max) max = d;
    }
    for (int d = 1; d <= max; d++) {
        layer_begin(g, n);
        for (size_t i = 0; i < r->eval_order.count; i++) {
            const Symbol *s = r->eval_order.items[i];
            bool let = s->kind == SYM_LET;
            if ((let ? g->lets[s->index].depth : g->cats[s->index].depth) != d) continue;
            comment(g, "    ", let ? "let" : "category", s->name, s->label, s->decl->span, s->decl->cite);
            SqlExpr v = let ? let_value(g, s) : sql_expr(g, s->decl->when);
            if (let) g->lets[s->index].fallible = v.fallible;
            else g->cats[s->index].fallible = v.fallible;
            put_column(g, v.text, s->name);
            sql_expr_free(&v);
        }
        layer_end(g, *n);
    }
    return max;
}

/* The category set (a bit mask), how many, the first, and the results file's `a|b`. */
static void outcome_layer(Sql *g, int *n)
{
    const SymList *cats = &g->r->categories;
    layer_begin(g, n);
    comment(g, "    ", "the categories that hold: set, count, primary (declaration order is precedence)", NULL, NULL,
            (Span){0}, NULL);
    StrBuf mask = {0}, count = {0}, primary = {0}, names = {0};
    sb_puts(&primary, "CASE");
    for (size_t i = 0; i < cats->count; i++) {
        char *c = sql_ident(g, cats->items[i]->name);
        char *nm = sql_string(g, cats->items[i]->name);
        char *bar = xasprintf("|%s", cats->items[i]->name);
        char *barq = sql_string(g, bar);
        sb_printf(&mask, "%sCASE WHEN %s THEN %lld ELSE 0 END", i ? " + " : "", c, (long long)(1LL << i));
        sb_printf(&count, "%sCASE WHEN %s THEN 1 ELSE 0 END", i ? " + " : "", c);
        sb_printf(&primary, " WHEN %s THEN %s", c, nm);
        sb_printf(&names, " || CASE WHEN %s THEN %s ELSE '' END", c, barq);
        free(c); free(nm); free(bar); free(barq);
    }
    sb_puts(&primary, " ELSE '' END");
    put_column(g, cats->count ? sb_str(&mask) : "0", COL_MASK);
    put_column(g, cats->count ? sb_str(&count) : "0", COL_COUNT);
    put_column(g, sb_str(&primary), COL_PRIMARY);
    char *all = xasprintf("substr(''%s, 2)", sb_str(&names));
    put_column(g, all, COL_CATEGORIES);
    free(all);
    sb_free(&mask); sb_free(&count); sb_free(&primary); sb_free(&names);
    layer_end(g, *n);
}

/* First-match placement, for targets: the branch (-1 none, NULL where the VM stops) and value. */
static void placement_layer(Sql *g, int *n)
{
    const Decl *pd = g->r->placement;
    char *mask = sql_ident(g, COL_MASK);
    layer_begin(g, n);
    char *target = xasprintf("(%s <> 0)", mask);
    put_column(g, target, COL_TARGET);
    StrBuf br = {0}, val = {0};
    sb_printf(&br, "CASE WHEN NOT %s THEN -1", target);
    char *brcol = sql_ident(g, COL_BRANCH);
    sb_printf(&val, "CASE %s", brcol);
    if (pd && g->r->placement_enum) {
        comment(g, "    ", "placement", pd->name.text, pd->label, pd->span, NULL);
        for (size_t i = 0; i < pd->branches.count; i++) {
            const Branch *b = &pd->branches.items[i];
            sb_printf(&br, "\n      -- branch %s", b->value.text);
            if (b->label) sb_printf(&br, " \"%s\"", b->label);
            sb_printf(&br, " (line %d)", line_of(b->span));
            if (b->cite) sb_printf(&br, " cite %s", b->cite);
            char *v = sql_string(g, b->value.text);
            sb_printf(&val, " WHEN %zu THEN %s", i, v);
            free(v);
            if (!b->when) {
                sb_printf(&br, "\n      ELSE %zu END", i);
                break;
            }
            SqlExpr c = sql_expr(g, b->when);
            if (c.fallible) sb_printf(&br, "\n      WHEN %s IS NULL THEN NULL", c.text);
            sb_printf(&br, "\n      WHEN %s THEN %zu", c.text, i);
            sql_expr_free(&c);
            if (i + 1 == pd->branches.count) sb_puts(&br, "\n      ELSE -1 END");
        }
        if (pd->branches.count == 0) sb_puts(&br, " ELSE -1 END");
    } else {
        sb_puts(&br, " ELSE -1 END");
    }
    sb_puts(&val, " ELSE '' END");
    put_column(g, sb_str(&br), COL_BRANCH);
    layer_end(g, *n);
    /* the placement value by the branch, in a layer of its own */
    layer_begin(g, n);
    put_column(g, pd && g->r->placement_enum && pd->branches.count ? sb_str(&val) : "''", COL_PLACEMENT);
    layer_end(g, *n);
    free(mask); free(target); free(brcol);
    sb_free(&br);
    sb_free(&val);
}

/* ---- what the engine phases read of a target ------------------------------------------------------------- */

char *sql_cell_column(const char *form, const char *what, const char *name)
{
    return xasprintf("#%s %s %s", form, what, name);
}

/* Each column here is the VM's targets entry: NULL for a target is a stop (review). */
typedef VEC(char *) Names;

static void target_column(Sql *g, Names *stops, SqlExpr v, const char *name)
{
    put_column(g, v.text, name);
    if (v.fallible) VEC_PUSH(stops, xstrdup(name));
}

static void targets_layer(Sql *g, int *n, Names *stops)
{
    const Decl *sd = g->r->schedule;
    layer_begin(g, n);
    if (sd) {
        comment(g, "    ", "schedule", NULL, sd->label, sd->span, NULL);
        for (size_t i = 0; i < sd->order.count; i++) {
            const OrderKey *k = &sd->order.items[i];
            comment(g, "    ", "  order key", NULL, NULL, k->span, NULL);
            SqlExpr v = sql_expr(g, k->expr);
            char *name = xasprintf("#key %zu", i + 1);
            target_column(g, stops, v, name);
            free(name);
            sql_expr_free(&v);
        }
        if (sd->when) {
            comment(g, "    ", "  who is scheduled", NULL, NULL, sd->when->span, NULL);
            SqlExpr v = sql_expr(g, sd->when);
            target_column(g, stops, v, COL_FILTER);
            sql_expr_free(&v);
        }
    }
    for (size_t t = 0; t < g->r->tables.count; t++) {
        const Decl *d = g->r->tables.items[t];
        comment(g, "    ", "table", d->name.text, d->label, d->span, NULL);
        for (size_t i = 0; i < d->rows.count; i++) {
            const TableRow *row = &d->rows.items[i];
            if (!row->when) continue;
            SqlExpr v = sql_expr(g, row->when);
            char *name = sql_cell_column(d->name.text, "row", row->name.text);
            target_column(g, stops, v, name);
            free(name);
            sql_expr_free(&v);
        }
        for (size_t i = 0; i < d->columns.count; i++) {
            const TableColumn *col = &d->columns.items[i];
            if (col->cell != CELL_COUNT || !col->expr) continue;
            SqlExpr v = sql_expr(g, col->expr);
            char *name = sql_cell_column(d->name.text, "column", col->name.text);
            target_column(g, stops, v, name);
            free(name);
            sql_expr_free(&v);
        }
    }
    layer_end(g, *n);
}

/* ---- the reason for review ----------------------------------------------------------------------------------- */

static void review_arm(Sql *g, StrBuf *sb, const char *test, const char *reason)
{
    char *r = sql_string(g, reason);
    sb_printf(sb, "\n      WHEN %s THEN %s", test, r);
    free(r);
}

static void review_column(Sql *g, const Names *stops)
{
    const RecordInfo *ri = &g->p->records[0];
    StrBuf sb = {0};
    sb_puts(&sb, "CASE");
    for (uint32_t i = 0; i < ri->nfields; i++) {
        char *c = sql_ident(g, ri->fields[i].name);
        char *test = xasprintf("%s IS NULL", c);
        char *why = xasprintf("%s: missing, not a value the rules accept, or outside its range", ri->fields[i].name);
        review_arm(g, &sb, test, why);
        free(c); free(test); free(why);
    }
    char *req = sql_ident(g, "#require");
    sb_printf(&sb, "\n      WHEN %s IS NOT NULL THEN %s", req, req);
    free(req);
    const Rules *r = g->r;
    for (size_t i = 0; i < r->eval_order.count; i++) {
        const Symbol *s = r->eval_order.items[i];
        bool f = s->kind == SYM_LET ? g->lets[s->index].fallible : g->cats[s->index].fallible;
        if (!f) continue;
        char *c = sql_ident(g, s->name);
        char *test = xasprintf("%s IS NULL", c);
        char *why = xasprintf("evaluation stopped at %s:%d (%s %s)", s->decl->span.file ? s->decl->span.file->path : "",
                              line_of(s->decl->span), s->kind == SYM_LET ? "let" : "category", s->name);
        review_arm(g, &sb, test, why);
        free(c); free(test); free(why);
    }
    char *br = sql_ident(g, COL_BRANCH);
    char *test = xasprintf("%s IS NULL", br);
    review_arm(g, &sb, test, "evaluation stopped in the placement");
    free(br);
    free(test);
    char *target = sql_ident(g, COL_TARGET);
    for (size_t i = 0; i < stops->count; i++) {
        char *c = sql_ident(g, stops->items[i]);
        char *t = xasprintf("%s AND %s IS NULL", target, c);
        char *why = xasprintf("evaluation stopped (%s)", stops->items[i][0] == '#' ? stops->items[i] + 1 : stops->items[i]);
        review_arm(g, &sb, t, why);
        free(c); free(t); free(why);
    }
    free(target);
    sb_puts(&sb, "\n    END");
    put_column(g, sb_str(&sb), COL_REVIEW);
    sb_free(&sb);
}

static char *key_text(Sql *g, const RecordInfo *ri, Span at)
{
    const FieldInfo *kf = &ri->fields[ri->key];
    char *c = sql_ident(g, kf->name);
    if (kf->kind == VK_TEXT) return c;
    if (kf->kind == VK_INT) {
        char *t = xasprintf("CAST(%s AS %s)", c, g->opt.dialect == SQL_SPARK ? "STRING" : "TEXT");
        free(c);
        return t;
    }
    sql_error(g, at, "the key field '%s' is not text or int: the results' id has no SQL form for it here", kf->name);
    return c;
}

void sql_person(Sql *g)
{
    const RecordInfo *ri = &g->p->records[0];
    const char *table = g->opt.person_table ? g->opt.person_table : ri->name;
    sql_drop(g, "eval", false);
    comment(g, "", "the per-person evaluation: one row per stored", ri->name, ri->label, g->r->subject->span, NULL);
    sql_create_begin(g, "eval");
    sb_puts(&g->out, "WITH l0 AS ");
    layer_open(g, "(\n");
    comment(g, "  ", "record", ri->name, ri->label, g->r->subject->span, NULL);
    stored_layer(g, ri, table, true);
    layer_close(g);
    int n = 0;
    requires_layer(g, &n);
    rule_layers(g, &n);
    outcome_layer(g, &n);
    placement_layer(g, &n);
    Names stops = {0};
    targets_layer(g, &n, &stops);
    sb_puts(&g->out, ")\nSELECT *");
    g->ncols = 1;
    char *key = key_text(g, ri, g->r->subject->span);
    put_column(g, key, COL_KEY);
    free(key);
    review_column(g, &stops);
    sb_printf(&g->out, "\nFROM l%d", n);
    sb_free(&g->pending);
    sql_create_end(g, "eval");
    for (size_t i = 0; i < stops.count; i++) free(stops.items[i]);
    free(stops.items);
}

/* ---- institutions ------------------------------------------------------------------------------------------ */

void sql_institution(Sql *g)
{
    const CapacityInfo *ci = g->p->capacity;
    const RecordInfo *ri = &g->p->records[ci->record];
    const Decl *rec = g->r->records.items[ci->record];
    const char *table = g->opt.institution_table ? g->opt.institution_table : ri->name;
    sql_drop(g, "institution", false);
    comment(g, "", "the institutions the capacity plan counts:", ri->name, ri->label, rec->span, NULL);
    sql_create_begin(g, "institution");
    sb_puts(&g->out, "WITH l0 AS ");
    layer_open(g, "(\n");
    stored_layer(g, ri, table, false);
    layer_close(g);
    int n = 0;
    layer_begin(g, &n);
    const Decl *cap = g->r->capacity;
    StrBuf ok = {0};
    sb_puts(&ok, "CASE");
    for (uint32_t i = 0; i < ri->nfields; i++) {
        char *c = sql_ident(g, ri->fields[i].name);
        sb_printf(&ok, "\n      WHEN %s IS NULL THEN %s", c, sql_false(g));
        free(c);
    }
    if (cap->upgrade_when) {
        comment(g, "    ", "upgrade when", NULL, NULL, cap->upgrade_when->span, cap->cite);
        SqlExpr u = sql_expr(g, cap->upgrade_when);
        put_column(g, u.text, "#upgrade");
        if (u.fallible) sb_printf(&ok, "\n      WHEN %s IS NULL THEN %s", u.text, sql_false(g));
        sql_expr_free(&u);
    } else {
        put_column(g, sql_false(g), "#upgrade");
    }
    for (size_t i = 0; i < rec->requires.count; i++) {
        SqlExpr c = sql_expr(g, rec->requires.items[i].cond);
        if (c.fallible) sb_printf(&ok, "\n      WHEN %s IS NULL THEN %s", c.text, sql_false(g));
        sb_printf(&ok, "\n      WHEN NOT %s THEN %s", c.text, sql_true(g));
        sql_expr_free(&c);
    }
    sb_printf(&ok, "\n      ELSE %s END", sql_true(g));
    comment(g, "    ", "counted when its values are usable and its check runs without stopping", NULL, NULL, (Span){0}, NULL);
    put_column(g, sb_str(&ok), "#counted");
    sb_free(&ok);
    layer_end(g, n);
    sb_printf(&g->out, ")\nSELECT * FROM l%d", n);
    sb_free(&g->pending);
    sql_create_end(g, "institution");
}
