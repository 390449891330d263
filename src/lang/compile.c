/* compile.c — typed AST to bytecode (see compile.h).
 *
 * Shape of the generator: every expression is compiled either into a given destination
 * register (expr_into) or into whatever register already holds it (expr_reg: a field, a
 * let, a constant). Registers are handed out by bumping a counter and never reused: there
 * are no loops, so a rule file needs a few hundred registers at most, and a register that
 * is written once keeps its value for explanations.
 *
 * While compiling, operands are virtual: constants and registers live in two numbering
 * spaces (K_TAG marks a constant) and are laid out only at the end, when the number of
 * constants is known — constants first, then the record's fields, then the rest.
 *
 * Only literals are folded: params stay in their own constant registers so that a run can
 * override one (`--as-of`) without recompiling. */
#include "compile.h"
#include "base/date.h"
#include "vm/vm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define K_TAG 0x80000000u
#define NO_REG 0xFFFFFFFFu

typedef struct IrIns {
    uint8_t op;
    uint32_t a, b, c;          /* virtual operands (registers tagged, immediates raw) */
    uint32_t line, col;
} IrIns;

typedef struct Cg {
    const Rules *r;
    DiagList *dl;
    Program *p;
    VEC(IrIns) code;
    VEC(Const) consts;
    VEC(bool) own;             /* by constant: made by konst_own, not to be shared */
    VEC(char *) strings;
    uint32_t nregs;            /* virtual registers handed out */
    uint32_t *let_reg;         /* by let index */
    uint32_t *cat_reg;         /* by category index */
    uint32_t *param_reg;       /* by param index: a constant (tagged) */
    Span span;                 /* source position of what is being compiled */
    VEC(AtomInfo) atoms;       /* of the rule being compiled */
    VEC(ReadInfo) reads;
    bool failed;
    uint32_t reg_catmask, reg_catcount, reg_primary, reg_placement, reg_branch;
    uint32_t last_target;      /* the latest pc a jump was patched to land on */
} Cg;

/* ---- emitting ----------------------------------------------------------------------------- */

static uint32_t new_reg(Cg *g) { return g->nregs++; }

static void position(Cg *g, uint32_t *line, uint32_t *col)
{
    int l = 0, c = 0;
    if (g->span.file) source_position(g->span.file, g->span.start, &l, &c);
    *line = (uint32_t)l;
    *col = (uint32_t)c;
}

static uint32_t emit(Cg *g, Opcode op, uint32_t a, uint32_t b, uint32_t c)
{
    IrIns ins = {.op = (uint8_t)op, .a = a, .b = b, .c = c};
    position(g, &ins.line, &ins.col);
    VEC_PUSH(&g->code, ins);
    return (uint32_t)g->code.count - 1;
}

static uint32_t here(Cg *g) { return (uint32_t)g->code.count; }

static void patch_jump(Cg *g, uint32_t at)
{
    IrIns *ins = &g->code.items[at];
    if (ins->op == OP_JMP) ins->a = here(g);
    else if (ins->op == OP_MOVJF || ins->op == OP_MOVJT) ins->c = here(g);
    else ins->b = here(g);
    g->last_target = here(g);
}

/* A conditional jump on dest. When the instruction just emitted moved a value into dest
 * (a condition's leaf that is a name) and no jump lands between the two, the move and the
 * jump become one instruction. */
static uint32_t emit_cond_jump(Cg *g, bool on_true, uint32_t dest)
{
    if (g->code.count && g->last_target != here(g)) {
        IrIns *last = &g->code.items[g->code.count - 1];
        if (last->op == OP_MOV && last->a == dest) {
            last->op = on_true ? OP_MOVJT : OP_MOVJF;
            return here(g) - 1;
        }
    }
    return emit(g, on_true ? OP_JMPT : OP_JMPF, dest, 0, 0);
}

static uint32_t string_index(Cg *g, const char *s)
{
    for (size_t i = 0; i < g->strings.count; i++)
        if (!strcmp(g->strings.items[i], s)) return (uint32_t)i;
    VEC_PUSH(&g->strings, xstrdup(s));
    return (uint32_t)g->strings.count - 1;
}

/* A shared constant register holding (kind, value) — never one of konst_own's, which a
 * param override may change. */
static uint32_t konst(Cg *g, uint8_t kind, int64_t value)
{
    for (size_t i = 0; i < g->consts.count; i++)
        if (!g->own.items[i] && g->consts.items[i].kind == kind && g->consts.items[i].value == value)
            return K_TAG | (uint32_t)i;
    Const k = {kind, value};
    VEC_PUSH(&g->consts, k);
    VEC_PUSH(&g->own, false);
    return K_TAG | (uint32_t)(g->consts.count - 1);
}

/* A constant register of its own (params, tables, range bounds): never shared. */
static uint32_t konst_own(Cg *g, uint8_t kind, int64_t value)
{
    Const k = {kind, value};
    VEC_PUSH(&g->consts, k);
    VEC_PUSH(&g->own, true);
    return K_TAG | (uint32_t)(g->consts.count - 1);
}

static uint8_t value_kind(const Type *t)
{
    switch (t->kind) {
    case TY_INT: return VK_INT;
    case TY_NUMBER: return VK_NUMBER;
    case TY_PERCENT: return VK_PERCENT;
    case TY_BOOL: return VK_BOOL;
    case TY_TEXT: return VK_TEXT;
    case TY_DATE: return VK_DATE;
    case TY_ENUM: return VK_ENUM;
    case TY_SET: return VK_INT;   /* a bit mask */
    default: return VK_INT;
    }
}

static int32_t enum_index_of(const Type *t)
{
    if (t->kind == TY_ENUM) return t->en->index;
    if (t->kind == TY_SET && t->elem->kind == TY_ENUM) return t->elem->en->index;
    return -1;
}

static void compile_error(Cg *g, Span at, const char *msg)
{
    diag_add(g->dl, DIAG_ERROR, "compile", at, "%s", msg);
    g->failed = true;
}

/* ---- constant folding -------------------------------------------------------------------- */

static bool is_fixed(const Type *t) { return t->kind == TY_NUMBER || t->kind == TY_PERCENT; }


static bool fold_set(const Expr *e, int64_t *mask)
{
    uint64_t m = 0;
    for (size_t i = 0; i < e->items.count; i++) {
        int64_t v;
        if (!compile_fold(e->items.items[i], &v) || v < 0 || v > 63) return false;
        m |= 1ull << v;
    }
    *mask = (int64_t)m;
    return true;
}

