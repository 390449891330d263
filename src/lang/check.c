/* check.c — names and static types (see check.h).
 *
 * Three passes over the module:
 *   1. declare: every named declaration becomes a Symbol (duplicates reported), inline enums
 *      become EnumTypes, field and param types are resolved;
 *   2. lets and categories are ordered so each comes after what it reads, and a let that
 *      depends on itself is reported (check_lets: a walk over the names each one reads, with
 *      an explicit stack), then checked in that order;
 *   3. everything else (params' values, requires, placement, schedule, capacity, tables,
 *      examples, tests), then warnings for what was never used.
 *
 * Expressions are checked with an expected type when the context knows one: that is how a
 * bare enum value such as `none` is resolved (it is a value of several enums). Each node is
 * folded as it is typed (fold_expr), so a constant that overflows is an error here, at the
 * expression, and the compiler reads the folded values instead of walking subtrees again.
 *
 * Bounded work for any input: names are found through hash sets (StrSet), never by scanning a
 * list; a chain of one operator (`a + b + ...`, `p and q and ...`, `t[i][j]...`) is walked
 * along its left spine with a stack of its own, and other nesting is limited to
 * CHECK_MAX_NESTING levels, so a generated file of any size cannot overflow the C stack. */
#include "check.h"
#include "completeness.h"
#include "labels.h"
#include "base/fixed.h"
#include "base/msg.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What an expression may refer to, by where it stands. */
typedef struct Scope {
    const Decl *record;        /* whose fields are visible (subject unless stated) */
    bool person;               /* lets and categories */
    bool outcome;              /* category_count, primary, categories */
    bool placement;            /* the placement value */
    bool year;                 /* the scheduled year */
    bool constant;             /* params' values: literals only */
    const char *where;         /* for messages: "a category", "a param's value", ... */
} Scope;

typedef struct ExprStack { Expr **items; size_t count, cap; } ExprStack;

typedef struct Checker {
    Arena *a;
    Rules *r;
    DiagList *dl;
    Scope scope;
    SymList path;              /* lets/categories being checked, for cycle messages */
    Symbol *waiting_for;       /* a let the one being checked reads before it is checked */
    int depth;                 /* check_expr's recursion, at most CHECK_MAX_NESTING */
    ExprStack spine;           /* the left spines of operator chains being checked */
    NameIndex *record_names;   /* records' names in ASCII lower case: position in Rules.records */
} Checker;

/* ---- symbols ------------------------------------------------------------------------- */

Symbol *check_lookup(const Rules *r, const char *name)
{
    uint32_t id = strset_find(&r->names, name);
    return id == STRSET_NONE ? NULL : r->globals.items[id];
}

Field *record_field(const Decl *record, const char *name, int *index)
{
    if (!record) return NULL;
    int at = -1;
    if (record->field_index) {
        at = name_index_find(record->field_index, name);
    } else {
        for (size_t i = 0; i < record->fields.count && at < 0; i++)
            if (strcmp(record->fields.items[i].name.text, name) == 0) at = (int)i;
    }
    if (at < 0) return NULL;
    if (index) *index = at;
    return &record->fields.items[at];
}

static const char *where_text(const SourceFile *sf, Span sp, Arena *a)
{
    if (!sf) return "(built in)";
    int line, col;
    source_position(sf, sp.start, &line, &col);
    char buf[64];
    snprintf(buf, sizeof buf, ":%d:%d", line, col);
    StrBuf sb = {0};
    sb_puts(&sb, sf->path);
    sb_puts(&sb, buf);
    const char *s = arena_strdup(a, sb_str(&sb));
    sb_free(&sb);
    return s;
}

static Symbol *new_symbol(Checker *c, SymKind kind, const char *name, Span span)
{
    Symbol *s = arena_alloc(c->a, sizeof *s);
    s->kind = kind;
    s->name = name;
    s->span = span;
    s->type = &type_error;
    return s;
}

/* A new global, findable by name: its id in Rules.names is its position in Rules.globals. */
static void add_global(Checker *c, Symbol *s)
{
    strset_add(&c->r->names, s->name, NULL);
    ARENA_PUSH(c->a, &c->r->globals, s);
}

/* Add a global; a second declaration of a name is an error pointing at the first. */
static Symbol *declare(Checker *c, SymKind kind, Name name)
{
    Symbol *old = check_lookup(c->r, name.text);
    if (old) {
        if (old->kind == SYM_FUNCTION || old->kind == SYM_BUILTIN || old->kind == SYM_TYPE) {
            diag_add(c->dl, DIAG_ERROR, "duplicate", name.span,
                     "'%s' is a built-in name and cannot be declared again", name.text);
        } else {
            diag_add(c->dl, DIAG_ERROR, "duplicate", name.span, "'%s' is already declared",
                     name.text);
            diag_note(c->dl, "first declared at %s", where_text(old->span.file, old->span, c->a));
        }
        return NULL;
    }
    Symbol *s = new_symbol(c, kind, name.text, name.span);
    add_global(c, s);
    return s;
}

static void declare_builtin(Checker *c, SymKind kind, const char *name, Type *type, int index)
{
    Symbol *s = new_symbol(c, kind, name, (Span){0});
    s->type = type;
    s->index = index;
    s->used = true;
    add_global(c, s);
}

static const struct { const char *name; Func fn; } functions[] = {
    {"years_between", FN_YEARS_BETWEEN}, {"days_between", FN_DAYS_BETWEEN},
    {"count_true", FN_COUNT_TRUE}, {"valid_resident_id", FN_VALID_RESIDENT_ID},
    {"id_birth_date", FN_ID_BIRTH_DATE}, {"id_male", FN_ID_MALE}, {"min", FN_MIN},
    {"max", FN_MAX}, {"abs", FN_ABS}, {"ceil", FN_CEIL}, {"floor", FN_FLOOR},
    {"round", FN_ROUND}, {"len", FN_LEN}, {"year_of", FN_YEAR_OF}, {"month_of", FN_MONTH_OF},
    {"day_of", FN_DAY_OF},
};

static void declare_builtins(Checker *c)
{
    static const struct { const char *name; Type *type; } scalars[] = {
        {"int", &type_int}, {"number", &type_number}, {"percent", &type_percent},
        {"bool", &type_bool}, {"text", &type_text}, {"date", &type_date},
    };
    for (size_t i = 0; i < sizeof scalars / sizeof *scalars; i++)
        declare_builtin(c, SYM_TYPE, scalars[i].name, scalars[i].type, 0);
    for (size_t i = 0; i < sizeof functions / sizeof *functions; i++)
        declare_builtin(c, SYM_FUNCTION, functions[i].name, &type_error, (int)functions[i].fn);
}

/* The names a misspelling may have meant: globals and, when given, one enum's values. */
static const char *closest_name(Checker *c, const char *name, const EnumType *en)
{
    const char *best = NULL;
    int best_d = 3;
    int cap = strlen(name) <= 3 ? 1 : 2;
    if (en)
        for (size_t i = 0; i < en->values.count; i++) {
            int d = edit_distance(name, en->values.items[i].name.text, cap);
            if (d <= cap && d < best_d) { best = en->values.items[i].name.text; best_d = d; }
        }
    if (!en)
        for (size_t i = 0; i < c->r->globals.count; i++) {
            Symbol *s = c->r->globals.items[i];
            if (s->kind == SYM_TYPE) continue;
            int d = edit_distance(name, s->name, cap);
            if (d <= cap && d < best_d) { best = s->name; best_d = d; }
        }
    return best;
}

/* "did you mean": the identifier of a label typed for a name, else the closest spelling. */
static void suggest(Checker *c, const char *name, const EnumType *en)
{
    if (labels_hint(c->r, c->dl, name, en, en ? LABEL_VALUES : LABEL_VALUES | LABEL_NAMES)) return;
    const char *near = closest_name(c, name, en);
    if (near) diag_note(c->dl, "did you mean '%s'?", near);
}

/* ---- types as written ------------------------------------------------------------------ */

/* ---- codes of enum values ---------------------------------------------------------------
 * `zhongyuan "中原区" code "410102"`: a code is a third spelling import accepts, written as
 * registers write it (an administrative division code). So that one cell can never mean two
 * values and a truncated or mistyped code is never taken for another: every value of the enum
 * has a code or none has; a code is ASCII digits, at most CODE_MAX of them; all codes of the
 * enum are equally long; no code is given twice. */
enum { CODE_MAX = 18 };

