/* compile_expr.c — expressions and conditions to instructions (see compile_int.h).
 *
 * Every expression is compiled either into a given destination register (cg_expr_into) or
 * into whatever register already holds it (cg_expr_reg: a field, a let, a constant).
 * Registers are handed out by bumping a counter and never reused: there are no loops, so a
 * rule file needs a few hundred registers at most, and a register that is written once keeps
 * its value for explanations. Only literals are folded (by the checker, which stores each
 * node's constant value): params stay in their own constant registers so that a run can
 * override one (`--as-of`) without recompiling.
 *
 * Linear in the rule file, whatever its shape: a chain of operators (`a + b + ...`, `p and q
 * and ...`) is compiled along its left spine with a stack of its own, emitting exactly what a
 * recursive walk would; other nesting is bounded by the checker (CHECK_MAX_NESTING). Shared
 * constants, strings and the names a rule reads are found through hash sets, and source
 * positions through a column index of the file. */
#include "compile_int.h"
#include "base/date.h"
#include "vm/vm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- emitting ----------------------------------------------------------------------------- */

uint32_t cg_new_reg(Cg *g) { return g->nregs++; }

void cg_free_indexes(Cg *g)
{
    strset_free(&g->konst_keys);
    strset_free(&g->string_keys);
    strset_free(&g->read_keys);
    VEC_FREE(&g->konst_of);
    VEC_FREE(&g->read_of);
    free(g->col_marks);
    g->col_marks = NULL;
}

enum { COL_STEP = 64 };

/* The column (in characters, from 0) at every COL_STEP-th byte of the source, made once: a
 * position then costs a binary search for the line and at most COL_STEP bytes of counting,
 * however long the line (a generated rule file may be one line of megabytes). */
static void index_columns(Cg *g, const SourceFile *sf)
{
    g->col_marks = xmalloc((sf->len / COL_STEP + 1) * sizeof *g->col_marks);
    uint32_t col = 0;
    for (size_t i = 0; i < sf->len; i++) {
        if (i % COL_STEP == 0) g->col_marks[i / COL_STEP] = col;
        unsigned char ch = (unsigned char)sf->text[i];
        if (ch == '\n') col = 0;
        else if ((ch & 0xC0) != 0x80) col++;   /* a character starts here (the text is UTF-8) */
    }
    if (sf->len % COL_STEP == 0) g->col_marks[sf->len / COL_STEP] = col;
}

void cg_position(Cg *g, uint32_t *line, uint32_t *col)
{
    const SourceFile *sf = g->span.file;
    *line = *col = 0;
    if (!sf) return;
    if (sf != g->r->module->source) {   /* not the rule file: no index */
        int l, c;
        source_position(sf, g->span.start, &l, &c);
        *line = (uint32_t)l;
        *col = (uint32_t)c;
        return;
    }
    if (!g->col_marks) index_columns(g, sf);
    uint32_t at = g->span.start < sf->len ? g->span.start : (uint32_t)sf->len;
    size_t lo = 0, hi = sf->line_count;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (sf->line_starts[mid] <= at) lo = mid; else hi = mid;
    }
    uint32_t from = sf->line_starts[lo], c = 0;
    if (at - from >= COL_STEP) {
        from = at / COL_STEP * COL_STEP;
        c = g->col_marks[at / COL_STEP];
    }
    for (uint32_t i = from; i < at; i++) c += ((unsigned char)sf->text[i] & 0xC0) != 0x80;
    *line = (uint32_t)lo + 1;
    *col = c + 1;
}

uint32_t cg_emit(Cg *g, Opcode op, uint32_t a, uint32_t b, uint32_t c)
{
    IrIns ins = {.op = (uint8_t)op, .a = a, .b = b, .c = c};
    cg_position(g, &ins.line, &ins.col);
    VEC_PUSH(&g->code, ins);
    return (uint32_t)g->code.count - 1;
}

uint32_t cg_here(Cg *g) { return (uint32_t)g->code.count; }

/* The jump target of the instruction at `at` (its J operand, as opcodes.def shapes it) is
 * here. */
