/* sql_dialect.c — what differs between the engines (see sql_int.h).
 *
 * Four engines, one set of helpers: PostgreSQL, SQLite, DuckDB and Spark SQL. Where they agree
 * (CASE, comparisons, string concatenation with ||) the other files write SQL directly; here
 * are the places they do not: quoting, integer division, the wide type that holds a product
 * of two int64 (PostgreSQL NUMERIC, DuckDB HUGEINT, Spark DECIMAL(38,0); SQLite has none and
 * turns an overflowing integer into a REAL, which typeof() tells), how an intermediate value
 * is given a name (a one-row derived table in a scalar subquery; a lambda on Spark, which has
 * no correlated derived tables), and how a stored value is read. */
#include "sql_int.h"
#include "base/fixed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INT64_MIN_SQL "(-9223372036854775807 - 1)"
#define INT64_RANGE "BETWEEN -9223372036854775808 AND 9223372036854775807"

bool sql_dialect_parse(const char *name, SqlDialect *out)
{
    static const struct { const char *name; SqlDialect d; } names[] = {
        {"postgres", SQL_POSTGRES}, {"postgresql", SQL_POSTGRES}, {"sqlite", SQL_SQLITE},
        {"duckdb", SQL_DUCKDB}, {"spark", SQL_SPARK}, {"spark-sql", SQL_SPARK},
    };
    for (size_t i = 0; name && i < sizeof names / sizeof *names; i++)
        if (!strcmp(name, names[i].name)) {
            *out = names[i].d;
            return true;
        }
    return false;
}

const char *sql_dialect_name(SqlDialect d)
{
    switch (d) {
    case SQL_POSTGRES: return "PostgreSQL";
    case SQL_SQLITE: return "SQLite";
    case SQL_DUCKDB: return "DuckDB";
    case SQL_SPARK: return "Spark SQL";
    }
    return "?";
}

/* ---- names and literals ------------------------------------------------------------------ */

char *sql_ident(const Sql *g, const char *name)
{
    char q = g->opt.dialect == SQL_SPARK ? '`' : '"';
    StrBuf sb = {0};
    sb_putc(&sb, q);
    for (const char *s = name; *s; s++) {
        if (*s == q) sb_putc(&sb, q);
        sb_putc(&sb, *s);
    }
    sb_putc(&sb, q);
    return sb_take(&sb);
}

char *sql_obj(const Sql *g, const char *name)
{
    char *full = xasprintf("%s%s", g->opt.prefix, name);
    char *q = sql_ident(g, full);
    free(full);
    return q;
}

char *sql_string(const Sql *g, const char *text)
{
    StrBuf sb = {0};
    sb_putc(&sb, '\'');
    for (const char *s = text; *s; s++) {
        /* Spark reads backslash escapes in literals and takes '' as two adjacent literals */
        if (g->opt.dialect == SQL_SPARK && (*s == '\\' || *s == '\'')) sb_putc(&sb, '\\');
        else if (*s == '\'') sb_putc(&sb, '\'');
        sb_putc(&sb, *s);
    }
    sb_putc(&sb, '\'');
    return sb_take(&sb);
}

char *sql_int(int64_t v)
{
    if (v == INT64_MIN) return xstrdup(INT64_MIN_SQL);
    return xasprintf(v < 0 ? "(%lld)" : "%lld", (long long)v);
}

const char *sql_true(const Sql *g) { (void)g; return "TRUE"; }
const char *sql_false(const Sql *g) { (void)g; return "FALSE"; }

/* ---- integer operations -------------------------------------------------------------------- */

char *sql_idiv(const Sql *g, const char *a, const char *b)
{
    switch (g->opt.dialect) {
    case SQL_DUCKDB: return xasprintf("((%s) // (%s))", a, b);
    case SQL_SPARK: return xasprintf("((%s) div (%s))", a, b);
    default: return xasprintf("((%s) / (%s))", a, b);
    }
}

char *sql_imod(const Sql *g, const char *a, const char *b)
{
    (void)g;
    return xasprintf("((%s) %% (%s))", a, b);
}

