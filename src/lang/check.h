/* check.h — names and static types.
 *
 * check_module resolves every name of a parsed Module, gives every expression its type,
 * orders the lets so each comes after what it reads, and checks the declarations' own
 * rules (schedule shares, percents, enum values, ...). The result, a Rules, is the typed
 * view of the rule file that the compiler and the engine phases read: the AST annotated in
 * place (Expr.type, Expr.sym, Expr.enum_value) plus tables of what was declared.
 *
 * Errors and warnings go to the DiagList. Rules is usable for compiling only when the list
 * holds no errors. */
#ifndef DOUDI_CHECK_H
#define DOUDI_CHECK_H

#include "types.h"

typedef enum SymKind {
    SYM_FIELD,        /* a field of the subject record (or, in an institution context, of it) */
    SYM_PARAM,
    SYM_LET,
    SYM_CATEGORY,     /* as an expression: bool, "the person is in this category" */
    SYM_PLACEMENT,    /* as an expression: the placement value (tables, tests, schedule) */
    SYM_BUILTIN,      /* category_count, primary, categories, year */
    SYM_FUNCTION,     /* years_between, count_true, ... */
    SYM_ENUM,         /* a declared enum, usable as a type */
    SYM_RECORD,
    SYM_TABLE,
    SYM_EXAMPLE,
    SYM_TYPE,         /* int, number, ... */
} SymKind;

typedef enum Builtin {
    BI_CATEGORY_COUNT,         /* how many categories hold */
    BI_PRIMARY,                /* the first category that holds (targets only) */
    BI_CATEGORIES,             /* the set of categories that hold */
    BI_YEAR,                   /* the scheduled year (tables and tests) */
} Builtin;

typedef enum Func {
    FN_YEARS_BETWEEN, FN_DAYS_BETWEEN, FN_COUNT_TRUE, FN_VALID_RESIDENT_ID, FN_ID_BIRTH_DATE,
    FN_ID_MALE, FN_MIN, FN_MAX, FN_ABS, FN_CEIL, FN_FLOOR, FN_ROUND, FN_LEN, FN_YEAR_OF,
    FN_MONTH_OF, FN_DAY_OF,
    FN__COUNT
} Func;

struct Symbol {
    SymKind kind;
    const char *name;
    const char *label;
    Span span;                 /* where declared (none for built-ins) */
    Type *type;                /* value type (functions: result type) */
    Decl *decl;                /* declaring Decl (record for fields) */
    Field *field;              /* SYM_FIELD */
    int index;                 /* field: index in its record; param/let/category: position
                                  in Rules' list; builtin: Builtin; function: Func */
    bool used;
    bool person_only;          /* needs a person: fields, lets, categories */
    int visiting;              /* let/category checking: 0 not yet, 1 in progress, 2 done */
    bool quiet;                /* let/category: a cycle through it was reported already */
};

typedef struct SymList { Symbol **items; size_t count, cap; } SymList;
typedef struct DeclList { Decl **items; size_t count, cap; } DeclList;
typedef struct EnumList { EnumType **items; size_t count, cap; } EnumList;

typedef struct Rules {
    Arena *arena;              /* owns everything here (the caller's) */
    Module *module;
    Decl *policy;              /* may be NULL */
    Decl *subject;             /* the first record: the one categories are about */
    DeclList records;          /* every record, subject first */
    EnumList enums;            /* every enum: declared, inline, the category enum */
    SymList params;            /* declaration order */
    SymList lets;              /* declaration order */
    SymList categories;        /* declaration order = precedence */
    SymList eval_order;        /* lets and categories, each after everything it reads */
    EnumType *category_enum;   /* the categories as an enum (type of `primary`) */
    Decl *placement;           /* may be NULL */
    EnumType *placement_enum;
    Symbol *placement_sym;
    Decl *schedule;            /* may be NULL */
    Decl *capacity;            /* may be NULL */
    Decl *notice;              /* the public notice (公示名单); may be NULL */
    DeclList tables, examples, tests;
    SymList globals;           /* every named symbol, for lookup and completion */
    StrSet names;              /* the globals' names: id = position in globals */
    struct EnumValues *enum_values;  /* enum value name -> the enums that have it (check.c) */
} Rules;

/* Check a parsed module. Returns the Rules (allocated in `a`) even when errors were found,
 * so tools can still list what was declared; compile only when diags->errors == 0. */
Rules *check_module(Arena *a, Module *m, DiagList *diags);

/* How deeply check_expr may recurse into an expression (a chain of one operator, such as
 * `a + b + c + ...`, is walked without recursion and does not count): deeper nesting is the
 * error `too-deep` at the node where the limit is crossed, so no later stage can overflow the
 * C stack on a hostile or generated rule file. */
enum { CHECK_MAX_NESTING = 1000 };

/* Look a global name up; NULL if unknown. */
Symbol *check_lookup(const Rules *r, const char *name);

/* Type-check one expression in the person context of checked rules (REPL, `:type`).
 * Returns its type, or &type_error with diagnostics added. */
Type *check_expr_in(Rules *r, Expr *e, DiagList *diags);

/* The field of a record by name, or NULL. */
Field *record_field(const Decl *record, const char *name, int *index);

#endif
