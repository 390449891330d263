/* explain.h — a person's outcome and why, from a traced run of the program (vm.h). */
#ifndef DOUDI_EXPLAIN_H
#define DOUDI_EXPLAIN_H

#include "program.h"
#include "base/util.h"
#include "vm.h"

/* Render the explanation of the record whose traced run left `vm`'s registers and `trace`.
 * json: a JSON object instead of text. */
void explain_render(const Program *p, const Vm *vm, const VmTrace *trace, bool json, StrBuf *out);

#endif
