/* vm.h — the bytecode interpreter.
 *
 * A Vm holds the register file for one Program; making it loads the constants once. Running
 * a record copies its field values into the field registers and executes from an entry pc to
 * HALT: no allocation per record. A record is an array of int64 in the record schema's field
 * order (text fields hold `const char *` cast to int64; enums their value index; dates day
 * numbers; numbers/percents fixed point with 4 decimals; bools 0/1).
 *
 * Runtime failures (overflow, division by zero, a malformed id) stop that record: vm_run
 * returns false and sets err (the code, and the pc so the caller can name the source
 * position). The trace mode runs the same code through a second copy of the dispatch loop
 * that also records, for each executed instruction, the value it wrote — explanations are
 * built from that, not from a second evaluator. */
#ifndef DOUDI_VM_H
#define DOUDI_VM_H

#include "program.h"

typedef enum VmError {
    VM_OK, VM_OVERFLOW, VM_DIV_ZERO, VM_BAD_INDEX, VM_BAD_ID,
} VmError;

typedef struct VmTrace {
    uint8_t *ran;              /* ran[pc]: the instruction at pc executed */
    int64_t *value;            /* value[pc]: what it wrote to R[a] */
} VmTrace;

/* An instruction with the address of the code that executes it, for the plain loop's direct
 * threading (vm.c): a dispatch is one load and a jump, not a load of the opcode, then of the
 * table entry, then the jump. */
typedef struct VmCell {
    const void *handler;
    Ins ins;
} VmCell;

typedef struct Vm {
    const Program *prog;
    int64_t *regs;
    VmError error;
    uint32_t error_pc;
    VmCell *cells;             /* prog->code threaded, made by the first plain run (or NULL) */
    const void *const *labels; /* the plain loop's handler per opcode, once cells is made */
} Vm;

Vm *vm_new(const Program *p);
/* A Vm of its own for another thread: vm's program, with vm's registers as they are now (its
 * params as set). */
Vm *vm_copy(const Vm *vm);
void vm_free(Vm *vm);
/* Set a param's constant register (e.g. as_of from --as-of). False if no such param, or if it
 * is a per-enum table (one value cannot override a table; its register holds the size). */
bool vm_set_param(Vm *vm, const char *name, int64_t value);
/* Run from `entry` on one record of `nfields` values. */
bool vm_run(Vm *vm, uint32_t entry, const int64_t *fields, uint32_t nfields);
/* The same, recording a trace (arrays of prog->ncode entries, cleared by the call). */
bool vm_run_traced(Vm *vm, uint32_t entry, const int64_t *fields, uint32_t nfields, VmTrace *trace);
/* Run a rule's own code [start, end) on one record: from start until the next instruction
 * would lie at or past end (or a HALT). For one person's schedule key, filter or table cell
 * after the person entry ran: the registers are as that run left them, the fields reloaded. */
bool vm_run_region(Vm *vm, uint32_t start, uint32_t end, const int64_t *fields, uint32_t nfields);
/* Run from `entry` on the registers as the last run left them (no fields are loaded): the
 * targets entry after the person entry. The traced form adds to the trace, not clearing it. */
bool vm_continue(Vm *vm, uint32_t entry);
bool vm_continue_traced(Vm *vm, uint32_t entry, VmTrace *trace);
/* The program's instruction at pc was changed in place (near misses patch a copy of the
 * code, then run it): the next run executes it as it now is. */
void vm_code_changed(Vm *vm, uint32_t pc);
const char *vm_error_text(VmError e);

#endif