char *sql_bool_int(const Sql *g, const char *b)
{
    switch (g->opt.dialect) {
    case SQL_SQLITE: return xasprintf("(%s)", b);
    case SQL_SPARK: return xasprintf("CAST(%s AS INT)", b);
    default: return xasprintf("CAST(%s AS INTEGER)", b);
    }
}

char *sql_collate_bytes(const Sql *g, const char *text)
{
    if (g->opt.dialect == SQL_POSTGRES) return xasprintf("(%s COLLATE \"C\")", text);
    return xasprintf("(%s)", text);
}

char *sql_byte_length(const Sql *g, const char *text)
{
    switch (g->opt.dialect) {
    case SQL_SQLITE: return xasprintf("length(CAST(%s AS BLOB))", text);
    case SQL_DUCKDB: return xasprintf("strlen(%s)", text);
    default: return xasprintf("octet_length(%s)", text);
    }
}

char *sql_char_length(const Sql *g, const char *text)
{
    switch (g->opt.dialect) {
    case SQL_SQLITE: case SQL_DUCKDB: return xasprintf("length(%s)", text);
    default: return xasprintf("char_length(%s)", text);
    }
}

/* Bytes from..from+n-1 (1-based) of a text, as text, and whether they are all digits: the
 * resident-id built-ins read bytes, as base/resid.c does. SQLite casts a slice of the BLOB;
 * PostgreSQL slices the UTF-8 bytea; Spark slices the binary; DuckDB, which slices no BLOB,
 * reads the slice of its hex (a digit is 30..39). Only read as a number after sql_all_digits. */
static char *hex_slice(const char *text, int from, int n)
{
    return xasprintf("substr(hex(encode(%s)), %d, %d)", text, 2 * from - 1, 2 * n);
}

char *sql_bytes_text(const Sql *g, const char *text, int from, int n)
{
    switch (g->opt.dialect) {
    case SQL_SQLITE: return xasprintf("CAST(substr(CAST(%s AS BLOB), %d, %d) AS TEXT)", text, from, n);
    case SQL_POSTGRES: return xasprintf("encode(substring(convert_to(%s, 'UTF8') FROM %d FOR %d), 'escape')", text, from, n);
    case SQL_SPARK: return xasprintf("decode(substring(encode(%s, 'UTF-8'), %d, %d), 'UTF-8')", text, from, n);
    default: {
        char *h = hex_slice(text, from, n);
        char *out = xasprintf("regexp_replace(%s, '3([0-9])', '\\1', 'g')", h);
        free(h);
        return out;
    }
    }
}

char *sql_all_digits(const Sql *g, const char *text, int from, int n)
{
    if (from == 1 && g->opt.dialect != SQL_SQLITE) {
        /* the first n bytes are ASCII digits exactly when the first n characters are: no byte
         * of a longer character is a digit */
        switch (g->opt.dialect) {
        case SQL_POSTGRES: return xasprintf("(%s ~ '^[0-9]{%d}')", text, n);
        case SQL_DUCKDB: return xasprintf("regexp_matches(%s, '^[0-9]{%d}')", text, n);
        default: return xasprintf("(%s RLIKE '^[0-9]{%d}')", text, n);
        }
    }
    if (g->opt.dialect == SQL_DUCKDB) {
        char *h = hex_slice(text, from, n);
        char *out = xasprintf("regexp_full_match(%s, '(3[0-9]){%d}')", h, n);
        free(h);
        return out;
    }
    char *t = sql_bytes_text(g, text, from, n), *out;
    switch (g->opt.dialect) {
    case SQL_SQLITE: {
        StrBuf pat = {0};
        for (int i = 0; i < n; i++) sb_puts(&pat, "[0-9]");
        out = xasprintf("(%s GLOB '%s')", t, sb_str(&pat));
        sb_free(&pat);
        break;
    }
    case SQL_POSTGRES: out = xasprintf("(%s ~ '^[0-9]{%d}$')", t, n); break;
    default: out = xasprintf("(%s RLIKE '^[0-9]{%d}$')", t, n); break;
    }
    free(t);
    return out;
}

char *sql_digits_value(const Sql *g, const char *text, int from, int n)
{
    char *t = sql_bytes_text(g, text, from, n);
    char *out = xasprintf("CAST(%s AS %s)", t, g->opt.dialect == SQL_SPARK ? "INT" : "INTEGER");
    free(t);
    return out;
}

