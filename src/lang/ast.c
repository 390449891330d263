/* ast.c — node constructors (see ast.h). */
#include "ast.h"

Expr *ast_expr(Arena *a, ExprKind kind, Span span)
{
    Expr *e = arena_alloc(a, sizeof *e);
    e->kind = kind;
    e->span = span;
    e->enum_value = -1;
    return e;
}

Expr *ast_int(Arena *a, int64_t v, const char *lit, Span span)
{
    Expr *e = ast_expr(a, EX_INT, span);
    e->v.i = v;
    e->lit = lit;
    return e;
}

Expr *ast_binary(Arena *a, BinOp op, Expr *lhs, Expr *rhs, Span span)
{
    Expr *e = ast_expr(a, EX_BINARY, span);
    e->op = op;
    e->lhs = lhs;
    e->rhs = rhs;
    return e;
}

Expr *ast_unary(Arena *a, BinOp op, Expr *operand, Span span)
{
    Expr *e = ast_expr(a, EX_UNARY, span);
    e->op = op;
    e->lhs = operand;
    return e;
}

Expr *ast_in(Arena *a, Expr *lhs, Expr *rhs, bool negated, Span span)
{
    Expr *e = ast_expr(a, EX_IN, span);
    e->lhs = lhs;
    e->rhs = rhs;
    e->negated = negated;
    return e;
}

Expr *ast_range(Arena *a, Expr *lo, Expr *hi, Span span)
{
    Expr *e = ast_expr(a, EX_RANGE, span);
    e->lhs = lo;
    e->rhs = hi;
    return e;
}

Expr *ast_name(Arena *a, Name name)
{
    Expr *e = ast_expr(a, EX_NAME, name.span);
    e->name = name;
    return e;
}

Decl *ast_decl(Arena *a, DeclKind kind, Span span)
{
    Decl *d = arena_alloc(a, sizeof *d);
    d->kind = kind;
    d->span = span;
    return d;
}

TypeExpr *ast_type(Arena *a, TypeExprKind kind, Span span)
{
    TypeExpr *t = arena_alloc(a, sizeof *t);
    t->kind = kind;
    t->span = span;
    return t;
}

NameIndex *name_index_new(Arena *a, size_t n)
{
    NameIndex *ix = arena_alloc(a, sizeof *ix);
    strset_init_arena(&ix->names, a);
    ix->first = arena_alloc(a, (n + 1) * sizeof *ix->first);
    return ix;
}

int name_index_add(NameIndex *ix, const char *name, uint32_t pos)
{
    bool added;
    uint32_t id = strset_add(&ix->names, name, &added);
    if (!added) return (int)ix->first[id];
    ix->first[id] = pos;
    return -1;
}

int name_index_find(const NameIndex *ix, const char *name)
{
    uint32_t id = strset_find(&ix->names, name);
    return id == STRSET_NONE ? -1 : (int)ix->first[id];
}

const char *ast_op_text(BinOp op)
{
    static const char *const text[] = {
        [BIN_ADD] = "+", [BIN_SUB] = "-", [BIN_MUL] = "*", [BIN_DIV] = "/",
        [BIN_EQ] = "==", [BIN_NE] = "!=", [BIN_LT] = "<", [BIN_LE] = "<=",
        [BIN_GT] = ">", [BIN_GE] = ">=", [BIN_AND] = "and", [BIN_OR] = "or",
        [UN_NOT] = "not", [UN_NEG] = "-",
    };
    return text[op];
}

const char *ast_decl_kind_name(DeclKind k)
{
    static const char *const names[] = {
        [DECL_POLICY] = "policy", [DECL_ENUM] = "enum", [DECL_RECORD] = "record",
        [DECL_PARAM] = "param", [DECL_LET] = "let", [DECL_CATEGORY] = "category",
        [DECL_PLACEMENT] = "placement", [DECL_SCHEDULE] = "schedule",
        [DECL_CAPACITY] = "capacity", [DECL_TABLE] = "table", [DECL_EXAMPLE] = "example",
        [DECL_TEST] = "test", [DECL_NOTICE] = "notice",
    };
    return names[k];
}
