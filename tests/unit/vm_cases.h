/* vm_cases.h — the VM's test cases, shared by two binaries so both dispatch builds run them:
 *   test_vm.c         links vm.o from libdoudi.a (computed goto under GCC/Clang)
 *   test_vm_switch.c  compiles src/vm.c itself with DOUDI_VM_SWITCH (the switch loop)
 * Each binary includes this file once and runs vm_cases[].
 *
 * Programs are built by hand (prog_new) and must pass program_verify before they run. Every
 * run goes through both the plain and the traced loop, which must agree. Expected values are
 * worked out by hand in the comments. Fixed point has 4 decimals: 1.0 = 10000. */
#ifndef DOUDI_VM_CASES_H
#define DOUDI_VM_CASES_H

#include "helpers.h"

#include "base/date.h"
#include "base/fixed.h"
#include "base/resid.h"
#include "vm/program.h"
#include "vm/record.h"
#include "base/util.h"
#include "vm/vm.h"

#define I(op, a, b, c) {OP_##op, 0, (a), (b), (c)}
#define IK(op, k, a, b, c) {OP_##op, (k), (a), (b), (c)}
#define K_INT(v) {VK_INT, (v)}
#define K_FIX(v) {VK_NUMBER, (v)}
#define K_TEXT(i) {VK_TEXT, (i)}

/* A program owning copies of its parts; registers [0, nk) are the constants and the record's
 * fields start right after them. Instruction pc sits on source line pc + 1, column 1. */
static Program *prog_new(const Const *k, uint32_t nk, const char *const *strs, uint32_t ns,
                         const Ins *code, uint32_t ncode, uint32_t nregs)
{
    Program *p = xcalloc(1, sizeof *p);
    p->source_path = xstrdup("t.doudi");
    p->ncode = ncode;
    p->code = xcalloc(ncode, sizeof *p->code);
    memcpy(p->code, code, ncode * sizeof *code);
    p->pc_line = xcalloc(ncode, sizeof *p->pc_line);
    p->pc_col = xcalloc(ncode, sizeof *p->pc_col);
    for (uint32_t i = 0; i < ncode; i++) {
        p->pc_line[i] = i + 1;
        p->pc_col[i] = 1;
    }
    p->nregs = nregs;
    p->nconsts = nk;
    p->consts = xcalloc(nk, sizeof *p->consts);
    if (nk) memcpy(p->consts, k, nk * sizeof *k);
    p->nstrings = ns;
    p->strings = xcalloc(ns, sizeof *p->strings);
    for (uint32_t i = 0; i < ns; i++) p->strings[i] = strs[i] ? xstrdup(strs[i]) : NULL;
    p->field_base = nk;
    p->category_enum = p->placement_enum = -1;
    return p;
}

/* Give p a record schema: fields f0, f1, ... of the given kinds, from field_base. The verifier
 * knows a field holds text only from the schema. With a schema a host may evaluate the program,
 * so the verifier also wants the outcome registers written: they are all the last register,
 * which the test's code must write. */
static void prog_record(Program *p, const uint8_t *kinds, uint32_t n)
{
    p->nrecords = 1;
    p->records = xcalloc(1, sizeof *p->records);
    RecordInfo *r = &p->records[0];
    r->name = xstrdup("person");
    r->key = -1;
    r->nfields = n;
    r->fields = xcalloc(n, sizeof *r->fields);
    for (uint32_t i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "f%u", i);
        r->fields[i] = (FieldInfo){.name = xstrdup(name), .kind = kinds[i], .enum_index = -1};
    }
    r->check_entry = p->ncode - 1;
    p->reg_catmask = p->reg_catcount = p->reg_primary = p->reg_placement = p->reg_branch = p->nregs - 1;
}

static void assert_sound(const Program *p)
{
    char *e = program_verify(p);
    if (e) print_error("program_verify: %s\n", e);
    assert_null(e);
}

/* The outcome of one run: its error, the failing pc, and the registers afterwards. */
typedef struct Run {
    VmError error;
    uint32_t error_pc;
    int64_t *regs;             /* copy of the register file */
    uint8_t *ran;              /* the trace */
    int64_t *value;
} Run;

static void run_free(Run *r)
{
    free(r->regs);
    free(r->ran);
    free(r->value);
}

/* Run p from `entry` both ways; the two loops must agree on everything they share. */
static Run run_both(const Program *p, uint32_t entry, const int64_t *fields, uint32_t nfields)
{
    assert_sound(p);
    Run r = {0};
    size_t nregs = p->nregs ? p->nregs : 1;
    Vm *vm = vm_new(p);
    bool ok = vm_run(vm, entry, fields, nfields);
    r.error = vm->error;
    r.error_pc = vm->error_pc;
    assert_int_equal(ok, r.error == VM_OK);
    r.regs = xmalloc(nregs * sizeof *r.regs);
    memcpy(r.regs, vm->regs, nregs * sizeof *r.regs);
    vm_free(vm);

    vm = vm_new(p);
    VmTrace t = {xmalloc(p->ncode), xmalloc(p->ncode * sizeof(int64_t))};
    memset(t.ran, 0xAB, p->ncode);                 /* the call must clear them */
    memset(t.value, 0xAB, p->ncode * sizeof(int64_t));
    ok = vm_run_traced(vm, entry, fields, nfields, &t);
    assert_int_equal(ok, vm->error == VM_OK);
    assert_int_equal(vm->error, r.error);
    assert_int_equal(vm->error_pc, r.error_pc);
    assert_memory_equal(vm->regs, r.regs, nregs * sizeof *r.regs);
    r.ran = t.ran;
    r.value = t.value;
    vm_free(vm);
    return r;
}

/* R2 := op K0 K1 (K1 unused by unary ops). Returns the error; *out = R2. */
static VmError op_int(Opcode op, int64_t b, int64_t c, int64_t *out)
{
    const Const k[2] = {K_INT(b), K_INT(c)};
    const Ins code[2] = {I(HALT, 0, 0, 0), I(HALT, 0, 0, 0)};
    Program *p = prog_new(k, 2, NULL, 0, code, 2, 3);
    p->code[0] = (Ins){(uint8_t)op, 0, 2, 0, opcode_shapes[op][2] == '-' ? 0 : 1};
    Run r = run_both(p, 0, NULL, 0);
    *out = r.regs[2];
    if (r.error == VM_OK) {
        assert_int_equal(r.ran[0], 1);
        assert_int_equal(r.value[0], r.regs[2]);
    } else {
        assert_int_equal(r.error_pc, 0);
    }
    run_free(&r);
    program_free(p);
    return r.error;
}

/* R2 := op K0 K1 on two texts. */
static VmError op_text(Opcode op, const char *b, const char *c, int64_t *out)
{
    const Const k[2] = {K_TEXT(0), K_TEXT(1)};
    const char *strs[2] = {b, c};
    const Ins code[2] = {I(HALT, 0, 0, 0), I(HALT, 0, 0, 0)};
    Program *p = prog_new(k, 2, strs, 2, code, 2, 3);
    p->code[0] = (Ins){(uint8_t)op, 0, 2, 0, opcode_shapes[op][2] == '-' ? 0 : 1};
    Run r = run_both(p, 0, NULL, 0);
    *out = r.regs[2];
    run_free(&r);
    program_free(p);
    return r.error;
}

typedef struct OpCase {
    Opcode op;
    int64_t b, c;
    VmError error;
    int64_t want;              /* when error == VM_OK */
} OpCase;

static void check_cases(const OpCase *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const OpCase *t = &cases[i];
        int64_t got = 0;
        VmError e = op_int(t->op, t->b, t->c, &got);
        if (e != t->error || (e == VM_OK && got != t->want)) {
            print_error("case %zu: %s %lld %lld: want %s %lld, got %s %lld\n", i,
                        opcode_names[t->op], (long long)t->b, (long long)t->c,
                        vm_error_text(t->error), (long long)t->want, vm_error_text(e),
                        (long long)got);
            fail();
        }
    }
}

/* ---- integer arithmetic ------------------------------------------------------------------ */