/* The 18th byte of text equals the one character `c` (an SQL text expression). */
char *sql_last_byte_is(const Sql *g, const char *text, const char *c)
{
    switch (g->opt.dialect) {
    case SQL_SQLITE: return xasprintf("substr(CAST(%s AS BLOB), 18, 1) = CAST(%s AS BLOB)", text, c);
    case SQL_POSTGRES: return xasprintf("get_byte(convert_to(%s, 'UTF8'), 17) = ascii(%s)", text, c);
    case SQL_SPARK: return xasprintf("substring(encode(%s, 'UTF-8'), 18, 1) = encode(%s, 'UTF-8')", text, c);
    default: return xasprintf("substr(hex(encode(%s)), 35, 2) = hex(%s)", text, c);
    }
}

char *sql_least(const Sql *g, const char *a, const char *b)
{
    if (g->opt.dialect == SQL_SQLITE) return xasprintf("min(%s, %s)", a, b);
    return xasprintf("LEAST(%s, %s)", a, b);
}

/* ---- binding a value to a name ------------------------------------------------------------ */

void sql_bind_open(Sql *g, SqlBind *b)
{
    memset(b, 0, sizeof *b);
    b->id = ++g->fresh;
}

const char *sql_bind_add(Sql *g, SqlBind *b, const char *value, bool simple)
{
    int k = b->n++;
    b->values[k] = xstrdup(value);
    /* PostgreSQL and DuckDB run a scalar subquery as a plan of its own for every row: a short
     * value is cheaper written twice than named */
    if ((g->opt.dialect == SQL_POSTGRES || g->opt.dialect == SQL_DUCKDB) && strlen(value) < 600) simple = true;
    b->simple[k] = simple;
    if (simple) {
        b->names[k] = xasprintf("(%s)", value);
        return b->names[k];
    }
    b->wrap = true;
    if (g->opt.dialect == SQL_SPARK) b->names[k] = xasprintf("b%d.v%d", b->id, k);
    else b->names[k] = xasprintf("b%d_v%d", b->id, k);
    return b->names[k];
}

char *sql_bind_close(Sql *g, SqlBind *b, char *body)
{
    char *out;
    if (!b->wrap) {
        out = body;
    } else {
        StrBuf sb = {0};
        if (g->opt.dialect == SQL_SPARK) {
            /* transform(array(named_struct('v0', x, ...)), bN -> body)[0] */
            sb_puts(&sb, "element_at(transform(array(named_struct(");
            for (int k = 0, first = 1; k < b->n; k++) {
                if (b->simple[k]) continue;
                sb_printf(&sb, "%s'v%d', %s", first ? "" : ", ", k, b->values[k]);
                first = 0;
            }
            sb_printf(&sb, ")), b%d -> %s), 1)", b->id, body);
        } else {
            sb_printf(&sb, "(SELECT %s FROM (SELECT ", body);
            for (int k = 0, first = 1; k < b->n; k++) {
                if (b->simple[k]) continue;
                sb_printf(&sb, "%s%s AS %s", first ? "" : ", ", b->values[k], b->names[k]);
                first = 0;
            }
            sb_printf(&sb, ") AS b%d)", b->id);
        }
        out = sb_take(&sb);
        free(body);
        g->bound = true;
    }
    for (int k = 0; k < b->n; k++) {
        free(b->names[k]);
        free(b->values[k]);
    }
    return out;
}

/* ---- checked arithmetic --------------------------------------------------------------------- */

/* A value of the wide type (exact for a product of two int64). */
static char *wide(const Sql *g, const char *v)
{
    switch (g->opt.dialect) {
    case SQL_POSTGRES: return xasprintf("CAST(%s AS NUMERIC)", v);
    case SQL_DUCKDB: return xasprintf("CAST(%s AS HUGEINT)", v);
    case SQL_SPARK: return xasprintf("CAST(%s AS DECIMAL(38,0))", v);
    default: return xasprintf("(%s)", v);
    }
}

/* v (a wide value, or on SQLite an integer that may have turned REAL) back to int64, NULL when
 * it does not fit. The wide engines clamp v just outside the int64 range and turn the two
 * clamped values into NULL, so v is computed once (GREATEST and LEAST pass over a NULL; it
 * becomes the lower clamp and so NULL again). */
