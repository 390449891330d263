/* vm_loop.h — the VM's dispatch loop, included three times by vm.c (no include guard on purpose):
 *   VM_LOOP   the name of the function to define (vm_loop_plain, vm_loop_traced, vm_loop_region)
 *   VM_TRACE  1 to record, after each instruction, ran[pc] = 1 and value[pc] = R[a] (for
 *             JMPF/JMPT the tested register; JMP and HALT record 0). An instruction that
 *             fails is not marked: it wrote nothing; vm->error_pc names it.
 *   VM_STOP   1 to stop, as at a HALT, when the next instruction lies at or past `stop` (a
 *             rule's code run alone); the other two never look at `stop`, so the hot loop
 *             pays nothing for it.
 *   VM_THREADED 1 (the plain loop, under computed goto) to run the Vm's cells — each
 *             instruction beside its handler's address, made on the first run — instead of
 *             looking each opcode up in the label table: a dispatch is one load shorter, and
 *             a mispredicted one is resolved sooner.
 * VM_COMPUTED_GOTO picks threaded dispatch (a label table built from opcodes.def) or a switch.
 * pc is `ip` (a pointer into the code) and the registers `R`, both locals; `in` is the
 * instruction being executed, so an error exit knows its pc. Each case is a line or two; the
 * work is in vm.c's helpers. Operand macros: A, B, C are the registers R[a], R[b], R[c]. */

