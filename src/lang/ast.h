/* ast.h — the syntax tree of a rule file.
 *
 * The parser builds these nodes in an Arena (grammar actions are one call each); the checker
 * then fills the fields marked "set by check" (types, resolved symbols). Nothing here
 * evaluates anything: the compiler turns a checked Module into bytecode, and the VM never
 * sees this header. */
#ifndef DOUDI_AST_H
#define DOUDI_AST_H

#include "base/arena.h"
#include "base/diag.h"
#include "base/strset.h"

#include <stdint.h>
#include <stdbool.h>

typedef struct Type Type;           /* types.h */
typedef struct Symbol Symbol;       /* check.h */
typedef struct Expr Expr;
typedef struct Decl Decl;
typedef struct TypeExpr TypeExpr;

/* A name as written, with where it was written. */
typedef struct Name {
    const char *text;                /* NULL when absent */
    Span span;
} Name;

/* Lists inside expressions count in 32 bits: an expression node is made for every operand of a
 * rule file, and its size is most of the syntax tree's memory. */
typedef struct NameList { Name *items; uint32_t count, cap; } NameList;
typedef struct ExprList { Expr **items; uint32_t count, cap; } ExprList;

/* The names of a list (a record's fields, an enum's values) by text, so finding one does not
 * scan the list: the position of the first item with each name. Made by check (arena-backed). */
typedef struct NameIndex {
    StrSet names;
    uint32_t *first;          /* by id in names: position of the first item with that name */
} NameIndex;

/* ---- expressions ---------------------------------------------------------------------- */

typedef enum ExprKind {
    EX_INT,        /* v.i */
    EX_NUMBER,     /* v.i fixed point, 4 decimals: 1.5 = 15000; text kept in lit for fmt */
    EX_PERCENT,    /* v.i fixed point like a number: 10% = 0.1 = 1000, 12.5% = 1250 */
    EX_BOOL,       /* v.b */
    EX_TEXT,       /* v.s (unescaped) */
    EX_DATE,       /* v.i day number (days since 1970-01-01) */
    EX_NAME,       /* name */
    EX_SET,        /* items: {a, b, c} */
    EX_MAP,        /* keys/items: {a: 1, b: 2} — the value of a per-enum table param */
    EX_RANGE,      /* lhs..rhs, only as the right side of `in` */
    EX_UNARY,      /* op (OP_NOT / OP_NEG) lhs */
    EX_BINARY,     /* lhs op rhs */
    EX_IN,         /* lhs in rhs (rhs: EX_SET, EX_RANGE, or a set-valued name); negated: not in */
    EX_CALL,       /* name(items) */
    EX_INDEX,      /* lhs[rhs] — a per-enum table param indexed by an enum value */
    EX_CASE,       /* case when conds[i] then items[i] ... else rhs */
    EX_IF,         /* if cond then lhs else rhs */
} ExprKind;

typedef enum BinOp {
    BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV,
    BIN_EQ, BIN_NE, BIN_LT, BIN_LE, BIN_GT, BIN_GE,
    BIN_AND, BIN_OR,
    UN_NOT, UN_NEG,
} BinOp;

struct Expr {                 /* fields in an order that leaves no padding */
    ExprKind kind;
    BinOp op;                 /* EX_UNARY, EX_BINARY */
    Span span;
    union {
        int64_t i;
        bool b;
        const char *s;
    } v;
    const char *lit;          /* literal as written (numbers, dates, percents) for fmt */
    Name name;                /* EX_NAME, EX_CALL */
    Expr *lhs, *rhs, *cond;
    ExprList items;           /* EX_SET, EX_MAP values, EX_CALL args, EX_CASE results */
    ExprList conds;           /* EX_CASE conditions */
    NameList keys;            /* EX_MAP keys */

    /* set by check */
    Type *type;
    Symbol *sym;              /* EX_NAME / EX_CALL: what the name refers to */
    int64_t folded;           /* FOLD_YES: the value in the VM's representation */
    int enum_value;           /* EX_NAME resolved as an enum value: its index */
    uint8_t fold;             /* FoldState: is this a constant, and its value in `folded` */
    bool negated;             /* EX_IN written as `not in` (set by the parser) */
};

/* Constant folding, done once by check as each node is typed (so nothing walks a subtree
 * twice): literals, enum values, sets of them and arithmetic on constants. Params are not
 * constants here (a run may override them). */
typedef enum FoldState {
    FOLD_NO,                  /* not a constant (also: never checked) */
    FOLD_YES,                 /* a constant: Expr.folded */
    FOLD_BAD,                 /* a constant that overflows or divides by zero: reported */
} FoldState;