static char *narrow(Sql *g, char *v, bool simple)
{
    g->bound = true;   /* arithmetic: its layer is computed once (sql_person.c) */
    if (g->opt.dialect != SQL_SQLITE) {
        char *out = xasprintf("CAST(NULLIF(NULLIF(LEAST(GREATEST(%s, -9223372036854775809), 9223372036854775808), "
                              "9223372036854775808), -9223372036854775809) AS BIGINT)", v);
        free(v);
        return out;
    }
    SqlBind b;
    sql_bind_open(g, &b);
    const char *x = sql_bind_add(g, &b, v, simple);
    char *body = xasprintf("CASE WHEN typeof(%s) = 'integer' THEN %s END", x, x);
    free(v);
    return sql_bind_close(g, &b, body);
}

SqlExpr sql_checked(Sql *g, char op, SqlExpr a, SqlExpr b)
{
    char *wa = wide(g, a.text);
    char *v = xasprintf("(%s %c %s)", wa, op, b.text);
    free(wa);
    SqlExpr r = sql_value(narrow(g, v, false), true, false);
    sql_expr_free(&a);
    sql_expr_free(&b);
    return r;
}

/* n / d rounded half away from zero, for wide n and d (d != 0), written with the names:
 * the truncated quotient, and one more away from zero when the remainder is half of d or more. */
static char *round_div(const Sql *g, const char *n, const char *d)
{
    char *q;
    if (g->opt.dialect == SQL_POSTGRES) q = xasprintf("div(%s, %s)", n, d);
    else if (g->opt.dialect == SQL_SPARK) q = xasprintf("CAST((%s - %s %% %s) / %s AS DECIMAL(38,0))", n, n, d, d);
    else q = sql_idiv(g, n, d);   /* DuckDB on HUGEINT, SQLite on int64 */
    /* 2|r| ≥ |d| written with non-positive magnitudes, which always fit: -|r| ≤ -|d| + |r| */
    char *r = sql_imod(g, n, d);
    char *out = xasprintf("(%s + CASE WHEN -abs(%s) <= CASE WHEN %s > 0 THEN -%s ELSE %s END + abs(%s) "
                          "THEN (CASE WHEN (%s < 0) = (%s < 0) THEN 1 ELSE -1 END) ELSE 0 END)", q, r, d, d, d, r, n, d);
    free(r);
    free(q);
    return out;
}

/* SQLite has no type wider than int64: a × b / 10^4 is split so every partial product fits
 * whenever the result does (a = ah·10^4 + al, b = bh·10^4 + bl, all parts of one sign):
 * ah·b + al·bh + round(al·bl / 10^4). An overflow in the sum turns it REAL, and narrow() says so. */
static char *sqlite_mulf(Sql *g, const char *a, const char *b)
{
    char *ah = sql_idiv(g, a, "10000"), *al = sql_imod(g, a, "10000");
    char *bh = sql_idiv(g, b, "10000"), *bl = sql_imod(g, b, "10000");
    char *f = xasprintf("(%s * %s)", al, bl);
    char *r = round_div(g, f, "10000");
    char *sum = xasprintf("(%s * %s + %s * %s + %s)", ah, b, al, bh, r);
    free(ah); free(al); free(bh); free(bl); free(f); free(r);
    return sum;
}

SqlExpr sql_mulf(Sql *g, SqlExpr a, SqlExpr b)
{
    if (g->opt.dialect == SQL_POSTGRES) {
        /* a dividend of scale 4 makes NUMERIC divide exactly (the quotient has 4 decimals at most);
         * round() on NUMERIC rounds half away from zero */
        char *v = xasprintf("round((CAST(%s AS NUMERIC) * %s) / 10000.0000)", a.text, b.text);
        SqlExpr r = sql_value(narrow(g, v, false), true, false);
        sql_expr_free(&a);
        sql_expr_free(&b);
        return r;
    }
    SqlBind bd;
    sql_bind_open(g, &bd);
    char *body;
    if (g->opt.dialect == SQL_SQLITE) {
        const char *x = sql_bind_add(g, &bd, a.text, a.simple), *y = sql_bind_add(g, &bd, b.text, b.simple);
        body = narrow(g, sqlite_mulf(g, x, y), false);
    } else {
        char *wa = wide(g, a.text);
        char *prod = xasprintf("(%s * %s)", wa, b.text);
        free(wa);
        const char *n = sql_bind_add(g, &bd, prod, false);
        free(prod);
        body = narrow(g, round_div(g, n, "10000"), false);
    }
    SqlExpr r = sql_value(sql_bind_close(g, &bd, body), true, false);
    sql_expr_free(&a);
    sql_expr_free(&b);
    return r;
}