/* Both operands folded and promoted to the operation's representation. */
static bool fold_operands(const Expr *e, int64_t *l, int64_t *r, bool *fixed)
{
    if (!compile_fold(e->lhs, l) || !compile_fold(e->rhs, r)) return false;
    const Type *lt = e->lhs->type, *rt = e->rhs->type;
    *fixed = is_fixed(lt) || is_fixed(rt) || (e->op == BIN_DIV);
    if (*fixed) {
        if (!is_fixed(lt) && !fixed_from_int(*l, l)) return false;
        if (!is_fixed(rt) && !fixed_from_int(*r, r)) return false;
    }
    return true;
}

static bool fold_binary(const Expr *e, int64_t *out)
{
    if (e->op == BIN_AND || e->op == BIN_OR) {
        int64_t l, r;
        if (!compile_fold(e->lhs, &l) || !compile_fold(e->rhs, &r)) return false;
        *out = e->op == BIN_AND ? (l && r) : (l || r);
        return true;
    }
    if (e->lhs->type->kind == TY_TEXT) return false;
    int64_t l, r;
    bool fixed;
    if (!fold_operands(e, &l, &r, &fixed)) return false;
    switch (e->op) {
    case BIN_ADD: return !__builtin_add_overflow(l, r, out);
    case BIN_SUB: return !__builtin_sub_overflow(l, r, out);
    case BIN_MUL: return fixed ? fixed_mul(l, r, out) : !__builtin_mul_overflow(l, r, out);
    case BIN_DIV: return r != 0 && fixed_div(l, r, out);
    case BIN_EQ: *out = l == r; return true;
    case BIN_NE: *out = l != r; return true;
    case BIN_LT: *out = l < r; return true;
    case BIN_LE: *out = l <= r; return true;
    case BIN_GT: *out = l > r; return true;
    case BIN_GE: *out = l >= r; return true;
    default: return false;
    }
}

bool compile_fold(const Expr *e, int64_t *value)
{
    if (!e->type || e->type->kind == TY_ERROR) return false;
    switch (e->kind) {
    case EX_INT: case EX_NUMBER: case EX_PERCENT: case EX_DATE:
        *value = e->v.i;
        return true;
    case EX_BOOL:
        *value = e->v.b;
        return true;
    case EX_NAME:
        if (e->enum_value < 0) return false;
        *value = e->enum_value;
        return true;
    case EX_SET:
        return fold_set(e, value);
    case EX_UNARY: {
        int64_t v;
        if (!compile_fold(e->lhs, &v)) return false;
        if (e->op == UN_NOT) { *value = !v; return true; }
        return !__builtin_sub_overflow((int64_t)0, v, value);
    }
    case EX_BINARY:
        return fold_binary(e, value);
    default:
        return false;
    }
}

int64_t compile_value_now(const Program *p, const int64_t *regs, const Expr *e)
{
    int64_t v = 0;
    if (compile_fold(e, &v)) return v;
    if (e->kind == EX_NAME && e->sym && e->sym->kind == SYM_PARAM)
        for (uint32_t i = 0; i < p->nparams; i++)
            if (!strcmp(p->params[i].name, e->sym->name)) return regs[p->params[i].reg];
    return 0;
}

/* ---- expressions ------------------------------------------------------------------------- */

static uint32_t expr_reg(Cg *g, Expr *e);
static void expr_into(Cg *g, Expr *e, uint32_t dest);

static void note_read(Cg *g, const char *name, uint32_t reg, const Type *t)
{
    for (size_t i = 0; i < g->reads.count; i++)
        if (!strcmp(g->reads.items[i].name, name)) return;
    ReadInfo ri = {.name = xstrdup(name), .reg = reg, .kind = value_kind(t), .enum_index = enum_index_of(t)};
    VEC_PUSH(&g->reads, ri);
}

static uint32_t name_reg(Cg *g, Expr *e)
{
    Symbol *s = e->sym;
    if (!s) {   /* an enum value */
        return konst(g, VK_ENUM, e->enum_value);
    }
    uint32_t reg = NO_REG;
    switch (s->kind) {
    case SYM_FIELD: reg = (uint32_t)s->index; break;   /* fields are the first registers */
    case SYM_PARAM: reg = g->param_reg[s->index]; break;
    case SYM_LET: reg = g->let_reg[s->index]; break;
    case SYM_CATEGORY: reg = g->cat_reg[s->index]; break;
    case SYM_PLACEMENT: reg = g->reg_placement; break;
    case SYM_BUILTIN:
        switch ((Builtin)s->index) {
        case BI_CATEGORY_COUNT: reg = g->reg_catcount; break;
        case BI_PRIMARY: reg = g->reg_primary; break;
        case BI_CATEGORIES: reg = g->reg_catmask; break;
        case BI_YEAR: break;
        }
        break;
    default: break;
    }
    if (reg == NO_REG) {
        compile_error(g, e->span, "this name has no value in per-person code");
        return konst(g, VK_INT, 0);
    }
    if (s->kind != SYM_PARAM) note_read(g, s->name, reg, s->type);
    else note_read(g, s->name, reg, s->type);
    return reg;
}

/* The register of e's value, converted to fixed point when `fixed` and e is an int. */
static uint32_t operand(Cg *g, Expr *e, bool fixed)
{
    uint32_t r = expr_reg(g, e);
    if (!fixed || is_fixed(e->type) || e->type->kind != TY_INT) return r;
    int64_t v;
    if (compile_fold(e, &v)) {
        int64_t f;
        if (fixed_from_int(v, &f)) return konst(g, VK_NUMBER, f);
    }
    uint32_t t = new_reg(g);
    emit(g, OP_I2F, t, r, 0);
    return t;
}

static void arith_into(Cg *g, Expr *e, uint32_t dest)
{
    const Type *lt = e->lhs->type, *rt = e->rhs->type;
    bool fixed = is_fixed(e->type) || e->op == BIN_DIV;
    if (lt->kind == TY_DATE || rt->kind == TY_DATE) fixed = false;
    uint32_t l = operand(g, e->lhs, fixed), r = operand(g, e->rhs, fixed);
    Opcode op;
    switch (e->op) {
    case BIN_ADD: op = OP_ADD; break;
    case BIN_SUB: op = OP_SUB; break;
    case BIN_MUL: op = fixed ? OP_MULF : OP_MUL; break;
    default: op = OP_DIVF; break;
    }
    emit(g, op, dest, l, r);
}