void cg_patch_jump(Cg *g, uint32_t at)
{
    IrIns *ins = &g->code.items[at];
    const char *shape = opcode_shapes[ins->op];
    if (shape[0] == 'J') ins->a = cg_here(g);
    else if (shape[2] == 'J') ins->c = cg_here(g);
    else ins->b = cg_here(g);
    g->last_target = cg_here(g);
}

/* A conditional jump on dest. When the instruction just emitted wrote dest, fuses with a jump
 * into one that takes the target itself (MOV → MOVJ: a condition's leaf that is a name), and
 * no jump lands between the two, they become that one instruction, k saying which way. */
uint32_t cg_emit_cond_jump(Cg *g, bool on_true, uint32_t dest)
{
    if (g->code.count && g->last_target != cg_here(g)) {
        IrIns *last = &g->code.items[g->code.count - 1];
        uint8_t fused = opcode_fused[last->op];
        if (last->a == dest && fused != OP_NONE && opcode_shapes[fused][2] == 'J') {
            last->op = fused;
            last->k = on_true;
            return cg_here(g) - 1;
        }
    }
    return cg_emit(g, on_true ? OP_JMPT : OP_JMPF, dest, 0, 0);
}

uint32_t cg_string_index(Cg *g, const char *s)
{
    bool added;
    uint32_t id = strset_add(&g->string_keys, s, &added);
    if (added) VEC_PUSH(&g->strings, xstrdup(s));   /* ids and indexes grow together */
    return id;
}

/* A shared constant register holding (kind, value) — never one of konst_own's, which a
 * param override may change. */
uint32_t cg_konst(Cg *g, uint8_t kind, int64_t value)
{
    char key[1 + sizeof value];
    key[0] = (char)kind;
    memcpy(key + 1, &value, sizeof value);
    bool added;
    uint32_t id = strset_add_n(&g->konst_keys, key, sizeof key, &added);
    if (!added) return K_TAG | g->konst_of.items[id];
    Const k = {kind, value};
    VEC_PUSH(&g->consts, k);
    VEC_PUSH(&g->own, false);
    VEC_PUSH(&g->konst_of, (uint32_t)(g->consts.count - 1));
    return K_TAG | (uint32_t)(g->consts.count - 1);
}

/* A constant register of its own (params, tables, range bounds): never shared. */
uint32_t cg_konst_own(Cg *g, uint8_t kind, int64_t value)
{
    Const k = {kind, value};
    VEC_PUSH(&g->consts, k);
    VEC_PUSH(&g->own, true);
    return K_TAG | (uint32_t)(g->consts.count - 1);
}

uint8_t cg_value_kind(const Type *t)
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

int32_t cg_enum_index_of(const Type *t)
{
    if (t->kind == TY_ENUM) return t->en->index;
    if (t->kind == TY_SET && t->elem->kind == TY_ENUM) return t->elem->en->index;
    return -1;
}

void cg_compile_error(Cg *g, Span at, const char *msg)
{
    diag_add(g->dl, DIAG_ERROR, "compile", at, "%s", msg);
    g->failed = true;
}

/* ---- constant folding -------------------------------------------------------------------- */

bool cg_is_fixed(const Type *t) { return type_is_fixed(t); }

/* The checker folded every node as it typed it (types.c, type_fold): read its result, so no
 * subtree is walked twice and a chain of any length costs nothing here. */
bool compile_fold(const Expr *e, int64_t *value)
{
    if (e->fold != FOLD_YES || !e->type || e->type->kind == TY_ERROR) return false;
    *value = e->folded;
    return true;
}

