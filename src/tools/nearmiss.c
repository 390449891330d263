/* nearmiss.c — near misses from the traced bytecode (see nearmiss.h).
 *
 * The probes run on a copy of the program whose code can be patched: one instruction at a
 * time (an atom made true) and, for the category being probed, a HALT where its code ends, so
 * a probe runs that category's instructions and nothing else. The copy has one register more
 * than the program, holding 1, for the atoms whose instruction moves a register and jumps in
 * one (MOVJF, MOVJT): made true, they move that register. Everything is put back after each
 * probe — the instruction, the HALT, and the registers the probe wrote. */
#include "nearmiss.h"
#include "base/date.h"
#include "base/msg.h"
#include "vm/record.h"

#include <stdlib.h>
#include <string.h>

typedef struct Scan {
    const Program *p;          /* the program as compiled (records, rules) */
    Program copy;              /* the same, with code of its own and a register holding 1 */
    Vm *vm;                    /* runs the copy */
    VmTrace trace;
    int64_t *saved;            /* the registers after a person's traced run */
    uint32_t one;              /* the register holding 1 */
    uint32_t cat_first;
    NearMiss *out;
} Scan;

/* ---- probing one category -------------------------------------------------------------------- */

/* The instruction at atom a's pc made to write true and go on as true does. False when the
 * instruction is not one writing the atom's register (nothing to probe). */
static bool forced(const Scan *s, const AtomInfo *a, Ins *out)
{
    Ins in = s->copy.code[a->pc];
    if (in.a != a->reg) return false;
    if (in.op == OP_MOVJ) in.b = (uint16_t)s->one;
    else in = (Ins){.op = OP_MOV, .a = in.a, .b = (uint16_t)s->one};
    *out = in;
    return true;
}

/* With atom a made true, does category rule `ri` hold? The registers are as the traced run
 * left them, and are again afterwards. */
static bool admitted(Scan *s, const RuleInfo *ri, const AtomInfo *a)
{
    Ins patch, keep = s->copy.code[a->pc];
    if (!forced(s, a, &patch)) return false;
    s->copy.code[a->pc] = patch;
    vm_code_changed(s->vm, a->pc);
    bool holds = vm_continue(s->vm, ri->pc_start) && s->vm->regs[ri->reg] != 0;
    s->copy.code[a->pc] = keep;
    vm_code_changed(s->vm, a->pc);
    memcpy(s->vm->regs, s->saved, s->p->nregs * sizeof *s->saved);
    return holds;
}

static void probe_category(Scan *s, uint32_t c)
{
    const RuleInfo *ri = &s->p->rules[s->cat_first + c];
    NearMissCategory *nc = &s->out->categories[c];
    if (s->vm->regs[ri->reg]) {
        nc->members++;
        return;
    }
    nc->others++;
    Ins end = s->copy.code[ri->pc_end];
    s->copy.code[ri->pc_end] = (Ins){.op = OP_HALT};
    vm_code_changed(s->vm, ri->pc_end);
    bool near = false;
    for (uint32_t k = 0; k < ri->natoms; k++) {
        const AtomInfo *a = &ri->atoms[k];
        if (!s->trace.ran[a->pc] || s->trace.value[a->pc]) continue;
        if (admitted(s, ri, a)) {
            nc->by_atom[k]++;
            near = true;
        }
    }
    s->copy.code[ri->pc_end] = end;
    vm_code_changed(s->vm, ri->pc_end);
    if (near) nc->near++;
}

/* ---- the scan -------------------------------------------------------------------------------- */

static bool evaluate(Scan *s, const int64_t *values)
{
    const RecordInfo *rec = &s->p->records[0];
    RecordCheck rc;
    if (!record_check(s->vm, rec, values, &rc)) return false;
    return vm_run_traced(s->vm, s->p->person_entry, values, rec->nfields, &s->trace);
}

static void person(Scan *s, const int64_t *values)
{
    if (!evaluate(s, values)) {
        s->out->review++;
        return;
    }
    s->out->evaluated++;
    memcpy(s->saved, s->vm->regs, s->p->nregs * sizeof *s->saved);
    for (uint32_t c = 0; c < s->out->ncategories; c++) probe_category(s, c);
}

