/* disasm.c — a Program as text for engineers (`doudi disasm`): a header, the constants with
 * their values formatted by kind, the record schemas with their field registers, then each
 * rule's code under a heading naming the rule, and last the code no rule covers (the entry
 * prologues, the outcome, the record checks). Every instruction shows its source line:col;
 * an instruction that writes a condition atom also shows the atom's source text.
 *
 * The program may come from a file, so nothing here trusts more than program_verify checked:
 * optional strings may be NULL and are printed as nothing. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/date.h"
#include "program.h"
#include "base/fixed.h"
#include "base/util.h"

static const char *kind_name(uint8_t k)
{
    static const char *const names[] = {"?", "int", "number", "percent", "bool", "text", "date", "enum"};
    return k <= VK_ENUM ? names[k] : "?";
}

/* Fixed point with 4 decimals: 3000 -> 0.3000, -5 -> -0.0005 (INT64_MIN too). */
static void put_fixed(StrBuf *sb, int64_t v)
{
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    sb_printf(sb, "%s%" PRIu64 ".%04" PRIu64, v < 0 ? "-" : "", m / FIXED_SCALE, m % FIXED_SCALE);
}

/* Percent: 3000 -> 30%, 1250 -> 12.5%, 5 -> 0.05%. */
static void put_percent(StrBuf *sb, int64_t v)
{
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    sb_printf(sb, "%s%" PRIu64, v < 0 ? "-" : "", m / 100);
    unsigned frac = (unsigned)(m % 100);
    if (frac % 10) sb_printf(sb, ".%02u", frac);
    else if (frac) sb_printf(sb, ".%u", frac / 10);
    sb_putc(sb, '%');
}

static const char *enum_value(const Program *p, int32_t e, int64_t v)
{
    if (e < 0 || (uint32_t)e >= p->nenums || v < 0 || (uint64_t)v >= p->enums[e].count) return NULL;
    return p->enums[e].values[v];
}

/* A value of kind k; enum_index names the enum when it is known (else -1). */
static void put_value(StrBuf *sb, const Program *p, uint8_t k, int32_t enum_index, int64_t v)
{
    char date[16];
    const char *name;
    switch (k) {
    case VK_NUMBER: put_fixed(sb, v); break;
    case VK_PERCENT: put_percent(sb, v); break;
    case VK_BOOL: sb_puts(sb, v ? "true" : "false"); break;
    case VK_DATE: date_format(v, date); sb_puts(sb, date); break;
    case VK_TEXT:
        if (v >= 0 && (uint64_t)v < p->nstrings && p->strings[v]) sb_json_string(sb, p->strings[v]);
        else sb_printf(sb, "<string %" PRId64 ">", v);
        break;
    case VK_ENUM:
        if ((name = enum_value(p, enum_index, v))) sb_puts(sb, name);
        else sb_printf(sb, "%" PRId64, v);
        break;
    default: sb_printf(sb, "%" PRId64, v); break;
    }
}

static const ParamInfo *param_at(const Program *p, uint32_t reg)
{
    for (uint32_t i = 0; i < p->nparams; i++)
        if (p->params[i].reg == reg) return &p->params[i];
    return NULL;
}

static void put_header(const Program *p, StrBuf *out)
{
    sb_printf(out, "; doudi program from %s\n", p->source_path ? p->source_path : "(unknown source)");
    if (p->policy || p->policy_source)
        sb_printf(out, "; policy %s%s%s%s\n", p->policy ? p->policy : "", p->policy_source ? " (" : "",
                  p->policy_source ? p->policy_source : "", p->policy_source ? ")" : "");
    sb_printf(out, "; %u instructions, %u registers (%u constants, fields from R%u), %u strings, "
              "%u enums, %u records, %u params, %u rules (%u categories)\n",
              p->ncode, p->nregs, p->nconsts, p->field_base, p->nstrings, p->nenums, p->nrecords,
              p->nparams, p->nrules, p->ncategories);
    sb_printf(out, "; entries: person %04u, targets %04u", p->person_entry, p->targets_entry);
    for (uint32_t i = 0; i < p->nrecords; i++)
        sb_printf(out, ", %s checks %04u", p->records[i].name, p->records[i].check_entry);
    sb_putc(out, '\n');
}

