/* peephole.c — the finished instruction list made faster without changing what it computes:
 * jumps threaded to their final target, and a condition's leaf fused with the jump on it. */
#include "compile_int.h"

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

void cg_peephole(Cg *g)
{
    thread_jumps(g);
    fuse_branches(g);
}