static bool setup(Scan *s, const Program *p, const Vm *params, char **error)
{
    if (p->nregs >= UINT16_MAX) {
        if (error) *error = xstrdup(tr("the program has too many registers for a near-miss analysis"));
        return false;
    }
    s->p = p;
    s->copy = *p;
    s->copy.code = xmalloc((p->ncode + 1) * sizeof *p->code);
    memcpy(s->copy.code, p->code, p->ncode * sizeof *p->code);
    s->copy.code[p->ncode] = (Ins){.op = OP_HALT};   /* a rule's end may be the code's end */
    s->copy.ncode = p->ncode + 1;
    s->copy.nregs = p->nregs + 1;
    s->one = p->nregs;
    s->vm = vm_new(&s->copy);
    memcpy(s->vm->regs, params->regs, p->nconsts * sizeof *params->regs);   /* overridden params too */
    s->vm->regs[s->one] = 1;
    s->trace.ran = xcalloc(p->ncode + 1, 1);
    s->trace.value = xcalloc(p->ncode + 1, sizeof *s->trace.value);
    s->saved = xcalloc(p->nregs + 1, sizeof *s->saved);
    uint32_t n;
    s->cat_first = program_rules(p, RULE_CATEGORY, &n);
    s->out->ncategories = n;
    s->out->categories = xcalloc(n + 1, sizeof *s->out->categories);
    for (uint32_t c = 0; c < n; c++) {
        s->out->categories[c].rule = s->cat_first + c;
        s->out->categories[c].by_atom = xcalloc(p->rules[s->cat_first + c].natoms + 1, sizeof(uint64_t));
    }
    return true;
}

static void teardown(Scan *s)
{
    vm_free(s->vm);
    free(s->copy.code);
    free(s->trace.ran);
    free(s->trace.value);
    free(s->saved);
}

static void as_of_of(const Program *p, const Vm *vm, char out[16])
{
    out[0] = '\0';
    for (uint32_t i = 0; i < p->nparams; i++)
        if (!strcmp(p->params[i].name, "as_of") && p->params[i].kind == VK_DATE) date_format(vm->regs[p->params[i].reg], out);
}

bool nearmiss_scan(Ledger *l, const Program *p, const Vm *params, NearMiss *out, char **error)
{
    memset(out, 0, sizeof *out);
    if (p->nrecords == 0) {
        if (error) *error = xstrdup(tr("the rule file declares no record"));
        return false;
    }
    Scan s = {.out = out};
    if (!setup(&s, p, params, error)) return false;
    as_of_of(p, params, out->as_of);
    const RecordInfo *rec = &p->records[0];
    LedgerCursor *c = ledger_records(l, p, rec, false, error);
    int64_t *values = xcalloc(rec->nfields + 1, sizeof *values);
    const char *stored;
    char why[400];
    int rc = c ? 1 : -2;
    while (c && (rc = ledger_next(c, values, &stored, why, sizeof why, error)) != 0 && rc != -2) {
        out->persons++;
        if (rc == -1) out->review++;
        else person(&s, values);
    }
    free(values);
    ledger_cursor_close(c);
    teardown(&s);
    if (rc == -2) nearmiss_free(out);
    return rc != -2;
}

/* ---- one person (explanations) --------------------------------------------------------------- */

/* The first atom of ri that ran and was false and is not already forced; -1 for none. */
static int first_false(const Scan *s, const RuleInfo *ri, const bool *done)
{
    for (uint32_t k = 0; k < ri->natoms; k++)
        if (!done[k] && s->trace.ran[ri->atoms[k].pc] && !s->trace.value[ri->atoms[k].pc]) return (int)k;
    return -1;
}