static void compare_into(Cg *g, Expr *e, uint32_t dest)
{
    const Type *lt = e->lhs->type, *rt = e->rhs->type;
    bool text = lt->kind == TY_TEXT;
    bool fixed = (is_fixed(lt) || is_fixed(rt)) && !text;
    uint32_t l = operand(g, e->lhs, fixed), r = operand(g, e->rhs, fixed);
    Opcode op;
    bool swap = false;
    switch (e->op) {
    case BIN_EQ: op = text ? OP_EQ_T : OP_EQ; break;
    case BIN_NE: op = text ? OP_NE_T : OP_NE; break;
    case BIN_LT: op = text ? OP_LT_T : OP_LT; break;
    case BIN_LE: op = text ? OP_LE_T : OP_LE; break;
    case BIN_GT: op = text ? OP_LT_T : OP_LT; swap = true; break;
    default: op = text ? OP_LE_T : OP_LE; swap = true; break;
    }
    emit(g, op, dest, swap ? r : l, swap ? l : r);
}

/* The field register of e when it is a plain bool field (or, with `negated`, `not` of one). */
static bool bool_field(const Expr *e, bool negated, uint32_t *reg)
{
    if (negated) {
        if (e->kind != EX_UNARY || e->op != UN_NOT) return false;
        e = e->lhs;
    }
    if (e->kind != EX_NAME || !e->sym || e->sym->kind != SYM_FIELD || e->type->kind != TY_BOOL) return false;
    *reg = (uint32_t)e->sym->index;
    return true;
}

/* Leaves of a chain of one operator (a and b and c), left to right; false past `max`. */
static bool chain_leaves(Expr *e, BinOp op, Expr **leaves, size_t *n, size_t max)
{
    if (e->kind == EX_BINARY && e->op == op)
        return chain_leaves(e->lhs, op, leaves, n, max) && chain_leaves(e->rhs, op, leaves, n, max);
    if (*n == max) return false;
    leaves[(*n)++] = e;
    return true;
}

/* Are these leaves bool fields (or their `not`) in consecutive registers? The first's register. */
static bool consecutive_fields(Expr **leaves, size_t n, bool negated, uint32_t *first)
{
    if (n < 2) return false;
    for (size_t i = 0; i < n; i++) {
        uint32_t reg;
        if (!bool_field(leaves[i], negated, &reg)) return false;
        if (i == 0) *first = reg;
        else if (reg != *first + i) return false;
    }
    return true;
}

static void note_field_reads(Cg *g, Expr **leaves, size_t n, bool negated)
{
    for (size_t i = 0; i < n; i++) {
        Expr *f = negated ? leaves[i]->lhs : leaves[i];
        note_read(g, f->sym->name, (uint32_t)f->sym->index, f->sym->type);
    }
}

/* `a and b and c` over consecutive bool fields is one ALL (ANY for `or`): reading fields
 * cannot fail, so skipping the short circuit changes nothing but the instruction count. */
static bool range_logic_into(Cg *g, Expr *e, uint32_t dest)
{
    enum { MAX_LEAVES = 63 };
    Expr *leaves[MAX_LEAVES];
    size_t n = 0;
    uint32_t first;
    if (!chain_leaves(e, e->op, leaves, &n, MAX_LEAVES) || !consecutive_fields(leaves, n, false, &first))
        return false;
    note_field_reads(g, leaves, n, false);
    emit(g, e->op == BIN_AND ? OP_ALL : OP_ANY, dest, first, (uint32_t)n);
    return true;
}

/* and/or: the left value goes to dest; a jump skips the right side when it decides. */
static void logic_into(Cg *g, Expr *e, uint32_t dest)
{
    if (range_logic_into(g, e, dest)) return;
    expr_into(g, e->lhs, dest);
    uint32_t j = emit_cond_jump(g, e->op == BIN_OR, dest);
    expr_into(g, e->rhs, dest);
    patch_jump(g, j);
}

static bool small_mask_set(const Expr *set, int64_t *mask)
{
    return set->kind == EX_SET && fold_set(set, mask);
}

static void in_into(Cg *g, Expr *e, uint32_t dest)
{
    Expr *rhs = e->rhs;
    const Type *lt = e->lhs->type;
    int64_t mask;
    if (rhs->kind == EX_RANGE) {
        bool fixed = is_fixed(lt) || is_fixed(rhs->lhs->type) || is_fixed(rhs->rhs->type);
        int64_t lo, hi;
        uint32_t x = operand(g, e->lhs, fixed);
        if (compile_fold(rhs->lhs, &lo) && compile_fold(rhs->rhs, &hi)) {
            if (fixed && !is_fixed(rhs->lhs->type)) fixed_from_int(lo, &lo);
            if (fixed && !is_fixed(rhs->rhs->type)) fixed_from_int(hi, &hi);
            uint32_t k = konst_own(g, VK_INT, lo);
            konst_own(g, VK_INT, hi);
            emit(g, OP_IN_RANGE, dest, x, k);
        } else {
            uint32_t lo_r = operand(g, rhs->lhs, fixed), hi_r = operand(g, rhs->rhs, fixed);
            emit(g, OP_LE, dest, lo_r, x);
            uint32_t j = emit(g, OP_JMPF, dest, 0, 0);
            emit(g, OP_LE, dest, x, hi_r);
            patch_jump(g, j);
        }
    } else if (rhs->kind != EX_SET) {
        /* a set-valued name (categories): a bit mask at run time */
        emit(g, OP_IN_MASK, dest, expr_reg(g, e->lhs), expr_reg(g, rhs));
    } else if (lt->kind != TY_TEXT && small_mask_set(rhs, &mask)) {
        emit(g, OP_IN_MASK, dest, expr_reg(g, e->lhs), konst(g, VK_INT, mask));
    } else if (rhs->items.count == 0) {
        emit(g, OP_MOV, dest, konst(g, VK_BOOL, 0), 0);
    } else {
        bool text = lt->kind == TY_TEXT;
        bool fixed = is_fixed(lt) || (!text && is_fixed(rhs->type->elem));
        uint32_t x = operand(g, e->lhs, fixed);
        uint32_t *jumps = xmalloc(rhs->items.count * sizeof *jumps);
        for (size_t i = 0; i < rhs->items.count; i++) {
            emit(g, text ? OP_EQ_T : OP_EQ, dest, x, operand(g, rhs->items.items[i], fixed));
            jumps[i] = i + 1 < rhs->items.count ? emit(g, OP_JMPT, dest, 0, 0) : NO_REG;
        }
        for (size_t i = 0; i + 1 < rhs->items.count; i++) patch_jump(g, jumps[i]);
        free(jumps);
    }
    if (e->negated) emit(g, OP_NOT, dest, dest, 0);
}

