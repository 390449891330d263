/* sql_expr.c — typed expressions to SQL (see sql_int.h).
 *
 * Each expression becomes SQL computing the VM's value in the VM's representation (ints and
 * fixed point as BIGINT, dates as day numbers, enums by identifier, bools as the engine's
 * boolean, sets of enum values as bit masks). The translation follows compile_expr.c case by
 * case — the same constant folding, the same int-to-fixed conversions, the same order of
 * evaluation — because "the same" includes where the VM stops: an operand that can be NULL
 * (the VM would stop there) is tested before `and`, `or`, `case` and `if` decide, since SQL's
 * own three-valued logic would otherwise turn `false and <stop>` and `<stop> and false` alike
 * into false, and the VM stops on the second. */
#include "sql_int.h"
#include "compile.h"
#include "base/date.h"
#include "base/fixed.h"

#include <stdlib.h>
#include <string.h>

SqlExpr sql_value(char *text, bool fallible, bool simple)
{
    return (SqlExpr){text, fallible, simple};
}

void sql_expr_free(SqlExpr *e)
{
    free(e->text);
    e->text = NULL;
}

bool sql_is_fixed(const Type *t) { return t->kind == TY_NUMBER || t->kind == TY_PERCENT; }

SqlExpr sql_strict(Sql *g, SqlExpr *parts, size_t n, char *text)
{
    StrBuf test = {0};
    bool fallible = false;
    for (size_t i = 0; i < n; i++) {
        if (!parts[i].fallible) continue;
        sb_printf(&test, "%s%s IS NULL", fallible ? " OR " : "", parts[i].text);
        fallible = true;
    }
    (void)g;
    SqlExpr r;
    if (!fallible) r = sql_value(text, false, false);
    else {
        r = sql_value(xasprintf("CASE WHEN %s THEN NULL ELSE %s END", sb_str(&test), text), true, false);
        free(text);
    }
    sb_free(&test);
    for (size_t i = 0; i < n; i++) sql_expr_free(&parts[i]);
    return r;
}

/* ---- literals ------------------------------------------------------------------------------- */

static const char *enum_value_name(const EnumType *en, int64_t v)
{
    return en && v >= 0 && (size_t)v < en->values.count ? en->values.items[v].name.text : "";
}

/* A constant in the VM's representation, as SQL of type t. */
static char *literal(Sql *g, const Type *t, int64_t v)
{
    switch (t->kind) {
    case TY_BOOL: return xstrdup(v ? sql_true(g) : sql_false(g));
    case TY_ENUM: return sql_string(g, enum_value_name(t->en, v));
    case TY_DATE: {
        char *n = sql_int(v);
        char day[16] = "";
        if (v > -(1LL << 40) && v < (1LL << 40)) date_format(v, day);
        char *out = xasprintf("%s /* %s */", n, day);
        free(n);
        return out;
    }
    default: return sql_int(v);
    }
}

char *sql_param_value(Sql *g, const Symbol *s, int64_t *v)
{
    const Program *p = g->p;
    const ParamInfo *pi = s->index >= 0 && (uint32_t)s->index < p->nparams ? &p->params[s->index] : NULL;
    if (!pi) return xstrdup("NULL");
    uint32_t reg = pi->reg;
    if (pi->kind == VK_TEXT) {
        int64_t k = p->consts[reg].value;
        return sql_string(g, k >= 0 && (uint64_t)k < p->nstrings ? p->strings[k] : "");
    }
    *v = g->regs ? g->regs[reg] : p->consts[reg].value;
    char *lit = literal(g, s->type, *v);
    char *out = xasprintf("%s /* %s */", lit, s->name);
    free(lit);
    return out;
}

/* ---- names ------------------------------------------------------------------------------------- */

static SqlExpr column(Sql *g, const char *name, bool fallible)
{
    return sql_value(sql_ident(g, name), fallible, true);
}

