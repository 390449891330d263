/* types.c — the types of the rule language, and constant folding over them (see types.h).
 *
 * Folding lives with the types because it is their arithmetic: an int, a fixed-point number,
 * a bit mask of enum values, each with the VM's rules for overflow and rounding (base/fixed.h),
 * so a constant is folded to exactly what the VM would compute, or reported where it cannot be. */
#include "types.h"

#include <string.h>

Type type_error = {TY_ERROR, NULL, NULL};
Type type_int = {TY_INT, NULL, NULL};
Type type_number = {TY_NUMBER, NULL, NULL};
Type type_percent = {TY_PERCENT, NULL, NULL};
Type type_bool = {TY_BOOL, NULL, NULL};
Type type_text = {TY_TEXT, NULL, NULL};
Type type_date = {TY_DATE, NULL, NULL};

Type *type_enum(Arena *a, EnumType *en)
{
    Type *t = arena_alloc(a, sizeof *t);
    t->kind = TY_ENUM;
    t->en = en;
    return t;
}

Type *type_set(Arena *a, Type *elem)
{
    Type *t = arena_alloc(a, sizeof *t);
    t->kind = TY_SET;
    t->elem = elem;
    return t;
}

Type *type_table(Arena *a, Type *elem, EnumType *key)
{
    Type *t = arena_alloc(a, sizeof *t);
    t->kind = TY_TABLE;
    t->elem = elem;
    t->en = key;
    return t;
}

bool type_equal(const Type *a, const Type *b)
{
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case TY_ENUM: return a->en == b->en;
    case TY_SET: return type_equal(a->elem, b->elem);
    case TY_TABLE: return a->en == b->en && type_equal(a->elem, b->elem);
    default: return true;
    }
}

bool type_is_numeric(const Type *t)
{
    return t->kind == TY_INT || t->kind == TY_NUMBER || t->kind == TY_PERCENT;
}

const char *type_name(Arena *a, const Type *t)
{
    switch (t->kind) {
    case TY_ERROR: return "<error>";
    case TY_INT: return "int";
    case TY_NUMBER: return "number";
    case TY_PERCENT: return "percent";
    case TY_BOOL: return "bool";
    case TY_TEXT: return "text";
    case TY_DATE: return "date";
    case TY_ENUM: {
        StrBuf sb = {0};
        sb_printf(&sb, "enum %s", t->en->name);
        char *s = arena_strdup(a, sb_str(&sb));
        sb_free(&sb);
        return s;
    }
    case TY_SET: {
        StrBuf sb = {0};
        sb_printf(&sb, "set of %s", type_name(a, t->elem));
        char *s = arena_strdup(a, sb_str(&sb));
        sb_free(&sb);
        return s;
    }
    case TY_TABLE: {
        StrBuf sb = {0};
        sb_printf(&sb, "%s by %s", type_name(a, t->elem), t->en->name);
        char *s = arena_strdup(a, sb_str(&sb));
        sb_free(&sb);
        return s;
    }
    }
    return "?";
}

int enum_find(const EnumType *en, const char *name)
{
    if (en->value_index) return name_index_find(en->value_index, name);
    for (size_t i = 0; i < en->values.count; i++)
        if (strcmp(en->values.items[i].name.text, name) == 0) return (int)i;
    return -1;
}

bool type_is_fixed(const Type *t) { return t->kind == TY_NUMBER || t->kind == TY_PERCENT; }

/* ---- constant folding ----------------------------------------------------------------------- */

static void fold_to(Expr *e, int64_t v)
{
    e->fold = FOLD_YES;
    e->folded = v;
}

/* The range of a type's values, for messages. */
static const char *range_text(TypeKind k)
{
    switch (k) {
    case TY_INT: return "int (-9223372036854775808..9223372036854775807)";
    case TY_NUMBER: return "number (-922337203685477.5808..922337203685477.5807)";
    case TY_PERCENT: return "percent (-92233720368547758.08%..92233720368547758.07%)";
    case TY_DATE: return "date (a day number of 64 bits)";
    default: return "its type";
    }
}

static void overflow(Expr *e, DiagList *dl)
{
    e->fold = FOLD_BAD;
    diag_add(dl, DIAG_ERROR, "overflow", e->span, "this constant expression overflows %s",
             range_text(e->type->kind));
}