static void call_into(Cg *g, Expr *e, uint32_t dest)
{
    Expr **args = e->items.items;
    size_t n = e->items.count;
    bool fixed = is_fixed(e->type);
    switch ((Func)e->sym->index) {
    case FN_YEARS_BETWEEN:
        emit(g, OP_YEARS, dest, expr_reg(g, args[0]), expr_reg(g, args[1]));
        return;
    case FN_DAYS_BETWEEN:
        emit(g, OP_SUB, dest, expr_reg(g, args[1]), expr_reg(g, args[0]));
        return;
    case FN_COUNT_TRUE: {
        uint32_t first;
        bool negated = n > 0 && args[0]->kind == EX_UNARY;
        if (n <= 63 && consecutive_fields(args, n, negated, &first)) {
            note_field_reads(g, args, n, negated);
            emit(g, negated ? OP_NCOUNT : OP_COUNT, dest, first, (uint32_t)n);
            return;
        }
        /* bools are 0/1: their sum */
        expr_into(g, args[0], dest);
        for (size_t i = 1; i < n; i++) emit(g, OP_ADD, dest, dest, expr_reg(g, args[i]));
        return;
    }
    case FN_VALID_RESIDENT_ID: emit(g, OP_VALID_ID, dest, expr_reg(g, args[0]), 0); return;
    case FN_ID_BIRTH_DATE: emit(g, OP_ID_BIRTH, dest, expr_reg(g, args[0]), 0); return;
    case FN_ID_MALE: emit(g, OP_ID_MALE, dest, expr_reg(g, args[0]), 0); return;
    case FN_MIN: case FN_MAX:
        emit(g, e->sym->index == FN_MIN ? OP_MIN : OP_MAX, dest, operand(g, args[0], fixed),
             operand(g, args[1], fixed));
        return;
    case FN_ABS: emit(g, OP_ABS, dest, expr_reg(g, args[0]), 0); return;
    case FN_CEIL: case FN_FLOOR: case FN_ROUND: {
        Opcode op = e->sym->index == FN_CEIL ? OP_CEILF : e->sym->index == FN_FLOOR ? OP_FLOORF : OP_ROUNDF;
        if (!is_fixed(args[0]->type)) expr_into(g, args[0], dest);   /* an int already */
        else emit(g, op, dest, expr_reg(g, args[0]), 0);
        return;
    }
    case FN_LEN: emit(g, OP_LEN_T, dest, expr_reg(g, args[0]), 0); return;
    case FN_YEAR_OF: emit(g, OP_YEAR_OF, dest, expr_reg(g, args[0]), 0); return;
    case FN_MONTH_OF: emit(g, OP_MONTH_OF, dest, expr_reg(g, args[0]), 0); return;
    case FN_DAY_OF: emit(g, OP_DAY_OF, dest, expr_reg(g, args[0]), 0); return;
    case FN__COUNT: break;
    }
}

/* A branch result of case/if, converted when the whole is a number and it is an int. */
static void result_into(Cg *g, Expr *res, const Type *want, uint32_t dest)
{
    if (is_fixed(want) && res->type->kind == TY_INT) emit(g, OP_I2F, dest, expr_reg(g, res), 0);
    else expr_into(g, res, dest);
}

static void case_into(Cg *g, Expr *e, uint32_t dest)
{
    size_t n = e->conds.count;
    uint32_t *ends = xmalloc((n + 1) * sizeof *ends);
    for (size_t i = 0; i < n; i++) {
        uint32_t c = expr_reg(g, e->conds.items[i]);
        uint32_t skip = emit(g, OP_JMPF, c, 0, 0);
        result_into(g, e->items.items[i], e->type, dest);
        ends[i] = emit(g, OP_JMP, 0, 0, 0);
        patch_jump(g, skip);
    }
    result_into(g, e->rhs, e->type, dest);
    for (size_t i = 0; i < n; i++) patch_jump(g, ends[i]);
    free(ends);
}

static void if_into(Cg *g, Expr *e, uint32_t dest)
{
    uint32_t c = expr_reg(g, e->cond);
    uint32_t skip = emit(g, OP_JMPF, c, 0, 0);
    result_into(g, e->lhs, e->type, dest);
    uint32_t end = emit(g, OP_JMP, 0, 0, 0);
    patch_jump(g, skip);
    result_into(g, e->rhs, e->type, dest);
    patch_jump(g, end);
}

static void expr_into(Cg *g, Expr *e, uint32_t dest)
{
    Span saved = g->span;
    g->span = e->span;
    int64_t v;
    if (e->kind != EX_NAME && compile_fold(e, &v)) {
        emit(g, OP_MOV, dest, konst(g, value_kind(e->type), v), 0);
    } else {
        switch (e->kind) {
        case EX_TEXT:
            emit(g, OP_MOV, dest, konst(g, VK_TEXT, string_index(g, e->v.s)), 0);
            break;
        case EX_NAME:
            emit(g, OP_MOV, dest, name_reg(g, e), 0);
            break;
        case EX_SET: {
            int64_t mask;
            if (!fold_set(e, &mask)) compile_error(g, e->span, "only a set of enum values or small ints can be a value");
            emit(g, OP_MOV, dest, konst(g, VK_INT, mask), 0);
            break;
        }
        case EX_UNARY:
            if (e->op == UN_NOT) emit(g, OP_NOT, dest, expr_reg(g, e->lhs), 0);
            else emit(g, OP_NEG, dest, expr_reg(g, e->lhs), 0);
            break;
        case EX_BINARY:
            switch (e->op) {
            case BIN_AND: case BIN_OR: logic_into(g, e, dest); break;
            case BIN_ADD: case BIN_SUB: case BIN_MUL: case BIN_DIV: arith_into(g, e, dest); break;
            default: compare_into(g, e, dest); break;
            }
            break;
        case EX_IN: in_into(g, e, dest); break;
        case EX_CALL: call_into(g, e, dest); break;
        case EX_CASE: case_into(g, e, dest); break;
        case EX_IF: if_into(g, e, dest); break;
        case EX_INDEX: {
            Symbol *s = e->lhs->sym;
            if (e->lhs->kind != EX_NAME || !s || s->kind != SYM_PARAM) {
                compile_error(g, e->span, "only a table param can be indexed");
                break;
            }
            note_read(g, s->name, g->param_reg[s->index], s->type);
            emit(g, OP_INDEX, dest, expr_reg(g, e->rhs), g->param_reg[s->index]);
            break;
        }
        default:
            compile_error(g, e->span, "this expression cannot be compiled here");
        }
    }
    g->span = saved;
}