static void test_int_arith(void **state)
{
    (void)state;
    static const OpCase cases[] = {
        {OP_ADD, 2, 3, VM_OK, 5},
        {OP_ADD, INT64_MAX, 0, VM_OK, INT64_MAX},
        {OP_ADD, INT64_MAX, 1, VM_OVERFLOW, 0},
        {OP_ADD, INT64_MIN, -1, VM_OVERFLOW, 0},
        {OP_ADD, INT64_MIN, INT64_MAX, VM_OK, -1},
        {OP_SUB, 2, 5, VM_OK, -3},
        {OP_SUB, INT64_MIN, 1, VM_OVERFLOW, 0},
        {OP_SUB, 0, INT64_MIN, VM_OVERFLOW, 0},
        {OP_SUB, -1, INT64_MIN, VM_OK, INT64_MAX},
        {OP_MUL, 6, 7, VM_OK, 42},
        {OP_MUL, -3, 4, VM_OK, -12},
        {OP_MUL, INT64_MAX, 2, VM_OVERFLOW, 0},
        {OP_MUL, INT64_MIN, -1, VM_OVERFLOW, 0},
        {OP_MUL, INT64_MIN, 1, VM_OK, INT64_MIN},
        {OP_NEG, 5, 0, VM_OK, -5},
        {OP_NEG, INT64_MAX, 0, VM_OK, -INT64_MAX},
        {OP_NEG, INT64_MIN, 0, VM_OVERFLOW, 0},
        {OP_ABS, -7, 0, VM_OK, 7},
        {OP_ABS, INT64_MAX, 0, VM_OK, INT64_MAX},
        {OP_ABS, -INT64_MAX, 0, VM_OK, INT64_MAX},
        {OP_ABS, INT64_MIN, 0, VM_OVERFLOW, 0},
        {OP_MIN, -2, 3, VM_OK, -2},
        {OP_MAX, -2, 3, VM_OK, 3},
        {OP_MOV, -9, 0, VM_OK, -9},
        {OP_NOT, 0, 0, VM_OK, 1},
        {OP_NOT, 5, 0, VM_OK, 0},
        {OP_NOT, -1, 0, VM_OK, 0},
    };
    check_cases(cases, ARRAY_LEN(cases));
}

static void test_loadi(void **state)
{
    (void)state;
    const Ins code[] = {I(LOADI, 0, 65535, 0), I(LOADI, 1, 7, 0), I(HALT, 0, 0, 0)};
    Program *p = prog_new(NULL, 0, NULL, 0, code, 3, 2);
    Run r = run_both(p, 0, NULL, 0);
    assert_int_equal(r.error, VM_OK);
    assert_int_equal(r.regs[0], 65535);       /* unsigned 16-bit immediate, not -1 */
    assert_int_equal(r.regs[1], 7);
    run_free(&r);
    program_free(p);
}

static void test_compare(void **state)
{
    (void)state;
    static const OpCase cases[] = {
        {OP_EQ, 3, 3, VM_OK, 1},  {OP_EQ, 3, -3, VM_OK, 0},
        {OP_NE, 3, 3, VM_OK, 0},  {OP_NE, 3, -3, VM_OK, 1},
        {OP_LT, -5, 2, VM_OK, 1}, {OP_LT, 2, 2, VM_OK, 0}, {OP_LT, INT64_MAX, INT64_MIN, VM_OK, 0},
        {OP_LE, 2, 2, VM_OK, 1},  {OP_LE, 3, 2, VM_OK, 0}, {OP_LE, INT64_MIN, INT64_MAX, VM_OK, 1},
    };
    check_cases(cases, ARRAY_LEN(cases));
}

/* ---- fixed point --------------------------------------------------------------------------- */

static void test_fixed_mul_div(void **state)
{
    (void)state;
    static const OpCase cases[] = {
        /* 0.3 × 7.0 = 2.1: 3000 × 70000 / 10^4 = 21000 exactly */
        {OP_MULF, 3000, 70000, VM_OK, 21000},
        /* 1.0001 × 0.5 = 0.50005: 10001 × 5000 / 10^4 = 5000.5, a half: away from zero */
        {OP_MULF, 10001, 5000, VM_OK, 5001},
        {OP_MULF, -10001, 5000, VM_OK, -5001},
        {OP_MULF, 10001, -5000, VM_OK, -5001},
        {OP_MULF, -10001, -5000, VM_OK, 5001},
        /* 1.0001 × 0.4999 = 4999.4999 / 10^4 units: below the half, down */
        {OP_MULF, 10001, 4999, VM_OK, 4999},
        /* 0.0001 × 0.5 = 0.00005 → 0.0001; 0.0001 × 0.4999 → 0 */
        {OP_MULF, 1, 5000, VM_OK, 1},
        {OP_MULF, -1, 5000, VM_OK, -1},
        {OP_MULF, 1, 4999, VM_OK, 0},
        /* the product exceeds int64 before the division: exact through 128 bits */
        {OP_MULF, INT64_MAX, 10000, VM_OK, INT64_MAX},
        {OP_MULF, INT64_MIN, 10000, VM_OK, INT64_MIN},
        {OP_MULF, INT64_MAX, 20000, VM_OVERFLOW, 0},
        /* 1/3 = 0.33333… → 0.3333; 2/3 = 0.66666… → 0.6667, away from zero when negative */
        {OP_DIVF, 10000, 30000, VM_OK, 3333},
        {OP_DIVF, 20000, 30000, VM_OK, 6667},
        {OP_DIVF, -20000, 30000, VM_OK, -6667},
        {OP_DIVF, 20000, -30000, VM_OK, -6667},
        {OP_DIVF, -20000, -30000, VM_OK, 6667},
        /* 0.0001 / 2 = 0.00005 → 0.0001 (a half) */
        {OP_DIVF, 1, 20000, VM_OK, 1},
        {OP_DIVF, -1, 20000, VM_OK, -1},
        {OP_DIVF, 70000, 20000, VM_OK, 35000},
        {OP_DIVF, 10000, 0, VM_DIV_ZERO, 0},
        {OP_DIVF, 0, 0, VM_DIV_ZERO, 0},
        /* INT64_MAX / 0.0001 and INT64_MIN / -1.0 (= 2^63) do not fit */
        {OP_DIVF, INT64_MAX, 1, VM_OVERFLOW, 0},
        {OP_DIVF, INT64_MIN, -10000, VM_OVERFLOW, 0},
        {OP_DIVF, INT64_MIN, 10000, VM_OK, INT64_MIN},
        /* int to fixed: 922337203685477 × 10^4 fits, one more does not */
        {OP_I2F, 3, 0, VM_OK, 30000},
        {OP_I2F, -2, 0, VM_OK, -20000},
        {OP_I2F, 922337203685477, 0, VM_OK, 9223372036854770000},
        {OP_I2F, 922337203685478, 0, VM_OVERFLOW, 0},
        {OP_I2F, -922337203685477, 0, VM_OK, -9223372036854770000},
        {OP_I2F, -922337203685478, 0, VM_OVERFLOW, 0},
    };
    check_cases(cases, ARRAY_LEN(cases));
}

static void test_fixed_to_int(void **state)
{
    (void)state;
    static const OpCase cases[] = {
        {OP_CEILF, 21000, 0, VM_OK, 3},   {OP_CEILF, -21000, 0, VM_OK, -2},
        {OP_CEILF, 25000, 0, VM_OK, 3},   {OP_CEILF, -25000, 0, VM_OK, -2},
        {OP_CEILF, 20000, 0, VM_OK, 2},   {OP_CEILF, -20000, 0, VM_OK, -2},
        {OP_CEILF, 1, 0, VM_OK, 1},       {OP_CEILF, -1, 0, VM_OK, 0},
        {OP_FLOORF, 21000, 0, VM_OK, 2},  {OP_FLOORF, -21000, 0, VM_OK, -3},
        {OP_FLOORF, 25000, 0, VM_OK, 2},  {OP_FLOORF, -25000, 0, VM_OK, -3},
        {OP_FLOORF, -20000, 0, VM_OK, -2}, {OP_FLOORF, -1, 0, VM_OK, -1},
        {OP_ROUNDF, 21000, 0, VM_OK, 2},  {OP_ROUNDF, -21000, 0, VM_OK, -2},
        {OP_ROUNDF, 25000, 0, VM_OK, 3},  {OP_ROUNDF, -25000, 0, VM_OK, -3},
        {OP_ROUNDF, 24999, 0, VM_OK, 2},  {OP_ROUNDF, -24999, 0, VM_OK, -2},
        {OP_ROUNDF, 5000, 0, VM_OK, 1},   {OP_ROUNDF, -5000, 0, VM_OK, -1},
        /* INT64_MAX = 922337203685477.5807: ceil and round go up, floor down; no overflow */
        {OP_CEILF, INT64_MAX, 0, VM_OK, 922337203685478},
        {OP_ROUNDF, INT64_MAX, 0, VM_OK, 922337203685478},
        {OP_FLOORF, INT64_MIN, 0, VM_OK, -922337203685478},
    };
    check_cases(cases, ARRAY_LEN(cases));
}