/* A set of enum values or ints 0..63 as a bit mask. */
bool cg_fold_set(const Expr *e, int64_t *mask)
{
    return e->kind == EX_SET && compile_fold(e, mask);
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


/* Once per name and rule. read_of remembers where a name was put in `reads`; each rule starts
 * `reads` afresh (compile.c), so an entry counts only while it still points at that name. */
void cg_note_read(Cg *g, const char *name, uint32_t reg, const Type *t)
{
    bool added;
    uint32_t id = strset_add(&g->read_keys, name, &added);
    if (added) VEC_PUSH(&g->read_of, UINT32_MAX);
    uint32_t at = g->read_of.items[id];
    if (at < g->reads.count && !strcmp(g->reads.items[at].name, name)) return;
    g->read_of.items[id] = (uint32_t)g->reads.count;
    ReadInfo ri = {.name = xstrdup(name), .reg = reg, .kind = cg_value_kind(t), .enum_index = cg_enum_index_of(t)};
    VEC_PUSH(&g->reads, ri);
}

static uint32_t name_reg(Cg *g, Expr *e)
{
    Symbol *s = e->sym;
    if (!s) {   /* an enum value */
        return cg_konst(g, VK_ENUM, e->enum_value);
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
        cg_compile_error(g, e->span, "this name has no value in per-person code");
        return cg_konst(g, VK_INT, 0);
    }
    if (s->kind != SYM_PARAM) cg_note_read(g, s->name, reg, s->type);
    else cg_note_read(g, s->name, reg, s->type);
    return reg;
}

/* The register r holding e's value, converted to fixed point when `fixed` and e is an int. */
static uint32_t as_operand(Cg *g, Expr *e, uint32_t r, bool fixed)
{
    if (!fixed || cg_is_fixed(e->type) || e->type->kind != TY_INT) return r;
    int64_t v;
    if (compile_fold(e, &v)) {
        int64_t f;
        if (fixed_from_int(v, &f)) return cg_konst(g, VK_NUMBER, f);
    }
    uint32_t t = cg_new_reg(g);
    cg_emit(g, OP_I2F, t, r, 0);
    return t;
}

/* The register of e's value, converted to fixed point when `fixed` and e is an int. */
static uint32_t operand(Cg *g, Expr *e, bool fixed)
{
    return as_operand(g, e, cg_expr_reg(g, e), fixed);
}

static bool is_logic(const Expr *e) { return e->kind == EX_BINARY && (e->op == BIN_AND || e->op == BIN_OR); }

/* Are the operands of an arithmetic or comparison node computed as fixed point? */
static bool operands_fixed(const Expr *e)
{
    const Type *lt = e->lhs->type, *rt = e->rhs->type;
    if (e->op == BIN_ADD || e->op == BIN_SUB || e->op == BIN_MUL || e->op == BIN_DIV)
        return (cg_is_fixed(e->type) || e->op == BIN_DIV) && lt->kind != TY_DATE && rt->kind != TY_DATE;
    return (cg_is_fixed(lt) || cg_is_fixed(rt)) && lt->kind != TY_TEXT;
}

/* e's instruction into dest, its left operand in register l already. */
static void arith_emit(Cg *g, Expr *e, uint32_t dest, uint32_t l)
{
    bool fixed = operands_fixed(e);
    uint32_t r = operand(g, e->rhs, fixed);
    Opcode op;
    switch (e->op) {
    case BIN_ADD: op = OP_ADD; break;
    case BIN_SUB: op = OP_SUB; break;
    case BIN_MUL: op = fixed ? OP_MULF : OP_MUL; break;
    default: op = OP_DIVF; break;
    }
    cg_emit(g, op, dest, l, r);
}

static void compare_emit(Cg *g, Expr *e, uint32_t dest, uint32_t l)
{
    bool text = e->lhs->type->kind == TY_TEXT;
    uint32_t r = operand(g, e->rhs, operands_fixed(e));
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
    cg_emit(g, op, dest, swap ? r : l, swap ? l : r);
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

enum { MAX_LEAVES = 63 };

/* Leaves of a tree of one operator (a and b and c), left to right; false past MAX_LEAVES,
 * found out after looking at no more than about 2 × MAX_LEAVES nodes: every node waiting on
 * the stack has a right side with a leaf still to come. */
static bool chain_leaves(Expr *e, BinOp op, Expr **leaves, size_t *n)
{
    Expr *pending[MAX_LEAVES];
    size_t np = 0;
    for (;;) {
        for (; e->kind == EX_BINARY && e->op == op; e = e->lhs) {
            if (*n + np == MAX_LEAVES) return false;
            pending[np++] = e;
        }
        if (*n == MAX_LEAVES) return false;
        leaves[(*n)++] = e;
        if (!np) return true;
        e = pending[--np]->rhs;
    }
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
        cg_note_read(g, f->sym->name, (uint32_t)f->sym->index, f->sym->type);
    }
}

/* `a and b and c` over consecutive bool fields is one ALL (ANY for `or`): reading fields
 * cannot fail, so skipping the short circuit changes nothing but the instruction count. */
static bool range_logic(Expr *e, Expr **leaves, size_t *n, uint32_t *first)
{
    *n = 0;
    return chain_leaves(e, e->op, leaves, n) && consecutive_fields(leaves, *n, false, first);
}

static bool range_logic_into(Cg *g, Expr *e, uint32_t dest)
{
    Expr *leaves[MAX_LEAVES];
    size_t n;
    uint32_t first;
    if (!range_logic(e, leaves, &n, &first)) return false;
    note_field_reads(g, leaves, n, false);
    cg_emit(g, e->op == BIN_AND ? OP_ALL : OP_ANY, dest, first, (uint32_t)n);
    return true;
}

/* ---- operator chains ------------------------------------------------------------------------
 *
 * `a + b + c` is ((a + b) + c): its left spine is as long as the chain. Compiled recursively,
 * each node would compile its left operand first (into a fresh register, or for and/or into
 * its own destination), then its right one, then emit itself. chain_into does the same with a
 * stack of its own: down the spine handing out the registers, then up it emitting. */

typedef struct ChainNode { Expr *e; uint32_t dest; } ChainNode;

/* Is the left operand L of a chain node compiled as part of the chain (rather than alone)? */
static bool chain_goes_on(Expr *L)
{
    int64_t v;
    if (L->kind != EX_BINARY || compile_fold(L, &v)) return false;
    Expr *leaves[MAX_LEAVES];
    size_t n;
    uint32_t first;
    return !is_logic(L) || !range_logic(L, leaves, &n, &first);
}

/* One chain node, its left operand's register `l` (NO_REG: compile the left operand here). */
static void chain_node_emit(Cg *g, Expr *e, uint32_t dest, uint32_t l)
{
    if (is_logic(e)) {
        /* and/or: the left value goes to dest; a jump skips the right side when it decides */
        if (l == NO_REG) cg_expr_into(g, e->lhs, dest);
        uint32_t j = cg_emit_cond_jump(g, e->op == BIN_OR, dest);
        cg_expr_into(g, e->rhs, dest);
        cg_patch_jump(g, j);
        return;
    }
    bool fixed = operands_fixed(e);
    uint32_t left = l == NO_REG ? operand(g, e->lhs, fixed) : as_operand(g, e->lhs, l, fixed);
    bool arith = e->op == BIN_ADD || e->op == BIN_SUB || e->op == BIN_MUL || e->op == BIN_DIV;
    if (arith) arith_emit(g, e, dest, left);
    else compare_emit(g, e, dest, left);
}

static void chain_into(Cg *g, Expr *top, uint32_t dest)
{
    VEC(ChainNode) spine = {0};
    Expr *e = top;
    for (uint32_t d = dest;; e = e->lhs) {
        VEC_PUSH(&spine, ((ChainNode){e, d}));
        if (!chain_goes_on(e->lhs)) break;
        if (!is_logic(e)) d = cg_new_reg(g);   /* as cg_expr_reg would for the left operand */
    }
    Span saved = g->span;
    for (size_t i = spine.count; i-- > 0;) {
        ChainNode *n = &spine.items[i];
        g->span = n->e->span;
        chain_node_emit(g, n->e, n->dest, i + 1 < spine.count ? spine.items[i + 1].dest : NO_REG);
    }
    g->span = saved;
    free(spine.items);
}

static bool small_mask_set(const Expr *set, int64_t *mask)
{
    return set->kind == EX_SET && cg_fold_set(set, mask);
}

static void in_into(Cg *g, Expr *e, uint32_t dest)
{
    Expr *rhs = e->rhs;
    const Type *lt = e->lhs->type;
    int64_t mask;
    if (rhs->kind == EX_RANGE) {
        bool fixed = cg_is_fixed(lt) || cg_is_fixed(rhs->lhs->type) || cg_is_fixed(rhs->rhs->type);
        int64_t lo, hi;
        uint32_t x = operand(g, e->lhs, fixed);
        if (compile_fold(rhs->lhs, &lo) && compile_fold(rhs->rhs, &hi)) {
            if (fixed && !cg_is_fixed(rhs->lhs->type)) fixed_from_int(lo, &lo);
            if (fixed && !cg_is_fixed(rhs->rhs->type)) fixed_from_int(hi, &hi);
            uint32_t k = cg_konst_own(g, VK_INT, lo);
            cg_konst_own(g, VK_INT, hi);
            cg_emit(g, OP_IN_RANGE, dest, x, k);
        } else {
            uint32_t lo_r = operand(g, rhs->lhs, fixed), hi_r = operand(g, rhs->rhs, fixed);
            cg_emit(g, OP_LE, dest, lo_r, x);
            uint32_t j = cg_emit(g, OP_JMPF, dest, 0, 0);
            cg_emit(g, OP_LE, dest, x, hi_r);
            cg_patch_jump(g, j);
        }
    } else if (rhs->kind != EX_SET) {
        /* a set-valued name (categories): a bit mask at run time */
        cg_emit(g, OP_IN_MASK, dest, cg_expr_reg(g, e->lhs), cg_expr_reg(g, rhs));
    } else if (lt->kind != TY_TEXT && !cg_is_fixed(lt) && !cg_is_fixed(rhs->type->elem) &&
               small_mask_set(rhs, &mask)) {
        /* a bit per small int or enum value (not for numbers: 1 is 10000 as a number) */
        cg_emit(g, OP_IN_MASK, dest, cg_expr_reg(g, e->lhs), cg_konst(g, VK_INT, mask));
    } else if (rhs->items.count == 0) {
        cg_emit(g, OP_MOV, dest, cg_konst(g, VK_BOOL, 0), 0);
    } else {
        bool text = lt->kind == TY_TEXT;
        bool fixed = cg_is_fixed(lt) || (!text && cg_is_fixed(rhs->type->elem));
        uint32_t x = operand(g, e->lhs, fixed);
        uint32_t *jumps = xmalloc(rhs->items.count * sizeof *jumps);
        for (size_t i = 0; i < rhs->items.count; i++) {
            cg_emit(g, text ? OP_EQ_T : OP_EQ, dest, x, operand(g, rhs->items.items[i], fixed));
            jumps[i] = i + 1 < rhs->items.count ? cg_emit(g, OP_JMPT, dest, 0, 0) : NO_REG;
        }
        for (size_t i = 0; i + 1 < rhs->items.count; i++) cg_patch_jump(g, jumps[i]);
        free(jumps);
    }
    if (e->negated) cg_emit(g, OP_NOT, dest, dest, 0);
}

static void call_into(Cg *g, Expr *e, uint32_t dest)
{
    Expr **args = e->items.items;
    size_t n = e->items.count;
    bool fixed = cg_is_fixed(e->type);
    switch ((Func)e->sym->index) {
    case FN_YEARS_BETWEEN:
        cg_emit(g, OP_YEARS, dest, cg_expr_reg(g, args[0]), cg_expr_reg(g, args[1]));
        return;
    case FN_DAYS_BETWEEN:
        cg_emit(g, OP_SUB, dest, cg_expr_reg(g, args[1]), cg_expr_reg(g, args[0]));
        return;
    case FN_COUNT_TRUE: {
        uint32_t first;
        bool negated = n > 0 && args[0]->kind == EX_UNARY;
        if (n <= 63 && consecutive_fields(args, n, negated, &first)) {
            note_field_reads(g, args, n, negated);
            cg_emit(g, negated ? OP_NCOUNT : OP_COUNT, dest, first, (uint32_t)n);
            return;
        }
        /* bools are 0/1: their sum */
        cg_expr_into(g, args[0], dest);
        for (size_t i = 1; i < n; i++) cg_emit(g, OP_ADD, dest, dest, cg_expr_reg(g, args[i]));
        return;
    }
    case FN_VALID_RESIDENT_ID: cg_emit(g, OP_VALID_ID, dest, cg_expr_reg(g, args[0]), 0); return;
    case FN_ID_BIRTH_DATE: cg_emit(g, OP_ID_BIRTH, dest, cg_expr_reg(g, args[0]), 0); return;
    case FN_ID_MALE: cg_emit(g, OP_ID_MALE, dest, cg_expr_reg(g, args[0]), 0); return;
    case FN_MIN: case FN_MAX:
        cg_emit(g, e->sym->index == FN_MIN ? OP_MIN : OP_MAX, dest, operand(g, args[0], fixed),
             operand(g, args[1], fixed));
        return;
    case FN_ABS: cg_emit(g, OP_ABS, dest, cg_expr_reg(g, args[0]), 0); return;
    case FN_CEIL: case FN_FLOOR: case FN_ROUND: {
        Opcode op = e->sym->index == FN_CEIL ? OP_CEILF : e->sym->index == FN_FLOOR ? OP_FLOORF : OP_ROUNDF;
        if (!cg_is_fixed(args[0]->type)) cg_expr_into(g, args[0], dest);   /* an int already */
        else cg_emit(g, op, dest, cg_expr_reg(g, args[0]), 0);
        return;
    }
    case FN_LEN: cg_emit(g, OP_LEN_T, dest, cg_expr_reg(g, args[0]), 0); return;
    case FN_YEAR_OF: cg_emit(g, OP_YEAR_OF, dest, cg_expr_reg(g, args[0]), 0); return;
    case FN_MONTH_OF: cg_emit(g, OP_MONTH_OF, dest, cg_expr_reg(g, args[0]), 0); return;
    case FN_DAY_OF: cg_emit(g, OP_DAY_OF, dest, cg_expr_reg(g, args[0]), 0); return;
    case FN__COUNT: break;
    }
}

/* A branch result of case/if, converted when the whole is a number and it is an int. */
static void result_into(Cg *g, Expr *res, const Type *want, uint32_t dest)
{
    if (cg_is_fixed(want) && res->type->kind == TY_INT) cg_emit(g, OP_I2F, dest, cg_expr_reg(g, res), 0);
    else cg_expr_into(g, res, dest);
}

static void case_into(Cg *g, Expr *e, uint32_t dest)
{
    size_t n = e->conds.count;
    uint32_t *ends = xmalloc((n + 1) * sizeof *ends);
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cg_expr_reg(g, e->conds.items[i]);
        uint32_t skip = cg_emit(g, OP_JMPF, c, 0, 0);
        result_into(g, e->items.items[i], e->type, dest);
        ends[i] = cg_emit(g, OP_JMP, 0, 0, 0);
        cg_patch_jump(g, skip);
    }
    result_into(g, e->rhs, e->type, dest);
    for (size_t i = 0; i < n; i++) cg_patch_jump(g, ends[i]);
    free(ends);
}