static uint32_t expr_reg(Cg *g, Expr *e)
{
    int64_t v;
    if (e->kind == EX_NAME && e->sym) return name_reg(g, e);
    if (e->kind == EX_TEXT) return konst(g, VK_TEXT, string_index(g, e->v.s));
    if (compile_fold(e, &v)) return konst(g, value_kind(e->type), v);
    uint32_t r = new_reg(g);
    expr_into(g, e, r);
    return r;
}

/* ---- conditions with atoms (for explanations) ----------------------------------------- */

static char *span_text(Span sp)
{
    if (!sp.file) return xstrdup("");
    StrBuf sb = {0};
    bool space = false;
    for (uint32_t i = sp.start; i < sp.end && i < sp.file->len; i++) {
        char ch = sp.file->text[i];
        if (ch == '\n' || ch == '\r' || ch == '\t' || ch == ' ') { space = true; continue; }
        if (space && sb.count) sb_putc(&sb, ' ');
        space = false;
        sb_putc(&sb, ch);
    }
    return sb_take(&sb);
}

static void add_atom(Cg *g, Expr *e, uint32_t dest)
{
    AtomInfo at = {.pc = here(g) - 1, .reg = dest, .text = span_text(e->span)};
    Span saved = g->span;
    g->span = e->span;
    position(g, &at.line, &at.col);
    g->span = saved;
    VEC_PUSH(&g->atoms, at);
}

/* A bool condition into dest; each leaf under and/or is an atom, so `not income_source` and
 * `not (a and b)` are each one fact of an explanation. */
static void cond_into(Cg *g, Expr *e, uint32_t dest)
{
    if (e->kind == EX_BINARY && (e->op == BIN_AND || e->op == BIN_OR)) {
        Span saved = g->span;
        g->span = e->span;
        cond_into(g, e->lhs, dest);
        uint32_t j = emit_cond_jump(g, e->op == BIN_OR, dest);
        cond_into(g, e->rhs, dest);
        patch_jump(g, j);
        g->span = saved;
    } else {
        expr_into(g, e, dest);
        /* a case/if ends in one of its branches: give the atom one pc every path reaches */
        if (e->kind == EX_CASE || e->kind == EX_IF) emit(g, OP_MOV, dest, dest, 0);
        add_atom(g, e, dest);
    }
}

/* ---- rules --------------------------------------------------------------------------------- */

typedef VEC(RuleInfo) RuleVec;

static RuleInfo begin_rule(Cg *g, RuleKind kind, const char *name, const char *label, const char *cite, Span at)
{
    RuleInfo ri = {.kind = (uint8_t)kind, .name = xstrdup(name ? name : ""),
                   .label = label ? xstrdup(label) : NULL, .cite = cite ? xstrdup(cite) : NULL,
                   .pc_start = here(g), .enum_index = -1};
    Span saved = g->span;
    g->span = at;
    position(g, &ri.line, &ri.col);
    g->span = saved;
    for (size_t i = 0; i < g->reads.count; i++) free(g->reads.items[i].name);
    for (size_t i = 0; i < g->atoms.count; i++) free(g->atoms.items[i].text);
    g->atoms.count = g->reads.count = 0;
    return ri;
}

static void end_rule(Cg *g, RuleVec *rules, RuleInfo ri)
{
    ri.pc_end = here(g);
    ri.natoms = (uint32_t)g->atoms.count;
    ri.atoms = g->atoms.items;
    ri.nreads = (uint32_t)g->reads.count;
    ri.reads = g->reads.items;
    g->atoms.items = NULL;
    g->reads.items = NULL;
    g->atoms.count = g->atoms.cap = g->reads.count = g->reads.cap = 0;
    VEC_PUSH(rules, ri);
}

static void compile_let(Cg *g, RuleVec *rules, Symbol *s)
{
    Decl *d = s->decl;
    RuleInfo ri = begin_rule(g, RULE_LET, s->name, s->label, NULL, d->name.span);
    ri.reg = g->let_reg[s->index];
    ri.value_kind = value_kind(s->type);
    ri.enum_index = enum_index_of(s->type);
    g->span = d->value->span;
    if (is_fixed(s->type) && d->value->type->kind == TY_INT)
        emit(g, OP_I2F, ri.reg, expr_reg(g, d->value), 0);
    else
        expr_into(g, d->value, ri.reg);
    end_rule(g, rules, ri);
}

static void compile_category(Cg *g, RuleVec *rules, Symbol *s)
{
    Decl *d = s->decl;
    RuleInfo ri = begin_rule(g, RULE_CATEGORY, s->name, s->label, d->cite, d->name.span);
    ri.reg = g->cat_reg[s->index];
    ri.value_kind = VK_BOOL;
    cond_into(g, d->when, ri.reg);
    end_rule(g, rules, ri);
}

/* The category set, count and primary, then first-match placement (targets only). */
static void compile_outcome(Cg *g, RuleVec *rules)
{
    const Rules *r = g->r;
    g->span = r->placement ? r->placement->span : (Span){0};
    uint32_t ncat = (uint32_t)r->categories.count;
    if (ncat > 63) {
        compile_error(g, r->categories.items[63]->span, "at most 63 categories are supported");
        return;
    }
    emit(g, OP_CATS, g->reg_catmask, ncat ? g->cat_reg[0] : g->reg_catmask, ncat);
    emit(g, OP_POPCNT, g->reg_catcount, g->reg_catmask, 0);
    emit(g, OP_LOWBIT, g->reg_primary, g->reg_catmask, 0);
    uint32_t minus_one = konst(g, VK_INT, -1);
    emit(g, OP_MOV, g->reg_placement, minus_one, 0);
    emit(g, OP_MOV, g->reg_branch, minus_one, 0);
    if (!r->placement || !r->placement_enum) return;
    uint32_t not_target = emit(g, OP_JMPF, g->reg_catmask, 0, 0);
    Decl *pd = r->placement;
    uint32_t *ends = xmalloc((pd->branches.count + 1) * sizeof *ends);
    size_t nends = 0;
    for (size_t i = 0; i < pd->branches.count; i++) {
        Branch *b = &pd->branches.items[i];
        int value = enum_find(r->placement_enum, b->value.text);
        const char *label = b->label ? b->label : r->placement_enum->values.items[value].label;
        RuleInfo ri = begin_rule(g, RULE_BRANCH, b->value.text, label, b->cite, b->span);
        ri.enum_index = value;
        ri.reg = new_reg(g);
        g->span = b->span;
        uint32_t skip = NO_REG;
        if (b->when) {
            cond_into(g, b->when, ri.reg);
            skip = emit(g, OP_JMPF, ri.reg, 0, 0);
        } else {
            emit(g, OP_MOV, ri.reg, konst(g, VK_BOOL, 1), 0);
        }
        emit(g, OP_LOADI, g->reg_placement, (uint32_t)value, 0);
        emit(g, OP_LOADI, g->reg_branch, (uint32_t)i, 0);
        ends[nends++] = emit(g, OP_JMP, 0, 0, 0);
        end_rule(g, rules, ri);
        if (skip != NO_REG) patch_jump(g, skip);
        if (!b->when) break;
    }
    for (size_t i = 0; i < nends; i++) patch_jump(g, ends[i]);
    patch_jump(g, not_target);
    free(ends);
}

