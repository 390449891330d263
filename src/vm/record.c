/* record.c — checking a record before it is evaluated (see record.h). */
#include "record.h"
#include "values.h"
#include "base/msg.h"
#include "base/resid.h"

#include <stdio.h>
#include <string.h>

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

static const char *skip_spaces(const char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    return s;
}

/* The text field a require whose whole condition is `valid_resident_id(FIELD)` checks, or -1. */
static int32_t id_require_field(const RecordInfo *ri, const RequireInfo *rq)
{
    static const char fn[] = "valid_resident_id";
    const char *s = rq->text ? skip_spaces(rq->text) : "";
    if (strncmp(s, fn, sizeof fn - 1) != 0) return -1;
    s = skip_spaces(s + sizeof fn - 1);
    if (*s++ != '(') return -1;
    s = skip_spaces(s);
    size_t n = strcspn(s, " \t)");
    const char *end = skip_spaces(s + n);
    if (!n || *end != ')' || *skip_spaces(end + 1)) return -1;
    for (uint32_t i = 0; i < ri->nfields; i++)
        if (ri->fields[i].kind == VK_TEXT && strlen(ri->fields[i].name) == n && !strncmp(ri->fields[i].name, s, n))
            return (int32_t)i;
    return -1;
}

/* The reason a failed require gives: its own message, except that an id of the wrong length
 * is reported as such rather than as whatever the rule file's message says (a wrong check
 * digit): the clerk looks for a missing digit, not a mistyped one. */
static void require_reason(const RecordInfo *ri, const RequireInfo *rq, const int64_t *values, char *out,
                           size_t n)
{
    int32_t f = id_require_field(ri, rq);
    int chars;
    if (f >= 0 && resident_id_wrong_length((const char *)(intptr_t)values[f], &chars)) {
        const FieldInfo *fi = &ri->fields[f];
        snprintf(out, n, tr("%s should have 18 characters (or 15), this one has %d"), fi->label ? fi->label : fi->name,
                 chars);
        return;
    }
    snprintf(out, n, "%s", rq->message);
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
        require_reason(ri, &ri->requires[i], values, out->reason, sizeof out->reason);
        return false;
    }
    return true;
}
