/* vm.c — the bytecode interpreter (see vm.h).
 *
 * The dispatch loop lives in vm_loop.h and is included three times: plain (vm_run, the hot
 * path over millions of records), recording a trace (vm_run_traced, for explanations) and
 * stopping at the end of a rule's code (vm_run_region), so they can never disagree about what
 * an opcode does. It dispatches by computed goto under
 * GCC/Clang and by a switch otherwise or when DOUDI_VM_SWITCH is defined; the tests run both.
 *
 * The VM trusts its Program: program_verify (which program_load always runs) guarantees every
 * operand is in range, jumps go forward, constants and fields are never written, the code ends
 * in HALT and every register read as text holds text on every path.
 * What only the data can decide — overflow, division by zero, a table index, a malformed id —
 * is checked here and stops the record with vm->error and vm->error_pc. Fixed-point arithmetic
 * and resident ids are base/fixed.h and base/resid.h, shared with the compiler and the importer. */
#include "vm.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/date.h"
#include "base/fixed.h"
#include "base/resid.h"
#include "base/util.h"

#if defined(__GNUC__) && !defined(DOUDI_VM_SWITCH)
#define VM_COMPUTED_GOTO 1
#else
#define VM_COMPUTED_GOTO 0
#endif

/* civil_from_days overflows past INT64_MAX - 719468; dates beyond ±2^62 days (far outside
 * any calendar) stop the record as an overflow instead. */
#define DATE_LIMIT (INT64_MAX / 2)

/* ---- helpers for the loop -------------------------------------------------------------- */

static inline const char *text_of(int64_t v)
{
    const char *s = (const char *)(intptr_t)v;
    return s ? s : "";
}

static inline bool date_ok(int64_t d) { return d >= -DATE_LIMIT && d <= DATE_LIMIT; }

/* Which part of a date: 0 year, 1 month, 2 day. */
static inline int64_t date_part(int64_t days, int part)
{
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    return part == 0 ? y : part == 1 ? (int64_t)m : (int64_t)d;
}

/* How many of n registers from r hold a true (non-zero) value. */
static inline int64_t range_count(const int64_t *r, unsigned n)
{
    int64_t k = 0;
    for (unsigned i = 0; i < n; i++) k += r[i] != 0;
    return k;
}

static inline int64_t cat_mask(const int64_t *r, unsigned n)
{
    uint64_t mask = 0;
    for (unsigned i = 0; i < n; i++)
        if (r[i]) mask |= (uint64_t)1 << i;
    return (int64_t)mask;
}

/* Set bits, counted in place: without a -mpopcnt target, __builtin_popcountll is a call. */
static inline int64_t bit_count(uint64_t x)
{
    x -= (x >> 1) & 0x5555555555555555u;
    x = (x & 0x3333333333333333u) + ((x >> 2) & 0x3333333333333333u);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Fu;
    return (int64_t)((x * 0x0101010101010101u) >> 56);
}

static inline int64_t lowest_bit(uint64_t x) { return x ? __builtin_ctzll(x) : -1; }

static inline bool in_mask(int64_t v, int64_t mask)
{
    return v >= 0 && v < 64 && (((uint64_t)mask >> v) & 1);
}

static inline bool abs_of(int64_t v, int64_t *out)
{
    if (v == INT64_MIN) return false;
    *out = v < 0 ? -v : v;
    return true;
}

#if VM_COMPUTED_GOTO
/* The program's code as cells for the plain loop, which passes its label table (the labels
 * exist only inside it). */
static void thread_code(Vm *vm, const void *const *labels)
{
    const Program *p = vm->prog;
    vm->labels = labels;
    vm->cells = xmalloc((p->ncode + 1) * sizeof *vm->cells);
    for (uint32_t pc = 0; pc < p->ncode; pc++) vm->cells[pc] = (VmCell){labels[p->code[pc].op], p->code[pc]};
    vm->cells[p->ncode] = (VmCell){labels[OP_HALT], {.op = OP_HALT}};   /* never reached: verified code ends in HALT */
}
#endif

void vm_code_changed(Vm *vm, uint32_t pc)
{
    const Program *p = vm->prog;
    if (vm->cells && pc < p->ncode) vm->cells[pc] = (VmCell){vm->labels[p->code[pc].op], p->code[pc]};
}

/* ---- the loop, three times ------------------------------------------------------------ */

#define VM_LOOP vm_loop_plain
#define VM_TRACE 0
#define VM_STOP 0
#define VM_THREADED VM_COMPUTED_GOTO
#include "vm_loop.h"
#undef VM_LOOP
#undef VM_TRACE
#undef VM_STOP
#undef VM_THREADED
#define VM_THREADED 0