static void compile_keys(Cg *g, RuleVec *rules)
{
    Decl *sd = g->r->schedule;
    if (!sd) return;
    for (size_t i = 0; i < sd->order.count; i++) {
        OrderKey *k = &sd->order.items[i];
        char *text = span_text(k->expr->span);
        RuleInfo ri = begin_rule(g, RULE_KEY, text, NULL, NULL, k->span);
        free(text);
        ri.desc = k->desc;
        ri.value_kind = value_kind(k->expr->type);
        ri.enum_index = enum_index_of(k->expr->type);
        g->span = k->expr->span;
        ri.reg = expr_reg(g, k->expr);
        end_rule(g, rules, ri);
    }
    if (sd->when) {
        char *text = span_text(sd->when->span);
        RuleInfo ri = begin_rule(g, RULE_FILTER, text, sd->label, NULL, sd->when->span);
        free(text);
        ri.reg = new_reg(g);
        ri.value_kind = VK_BOOL;
        cond_into(g, sd->when, ri.reg);
        end_rule(g, rules, ri);
    }
}

static void compile_cell(Cg *g, RuleVec *rules, const char *table, const char *what, const char *name,
                         const char *label, Expr *cond)
{
    StrBuf sb = {0};
    sb_printf(&sb, "%s/%s/%s", table, what, name);
    RuleInfo ri = begin_rule(g, RULE_CELL, sb_str(&sb), label, NULL, cond->span);
    sb_free(&sb);
    ri.reg = new_reg(g);
    ri.value_kind = VK_BOOL;
    g->span = cond->span;
    cond_into(g, cond, ri.reg);
    end_rule(g, rules, ri);
}

/* Each table's row and column conditions, so the run can count the forms' cells. */
static void compile_cells(Cg *g, RuleVec *rules)
{
    for (size_t t = 0; t < g->r->tables.count; t++) {
        const Decl *d = g->r->tables.items[t];
        for (size_t i = 0; i < d->rows.count; i++)
            if (d->rows.items[i].when)
                compile_cell(g, rules, d->name.text, "row", d->rows.items[i].name.text, d->rows.items[i].label,
                             d->rows.items[i].when);
        for (size_t i = 0; i < d->columns.count; i++)
            if (d->columns.items[i].cell == CELL_COUNT && d->columns.items[i].expr)
                compile_cell(g, rules, d->name.text, "column", d->columns.items[i].name.text,
                             d->columns.items[i].label, d->columns.items[i].expr);
    }
}

/* Lets and categories run in dependency order; their RuleInfos are listed lets first (in
 * that order), then categories in declaration order. */
static void compile_person(Cg *g, RuleVec *rules)
{
    const Rules *r = g->r;
    g->p->person_entry = here(g);
    RuleVec cats = {0};
    size_t ncat = r->categories.count;
    RuleInfo *by_index = xcalloc(ncat + 1, sizeof *by_index);
    for (size_t i = 0; i < r->eval_order.count; i++) {
        Symbol *s = r->eval_order.items[i];
        if (s->kind == SYM_LET) {
            compile_let(g, rules, s);
        } else {
            compile_category(g, &cats, s);
            by_index[s->index] = cats.items[cats.count - 1];
        }
    }
    for (size_t i = 0; i < ncat; i++) VEC_PUSH(rules, by_index[i]);
    free(by_index);
    free(cats.items);
    compile_outcome(g, rules);
    g->span = (Span){0};
    emit(g, OP_HALT, 0, 0, 0);
    /* the schedule and the forms are about targets: their code is an entry of its own */
    g->p->targets_entry = here(g);
    compile_keys(g, rules);
    compile_cells(g, rules);
    g->span = (Span){0};
    emit(g, OP_HALT, 0, 0, 0);
}

/* ---- schemas: records, enums, params -------------------------------------------------------- */

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

static void fill_enums(Cg *g)
{
    const EnumList *el = &g->r->enums;
    Program *p = g->p;
    p->nenums = (uint32_t)el->count;
    p->enums = xcalloc(el->count + 1, sizeof *p->enums);
    for (size_t i = 0; i < el->count; i++) {
        EnumType *en = el->items[i];
        EnumInfo *ei = &p->enums[i];
        ei->name = xstrdup(en->name);
        ei->label = dup_or_null(en->label);
        ei->count = (uint32_t)en->values.count;
        ei->values = xcalloc(en->values.count + 1, sizeof *ei->values);
        ei->labels = xcalloc(en->values.count + 1, sizeof *ei->labels);
        for (size_t k = 0; k < en->values.count; k++) {
            ei->values[k] = xstrdup(en->values.items[k].name.text);
            ei->labels[k] = dup_or_null(en->values.items[k].label);
        }
    }
}

static void fill_field(Cg *g, FieldInfo *fi, const Field *f)
{
    fi->name = xstrdup(f->name.text);
    fi->label = dup_or_null(f->label);
    fi->kind = value_kind(f->resolved);
    fi->enum_index = enum_index_of(f->resolved);
    fi->key = f->is_key;
    if (f->default_value) {
        fi->has_default = true;
        if (f->default_value->kind == EX_TEXT) fi->default_value = string_index(g, f->default_value->v.s);
        else if (compile_fold(f->default_value, &fi->default_value) && is_fixed(f->resolved) &&
                 f->default_value->type->kind == TY_INT)
            fixed_from_int(fi->default_value, &fi->default_value);
    }
    if (f->range && f->range->kind == EX_RANGE) {
        if (compile_fold(f->range->lhs, &fi->range_lo) && compile_fold(f->range->rhs, &fi->range_hi)) {
            fi->range_kind = 1;
            if (is_fixed(f->resolved)) {
                if (!is_fixed(f->range->lhs->type)) fixed_from_int(fi->range_lo, &fi->range_lo);
                if (!is_fixed(f->range->rhs->type)) fixed_from_int(fi->range_hi, &fi->range_hi);
            }
        }
    } else if (f->range && fold_set(f->range, &fi->range_lo)) {
        fi->range_kind = 2;
    }
}