/* SQLite: a × 10^4 must fit in int64 (for a number, |a| below 92,233,720,368,547.58); past that
 * the quotient is NULL, so the person goes to review where the VM would still compute it. */
SqlExpr sql_divf(Sql *g, SqlExpr a, SqlExpr b)
{
    if (g->opt.dialect == SQL_POSTGRES) {
        /* 20 decimals: a quotient of int64s is at least 1/(2|b|) ≥ 5.4e-20 from a half, so the
         * one rounding NUMERIC makes cannot move it across; NULLIF turns a zero divisor to NULL */
        char *v = xasprintf("round((CAST(%s AS NUMERIC) * 10000) / (NULLIF(CAST(%s AS NUMERIC), 0) + 0.00000000000000000000))",
                            a.text, b.text);
        SqlExpr r = sql_value(narrow(g, v, false), true, false);
        sql_expr_free(&a);
        sql_expr_free(&b);
        return r;
    }
    SqlBind bd;
    sql_bind_open(g, &bd);
    char *wa = wide(g, a.text);
    char *n = xasprintf("(%s * 10000)", wa);
    free(wa);
    char *wb = wide(g, b.text);
    const char *x = sql_bind_add(g, &bd, n, false), *y = sql_bind_add(g, &bd, wb, b.simple && g->opt.dialect == SQL_SQLITE);
    free(n);
    free(wb);
    char *q = round_div(g, x, y);
    char *guarded;
    if (g->opt.dialect == SQL_SQLITE)
        guarded = xasprintf("CASE WHEN %s = 0 OR typeof(%s) <> 'integer' THEN NULL ELSE %s END", y, x, q);
    else
        guarded = xasprintf("CASE WHEN %s = 0 THEN NULL ELSE %s END", y, q);
    free(q);
    char *body = narrow(g, guarded, false);
    SqlExpr r = sql_value(sql_bind_close(g, &bd, body), true, false);
    sql_expr_free(&a);
    sql_expr_free(&b);
    return r;
}

/* ---- reading stored values -------------------------------------------------------------------- */

/* Day number of (y, m, d), y ≥ 1: Hinnant's days_from_civil for non-negative years. */
static char *days_from_ymd(const Sql *g, const char *y, const char *m, const char *d)
{
    char *Y = xasprintf("(%s - CASE WHEN %s <= 2 THEN 1 ELSE 0 END)", y, m);
    char *d4 = sql_idiv(g, Y, "4"), *d100 = sql_idiv(g, Y, "100"), *d400 = sql_idiv(g, Y, "400");
    char *mm = xasprintf("(153 * (%s + CASE WHEN %s > 2 THEN -3 ELSE 9 END) + 2)", m, m);
    char *doy = sql_idiv(g, mm, "5");
    char *out = xasprintf("(365 * %s + %s - %s + %s + %s + %s - 1 - 719468)", Y, d4, d100, d400, doy, d);
    free(Y); free(d4); free(d100); free(d400); free(mm); free(doy);
    return out;
}

/* SQLite: the YYYY-MM-DD text doudi import stores, checked to be a calendar date. */
static char *sqlite_date_ok(const char *col)
{
    return xasprintf("(%s GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND "
                     "CAST(substr(%s, 1, 4) AS INTEGER) >= 1 AND CAST(substr(%s, 6, 2) AS INTEGER) BETWEEN 1 AND 12 AND "
                     "CAST(substr(%s, 9, 2) AS INTEGER) BETWEEN 1 AND CASE CAST(substr(%s, 6, 2) AS INTEGER) "
                     "WHEN 2 THEN CASE WHEN (CAST(substr(%s, 1, 4) AS INTEGER) %% 4 = 0 AND CAST(substr(%s, 1, 4) AS INTEGER) %% 100 <> 0) "
                     "OR CAST(substr(%s, 1, 4) AS INTEGER) %% 400 = 0 THEN 29 ELSE 28 END "
                     "WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30 WHEN 11 THEN 30 ELSE 31 END)",
                     col, col, col, col, col, col, col, col);
}