#define VM_LOOP vm_loop_traced
#define VM_TRACE 1
#define VM_STOP 0
#include "vm_loop.h"
#undef VM_LOOP
#undef VM_TRACE
#undef VM_STOP

#define VM_LOOP vm_loop_region
#define VM_TRACE 0
#define VM_STOP 1
#include "vm_loop.h"
#undef VM_LOOP
#undef VM_TRACE
#undef VM_STOP

/* ---- the API --------------------------------------------------------------------------- */

Vm *vm_new(const Program *p)
{
    Vm *vm = xcalloc(1, sizeof *vm);
    vm->prog = p;
    vm->regs = xcalloc(p->nregs ? p->nregs : 1, sizeof *vm->regs);
    for (uint32_t i = 0; i < p->nconsts; i++) {
        const Const *k = &p->consts[i];
        vm->regs[i] = k->kind == VK_TEXT ? (int64_t)(intptr_t)p->strings[k->value] : k->value;
    }
    return vm;
}

Vm *vm_copy(const Vm *vm)
{
    Vm *copy = vm_new(vm->prog);
    memcpy(copy->regs, vm->regs, (vm->prog->nregs ? vm->prog->nregs : 1) * sizeof *copy->regs);
    return copy;
}

void vm_free(Vm *vm)
{
    if (!vm) return;
    free(vm->cells);
    free(vm->regs);
    free(vm);
}

/* Whether register r is the size of a table some INDEX reads: program_verify's view of what
 * INDEX can return rests on that size staying as compiled. */
static bool table_size_reg(const Program *p, uint32_t r)
{
    for (uint32_t pc = 0; pc < p->ncode; pc++)
        if (opcode_shapes[p->code[pc].op][2] == 'T' && p->code[pc].c == r) return true;
    return false;
}

bool vm_set_param(Vm *vm, const char *name, int64_t value)
{
    const Program *p = vm->prog;
    for (uint32_t i = 0; i < p->nparams; i++)
        if (p->params[i].name && strcmp(p->params[i].name, name) == 0) {
            if (table_size_reg(p, p->params[i].reg)) return false;
            vm->regs[p->params[i].reg] = value;
            return true;
        }
    return false;
}

/* Copy the record into the field registers (never past the register file). */
static void load_fields(Vm *vm, const int64_t *fields, uint32_t nfields)
{
    const Program *p = vm->prog;
    if (p->field_base >= p->nregs) return;
    if (nfields > p->nregs - p->field_base) nfields = p->nregs - p->field_base;
    if (nfields) memcpy(vm->regs + p->field_base, fields, nfields * sizeof *fields);
}

bool vm_run(Vm *vm, uint32_t entry, const int64_t *fields, uint32_t nfields)
{
    vm->error = VM_OK;
    vm->error_pc = 0;
    load_fields(vm, fields, nfields);
    return vm_loop_plain(vm, entry, NULL, 0);
}

bool vm_run_traced(Vm *vm, uint32_t entry, const int64_t *fields, uint32_t nfields,
                   VmTrace *trace)
{
    uint32_t n = vm->prog->ncode;
    memset(trace->ran, 0, n * sizeof *trace->ran);
    memset(trace->value, 0, n * sizeof *trace->value);
    vm->error = VM_OK;
    vm->error_pc = 0;
    load_fields(vm, fields, nfields);
    return vm_loop_traced(vm, entry, trace, 0);
}

bool vm_run_region(Vm *vm, uint32_t start, uint32_t end, const int64_t *fields, uint32_t nfields)
{
    vm->error = VM_OK;
    vm->error_pc = 0;
    load_fields(vm, fields, nfields);
    return vm_loop_region(vm, start, NULL, end);
}

bool vm_continue(Vm *vm, uint32_t entry)
{
    vm->error = VM_OK;
    vm->error_pc = 0;
    return vm_loop_plain(vm, entry, NULL, 0);
}

bool vm_continue_traced(Vm *vm, uint32_t entry, VmTrace *trace)
{
    vm->error = VM_OK;
    vm->error_pc = 0;
    return vm_loop_traced(vm, entry, trace, 0);
}

const char *vm_error_text(VmError e)
{
    switch (e) {
    case VM_OK: return "no error";
    case VM_OVERFLOW: return "integer overflow";
    case VM_DIV_ZERO: return "division by zero";
    case VM_BAD_INDEX: return "index out of range";
    case VM_BAD_ID: return "malformed resident id";
    }
    return "unknown error";
}