static void if_into(Cg *g, Expr *e, uint32_t dest)
{
    uint32_t c = cg_expr_reg(g, e->cond);
    uint32_t skip = cg_emit(g, OP_JMPF, c, 0, 0);
    result_into(g, e->lhs, e->type, dest);
    uint32_t end = cg_emit(g, OP_JMP, 0, 0, 0);
    cg_patch_jump(g, skip);
    result_into(g, e->rhs, e->type, dest);
    cg_patch_jump(g, end);
}

void cg_expr_into(Cg *g, Expr *e, uint32_t dest)
{
    Span saved = g->span;
    g->span = e->span;
    int64_t v;
    if (e->kind != EX_NAME && compile_fold(e, &v)) {
        cg_emit(g, OP_MOV, dest, cg_konst(g, cg_value_kind(e->type), v), 0);
    } else {
        switch (e->kind) {
        case EX_TEXT:
            cg_emit(g, OP_MOV, dest, cg_konst(g, VK_TEXT, cg_string_index(g, e->v.s)), 0);
            break;
        case EX_NAME:
            cg_emit(g, OP_MOV, dest, name_reg(g, e), 0);
            break;
        case EX_SET: {
            int64_t mask = 0;
            if (!cg_fold_set(e, &mask)) cg_compile_error(g, e->span, "only a set of enum values or small ints can be a value");
            cg_emit(g, OP_MOV, dest, cg_konst(g, VK_INT, mask), 0);
            break;
        }
        case EX_UNARY:
            if (e->op == UN_NOT) cg_emit(g, OP_NOT, dest, cg_expr_reg(g, e->lhs), 0);
            else cg_emit(g, OP_NEG, dest, cg_expr_reg(g, e->lhs), 0);
            break;
        case EX_BINARY:
            if (!is_logic(e) || !range_logic_into(g, e, dest)) chain_into(g, e, dest);
            break;
        case EX_IN: in_into(g, e, dest); break;
        case EX_CALL: call_into(g, e, dest); break;
        case EX_CASE: case_into(g, e, dest); break;
        case EX_IF: if_into(g, e, dest); break;
        case EX_INDEX: {
            Symbol *s = e->lhs->sym;
            if (e->lhs->kind != EX_NAME || !s || s->kind != SYM_PARAM) {
                cg_compile_error(g, e->span, "only a table param can be indexed");
                break;
            }
            cg_note_read(g, s->name, g->param_reg[s->index], s->type);
            cg_emit(g, OP_INDEX, dest, cg_expr_reg(g, e->rhs), g->param_reg[s->index]);
            break;
        }
        default:
            cg_compile_error(g, e->span, "this expression cannot be compiled here");
        }
    }
    g->span = saved;
}