static char *typed_date(const Sql *g, const char *col)
{
    if (g->opt.dialect == SQL_DUCKDB) return xasprintf("TRY_CAST(%s AS DATE)", col);
    return xasprintf("CAST(%s AS DATE)", col);
}

char *sql_decode_date(const Sql *g, const char *col)
{
    char *t, *out;
    switch (g->opt.dialect) {
    case SQL_SQLITE: {
        char *ok = sqlite_date_ok(col);
        char *y = xasprintf("CAST(substr(%s, 1, 4) AS INTEGER)", col), *m = xasprintf("CAST(substr(%s, 6, 2) AS INTEGER)", col);
        char *d = xasprintf("CAST(substr(%s, 9, 2) AS INTEGER)", col);
        char *days = days_from_ymd(g, y, m, d);
        out = xasprintf("CASE WHEN %s THEN %s END", ok, days);
        free(ok); free(y); free(m); free(d); free(days);
        return out;
    }
    case SQL_POSTGRES:
        t = typed_date(g, col);
        out = xasprintf("CAST(%s - DATE '1970-01-01' AS BIGINT)", t);
        break;
    case SQL_DUCKDB:
        t = typed_date(g, col);
        out = xasprintf("date_diff('day', DATE '1970-01-01', %s)", t);
        break;
    default:
        t = typed_date(g, col);
        out = xasprintf("CAST(datediff(%s, DATE '1970-01-01') AS BIGINT)", t);
        break;
    }
    free(t);
    return out;
}

char *sql_decode_date_part(const Sql *g, const char *col, char part)
{
    if (g->opt.dialect == SQL_SQLITE) {
        if (part == 'y') return xasprintf("CAST(substr(%s, 1, 4) AS INTEGER)", col);
        return xasprintf("(CAST(substr(%s, 6, 2) AS INTEGER) * 100 + CAST(substr(%s, 9, 2) AS INTEGER))", col, col);
    }
    char *t = typed_date(g, col), *out;
    if (g->opt.dialect == SQL_POSTGRES) {
        /* date_part gives a double, exact for these small integers, and is faster than EXTRACT's NUMERIC */
        if (part == 'y') out = xasprintf("CAST(date_part('year', %s) AS BIGINT)", t);
        else out = xasprintf("CAST(date_part('month', %s) * 100 + date_part('day', %s) AS BIGINT)", t, t);
    } else {
        if (part == 'y') out = xasprintf("CAST(year(%s) AS BIGINT)", t);
        else out = xasprintf("CAST(month(%s) * 100 + day(%s) AS BIGINT)", t, t);
    }
    free(t);
    return out;
}

/* A number ("1.5") or percent ("30%", or a fraction "0.3") as doudi import stores it, in
 * units of 10^-4. SQLite reads the digits (no REAL in between); the others go through an
 * exact decimal type. */