static SqlExpr name_expr(Sql *g, const Expr *e)
{
    const Symbol *s = e->sym;
    if (!s) return sql_value(sql_string(g, enum_value_name(e->type->en, e->enum_value)), false, true);
    switch (s->kind) {
    case SYM_FIELD: return column(g, s->name, false);
    case SYM_PARAM: {
        int64_t v;
        return sql_value(sql_param_value(g, s, &v), false, true);
    }
    case SYM_LET: return column(g, s->name, g->lets[s->index].fallible);
    case SYM_CATEGORY: return column(g, s->name, g->cats[s->index].fallible);
    case SYM_PLACEMENT: return column(g, COL_PLACEMENT, false);
    case SYM_BUILTIN:
        switch ((Builtin)s->index) {
        case BI_CATEGORY_COUNT: return column(g, COL_COUNT, false);
        case BI_PRIMARY: return column(g, COL_PRIMARY, false);
        case BI_CATEGORIES: return column(g, COL_MASK, false);
        case BI_YEAR: break;
        }
        break;
    default: break;
    }
    sql_error(g, e->span, "'%s' has no SQL form here (it has no value in per-person code)", s->name);
    return sql_value(xstrdup("NULL"), true, true);
}

/* ---- conversions and arithmetic ------------------------------------------------------------- */

SqlExpr sql_operand(Sql *g, const Expr *e, bool fixed)
{
    if (!fixed || sql_is_fixed(e->type) || e->type->kind != TY_INT) return sql_expr(g, e);
    int64_t v, f;
    if (compile_fold(e, &v) && fixed_from_int(v, &f)) return sql_value(sql_int(f), false, true);
    return sql_checked(g, '*', sql_expr(g, e), sql_value(xstrdup("10000"), false, true));
}

static SqlExpr arith(Sql *g, const Expr *e)
{
    const Type *lt = e->lhs->type, *rt = e->rhs->type;
    bool fixed = sql_is_fixed(e->type) || e->op == BIN_DIV;
    if (lt->kind == TY_DATE || rt->kind == TY_DATE) fixed = false;
    SqlExpr l = sql_operand(g, e->lhs, fixed), r = sql_operand(g, e->rhs, fixed);
    switch (e->op) {
    case BIN_ADD: return sql_checked(g, '+', l, r);
    case BIN_SUB: return sql_checked(g, '-', l, r);
    case BIN_MUL: return fixed ? sql_mulf(g, l, r) : sql_checked(g, '*', l, r);
    default: return sql_divf(g, l, r);
    }
}

static SqlExpr compare(Sql *g, const Expr *e)
{
    const Type *lt = e->lhs->type, *rt = e->rhs->type;
    bool text = lt->kind == TY_TEXT;
    bool fixed = (sql_is_fixed(lt) || sql_is_fixed(rt)) && !text;
    SqlExpr parts[2] = {sql_operand(g, e->lhs, fixed), sql_operand(g, e->rhs, fixed)};
    const char *op = e->op == BIN_EQ ? "=" : e->op == BIN_NE ? "<>" : e->op == BIN_LT ? "<"
                   : e->op == BIN_LE ? "<=" : e->op == BIN_GT ? ">" : ">=";
    char *l = text && e->op != BIN_EQ && e->op != BIN_NE ? sql_collate_bytes(g, parts[0].text) : xstrdup(parts[0].text);
    char *out = xasprintf("(%s %s %s)", l, op, parts[1].text);
    free(l);
    bool fallible = parts[0].fallible || parts[1].fallible;
    sql_expr_free(&parts[0]);
    sql_expr_free(&parts[1]);
    return sql_value(out, fallible, false);   /* comparisons are strict in SQL */
}

