/* record.c — checking a record before it is evaluated (see record.h). */
#include "record.h"
#include "values.h"

#include <stdio.h>

void record_stop_reason(const Vm *vm, char *out, size_t n)
{
    const Program *p = vm->prog;
    uint32_t pc = vm->error_pc;
    if (pc < p->ncode && p->pc_line)
        snprintf(out, n, "%s at %s:%u:%u", vm_error_text(vm->error), p->source_path ? p->source_path : "",
                 p->pc_line[pc], p->pc_col[pc]);
    else
        snprintf(out, n, "%s", vm_error_text(vm->error));
}

bool record_check(Vm *vm, const RecordInfo *ri, const int64_t *values, RecordCheck *out)
{
    *out = (RecordCheck){.verdict = RECORD_OK, .field = -1, .require = -1};
    const Program *p = vm->prog;
    for (uint32_t i = 0; i < ri->nfields; i++) {
        char why[300];
        if (!ri->fields[i].range_kind || value_in_range(p, &ri->fields[i], values[i], why, sizeof why)) continue;
        out->verdict = RECORD_RANGE;
        out->field = (int32_t)i;
        snprintf(out->reason, sizeof out->reason, "%s: %s", ri->fields[i].name, why);
        return false;
    }
    if (!vm_run(vm, ri->check_entry, values, ri->nfields)) {
        out->verdict = RECORD_STOPPED;
        record_stop_reason(vm, out->reason, sizeof out->reason);
        return false;
    }
    for (uint32_t i = 0; i < ri->nrequires; i++) {
        if (vm->regs[ri->requires[i].reg]) continue;
        out->verdict = RECORD_REQUIRE;
        out->require = (int32_t)i;
        snprintf(out->reason, sizeof out->reason, "%s", ri->requires[i].message);
        return false;
    }
    return true;
}