static void fold_arith(Expr *e, int64_t a, int64_t b, bool fixed, DiagList *dl)
{
    int64_t v = 0;
    bool ok;
    switch (e->op) {
    case BIN_ADD: ok = !__builtin_add_overflow(a, b, &v); break;
    case BIN_SUB: ok = !__builtin_sub_overflow(a, b, &v); break;
    case BIN_MUL: ok = fixed ? fixed_mul(a, b, &v) : !__builtin_mul_overflow(a, b, &v); break;
    default:
        if (b == 0) {
            e->fold = FOLD_BAD;
            diag_add(dl, DIAG_ERROR, "division-by-zero", e->span, "this constant expression divides by zero");
            return;
        }
        ok = fixed_div(a, b, &v);
        break;
    }
    if (ok) fold_to(e, v);
    else overflow(e, dl);
}

static void fold_binary(Expr *e, DiagList *dl)
{
    const Expr *l = e->lhs, *r = e->rhs;
    if (l->fold == FOLD_BAD || r->fold == FOLD_BAD) {
        e->fold = FOLD_BAD;
        return;
    }
    if (l->fold != FOLD_YES || r->fold != FOLD_YES) return;
    int64_t a = l->folded, b = r->folded;
    if (e->op == BIN_AND || e->op == BIN_OR) {
        fold_to(e, e->op == BIN_AND ? (a && b) : (a || b));
        return;
    }
    if (l->type->kind == TY_TEXT) return;
    /* ints meet numbers as numbers; a division is always one */
    bool fixed = type_is_fixed(l->type) || type_is_fixed(r->type) || e->op == BIN_DIV;
    if (fixed && ((!type_is_fixed(l->type) && !fixed_from_int(a, &a)) ||
                  (!type_is_fixed(r->type) && !fixed_from_int(b, &b)))) {
        overflow(e, dl);   /* type_fits_fixed reports this at the operand first */
        return;
    }
    switch (e->op) {
    case BIN_ADD: case BIN_SUB: case BIN_MUL: case BIN_DIV: fold_arith(e, a, b, fixed, dl); return;
    case BIN_EQ: fold_to(e, a == b); return;
    case BIN_NE: fold_to(e, a != b); return;
    case BIN_LT: fold_to(e, a < b); return;
    case BIN_LE: fold_to(e, a <= b); return;
    case BIN_GT: fold_to(e, a > b); return;
    case BIN_GE: fold_to(e, a >= b); return;
    default: return;
    }
}

/* A set of small constants is a bit mask (enum values, ints 0..63); others are not folded. */
static void fold_set(Expr *e)
{
    uint64_t mask = 0;
    for (size_t i = 0; i < e->items.count; i++) {
        const Expr *it = e->items.items[i];
        if (it->fold == FOLD_BAD) {
            e->fold = FOLD_BAD;
            return;
        }
        if (it->fold != FOLD_YES || it->folded < 0 || it->folded > 63) return;
        mask |= 1ull << it->folded;
    }
    fold_to(e, (int64_t)mask);
}

static void fold_unary(Expr *e, DiagList *dl)
{
    const Expr *x = e->lhs;
    if (x->fold != FOLD_YES) {
        e->fold = x->fold == FOLD_BAD ? FOLD_BAD : FOLD_NO;
        return;
    }
    int64_t v;
    if (e->op == UN_NOT) fold_to(e, !x->folded);
    else if (__builtin_sub_overflow((int64_t)0, x->folded, &v)) overflow(e, dl);
    else fold_to(e, v);
}

void type_fold(Expr *e, DiagList *dl)
{
    e->fold = FOLD_NO;
    if (!e->type || e->type->kind == TY_ERROR) return;
    switch (e->kind) {
    case EX_INT: case EX_NUMBER: case EX_PERCENT: case EX_DATE: fold_to(e, e->v.i); return;
    case EX_BOOL: fold_to(e, e->v.b); return;
    case EX_NAME: if (e->enum_value >= 0) fold_to(e, e->enum_value); return;
    case EX_SET: fold_set(e); return;
    case EX_UNARY: fold_unary(e, dl); return;
    case EX_BINARY: fold_binary(e, dl); return;
    default: return;
    }
}

void type_fits_fixed(Expr *e, bool to_fixed, DiagList *dl)
{
    int64_t v;
    if (!to_fixed || !e->type || e->type->kind != TY_INT || e->fold != FOLD_YES) return;
    if (fixed_from_int(e->folded, &v)) return;
    e->fold = FOLD_BAD;
    diag_add(dl, DIAG_ERROR, "overflow", e->span, "this int does not fit in a %s",
             range_text(TY_NUMBER));
}
