/* explain.c — a person's outcome and why (see explain.h).
 *
 * Everything shown comes from one traced run of the same bytecode that computes outcomes:
 * a condition's value is what its last instruction wrote (trace.value[pc]), a condition that
 * short-circuiting skipped did not run (trace.ran[pc] == 0), and the values a rule read are
 * the registers of those fields and lets after the run. */
#include "explain.h"
#include "values.h"
#include "base/msg.h"

#include <string.h>

typedef struct Ex {
    const Program *p;
    const Vm *vm;
    const VmTrace *t;
    bool json;
    StrBuf *out;
} Ex;

static void put_value(Ex *x, uint8_t kind, int32_t en, int64_t v, bool labels)
{
    value_format(x->p, kind, en, v, labels, x->out);
}

static void json_str(Ex *x, const char *s) { sb_json_string(x->out, s ? s : ""); }

static void json_value(Ex *x, uint8_t kind, int32_t en, int64_t v)
{
    if (kind == VK_BOOL) { sb_puts(x->out, v ? "true" : "false"); return; }
    if (kind == VK_INT) { sb_printf(x->out, "%lld", (long long)v); return; }
    StrBuf tmp = {0};
    value_format(x->p, kind, en, v, false, &tmp);
    sb_json_string(x->out, sb_str(&tmp));
    sb_free(&tmp);
}

/* ---- text -------------------------------------------------------------------------------- */

static void text_atoms(Ex *x, const RuleInfo *ri)
{
    for (uint32_t i = 0; i < ri->natoms; i++) {
        const AtomInfo *a = &ri->atoms[i];
        if (x->t->ran[a->pc]) sb_printf(x->out, "      %-6s %s\n", x->t->value[a->pc] ? "true" : "false", a->text);
        else sb_printf(x->out, tr("      %-6s %s   (not evaluated)\n"), "-", a->text);
    }
}

static void text_reads(Ex *x, const RuleInfo *ri)
{
    if (ri->nreads == 0) return;
    sb_puts(x->out, tr("      read: "));
    for (uint32_t i = 0; i < ri->nreads; i++) {
        const ReadInfo *rd = &ri->reads[i];
        if (i) sb_puts(x->out, ", ");
        sb_printf(x->out, "%s = ", rd->name);
        put_value(x, rd->kind, rd->enum_index, x->vm->regs[rd->reg], true);
    }
    sb_putc(x->out, '\n');
}

static void text_rule_head(Ex *x, const RuleInfo *ri, const char *verdict)
{
    sb_printf(x->out, "  %-4s %s", verdict, ri->name);
    if (ri->label) sb_printf(x->out, " %s", ri->label);
    if (ri->cite) sb_printf(x->out, "  [%s]", ri->cite);
    sb_printf(x->out, tr("  (line %u)\n"), ri->line);
}

static void text_key(Ex *x)
{
    const RecordInfo *ri = &x->p->records[0];
    if (ri->key < 0) return;
    const FieldInfo *f = &ri->fields[ri->key];
    /* the key by its own label (a person who is no target is not headed by the record's 保障对象) */
    if (f->label) sb_printf(x->out, "%s %s: ", f->name, f->label);
    else sb_printf(x->out, "%s %s: ", ri->label ? ri->label : ri->name, f->name);
    put_value(x, f->kind, f->enum_index, x->vm->regs[x->p->field_base + (uint32_t)ri->key], false);
    sb_putc(x->out, '\n');
}

static void text_lets(Ex *x)
{
    uint32_t n, first = program_rules(x->p, RULE_LET, &n);
    if (!n) return;
    sb_puts(x->out, tr("values:\n"));
    for (uint32_t i = 0; i < n; i++) {
        const RuleInfo *ri = &x->p->rules[first + i];
        sb_printf(x->out, "  %s = ", ri->name);
        put_value(x, ri->value_kind, ri->enum_index, x->vm->regs[ri->reg], true);
        if (ri->label) sb_printf(x->out, "   %s", ri->label);
        sb_putc(x->out, '\n');
    }
}

static void text_categories(Ex *x)
{
    uint32_t n, first = program_rules(x->p, RULE_CATEGORY, &n);
    sb_puts(x->out, tr("categories:\n"));
    for (uint32_t i = 0; i < n; i++) {
        const RuleInfo *ri = &x->p->rules[first + i];
        text_rule_head(x, ri, x->vm->regs[ri->reg] ? tr("yes") : tr("no"));
        text_atoms(x, ri);
        text_reads(x, ri);
    }
    const int64_t *R = x->vm->regs;
    int64_t primary = program_index(R[x->p->reg_primary], n);
    if (primary < 0) {
        sb_puts(x->out, tr("primary category: none — not a target: no placement, no year\n"));
        return;
    }
    const RuleInfo *pr = &x->p->rules[first + (uint32_t)primary];
    sb_printf(x->out, tr("primary category: %s %s  (%lld of %u categories hold)\n"), pr->name,
              pr->label ? pr->label : "", (long long)R[x->p->reg_catcount], n);
}

