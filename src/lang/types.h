/* types.h — the static types of the rule language.
 *
 * Every expression has one of these after checking, so the compiler can pick typed opcodes
 * and the VM never tests a tag. Values at run time:
 *   int      int64
 *   number   int64 fixed point with 4 decimals (1.5 = 15000) — exact, no floating point
 *   percent  the same representation as number (30% = 0.3 = 3000), shown as a percent
 *   bool     0 / 1
 *   date     day number (days since 1970-01-01, proleptic Gregorian)
 *   text     interned string (an index into the record's text store)
 *   enum     the value's index in its enum (0-based)
 *   set      a bit mask over an enum's values (sets of ints: only as literals after `in`) */
#ifndef DOUDI_TYPES_H
#define DOUDI_TYPES_H

#include "ast.h"
#include "base/fixed.h"

typedef enum TypeKind {
    TY_ERROR,        /* an expression that already produced a diagnostic */
    TY_INT,
    TY_NUMBER,
    TY_PERCENT,
    TY_BOOL,
    TY_TEXT,
    TY_DATE,
    TY_ENUM,
    TY_SET,          /* elem: the element type */
    TY_TABLE,        /* elem indexed by key (an enum) */
} TypeKind;


typedef struct EnumType {
    const char *name;                /* declared name, or the field/let it was written in */
    const char *label;
    EnumValueList values;            /* name + label per value, in declaration order */
    NameIndex *value_index;          /* the values by name (set by check; NULL: search) */
    Span span;
    int index;                       /* position in Rules.enums */
} EnumType;

struct Type {
    TypeKind kind;
    EnumType *en;                    /* TY_ENUM; TY_TABLE: the key enum */
    Type *elem;                      /* TY_SET, TY_TABLE */
};

/* Shared singletons for the scalar types. */
extern Type type_error, type_int, type_number, type_percent, type_bool, type_text, type_date;

Type *type_enum(Arena *a, EnumType *en);
Type *type_set(Arena *a, Type *elem);
Type *type_table(Arena *a, Type *elem, EnumType *key);
bool type_equal(const Type *a, const Type *b);
bool type_is_numeric(const Type *t);       /* int, number, percent */
/* "int", "enum labor_capacity", "set of int", ... */
const char *type_name(Arena *a, const Type *t);
/* Index of value `name` in en, or -1. */
int enum_find(const EnumType *en, const char *name);

/* number and percent: fixed point (an int where one is wanted is multiplied by 10^4). */
bool type_is_fixed(const Type *t);

/* Fold e, whose operands are already folded and whose type is set: Expr.fold and Expr.folded,
 * in the VM's representation, exactly as the VM would compute them. A result that overflows
 * its type, or a division by zero, is an `overflow` error at e (FOLD_BAD, which its parents
 * pass on silently). O(1): the checker calls it on each node as it types it. */
void type_fold(Expr *e, DiagList *dl);

/* e stands where a number is wanted (`to_fixed`): a constant int that does not fit in a number
 * once multiplied by 10^4 is an `overflow` error at e. */
void type_fits_fixed(Expr *e, bool to_fixed, DiagList *dl);

#endif