uint32_t cg_expr_reg(Cg *g, Expr *e)
{
    int64_t v;
    if (e->kind == EX_NAME && e->sym) return name_reg(g, e);
    if (e->kind == EX_TEXT) return cg_konst(g, VK_TEXT, cg_string_index(g, e->v.s));
    if (compile_fold(e, &v)) return cg_konst(g, cg_value_kind(e->type), v);
    uint32_t r = cg_new_reg(g);
    cg_expr_into(g, e, r);
    return r;
}

/* ---- conditions with atoms (for explanations) ----------------------------------------- */

char *cg_span_text(Span sp)
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

void cg_add_atom(Cg *g, Expr *e, uint32_t dest)
{
    AtomInfo at = {.pc = cg_here(g) - 1, .reg = dest, .text = cg_span_text(e->span)};
    Span saved = g->span;
    g->span = e->span;
    cg_position(g, &at.line, &at.col);
    g->span = saved;
    VEC_PUSH(&g->atoms, at);
}

static void cond_leaf(Cg *g, Expr *e, uint32_t dest)
{
    cg_expr_into(g, e, dest);
    /* a case/if ends in one of its branches: give the atom one pc every path reaches */
    if (e->kind == EX_CASE || e->kind == EX_IF) cg_emit(g, OP_MOV, dest, dest, 0);
    cg_add_atom(g, e, dest);
}

/* A bool condition into dest; each leaf under and/or is an atom, so `not income_source` and
 * `not (a and b)` are each one fact of an explanation. The left spine of and/or nodes is
 * walked with a stack of its own (a condition may be a chain of any length). */
void cg_cond_into(Cg *g, Expr *e, uint32_t dest)
{
    if (!is_logic(e)) {
        cond_leaf(g, e, dest);
        return;
    }
    VEC(Expr *) spine = {0};
    for (; is_logic(e); e = e->lhs) VEC_PUSH(&spine, e);
    Span saved = g->span;
    g->span = spine.items[spine.count - 1]->span;
    cond_leaf(g, e, dest);
    for (size_t i = spine.count; i-- > 0;) {
        Expr *n = spine.items[i];
        g->span = n->span;
        uint32_t j = cg_emit_cond_jump(g, n->op == BIN_OR, dest);
        cg_cond_into(g, n->rhs, dest);
        cg_patch_jump(g, j);
    }
    g->span = saved;
    free(spine.items);
}