uint32_t nearmiss_person(const Program *p, const Vm *person, uint32_t rule, uint32_t *atoms)
{
    const RuleInfo *ri = &p->rules[rule];
    if (ri->pc_end < ri->pc_start || ri->pc_end > p->ncode) return UINT32_MAX;
    NearMiss unused = {0};
    Scan s = {.out = &unused};
    if (!setup(&s, p, person, NULL)) return UINT32_MAX;
    bool *done = xcalloc(ri->natoms + 1, sizeof *done);
    s.copy.code[ri->pc_end] = (Ins){.op = OP_HALT};
    vm_code_changed(s.vm, ri->pc_end);
    uint32_t n = 0, result = UINT32_MAX;
    for (uint32_t step = 0; step <= ri->natoms; step++) {
        memcpy(s.vm->regs, person->regs, p->nregs * sizeof *s.vm->regs);
        s.vm->regs[s.one] = 1;
        memset(s.trace.ran + ri->pc_start, 0, ri->pc_end - ri->pc_start);
        if (!vm_continue_traced(s.vm, ri->pc_start, &s.trace)) break;
        if (s.vm->regs[ri->reg]) {
            result = n;
            break;
        }
        int k = first_false(&s, ri, done);
        Ins patch;
        while (k >= 0 && !forced(&s, &ri->atoms[k], &patch)) {
            done[k] = true;
            k = first_false(&s, ri, done);
        }
        if (k < 0) break;
        done[k] = true;
        s.copy.code[ri->atoms[k].pc] = patch;
        atoms[n++] = (uint32_t)k;
    }
    free(done);
    teardown(&s);
    nearmiss_free(&unused);
    return result;
}

/* ---- for people ------------------------------------------------------------------------------ */

static void render_text(const Program *p, const NearMiss *nm, StrBuf *out)
{
    if (nm->as_of[0])
        sb_printf(out, tr("near misses as of %s: %llu persons evaluated, %llu not evaluated\n"), nm->as_of,
                  (unsigned long long)nm->evaluated, (unsigned long long)nm->review);
    else
        sb_printf(out, tr("near misses: %llu persons evaluated, %llu not evaluated\n"),
                  (unsigned long long)nm->evaluated, (unsigned long long)nm->review);
    for (uint32_t c = 0; c < nm->ncategories; c++) {
        const NearMissCategory *nc = &nm->categories[c];
        const RuleInfo *ri = &p->rules[nc->rule];
        sb_printf(out, tr("%s %s: %llu in it; %llu of the %llu others meet every condition but one\n"), ri->name,
                  ri->label ? ri->label : "", (unsigned long long)nc->members, (unsigned long long)nc->near,
                  (unsigned long long)nc->others);
        for (uint32_t k = 0; k < ri->natoms; k++) {
            if (!nc->by_atom[k]) continue;
            const char *label = nearmiss_atom_label(p, &ri->atoms[k]);
            sb_printf(out, "  %8llu  %s", (unsigned long long)nc->by_atom[k], ri->atoms[k].text);
            if (label) sb_printf(out, "  (%s)", label);
            sb_putc(out, '\n');
        }
    }
}

static void json_str(StrBuf *out, const char *s)
{
    if (s) sb_json_string(out, s);
    else sb_puts(out, "null");
}

static void render_json(const Program *p, const NearMiss *nm, StrBuf *out)
{
    sb_puts(out, "{\"as_of\": ");
    json_str(out, nm->as_of[0] ? nm->as_of : NULL);
    sb_printf(out, ", \"persons\": %llu, \"evaluated\": %llu, \"review\": %llu, \"categories\": [",
              (unsigned long long)nm->persons, (unsigned long long)nm->evaluated, (unsigned long long)nm->review);
    for (uint32_t c = 0; c < nm->ncategories; c++) {
        const NearMissCategory *nc = &nm->categories[c];
        const RuleInfo *ri = &p->rules[nc->rule];
        sb_puts(out, c ? ",\n  {\"name\": " : "\n  {\"name\": ");
        json_str(out, ri->name);
        sb_puts(out, ", \"label\": ");
        json_str(out, ri->label);
        sb_printf(out, ", \"members\": %llu, \"others\": %llu, \"near\": %llu, \"conditions\": [",
                  (unsigned long long)nc->members, (unsigned long long)nc->others, (unsigned long long)nc->near);
        for (uint32_t k = 0; k < ri->natoms; k++) {
            sb_puts(out, k ? ", {\"text\": " : "{\"text\": ");
            json_str(out, ri->atoms[k].text);
            sb_puts(out, ", \"label\": ");
            json_str(out, nearmiss_atom_label(p, &ri->atoms[k]));
            sb_printf(out, ", \"line\": %u, \"near\": %llu}", ri->atoms[k].line, (unsigned long long)nc->by_atom[k]);
        }
        sb_puts(out, "]}");
    }
    sb_puts(out, nm->ncategories ? "\n]}\n" : "]}\n");
}

void nearmiss_render(const Program *p, const NearMiss *nm, bool json, StrBuf *out)
{
    if (json) render_json(p, nm, out);
    else render_text(p, nm, out);
}