/* The exported helpers are what the compiler folds constants with: same answers. */
static void test_fixed_helpers(void **state)
{
    (void)state;
    int64_t v;
    assert_true(fixed_mul(10001, 5000, &v));
    assert_int_equal(v, 5001);
    assert_false(fixed_mul(INT64_MAX, 20000, &v));
    assert_true(fixed_div(20000, 30000, &v));
    assert_int_equal(v, 6667);
    assert_false(fixed_div(1, 0, &v));
    assert_false(fixed_div(INT64_MAX, 1, &v));
    assert_int_equal(fixed_ceil(-21000), -2);
    assert_int_equal(fixed_floor(-21000), -3);
    assert_int_equal(fixed_round(-25000), -3);
    assert_int_equal(fixed_round(24999), 2);
}

/* ---- sets, ranges, tables ---------------------------------------------------------------- */

static void test_in_mask(void **state)
{
    (void)state;
    const int64_t mask = (int64_t)((1ull << 63) | (1ull << 5) | 1ull);
    const OpCase cases[] = {
        {OP_IN_MASK, 0, mask, VM_OK, 1},  {OP_IN_MASK, 5, mask, VM_OK, 1},
        {OP_IN_MASK, 63, mask, VM_OK, 1}, {OP_IN_MASK, 4, mask, VM_OK, 0},
        {OP_IN_MASK, 64, mask, VM_OK, 0}, {OP_IN_MASK, -1, mask, VM_OK, 0},
        {OP_IN_MASK, INT64_MIN, -1, VM_OK, 0}, {OP_IN_MASK, 62, -1, VM_OK, 1},
    };
    check_cases(cases, ARRAY_LEN(cases));
}

/* R3 := K0 in K1..K2 with the bounds 18..60, inclusive. */
static void test_in_range(void **state)
{
    (void)state;
    const int64_t values[] = {17, 18, 40, 60, 61, INT64_MIN};
    const int64_t want[] = {0, 1, 1, 1, 0, 0};
    for (size_t i = 0; i < ARRAY_LEN(values); i++) {
        const Const k[3] = {K_INT(values[i]), K_INT(18), K_INT(60)};
        const Ins code[] = {I(IN_RANGE, 3, 0, 1), I(HALT, 0, 0, 0)};
        Program *p = prog_new(k, 3, NULL, 0, code, 2, 4);
        Run r = run_both(p, 0, NULL, 0);
        assert_int_equal(r.error, VM_OK);
        assert_int_equal(r.regs[3], want[i]);
        run_free(&r);
        program_free(p);
    }
}

/* A table of 3 entries at K1: K1 = 3, K2..K4 = 100, 200, 300; the index is the field R5. */
static void test_index(void **state)
{
    (void)state;
    const Const k[5] = {K_INT(0), K_INT(3), K_INT(100), K_INT(200), K_INT(300)};
    const Ins code[] = {I(INDEX, 6, 5, 1), I(HALT, 0, 0, 0)};
    Program *p = prog_new(k, 5, NULL, 0, code, 2, 7);
    const int64_t idx[] = {0, 1, 2, 3, -1, INT64_MAX, INT64_MIN};
    const int64_t want[] = {100, 200, 300};
    for (size_t i = 0; i < ARRAY_LEN(idx); i++) {
        Run r = run_both(p, 0, &idx[i], 1);
        if (i < 3) {
            assert_int_equal(r.error, VM_OK);
            assert_int_equal(r.regs[6], want[i]);
        } else {
            assert_int_equal(r.error, VM_BAD_INDEX);
            assert_int_equal(r.error_pc, 0);
        }
        run_free(&r);
    }
    program_free(p);
}

/* A size only known at run time never reads past the register file. The table is in the
 * fields: R1 its size, R2 R3 its entries, R4 the index; R5 := R[1 + 1 + R4]. */
static void test_index_runtime_size(void **state)
{
    (void)state;
    const Const k[1] = {K_INT(0)};
    const Ins code[] = {I(INDEX, 5, 4, 1), I(HALT, 0, 0, 0)};
    Program *p = prog_new(k, 1, NULL, 0, code, 2, 6);
    const int64_t ok[4] = {2, 10, 20, 1};
    Run r = run_both(p, 0, ok, 4);
    assert_int_equal(r.error, VM_OK);
    assert_int_equal(r.regs[5], 20);
    run_free(&r);
    /* the size claims 1000 entries; index 5 would be R7 of 6 registers */
    const int64_t bad[4] = {1000, 10, 20, 5};
    r = run_both(p, 0, bad, 4);
    assert_int_equal(r.error, VM_BAD_INDEX);
    run_free(&r);
    program_free(p);
}

/* ---- dates -------------------------------------------------------------------------------- */

static int64_t day(int y, unsigned m, unsigned d) { return days_from_civil(y, m, d); }

static void test_years(void **state)
{
    (void)state;
    const OpCase cases[] = {
        /* born 1990-05-15: 30 the day before the birthday, 31 on it */
        {OP_YEARS, day(1990, 5, 15), day(2021, 5, 14), VM_OK, 30},
        {OP_YEARS, day(1990, 5, 15), day(2021, 5, 15), VM_OK, 31},
        {OP_YEARS, day(1990, 5, 15), day(2021, 12, 31), VM_OK, 31},
        {OP_YEARS, day(1990, 5, 15), day(1990, 5, 15), VM_OK, 0},
        /* born 2000-02-29: in the common year 2021 not passed on 28 Feb, passed on 1 Mar */
        {OP_YEARS, day(2000, 2, 29), day(2021, 2, 28), VM_OK, 20},
        {OP_YEARS, day(2000, 2, 29), day(2021, 3, 1), VM_OK, 21},
        /* in the leap year 2024 it passes on 29 Feb itself */
        {OP_YEARS, day(2000, 2, 29), day(2024, 2, 28), VM_OK, 23},
        {OP_YEARS, day(2000, 2, 29), day(2024, 2, 29), VM_OK, 24},
        /* before 1970 (negative day numbers) */
        {OP_YEARS, day(1949, 12, 31), day(2021, 4, 1), VM_OK, 71},
        /* a date far outside any calendar stops the record instead of overflowing */
        {OP_YEARS, 0, INT64_MAX, VM_OVERFLOW, 0},
        {OP_YEARS, INT64_MIN, 0, VM_OVERFLOW, 0},
    };
    check_cases(cases, ARRAY_LEN(cases));
}

static void test_date_parts(void **state)
{
    (void)state;
    const OpCase cases[] = {
        {OP_YEAR_OF, day(2021, 4, 1), 0, VM_OK, 2021},
        {OP_MONTH_OF, day(2021, 4, 1), 0, VM_OK, 4},
        {OP_DAY_OF, day(2021, 4, 1), 0, VM_OK, 1},
        /* day -1 is 1969-12-31 */
        {OP_YEAR_OF, -1, 0, VM_OK, 1969},
        {OP_MONTH_OF, -1, 0, VM_OK, 12},
        {OP_DAY_OF, -1, 0, VM_OK, 31},
        {OP_DAY_OF, day(2000, 2, 29), 0, VM_OK, 29},
        {OP_YEAR_OF, INT64_MAX, 0, VM_OVERFLOW, 0},
    };
    check_cases(cases, ARRAY_LEN(cases));
}

/* ---- text and ids --------------------------------------------------------------------------- */