/* The requires of a record: each condition into its register, stopping at the first that
 * fails; registers of the ones not reached keep `true`, so the first false one is the
 * reason. */
static void compile_record(Cg *g, RecordInfo *ri, const Decl *d, RuleVec *upgrade_rules)
{
    ri->name = xstrdup(d->name.text);
    ri->label = dup_or_null(d->label);
    ri->nfields = (uint32_t)d->fields.count;
    ri->fields = xcalloc(d->fields.count + 1, sizeof *ri->fields);
    ri->key = -1;
    for (size_t i = 0; i < d->fields.count; i++) {
        fill_field(g, &ri->fields[i], &d->fields.items[i]);
        if (d->fields.items[i].is_key) ri->key = (int32_t)i;
    }
    ri->check_entry = here(g);
    const Decl *cap = g->r->capacity;
    if (cap && cap->upgrade_when && cap->from.text && !strcmp(cap->from.text, d->name.text))
        compile_cell(g, upgrade_rules, "capacity", "upgrade", "when", NULL, cap->upgrade_when);
    ri->nrequires = (uint32_t)d->requires.count;
    ri->requires = xcalloc(d->requires.count + 1, sizeof *ri->requires);
    uint32_t yes = konst(g, VK_BOOL, 1);
    g->span = d->span;
    for (size_t i = 0; i < d->requires.count; i++) {
        ri->requires[i].reg = new_reg(g);
        emit(g, OP_MOV, ri->requires[i].reg, yes, 0);
    }
    uint32_t *fails = xmalloc((d->requires.count + 1) * sizeof *fails);
    for (size_t i = 0; i < d->requires.count; i++) {
        const Require *rq = &d->requires.items[i];
        RequireInfo *qi = &ri->requires[i];
        qi->message = xstrdup(rq->message);
        qi->text = span_text(rq->cond->span);
        g->span = rq->cond->span;
        position(g, &qi->line, &qi->col);
        expr_into(g, rq->cond, qi->reg);
        fails[i] = emit(g, OP_JMPF, qi->reg, 0, 0);
    }
    for (size_t i = 0; i < d->requires.count; i++) patch_jump(g, fails[i]);
    free(fails);
    g->span = (Span){0};
    emit(g, OP_HALT, 0, 0, 0);
}

static int64_t param_value(Cg *g, const Expr *e, const Type *t)
{
    int64_t v = 0;
    if (e->kind == EX_TEXT) return string_index(g, e->v.s);
    if (!compile_fold(e, &v)) compile_error(g, e->span, "a param's value must be a constant");
    if (is_fixed(t) && e->type && e->type->kind == TY_INT) fixed_from_int(v, &v);
    return v;
}

/* Each param gets constant registers of its own; a table param a block: size, values. */
static void compile_params(Cg *g)
{
    const Rules *r = g->r;
    Program *p = g->p;
    g->param_reg = xcalloc(r->params.count + 1, sizeof *g->param_reg);
    p->nparams = (uint32_t)r->params.count;
    p->params = xcalloc(r->params.count + 1, sizeof *p->params);
    for (size_t i = 0; i < r->params.count; i++) {
        Symbol *s = r->params.items[i];
        Expr *e = s->decl->value;
        ParamInfo *pi = &p->params[i];
        pi->name = xstrdup(s->name);
        pi->kind = value_kind(s->type);
        pi->enum_index = enum_index_of(s->type);
        if (s->type->kind == TY_TABLE) {
            EnumType *key = s->type->en;
            pi->kind = value_kind(s->type->elem);
            pi->enum_index = enum_index_of(s->type->elem);
            g->param_reg[i] = konst_own(g, VK_INT, (int64_t)key->values.count);
            for (size_t k = 0; k < key->values.count; k++) {
                int64_t v = 0;
                for (size_t j = 0; j < e->keys.count; j++)
                    if (!strcmp(e->keys.items[j].text, key->values.items[k].name.text))
                        v = param_value(g, e->items.items[j], s->type->elem);
                konst_own(g, value_kind(s->type->elem), v);
            }
        } else {
            g->param_reg[i] = konst_own(g, pi->kind, param_value(g, e, s->type));
        }
        pi->reg = g->param_reg[i];
    }
}

/* ---- layout ------------------------------------------------------------------------------ */

static uint32_t relocate(const Cg *g, uint32_t v)
{
    if (v & K_TAG) return v & ~K_TAG;
    return (uint32_t)g->consts.count + v;
}

/* Where a jump taken on `reg` being `truth` really goes: through unconditional jumps and
 * through conditional ones that test the same register (their outcome is already known). */
static uint32_t final_target(const Cg *g, uint32_t target, uint32_t reg, bool truth)
{
    for (int hops = 0; hops < 64 && target < g->code.count; hops++) {
        const IrIns *t = &g->code.items[target];
        if (t->op == OP_JMP) target = t->a;
        else if ((t->op == OP_JMPF || t->op == OP_JMPT) && t->a == reg)
            target = (t->op == OP_JMPT) == truth ? t->b : target + 1;
        else break;
    }
    return target;
}

/* Jump threading: a false `and` leaf jumps straight past the whole chain. */
static void thread_jumps(Cg *g)
{
    for (size_t i = 0; i < g->code.count; i++) {
        IrIns *ins = &g->code.items[i];
        switch (ins->op) {
        case OP_JMPF: ins->b = final_target(g, ins->b, ins->a, false); break;
        case OP_JMPT: ins->b = final_target(g, ins->b, ins->a, true); break;
        case OP_MOVJF: ins->c = final_target(g, ins->c, ins->a, false); break;
        case OP_MOVJT: ins->c = final_target(g, ins->c, ins->a, true); break;
        case OP_JMP: ins->a = final_target(g, ins->a, NO_REG, false); break;
        default: break;
        }
    }
}

/* A condition's leaf followed by the jump on it becomes one compare-and-branch instruction;
 * the jump stays where it is (it supplies the target, and jumps may land on it). */
static void fuse_branches(Cg *g)
{
    static const struct { Opcode op, if_false, if_true; } pairs[] = {
        {OP_EQ, OP_EQJF, OP_EQJT}, {OP_NE, OP_NEJF, OP_NEJT}, {OP_LT, OP_LTJF, OP_LTJT},
        {OP_LE, OP_LEJF, OP_LEJT}, {OP_IN_MASK, OP_INJF, OP_INJT}, {OP_IN_RANGE, OP_RANGEJF, OP__COUNT},
        {OP_NOT, OP_NOTJF, OP__COUNT},
    };
    for (size_t i = 0; i + 1 < g->code.count; i++) {
        IrIns *in = &g->code.items[i], *next = &g->code.items[i + 1];
        if ((next->op != OP_JMPF && next->op != OP_JMPT) || next->a != in->a) continue;
        for (size_t k = 0; k < sizeof pairs / sizeof *pairs; k++) {
            if (pairs[k].op != in->op) continue;
            Opcode fused = next->op == OP_JMPF ? pairs[k].if_false : pairs[k].if_true;
            if (fused != OP__COUNT) in->op = (uint8_t)fused;
            break;
        }
    }
}