static void put_consts(const Program *p, StrBuf *out)
{
    if (!p->nconsts) return;
    sb_puts(out, "\nconstants\n");
    for (uint32_t i = 0; i < p->nconsts; i++) {
        const Const *k = &p->consts[i];
        const ParamInfo *q = param_at(p, i);
        sb_printf(out, "  K%u = ", i);
        put_value(out, p, k->kind, q ? q->enum_index : -1, k->value);
        sb_printf(out, " (%s)", kind_name(k->kind));
        if (q) sb_printf(out, "  param %s", q->name);
        sb_putc(out, '\n');
    }
}

static void put_records(const Program *p, StrBuf *out)
{
    for (uint32_t i = 0; i < p->nrecords; i++) {
        const RecordInfo *r = &p->records[i];
        sb_printf(out, "\nrecord %s", r->name);
        if (r->label) sb_printf(out, " \"%s\"", r->label);
        sb_printf(out, "  (%u fields from R%u, %u requires)\n", r->nfields, p->field_base, r->nrequires);
        for (uint32_t f = 0; f < r->nfields; f++) {
            const FieldInfo *fi = &r->fields[f];
            sb_printf(out, "  R%-5u %s: %s", p->field_base + f, fi->name, kind_name(fi->kind));
            if (fi->kind == VK_ENUM && fi->enum_index >= 0) sb_printf(out, " %s", p->enums[fi->enum_index].name);
            if ((int32_t)f == r->key) sb_puts(out, " key");
            if (fi->has_default) {
                sb_puts(out, " default ");
                put_value(out, p, fi->kind, fi->enum_index, fi->default_value);
            }
            sb_putc(out, '\n');
        }
    }
}

/* "R12", or "K3" for a constant register. */
static void put_reg(StrBuf *sb, const Program *p, unsigned r)
{
    sb_printf(sb, "%c%u", r < p->nconsts ? 'K' : 'R', r);
}

/* The operands as opcodes.def shapes them: registers, "->0012" targets, immediates; a span
 * (SPAN) as its registers "R47..R53", a pair of bounds (BOUNDS) as "K3..K4", and a k bit that
 * is set (K: jump on true) as a trailing "k", as Lua's listings show it. */
static void put_operands(StrBuf *sb, const Program *p, const Ins *in)
{
    const char *shape = in->op < OP__COUNT ? opcode_shapes[in->op] : "---";
    unsigned flags = in->op < OP__COUNT ? opcode_flags[in->op] : 0;
    const unsigned ops[3] = {in->a, in->b, in->c};
    bool span = (flags & OPF_SPAN) && in->c > 0;
    for (int k = 0; k < 3 && shape[k] != '-'; k++) {
        if (k == 2 && span) break;
        if (k) sb_putc(sb, ' ');
        if (shape[k] == 'J') sb_printf(sb, "->%04u", ops[k]);
        else if (shape[k] == 'I') sb_printf(sb, "%u", ops[k]);
        else put_reg(sb, p, ops[k]);
        if ((k == 1 && span) || (k == 2 && (flags & OPF_BOUNDS))) {
            sb_puts(sb, "..");
            put_reg(sb, p, k == 1 ? ops[1] + ops[2] - 1 : ops[2] + 1);
        }
    }
    if ((flags & OPF_K) && in->k) sb_puts(sb, " k");
}

static const AtomInfo *atom_at(const RuleInfo *r, uint32_t pc)
{
    for (uint32_t i = 0; r && i < r->natoms; i++)
        if (r->atoms[i].pc == pc) return &r->atoms[i];
    return NULL;
}