static void test_text_compare(void **state)
{
    (void)state;
    static const struct { Opcode op; const char *b, *c; int64_t want; } cases[] = {
        {OP_EQ_T, "abc", "abc", 1}, {OP_EQ_T, "abc", "abd", 0}, {OP_EQ_T, "", "", 1},
        {OP_EQ_T, "郑州", "郑州", 1},
        {OP_NE_T, "abc", "abc", 0}, {OP_NE_T, "abc", "ab", 1},
        {OP_LT_T, "abc", "abd", 1}, {OP_LT_T, "abd", "abc", 0}, {OP_LT_T, "ab", "abc", 1},
        {OP_LT_T, "Z", "a", 1},                   /* byte order: 'Z' 0x5A < 'a' 0x61 */
        {OP_LT_T, "a", "郑", 1},                  /* 0x61 < 0xE9 */
        {OP_LT_T, "abc", "abc", 0},
        {OP_LE_T, "abc", "abc", 1}, {OP_LE_T, "abd", "abc", 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        int64_t got;
        assert_int_equal(op_text(cases[i].op, cases[i].b, cases[i].c, &got), VM_OK);
        if (got != cases[i].want) print_error("case %zu: %s \"%s\" \"%s\"\n", i,
                                              opcode_names[cases[i].op], cases[i].b, cases[i].c);
        assert_int_equal(got, cases[i].want);
    }
}

static void test_len_t(void **state)
{
    (void)state;
    int64_t n;
    assert_int_equal(op_text(OP_LEN_T, "abc", "", &n), VM_OK);
    assert_int_equal(n, 3);
    assert_int_equal(op_text(OP_LEN_T, "郑州市", "", &n), VM_OK);
    assert_int_equal(n, 3);                        /* 9 bytes, 3 code points */
    assert_int_equal(op_text(OP_LEN_T, "a张b", "", &n), VM_OK);
    assert_int_equal(n, 3);
    assert_int_equal(op_text(OP_LEN_T, "", "", &n), VM_OK);
    assert_int_equal(n, 0);
}

/* Check digits, worked by hand. Weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; "10X98765432"[sum % 11].
 *   11010519491231002X: 1·7+1·9+0·10+1·5+0·8+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0·8+0·4+2·2
 *                       = 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2 → 'X'
 *   410122195003071238: 28+9+0+5+16+8+2+9+30+0+0+27+0+35+8+8+6 = 191; mod 11 = 4 → '8'
 *   320106199010101040: 3·7+2·9+0·10+1·5+0·8+6·4+1·2+9·1+9·6+0·3+1·7+0·9+1·10+0·5+1·8+0·4+4·2
 *                       = 21+18+0+5+0+24+2+9+54+0+7+0+10+0+8+0+8 = 166; mod 11 = 1 → '0'
 *   440304200002290014: 28+36+0+15+0+16+4+0+0+0+0+18+20+45+0+0+2 = 184; mod 11 = 8 → '4'
 *                       (29 Feb 2000, a leap day)
 *   110105194902310026: as the first but digit 11 is 0, not 1: 167 − 7 = 160; mod 11 = 6 → '6'
 *                       — a correct check digit on the impossible date 1949-02-31
 *   440304200102290011: 184 + 1·3 (digit 10: 0 → 1, weight 3) = 187; mod 11 = 0 → '1'
 *                       — correct check digit, but 2001 has no 29 Feb
 *   990105194912310023: the first with digits 1–2 "99": 167 + 8·7 + 8·9 = 295; mod 11 = 9 → '3'
 *                       — correct check digit, but 99 is no province */
static void test_valid_id(void **state)
{
    (void)state;
    static const struct { const char *id; int64_t want; } cases[] = {
        {"11010519491231002X", 1},
        {"410122195003071238", 1},
        {"320106199010101040", 1},
        {"440304200002290014", 1},
        {"410122195003071234", 0},                /* check digit should be 8 */
        {"110105194912310021", 0},                /* should be X */
        {"11010519491231002x", 0},                /* lowercase x: import normalises, the VM does not */
        {"11010519491231002", 0},                 /* 17 characters */
        {"11010519491231002X0", 0},               /* 19 characters */
        {"", 0},
        {"110105194902310026", 0},                /* 1949-02-31 */
        {"440304200102290011", 0},                /* 2001-02-29 */
        {"990105194912310023", 0},                /* province 99 */
        {"1101051949123100XX", 0},                /* X only in the last place */
        {"11010519491231 02X", 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        int64_t got;
        assert_int_equal(op_text(OP_VALID_ID, cases[i].id, "", &got), VM_OK);
        if (got != cases[i].want) print_error("id %s: want %lld\n", cases[i].id, (long long)cases[i].want);
        assert_int_equal(got, cases[i].want);
        assert_int_equal(resident_id_valid(cases[i].id), cases[i].want);
    }
}

static void test_id_birth_male(void **state)
{
    (void)state;
    int64_t v;
    /* 1949-12-31 is 1 + 20·365 + 5 leap days (1952 … 1968) = 7306 days before 1970-01-01 */
    assert_int_equal(op_text(OP_ID_BIRTH, "11010519491231002X", "", &v), VM_OK);
    assert_int_equal(v, -7306);
    assert_int_equal(v, day(1949, 12, 31));
    /* the birth date does not need the check digit to be right */
    assert_int_equal(op_text(OP_ID_BIRTH, "410122195003071234", "", &v), VM_OK);
    assert_int_equal(v, day(1950, 3, 7));
    assert_int_equal(op_text(OP_ID_BIRTH, "110105194902310026", "", &v), VM_BAD_ID);
    assert_int_equal(op_text(OP_ID_BIRTH, "11010519491231002", "", &v), VM_BAD_ID);
    assert_int_equal(op_text(OP_ID_BIRTH, "1101051949l231002X", "", &v), VM_BAD_ID);
    assert_false(resident_id_birth("", &v));
    /* digit 17: '2' even → 0 (female); '3' odd → 1 (male) */
    assert_int_equal(op_text(OP_ID_MALE, "11010519491231002X", "", &v), VM_OK);
    assert_int_equal(v, 0);
    assert_int_equal(op_text(OP_ID_MALE, "410122195003071238", "", &v), VM_OK);
    assert_int_equal(v, 1);
    assert_int_equal(op_text(OP_ID_MALE, "4101221950030712", "", &v), VM_BAD_ID);
    assert_int_equal(op_text(OP_ID_MALE, "4101221950030712X8", "", &v), VM_BAD_ID);
}

/* ---- categories --------------------------------------------------------------------------- */

/* R5 := mask of the five field bools R0..R4 = 1, 0, 5, 0, -1 → bits 0, 2, 4 = 21. */
static void test_cats(void **state)
{
    (void)state;
    const Ins code[] = {I(CATS, 5, 0, 5), I(POPCNT, 6, 5, 0), I(LOWBIT, 7, 5, 0),
                        I(CATS, 8, 0, 0), I(LOWBIT, 9, 8, 0), I(HALT, 0, 0, 0)};
    Program *p = prog_new(NULL, 0, NULL, 0, code, 6, 10);
    const int64_t fields[5] = {1, 0, 5, 0, -1};
    Run r = run_both(p, 0, fields, 5);
    assert_int_equal(r.error, VM_OK);
    assert_int_equal(r.regs[5], 21);
    assert_int_equal(r.regs[6], 3);
    assert_int_equal(r.regs[7], 0);
    assert_int_equal(r.regs[8], 0);                /* no bools: the empty mask */
    assert_int_equal(r.regs[9], -1);
    run_free(&r);
    program_free(p);
}

/* OUTCOME, the compiler's one instruction for CATS, POPCNT, LOWBIT and placement and branch
 * as none: over R0..R4 = 1, 0, 5, 0, -1 the mask is bits 0, 2, 4 = 21, three of them, the
 * lowest 0, then -1 and -1; over no bools: 0, 0, -1, -1, -1. LOADI2 writes its two immediates
 * into R[a] and R[a+1], the largest one the 16-bit operand holds among them. */
static void test_outcome_loadi2(void **state)
{
    (void)state;
    const Ins code[] = {I(OUTCOME, 5, 0, 5), I(OUTCOME, 10, 0, 0), I(LOADI2, 15, 7, 65535), I(OUTCOME, 17, 2, 3),
                        I(HALT, 0, 0, 0)};
    Program *p = prog_new(NULL, 0, NULL, 0, code, 5, 22);
    const int64_t fields[5] = {1, 0, 5, 0, -1};
    Run r = run_both(p, 0, fields, 5);
    assert_int_equal(r.error, VM_OK);
    const int64_t want[17] = {21, 3, 0, -1, -1, 0, 0, -1, -1, -1, 7, 65535, 5, 2, 0, -1, -1};
    for (int i = 0; i < 17; i++) assert_int_equal(r.regs[5 + i], want[i]);
    assert_int_equal(r.value[0], 21);              /* the trace holds R[a], the mask */
    assert_int_equal(r.value[2], 7);
    assert_int_equal(r.value[3], 5);               /* R2..R4 = 5, 0, -1: bits 0 and 2 */
    run_free(&r);
    program_free(p);
}

/* An instruction changed in place after a run — as near misses patch a copy of the code —
 * runs as changed once vm_code_changed says so (the plain loop runs its own threaded copy of
 * the code, made by the first run). R1 := R0 + 1 becomes R1 := R0 - 1; then back. */
static void test_code_changed(void **state)
{
    (void)state;
    const Const k[1] = {K_INT(1)};
    const Ins code[] = {I(ADD, 2, 1, 0), I(HALT, 0, 0, 0)};
    Program *p = prog_new(k, 1, NULL, 0, code, 2, 3);
    assert_sound(p);
    Vm *vm = vm_new(p);
    const int64_t f[1] = {10};
    assert_true(vm_run(vm, 0, f, 1));
    assert_int_equal(vm->regs[2], 11);
    p->code[0] = (Ins)I(SUB, 2, 1, 0);
    vm_code_changed(vm, 0);
    assert_true(vm_run(vm, 0, f, 1));
    assert_int_equal(vm->regs[2], 9);
    p->code[0] = (Ins)I(ADD, 2, 1, 0);
    vm_code_changed(vm, 0);
    vm_code_changed(vm, 2);                        /* past the code: nothing to change */
    assert_true(vm_run(vm, 0, f, 1));
    assert_int_equal(vm->regs[2], 11);
    Vm *copy = vm_copy(vm);                        /* a copy threads the code as it is now */
    p->code[0] = (Ins)I(SUB, 2, 1, 0);
    assert_true(vm_run(copy, 0, f, 1));
    assert_int_equal(copy->regs[2], 9);
    vm_free(copy);
    vm_free(vm);
    program_free(p);
}

static void test_popcnt_lowbit(void **state)
{
    (void)state;
    static const OpCase cases[] = {
        {OP_POPCNT, 0, 0, VM_OK, 0},   {OP_POPCNT, 21, 0, VM_OK, 3},
        {OP_POPCNT, -1, 0, VM_OK, 64}, {OP_POPCNT, INT64_MIN, 0, VM_OK, 1},
        {OP_LOWBIT, 0, 0, VM_OK, -1},  {OP_LOWBIT, 1, 0, VM_OK, 0},
        {OP_LOWBIT, 20, 0, VM_OK, 2},  {OP_LOWBIT, INT64_MIN, 0, VM_OK, 63},
    };
    check_cases(cases, ARRAY_LEN(cases));
}

/* ALL/ANY/COUNT/NCOUNT over the registers R0..R4 (fields), values worked out by hand:
 * fields 1 0 5 0 -1 -> true values at 0, 2, 4: all = 0, any = 1, count = 3, count false = 2;
 * over R0..R0 (one register, 1): all = 1; over R1..R1 (0): any = 0. */
static void test_ranges(void **state)
{
    (void)state;
    const Ins code[] = {I(ALL, 5, 0, 5), I(ANY, 6, 0, 5), I(COUNT, 7, 0, 5), I(NCOUNT, 8, 0, 5),
                        I(ALL, 9, 0, 1), I(ANY, 10, 1, 1), I(HALT, 0, 0, 0)};
    Program *p = prog_new(NULL, 0, NULL, 0, code, 7, 11);
    const int64_t fields[5] = {1, 0, 5, 0, -1};
    Run r = run_both(p, 0, fields, 5);
    assert_int_equal(r.error, VM_OK);
    assert_int_equal(r.regs[5], 0);
    assert_int_equal(r.regs[6], 1);
    assert_int_equal(r.regs[7], 3);
    assert_int_equal(r.regs[8], 2);
    assert_int_equal(r.regs[9], 1);
    assert_int_equal(r.regs[10], 0);
    assert_int_equal(r.value[2], 3);               /* the trace holds what each wrote */
    run_free(&r);
    program_free(p);
}

/* A compare-and-branch with bit k and the jump after it (JMPF for k = 0, JMPT for k = 1), over
 * fields R2 (x) and R3 (y), K0 = 5, K1 = 1:
 *   0 op    R4 R2 K0   (EQJ, NEJ, LTJ, LEJ, INJ, RANGEJ, NOTJ)
 *   1 JMPF  R4 ->3     its target, taken when the comparison equals k; else stepped over
 *   2 LOADI R5 1       runs only when the jump is not taken
 *   3 HALT
 * The trace shows the comparison's value at 0 and never the jump at 1. */
static void check_branch(Opcode op, unsigned k, int64_t x, bool holds)
{
    const Const kk[2] = {K_INT(5), K_INT(1)};
    const Ins code[] = {(Ins){(uint8_t)op, (uint8_t)k, 4, 2, 0}, I(JMPF, 4, 3, 0), I(LOADI, 5, 1, 0), I(HALT, 0, 0, 0)};
    Program *p = prog_new(kk, 2, NULL, 0, code, 4, 6);
    p->code[1].op = (uint8_t)program_paired_jump(k);
    if (opcode_shapes[op][2] == '-') p->code[0].c = 0;
    assert_sound(p);
    const int64_t fields[2] = {x, 0};
    Run r = run_both(p, 0, fields, 2);
    assert_int_equal(r.error, VM_OK);
    bool taken = holds == (k == 1);                /* the jump goes to 3, skipping 2 */
    assert_int_equal(r.regs[4], holds);
    assert_int_equal(r.ran[0], 1);
    assert_int_equal(r.value[0], holds);
    assert_int_equal(r.ran[1], 0);
    assert_int_equal(r.ran[2], !taken);
    assert_int_equal(r.regs[5], !taken);
    run_free(&r);
    program_free(p);
}

static void test_compare_and_branch(void **state)
{
    (void)state;
    for (unsigned k = 0; k <= 1; k++) {            /* each sense: the same comparisons */
        check_branch(OP_EQJ, k, 5, true);
        check_branch(OP_EQJ, k, 4, false);
        check_branch(OP_NEJ, k, 4, true);
        check_branch(OP_NEJ, k, 5, false);
        check_branch(OP_LTJ, k, 4, true);          /* 4 < 5 */
        check_branch(OP_LTJ, k, 5, false);
        check_branch(OP_LEJ, k, 5, true);
        check_branch(OP_LEJ, k, 6, false);
        check_branch(OP_INJ, k, 0, true);          /* bit 0 of 5 (0b101) */
        check_branch(OP_INJ, k, 1, false);
        check_branch(OP_INJ, k, 2, true);          /* bit 2 of 5 */
        check_branch(OP_INJ, k, 64, false);        /* outside 0..63 */
        check_branch(OP_RANGEJ, k, 3, false);      /* bounds K0..K1 = 5..1: never holds */
        check_branch(OP_NOTJ, k, 0, true);
        check_branch(OP_NOTJ, k, 7, false);
    }
}

static void assert_unsound(const Program *p, const char *want)
{
    char *err = program_verify(p);
    if (!err || strcmp(err, want)) print_error("want \"%s\", got \"%s\"\n", want, err ? err : "(sound)");
    assert_non_null(err);
    assert_string_equal(err, want);
    free(err);
}

/* A compare-and-branch must be followed by the jump its k names, testing its register; k is
 * 0 or 1, and 0 on every opcode without a k bit. */
static void test_branch_pair_verified(void **state)
{
    (void)state;
    const Const k[2] = {K_INT(5), K_INT(1)};
    const Ins code[] = {I(EQJ, 4, 2, 0), I(JMPF, 5, 3, 0), I(LOADI, 5, 1, 0), I(HALT, 0, 0, 0)};
    Program *p = prog_new(k, 2, NULL, 0, code, 4, 6);
    assert_unsound(p, "instruction 0 (EQJ): must be followed by the JMPF that tests R4");
    p->code[1].a = 4;
    p->code[1].op = OP_JMPT;
    assert_unsound(p, "instruction 0 (EQJ): must be followed by the JMPF that tests R4");
    p->code[0].k = 1;
    assert_sound(p);
    p->code[0].k = 2;
    assert_unsound(p, "instruction 0 (EQJ): k is 2, not 0 or 1");
    p->code[0].k = 1;
    p->code[2].k = 1;                              /* the pad byte of an opcode without k */
    assert_unsound(p, "instruction 2 (LOADI): k is 1, but LOADI has no k bit (it must be 0)");
    p->code[2].k = 0;
    p->code[3].k = 128;
    assert_unsound(p, "instruction 3 (HALT): k is 128, but HALT has no k bit (it must be 0)");
    program_free(p);
}

/* MOVJ: the move, then the jump on what was moved, when its truth equals k. */
static void test_move_and_branch(void **state)
{
    (void)state;
    /* no constants: the fields are R0 and R1
     * 0 MOVJ R4 R0 ->2 (k 0) ; 1 LOADI R5 1 ; 2 MOVJ R6 R1 ->4 (k 1) ; 3 LOADI R7 1 ; 4 HALT */
    const Ins code[] = {I(MOVJ, 4, 0, 2), I(LOADI, 5, 1, 0), IK(MOVJ, 1, 6, 1, 4), I(LOADI, 7, 1, 0),
                        I(HALT, 0, 0, 0)};
    Program *p = prog_new(NULL, 0, NULL, 0, code, 5, 8);
    const int64_t fields[2] = {0, 9};              /* R0 false: jump; R1 true: jump */
    Run r = run_both(p, 0, fields, 2);
    assert_int_equal(r.regs[4], 0);
    assert_int_equal(r.regs[6], 9);
    assert_int_equal(r.ran[1], 0);
    assert_int_equal(r.ran[3], 0);
    run_free(&r);
    const int64_t others[2] = {3, 0};              /* R0 true: fall through; R1 false: fall through */
    r = run_both(p, 0, others, 2);
    assert_int_equal(r.regs[4], 3);
    assert_int_equal(r.regs[5], 1);
    assert_int_equal(r.regs[7], 1);
    run_free(&r);
    program_free(p);
}

/* MOVP: the move paired with the jump after it — when the moved value's truth equals k, the
 * jump's target; else the instruction after the jump. The jump itself never runs.
 * No constants: the fields are R0 and R1.
 *   0 MOVP R4 R0 (k 0) ; 1 JMPF R4 ->3 ; 2 LOADI R5 1 ; 3 MOVP R6 R1 (k 1) ; 4 JMPT R6 ->6 ;
 *   5 LOADI R7 1 ; 6 HALT */
static void test_move_paired(void **state)
{
    (void)state;
    const Ins code[] = {I(MOVP, 4, 0, 0), I(JMPF, 4, 3, 0), I(LOADI, 5, 1, 0), IK(MOVP, 1, 6, 1, 0),
                        I(JMPT, 6, 6, 0), I(LOADI, 7, 1, 0), I(HALT, 0, 0, 0)};
    Program *p = prog_new(NULL, 0, NULL, 0, code, 7, 8);
    const int64_t fields[2] = {0, 9};              /* R0 false: jump to 3; R1 true: jump to 6 */
    Run r = run_both(p, 0, fields, 2);
    assert_int_equal(r.regs[4], 0);
    assert_int_equal(r.regs[6], 9);
    for (int pc = 1; pc <= 5; pc += pc == 2 ? 2 : 1) assert_int_equal(r.ran[pc], 0);   /* 1, 2, 4, 5 */
    assert_int_equal(r.ran[3], 1);
    assert_int_equal(r.value[3], 9);
    run_free(&r);
    const int64_t others[2] = {3, 0};              /* both fall through, over their jumps */
    r = run_both(p, 0, others, 2);
    assert_int_equal(r.regs[4], 3);
    assert_int_equal(r.regs[5], 1);
    assert_int_equal(r.regs[6], 0);
    assert_int_equal(r.regs[7], 1);
    assert_int_equal(r.ran[1], 0);
    assert_int_equal(r.ran[4], 0);
    run_free(&r);
    /* the pair is checked: the jump must test what was moved, and be the one k names */
    p->code[1].a = 5;
    assert_unsound(p, "instruction 0 (MOVP): must be followed by the JMPF that tests R4");
    p->code[1].a = 4;
    p->code[3].k = 0;
    assert_unsound(p, "instruction 3 (MOVP): must be followed by the JMPF that tests R6");
    program_free(p);
}

/* ---- control flow and the trace ---------------------------------------------------------- */

/* `a and b` / `a or b` short-circuit over the fields R2 (a) and R3 (b):
 *   0 MOV  R4 R2      r := a
 *   1 JMPF R4 ->3     and: if not r, skip b
 *   2 MOV  R4 R3      r := b                (does not run when a is false)
 *   3 MOV  R5 R2      s := a
 *   4 JMPT R5 ->6     or: if s, skip b
 *   5 MOV  R5 R3      s := b                (does not run when a is true)
 *   6 LOADI R6 1
 *   7 JMP  ->9
 *   8 LOADI R6 2      (never runs)
 *   9 HALT */
static Program *short_circuit(void)
{
    const Const k[2] = {K_INT(0), K_INT(1)};
    const Ins code[] = {I(MOV, 4, 2, 0), I(JMPF, 4, 3, 0), I(MOV, 4, 3, 0), I(MOV, 5, 2, 0),
                        I(JMPT, 5, 6, 0), I(MOV, 5, 3, 0), I(LOADI, 6, 1, 0), I(JMP, 9, 0, 0),
                        I(LOADI, 6, 2, 0), I(HALT, 0, 0, 0)};
    return prog_new(k, 2, NULL, 0, code, 10, 7);
}

static void test_short_circuit_false(void **state)
{
    (void)state;
    Program *p = short_circuit();
    const int64_t fields[2] = {0, 1};          /* a false, b true */
    Run r = run_both(p, 0, fields, 2);
    assert_int_equal(r.error, VM_OK);
    const uint8_t ran[10] = {1, 1, 0, 1, 1, 1, 1, 1, 0, 1};
    assert_memory_equal(r.ran, ran, 10);
    assert_int_equal(r.regs[4], 0);            /* a and b */
    assert_int_equal(r.regs[5], 1);            /* a or b */
    assert_int_equal(r.regs[6], 1);
    assert_int_equal(r.value[1], 0);           /* the tested register's value */
    assert_int_equal(r.value[2], 0);           /* skipped: cleared */
    assert_int_equal(r.value[4], 0);
    assert_int_equal(r.value[5], 1);
    assert_int_equal(r.value[6], 1);
    assert_int_equal(r.value[8], 0);
    run_free(&r);
    program_free(p);
}

static void test_short_circuit_true(void **state)
{
    (void)state;
    Program *p = short_circuit();
    const int64_t fields[2] = {7, 0};          /* a true (any non-zero), b false */
    Run r = run_both(p, 0, fields, 2);
    assert_int_equal(r.error, VM_OK);
    const uint8_t ran[10] = {1, 1, 1, 1, 1, 0, 1, 1, 0, 1};
    assert_memory_equal(r.ran, ran, 10);
    assert_int_equal(r.regs[4], 0);            /* a and b = b = 0 */
    assert_int_equal(r.regs[5], 7);            /* a or b = a */
    assert_int_equal(r.value[0], 7);
    assert_int_equal(r.value[1], 7);
    assert_int_equal(r.value[4], 7);
    run_free(&r);
    program_free(p);
}

/* A trace is cleared by each call: the second run's skipped instruction is not marked. */
static void test_trace_cleared(void **state)
{
    (void)state;
    Program *p = short_circuit();
    Vm *vm = vm_new(p);
    VmTrace t = {xcalloc(p->ncode, 1), xcalloc(p->ncode, sizeof(int64_t))};
    const int64_t a_true[2] = {1, 1}, a_false[2] = {0, 1};
    assert_true(vm_run_traced(vm, 0, a_true, 2, &t));
    assert_int_equal(t.ran[2], 1);
    assert_int_equal(t.value[2], 1);
    assert_true(vm_run_traced(vm, 0, a_false, 2, &t));
    assert_int_equal(t.ran[2], 0);
    assert_int_equal(t.value[2], 0);
    free(t.ran);
    free(t.value);
    vm_free(vm);
    program_free(p);
}

/* Running from a later entry point: only that code runs. */
static void test_entry(void **state)
{
    (void)state;
    const Ins code[] = {I(LOADI, 0, 1, 0), I(HALT, 0, 0, 0), I(LOADI, 1, 2, 0), I(HALT, 0, 0, 0)};
    Program *p = prog_new(NULL, 0, NULL, 0, code, 4, 2);
    p->person_entry = 2;
    Run r = run_both(p, 2, NULL, 0);
    assert_int_equal(r.regs[0], 0);
    assert_int_equal(r.regs[1], 2);
    const uint8_t ran[4] = {0, 0, 1, 1};
    assert_memory_equal(r.ran, ran, 4);
    run_free(&r);
    program_free(p);
}

/* The error stops at the failing instruction: error_pc, nothing after it runs, and the trace
 * stops before it. */
static void test_error_pc(void **state)
{
    (void)state;
    const Const k[2] = {K_INT(INT64_MAX), K_INT(1)};
    const Ins code[] = {I(LOADI, 2, 5, 0), I(ADD, 3, 1, 1), I(ADD, 4, 0, 1), I(LOADI, 5, 9, 0),
                        I(HALT, 0, 0, 0)};
    Program *p = prog_new(k, 2, NULL, 0, code, 5, 6);
    Run r = run_both(p, 0, NULL, 0);
    assert_int_equal(r.error, VM_OVERFLOW);
    assert_int_equal(r.error_pc, 2);
    assert_int_equal(r.regs[3], 2);
    assert_int_equal(r.regs[4], 0);            /* not written on overflow */
    assert_int_equal(r.regs[5], 0);
    const uint8_t ran[5] = {1, 1, 0, 0, 0};
    assert_memory_equal(r.ran, ran, 5);
    run_free(&r);
    program_free(p);
}

static void test_error_text(void **state)
{
    (void)state;
    assert_string_equal(vm_error_text(VM_OVERFLOW), "integer overflow");
    assert_string_equal(vm_error_text(VM_DIV_ZERO), "division by zero");
    assert_string_equal(vm_error_text(VM_BAD_INDEX), "index out of range");
    assert_string_equal(vm_error_text(VM_BAD_ID), "malformed resident id");
}

/* Text constants become pointers into the program's strings; text fields are pointers too. */
static void test_text_const_and_field(void **state)
{
    (void)state;
    const Const k[2] = {K_TEXT(1), K_INT(0)};
    const char *strs[2] = {"unused", "410122"};
    const Ins code[] = {I(EQ_T, 3, 0, 2), I(HALT, 0, 0, 0)};
    Program *p = prog_new(k, 2, strs, 2, code, 2, 4);
    assert_unsound(p, "instruction 0 (EQ_T): R2 is read as text but does not hold text on every path from "
                      "the person entry");     /* without a schema nothing says R2 is text */
    prog_record(p, (const uint8_t[]){VK_TEXT}, 1);
    char county[] = "410122";                  /* a different pointer, the same text */
    const int64_t fields[1] = {(int64_t)(intptr_t)county};
    Run r = run_both(p, 0, fields, 1);
    assert_int_equal(r.regs[3], 1);
    assert_string_equal((const char *)(intptr_t)r.regs[0], "410122");
    run_free(&r);
    program_free(p);
}

/* Params live in constant registers; vm_set_param overrides one for every later run. */
static void test_set_param(void **state)
{
    (void)state;
    const Const k[2] = {{VK_DATE, day(2021, 4, 1)}, K_INT(0)};
    const Ins code[] = {I(YEARS, 3, 2, 0), I(HALT, 0, 0, 0)};
    Program *p = prog_new(k, 2, NULL, 0, code, 2, 4);
    p->nparams = 1;
    p->params = xcalloc(1, sizeof *p->params);
    p->params[0] = (ParamInfo){xstrdup("as_of"), VK_DATE, -1, 0};
    assert_sound(p);
    Vm *vm = vm_new(p);
    const int64_t born = day(1961, 6, 1);
    assert_true(vm_run(vm, 0, &born, 1));
    assert_int_equal(vm->regs[3], 59);
    assert_true(vm_set_param(vm, "as_of", day(2021, 6, 1)));
    assert_false(vm_set_param(vm, "as_at", 0));
    assert_true(vm_run(vm, 0, &born, 1));
    assert_int_equal(vm->regs[3], 60);
    vm_free(vm);
    program_free(p);
}

/* A per-enum table param holds its size in its register: one value cannot override it, and
 * vm_set_param refuses rather than let INDEX read past the table. */
static void test_set_param_table(void **state)
{
    (void)state;
    const Const k[3] = {K_INT(2), K_INT(10), K_INT(20)};
    const Ins code[] = {I(INDEX, 4, 3, 0), I(HALT, 0, 0, 0)};
    Program *p = prog_new(k, 3, NULL, 0, code, 2, 5);
    p->nparams = 1;
    p->params = xcalloc(1, sizeof *p->params);
    p->params[0] = (ParamInfo){xstrdup("beds"), VK_INT, -1, 0};
    assert_sound(p);
    Vm *vm = vm_new(p);
    assert_false(vm_set_param(vm, "beds", 5));
    assert_int_equal(vm->regs[0], 2);
    const int64_t at = 1;
    assert_true(vm_run(vm, 0, &at, 1));
    assert_int_equal(vm->regs[4], 20);
    vm_free(vm);
    program_free(p);
}

/* vm_run_region runs [start, end) and stops when the next instruction lies outside, whether
 * by falling through or by a jump past the end:
 *   0 LOADI R1 1 ; 1 LOADI R2 2 ; 2 JMP ->4 ; 3 ADD R3 K0 K0 ; 4 LOADI R4 4 ; 5 HALT
 * with K0 = INT64_MAX (3 overflows). */
static void test_region(void **state)
{
    (void)state;
    const Const k[1] = {K_INT(INT64_MAX)};
    const Ins code[] = {I(LOADI, 1, 1, 0), I(LOADI, 2, 2, 0), I(JMP, 4, 0, 0), I(ADD, 3, 0, 0),
                        I(LOADI, 4, 4, 0), I(HALT, 0, 0, 0)};
    Program *p = prog_new(k, 1, NULL, 0, code, 6, 5);
    assert_sound(p);
    Vm *vm = vm_new(p);
    assert_true(vm_run_region(vm, 1, 3, NULL, 0));     /* 1, then 2 jumps to 4: past the end */
    const int64_t after_1_3[5] = {INT64_MAX, 0, 2, 0, 0};
    assert_memory_equal(vm->regs, after_1_3, sizeof after_1_3);
    assert_true(vm_run_region(vm, 4, 5, NULL, 0));     /* 4, then 5 is the end */
    assert_int_equal(vm->regs[4], 4);
    vm->regs[4] = 0;
    assert_true(vm_run_region(vm, 4, 4, NULL, 0));     /* an empty region runs nothing */
    assert_int_equal(vm->regs[4], 0);
    assert_false(vm_run_region(vm, 3, 5, NULL, 0));    /* an error inside: as vm_run */
    assert_int_equal(vm->error, VM_OVERFLOW);
    assert_int_equal(vm->error_pc, 3);
    assert_int_equal(vm->regs[4], 0);
    assert_true(vm_run_region(vm, 0, 6, NULL, 0));     /* the whole code: up to its HALT */
    const int64_t all[5] = {INT64_MAX, 1, 2, 0, 4};
    assert_memory_equal(vm->regs, all, sizeof all);
    assert_int_equal(vm->error, VM_OK);
    vm_free(vm);
    program_free(p);
}

/* The compact record (vm/record.h), worked out by hand. Fields, in declaration order:
 *   f0 text  8     f1 date  4     f2 bool  1     f3 enum (3 values)  1
 *   f4 int in 0..4  1     f5 int in -5..100000  4     f6 int  8     f7 number  8
 * Widest first, declaration order within a width: f0 f6 f7 | f1 f5 | f2 f3 f4, at offsets
 * 0 8 16 | 24 28 | 32 33 34: 35 bytes. */
static void test_compact_record(void **state)
{
    (void)state;
    const Const k[1] = {K_INT(0)};
    /* fields from R1: R9 := f5 + f4 (R6, R5); R10 := f1 - f6 (R2, R7); R11 := f3 (R4) */
    const Ins code[] = {I(ADD, 9, 6, 5), I(SUB, 10, 2, 7), I(MOV, 11, 4, 0), I(HALT, 0, 0, 0)};
    Program *p = prog_new(k, 1, NULL, 0, code, 4, 12);
    prog_record(p, (const uint8_t[]){VK_TEXT, VK_DATE, VK_BOOL, VK_ENUM, VK_INT, VK_INT, VK_INT, VK_NUMBER}, 8);
    p->nenums = 1;
    p->enums = xcalloc(1, sizeof *p->enums);
    p->enums[0] = (EnumInfo){.name = xstrdup("e"), .count = 3, .values = xcalloc(3, sizeof(char *)),
                             .labels = xcalloc(3, sizeof(char *))};
    FieldInfo *f = p->records[0].fields;
    f[3].enum_index = 0;
    f[4].range_kind = 1, f[4].range_lo = 0, f[4].range_hi = 4;
    f[5].range_kind = 1, f[5].range_lo = -5, f[5].range_hi = 100000;
    RecordLayout l;
    record_layout_init(&l, p, &p->records[0]);
    assert_int_equal(l.size, 35);
    assert_int_equal(l.n8, 3);
    assert_int_equal(l.n4, 2);
    assert_int_equal(l.n1, 3);
    static const uint32_t order[8] = {0, 6, 7, 1, 5, 2, 3, 4}, offset[8] = {0, 24, 32, 33, 34, 28, 8, 16};
    static const uint8_t width[8] = {8, 4, 1, 1, 1, 4, 8, 8};
    for (int i = 0; i < 8; i++) {
        assert_int_equal(l.order[i], order[i]);
        assert_int_equal(l.offset[i], offset[i]);
        assert_int_equal(l.width[i], width[i]);
    }
    /* runs of consecutive fields of one width: f0 | f6 f7 | f1 | f5 | f2 f3 f4 */
    static const uint32_t runs[5][3] = {{0, 1, 8}, {6, 2, 8}, {1, 1, 4}, {5, 1, 4}, {2, 3, 1}};
    assert_int_equal(l.nruns, 5);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(l.runs[i].field, runs[i][0]);
        assert_int_equal(l.runs[i].count, runs[i][1]);
        assert_int_equal(l.runs[i].width, runs[i][2]);
    }
    char name[] = "x";
    const int64_t values[8] = {(int64_t)(intptr_t)name, day(2021, 4, 1), 1, 2, 4, -5, INT64_C(1) << 40, -25000};
    uint8_t rec[35 + 1];
    memset(rec, 0xEE, sizeof rec);
    assert_true(record_pack(&l, values, rec));
    assert_int_equal(rec[35], 0xEE);   /* nothing written past the record */
    int32_t d;
    memcpy(&d, rec + 24, 4);
    assert_int_equal(d, day(2021, 4, 1));
    memcpy(&d, rec + 28, 4);
    assert_int_equal(d, -5);
    assert_int_equal(rec[32], 1);
    assert_int_equal(rec[33], 2);
    assert_int_equal(rec[34], 4);
    int64_t back[8];
    record_unpack(&l, rec, back);
    assert_memory_equal(back, values, sizeof values);
    /* evaluated from the packed record, the VM computes what it does from the int64 one:
     * R9 = -5 + 4 = -1, R10 = day(2021-04-01) - 2^40, R11 = 2 */
    Vm *vm = vm_new(p);
    assert_true(record_run(vm, 0, &l, rec));
    assert_int_equal(vm->regs[9], -1);
    assert_int_equal(vm->regs[10], day(2021, 4, 1) - (INT64_C(1) << 40));
    assert_int_equal(vm->regs[11], 2);
    /* a value that does not fit its slot is refused, never cut: a bool of 2 fits a byte (it
     * fails validation, but packs losslessly); 256 does not, nor -1 in a byte, nor a day
     * number past int32 */
    int64_t v[8];
    memcpy(v, values, sizeof v);
    v[2] = 2;
    assert_true(record_pack(&l, v, rec));
    v[2] = 256;
    assert_false(record_pack(&l, v, rec));
    v[2] = 1;
    v[4] = -1;
    assert_false(record_pack(&l, v, rec));
    v[4] = 4;
    v[1] = (int64_t)INT32_MAX + 1;
    assert_false(record_pack(&l, v, rec));
    v[1] = INT32_MIN;
    assert_true(record_pack(&l, v, rec));
    vm_free(vm);
    record_layout_free(&l);
    program_free(p);
}

/* The compact record's bytes widened back for every count of byte fields from 1 to 40 (the
 * SSE2 path takes sixteen at a time and overlaps its last sixteen): each field comes back as
 * packed, and nothing is written past the last one. */
static void test_compact_bytes(void **state)
{
    (void)state;
    enum { MAX = 40 };
    uint8_t kinds[MAX];
    memset(kinds, VK_INT, sizeof kinds);
    for (uint32_t n = 1; n <= MAX; n++) {
        const Ins code[] = {I(HALT, 0, 0, 0)};
        Program *p = prog_new(NULL, 0, NULL, 0, code, 1, n + 1);
        prog_record(p, kinds, n);
        for (uint32_t i = 0; i < n; i++)
            p->records[0].fields[i].range_kind = 1, p->records[0].fields[i].range_hi = 255;
        RecordLayout l;
        record_layout_init(&l, p, &p->records[0]);
        assert_int_equal(l.size, n);
        int64_t values[MAX], back[MAX + 1];
        for (uint32_t i = 0; i < n; i++) values[i] = (int64_t)((i * 37 + n * 11 + 200) % 256);
        uint8_t rec[MAX];
        assert_true(record_pack(&l, values, rec));
        back[n] = 0x5A5A;
        record_unpack(&l, rec, back);
        assert_memory_equal(back, values, n * sizeof *values);
        assert_int_equal(back[n], 0x5A5A);
        Vm *vm = vm_new(p);
        assert_true(record_run(vm, 0, &l, rec));
        assert_memory_equal(vm->regs, values, n * sizeof *values);
        vm_free(vm);
        record_layout_free(&l);
        program_free(p);
    }
}

static const struct CMUnitTest vm_cases[] = {
    cmocka_unit_test(test_int_arith),
    cmocka_unit_test(test_loadi),
    cmocka_unit_test(test_compare),
    cmocka_unit_test(test_fixed_mul_div),
    cmocka_unit_test(test_fixed_to_int),
    cmocka_unit_test(test_fixed_helpers),
    cmocka_unit_test(test_in_mask),
    cmocka_unit_test(test_in_range),
    cmocka_unit_test(test_index),
    cmocka_unit_test(test_index_runtime_size),
    cmocka_unit_test(test_years),
    cmocka_unit_test(test_date_parts),
    cmocka_unit_test(test_text_compare),
    cmocka_unit_test(test_len_t),
    cmocka_unit_test(test_valid_id),
    cmocka_unit_test(test_id_birth_male),
    cmocka_unit_test(test_cats),
    cmocka_unit_test(test_popcnt_lowbit),
    cmocka_unit_test(test_outcome_loadi2),
    cmocka_unit_test(test_code_changed),
    cmocka_unit_test(test_ranges),
    cmocka_unit_test(test_compare_and_branch),
    cmocka_unit_test(test_branch_pair_verified),
    cmocka_unit_test(test_move_and_branch),
    cmocka_unit_test(test_move_paired),
    cmocka_unit_test(test_short_circuit_false),
    cmocka_unit_test(test_short_circuit_true),
    cmocka_unit_test(test_trace_cleared),
    cmocka_unit_test(test_entry),
    cmocka_unit_test(test_error_pc),
    cmocka_unit_test(test_error_text),
    cmocka_unit_test(test_text_const_and_field),
    cmocka_unit_test(test_set_param),
    cmocka_unit_test(test_set_param_table),
    cmocka_unit_test(test_region),
    cmocka_unit_test(test_compact_record),
    cmocka_unit_test(test_compact_bytes),
};

#endif