static void text_placement(Ex *x)
{
    const Program *p = x->p;
    if (p->placement_enum < 0 || program_index(x->vm->regs[p->reg_primary], p->ncategories) < 0) return;
    uint32_t n, first = program_rules(p, RULE_BRANCH, &n);
    int64_t fired = program_index(x->vm->regs[p->reg_branch], n);
    sb_printf(x->out, tr("placement %s%s%s: "), p->placement_name, p->placement_label ? " " : "",
              p->placement_label ? p->placement_label : "");
    if (fired < 0) sb_puts(x->out, tr("none — no branch matched\n"));
    else {
        const RuleInfo *f = &p->rules[first + (uint32_t)fired];
        sb_printf(x->out, "%s %s%s%s%s\n", f->name, f->label ? f->label : "", f->cite ? "  [" : "",
                  f->cite ? f->cite : "", f->cite ? "]" : "");
    }
    for (uint32_t i = 0; i < n && (fired < 0 || i <= (uint32_t)fired); i++) {
        const RuleInfo *ri = &p->rules[first + i];
        text_rule_head(x, ri, (int64_t)i == fired ? tr("yes") : tr("no"));
        text_atoms(x, ri);
    }
}

/* ---- JSON --------------------------------------------------------------------------------- */

static void json_rule(Ex *x, const RuleInfo *ri, bool verdict)
{
    sb_puts(x->out, "{\"name\":");
    json_str(x, ri->name);
    sb_puts(x->out, ",\"label\":");
    json_str(x, ri->label);
    sb_puts(x->out, ",\"cite\":");
    json_str(x, ri->cite);
    sb_printf(x->out, ",\"line\":%u,\"holds\":%s,\"conditions\":[", ri->line, verdict ? "true" : "false");
    for (uint32_t i = 0; i < ri->natoms; i++) {
        const AtomInfo *a = &ri->atoms[i];
        sb_puts(x->out, i ? ",{\"text\":" : "{\"text\":");
        json_str(x, a->text);
        sb_printf(x->out, ",\"line\":%u,\"value\":%s}", a->line,
                  !x->t->ran[a->pc] ? "null" : x->t->value[a->pc] ? "true" : "false");
    }
    sb_puts(x->out, "],\"read\":{");
    for (uint32_t i = 0; i < ri->nreads; i++) {
        const ReadInfo *rd = &ri->reads[i];
        if (i) sb_putc(x->out, ',');
        json_str(x, rd->name);
        sb_putc(x->out, ':');
        json_value(x, rd->kind, rd->enum_index, x->vm->regs[rd->reg]);
    }
    sb_puts(x->out, "}}");
}

static void json_render(Ex *x)
{
    const Program *p = x->p;
    const int64_t *R = x->vm->regs;
    const RecordInfo *rec = &p->records[0];
    sb_puts(x->out, "{\"key\":");
    if (rec->key >= 0) {
        const FieldInfo *f = &rec->fields[rec->key];
        json_value(x, f->kind, f->enum_index, R[p->field_base + (uint32_t)rec->key]);
    } else sb_puts(x->out, "null");
    uint32_t n, first = program_rules(p, RULE_LET, &n);
    sb_puts(x->out, ",\"values\":{");
    for (uint32_t i = 0; i < n; i++) {
        const RuleInfo *ri = &p->rules[first + i];
        if (i) sb_putc(x->out, ',');
        json_str(x, ri->name);
        sb_putc(x->out, ':');
        json_value(x, ri->value_kind, ri->enum_index, R[ri->reg]);
    }
    sb_puts(x->out, "},\"categories\":[");
    first = program_rules(p, RULE_CATEGORY, &n);
    for (uint32_t i = 0; i < n; i++) {
        if (i) sb_putc(x->out, ',');
        json_rule(x, &p->rules[first + i], R[p->rules[first + i].reg] != 0);
    }
    int64_t primary = program_index(R[p->reg_primary], n);
    sb_puts(x->out, "],\"primary\":");
    if (primary >= 0) json_str(x, p->rules[first + (uint32_t)primary].name);
    else sb_puts(x->out, "null");
    sb_printf(x->out, ",\"category_count\":%lld,\"placement\":", (long long)R[p->reg_catcount]);
    first = program_rules(p, RULE_BRANCH, &n);
    int64_t fired = program_index(R[p->reg_branch], n);
    if (fired >= 0) json_str(x, p->rules[first + (uint32_t)fired].name);
    else sb_puts(x->out, "null");
    sb_puts(x->out, ",\"branches\":[");
    if (primary >= 0)
        for (uint32_t i = 0; i < n && (fired < 0 || i <= (uint32_t)fired); i++) {
            if (i) sb_putc(x->out, ',');
            json_rule(x, &p->rules[first + i], (int64_t)i == fired);
        }
    sb_puts(x->out, "]}\n");
}

void explain_render(const Program *p, const Vm *vm, const VmTrace *trace, bool json, StrBuf *out)
{
    Ex x = {p, vm, trace, json, out};
    if (json) {
        json_render(&x);
        return;
    }
    text_key(&x);
    text_lets(&x);
    text_categories(&x);
    text_placement(&x);
}