/* `a and b`, `a or b`: b only when a does not decide, and a stop in a is a stop. */
static SqlExpr logic(Sql *g, const Expr *e)
{
    SqlExpr l = sql_expr(g, e->lhs), r = sql_expr(g, e->rhs);
    bool and = e->op == BIN_AND;
    char *out;
    if (!l.fallible)
        out = xasprintf("(%s %s %s)", l.text, and ? "AND" : "OR", r.text);
    else if (and)
        out = xasprintf("CASE WHEN %s IS NULL THEN NULL WHEN NOT %s THEN %s ELSE %s END", l.text, l.text, sql_false(g), r.text);
    else
        out = xasprintf("CASE WHEN %s IS NULL THEN NULL WHEN %s THEN %s ELSE %s END", l.text, l.text, sql_true(g), r.text);
    bool fallible = l.fallible || r.fallible;
    sql_expr_free(&l);
    sql_expr_free(&r);
    return sql_value(out, fallible, false);
}

/* ---- in ----------------------------------------------------------------------------------------- */

/* The index of enum value x (0-based), -1 for '' (no placement, no primary). */
static char *enum_index(Sql *g, const EnumType *en, const char *x)
{
    StrBuf sb = {0};
    sb_printf(&sb, "CASE %s", x);
    for (size_t i = 0; i < en->values.count; i++) {
        char *s = sql_string(g, en->values.items[i].name.text);
        sb_printf(&sb, " WHEN %s THEN %zu", s, i);
        free(s);
    }
    sb_puts(&sb, " ELSE -1 END");
    return sb_take(&sb);
}

/* Bit i of mask (0 <= i < 64), as IN_MASK tests it. */
static char *mask_bit(Sql *g, const char *mask, const char *i)
{
    const char *shift = g->opt.dialect == SQL_SPARK ? "shiftright(%s, CAST(%s AS INT))"
                      : g->opt.dialect == SQL_POSTGRES ? "(%s >> CAST(%s AS INTEGER))" : "(%s >> %s)";
    char *sh = xasprintf(shift, mask, i);
    char *out = xasprintf("CASE WHEN %s BETWEEN 0 AND 63 THEN (%s & 1) = 1 ELSE %s END", i, sh, sql_false(g));
    free(sh);
    return out;
}

static SqlExpr in_range(Sql *g, const Expr *e)
{
    const Expr *rhs = e->rhs;
    bool fixed = sql_is_fixed(e->lhs->type) || sql_is_fixed(rhs->lhs->type) || sql_is_fixed(rhs->rhs->type);
    SqlExpr parts[3] = {sql_operand(g, e->lhs, fixed), sql_operand(g, rhs->lhs, fixed), sql_operand(g, rhs->rhs, fixed)};
    char *text = xasprintf("(%s BETWEEN %s AND %s)", parts[0].text, parts[1].text, parts[2].text);
    return sql_strict(g, parts, 3, text);
}

static SqlExpr in_mask(Sql *g, const Expr *e)
{
    SqlExpr x = sql_expr(g, e->lhs), m = sql_expr(g, e->rhs);
    SqlBind b;
    sql_bind_open(g, &b);
    const char *xv = sql_bind_add(g, &b, x.text, x.simple);
    char *idx = e->lhs->type->kind == TY_ENUM ? enum_index(g, e->lhs->type->en, xv) : xstrdup(xv);
    char *body = mask_bit(g, m.text, idx);
    free(idx);
    SqlExpr parts[2] = {x, m};
    return sql_strict(g, parts, 2, sql_bind_close(g, &b, body));
}

static SqlExpr in_set(Sql *g, const Expr *e)
{
    const Expr *set = e->rhs;
    if (set->items.count == 0) return sql_value(xstrdup(sql_false(g)), false, true);
    bool text = e->lhs->type->kind == TY_TEXT;
    bool fixed = !text && (sql_is_fixed(e->lhs->type) || sql_is_fixed(set->type->elem));
    SqlExpr x = sql_operand(g, e->lhs, fixed);
    StrBuf sb = {0};
    sb_printf(&sb, "(%s IN (", x.text);
    bool fallible = x.fallible;
    for (size_t i = 0; i < set->items.count; i++) {
        SqlExpr it = sql_operand(g, set->items.items[i], fixed);   /* constants (check says so) */
        sb_printf(&sb, "%s%s", i ? ", " : "", it.text);
        fallible |= it.fallible;
        sql_expr_free(&it);
    }
    sb_puts(&sb, "))");
    sql_expr_free(&x);
    return sql_value(sb_take(&sb), fallible, false);
}