static bool layout(Cg *g)
{
    thread_jumps(g);
    fuse_branches(g);
    Program *p = g->p;
    uint32_t nconsts = (uint32_t)g->consts.count;
    if ((uint64_t)nconsts + g->nregs > 65535 || g->code.count > 65535) {
        compile_error(g, (Span){g->r->module->source, 0, 0},
                      "the rule file is too large for one program (65535 registers or instructions)");
        return false;
    }
    p->nconsts = nconsts;
    p->consts = xcalloc(nconsts + 1, sizeof *p->consts);
    memcpy(p->consts, g->consts.items, nconsts * sizeof *p->consts);
    p->nregs = nconsts + g->nregs;
    p->field_base = nconsts;
    p->ncode = (uint32_t)g->code.count;
    p->code = xcalloc(p->ncode + 1, sizeof *p->code);
    p->pc_line = xcalloc(p->ncode + 1, sizeof *p->pc_line);
    p->pc_col = xcalloc(p->ncode + 1, sizeof *p->pc_col);
    for (uint32_t i = 0; i < p->ncode; i++) {
        const IrIns *ir = &g->code.items[i];
        const char *shape = opcode_shapes[ir->op];
        uint32_t ops[3] = {ir->a, ir->b, ir->c};
        for (int k = 0; k < 3; k++)
            if (shape[k] == 'R' || shape[k] == 'T') ops[k] = relocate(g, ops[k]);
        p->code[i] = (Ins){.op = ir->op, .a = (uint16_t)ops[0], .b = (uint16_t)ops[1], .c = (uint16_t)ops[2]};
        p->pc_line[i] = ir->line;
        p->pc_col[i] = ir->col;
    }
    p->nstrings = (uint32_t)g->strings.count;
    p->strings = g->strings.items;
    g->strings.items = NULL;
    return true;
}

static void relocate_rules(Cg *g)
{
    Program *p = g->p;
    for (uint32_t i = 0; i < p->nrules; i++) {
        RuleInfo *ri = &p->rules[i];
        ri->reg = relocate(g, ri->reg);
        for (uint32_t k = 0; k < ri->natoms; k++) ri->atoms[k].reg = relocate(g, ri->atoms[k].reg);
        for (uint32_t k = 0; k < ri->nreads; k++) ri->reads[k].reg = relocate(g, ri->reads[k].reg);
    }
    for (uint32_t i = 0; i < p->nrecords; i++)
        for (uint32_t k = 0; k < p->records[i].nrequires; k++)
            p->records[i].requires[k].reg = relocate(g, p->records[i].requires[k].reg);
    for (uint32_t i = 0; i < p->nparams; i++) p->params[i].reg = relocate(g, p->params[i].reg);
    p->reg_catmask = relocate(g, g->reg_catmask);
    p->reg_catcount = relocate(g, g->reg_catcount);
    p->reg_primary = relocate(g, g->reg_primary);
    p->reg_placement = relocate(g, g->reg_placement);
    p->reg_branch = relocate(g, g->reg_branch);
}

static void alloc_person_registers(Cg *g)
{
    const Rules *r = g->r;
    uint32_t max_fields = 0;
    for (size_t i = 0; i < r->records.count; i++)
        if (r->records.items[i]->fields.count > max_fields) max_fields = (uint32_t)r->records.items[i]->fields.count;
    g->nregs = max_fields;   /* virtual registers 0.. are the fields */
    g->let_reg = xcalloc(r->lets.count + 1, sizeof *g->let_reg);
    for (size_t i = 0; i < r->lets.count; i++) g->let_reg[i] = new_reg(g);
    g->cat_reg = xcalloc(r->categories.count + 1, sizeof *g->cat_reg);
    for (size_t i = 0; i < r->categories.count; i++) g->cat_reg[i] = new_reg(g);   /* contiguous for CATS */
    g->reg_catmask = new_reg(g);
    g->reg_catcount = new_reg(g);
    g->reg_primary = new_reg(g);
    g->reg_placement = new_reg(g);
    g->reg_branch = new_reg(g);
}

static void fill_header(Cg *g)
{
    const Rules *r = g->r;
    Program *p = g->p;
    p->source_path = xstrdup(r->module->source->path);
    if (r->policy) {
        p->policy = dup_or_null(r->policy->label);
        p->policy_source = dup_or_null(r->policy->source);
    }
    p->ncategories = (uint32_t)r->categories.count;
    p->category_enum = r->category_enum ? r->category_enum->index : -1;
    p->placement_enum = r->placement_enum ? r->placement_enum->index : -1;
    if (r->placement) {
        p->placement_name = xstrdup(r->placement->name.text);
        p->placement_label = dup_or_null(r->placement->label);
    }
}

Program *compile_rules(const Rules *r, DiagList *diags)
{
    Program *p = xcalloc(1, sizeof *p);
    Cg g = {.r = r, .dl = diags, .p = p};
    fill_header(&g);
    fill_enums(&g);
    alloc_person_registers(&g);
    compile_params(&g);
    RuleVec rules = {0};
    compile_person(&g, &rules);
    p->nrecords = (uint32_t)r->records.count;
    p->records = xcalloc(r->records.count + 1, sizeof *p->records);
    for (size_t i = 0; i < r->records.count; i++) compile_record(&g, &p->records[i], r->records.items[i], &rules);
    p->nrules = (uint32_t)rules.count;
    p->rules = rules.items;
    bool ok = !g.failed && layout(&g);
    if (ok) relocate_rules(&g);
    for (size_t i = 0; i < g.reads.count; i++) free(g.reads.items[i].name);
    for (size_t i = 0; i < g.atoms.count; i++) free(g.atoms.items[i].text);
    free(g.reads.items);
    free(g.atoms.items);
    free(g.code.items);
    free(g.consts.items);
    free(g.own.items);
    for (size_t i = 0; g.strings.items && i < g.strings.count; i++) free(g.strings.items[i]);
    free(g.strings.items);
    free(g.let_reg);
    free(g.cat_reg);
    free(g.param_reg);
    if (!ok) {
        program_free(p);
        return NULL;
    }
    return p;
}