static bool VM_LOOP(Vm *vm, uint32_t entry, VmTrace *trace, uint32_t stop)
{
    const Ins *const code = vm->prog->code;
    const uint32_t nregs = vm->prog->nregs;
    int64_t *const R = vm->regs;
    VmError err = VM_OK;
    int64_t v = 0;
#if VM_STOP
    const Ins *const stop_at = code + stop;
#define STOPPED() (ip >= stop_at)
#else
    (void)stop;
#define STOPPED() 0
#endif

#if VM_TRACE
    uint8_t *const t_ran = trace->ran;
    int64_t *const t_value = trace->value;
#define TRACE(x) (t_ran[PC_OF(in)] = 1, t_value[PC_OF(in)] = (x))
#else
    (void)trace;
#define TRACE(x) ((void)0)
#endif

#if VM_COMPUTED_GOTO
    static void *const dispatch[OP__COUNT] = {
#define OP(name, shape, flags, fused, comment) &&L_##name,
#include "opcodes.def"
#undef OP
    };
#endif

    /* ip: the next instruction (an Ins, or a VmCell when threaded); in: the one executing.
     * AT(pc) is where a jump to pc goes, NEXT_B the b operand of the instruction after this
     * one (the jump a PAIRED instruction borrows), PC_OF(in) the pc of an Ins. */
#if VM_THREADED
    if (!vm->cells) thread_code(vm, (const void *const *)dispatch);
    const VmCell *const cells = vm->cells;
    (void)code;
    const VmCell *ip = cells + entry;
#define AT(pc) (cells + (pc))
#define NEXT_B (ip->ins.b)
#define PC_OF(i) ((uint32_t)((const VmCell *)(const void *)((const char *)(i) - offsetof(VmCell, ins)) - cells))
#else
    const Ins *ip = code + entry;
#define AT(pc) (code + (pc))
#define NEXT_B (ip->b)
#define PC_OF(i) ((uint32_t)((i) - code))
#endif
    const Ins *in = NULL;

#if VM_THREADED
#define DISPATCH() { in = &ip->ins; goto *(ip++)->handler; }
#define CASE(name) L_##name
#define LOOP_BEGIN DISPATCH();
#define LOOP_END
#elif VM_COMPUTED_GOTO
#define DISPATCH() { if (STOPPED()) return true; in = ip++; goto *dispatch[in->op]; }
#define CASE(name) L_##name
#define LOOP_BEGIN DISPATCH();
#define LOOP_END
#else
#define DISPATCH() continue
#define CASE(name) case OP_##name
#define LOOP_BEGIN for (;;) { if (STOPPED()) return true; in = ip++; switch (in->op) {
#define LOOP_END default: FAIL(VM_BAD_INDEX); /* an unknown opcode: never in a verified program */ } }
#endif

#define A R[in->a]
#define B R[in->b]
#define C R[in->c]
#define NEXT() { TRACE(A); DISPATCH(); }
#define FAIL(e) { err = (e); goto fail; }
#define SET(expr) { A = (expr); NEXT(); }
#define CHECKED(ok) { if (!(ok)) FAIL(VM_OVERFLOW); A = v; NEXT(); }

    LOOP_BEGIN
    CASE(HALT):     TRACE(0); return true;
    CASE(MOV):      SET(B);
    CASE(LOADI):    SET((int64_t)in->b);
    CASE(ADD):      CHECKED(!__builtin_add_overflow(B, C, &v));
    CASE(SUB):      CHECKED(!__builtin_sub_overflow(B, C, &v));
    CASE(MUL):      CHECKED(!__builtin_mul_overflow(B, C, &v));
    CASE(NEG):      CHECKED(!__builtin_sub_overflow((int64_t)0, B, &v));
    CASE(MULF):     CHECKED(fixed_mul(B, C, &v));
    CASE(DIVF):     if (C == 0) FAIL(VM_DIV_ZERO);
                    CHECKED(fixed_div(B, C, &v));
    CASE(I2F):      CHECKED(fixed_from_int(B, &v));
    CASE(ABS):      CHECKED(abs_of(B, &v));
    CASE(MIN):      SET(B < C ? B : C);
    CASE(MAX):      SET(B > C ? B : C);
    CASE(CEILF):    SET(fixed_ceil(B));
    CASE(FLOORF):   SET(fixed_floor(B));
    CASE(ROUNDF):   SET(fixed_round(B));
    CASE(EQ):       SET(B == C);
    CASE(NE):       SET(B != C);
    CASE(LT):       SET(B < C);
    CASE(LE):       SET(B <= C);
    CASE(EQ_T):     SET(strcmp(text_of(B), text_of(C)) == 0);
    CASE(NE_T):     SET(strcmp(text_of(B), text_of(C)) != 0);
    CASE(LT_T):     SET(strcmp(text_of(B), text_of(C)) < 0);
    CASE(LE_T):     SET(strcmp(text_of(B), text_of(C)) <= 0);
    CASE(NOT):      SET(!B);
    CASE(IN_MASK):  SET(in_mask(B, C));
    CASE(IN_RANGE): SET(C <= B && B <= R[in->c + 1]);
    CASE(JMP):      TRACE(0); ip = AT(in->a); DISPATCH();
    CASE(JMPF):     if (!A) ip = AT(in->b);
                    NEXT();
    CASE(JMPT):     if (A) ip = AT(in->b);
                    NEXT();
    /* compare-and-branch: ip already points at the paired jump; take its target when the
     * result (0 or 1) equals k, else step over it */
#define BRANCH(x) { A = (x); TRACE(A); ip = A == in->k ? AT(NEXT_B) : ip + 1; DISPATCH(); }
    CASE(EQJ):      BRANCH(B == C);
    CASE(NEJ):      BRANCH(B != C);
    CASE(LTJ):      BRANCH(B < C);
    CASE(LEJ):      BRANCH(B <= C);
    CASE(INJ):      BRANCH(in_mask(B, C));
    CASE(RANGEJ):   BRANCH(C <= B && B <= R[in->c + 1]);
    CASE(NOTJ):     BRANCH(!B);
    CASE(MOVJ):     if (((A = B) != 0) == in->k) ip = AT(in->c);
                    NEXT();
    CASE(MOVP):     A = B;
                    TRACE(A);
                    ip = (A != 0) == in->k ? AT(NEXT_B) : ip + 1;
                    DISPATCH();
    CASE(INDEX):    v = B;
                    if (v < 0 || v >= C || (uint64_t)v >= nregs - in->c - 1u) FAIL(VM_BAD_INDEX);
                    SET(R[in->c + 1 + v]);
    CASE(YEARS):    if (!date_ok(B) || !date_ok(C)) FAIL(VM_OVERFLOW);
                    SET(years_between(B, C));
    CASE(VALID_ID): SET(resident_id_valid(text_of(B)));
    CASE(ID_BIRTH): if (!resident_id_birth(text_of(B), &v)) FAIL(VM_BAD_ID);
                    SET(v);
    CASE(ID_MALE):  if ((v = resident_id_male(text_of(B))) < 0) FAIL(VM_BAD_ID);
                    SET(v);
    CASE(LEN_T):    SET(utf8_chars(text_of(B), strlen(text_of(B))));
    CASE(YEAR_OF):  if (!date_ok(B)) FAIL(VM_OVERFLOW);
                    SET(date_part(B, 0));
    CASE(MONTH_OF): if (!date_ok(B)) FAIL(VM_OVERFLOW);
                    SET(date_part(B, 1));
    CASE(DAY_OF):   if (!date_ok(B)) FAIL(VM_OVERFLOW);
                    SET(date_part(B, 2));
    CASE(CATS):     SET(cat_mask(&B, in->c));
    CASE(ALL):      SET(range_count(&B, in->c) == in->c);
    CASE(ANY):      SET(range_count(&B, in->c) != 0);
    CASE(COUNT):    SET(range_count(&B, in->c));
    CASE(NCOUNT):   SET((int64_t)in->c - range_count(&B, in->c));
    CASE(POPCNT):   SET(bit_count((uint64_t)B));
    CASE(LOWBIT):   SET(lowest_bit((uint64_t)B));
    CASE(OUTCOME):  v = cat_mask(&B, in->c);
                    R[in->a + 1] = bit_count((uint64_t)v);
                    R[in->a + 2] = lowest_bit((uint64_t)v);
                    R[in->a + 3] = R[in->a + 4] = -1;
                    SET(v);
    CASE(LOADI2):   R[in->a + 1] = (int64_t)in->c;
                    SET((int64_t)in->b);
    LOOP_END

fail:
    vm->error = err;
    vm->error_pc = PC_OF(in);
    return false;
}

#undef TRACE
#undef STOPPED
#undef AT
#undef NEXT_B
#undef PC_OF
#undef DISPATCH
#undef CASE
#undef LOOP_BEGIN
#undef LOOP_END
#undef A
#undef B
#undef C
#undef NEXT
#undef FAIL
#undef SET
#undef CHECKED
#undef BRANCH