/* "  0012  EQ        R40 R12 K3      ; line 101:7: labor_capacity == none"; instructions
 * without a source position (line 0: the HALTs the compiler adds) get no comment. */
static void put_ins(const Program *p, const RuleInfo *rule, uint32_t pc, StrBuf *out)
{
    const Ins *in = &p->code[pc];
    StrBuf ops = {0};
    put_operands(&ops, p, in);
    uint32_t line = p->pc_line ? p->pc_line[pc] : 0, col = p->pc_col ? p->pc_col[pc] : 0;
    const AtomInfo *a = atom_at(rule, pc);
    if (line == 0 && !(a && a->text)) {
        sb_printf(out, "  %04u  %-9s %s", pc, in->op < OP__COUNT ? opcode_names[in->op] : "?", sb_str(&ops));
        while (out->count && out->items[out->count - 1] == ' ') out->items[--out->count] = '\0';
    } else {
        sb_printf(out, "  %04u  %-9s %-15s ; line %u:%u", pc, in->op < OP__COUNT ? opcode_names[in->op] : "?",
                  sb_str(&ops), line, col);
        if (a && a->text) sb_printf(out, ": %s", a->text);
    }
    sb_free(&ops);
    sb_putc(out, '\n');
}

static void put_rule_heading(const Program *p, const RuleInfo *r, StrBuf *out)
{
    static const char *const kinds[] = {"let", "category", "branch", "key", "filter", "cell"};
    sb_printf(out, "\n%s %s", r->kind <= RULE_CELL ? kinds[r->kind] : "rule", r->name ? r->name : "");
    if (r->label) sb_printf(out, " \"%s\"", r->label);
    if (r->cite) sb_printf(out, " [%s]", r->cite);
    if (r->kind == RULE_KEY && r->desc) sb_puts(out, " desc");
    sb_printf(out, "  (line %u) -> ", r->line);
    put_reg(out, p, r->reg);
    sb_putc(out, '\n');
}

/* The entry point at pc, or NULL: "person entry", or a record's name (its checks). */
static const char *entry_at(const Program *p, uint32_t pc, bool *is_record)
{
    *is_record = false;
    if (pc == p->person_entry) return "person";
    if (pc == p->targets_entry) return "targets";
    for (uint32_t i = 0; i < p->nrecords; i++)
        if (pc == p->records[i].check_entry) {
            *is_record = true;
            return p->records[i].name;
        }
    return NULL;
}

/* Instructions no rule covers, in runs that start anew at each entry point. */
static void put_uncovered(const Program *p, const uint8_t *covered, StrBuf *out)
{
    bool open = false, rec;
    for (uint32_t pc = 0; pc < p->ncode; pc++) {
        if (covered[pc]) {
            open = false;
            continue;
        }
        const char *entry = entry_at(p, pc, &rec);
        if (!open || entry) {
            uint32_t end = pc + 1;
            while (end < p->ncode && !covered[end] && !entry_at(p, end, &rec)) end++;
            sb_printf(out, "\ncode %04u..%04u", pc, end - 1);
            entry = entry_at(p, pc, &rec);
            if (entry) sb_printf(out, rec ? " (record %s checks)" : " (%s entry)", entry);
            sb_putc(out, '\n');
            open = true;
        }
        put_ins(p, NULL, pc, out);
    }
}

void program_disasm(const Program *p, StrBuf *out)
{
    put_header(p, out);
    put_consts(p, out);
    put_records(p, out);
    uint8_t *covered = xcalloc(p->ncode ? p->ncode : 1, 1);
    for (uint32_t i = 0; i < p->nrules; i++) {
        const RuleInfo *r = &p->rules[i];
        put_rule_heading(p, r, out);
        for (uint32_t pc = r->pc_start; pc < r->pc_end && pc < p->ncode; pc++) {
            covered[pc] = 1;
            put_ins(p, r, pc, out);
        }
    }
    put_uncovered(p, covered, out);
    free(covered);
}