static SqlExpr in_expr(Sql *g, const Expr *e)
{
    SqlExpr r = e->rhs->kind == EX_RANGE ? in_range(g, e) : e->rhs->kind != EX_SET ? in_mask(g, e) : in_set(g, e);
    if (!e->negated) return r;
    char *t = xasprintf("(NOT %s)", r.text);
    free(r.text);
    r.text = t;
    r.simple = false;
    return r;
}

/* ---- dates --------------------------------------------------------------------------------------- */

#define DATE_LIMIT_SQL "4611686018427387903"

/* Part of a date expression: 'y' year, 'M' month*100+day, 'm' month, 'd' day. A date field has
 * its parts read with it; a constant's are worked out here; anything else is converted, after
 * the check the VM makes (|days| ≤ 2^62). */
static SqlExpr date_part(Sql *g, const Expr *e, char part)
{
    int64_t v;
    if (e->kind == EX_NAME && e->sym && e->sym->kind == SYM_FIELD) {
        char *name = xasprintf("%s#%s", e->sym->name, part == 'y' ? "y" : "md");
        char *col = sql_ident(g, name);
        free(name);
        if (part == 'm') { char *t = sql_idiv(g, col, "100"); free(col); col = t; }
        else if (part == 'd') { char *t = sql_imod(g, col, "100"); free(col); col = t; }
        return sql_value(col, false, part == 'y' || part == 'M');
    }
    bool constant = compile_fold(e, &v);
    if (!constant && e->kind == EX_NAME && e->sym && e->sym->kind == SYM_PARAM) {
        char *t = sql_param_value(g, e->sym, &v);
        free(t);
        constant = true;
    }
    if (constant && v >= -(1LL << 40) && v <= (1LL << 40)) {
        int64_t y;
        unsigned m, d;
        civil_from_days(v, &y, &m, &d);
        int64_t out = part == 'y' ? y : part == 'm' ? (int64_t)m : part == 'd' ? (int64_t)d : (int64_t)(m * 100 + d);
        return sql_value(sql_int(out), false, true);
    }
    SqlExpr z = sql_expr(g, e);
    SqlBind b;
    sql_bind_open(g, &b);
    const char *zv = sql_bind_add(g, &b, z.text, z.simple);
    char *civil = sql_civil(g, zv, part);
    char *body = xasprintf("CASE WHEN %s BETWEEN -" DATE_LIMIT_SQL " AND " DATE_LIMIT_SQL " THEN %s END", zv, civil);
    free(civil);
    sql_expr_free(&z);
    return sql_value(sql_bind_close(g, &b, body), true, false);
}

static SqlExpr years_between_sql(Sql *g, const Expr *from, const Expr *to)
{
    SqlExpr y1 = date_part(g, from, 'y'), md1 = date_part(g, from, 'M');
    SqlExpr y2 = date_part(g, to, 'y'), md2 = date_part(g, to, 'M');
    /* a 29 February birthday passes on 1 March in a common year: no date of such a year lies
     * between 02-29 and 03-01, so comparing month*100+day with 229 is comparing with 301 */
    char *t = xasprintf("(%s - %s - CASE WHEN %s < %s THEN 1 ELSE 0 END)", y2.text, y1.text, md2.text, md1.text);
    bool fallible = y1.fallible || y2.fallible || md1.fallible || md2.fallible;
    sql_expr_free(&y1); sql_expr_free(&md1); sql_expr_free(&y2); sql_expr_free(&md2);
    return sql_value(t, fallible, false);
}