/* ---- types as written ----------------------------------------------------------------- */

typedef struct EnumValueDecl {
    Name name;
    const char *label;        /* may be NULL */
    Span label_span;
    const char *code;         /* `code "410102"`: another spelling import accepts; may be NULL */
    Span code_span;
} EnumValueDecl;

typedef struct EnumValueList { EnumValueDecl *items; size_t count, cap; } EnumValueList;

typedef enum TypeExprKind {
    TE_NAMED,                 /* int, number, bool, text, date, percent, or a declared enum */
    TE_ENUM,                  /* enum(a "A", b "B") written inline */
    TE_TABLE,                 /* elem by key_enum */
} TypeExprKind;

struct TypeExpr {
    TypeExprKind kind;
    Span span;
    Name name;                /* TE_NAMED */
    EnumValueList values;     /* TE_ENUM */
    TypeExpr *elem;           /* TE_TABLE */
    Name key;                 /* TE_TABLE: the enum it is indexed by */
};

/* ---- declarations --------------------------------------------------------------------- */

typedef enum DeclKind {
    DECL_POLICY, DECL_ENUM, DECL_RECORD, DECL_PARAM, DECL_LET, DECL_CATEGORY,
    DECL_PLACEMENT, DECL_SCHEDULE, DECL_CAPACITY, DECL_TABLE, DECL_EXAMPLE, DECL_TEST,
    DECL_NOTICE,
} DeclKind;

typedef struct Field {
    Name name;
    TypeExpr *type;
    const char *label;        /* Chinese label, accepted as CSV header */
    bool is_key;
    Expr *default_value;      /* NULL: required */
    Expr *range;              /* EX_RANGE or EX_SET the value must lie in, or NULL */
    Span span;
    Type *resolved;           /* set by check */
} Field;

typedef struct Require {
    Expr *cond;
    const char *message;
    Span span;
} Require;

typedef struct Share {        /* 2021: 30% */
    int64_t year;
    Expr *percent;            /* EX_PERCENT (or a percent param) */
    Span span;
} Share;

typedef struct ShareList { Share *items; size_t count, cap; } ShareList;

typedef struct Branch {       /* one arm of a placement */
    Name value;               /* the placement value, e.g. home */
    const char *label;
    Expr *when;               /* NULL: `otherwise` */
    const char *cite;
    Span span;
} Branch;

typedef struct OrderKey {
    Expr *expr;
    bool desc;
    Span span;
} OrderKey;

typedef struct SchedGroup {
    bool pool;                /* `pool a, b` ranks together; `each a, b` is one group per name */
    NameList categories;
    ShareList shares;
    const char *cite;
    Span span;
} SchedGroup;

typedef struct CapItem {      /* village_courtyard beds 20 [minimum 1] [cite "..."] */
    Name type;
    Expr *beds;
    Expr *minimum;
    const char *cite;
    Span span;
} CapItem;

typedef enum CellKind {
    CELL_COUNT,               /* persons in the row for whom expr holds (NULL: all) */
    CELL_EXISTING,            /* existing institutions of the row's type */
    CELL_BUILD,               /* institutions to build/upgrade in `year` (0: all years) */
    CELL_BLANK,               /* always blank */
} CellKind;

typedef struct TableColumn {
    Name name;
    const char *label;
    const char *group;        /* header of the group it sits under, or NULL */
    CellKind cell;
    Expr *expr;               /* CELL_COUNT filter */
    int64_t year;             /* CELL_BUILD */
    NameList blank_rows;      /* rows where this column is left blank */
    Span span;
} TableColumn;

typedef struct TableRow {
    Name name;
    const char *label;
    Expr *when;               /* which persons the row counts */
    bool total;               /* the sum of the other rows */
    Span span;
} TableRow;

typedef struct FieldValue {
    Name name;
    Expr *value;
    Span span;
} FieldValue;

typedef struct FieldValueList { FieldValue *items; size_t count, cap; } FieldValueList;

typedef struct TestCase {     /* given [base] { … } expect { … } — one person of a test */
    Name base;                /* the example it starts from, or absent */
    FieldValueList given;
    FieldValueList expect;
    Span span;
} TestCase;

typedef struct NoticeColumn { /* column name "姓名" [mask name] — what the public notice shows */
    Name name;                /* a field, a let, primary, categories, year or the placement */
    const char *label;
    Name mask;                /* name or id; absent: shown as it is */
    Span span;
} NoticeColumn;