char *sql_decode_fixed(const Sql *g, const char *col, bool percent)
{
    if (g->opt.dialect == SQL_SQLITE) {
        char *t = xasprintf("CAST(%s AS TEXT)", col);
        char *body = percent ? xasprintf("rtrim(%s, '%%')", t) : xstrdup(t);
        char *mag = xasprintf("ltrim(%s, '+-')", body);
        char *dot = xasprintf("instr(%s || '.', '.')", mag);
        char *ip = xasprintf("CAST(substr(%s, 1, %s - 1) AS INTEGER)", mag, dot);
        char *f4 = xasprintf("CAST(substr(substr(%s, %s + 1) || '0000', 1, 4) AS INTEGER)", mag, dot);
        char *f2 = xasprintf("CAST(substr(substr(%s, %s + 1) || '00', 1, 2) AS INTEGER)", mag, dot);
        char *sign = xasprintf("CASE WHEN substr(%s, 1, 1) = '-' THEN -1 ELSE 1 END", body);
        char *out;
        if (percent)
            out = xasprintf("CASE WHEN %s IS NULL THEN NULL WHEN substr(%s, -1) = '%%' THEN (%s) * %s * 10000 + (%s) * %s * 100 "
                            "ELSE (%s) * %s * 10000 + (%s) * %s END", col, t, sign, ip, sign, f2, sign, ip, sign, f4);
        else   /* signed parts added: the most negative number fits, its magnitude would not */
            out = xasprintf("CASE WHEN %s IS NULL THEN NULL ELSE (%s) * %s * 10000 + (%s) * %s END", col, sign, ip, sign, f4);
        free(t); free(body); free(mag); free(dot); free(ip); free(f4); free(f2); free(sign);
        return out;
    }
    const char *num = g->opt.dialect == SQL_POSTGRES ? "NUMERIC" : "DECIMAL(38,4)";
    const char *cast = g->opt.dialect == SQL_DUCKDB ? "TRY_CAST" : "CAST";
    const char *text = g->opt.dialect == SQL_SPARK ? "STRING" : "TEXT";
    if (!percent) return xasprintf("CAST(%s(CAST(%s AS %s) AS %s) * 10000 AS BIGINT)", cast, col, text, num);
    return xasprintf("CAST(%s(TRIM(TRAILING '%%' FROM CAST(%s AS %s)) AS %s) * CASE WHEN right(CAST(%s AS %s), 1) = '%%' "
                     "THEN 100 ELSE 10000 END AS BIGINT)", cast, col, text, num, col, text);
}

char *sql_decode_bool(const Sql *g, const char *col)
{
    if (g->opt.dialect == SQL_SQLITE) return xasprintf("(%s <> 0)", col);
    return xasprintf("(CAST(%s AS %s) <> 0)", col, g->opt.dialect == SQL_SPARK ? "INT" : "INTEGER");
}

char *sql_decode_text(const Sql *g, const char *col)
{
    if (g->opt.dialect == SQL_SQLITE) return xstrdup(col);
    return xasprintf("CAST(%s AS %s)", col, g->opt.dialect == SQL_SPARK ? "STRING" : "TEXT");
}

/* ---- civil dates of computed day numbers -------------------------------------------------------- */

/* Hinnant's civil_from_days, each step a named value; part 'y', 'M' (month*100+day), 'm', 'd'.
 * Exact for every day number the VM accepts (|days| ≤ 2^62), with C's truncating division. */