/* ---- resident ids (GB 11643-1999, as base/resid.c reads them) ------------------------------------- */

static char *id_shape(Sql *g, const char *x)
{
    char *bytes = sql_byte_length(g, x);
    char *out = xasprintf("%s = 18", bytes);
    free(bytes);
    return out;
}

/* (y, m, d) is a calendar date (base/date.c date_valid). */
static char *date_valid_sql(const char *y, const char *m, const char *d)
{
    return xasprintf("(%s BETWEEN 1 AND 9999 AND %s BETWEEN 1 AND 12 AND %s >= 1 AND %s <= CASE WHEN %s = 2 THEN "
                     "CASE WHEN (%s %% 4 = 0 AND %s %% 100 <> 0) OR %s %% 400 = 0 THEN 29 ELSE 28 END "
                     "WHEN %s IN (4, 6, 9, 11) THEN 30 ELSE 31 END)", y, m, d, d, m, y, y, y, m);
}

/* Digits 7–14 of an id of 18 bytes: the birth date, or NULL. */
static char *id_birth_sql(Sql *g, const char *x)
{
    char *shape = id_shape(g, x), *digits = sql_all_digits(g, x, 7, 8), *v = sql_digits_value(g, x, 7, 8);
    char *y = sql_idiv(g, v, "10000"), *md = sql_idiv(g, v, "100");
    char *m = sql_imod(g, md, "100"), *d = sql_imod(g, v, "100");
    char *valid = date_valid_sql(y, m, d);
    char *Y = xasprintf("(%s - CASE WHEN %s <= 2 THEN 1 ELSE 0 END)", y, m);
    char *d4 = sql_idiv(g, Y, "4"), *d100 = sql_idiv(g, Y, "100"), *d400 = sql_idiv(g, Y, "400");
    char *mm = xasprintf("(153 * (%s + CASE WHEN %s > 2 THEN -3 ELSE 9 END) + 2)", m, m);
    char *doy = sql_idiv(g, mm, "5");
    char *out = xasprintf("CASE WHEN %s AND %s AND %s THEN 365 * %s + %s - %s + %s + %s + %s - 1 - 719468 END",
                          shape, digits, valid, Y, d4, d100, d400, doy, d);
    free(shape); free(digits); free(v); free(y); free(md); free(m); free(d); free(valid); free(Y); free(d4); free(d100);
    free(d400); free(mm); free(doy);
    return out;
}

/* Characters from..from+n-1 as a number, where the bytes before them are known to be ASCII
 * digits (so characters and bytes are the same there). */
static char *prefix_digits(const Sql *g, const char *x, int from, int n)
{
    if (g->opt.dialect == SQL_SQLITE) return sql_digits_value(g, x, from, n);
    return xasprintf("CAST(substr(%s, %d, %d) AS %s)", x, from, n, g->opt.dialect == SQL_SPARK ? "INT" : "INTEGER");
}

