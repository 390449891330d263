/* compile.h — typed AST to bytecode.
 *
 * compile_rules turns checked Rules into a self-contained Program (program.h): the
 * per-person code (lets in dependency order, each computed once; category predicates;
 * the category set, count and primary; first-match placement; the schedule's ordering
 * keys), one check entry per record for its `require` constraints, the record schemas,
 * and the debug tables explanations are made from. */
#ifndef DOUDI_COMPILE_H
#define DOUDI_COMPILE_H

#include "check.h"
#include "vm/program.h"

/* Compile rules that checked without errors. Returns NULL (with diagnostics, e.g. a
 * constant expression that overflows) on failure. */
Program *compile_rules(const Rules *r, DiagList *diags);

/* Value of a constant expression (a literal, an enum value, a set of them, arithmetic on
 * constants) in the VM's representation; false if it is not constant. Text constants are
 * not handled here. */
bool compile_fold(const Expr *e, int64_t *value);

/* The value of a constant of an engine phase (a share, standard beds, the headroom): a
 * constant expression, or a param's current value in the registers `regs` of a VM of program
 * p (a param may have been overridden, e.g. by --as-of). 0 for anything else. */
int64_t compile_value_now(const Program *p, const int64_t *regs, const Expr *e);

#endif