char *sql_civil(Sql *g, const char *days, char part)
{
    if (g->opt.dialect == SQL_SPARK || g->opt.dialect == SQL_POSTGRES) {
        /* their own calendars, proleptic Gregorian: Spark's years -290308..294247; PostgreSQL's
         * 4713 BC..5874897 AD (a day number beyond ±2^31 stops the script with an error) */
        char *dt = g->opt.dialect == SQL_SPARK ? xasprintf("date_add(DATE '1970-01-01', CAST(%s AS INT))", days)
                                                : xasprintf("(DATE '1970-01-01' + CAST(%s AS INTEGER))", days);
        if (g->opt.dialect == SQL_POSTGRES) {
            char *out = part == 'y' ? xasprintf("CAST(EXTRACT(YEAR FROM %s) AS BIGINT)", dt)
                      : part == 'm' ? xasprintf("CAST(EXTRACT(MONTH FROM %s) AS BIGINT)", dt)
                      : part == 'd' ? xasprintf("CAST(EXTRACT(DAY FROM %s) AS BIGINT)", dt)
                      : xasprintf("CAST(EXTRACT(MONTH FROM %s) * 100 + EXTRACT(DAY FROM %s) AS BIGINT)", dt, dt);
            free(dt);
            return out;
        }
        char *out = part == 'y' ? xasprintf("CAST(year(%s) AS BIGINT)", dt)
                  : part == 'm' ? xasprintf("CAST(month(%s) AS BIGINT)", dt)
                  : part == 'd' ? xasprintf("CAST(day(%s) AS BIGINT)", dt)
                  : xasprintf("CAST(month(%s) * 100 + day(%s) AS BIGINT)", dt, dt);
        free(dt);
        return out;
    }
    /* one bound name per step: a step reads the steps before it */
    SqlBind b[6];
    int nb = 0;
    char *zz = xasprintf("(%s + 719468)", days);
    sql_bind_open(g, &b[nb]);
    const char *z = sql_bind_add(g, &b[nb++], zz, false);
    char *neg = xasprintf("(CASE WHEN %s >= 0 THEN %s ELSE %s - 146096 END)", z, z, z);
    char *era_v = sql_idiv(g, neg, "146097");
    sql_bind_open(g, &b[nb]);
    const char *era = sql_bind_add(g, &b[nb++], era_v, false);
    char *doe_v = xasprintf("(%s - %s * 146097)", z, era);
    sql_bind_open(g, &b[nb]);
    const char *doe = sql_bind_add(g, &b[nb++], doe_v, false);
    char *t1 = sql_idiv(g, doe, "1460"), *t2 = sql_idiv(g, doe, "36524"), *t3 = sql_idiv(g, doe, "146096");
    char *inner = xasprintf("(%s - %s + %s - %s)", doe, t1, t2, t3);
    char *yoe_v = sql_idiv(g, inner, "365");
    sql_bind_open(g, &b[nb]);
    const char *yoe = sql_bind_add(g, &b[nb++], yoe_v, false);
    char *y4 = sql_idiv(g, yoe, "4"), *y100 = sql_idiv(g, yoe, "100");
    char *doy_v = xasprintf("(%s - (365 * %s + %s - %s))", doe, yoe, y4, y100);
    sql_bind_open(g, &b[nb]);
    const char *doy = sql_bind_add(g, &b[nb++], doy_v, false);
    char *mp_in = xasprintf("(5 * %s + 2)", doy);
    char *mp_v = sql_idiv(g, mp_in, "153");
    sql_bind_open(g, &b[nb]);
    const char *mp = sql_bind_add(g, &b[nb++], mp_v, false);
    char *dd_in = xasprintf("(153 * %s + 2)", mp);
    char *dd5 = sql_idiv(g, dd_in, "5");
    char *d = xasprintf("(%s - %s + 1)", doy, dd5);
    char *m = xasprintf("(CASE WHEN %s < 10 THEN %s + 3 ELSE %s - 9 END)", mp, mp, mp);
    char *body;
    if (part == 'y') body = xasprintf("(%s + %s * 400 + CASE WHEN %s <= 2 THEN 1 ELSE 0 END)", yoe, era, m);
    else if (part == 'm') body = xstrdup(m);
    else if (part == 'd') body = xstrdup(d);
    else body = xasprintf("(%s * 100 + %s)", m, d);
    free(zz); free(neg); free(era_v); free(doe_v); free(t1); free(t2); free(t3); free(inner); free(yoe_v);
    free(y4); free(y100); free(doy_v); free(mp_in); free(mp_v); free(dd_in); free(dd5); free(d); free(m);
    while (nb > 0) body = sql_bind_close(g, &b[--nb], body);
    return body;
}

/* ---- statements ----------------------------------------------------------------------------------- */

void sql_drop(Sql *g, const char *obj, bool view)
{
    char *o = sql_obj(g, obj);
    if (g->opt.dialect == SQL_SPARK) sb_printf(&g->out, "DROP VIEW IF EXISTS %s;\n", o);
    else sb_printf(&g->out, "DROP %s IF EXISTS %s;\n", view ? "VIEW" : "TABLE", o);
    free(o);
}

/* Spark builds temporary views (cached once built); the others tables. */
void sql_create_begin(Sql *g, const char *obj)
{
    char *o = sql_obj(g, obj);
    if (g->opt.dialect == SQL_SPARK) sb_printf(&g->out, "CREATE OR REPLACE TEMPORARY VIEW %s AS\n", o);
    else sb_printf(&g->out, "CREATE TABLE %s AS\n", o);
    free(o);
}

void sql_create_end(Sql *g, const char *obj)
{
    sb_puts(&g->out, ";\n");
    if (g->opt.dialect == SQL_SPARK) {
        char *o = sql_obj(g, obj);
        sb_printf(&g->out, "CACHE TABLE %s;\n", o);
        free(o);
    }
    sb_putc(&g->out, '\n');
}