/* 18 bytes, the first 17 digits, a province 11..82, a calendar birth date, the check character. */
static char *valid_id_sql(Sql *g, const char *x)
{
    static const int weight[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    char *shape = id_shape(g, x), *digits = sql_all_digits(g, x, 1, 17);
    char *prov = prefix_digits(g, x, 1, 2), *v = prefix_digits(g, x, 7, 8);
    char *y = sql_idiv(g, v, "10000"), *md = sql_idiv(g, v, "100");
    char *m = sql_imod(g, md, "100"), *d = sql_imod(g, v, "100");
    char *valid = date_valid_sql(y, m, d);
    StrBuf sum = {0};
    for (int i = 0; i < 17; i++) {
        char *di = prefix_digits(g, x, i + 1, 1);   /* the first 17 bytes are digits here */
        sb_printf(&sum, "%s%s * %d", i ? " + " : "", di, weight[i]);
        free(di);
    }
    char *mod = sql_imod(g, sb_str(&sum), "11");
    char *check = xasprintf("substr('10X98765432', %s + 1, 1)", mod);
    char *last = sql_last_byte_is(g, x, check);
    char *out = xasprintf("CASE WHEN %s AND %s THEN (%s BETWEEN 11 AND 82 AND %s AND %s) ELSE %s END", shape, digits,
                          prov, valid, last, sql_false(g));
    free(shape); free(digits); free(prov); free(v); free(y); free(md); free(m); free(d); free(valid); free(mod);
    free(check); free(last);
    sb_free(&sum);
    return out;
}

static char *id_male_sql(Sql *g, const char *x)
{
    char *shape = id_shape(g, x), *ok = sql_all_digits(g, x, 17, 1), *d = sql_digits_value(g, x, 17, 1);
    char *m = sql_imod(g, d, "2");
    char *out = xasprintf("CASE WHEN %s AND %s THEN %s = 1 END", shape, ok, m);
    free(shape); free(ok); free(d); free(m);
    return out;
}

/* f(x) with x named once. */
static SqlExpr on_text(Sql *g, const Expr *arg, char *(*f)(Sql *, const char *), bool fallible)
{
    SqlExpr x = sql_expr(g, arg);
    SqlBind b;
    sql_bind_open(g, &b);
    const char *xv = sql_bind_add(g, &b, x.text, x.simple);
    char *body = sql_bind_close(g, &b, f(g, xv));
    SqlExpr parts[1] = {x};
    SqlExpr r = sql_strict(g, parts, 1, body);
    r.fallible |= fallible;
    return r;
}

/* ---- other built-ins -------------------------------------------------------------------------- */

static SqlExpr count_true(Sql *g, const Expr *e)
{
    StrBuf sb = {0};
    bool fallible = false;
    sb_putc(&sb, '(');
    for (size_t i = 0; i < e->items.count; i++) {
        SqlExpr a = sql_expr(g, e->items.items[i]);
        char *n = sql_bool_int(g, a.text);
        sb_printf(&sb, "%s%s", i ? " + " : "", n);
        fallible |= a.fallible;
        free(n);
        sql_expr_free(&a);
    }
    sb_putc(&sb, ')');
    return sql_value(sb_take(&sb), fallible, false);
}

static SqlExpr min_max(Sql *g, const Expr *e, bool min)
{
    bool fixed = sql_is_fixed(e->type);
    SqlExpr parts[2] = {sql_operand(g, e->items.items[0], fixed), sql_operand(g, e->items.items[1], fixed)};
    char *t;
    if (g->opt.dialect == SQL_SQLITE) t = xasprintf("%s(%s, %s)", min ? "min" : "max", parts[0].text, parts[1].text);
    else t = xasprintf("%s(%s, %s)", min ? "LEAST" : "GREATEST", parts[0].text, parts[1].text);
    return sql_strict(g, parts, 2, t);   /* LEAST and GREATEST pass over a NULL */
}

/* ceil, floor, round of a fixed-point value, to an int (base/fixed.c). */
static SqlExpr rounding(Sql *g, const Expr *arg, Func fn)
{
    SqlExpr x = sql_expr(g, arg);
    if (!sql_is_fixed(arg->type)) return x;
    if (g->opt.dialect == SQL_POSTGRES) {
        /* exact: the quotient has 4 decimals at most; round() rounds half away from zero */
        char *t = xasprintf("CAST(%s(CAST(%s AS NUMERIC) / 10000.0000) AS BIGINT)",
                            fn == FN_FLOOR ? "floor" : fn == FN_CEIL ? "ceil" : "round", x.text);
        SqlExpr out = sql_value(t, x.fallible, false);
        sql_expr_free(&x);
        return out;
    }
    SqlBind b;
    sql_bind_open(g, &b);
    const char *v = sql_bind_add(g, &b, x.text, x.simple);
    char *q = sql_idiv(g, v, "10000"), *r = sql_imod(g, v, "10000");
    char *body = fn == FN_FLOOR ? xasprintf("(%s - CASE WHEN %s < 0 THEN 1 ELSE 0 END)", q, r)
               : fn == FN_CEIL ? xasprintf("(%s + CASE WHEN %s > 0 THEN 1 ELSE 0 END)", q, r)
               : xasprintf("(%s + CASE WHEN %s >= 5000 THEN 1 WHEN %s <= -5000 THEN -1 ELSE 0 END)", q, r, r);
    free(q);
    free(r);
    SqlExpr out = sql_value(sql_bind_close(g, &b, body), x.fallible, false);
    sql_expr_free(&x);
    return out;
}

static SqlExpr abs_expr(Sql *g, const Expr *arg)
{
    SqlExpr x = sql_expr(g, arg);
    if (g->opt.dialect == SQL_POSTGRES) {
        SqlExpr zero = sql_value(xstrdup("0"), false, true);
        SqlExpr mag = sql_value(xasprintf("abs(CAST(%s AS NUMERIC))", x.text), x.fallible, false);
        sql_expr_free(&x);
        return sql_checked(g, '+', mag, zero);   /* |INT64_MIN| does not fit: NULL */
    }
    SqlBind b;
    sql_bind_open(g, &b);
    const char *v = sql_bind_add(g, &b, x.text, x.simple);
    /* |INT64_MIN| does not fit: the VM stops */
    char *body = xasprintf("CASE WHEN %s = (-9223372036854775807 - 1) THEN NULL ELSE abs(%s) END", v, v);
    SqlExpr out = sql_value(sql_bind_close(g, &b, body), true, false);
    sql_expr_free(&x);
    return out;
}

static SqlExpr call(Sql *g, const Expr *e)
{
    Expr *const *args = e->items.items;
    switch ((Func)e->sym->index) {
    case FN_YEARS_BETWEEN: return years_between_sql(g, args[0], args[1]);
    case FN_DAYS_BETWEEN: return sql_checked(g, '-', sql_expr(g, args[1]), sql_expr(g, args[0]));
    case FN_COUNT_TRUE: return count_true(g, e);
    case FN_VALID_RESIDENT_ID: return on_text(g, args[0], valid_id_sql, false);
    case FN_ID_BIRTH_DATE: return on_text(g, args[0], id_birth_sql, true);
    case FN_ID_MALE: return on_text(g, args[0], id_male_sql, true);
    case FN_MIN: case FN_MAX: return min_max(g, e, e->sym->index == FN_MIN);
    case FN_ABS: return abs_expr(g, args[0]);
    case FN_CEIL: case FN_FLOOR: case FN_ROUND: return rounding(g, args[0], (Func)e->sym->index);
    case FN_LEN: {
        SqlExpr x = sql_expr(g, args[0]);
        SqlExpr out = sql_value(sql_char_length(g, x.text), x.fallible, false);
        sql_expr_free(&x);
        return out;
    }
    case FN_YEAR_OF: return date_part(g, args[0], 'y');
    case FN_MONTH_OF: return date_part(g, args[0], 'm');
    case FN_DAY_OF: return date_part(g, args[0], 'd');
    case FN__COUNT: break;
    }
    sql_error(g, e->span, "the built-in '%s' has no SQL form in %s", e->name.text, sql_dialect_name(g->opt.dialect));
    return sql_value(xstrdup("NULL"), true, true);
}

/* ---- case, if, tables ------------------------------------------------------------------------------ */

static SqlExpr result_of(Sql *g, const Expr *res, const Type *want)
{
    return sql_operand(g, res, sql_is_fixed(want));
}

static void when_arm(Sql *g, StrBuf *sb, const Expr *cond, const Expr *res, const Type *want, bool *fallible)
{
    SqlExpr c = sql_expr(g, cond), r = result_of(g, res, want);
    if (c.fallible) sb_printf(sb, " WHEN %s IS NULL THEN NULL", c.text);
    sb_printf(sb, " WHEN %s THEN %s", c.text, r.text);
    *fallible |= c.fallible || r.fallible;
    sql_expr_free(&c);
    sql_expr_free(&r);
}

static SqlExpr case_expr(Sql *g, const Expr *e)
{
    StrBuf sb = {0};
    bool fallible = false;
    sb_puts(&sb, "CASE");
    if (e->kind == EX_IF) when_arm(g, &sb, e->cond, e->lhs, e->type, &fallible);
    else
        for (size_t i = 0; i < e->conds.count; i++) when_arm(g, &sb, e->conds.items[i], e->items.items[i], e->type, &fallible);
    SqlExpr r = result_of(g, e->rhs, e->type);
    sb_printf(&sb, " ELSE %s END", r.text);
    fallible |= r.fallible;
    sql_expr_free(&r);
    return sql_value(sb_take(&sb), fallible, false);
}

/* A per-enum table param indexed by an enum value: its value for that key (none for ''). */
static SqlExpr index_expr(Sql *g, const Expr *e)
{
    const Symbol *s = e->lhs->sym;
    if (e->lhs->kind != EX_NAME || !s || s->kind != SYM_PARAM || s->type->kind != TY_TABLE) {
        sql_error(g, e->span, "only a table param can be indexed");
        return sql_value(xstrdup("NULL"), true, true);
    }
    const ParamInfo *pi = &g->p->params[s->index];
    const EnumType *key = s->type->en;
    SqlExpr k = sql_expr(g, e->rhs);
    StrBuf sb = {0};
    sb_printf(&sb, "CASE %s", k.text);
    for (size_t i = 0; i < key->values.count; i++) {
        uint32_t reg = pi->reg + 1 + (uint32_t)i;
        int64_t v = g->regs ? g->regs[reg] : g->p->consts[reg].value;
        char *ks = sql_string(g, key->values.items[i].name.text), *vs = literal(g, s->type->elem, v);
        sb_printf(&sb, " WHEN %s THEN %s", ks, vs);
        free(ks);
        free(vs);
    }
    sb_puts(&sb, " END");
    sql_expr_free(&k);
    return sql_value(sb_take(&sb), true, false);
}

/* ---- the dispatcher --------------------------------------------------------------------------------- */

static SqlExpr unary(Sql *g, const Expr *e)
{
    SqlExpr x = sql_expr(g, e->lhs);
    if (e->op == UN_NOT) {
        SqlExpr r = sql_value(xasprintf("(NOT %s)", x.text), x.fallible, false);
        sql_expr_free(&x);
        return r;
    }
    return sql_checked(g, '-', sql_value(xstrdup("0"), false, true), x);
}

SqlExpr sql_expr(Sql *g, const Expr *e)
{
    int64_t v;
    if (e->kind != EX_NAME && e->kind != EX_TEXT && compile_fold(e, &v))
        return sql_value(literal(g, e->type, v), false, true);
    switch (e->kind) {
    case EX_TEXT: return sql_value(sql_string(g, e->v.s), false, true);
    case EX_NAME: return name_expr(g, e);
    case EX_UNARY: return unary(g, e);
    case EX_BINARY:
        switch (e->op) {
        case BIN_AND: case BIN_OR: return logic(g, e);
        case BIN_ADD: case BIN_SUB: case BIN_MUL: case BIN_DIV: return arith(g, e);
        default: return compare(g, e);
        }
    case EX_IN: return in_expr(g, e);
    case EX_CALL: return call(g, e);
    case EX_CASE: case EX_IF: return case_expr(g, e);
    case EX_INDEX: return index_expr(g, e);
    default: break;
    }
    sql_error(g, e->span, "this expression has no SQL form here");
    return sql_value(xstrdup("NULL"), true, true);
}
