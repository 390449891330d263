/* compile_int.h — what the compiler's files share (compile.h is the stage's interface).
 *
 * compile_expr.c turns expressions and conditions into instructions; compile.c lays out the
 * rule file — params, lets, categories, placement, schedule, capacity, tables, records — as
 * rules of the Program around them; peephole.c rewrites the finished instruction list (jump
 * threading, compare-and-branch fusion) before compile.c assigns the final registers.
 *
 * While compiling, operands are virtual: constants and registers live in two numbering
 * spaces (K_TAG marks a constant) and are laid out only at the end, when the number of
 * constants is known — constants first, then the record's fields, then the rest. */
#ifndef DOUDI_COMPILE_INT_H
#define DOUDI_COMPILE_INT_H

#include "compile.h"
#include "base/strset.h"

#define K_TAG 0x80000000u
#define NO_REG 0xFFFFFFFFu

typedef struct IrIns {
    uint8_t op;
    uint8_t k;                 /* Ins.k: the jump's sense, for the opcodes flagged K */
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
    int32_t upgrade_reg;       /* the capacity plan's upgrade condition, once compiled; -1 */
    /* indexes that keep compiling linear in the rule file's size (compile_expr.c) */
    StrSet konst_keys;         /* (kind, value) of each shared constant; konst_of[id] is it */
    VEC(uint32_t) konst_of;
    StrSet string_keys;        /* the strings: id = index in `strings` */
    StrSet read_keys;          /* names read; read_of[id] is its index in `reads` if still there */
    VEC(uint32_t) read_of;
    uint32_t *col_marks;       /* the column of every 64th byte of the source (cg_position) */
} Cg;

typedef VEC(RuleInfo) RuleVec;

/* ---- emitting (compile_expr.c) ---- */
void cg_free_indexes(Cg *g);                               /* what the indexes above hold */
uint32_t cg_new_reg(Cg *g);
void cg_position(Cg *g, uint32_t *line, uint32_t *col);   /* of g->span */
uint32_t cg_emit(Cg *g, Opcode op, uint32_t a, uint32_t b, uint32_t c);
uint32_t cg_here(Cg *g);
void cg_patch_jump(Cg *g, uint32_t at);                    /* make the jump at `at` land here */
/* A conditional jump on dest; fused with a move into dest just emitted (MOVJF/MOVJT). */
uint32_t cg_emit_cond_jump(Cg *g, bool on_true, uint32_t dest);
uint32_t cg_string_index(Cg *g, const char *s);
/* A shared constant register holding (kind, value); one of its own (params, tables). */
uint32_t cg_konst(Cg *g, uint8_t kind, int64_t value);
uint32_t cg_konst_own(Cg *g, uint8_t kind, int64_t value);
uint8_t cg_value_kind(const Type *t);
int32_t cg_enum_index_of(const Type *t);
void cg_compile_error(Cg *g, Span at, const char *msg);
bool cg_is_fixed(const Type *t);
bool cg_fold_set(const Expr *e, int64_t *mask);

/* ---- expressions and conditions (compile_expr.c) ---- */
void cg_note_read(Cg *g, const char *name, uint32_t reg, const Type *t);
/* e's value into dest; or the register that already holds it (a field, a let, a constant). */
void cg_expr_into(Cg *g, Expr *e, uint32_t dest);
uint32_t cg_expr_reg(Cg *g, Expr *e);
/* A bool condition into dest, each leaf under and/or recorded as an atom for explanations. */
void cg_cond_into(Cg *g, Expr *e, uint32_t dest);
void cg_add_atom(Cg *g, Expr *e, uint32_t dest);
char *cg_span_text(Span sp);                               /* the source text, spaces folded */

/* ---- rules and layout (compile.c) ---- */
RuleInfo cg_begin_rule(Cg *g, RuleKind kind, const char *name, const char *label, const char *cite, Span at);
void cg_end_rule(Cg *g, RuleVec *rules, RuleInfo ri);
uint32_t cg_relocate(const Cg *g, uint32_t v);             /* a virtual operand's final register */

/* ---- the engine phases (compile_plan.c) ---- */
void cg_schedule_info(Cg *g);                              /* after the params */
void cg_forms(Cg *g, RuleVec *rules);                      /* in the targets entry */
void cg_notice(Cg *g, RuleVec *rules);                     /* in the targets entry, after the forms */
void cg_capacity_upgrade(Cg *g, RuleVec *rules, const Decl *record);   /* in its check entry */
void cg_capacity_info(Cg *g);                              /* after the records */
void cg_relocate_plan(Cg *g);                              /* after the layout */

/* ---- after code generation (peephole.c) ---- */
void cg_peephole(Cg *g);

#endif
