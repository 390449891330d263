/* sql_int.h — what the SQL back end's files share (sql.h is its interface).
 *
 * sql_dialect.c knows the engines: identifiers, literals, integer division, how a stored value
 * is read, how an intermediate value is named (a one-row derived table, or a lambda on Spark),
 * and arithmetic that gives NULL where the VM stops on overflow. sql_expr.c translates typed
 * expressions on top of that. sql_person.c lays out the per-person evaluation (fields, lets,
 * categories, placement, the targets' keys and form conditions), sql_plan.c the schedule, the
 * results, the capacity plan and the forms, and sql.c assembles the script.
 *
 * The one convention every file keeps: in the SQL, NULL means "the VM would have stopped
 * here" — a value the rules do not accept, an overflow, a malformed id. No value the VM
 * computes is NULL (text defaults are '', "no placement" is ''), so the script sends a person
 * to review exactly when a value the VM would have computed for them is NULL. */
#ifndef DOUDI_SQL_INT_H
#define DOUDI_SQL_INT_H

#include "sql.h"

/* A translated expression. */
typedef struct SqlExpr {
    char *text;                /* malloc'd SQL */
    bool fallible;             /* may be NULL (the VM would stop the record) */
    bool simple;               /* a column or a literal: cheap to write twice */
} SqlExpr;

/* What a let or category column is like, by its index in Rules. */
typedef struct SqlColumn {
    bool fallible;
    int depth;                 /* layer of the per-person query it is computed in (1 = first) */
} SqlColumn;

typedef struct Sql {
    const Rules *r;
    const Program *p;
    const int64_t *regs;       /* params' values (the Program's constants when NULL) */
    SqlOptions opt;
    DiagList *dl;
    bool failed;
    int fresh;                 /* counter for bound names */
    SqlColumn *lets, *cats;    /* by index */
    StrBuf out;                /* the script */
    int ncols;                 /* columns written in the SELECT being written */
    StrBuf pending;            /* comment lines to write before its next column */
    size_t layer_at;           /* where the layer being written starts in out */
    bool bound;                /* it holds a named value (a subquery) */
} Sql;

/* ---- diagnostics (sql.c) ---- */
void sql_error(Sql *g, Span at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- the engines (sql_dialect.c) ---- */
char *sql_ident(const Sql *g, const char *name);                  /* "name" or `name` */
char *sql_obj(const Sql *g, const char *name);                    /* prefix + name, quoted */
char *sql_string(const Sql *g, const char *text);                 /* a string literal */
char *sql_int(int64_t v);                                         /* a bigint literal */
const char *sql_true(const Sql *g);
const char *sql_false(const Sql *g);
char *sql_idiv(const Sql *g, const char *a, const char *b);       /* truncating, as C */
char *sql_imod(const Sql *g, const char *a, const char *b);       /* sign of a, as C */
char *sql_bool_int(const Sql *g, const char *b);                  /* 0/1 */
char *sql_collate_bytes(const Sql *g, const char *text);          /* text ordered by bytes */
char *sql_byte_length(const Sql *g, const char *text);
char *sql_char_length(const Sql *g, const char *text);
char *sql_bytes_text(const Sql *g, const char *text, int from, int n);  /* bytes as text */
char *sql_all_digits(const Sql *g, const char *text, int from, int n);  /* those bytes are digits */
char *sql_digits_value(const Sql *g, const char *text, int from, int n);/* ... read as a number */
char *sql_last_byte_is(const Sql *g, const char *text, const char *c);  /* byte 18 is char c */
char *sql_least(const Sql *g, const char *a, const char *b);
/* A binding: value is computed once and named; body refers to it by *name. Write the body
 * with the name sql_bind_name gave, then sql_bind_close wraps it. A simple value is its own
 * name (nothing is wrapped). */
typedef struct SqlBind {
    int n;
    char *names[3];
    char *values[3];
    bool simple[3];
    bool wrap;
    int id;
} SqlBind;
void sql_bind_open(Sql *g, SqlBind *b);
const char *sql_bind_add(Sql *g, SqlBind *b, const char *value, bool simple);
char *sql_bind_close(Sql *g, SqlBind *b, char *body);            /* takes body */
/* Checked arithmetic: NULL where the VM stops (overflow, division by zero). */
SqlExpr sql_checked(Sql *g, char op, SqlExpr a, SqlExpr b);      /* + - * on int64; takes a, b */
SqlExpr sql_mulf(Sql *g, SqlExpr a, SqlExpr b);                  /* a*b/10^4 rounded half away */
SqlExpr sql_divf(Sql *g, SqlExpr a, SqlExpr b);                  /* a*10^4/b rounded half away */
/* Stored values of the record tables, decoded as the run decodes them; NULL when unusable. */
char *sql_decode_date(const Sql *g, const char *col);            /* day number */
char *sql_decode_date_part(const Sql *g, const char *col, char part);   /* 'y', 'm', 'd' */
char *sql_decode_fixed(const Sql *g, const char *col, bool percent);
char *sql_decode_bool(const Sql *g, const char *col);
char *sql_decode_text(const Sql *g, const char *col);
/* The civil date of a day number: 'y' year, 'M' month*100+day, 'm' month, 'd' day. */
char *sql_civil(Sql *g, const char *days, char part);
/* Statements */
void sql_drop(Sql *g, const char *obj, bool view);
void sql_create_begin(Sql *g, const char *obj);                  /* CREATE TABLE obj AS */
void sql_create_end(Sql *g, const char *obj);

/* ---- expressions (sql_expr.c) ---- */
SqlExpr sql_expr(Sql *g, const Expr *e);
/* e's value in fixed point when `fixed` and e is an int (I2F, checked). */
SqlExpr sql_operand(Sql *g, const Expr *e, bool fixed);
/* A condition whose NULL is an error: `CASE WHEN c IS NULL ...` helpers. */
SqlExpr sql_value(char *text, bool fallible, bool simple);
void sql_expr_free(SqlExpr *e);
char *sql_param_value(Sql *g, const Symbol *s, int64_t *v);     /* a param's literal */
bool sql_is_fixed(const Type *t);
/* SQL that is NULL when any of the fallible ones is NULL, else `text`. */
SqlExpr sql_strict(Sql *g, SqlExpr *parts, size_t n, char *text);

/* ---- the per-person evaluation (sql_person.c) ---- */
void sql_person(Sql *g);
void sql_institution(Sql *g);
/* Column names the other phases read. */
#define COL_REVIEW "#review"
#define COL_KEY "#key"
#define COL_TARGET "#target"
#define COL_PRIMARY "#primary"
#define COL_CATEGORIES "#categories"
#define COL_MASK "#mask"
#define COL_COUNT "#count"
#define COL_BRANCH "#branch"
#define COL_PLACEMENT "#placement"
#define COL_FILTER "#filter"

/* ---- the engine phases (sql_plan.c) ---- */
void sql_schedule(Sql *g);
void sql_results(Sql *g);
void sql_capacity(Sql *g);
void sql_forms(Sql *g);
/* The name of a form cell's condition column: "#attachment1 row tekun". */
char *sql_cell_column(const char *form, const char *what, const char *name);
/* The partition value of a record's field (text as is; an enum's code when it has codes, else its
 * identifier, as program_partition_key), or '' when field < 0. */
char *sql_partition(Sql *g, const RecordInfo *ri, int32_t field);

#endif