typedef struct Withhold {     /* withhold "未成年人" when minor — not listed, only counted */
    const char *label;
    Expr *when;
    Span span;
} Withhold;

struct Decl {
    DeclKind kind;
    Span span;                /* whole declaration */
    Name name;                /* not for policy/schedule/capacity */
    const char *label;        /* Chinese label or title */
    const char *cite;
    Decl *next_in_file;

    /* DECL_POLICY */
    const char *source;
    Name cite_rule;           /* `cite required`: the word after cite (check accepts 'required') */
    /* DECL_ENUM */
    EnumValueList values;
    /* DECL_RECORD */
    struct { Field *items; size_t count, cap; } fields;
    NameIndex *field_index;   /* set by check: the fields by name */
    struct { Require *items; size_t count, cap; } requires;
    /* DECL_PARAM, DECL_LET, DECL_PLACEMENT */
    TypeExpr *type;           /* NULL for a let without a declared type */
    Expr *value;
    /* DECL_CATEGORY; DECL_SCHEDULE: who is scheduled (with `per`, among targets) */
    Expr *when;
    /* DECL_PLACEMENT (its value type is `type`, an enum) */
    struct { Branch *items; size_t count, cap; } branches;
    /* DECL_SCHEDULE, DECL_CAPACITY, DECL_TABLE: partition field (`per county`) */
    Name per;
    /* DECL_SCHEDULE */
    struct { OrderKey *items; size_t count, cap; } order;
    struct { SchedGroup *items; size_t count, cap; } groups;
    /* DECL_CAPACITY */
    Name from;                /* the institution record */
    Expr *headroom;
    ShareList build;
    struct { CapItem *items; size_t count, cap; } cap_items;
    Expr *upgrade_when;       /* on an institution record */
    /* DECL_TABLE */
    struct { TableRow *items; size_t count, cap; } rows;
    struct { TableColumn *items; size_t count, cap; } columns;
    /* DECL_EXAMPLE, DECL_TEST (given) */
    Name base;                /* test: the example it starts from, or absent */
    FieldValueList given;
    FieldValueList expect;    /* DECL_TEST */
    /* DECL_TEST: every case, in order (base, given and expect above are the first); several
     * cases are one population, scheduled together */
    struct { TestCase *items; size_t count, cap; } cases;
    /* DECL_NOTICE (label: its title): the levels it is posted per (county, township, village),
     * the period of publicity (two dates) and the office receiving objections (a text), each
     * a param or a literal; its columns; who is withheld */
    NameList notice_per;
    Expr *period_from, *period_to, *office;
    struct { NoticeColumn *items; size_t count, cap; } notice_columns;
    struct { Withhold *items; size_t count, cap; } withholds;

    Symbol *sym;              /* set by check */
};


typedef struct Comment {
    Span span;                /* from '#' to the end of the line */
} Comment;

/* One parsed rule file. */
typedef struct Module {
    const SourceFile *source;
    struct { Decl **items; size_t count, cap; } decls;
    struct { Comment *items; size_t count, cap; } comments;
} Module;

/* ---- constructors (used by the grammar) --------------------------------------------- */

Expr *ast_expr(Arena *a, ExprKind kind, Span span);
Expr *ast_int(Arena *a, int64_t v, const char *lit, Span span);
Expr *ast_binary(Arena *a, BinOp op, Expr *lhs, Expr *rhs, Span span);
Expr *ast_unary(Arena *a, BinOp op, Expr *operand, Span span);
Expr *ast_name(Arena *a, Name name);
/* lhs in rhs (rhs a set, a set-valued name or a range); `not in` when negated. */
Expr *ast_in(Arena *a, Expr *lhs, Expr *rhs, bool negated, Span span);
Expr *ast_range(Arena *a, Expr *lo, Expr *hi, Span span);
Decl *ast_decl(Arena *a, DeclKind kind, Span span);
TypeExpr *ast_type(Arena *a, TypeExprKind kind, Span span);

/* An index over n names (arena-backed). name_index_add records `pos` for a name seen for the
 * first time and returns -1, or returns the position it was first seen at; find: -1 if absent. */
NameIndex *name_index_new(Arena *a, size_t n);
int name_index_add(NameIndex *ix, const char *name, uint32_t pos);
int name_index_find(const NameIndex *ix, const char *name);

/* The source spelling of a binary/unary operator ("and", "==", ...). */
const char *ast_op_text(BinOp op);
const char *ast_decl_kind_name(DeclKind k);

#endif
