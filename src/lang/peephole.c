/* peephole.c — the finished instruction list made faster without changing what it computes:
 * jumps threaded to their final target (a jump to a HALT made one), a condition's leaf fused
 * with the jump on it, and a move fused with the jump after it.
 * Which opcodes jump, and which fuse into what, is opcodes.def's to say (opcode_shapes,
 * opcode_flags, opcode_fused); only the two plain conditional jumps are named here. */
#include "compile_int.h"

/* The index of the jump-target operand of op (0, 1, 2 for a, b, c), or -1. */
static int jump_operand(uint8_t op)
{
    const char *shape = opcode_shapes[op];
    for (int k = 0; k < 3; k++)
        if (shape[k] == 'J') return k;
    return -1;
}

static uint32_t *operand(IrIns *ins, int k) { return k == 0 ? &ins->a : k == 1 ? &ins->b : &ins->c; }

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

/* Jump threading: a false `and` leaf jumps straight past the whole chain. A jump that falls
 * through (END not set) tests R[a]: on true for JMPT, on k for the fused ones. */
static void thread_jumps(Cg *g)
{
    for (size_t i = 0; i < g->code.count; i++) {
        IrIns *ins = &g->code.items[i];
        int j = jump_operand(ins->op);
        if (j < 0) continue;
        uint32_t *target = operand(ins, j);
        if (opcode_flags[ins->op] & OPF_END) *target = final_target(g, *target, NO_REG, false);
        else {
            bool truth = opcode_flags[ins->op] & OPF_K ? ins->k != 0 : ins->op == OP_JMPT;
            *target = final_target(g, *target, ins->a, truth);
        }
    }
}

/* A jump to a HALT halts where it stands (a placement branch's exit): one dispatch, not two. */
static void halt_in_place(Cg *g)
{
    for (size_t i = 0; i < g->code.count; i++) {
        IrIns *ins = &g->code.items[i];
        if (ins->op == OP_JMP && ins->a < g->code.count && g->code.items[ins->a].op == OP_HALT)
            *ins = (IrIns){.op = OP_HALT, .line = ins->line, .col = ins->col};
    }
}

/* A condition's leaf followed by the jump on it becomes its PAIRED fused form, k saying which
 * jump; the jump stays where it is (it supplies the target, and jumps may land on it). */
static void fuse_branches(Cg *g)
{
    for (size_t i = 0; i + 1 < g->code.count; i++) {
        IrIns *in = &g->code.items[i], *next = &g->code.items[i + 1];
        if ((next->op != OP_JMPF && next->op != OP_JMPT) || next->a != in->a) continue;
        uint8_t fused = opcode_fused[in->op];
        if (fused == OP_NONE || !(opcode_flags[fused] & OPF_PAIRED)) continue;
        in->op = fused;
        in->k = next->op == OP_JMPT;
    }
}

/* Moves that emitting could not fuse, because a jump landed between the move and the jump
 * on it then (an inner `and`'s exit, which threading has since sent past the chain):
 *   MOV a b; JMPF/JMPT a   -> MOVP, the move's paired form (the jump stays, as for EQJ);
 *   MOV a K; JMP t         -> MOVJ a K t with k the constant's truth, so it always jumps (a
 *                             `when` arm's value and the jump to the end: one dispatch).
 * K must be a shared constant: a param's register may be overridden, its truth not known. */
static void fuse_moves(Cg *g)
{
    for (size_t i = 0; i + 1 < g->code.count; i++) {
        IrIns *in = &g->code.items[i], *next = &g->code.items[i + 1];
        if (in->op != OP_MOV) continue;
        if ((next->op == OP_JMPF || next->op == OP_JMPT) && next->a == in->a) {
            in->op = OP_MOVP;
            in->k = next->op == OP_JMPT;
        } else if (next->op == OP_JMP && (in->b & K_TAG) && !g->own.items[in->b & ~K_TAG]) {
            const Const *k = &g->consts.items[in->b & ~K_TAG];
            in->op = OP_MOVJ;
            in->c = next->a;
            in->k = k->kind == VK_TEXT || k->value != 0;   /* text: a pointer, never null */
        }
    }
}

void cg_peephole(Cg *g)
{
    thread_jumps(g);
    halt_in_place(g);
    fuse_branches(g);
    fuse_moves(g);
}