static bool code_digits(const char *code)
{
    size_t n = strlen(code);
    if (n == 0 || n > CODE_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if (code[i] < '0' || code[i] > '9') return false;
    return true;
}

static void check_code(Checker *c, const char *name, const EnumValueList *values, size_t i, const EnumValueDecl *first)
{
    const EnumValueDecl *v = &values->items[i];
    if (!v->code) {
        diag_add(c->dl, DIAG_ERROR, "enum-code", v->name.span,
                 "'%s' has no code; the other values of enum %s have one", v->name.text, name);
        diag_note(c->dl, "write it after the label: %s \"…\" code \"%s\"", v->name.text, first->code);
        return;
    }
    if (!code_digits(v->code)) {
        diag_add(c->dl, DIAG_ERROR, "enum-code", v->code_span,
                 "code \"%s\" of '%s' is not 1 to %d ASCII digits", v->code, v->name.text, CODE_MAX);
        return;
    }
    if (code_digits(first->code) && strlen(v->code) != strlen(first->code)) {
        diag_add(c->dl, DIAG_ERROR, "enum-code", v->code_span,
                 "code \"%s\" of '%s' has %d digits; the code of '%s' has %d: the codes of enum %s are equally long",
                 v->code, v->name.text, (int)strlen(v->code), first->name.text, (int)strlen(first->code), name);
        return;
    }
    for (size_t j = 0; j < i; j++)
        if (values->items[j].code && !strcmp(values->items[j].code, v->code)) {
            diag_add(c->dl, DIAG_ERROR, "duplicate", v->code_span, "code \"%s\" is already the code of '%s'",
                     v->code, values->items[j].name.text);
            diag_note_at(c->dl, values->items[j].code_span, "given to '%s' here", values->items[j].name.text);
            return;
        }
}

static void check_codes(Checker *c, const char *name, const EnumValueList *values)
{
    const EnumValueDecl *first = NULL;
    for (size_t i = 0; i < values->count && !first; i++)
        if (values->items[i].code) first = &values->items[i];
    if (!first) return;
    for (size_t i = 0; i < values->count; i++) check_code(c, name, values, i, first);
}

static EnumType *new_enum(Checker *c, const char *name, const char *label, EnumValueList values,
                          Span span)
{
    EnumType *en = arena_alloc(c->a, sizeof *en);
    en->name = name;
    en->label = label;
    en->values = values;
    en->span = span;
    en->index = (int)c->r->enums.count;
    ARENA_PUSH(c->a, &c->r->enums, en);
    en->value_index = name_index_new(c->a, values.count);
    for (size_t i = 0; i < values.count; i++)
        if (name_index_add(en->value_index, values.items[i].name.text, (uint32_t)i) >= 0)
            diag_add(c->dl, DIAG_ERROR, "duplicate", values.items[i].name.span,
                     "'%s' is already a value of enum %s", values.items[i].name.text, name);
    check_codes(c, name, &values);
    return en;
}

static Type *resolve_type(Checker *c, TypeExpr *te, const char *owner)
{
    switch (te->kind) {
    case TE_ENUM:
        return type_enum(c->a, new_enum(c, owner, NULL, te->values, te->span));
    case TE_TABLE: {
        Type *elem = resolve_type(c, te->elem, owner);
        Symbol *k = check_lookup(c->r, te->key.text);
        if (!k || k->kind != SYM_ENUM) {
            diag_add(c->dl, DIAG_ERROR, "unknown-type", te->key.span,
                     "'%s' is not an enum; a table is indexed by an enum", te->key.text);
            return &type_error;
        }
        k->used = true;
        return type_table(c->a, elem, k->type->en);
    }
    case TE_NAMED: {
        Symbol *s = check_lookup(c->r, te->name.text);
        if (s && (s->kind == SYM_TYPE || s->kind == SYM_ENUM)) {
            s->used = true;
            return s->type;
        }
        diag_add(c->dl, DIAG_ERROR, "unknown-type", te->name.span, "unknown type '%s'",
                 te->name.text);
        const char *near = NULL;
        int best = 3;
        for (size_t i = 0; i < c->r->globals.count; i++) {
            Symbol *g = c->r->globals.items[i];
            if (g->kind != SYM_TYPE && g->kind != SYM_ENUM) continue;
            int d = edit_distance(te->name.text, g->name, 2);
            if (d < best) { best = d; near = g->name; }
        }
        if (near) diag_note(c->dl, "did you mean '%s'?", near);
        return &type_error;
    }
    }
    return &type_error;
}

/* ---- expressions ----------------------------------------------------------------------- */

static Type *check_expr(Checker *c, Expr *e, Type *expected);
static void check_person_symbol(Checker *c, Symbol *s, Span use);

static const char *tname(Checker *c, const Type *t) { return type_name(c->a, t); }

static Type *set_type(Expr *e, Type *t)
{
    e->type = t;
    return t;
}

/* Can a value of type `from` stand where `to` is wanted? */
static bool assignable(const Type *from, const Type *to)
{
    if (from->kind == TY_ERROR || to->kind == TY_ERROR) return true;
    if (type_equal(from, to)) return true;
    if (to->kind == TY_NUMBER) return type_is_numeric(from);
    if (to->kind == TY_SET && from->kind == TY_SET) return assignable(from->elem, to->elem);
    return false;
}

/* e, checked as t, stands where `want` is wanted: "expected X, found Y" at e otherwise; a
 * constant int where a number is wanted must fit in one. */
static Type *expect_found(Checker *c, Expr *e, Type *t, Type *want, const char *what)
{
    if (!assignable(t, want)) {
        diag_add(c->dl, DIAG_ERROR, "type", e->span, "%s must be %s, found %s", what,
                 tname(c, want), tname(c, t));
        if (want->kind == TY_PERCENT && t->kind == TY_INT)
            diag_note(c->dl, "write a percent with '%%', e.g. 30%%");
        return &type_error;
    }
    type_fits_fixed(e, type_is_fixed(want), c->dl);
    return t;
}

/* Expect `want`; report "expected X, found Y" at e otherwise. */
static Type *check_expect(Checker *c, Expr *e, Type *want, const char *what)
{
    return expect_found(c, e, check_expr(c, e, want), want, what);
}

/* A phrase that names something, for check_expect: `fmt` (catalogued) formatted in the
 * language of messages into local[], and in English into english[], the pair given to
 * msg_alias so that message_en reads English. The caller forgets it after: unphrase. */
typedef struct Phrase {
    char local[192], english[160];
} Phrase;

__attribute__((format(printf, 2, 3)))
static const char *phrase(Phrase *ph, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    vsnprintf(ph->local, sizeof ph->local, tr(fmt), ap);
    vsnprintf(ph->english, sizeof ph->english, fmt, again);
    va_end(again);
    va_end(ap);
    msg_alias(ph->local, ph->english);
    return ph->local;
}

static void unphrase(Phrase *ph) { msg_alias(ph->local, NULL); }

/* An enum value written alone has no type until something says which enum it belongs to. */
static bool needs_context(Checker *c, const Expr *e)
{
    if (e->kind == EX_SET) return e->items.count == 0 || needs_context(c, e->items.items[0]);
    if (e->kind != EX_NAME) return false;
    if (c->scope.record && record_field(c->scope.record, e->name.text, NULL)) return false;
    return check_lookup(c->r, e->name.text) == NULL;
}

static void list_enum_values(StrBuf *sb, const EnumType *en)
{
    for (size_t i = 0; i < en->values.count; i++) {
        if (i) sb_puts(sb, ", ");
        if (i == 8) { sb_puts(sb, "..."); break; }
        sb_puts(sb, en->values.items[i].name.text);
    }
}

static Type *enum_value_expr(Checker *c, Expr *e, Type *en_type)
{
    int idx = enum_find(en_type->en, e->name.text);
    if (idx >= 0) {
        e->enum_value = idx;
        return set_type(e, en_type);
    }
    if (labels_unknown_name(c->r, c->dl, e->name.text, e->span, en_type->en)) return set_type(e, &type_error);
    StrBuf sb = {0};
    list_enum_values(&sb, en_type->en);
    diag_add(c->dl, DIAG_ERROR, "enum-value", e->span, "'%s' is not a value of enum %s (%s)",
             e->name.text, en_type->en->name, sb_str(&sb));
    sb_free(&sb);
    suggest(c, e->name.text, en_type->en);
    return set_type(e, &type_error);
}

/* Which enums have a value of each name, in the order the enums were made: built when first
 * needed (after every enum is declared) and extended if enums were added since. */
typedef struct EnumOf { EnumType *en; struct EnumOf *next; } EnumOf;
struct EnumValues {
    StrSet names;              /* every value name of every enum */
    EnumOf **first, **last;    /* by id in names */
    size_t cap;
    size_t enums_seen;         /* how many of Rules.enums are indexed */
};

static void index_enum_values(Checker *c, EnumType *en)
{
    struct EnumValues *ev = c->r->enum_values;
    for (size_t k = 0; k < en->values.count; k++) {
        const char *name = en->values.items[k].name.text;
        if (enum_find(en, name) != (int)k) continue;   /* a duplicate value: once per enum */
        uint32_t id = strset_add(&ev->names, name, NULL);
        if (id >= ev->cap) {
            size_t cap = ev->cap ? ev->cap * 2 : 64;
            EnumOf **first = arena_alloc(c->a, cap * sizeof *first), **last = arena_alloc(c->a, cap * sizeof *last);
            if (ev->cap) {
                memcpy(first, ev->first, ev->cap * sizeof *first);
                memcpy(last, ev->last, ev->cap * sizeof *last);
            }
            ev->first = first;
            ev->last = last;
            ev->cap = cap;
        }
        EnumOf *node = arena_alloc(c->a, sizeof *node);
        node->en = en;
        if (ev->last[id]) ev->last[id]->next = node;
        else ev->first[id] = node;
        ev->last[id] = node;
    }
}

static EnumOf *enums_having(Checker *c, const char *name)
{
    if (!c->r->enum_values) {
        c->r->enum_values = arena_alloc(c->a, sizeof *c->r->enum_values);
        strset_init_arena(&c->r->enum_values->names, c->a);
    }
    struct EnumValues *ev = c->r->enum_values;
    while (ev->enums_seen < c->r->enums.count) index_enum_values(c, c->r->enums.items[ev->enums_seen++]);
    uint32_t id = strset_find(&ev->names, name);
    return id == STRSET_NONE ? NULL : ev->first[id];
}

/* A name no symbol has: an enum value if exactly one enum has it. */
static Type *bare_enum_value(Checker *c, Expr *e)
{
    EnumType *found = NULL;
    int nfound = 0;
    StrBuf which = {0};
    for (EnumOf *of = enums_having(c, e->name.text); of; of = of->next) {
        EnumType *en = of->en;
        if (nfound++) sb_puts(&which, ", ");
        sb_puts(&which, en->name);
        found = en;
    }
    if (nfound == 1) {
        sb_free(&which);
        return enum_value_expr(c, e, type_enum(c->a, found));
    }
    if (nfound > 1) {
        diag_add(c->dl, DIAG_ERROR, "ambiguous", e->span,
                 "'%s' is a value of several enums (%s); compare it with a field so its enum is known",
                 e->name.text, sb_str(&which));
    } else {
        diag_add(c->dl, DIAG_ERROR, "unknown-name", e->span, "unknown name '%s'", e->name.text);
        suggest(c, e->name.text, NULL);
    }
    sb_free(&which);
    return set_type(e, &type_error);
}

static Type *check_name(Checker *c, Expr *e, Type *expected)
{
    e->sym = NULL;          /* checked again (a let waited for another): resolve afresh */
    e->enum_value = -1;
    if (expected && expected->kind == TY_ENUM && enum_find(expected->en, e->name.text) >= 0)
        return enum_value_expr(c, e, expected);
    int fi;
    if (c->scope.record && c->scope.record != c->r->subject) {
        Field *f = record_field(c->scope.record, e->name.text, &fi);
        if (f) {
            e->sym = arena_alloc(c->a, sizeof *e->sym);
            *e->sym = (Symbol){.kind = SYM_FIELD, .name = f->name.text, .span = f->name.span,
                               .type = f->resolved, .decl = (Decl *)c->scope.record, .field = f,
                               .index = fi, .used = true};
            return set_type(e, f->resolved);
        }
    }
    Symbol *s = check_lookup(c->r, e->name.text);
    if (!s) {
        if (expected && expected->kind == TY_ENUM) return enum_value_expr(c, e, expected);
        return bare_enum_value(c, e);
    }
    e->sym = s;
    s->used = true;
    switch (s->kind) {
    case SYM_FIELD: case SYM_LET: case SYM_CATEGORY:
        if (c->scope.constant || (s->kind == SYM_FIELD ? c->scope.record != c->r->subject : !c->scope.person)) {
            diag_add(c->dl, DIAG_ERROR, "scope", e->span, "'%s' belongs to a person and cannot be used in %s",
                     s->name, c->scope.where);
            return set_type(e, &type_error);
        }
        if (s->kind != SYM_FIELD) check_person_symbol(c, s, e->span);
        break;
    case SYM_PARAM:
        if (c->scope.constant) {
            diag_add(c->dl, DIAG_ERROR, "not-constant", e->span, "%s must be a constant, not the param '%s'",
                     c->scope.where, s->name);
            return set_type(e, &type_error);
        }
        break;
    case SYM_BUILTIN: {
        bool ok = (s->index == BI_YEAR) ? c->scope.year : c->scope.outcome;
        if (!ok) {
            diag_add(c->dl, DIAG_ERROR, "scope", e->span, "'%s' is not known yet in %s", s->name,
                     c->scope.where);
            diag_note(c->dl, "%s", s->index == BI_YEAR
                          ? tr("the year is known in tests (tables are counted before the schedule)")
                          : tr("it is known after all categories: in placement, schedule, tables and tests"));
            return set_type(e, &type_error);
        }
        break;
    }
    case SYM_PLACEMENT:
        if (!c->scope.placement) {
            diag_add(c->dl, DIAG_ERROR, "scope", e->span, "the placement '%s' is not known yet in %s",
                     s->name, c->scope.where);
            return set_type(e, &type_error);
        }
        break;
    default:
        diag_add(c->dl, DIAG_ERROR, "not-a-value", e->span, "'%s' is %s, not a value", s->name,
                 s->kind == SYM_FUNCTION ? tr("a function") : s->kind == SYM_ENUM ? tr("an enum") :
                 s->kind == SYM_RECORD ? tr("a record") : s->kind == SYM_TABLE ? tr("a table") :
                 s->kind == SYM_TYPE ? tr("a type") : tr("a declaration"));
        return set_type(e, &type_error);
    }
    return set_type(e, s->type);
}

static Type *numeric_result(const Type *a, const Type *b)
{
    if (a->kind == TY_INT && b->kind == TY_INT) return &type_int;
    if (a->kind == TY_PERCENT && b->kind == TY_PERCENT) return &type_percent;
    return &type_number;
}

/* Operands of an arithmetic node: ints among numbers are converted (a constant must fit). A
 * division by a constant 0 would stop every record: an error here (type_fold reports it when
 * both sides are constant). */
static Type *arith_fits(Checker *c, Expr *e, Type *t)
{
    bool fixed = type_is_fixed(t) || e->op == BIN_DIV;
    type_fits_fixed(e->lhs, fixed, c->dl);
    type_fits_fixed(e->rhs, fixed, c->dl);
    if (e->op == BIN_DIV && e->rhs->fold == FOLD_YES && e->rhs->folded == 0 && e->lhs->fold == FOLD_NO)
        diag_add(c->dl, DIAG_ERROR, "division-by-zero", e->span, "this divides by zero: its divisor is always 0");
    return set_type(e, t);
}

/* `lt`: the left operand's type when a chain walk has checked it already (else NULL). */
static Type *check_arith(Checker *c, Expr *e, Type *lt)
{
    Type *l = lt ? lt : check_expr(c, e->lhs, NULL), *r = check_expr(c, e->rhs, NULL);
    if (l->kind == TY_ERROR || r->kind == TY_ERROR) return set_type(e, &type_error);
    const char *op = ast_op_text(e->op);
    if (l->kind == TY_DATE || r->kind == TY_DATE) {
        if (e->op == BIN_ADD && l->kind == TY_DATE && r->kind == TY_INT) return set_type(e, &type_date);
        if (e->op == BIN_ADD && l->kind == TY_INT && r->kind == TY_DATE) return set_type(e, &type_date);
        if (e->op == BIN_SUB && l->kind == TY_DATE && r->kind == TY_INT) return set_type(e, &type_date);
        if (e->op == BIN_SUB && l->kind == TY_DATE && r->kind == TY_DATE) return set_type(e, &type_int);
        diag_add(c->dl, DIAG_ERROR, "type", e->span, "cannot apply '%s' to %s and %s", op,
                 tname(c, l), tname(c, r));
        diag_note(c->dl, "a date takes '+' or '-' with an int (days); two dates subtract to days");
        return set_type(e, &type_error);
    }
    if (!type_is_numeric(l) || !type_is_numeric(r)) {
        diag_add(c->dl, DIAG_ERROR, "type", e->span, "cannot apply '%s' to %s and %s", op,
                 tname(c, l), tname(c, r));
        return set_type(e, &type_error);
    }
    if (e->op == BIN_DIV) return arith_fits(c, e, &type_number);
    if (e->op == BIN_MUL && (l->kind == TY_PERCENT || r->kind == TY_PERCENT) && l->kind != r->kind)
        return arith_fits(c, e, &type_number);
    if ((e->op == BIN_ADD || e->op == BIN_SUB) && (l->kind == TY_PERCENT) != (r->kind == TY_PERCENT)) {
        diag_add(c->dl, DIAG_ERROR, "type", e->span, "cannot apply '%s' to %s and %s", op,
                 tname(c, l), tname(c, r));
        diag_note(c->dl, "add or subtract percents with percents");
        return set_type(e, &type_error);
    }
    return arith_fits(c, e, numeric_result(l, r));
}

/* Check two operands that must share a type; an operand that is a bare enum value takes the
 * other's type. */
/* `a == primary`: a name that is also a value of the other side's enum is that value. */
static bool names_value_of_other(Checker *c, const Expr *lhs, const Expr *rhs)
{
    if (lhs->kind != EX_NAME || rhs->kind != EX_NAME) return false;
    Symbol *rs = check_lookup(c->r, rhs->name.text);
    return rs && rs->type && rs->type->kind == TY_ENUM && enum_find(rs->type->en, lhs->name.text) >= 0 &&
           !(c->scope.record && record_field(c->scope.record, rhs->name.text, NULL) && c->scope.record != c->r->subject);
}

static void check_pair(Checker *c, Expr *lhs, Expr *rhs, Type **lt, Type **rt)
{
    if (*lt) {                /* the left side was checked by a chain walk */
        *rt = check_expr(c, rhs, *lt);
        return;
    }
    if ((needs_context(c, lhs) && !needs_context(c, rhs)) || names_value_of_other(c, lhs, rhs)) {
        *rt = check_expr(c, rhs, NULL);
        *lt = check_expr(c, lhs, *rt);
    } else {
        *lt = check_expr(c, lhs, NULL);
        *rt = check_expr(c, rhs, *lt);
    }
}

static bool comparable(const Type *l, const Type *r)
{
    if (type_is_numeric(l) && type_is_numeric(r)) return true;
    return type_equal(l, r);
}

static Type *check_compare(Checker *c, Expr *e, Type *lt)
{
    Type *l = lt, *r;
    check_pair(c, e->lhs, e->rhs, &l, &r);
    if (l->kind == TY_ERROR || r->kind == TY_ERROR) return set_type(e, &type_bool);
    if (!comparable(l, r)) {
        diag_add(c->dl, DIAG_ERROR, "type", e->span, "cannot compare %s with %s", tname(c, l),
                 tname(c, r));
        return set_type(e, &type_bool);
    }
    bool fixed = (type_is_fixed(l) || type_is_fixed(r)) && l->kind != TY_TEXT;
    type_fits_fixed(e->lhs, fixed, c->dl);
    type_fits_fixed(e->rhs, fixed, c->dl);
    bool ordered = e->op != BIN_EQ && e->op != BIN_NE;
    if (ordered && (l->kind == TY_BOOL || l->kind == TY_ENUM || l->kind == TY_SET)) {
        diag_add(c->dl, DIAG_ERROR, "type", e->span, "'%s' does not order %s values",
                 ast_op_text(e->op), tname(c, l));
        if (l->kind == TY_ENUM) diag_note(c->dl, "to test several values write 'x in {a, b}'");
    }
    return set_type(e, &type_bool);
}

static Type *check_logic(Checker *c, Expr *e, Type *lt)
{
    const char *what = e->op == BIN_AND ? tr("an operand of 'and'") : tr("an operand of 'or'");
    if (lt) expect_found(c, e->lhs, lt, &type_bool, what);
    else check_expect(c, e->lhs, &type_bool, what);
    check_expect(c, e->rhs, &type_bool, what);
    return set_type(e, &type_bool);
}

/* One node of an operator chain; its left operand's type `lt` when already checked. */
static Type *check_binary_node(Checker *c, Expr *e, Type *lt)
{
    switch (e->op) {
    case BIN_AND: case BIN_OR: return check_logic(c, e, lt);
    case BIN_ADD: case BIN_SUB: case BIN_MUL: case BIN_DIV: return check_arith(c, e, lt);
    default: return check_compare(c, e, lt);
    }
}

/* A chain such as `a + b - c * d + e` is a left spine of binary nodes as long as the input:
 * walk it with a stack of its own, deepest node first, each node's left type known from the
 * one before; only right operands (bounded by the parser's nesting) recurse. */
static Type *check_binary(Checker *c, Expr *top)
{
    size_t base = c->spine.count;
    for (Expr *e = top; e->kind == EX_BINARY; e = e->lhs) ARENA_PUSH(c->a, &c->spine, e);
    Type *lt = NULL;
    for (size_t i = c->spine.count; i-- > base;) {
        Expr *e = c->spine.items[i];
        lt = check_binary_node(c, e, lt);
        if (i > base) type_fold(e, c->dl);   /* check_expr folds the top */
    }
    c->spine.count = base;
    return lt;
}

static Type *check_set(Checker *c, Expr *e, Type *expected)
{
    Type *elem = expected && expected->kind == TY_SET ? expected->elem : NULL;
    if (e->items.count == 0) {
        if (!elem) {
            diag_add(c->dl, DIAG_ERROR, "type", e->span, "the type of an empty set '{}' is not known here");
            return set_type(e, &type_error);
        }
        return set_type(e, type_set(c->a, elem));
    }
    if (!elem) {
        for (size_t i = 0; i < e->items.count && !elem; i++)
            if (!needs_context(c, e->items.items[i])) elem = check_expr(c, e->items.items[i], NULL);
        if (!elem) elem = check_expr(c, e->items.items[0], NULL);
    }
    if (elem->kind == TY_ERROR) return set_type(e, &type_error);
    for (size_t i = 0; i < e->items.count; i++) {
        Expr *it = e->items.items[i];
        Type *t = it->type ? it->type : check_expr(c, it, elem);
        if (t->kind != TY_ERROR && !type_equal(t, elem) && !(type_is_numeric(t) && type_is_numeric(elem)))
            diag_add(c->dl, DIAG_ERROR, "type", it->span, "a set of %s cannot hold %s",
                     tname(c, elem), tname(c, t));
        bool negative_literal = it->kind == EX_UNARY && it->op == UN_NEG &&
                                (it->lhs->kind == EX_INT || it->lhs->kind == EX_NUMBER || it->lhs->kind == EX_PERCENT);
        if (it->kind != EX_INT && it->kind != EX_NAME && it->kind != EX_TEXT && it->kind != EX_DATE &&
            it->kind != EX_NUMBER && it->kind != EX_PERCENT && it->kind != EX_BOOL && !negative_literal)
            diag_add(c->dl, DIAG_ERROR, "not-constant", it->span, "a set holds constants, not expressions");
        else if (it->kind == EX_NAME && it->enum_value < 0 && t->kind != TY_ERROR)
            diag_add(c->dl, DIAG_ERROR, "not-constant", it->span,
                     "a set holds constants; '%s' is not an enum value", it->name.text);
    }
    return set_type(e, type_set(c->a, elem));
}

static Type *check_in(Checker *c, Expr *e)
{
    Expr *rhs = e->rhs;
    if (rhs->kind == EX_RANGE) {
        Type *l = check_expr(c, e->lhs, NULL);
        Type *lo = check_expr(c, rhs->lhs, l), *hi = check_expr(c, rhs->rhs, l);
        if (l->kind != TY_ERROR && !(type_is_numeric(l) || l->kind == TY_DATE))
            diag_add(c->dl, DIAG_ERROR, "type", e->lhs->span, "a range holds numbers or dates, not %s",
                     tname(c, l));
        else if (!comparable(l, lo) || !comparable(l, hi))
            diag_add(c->dl, DIAG_ERROR, "type", rhs->span, "cannot compare %s with the range's bounds",
                     tname(c, l));
        else {
            bool fixed = type_is_fixed(l) || type_is_fixed(lo) || type_is_fixed(hi);
            type_fits_fixed(e->lhs, fixed, c->dl);
            type_fits_fixed(rhs->lhs, fixed, c->dl);
            type_fits_fixed(rhs->rhs, fixed, c->dl);
        }
        rhs->type = l;
        return set_type(e, &type_bool);
    }
    Type *l;
    if (needs_context(c, e->lhs)) {
        Type *r = check_expr(c, rhs, NULL);
        l = check_expr(c, e->lhs, r->kind == TY_SET ? r->elem : NULL);
    } else {
        l = check_expr(c, e->lhs, NULL);
        check_expr(c, rhs, l->kind == TY_ERROR ? NULL : type_set(c->a, l));
    }
    Type *r = rhs->type;
    if (l->kind == TY_ERROR || r->kind == TY_ERROR) return set_type(e, &type_bool);
    if (r->kind != TY_SET) {
        diag_add(c->dl, DIAG_ERROR, "type", rhs->span, "'in' needs a set or a range, found %s",
                 tname(c, r));
    } else if (!comparable(l, r->elem)) {
        diag_add(c->dl, DIAG_ERROR, "type", e->span, "cannot look for %s in a set of %s",
                 tname(c, l), tname(c, r->elem));
    } else if (rhs->kind == EX_SET && l->kind != TY_TEXT) {
        bool fixed = type_is_fixed(l) || type_is_fixed(r->elem);
        type_fits_fixed(e->lhs, fixed, c->dl);
        for (size_t i = 0; i < rhs->items.count; i++) type_fits_fixed(rhs->items.items[i], fixed, c->dl);
    }
    return set_type(e, &type_bool);
}

typedef struct FuncSig {
    Func fn;
    int min_args, max_args;   /* max -1: any */
    TypeKind arg;             /* TY_ERROR: numeric of either kind */
    TypeKind result;          /* TY_ERROR: same as the argument */
} FuncSig;

static const FuncSig signatures[FN__COUNT] = {
    [FN_YEARS_BETWEEN] = {FN_YEARS_BETWEEN, 2, 2, TY_DATE, TY_INT},
    [FN_DAYS_BETWEEN] = {FN_DAYS_BETWEEN, 2, 2, TY_DATE, TY_INT},
    [FN_COUNT_TRUE] = {FN_COUNT_TRUE, 1, -1, TY_BOOL, TY_INT},
    [FN_VALID_RESIDENT_ID] = {FN_VALID_RESIDENT_ID, 1, 1, TY_TEXT, TY_BOOL},
    [FN_ID_BIRTH_DATE] = {FN_ID_BIRTH_DATE, 1, 1, TY_TEXT, TY_DATE},
    [FN_ID_MALE] = {FN_ID_MALE, 1, 1, TY_TEXT, TY_BOOL},
    [FN_MIN] = {FN_MIN, 2, 2, TY_ERROR, TY_ERROR},
    [FN_MAX] = {FN_MAX, 2, 2, TY_ERROR, TY_ERROR},
    [FN_ABS] = {FN_ABS, 1, 1, TY_ERROR, TY_ERROR},
    [FN_CEIL] = {FN_CEIL, 1, 1, TY_ERROR, TY_INT},
    [FN_FLOOR] = {FN_FLOOR, 1, 1, TY_ERROR, TY_INT},
    [FN_ROUND] = {FN_ROUND, 1, 1, TY_ERROR, TY_INT},
    [FN_LEN] = {FN_LEN, 1, 1, TY_TEXT, TY_INT},
    [FN_YEAR_OF] = {FN_YEAR_OF, 1, 1, TY_DATE, TY_INT},
    [FN_MONTH_OF] = {FN_MONTH_OF, 1, 1, TY_DATE, TY_INT},
    [FN_DAY_OF] = {FN_DAY_OF, 1, 1, TY_DATE, TY_INT},
};

static Type *scalar(TypeKind k)
{
    switch (k) {
    case TY_INT: return &type_int;
    case TY_NUMBER: return &type_number;
    case TY_PERCENT: return &type_percent;
    case TY_BOOL: return &type_bool;
    case TY_TEXT: return &type_text;
    case TY_DATE: return &type_date;
    default: return &type_error;
    }
}

static Type *check_call(Checker *c, Expr *e)
{
    Symbol *s = check_lookup(c->r, e->name.text);
    if (!s || s->kind != SYM_FUNCTION) {
        for (size_t i = 0; i < e->items.count; i++) check_expr(c, e->items.items[i], NULL);
        if (s) diag_add(c->dl, DIAG_ERROR, "not-a-function", e->name.span, "'%s' is not a function", e->name.text);
        else {
            diag_add(c->dl, DIAG_ERROR, "unknown-name", e->name.span, "unknown function '%s'", e->name.text);
            const char *near = NULL;
            int best = 3;
            for (size_t i = 0; i < sizeof functions / sizeof *functions; i++) {
                int d = edit_distance(e->name.text, functions[i].name, 2);
                if (d < best) { best = d; near = functions[i].name; }
            }
            if (near) diag_note(c->dl, "did you mean '%s'?", near);
        }
        return set_type(e, &type_error);
    }
    e->sym = s;
    const FuncSig *sig = &signatures[s->index];
    int n = (int)e->items.count;
    if (n < sig->min_args || (sig->max_args >= 0 && n > sig->max_args)) {
        bool one = sig->min_args == 1;
        if (sig->min_args == sig->max_args)
            diag_add(c->dl, DIAG_ERROR, "arity", e->span,
                     one ? "'%s' takes %d argument, found %d" : "'%s' takes %d arguments, found %d",
                     s->name, sig->min_args, n);
        else
            diag_add(c->dl, DIAG_ERROR, "arity", e->span,
                     one ? "'%s' takes at least %d argument, found %d" : "'%s' takes at least %d arguments, found %d",
                     s->name, sig->min_args, n);
        for (int i = 0; i < n; i++) check_expr(c, e->items.items[i], NULL);
        return set_type(e, &type_error);
    }
    Type *common = NULL;
    for (int i = 0; i < n; i++) {
        Expr *arg = e->items.items[i];
        Phrase ph;
        if (sig->arg != TY_ERROR) {
            check_expect(c, arg, scalar(sig->arg), phrase(&ph, "argument %d of '%s'", i + 1, s->name));
            unphrase(&ph);
            continue;
        }
        Type *t = check_expr(c, arg, NULL);
        if (t->kind == TY_ERROR) { common = &type_error; continue; }
        if (!type_is_numeric(t)) {
            diag_add(c->dl, DIAG_ERROR, "type", arg->span, "%s must be a number, found %s",
                     phrase(&ph, "argument %d of '%s'", i + 1, s->name), tname(c, t));
            unphrase(&ph);
            common = &type_error;
            continue;
        }
        common = !common ? t : common->kind == TY_ERROR ? common : numeric_result(common, t);
    }
    if (sig->result != TY_ERROR) return set_type(e, scalar(sig->result));
    if (common && (sig->fn == FN_MIN || sig->fn == FN_MAX))   /* ints among numbers converted */
        for (int i = 0; i < n; i++) type_fits_fixed(e->items.items[i], type_is_fixed(common), c->dl);
    return set_type(e, common ? common : &type_error);
}

/* case/if: all results share the first typed result's type (or the expected one). */
/* The type that holds both numeric types a and b (int and number: number), or NULL. */
static Type *numeric_join(Type *a, Type *b)
{
    if (type_equal(a, b)) return a;
    if (!type_is_numeric(a) || !type_is_numeric(b)) return NULL;
    if (a->kind == TY_INT && b->kind == TY_PERCENT) return NULL;
    if (a->kind == TY_PERCENT && b->kind == TY_INT) return NULL;
    return &type_number;
}

/* case/if: the results share one type — the expected one (ints widen to number), or else the
 * first result's, widened to number when ints and numbers mix. */
static Type *check_results(Checker *c, Expr **results, size_t n, Type *expected, Span span)
{
    (void)span;
    Type *t = expected;
    if (!t)
        for (size_t i = 0; i < n && !t; i++)
            if (!needs_context(c, results[i])) t = check_expr(c, results[i], NULL);
    if (!t) t = check_expr(c, results[0], NULL);
    if (t->kind == TY_ERROR) {
        for (size_t i = 0; i < n; i++)
            if (!results[i]->type) check_expr(c, results[i], NULL);
        return t;
    }
    for (size_t i = 0; i < n; i++) {
        Type *ti = results[i]->type ? results[i]->type : check_expr(c, results[i], t);
        if (ti->kind == TY_ERROR) continue;
        if (assignable(ti, t)) continue;
        Type *joined = expected ? NULL : numeric_join(t, ti);
        if (joined) {
            t = joined;
            continue;
        }
        diag_add(c->dl, DIAG_ERROR, "type", results[i]->span, "every branch must give %s, this one gives %s",
                 tname(c, t), tname(c, ti));
    }
    for (size_t i = 0; i < n; i++) type_fits_fixed(results[i], type_is_fixed(t), c->dl);
    return t;
}

static Type *check_case(Checker *c, Expr *e, Type *expected)
{
    for (size_t i = 0; i < e->conds.count; i++)
        check_expect(c, e->conds.items[i], &type_bool, tr("a 'when' condition"));
    size_t n = e->items.count + 1;
    Expr **results = arena_alloc(c->a, n * sizeof *results);
    for (size_t i = 0; i < e->items.count; i++) results[i] = e->items.items[i];
    results[n - 1] = e->rhs;
    return set_type(e, check_results(c, results, n, expected, e->span));
}

static Type *check_if(Checker *c, Expr *e, Type *expected)
{
    check_expect(c, e->cond, &type_bool, tr("the condition of 'if'"));
    Expr *results[2] = {e->lhs, e->rhs};
    return set_type(e, check_results(c, results, 2, expected, e->span));
}

/* One index node t[k], its table's type known. */
static Type *check_index_node(Checker *c, Expr *e, Type *t)
{
    if (t->kind == TY_ERROR) { check_expr(c, e->rhs, NULL); return set_type(e, &type_error); }
    if (t->kind != TY_TABLE) {
        diag_add(c->dl, DIAG_ERROR, "type", e->lhs->span, "only a table param can be indexed, found %s",
                 tname(c, t));
        check_expr(c, e->rhs, NULL);
        return set_type(e, &type_error);
    }
    Type *key = type_enum(c->a, t->en);
    check_expect(c, e->rhs, key, tr("the index"));
    return set_type(e, t->elem);
}

/* t[a][b][c]...: a left spine like an operator chain, walked the same way. */
static Type *check_index(Checker *c, Expr *top)
{
    size_t base = c->spine.count;
    Expr *e = top;
    for (; e->kind == EX_INDEX; e = e->lhs) ARENA_PUSH(c->a, &c->spine, e);
    Type *t = check_expr(c, e, NULL);
    for (size_t i = c->spine.count; i-- > base;) {
        t = check_index_node(c, c->spine.items[i], t);
        if (i > base) type_fold(c->spine.items[i], c->dl);
    }
    c->spine.count = base;
    return t;
}

static Type *check_map(Checker *c, Expr *e, Type *expected)
{
    if (!expected || expected->kind != TY_TABLE) {
        diag_add(c->dl, DIAG_ERROR, "type", e->span,
                 "a table '{a: 1, ...}' is only the value of a param declared 'T by ENUM'");
        return set_type(e, &type_error);
    }
    EnumType *en = expected->en;
    bool *seen = arena_alloc(c->a, en->values.count + 1);
    for (size_t i = 0; i < e->keys.count; i++) {
        Name k = e->keys.items[i];
        int idx = enum_find(en, k.text);
        if (idx < 0) {
            StrBuf sb = {0};
            list_enum_values(&sb, en);
            diag_add(c->dl, DIAG_ERROR, "enum-value", k.span, "'%s' is not a value of enum %s (%s)",
                     k.text, en->name, sb_str(&sb));
            sb_free(&sb);
            suggest(c, k.text, en);
        } else if (seen[idx]) {
            diag_add(c->dl, DIAG_ERROR, "duplicate", k.span, "'%s' is given twice", k.text);
        } else {
            seen[idx] = true;
        }
        check_expect(c, e->items.items[i], expected->elem, tr("a value of this table"));
    }
    for (size_t i = 0; i < en->values.count; i++)
        if (!seen[i]) {
            diag_add(c->dl, DIAG_ERROR, "incomplete", e->span, "the table has no value for '%s'",
                     en->values.items[i].name.text);
            break;
        }
    return set_type(e, expected);
}

static Type *check_node(Checker *c, Expr *e, Type *expected)
{
    if (c->scope.constant && e->kind != EX_MAP && e->kind != EX_SET && e->kind != EX_NAME &&
        e->kind != EX_UNARY && e->kind > EX_DATE) {
        diag_add(c->dl, DIAG_ERROR, "not-constant", e->span, "%s must be a constant", c->scope.where);
        return set_type(e, &type_error);
    }
    switch (e->kind) {
    case EX_INT: return set_type(e, &type_int);
    case EX_NUMBER: return set_type(e, &type_number);
    case EX_PERCENT: return set_type(e, &type_percent);
    case EX_BOOL: return set_type(e, &type_bool);
    case EX_TEXT: return set_type(e, &type_text);
    case EX_DATE: return set_type(e, &type_date);
    case EX_NAME: return check_name(c, e, expected);
    case EX_SET: return check_set(c, e, expected);
    case EX_MAP: return check_map(c, e, expected);
    case EX_RANGE:
        diag_add(c->dl, DIAG_ERROR, "syntax", e->span, "a range 'a..b' stands only after 'in'");
        return set_type(e, &type_error);
    case EX_UNARY:
        if (e->op == UN_NOT) {
            check_expect(c, e->lhs, &type_bool, tr("the operand of 'not'"));
            return set_type(e, &type_bool);
        } else {
            Type *t = check_expr(c, e->lhs, NULL);
            if (t->kind != TY_ERROR && !type_is_numeric(t)) {
                diag_add(c->dl, DIAG_ERROR, "type", e->span, "cannot negate %s", tname(c, t));
                return set_type(e, &type_error);
            }
            return set_type(e, t);
        }
    case EX_BINARY: return check_binary(c, e);
    case EX_IN: return check_in(c, e);
    case EX_CALL: return check_call(c, e);
    case EX_INDEX: return check_index(c, e);
    case EX_CASE: return check_case(c, e, expected);
    case EX_IF: return check_if(c, e, expected);
    }
    return set_type(e, &type_error);
}

/* Type e (and everything under it), then fold it. Nesting past CHECK_MAX_NESTING is an error
 * at the node where it happens, and that node's inside is not looked at. */
static Type *check_expr(Checker *c, Expr *e, Type *expected)
{
    if (c->depth >= CHECK_MAX_NESTING) {
        diag_add(c->dl, DIAG_ERROR, "too-deep", e->span,
                 "this expression nests more than %d levels deep; split it into lets", CHECK_MAX_NESTING);
        e->fold = FOLD_NO;
        return set_type(e, &type_error);
    }
    c->depth++;
    Type *t = check_node(c, e, expected);
    c->depth--;
    type_fold(e, c->dl);
    return t;
}

/* ---- lets and categories: ordered, then checked in that order ------------------------------
 *
 * A let may read lets declared after it, so they are checked in dependency order (which is
 * also Rules.eval_order, the order the compiled code computes them in). First the order: each
 * let's and category's expression is scanned for the names of other lets and categories, and
 * a depth-first walk over those edges, with a stack of its own, lists each after what it reads
 * and reports a let that depends on itself. A name that is also the value of some enum is only
 * maybe an edge (in `kind == none` the `none` is the enum value, not a let named none), so a
 * cycle through such a name is left to the checker to find. Then each is checked in that
 * order. If a let reads one not checked yet (possible only through such names), its check is
 * abandoned (its diagnostics dropped), the other is checked first, and it is checked again. */

typedef struct Dep {
    Symbol *to;                /* a let or category the expression names */
    Span use;                  /* where */
    bool certain;              /* the name is not an enum value, so it is this let */
} Dep;

typedef struct LetGraph {      /* scratch of check_lets (malloc'd: it is freed right after) */
    size_t n;                  /* lets, then categories: node = index, or nlets + index */
    size_t nlets;
    size_t *first;             /* node's deps are deps[first[node] .. first[node + 1]) */
    VEC(Dep) deps;
    uint8_t *state;            /* 0 not reached, 1 on the walk's stack, 2 done */
    uint32_t *pos;             /* state 1: position on the stack */
    VEC(Symbol *) order;       /* each after what it reads */
    VEC(Symbol *) stack;       /* the walk's: nodes, */
    VEC(size_t) edge;          /* ... the next of each one's deps to follow, */
    VEC(size_t) amb;           /* ... and the deps that are only maybe edges on the way to it */
} LetGraph;

static size_t node_of(const LetGraph *g, const Symbol *s)
{
    return s->kind == SYM_LET ? (size_t)s->index : g->nlets + (size_t)s->index;
}

static Expr *person_expr(const Symbol *s)
{
    return s->kind == SYM_LET ? s->decl->value : s->decl->when;
}

/* Push e's children so that they pop in the order the checker reads them. */
static void push_children(Checker *c, ExprStack *st, Expr *e)
{
    Expr *kids[3];
    size_t n = 0;
    const ExprList *lists[2] = {NULL, NULL};
    switch (e->kind) {
    case EX_UNARY: kids[n++] = e->lhs; break;
    case EX_BINARY: case EX_IN: case EX_RANGE: case EX_INDEX: kids[n++] = e->lhs; kids[n++] = e->rhs; break;
    case EX_CALL: case EX_SET: case EX_MAP: lists[0] = &e->items; break;
    case EX_CASE: lists[0] = &e->conds; lists[1] = &e->items; kids[n++] = e->rhs; break;
    case EX_IF: kids[n++] = e->cond; kids[n++] = e->lhs; kids[n++] = e->rhs; break;
    default: break;
    }
    while (n) if (kids[--n]) ARENA_PUSH(c->a, st, kids[n]);
    for (int k = 1; k >= 0; k--)
        for (size_t i = lists[k] ? lists[k]->count : 0; i-- > 0;) ARENA_PUSH(c->a, st, lists[k]->items[i]);
}

/* The lets and categories that s's expression names, in reading order. */
static void scan_deps(Checker *c, LetGraph *g, Symbol *s)
{
    ExprStack *st = &c->spine;
    size_t base = st->count;
    if (person_expr(s)) ARENA_PUSH(c->a, st, person_expr(s));
    while (st->count > base) {
        Expr *e = st->items[--st->count];
        push_children(c, st, e);
        if (e->kind != EX_NAME) continue;
        Symbol *to = check_lookup(c->r, e->name.text);
        if (!to || (to->kind != SYM_LET && to->kind != SYM_CATEGORY)) continue;
        Dep d = {to, e->span, enums_having(c, e->name.text) == NULL};
        VEC_PUSH(&g->deps, d);
    }
}

/* "let 'a' depends on itself: a -> b -> a" (a long cycle shortened in the middle). */
static void report_cycle(Checker *c, Symbol **path, size_t n, Symbol *s, Span use)
{
    enum { SHOWN = 6 };
    StrBuf sb = {0};
    for (size_t i = 0; i < n; i++) {
        if (n > 2 * SHOWN && i == SHOWN) {
            sb_printf(&sb, tr("... (%zu more) -> "), n - 2 * SHOWN);
            i = n - SHOWN;
        }
        sb_printf(&sb, "%s -> ", path[i]->name);
    }
    sb_puts(&sb, s->name);
    diag_add(c->dl, DIAG_ERROR, "cycle", use, "%s '%s' depends on itself: %s",
             s->kind == SYM_LET ? "let" : "category", s->name, sb_str(&sb)); /* not a message: keywords */
    sb_free(&sb);
    s->quiet = true;           /* reported: stay quiet about this cycle from now on */
}

/* The depth-first walk from root: appends to g->order each node after those it reads. */
static void walk_deps(Checker *c, LetGraph *g, Symbol *root)
{
    size_t r = node_of(g, root);
    g->state[r] = 1;
    g->pos[r] = 0;
    VEC_PUSH(&g->stack, root);
    VEC_PUSH(&g->edge, g->first[r]);
    VEC_PUSH(&g->amb, (size_t)0);
    while (g->stack.count) {
        size_t top = g->stack.count - 1, u = node_of(g, g->stack.items[top]);
        if (g->edge.items[top] == g->first[u + 1]) {
            g->state[u] = 2;
            VEC_PUSH(&g->order, g->stack.items[top]);
            g->stack.count--, g->edge.count--, g->amb.count--;
            continue;
        }
        Dep *d = &g->deps.items[g->edge.items[top]++];
        size_t v = node_of(g, d->to), amb = g->amb.items[top] + !d->certain;
        if (g->state[v] == 0) {
            g->state[v] = 1;
            g->pos[v] = (uint32_t)g->stack.count;
            VEC_PUSH(&g->stack, d->to);
            VEC_PUSH(&g->edge, g->first[v]);
            VEC_PUSH(&g->amb, amb);
        } else if (g->state[v] == 1 && d->certain && !d->to->quiet && g->amb.items[top] == g->amb.items[g->pos[v]]) {
            report_cycle(c, g->stack.items + g->pos[v], g->stack.count - g->pos[v], d->to, d->use);
        }
    }
}

/* The order to check lets and categories in (g->order), each after what it certainly reads. */
static void order_lets(Checker *c, Module *m, LetGraph *g)
{
    g->nlets = c->r->lets.count;
    g->n = g->nlets + c->r->categories.count;
    g->first = xcalloc(g->n + 1, sizeof *g->first);
    g->state = xcalloc(g->n + 1, 1);
    g->pos = xcalloc(g->n + 1, sizeof *g->pos);
    for (size_t i = 0; i < g->n; i++) {
        g->first[i] = g->deps.count;
        scan_deps(c, g, i < g->nlets ? c->r->lets.items[i] : c->r->categories.items[i - g->nlets]);
    }
    g->first[g->n] = g->deps.count;
    for (size_t i = 0; i < m->decls.count; i++) {
        Decl *d = m->decls.items[i];
        if ((d->kind == DECL_LET || d->kind == DECL_CATEGORY) && d->sym && g->state[node_of(g, d->sym)] == 0)
            walk_deps(c, g, d->sym);
    }
}

/* Forget the diagnostics added since `mark` (an abandoned check). */
static void drop_diags(DiagList *dl, size_t mark)
{
    for (size_t i = mark; i < dl->count; i++) {
        if (dl->items[i].severity == DIAG_ERROR) dl->errors--;
        else if (dl->items[i].severity == DIAG_WARNING) dl->warnings--;
        free(dl->items[i].message);
        free(dl->items[i].note);
    }
    dl->count = mark;
}

/* A use of a let or category from inside another: fine when it is checked already; a cycle
 * when it is being checked; otherwise the reader must wait for it (see check_lets). */
static void check_person_symbol(Checker *c, Symbol *s, Span use)
{
    if (s->visiting == 2 || s->quiet || c->waiting_for) return;
    if (s->visiting == 1) {
        size_t start = 0;
        for (size_t i = 0; i < c->path.count; i++)
            if (c->path.items[i] == s) start = i;
        report_cycle(c, c->path.items + start, c->path.count - start, s, use);
        return;
    }
    c->waiting_for = s;
}

/* Check one let's value or category's condition; the let's type when it declares none. */
static Type *check_person_body(Checker *c, Symbol *s)
{
    c->scope = (Scope){.record = c->r->subject, .person = true,
                       .where = s->kind == SYM_LET ? tr("a let") : tr("a category")};
    Decl *d = s->decl;
    if (s->kind == SYM_LET) {
        Type *declared = d->type ? s->type : NULL;
        return declared ? check_expect(c, d->value, declared, tr("the value of this let"))
                        : check_expr(c, d->value, NULL);
    }
    Phrase ph;
    Type *t = check_expect(c, d->when, &type_bool, phrase(&ph, "the condition of category '%s'", s->name));
    unphrase(&ph);
    return t;
}

/* Check root, and first whatever it turns out to read that is not checked yet. */
static void check_from(Checker *c, Symbol *root)
{
    root->visiting = 1;
    ARENA_PUSH(c->a, &c->path, root);
    while (c->path.count) {
        Symbol *s = c->path.items[c->path.count - 1];
        size_t mark = c->dl->count;
        c->waiting_for = NULL;
        Type *t = check_person_body(c, s);
        if (c->waiting_for) {
            drop_diags(c->dl, mark);
            c->waiting_for->visiting = 1;
            ARENA_PUSH(c->a, &c->path, c->waiting_for);
            c->waiting_for = NULL;
            continue;
        }
        if (s->kind == SYM_LET && !s->decl->type) s->type = t;
        c->path.count--;
        s->visiting = 2;
        ARENA_PUSH(c->a, &c->r->eval_order, s);
    }
}

static void check_lets(Checker *c, Module *m)
{
    LetGraph g = {0};
    order_lets(c, m, &g);
    for (size_t i = 0; i < g.order.count; i++)
        if (g.order.items[i]->visiting == 0) check_from(c, g.order.items[i]);
    free(g.first);
    free(g.state);
    free(g.pos);
    VEC_FREE(&g.deps);
    VEC_FREE(&g.order);
    VEC_FREE(&g.stack);
    VEC_FREE(&g.edge);
    VEC_FREE(&g.amb);
}

/* ---- pass 1: declarations ------------------------------------------------------------------- */

/* s in ASCII lower case (SQLite folds only ASCII letters), in the arena. */
static const char *ascii_lower(Checker *c, const char *s)
{
    char *t = arena_strdup(c->a, s);
    for (char *p = t; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    return t;
}

/* Records are tables of the ledger and fields its columns: SQLite keeps names starting with
 * sqlite_ for itself, and doudi_ is kept for the ledger's own tables. */
static void check_reserved(Checker *c, Name n, const char *what)
{
    const char *low = ascii_lower(c, n.text);
    if (!strncmp(low, "doudi_", 6) || !strncmp(low, "sqlite_", 7))
        diag_add(c->dl, DIAG_ERROR, "reserved-name", n.span,
                 "the %s name '%s' is reserved: names starting with 'doudi_' or 'sqlite_' belong to "
                 "the ledger's own tables", what, n.text);
}

/* Two names the ledger cannot tell apart: SQLite compares table and column names ignoring
 * ASCII case. `first` is where the other one was declared. */
static void case_clash(Checker *c, Name n, const char *what, Name first)
{
    diag_add(c->dl, DIAG_ERROR, "duplicate", n.span,
             "%s '%s' differs from %s '%s' only in upper and lower case, which the ledger does not tell apart",
             what, n.text, what, first.text);
    diag_note(c->dl, "'%s' is declared at %s", first.text, where_text(first.span.file, first.span, c->a));
}

/* Index a record's fields by name; a field declared twice, or twice up to case, is an error.
 * Returns, per field, whether it repeats an earlier one. */
static bool *index_fields(Checker *c, Decl *d)
{
    bool *again = arena_alloc(c->a, d->fields.count + 1);
    d->field_index = name_index_new(c->a, d->fields.count);
    NameIndex *folded = name_index_new(c->a, d->fields.count);
    for (size_t i = 0; i < d->fields.count; i++) {
        Field *f = &d->fields.items[i];
        check_reserved(c, f->name, "field");
        if (name_index_add(d->field_index, f->name.text, (uint32_t)i) >= 0) {
            diag_add(c->dl, DIAG_ERROR, "duplicate", f->name.span,
                     "field '%s' is already declared in record %s", f->name.text, d->name.text);
            again[i] = true;
            continue;
        }
        int other = name_index_add(folded, ascii_lower(c, f->name.text), (uint32_t)i);
        if (other >= 0) case_clash(c, f->name, "field", d->fields.items[other].name);
    }
    return again;
}

/* A record name, against the other records' names up to case and the reserved prefixes. */
static void check_record_name(Checker *c, Decl *d)
{
    check_reserved(c, d->name, "record");
    int other = name_index_add(c->record_names, ascii_lower(c, d->name.text), (uint32_t)c->r->records.count);
    if (other >= 0 && strcmp(c->r->records.items[other]->name.text, d->name.text) != 0)
        case_clash(c, d->name, "record", c->r->records.items[other]->name);
}

static void declare_record(Checker *c, Decl *d)
{
    Symbol *rs = declare(c, SYM_RECORD, d->name);
    if (rs) { rs->decl = d; rs->label = d->label; rs->used = true; }
    d->sym = rs;
    bool subject = c->r->subject == NULL;
    if (subject) c->r->subject = d;
    if (rs) check_record_name(c, d);
    ARENA_PUSH(c->a, &c->r->records, d);
    bool *repeated = index_fields(c, d);
    int keys = 0;
    for (size_t i = 0; i < d->fields.count; i++) {
        Field *f = &d->fields.items[i];
        bool again = repeated[i];
        f->resolved = resolve_type(c, f->type, f->name.text);
        if (f->resolved->kind == TY_TABLE || f->resolved->kind == TY_SET)
            diag_add(c->dl, DIAG_ERROR, "type", f->type->span, "a field holds one value, not a table");
        if (f->is_key) {
            if (keys++)
                diag_add(c->dl, DIAG_ERROR, "duplicate", f->name.span, "record %s has two keys",
                         d->name.text);
            if (f->resolved->kind != TY_TEXT && f->resolved->kind != TY_INT)
                diag_add(c->dl, DIAG_ERROR, "type", f->name.span, "a key must be text or int");
        }
        if (!subject || again) continue;
        Symbol *s = declare(c, SYM_FIELD, f->name);
        if (!s) continue;
        s->decl = d;
        s->field = f;
        s->index = (int)i;
        s->type = f->resolved;
        s->label = f->label;
        s->used = true;
        s->person_only = true;
    }
    if (keys == 0)
        diag_add(c->dl, DIAG_ERROR, "no-key", d->name.span,
                 "record %s has no key field; mark one field 'key'", d->name.text);
}

static void declare_decl(Checker *c, Decl *d)
{
    Symbol *s = NULL;
    switch (d->kind) {
    case DECL_POLICY:
        if (c->r->policy)
            diag_add(c->dl, DIAG_ERROR, "duplicate", d->span, "a rule file has one policy line");
        else c->r->policy = d;
        return;
    case DECL_ENUM:
        if ((s = declare(c, SYM_ENUM, d->name)))
            s->type = type_enum(c->a, new_enum(c, d->name.text, d->label, d->values, d->name.span));
        break;
    case DECL_RECORD:
        declare_record(c, d);
        return;
    case DECL_PARAM:
        if ((s = declare(c, SYM_PARAM, d->name))) {
            s->type = resolve_type(c, d->type, d->name.text);
            s->index = (int)c->r->params.count;
            ARENA_PUSH(c->a, &c->r->params, s);
        }
        break;
    case DECL_LET:
        if ((s = declare(c, SYM_LET, d->name))) {
            if (d->type) s->type = resolve_type(c, d->type, d->name.text);
            s->index = (int)c->r->lets.count;
            s->person_only = true;
            ARENA_PUSH(c->a, &c->r->lets, s);
        }
        break;
    case DECL_CATEGORY:
        if ((s = declare(c, SYM_CATEGORY, d->name))) {
            s->type = &type_bool;
            s->index = (int)c->r->categories.count;
            s->person_only = true;
            s->used = true;
            ARENA_PUSH(c->a, &c->r->categories, s);
        }
        break;
    case DECL_PLACEMENT:
        if (c->r->placement) {
            diag_add(c->dl, DIAG_ERROR, "duplicate", d->name.span, "a rule file has one placement");
            return;
        }
        c->r->placement = d;
        if ((s = declare(c, SYM_PLACEMENT, d->name))) {
            s->type = resolve_type(c, d->type, d->name.text);
            s->used = true;
            if (s->type->kind == TY_ENUM) c->r->placement_enum = s->type->en;
            else if (s->type->kind != TY_ERROR)
                diag_add(c->dl, DIAG_ERROR, "type", d->type->span,
                         "a placement's type must be an enum, found %s", tname(c, s->type));
            c->r->placement_sym = s;
        }
        break;
    case DECL_SCHEDULE:
        if (c->r->schedule) diag_add(c->dl, DIAG_ERROR, "duplicate", d->span, "a rule file has one schedule");
        else c->r->schedule = d;
        return;
    case DECL_CAPACITY:
        if (c->r->capacity) diag_add(c->dl, DIAG_ERROR, "duplicate", d->span, "a rule file has one capacity plan");
        else c->r->capacity = d;
        return;
    case DECL_NOTICE:
        if (c->r->notice) diag_add(c->dl, DIAG_ERROR, "duplicate", d->span, "a rule file has one notice");
        else c->r->notice = d;
        return;
    case DECL_TABLE:
        if ((s = declare(c, SYM_TABLE, d->name))) s->used = true;
        ARENA_PUSH(c->a, &c->r->tables, d);
        break;
    case DECL_EXAMPLE:
        if ((s = declare(c, SYM_EXAMPLE, d->name))) s->used = true;
        ARENA_PUSH(c->a, &c->r->examples, d);
        break;
    case DECL_TEST:
        for (size_t i = 0; i < c->r->tests.count; i++)
            if (strcmp(c->r->tests.items[i]->label, d->label) == 0) {
                diag_add(c->dl, DIAG_ERROR, "duplicate", d->name.span, "a test named \"%s\" already exists",
                         d->label);
                break;
            }
        ARENA_PUSH(c->a, &c->r->tests, d);
        return;
    }
    if (s) {
        s->decl = d;
        s->label = d->label;
    }
    d->sym = s;
}

/* The categories as an enum: `primary` has this type, `categories` a set of it. */
static void declare_outcomes(Checker *c)
{
    EnumType *en = arena_alloc(c->a, sizeof *en);
    en->name = "category";
    en->index = (int)c->r->enums.count;
    ARENA_PUSH(c->a, &c->r->enums, en);
    c->r->category_enum = en;
    Type *cat = type_enum(c->a, en);
    declare_builtin(c, SYM_BUILTIN, "category_count", &type_int, BI_CATEGORY_COUNT);
    declare_builtin(c, SYM_BUILTIN, "primary", cat, BI_PRIMARY);
    declare_builtin(c, SYM_BUILTIN, "categories", type_set(c->a, cat), BI_CATEGORIES);
    declare_builtin(c, SYM_BUILTIN, "year", &type_int, BI_YEAR);
}

/* The category enum's values, once every category is declared. */
static void fill_category_enum(Checker *c)
{
    EnumType *en = c->r->category_enum;
    en->value_index = name_index_new(c->a, c->r->categories.count);
    for (size_t i = 0; i < c->r->categories.count; i++) {
        Symbol *s = c->r->categories.items[i];
        EnumValueDecl v = {.name = {s->name, s->span}, .label = s->label};
        ARENA_PUSH(c->a, &en->values, v);
        name_index_add(en->value_index, s->name, (uint32_t)i);
    }
}

/* ---- pass 3: the other declarations --------------------------------------------------------- */

/* The value of a constant percent: a literal, its negation, or a param holding one. */
static bool percent_value(const Expr *e, int64_t *v)
{
    if (!e) return false;
    if (e->kind == EX_PERCENT) { *v = e->v.i; return true; }
    if (e->kind == EX_UNARY && e->op == UN_NEG && percent_value(e->lhs, v)) { *v = -*v; return true; }
    if (e->kind == EX_NAME && e->sym && e->sym->kind == SYM_PARAM && e->sym->decl->value != e)
        return percent_value(e->sym->decl->value, v);
    return false;
}

static void format_percent(char *buf, size_t n, int64_t v)
{
    if (v % 100) snprintf(buf, n, "%s%lld.%02lld%%", v < 0 ? "-" : "", (long long)(llabs(v) / 100), (long long)(llabs(v) % 100));
    else snprintf(buf, n, "%lld%%", (long long)(v / 100));
}

static void check_percent_range(Checker *c, Expr *e, const char *what)
{
    int64_t v;
    if (!percent_value(e, &v)) return;
    if (v < 0 || v > 100 * 100) {
        char buf[64];
        format_percent(buf, sizeof buf, v);
        diag_add(c->dl, DIAG_ERROR, "percent-range", e->span, "%s %s is outside 0%%..100%%", what, buf);
    }
}

static void check_param(Checker *c, Decl *d)
{
    Symbol *s = d->sym;
    if (!s) return;
    c->scope = (Scope){.constant = true, .where = tr("a param's value")};
    check_expect(c, d->value, s->type, tr("the value of this param"));
    if (s->type->kind == TY_PERCENT) check_percent_range(c, d->value, tr("percent"));
    if (s->type->kind == TY_TABLE && s->type->elem->kind == TY_PERCENT && d->value->kind == EX_MAP)
        for (size_t i = 0; i < d->value->items.count; i++)
            check_percent_range(c, d->value->items.items[i], tr("percent"));
}

static void check_record_body(Checker *c, Decl *d)
{
    /* requires read fields only: they run on import, before any let */
    c->scope = (Scope){.record = d, .where = tr("a record's 'require'")};
    for (size_t i = 0; i < d->fields.count; i++) {
        Field *f = &d->fields.items[i];
        if (f->resolved->kind == TY_ERROR) continue;
        if (f->default_value) {
            Scope saved = c->scope;
            c->scope = (Scope){.constant = true, .where = tr("a default value")};
            Phrase ph;
            check_expect(c, f->default_value, f->resolved, phrase(&ph, "the default of '%s'", f->name.text));
            unphrase(&ph);
            c->scope = saved;
        }
        if (f->range) {
            Scope saved = c->scope;
            c->scope = (Scope){.constant = true, .where = tr("a field's range")};
            if (f->range->kind == EX_RANGE) {
                if (!type_is_numeric(f->resolved) && f->resolved->kind != TY_DATE)
                    diag_add(c->dl, DIAG_ERROR, "type", f->range->span,
                             "a range holds numbers or dates; '%s' is %s", f->name.text, tname(c, f->resolved));
                check_expr(c, f->range->lhs, f->resolved);
                check_expr(c, f->range->rhs, f->resolved);
                f->range->type = f->resolved;
            } else {
                check_expect(c, f->range, type_set(c->a, f->resolved), tr("the allowed values"));
                bool small = f->resolved->kind == TY_ENUM || f->resolved->kind == TY_INT;
                for (size_t k = 0; small && f->range->kind == EX_SET && k < f->range->items.count; k++) {
                    Expr *it = f->range->items.items[k];
                    small = it->kind == EX_NAME || (it->kind == EX_INT && it->v.i >= 0 && it->v.i <= 63);
                }
                if (!small)
                    diag_add(c->dl, DIAG_ERROR, "unsupported", f->range->span,
                             "a field's allowed values are enum values or ints 0..63; for other values write a range 'in lo..hi' or a 'require'");
            }
            c->scope = saved;
        }
    }
    for (size_t i = 0; i < d->requires.count; i++)
        check_expect(c, d->requires.items[i].cond, &type_bool, tr("a 'require' condition"));
}

static void check_placement(Checker *c, Decl *d)
{
    if (!c->r->placement_enum) return;
    c->scope = (Scope){.record = c->r->subject, .person = true, .outcome = true,
                       .where = tr("a placement branch")};
    Type *pt = type_enum(c->a, c->r->placement_enum);
    for (size_t i = 0; i < d->branches.count; i++) {
        Branch *b = &d->branches.items[i];
        Expr probe = {.kind = EX_NAME, .name = b->value, .span = b->value.span, .enum_value = -1};
        enum_value_expr(c, &probe, pt);
        if (b->when) check_expect(c, b->when, &type_bool, tr("the condition of a placement branch"));
        else if (i + 1 < d->branches.count)
            diag_add(c->dl, DIAG_WARNING, "unreachable", d->branches.items[i + 1].span,
                     "this branch is never reached: the one before it has 'otherwise'");
    }
}

static Symbol *category_named(Checker *c, Name n)
{
    Symbol *s = check_lookup(c->r, n.text);
    if (s && s->kind == SYM_CATEGORY) return s;
    diag_add(c->dl, DIAG_ERROR, "unknown-category", n.span, "unknown category '%s'", n.text);
    if (labels_hint(c->r, c->dl, n.text, NULL, LABEL_CATEGORIES)) return NULL;
    const char *near = NULL;
    int best = 3;
    for (size_t i = 0; i < c->r->categories.count; i++) {
        int d = edit_distance(n.text, c->r->categories.items[i]->name, 2);
        if (d < best) { best = d; near = c->r->categories.items[i]->name; }
    }
    if (near) diag_note(c->dl, "did you mean '%s'?", near);
    return NULL;
}

/* Shares of one schedule group: years increasing, cumulative shares not decreasing, ending
 * at 100%. */
static void check_cumulative_shares(Checker *c, const ShareList *shares, Span where)
{
    int64_t last_year = 0, last = -1;
    Scope saved = c->scope;
    c->scope = (Scope){.where = tr("a share")};
    for (size_t i = 0; i < shares->count; i++) {
        Share *sh = &shares->items[i];
        check_expect(c, sh->percent, &type_percent, tr("a share"));
        check_percent_range(c, sh->percent, tr("share"));
        if (i > 0 && sh->year <= last_year)
            diag_add(c->dl, DIAG_ERROR, "schedule-years", sh->span,
                     "years must increase: %lld comes after %lld", (long long)sh->year, (long long)last_year);
        last_year = sh->year;
        int64_t v;
        if (!percent_value(sh->percent, &v)) {
            if (sh->percent->type && sh->percent->type->kind == TY_PERCENT)
                diag_add(c->dl, DIAG_ERROR, "not-constant", sh->percent->span,
                         "a share must be a percent or a percent param");
            last = -1;
            continue;
        }
        if (last >= 0 && v < last) {
            char a[32], b[32];
            format_percent(a, sizeof a, v);
            format_percent(b, sizeof b, last);
            diag_add(c->dl, DIAG_ERROR, "schedule-shares", sh->percent->span,
                     "shares are cumulative and cannot decrease: %s after %s", a, b);
        }
        last = v;
    }
    if (shares->count && last >= 0 && last != 100 * 100) {
        Share *end = &shares->items[shares->count - 1];
        char a[32];
        format_percent(a, sizeof a, last);
        diag_add(c->dl, DIAG_ERROR, "schedule-shares", end->percent->span,
                 "cumulative shares must end at 100%%, found %s", a);
    }
    c->scope = saved;
    (void)where;
}

static void check_partition(Checker *c, Name per)
{
    if (!per.text) return;
    Field *f = record_field(c->r->subject, per.text, NULL);
    if (!f)
        diag_add(c->dl, DIAG_ERROR, "unknown-name", per.span, "'%s' is not a field of record %s",
                 per.text, c->r->subject ? c->r->subject->name.text : tr("(none)"));
}

static void check_schedule(Checker *c, Decl *d)
{
    c->scope = (Scope){.record = c->r->subject, .person = true, .outcome = true, .placement = true,
                       .where = tr("a schedule's order")};
    check_partition(c, d->per);
    c->scope.where = tr("the schedule's condition");
    if (d->when) check_expect(c, d->when, &type_bool, tr("the schedule's condition"));
    c->scope.where = tr("a schedule's order");
    for (size_t i = 0; i < d->order.count; i++) {
        Type *t = check_expr(c, d->order.items[i].expr, NULL);
        if (t->kind != TY_ERROR && !type_is_numeric(t) && t->kind != TY_DATE && t->kind != TY_TEXT &&
            t->kind != TY_BOOL && t->kind != TY_ENUM)
            diag_add(c->dl, DIAG_ERROR, "type", d->order.items[i].expr->span, "cannot order by %s",
                     tname(c, t));
    }
    Symbol **seen = arena_alloc(c->a, (c->r->categories.count + 1) * sizeof *seen);
    for (size_t g = 0; g < d->groups.count; g++) {
        SchedGroup *grp = &d->groups.items[g];
        for (size_t i = 0; i < grp->categories.count; i++) {
            Symbol *s = category_named(c, grp->categories.items[i]);
            if (!s) continue;
            if (seen[s->index]) {
                diag_add(c->dl, DIAG_ERROR, "duplicate", grp->categories.items[i].span,
                         "category '%s' is already in a schedule group", s->name);
                continue;
            }
            seen[s->index] = s;
        }
        check_cumulative_shares(c, &grp->shares, grp->span);
    }
    for (size_t i = 0; i < c->r->categories.count; i++)
        if (!seen[i])
            diag_add(c->dl, DIAG_WARNING, "unscheduled", d->span,
                     "category '%s' is in no schedule group: its people get no year",
                     c->r->categories.items[i]->name);
}

static void check_capacity(Checker *c, Decl *d)
{
    c->scope = (Scope){.where = tr("the capacity plan")};
    check_partition(c, d->per);
    Symbol *from = check_lookup(c->r, d->from.text);
    Decl *inst = from && from->kind == SYM_RECORD ? from->decl : NULL;
    if (!inst)
        diag_add(c->dl, DIAG_ERROR, "unknown-name", d->from.span, "'%s' is not a record", d->from.text);
    else if (inst == c->r->subject)
        diag_add(c->dl, DIAG_ERROR, "type", d->from.span,
                 "capacity reads institutions, not the record the categories are about");
    if (inst) {
        static const char *const needed[] = {"type", "beds"};
        for (int i = 0; i < 2; i++)
            if (!record_field(inst, needed[i], NULL))
                diag_add(c->dl, DIAG_ERROR, "missing-field", d->from.span,
                         "record %s needs a field '%s' for the capacity plan", inst->name.text, needed[i]);
        Field *tf = record_field(inst, "type", NULL), *bf = record_field(inst, "beds", NULL);
        if (bf && bf->resolved->kind != TY_INT && bf->resolved->kind != TY_ERROR)
            diag_add(c->dl, DIAG_ERROR, "type", bf->name.span, "an institution's beds must be int, found %s",
                     tname(c, bf->resolved));
        if (tf && c->r->placement_enum && tf->resolved->kind != TY_ERROR &&
            (tf->resolved->kind != TY_ENUM || tf->resolved->en != c->r->placement_enum))
            diag_add(c->dl, DIAG_ERROR, "type", tf->name.span,
                     "an institution's type must be the placement's enum %s", c->r->placement_enum->name);
        Field *ip = d->per.text ? record_field(inst, d->per.text, NULL) : NULL;
        Field *pp = d->per.text ? record_field(c->r->subject, d->per.text, NULL) : NULL;
        if (d->per.text && !ip)
            diag_add(c->dl, DIAG_ERROR, "missing-field", d->per.span, "record %s has no field '%s'",
                     inst->name.text, d->per.text);
        else if (ip && pp && ip->resolved->kind != TY_ERROR && pp->resolved->kind != TY_ERROR &&
                 !type_equal(ip->resolved, pp->resolved))
            diag_add(c->dl, DIAG_ERROR, "type", ip->name.span,
                     "the institutions' %s is %s and the persons' is %s: the plan matches them, so declare them alike",
                     d->per.text, tname(c, ip->resolved), tname(c, pp->resolved));
    }
    check_expect(c, d->headroom, &type_percent, tr("the headroom"));
    check_percent_range(c, d->headroom, "headroom");
    int64_t sum = 0;
    bool exact = true;
    for (size_t i = 0; i < d->build.count; i++) {
        Share *sh = &d->build.items[i];
        check_expect(c, sh->percent, &type_percent, tr("a share"));
        check_percent_range(c, sh->percent, tr("share"));
        if (i > 0 && sh->year <= d->build.items[i - 1].year)
            diag_add(c->dl, DIAG_ERROR, "schedule-years", sh->span, "years must increase: %lld comes after %lld",
                     (long long)sh->year, (long long)d->build.items[i - 1].year);
        int64_t v;
        if (percent_value(sh->percent, &v)) sum += v;
        else {
            exact = false;
            if (sh->percent->type && sh->percent->type->kind == TY_PERCENT)
                diag_add(c->dl, DIAG_ERROR, "not-constant", sh->percent->span,
                         "a share must be a percent or a percent param");
        }
    }
    if (exact && d->build.count && sum != 100 * 100)
        diag_add(c->dl, DIAG_ERROR, "schedule-shares", d->build.items[0].span,
                 "yearly build shares must add up to 100%%, found %lld.%02lld%%", (long long)(sum / 100),
                 (long long)(sum % 100));
    Type *pt = c->r->placement_enum ? type_enum(c->a, c->r->placement_enum) : NULL;
    for (size_t i = 0; i < d->cap_items.count; i++) {
        CapItem *it = &d->cap_items.items[i];
        if (pt) {
            Expr probe = {.kind = EX_NAME, .name = it->type, .span = it->type.span, .enum_value = -1};
            enum_value_expr(c, &probe, pt);
            for (size_t j = 0; j < i; j++)
                if (!strcmp(d->cap_items.items[j].type.text, it->type.text))
                    diag_add(c->dl, DIAG_ERROR, "duplicate", it->type.span, "'%s' is already listed", it->type.text);
        }
        check_expect(c, it->beds, &type_int, tr("the standard beds"));
        if (it->minimum) check_expect(c, it->minimum, &type_int, tr("the minimum"));
    }
    if (d->upgrade_when && inst) {
        c->scope = (Scope){.record = inst, .where = tr("an institution's condition")};
        check_expect(c, d->upgrade_when, &type_bool, tr("the upgrade condition"));
    }
}

static void check_table(Checker *c, Decl *d)
{
    /* no `year`: tables are counted as people are evaluated, before the schedule */
    c->scope = (Scope){.record = c->r->subject, .person = true, .outcome = true, .placement = true,
                       .where = tr("a table")};
    check_partition(c, d->per);
    for (size_t i = 0; i < d->rows.count; i++) {
        TableRow *row = &d->rows.items[i];
        for (size_t j = 0; j < i; j++)
            if (!strcmp(d->rows.items[j].name.text, row->name.text))
                diag_add(c->dl, DIAG_ERROR, "duplicate", row->name.span, "row '%s' is already declared",
                         row->name.text);
        if (row->when) check_expect(c, row->when, &type_bool, tr("a row's condition"));
    }
    for (size_t i = 0; i < d->columns.count; i++) {
        TableColumn *col = &d->columns.items[i];
        for (size_t j = 0; j < i; j++)
            if (!strcmp(d->columns.items[j].name.text, col->name.text))
                diag_add(c->dl, DIAG_ERROR, "duplicate", col->name.span, "column '%s' is already declared",
                         col->name.text);
        if (col->expr) check_expect(c, col->expr, &type_bool, tr("a column's condition"));
        if ((col->cell == CELL_EXISTING || col->cell == CELL_BUILD) && !c->r->capacity)
            diag_add(c->dl, DIAG_ERROR, "no-capacity", col->span,
                     "this column reads the capacity plan, and the rule file has none");
        for (size_t k = 0; k < col->blank_rows.count; k++) {
            Name n = col->blank_rows.items[k];
            bool found = false;
            for (size_t j = 0; j < d->rows.count; j++) found |= !strcmp(d->rows.items[j].name.text, n.text);
            if (!found) diag_add(c->dl, DIAG_ERROR, "unknown-name", n.span, "no row named '%s'", n.text);
        }
    }
    if (c->r->placement_enum)
        for (size_t i = 0; i < d->columns.count && d->rows.count; i++) {
            TableColumn *col = &d->columns.items[i];
            if (col->cell != CELL_EXISTING && col->cell != CELL_BUILD) continue;
            for (size_t j = 0; j < d->rows.count; j++) {
                TableRow *row = &d->rows.items[j];
                if (!row->total && enum_find(c->r->placement_enum, row->name.text) < 0)
                    diag_add(c->dl, DIAG_ERROR, "enum-value", row->name.span,
                             "a table with capacity columns has a row per institution type; '%s' is not a value of enum %s",
                             row->name.text, c->r->placement_enum->name);
            }
            break;
        }
}

/* ---- the public notice ------------------------------------------------------------------ */

/* A value of the notice's header: of type `want`, and a param or a literal (the notice is
 * written once for everyone, so nothing of a person may stand there). */
static void check_notice_constant(Checker *c, Expr *e, Type *want, const char *what)
{
    Type *t = check_expect(c, e, want, what);
    bool constant = e->kind == EX_DATE || e->kind == EX_TEXT || (e->kind == EX_NAME && e->sym && e->sym->kind == SYM_PARAM);
    if (t->kind != TY_ERROR && !constant)
        diag_add(c->dl, DIAG_ERROR, "not-constant", e->span, "%s must be a param or a literal", what);
}

/* What a column shows: a field of the subject, a let, an outcome (primary, categories,
 * category_count, year) or the placement. Its type, or NULL after an error. */
static Type *notice_column_type(Checker *c, const NoticeColumn *col)
{
    Symbol *s = check_lookup(c->r, col->name.text);
    bool shown = s && (s->kind == SYM_FIELD || s->kind == SYM_LET || s->kind == SYM_BUILTIN || s->kind == SYM_PLACEMENT);
    if (!shown) {
        diag_add(c->dl, DIAG_ERROR, "unknown-name", col->name.span,
                 "a notice shows a field, a let, primary, categories, year or the placement; '%s' is none of them",
                 col->name.text);
        return NULL;
    }
    s->used = true;
    return s->type;
}

static void check_notice_column(Checker *c, const Decl *d, size_t i)
{
    const NoticeColumn *col = &d->notice_columns.items[i];
    for (size_t j = 0; j < i; j++)
        if (!strcmp(d->notice_columns.items[j].name.text, col->name.text))
            diag_add(c->dl, DIAG_ERROR, "duplicate", col->name.span, "column '%s' is already declared", col->name.text);
    Type *t = notice_column_type(c, col);
    if (!t) return;
    if (col->mask.text) {
        if (strcmp(col->mask.text, "name") && strcmp(col->mask.text, "id"))
            diag_add(c->dl, DIAG_ERROR, "mask", col->mask.span, "unknown mask '%s': mask name (张*三) or mask id (410102********1234)",
                     col->mask.text);
        else if (t->kind != TY_TEXT && t->kind != TY_ERROR)
            diag_add(c->dl, DIAG_ERROR, "type", col->mask.span, "only text can be masked; '%s' is %s", col->name.text,
                     tname(c, t));
        return;
    }
    Field *key = NULL;
    for (size_t k = 0; c->r->subject && k < c->r->subject->fields.count; k++)
        if (c->r->subject->fields.items[k].is_key) key = &c->r->subject->fields.items[k];
    if (key && !strcmp(key->name.text, col->name.text))
        diag_add(c->dl, DIAG_WARNING, "notice-unmasked", col->name.span,
                 "the notice shows the key '%s' in full; write 'mask id' to show 410102********1234", col->name.text);
}

static void check_notice(Checker *c, Decl *d)
{
    c->scope = (Scope){.where = tr("the notice's header")};
    for (size_t i = 0; i < d->notice_per.count; i++) {
        Name per = d->notice_per.items[i];
        check_partition(c, per);
        Field *f = record_field(c->r->subject, per.text, NULL);
        if (f && f->resolved->kind != TY_TEXT && f->resolved->kind != TY_ENUM && f->resolved->kind != TY_ERROR)
            diag_add(c->dl, DIAG_ERROR, "type", per.span, "a notice is posted per text or enum field; '%s' is %s", per.text,
                     tname(c, f->resolved));
        for (size_t j = 0; j < i; j++)
            if (!strcmp(d->notice_per.items[j].text, per.text))
                diag_add(c->dl, DIAG_ERROR, "duplicate", per.span, "'%s' is already listed", per.text);
    }
    check_notice_constant(c, d->period_from, &type_date, "the first day of the period");
    check_notice_constant(c, d->period_to, &type_date, "the last day of the period");
    check_notice_constant(c, d->office, &type_text, "the office");
    for (size_t i = 0; i < d->notice_columns.count; i++) check_notice_column(c, d, i);
    /* who is withheld is known when the forms are counted: no `year` */
    c->scope = (Scope){.record = c->r->subject, .person = true, .outcome = true, .placement = true,
                       .where = tr("a notice's condition")};
    for (size_t i = 0; i < d->withholds.count; i++)
        check_expect(c, d->withholds.items[i].when, &type_bool, tr("who is withheld"));
}

/* Field values of an example or a test's `given`: each a field of the subject, typed. */
static void check_given(Checker *c, FieldValueList *fv)
{
    c->scope = (Scope){.constant = true, .where = tr("a given value")};
    for (size_t i = 0; i < fv->count; i++) {
        FieldValue *v = &fv->items[i];
        Field *f = record_field(c->r->subject, v->name.text, NULL);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(fv->items[j].name.text, v->name.text))
                diag_add(c->dl, DIAG_ERROR, "duplicate", v->name.span, "'%s' is given twice", v->name.text);
        if (!f) {
            Symbol *p = check_lookup(c->r, v->name.text);
            if (p && p->kind == SYM_PARAM) {
                check_expect(c, v->value, p->type, tr("a param's value"));
                continue;
            }
            diag_add(c->dl, DIAG_ERROR, "unknown-name", v->name.span, "'%s' is not a field of record %s",
                     v->name.text, c->r->subject ? c->r->subject->name.text : tr("(none)"));
            if (c->r->subject && !labels_hint(c->r, c->dl, v->name.text, NULL, LABEL_FIELDS)) {
                const char *near = NULL;
                int best = 3;
                for (size_t k = 0; k < c->r->subject->fields.count; k++) {
                    int dd = edit_distance(v->name.text, c->r->subject->fields.items[k].name.text, 2);
                    if (dd < best) { best = dd; near = c->r->subject->fields.items[k].name.text; }
                }
                if (near) diag_note(c->dl, "did you mean '%s'?", near);
            }
            continue;
        }
        Phrase ph;
        check_expect(c, v->value, f->resolved, phrase(&ph, "the value of '%s'", f->name.text));
        unphrase(&ph);
    }
}

/* Is `name`, as an expect key, the expected rejection (`rejected: "reason"`)? Only when no
 * declared name is `rejected`. */
static bool is_rejected_key(const Rules *r, const char *name)
{
    return !strcmp(name, "rejected") && !check_lookup(r, name);
}

static void check_test_case(Checker *c, TestCase *tc)
{
    if (tc->base.text) {
        Symbol *s = check_lookup(c->r, tc->base.text);
        if (!s || s->kind != SYM_EXAMPLE)
            diag_add(c->dl, DIAG_ERROR, "unknown-name", tc->base.span, "no example named '%s'", tc->base.text);
    }
    check_given(c, &tc->given);
    c->scope = (Scope){.record = c->r->subject, .person = true, .outcome = true, .placement = true,
                       .year = true, .where = tr("a test's expectation")};
    for (size_t i = 0; i < tc->expect.count; i++) {
        FieldValue *v = &tc->expect.items[i];
        for (size_t j = 0; j < i; j++)
            if (!strcmp(tc->expect.items[j].name.text, v->name.text))
                diag_add(c->dl, DIAG_ERROR, "duplicate", v->name.span, "'%s' is expected twice", v->name.text);
        if (!strcmp(v->name.text, "cite")) {
            check_expect(c, v->value, &type_text, tr("an expected citation"));
            continue;
        }
        if (is_rejected_key(c->r, v->name.text)) {
            check_expect(c, v->value, &type_text, tr("an expected rejection"));
            if (tc->expect.count > 1)
                diag_add(c->dl, DIAG_ERROR, "test", v->name.span,
                         "a test case that expects 'rejected' expects nothing else: a rejected record has no outcome");
            continue;
        }
        Expr name = {.kind = EX_NAME, .name = v->name, .span = v->name.span, .enum_value = -1};
        Type *t = check_expr(c, &name, NULL);
        if (t->kind == TY_ERROR) continue;
        Scope saved = c->scope;
        c->scope.constant = true;
        c->scope.where = tr("an expected value");
        Phrase ph;
        check_expect(c, v->value, t, phrase(&ph, "the expected '%s'", v->name.text));
        unphrase(&ph);
        c->scope = saved;
    }
}

static void check_test(Checker *c, Decl *d)
{
    for (size_t i = 0; i < d->cases.count; i++) check_test_case(c, &d->cases.items[i]);
}

static void warn_unused(Checker *c)
{
    for (size_t i = 0; i < c->r->lets.count; i++) {
        Symbol *s = c->r->lets.items[i];
        if (!s->used)
            diag_add(c->dl, DIAG_WARNING, "unused", s->span, "let '%s' is never used", s->name);
    }
    for (size_t i = 0; i < c->r->params.count; i++) {
        Symbol *s = c->r->params.items[i];
        if (!s->used && strcmp(s->name, "as_of") != 0)
            diag_add(c->dl, DIAG_WARNING, "unused", s->span, "param '%s' is never used", s->name);
    }
}

Rules *check_module(Arena *a, Module *m, DiagList *diags)
{
    Rules *r = arena_alloc(a, sizeof *r);
    r->arena = a;
    r->module = m;
    strset_init_arena(&r->names, a);
    Checker c = {.a = a, .r = r, .dl = diags, .record_names = name_index_new(a, m->decls.count)};
    declare_builtins(&c);
    declare_outcomes(&c);
    for (size_t i = 0; i < m->decls.count; i++) declare_decl(&c, m->decls.items[i]);
    fill_category_enum(&c);
    if (!r->subject && (r->lets.count || r->categories.count))
        diag_add(diags, DIAG_ERROR, "no-record", (Span){m->source, 0, 0},
                 "the rule file declares no record for its categories to be about");
    for (size_t i = 0; i < m->decls.count; i++) {
        Decl *d = m->decls.items[i];
        if (d->kind == DECL_PARAM) check_param(&c, d);
    }
    for (size_t i = 0; i < r->records.count; i++) check_record_body(&c, r->records.items[i]);
    check_lets(&c, m);
    if (r->placement) check_placement(&c, r->placement);
    if (r->schedule) check_schedule(&c, r->schedule);
    if (r->capacity) check_capacity(&c, r->capacity);
    for (size_t i = 0; i < r->tables.count; i++) check_table(&c, r->tables.items[i]);
    if (r->notice) check_notice(&c, r->notice);
    for (size_t i = 0; i < r->examples.count; i++) check_given(&c, &r->examples.items[i]->given);
    for (size_t i = 0; i < r->tests.count; i++) check_test(&c, r->tests.items[i]);
    completeness_check(r, diags);
    warn_unused(&c);
    diag_sort(diags);
    return r;
}

Type *check_expr_in(Rules *r, Expr *e, DiagList *diags)
{
    Checker c = {.a = r->arena, .r = r, .dl = diags};
    c.scope = (Scope){.record = r->subject, .person = true, .outcome = true, .placement = true,
                      .year = true, .where = tr("an expression")};
    return check_expr(&c, e, NULL);
}
