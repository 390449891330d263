/* vm.c — the bytecode interpreter (see vm.h) and the built-ins it shares with the compiler.
 *
 * The dispatch loop lives in vm_loop.h and is included twice: once plain (vm_run, the hot path
 * over millions of records) and once recording a trace (vm_run_traced, for explanations), so
 * the two can never disagree about what an opcode does. It dispatches by computed goto under
 * GCC/Clang and by a switch otherwise or when DOUDI_VM_SWITCH is defined; the tests run both.
 *
 * The VM trusts its Program: program_verify (which program_load always runs) guarantees every
 * operand is in range, jumps go forward, constants are never written and the code ends in HALT.
 * What only the data can decide — overflow, division by zero, a table index, a malformed id —
 * is checked here and stops the record with vm->error and vm->error_pc. */
#include "vm.h"

#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "util.h"

#if defined(__GNUC__) && !defined(DOUDI_VM_SWITCH)
#define VM_COMPUTED_GOTO 1
#else
#define VM_COMPUTED_GOTO 0
#endif

enum { SCALE = 10000 };             /* fixed point: 4 decimals, 10^4 = 1.0 */

/* civil_from_days overflows past INT64_MAX - 719468; dates beyond ±2^62 days (far outside
 * any calendar) stop the record as an overflow instead. */
#define DATE_LIMIT (INT64_MAX / 2)

/* ---- fixed point ---------------------------------------------------------------------- */

/* q = n / d rounded half away from zero, exactly; false when it does not fit in int64. */
static bool div_round(__int128 n, __int128 d, int64_t *out)
{
    __int128 q = n / d, r = n % d;
    if (r < 0) r = -r;
    if (2 * r >= (d < 0 ? -d : d)) q += (n < 0) != (d < 0) ? -1 : 1;
    if (q > INT64_MAX || q < INT64_MIN) return false;
    *out = (int64_t)q;
    return true;
}

bool fixed_mul(int64_t a, int64_t b, int64_t *out)
{
    return div_round((__int128)a * b, SCALE, out);
}

bool fixed_div(int64_t a, int64_t b, int64_t *out)
{
    if (b == 0) return false;
    return div_round((__int128)a * SCALE, b, out);
}

int64_t fixed_floor(int64_t v)
{
    int64_t q = v / SCALE;
    return v % SCALE < 0 ? q - 1 : q;
}

int64_t fixed_ceil(int64_t v)
{
    int64_t q = v / SCALE;
    return v % SCALE > 0 ? q + 1 : q;
}

int64_t fixed_round(int64_t v)
{
    int64_t q = v / SCALE, r = v % SCALE;
    if (r >= SCALE / 2) return q + 1;
    if (r <= -SCALE / 2) return q - 1;
    return q;
}

/* ---- resident ids (GB 11643-1999) ----------------------------------------------------- */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Exactly 18 bytes, without reading past a shorter string's terminator. */
static bool id_length_ok(const char *id)
{
    for (int i = 0; i < 18; i++)
        if (!id[i]) return false;
    return id[18] == '\0';
}

static unsigned digits(const char *s, int n)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++) v = v * 10 + (unsigned)(s[i] - '0');
    return v;
}

/* Digits 7–14 (1-based) as a real date YYYYMMDD; the caller checked the length. */
static bool id_date(const char *id, int64_t *days)
{
    for (int i = 6; i < 14; i++)
        if (!is_digit(id[i])) return false;
    unsigned y = digits(id + 6, 4), m = digits(id + 10, 2), d = digits(id + 12, 2);
    if (!date_valid(y, m, d)) return false;
    *days = days_from_civil(y, m, d);
    return true;
}

bool resident_id_birth(const char *id, int64_t *days)
{
    return id && id_length_ok(id) && id_date(id, days);
}

/* What is checked: 18 characters; the first 17 digits; the last a digit or an uppercase 'X'
 * (import normalises 'x'); digits 1–2 a province code in 11..82 (the range GB/T 2260 uses;
 * gaps inside it are not checked); digits 7–14 a real date YYYYMMDD; and the check digit:
 * the sum of digit i × weight i over the first 17, mod 11, indexes "10X98765432". */
bool resident_id_valid(const char *id)
{
    static const int weight[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    if (!id || !id_length_ok(id)) return false;
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        if (!is_digit(id[i])) return false;
        sum += (id[i] - '0') * weight[i];
    }
    unsigned province = digits(id, 2);
    int64_t days;
    if (province < 11 || province > 82 || !id_date(id, &days)) return false;
    return id[17] == "10X98765432"[sum % 11];
}

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

/* Digit 17 (1-based) of an 18-character id: 1 odd (male), 0 even, -1 malformed. */
static inline int64_t id_male(const char *id)
{
    if (!id_length_ok(id) || !is_digit(id[16])) return -1;
    return (id[16] - '0') & 1;
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

/* ---- the loop, twice ------------------------------------------------------------------- */

#define VM_LOOP vm_loop_plain
#define VM_TRACE 0
#include "vm_loop.h"
#undef VM_LOOP
#undef VM_TRACE

#define VM_LOOP vm_loop_traced
#define VM_TRACE 1
#include "vm_loop.h"
#undef VM_LOOP
#undef VM_TRACE

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

void vm_free(Vm *vm)
{
    if (!vm) return;
    free(vm->regs);
    free(vm);
}

bool vm_set_param(Vm *vm, const char *name, int64_t value)
{
    const Program *p = vm->prog;
    for (uint32_t i = 0; i < p->nparams; i++)
        if (p->params[i].name && strcmp(p->params[i].name, name) == 0) {
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
    return vm_loop_plain(vm, entry, NULL);
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
    return vm_loop_traced(vm, entry, trace);
}

bool vm_continue(Vm *vm, uint32_t entry)
{
    vm->error = VM_OK;
    vm->error_pc = 0;
    return vm_loop_plain(vm, entry, NULL);
}

bool vm_continue_traced(Vm *vm, uint32_t entry, VmTrace *trace)
{
    vm->error = VM_OK;
    vm->error_pc = 0;
    return vm_loop_traced(vm, entry, trace);
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
