/* verify.c — program_verify: what a Program must satisfy before the VM may run it (see
 * program.h). A .ddc file is untrusted input; the VM trusts its Program, so everything the VM
 * relies on is checked here once. */
#include "program.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* ---- verification --------------------------------------------------------------------- */

static char *msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s_ = xvasprintf(fmt, ap);
    va_end(ap);
    return s_;
}

#define CHECK(cond, ...) do { if (!(cond)) return msg(__VA_ARGS__); } while (0)
#define TRY(call) do { char *e_ = (call); if (e_) return e_; } while (0)

static bool kind_ok(uint8_t k) { return k >= VK_INT && k <= VK_ENUM; }
static bool enum_ok(const Program *p, int32_t e) { return e >= -1 && (int64_t)e < (int64_t)p->nenums; }
/* A register named by a table (not an operand): in the file, or 0 in a program without any. */
static bool reg_ok(const Program *p, uint32_t r) { return r < p->nregs || (r == 0 && p->nregs == 0); }

static char *verify_reg(const Program *p, uint32_t pc, const char *name, uint32_t r)
{
    CHECK(r < p->nregs, "instruction %u (%s): register R%u is outside the register file (%u registers)",
          pc, name, r, p->nregs);
    return NULL;
}

static char *verify_jump(const Program *p, uint32_t pc, const char *name, uint32_t t)
{
    CHECK(t < p->ncode, "instruction %u (%s): jump target %u is outside the code (%u instructions)",
          pc, name, t, p->ncode);
    CHECK(t > pc, "instruction %u (%s): jump target %u is not forward", pc, name, t);
    return NULL;
}

/* A table operand: R[c] is the size, the entries follow it. Only a constant size is known. */
static char *verify_table(const Program *p, uint32_t pc, const char *name, uint32_t c)
{
    TRY(verify_reg(p, pc, name, c));
    if (c >= p->nconsts) return NULL;
    int64_t n = p->consts[c].value;
    CHECK(n >= 0 && n <= (int64_t)p->nregs - c - 1,
          "instruction %u (%s): table K%u of %lld entries runs past the register file (%u registers)",
          pc, name, c, (long long)n, p->nregs);
    return NULL;
}

/* What the flags add to the shape: the k bit, the paired jump, spans and bounds. */
static char *verify_flags(const Program *p, uint32_t pc, const Ins *in)
{
    const char *name = opcode_names[in->op];
    unsigned f = opcode_flags[in->op];
    if (f & OPF_K) CHECK(in->k <= 1, "instruction %u (%s): k is %u, not 0 or 1", pc, name, in->k);
    else CHECK(in->k == 0, "instruction %u (%s): k is %u, but %s has no k bit (it must be 0)", pc, name, in->k, name);
    if (f & OPF_PAIRED) {
        Opcode want = program_paired_jump(in->k);
        CHECK(pc + 1 < p->ncode && p->code[pc + 1].op == want && p->code[pc + 1].a == in->a,
              "instruction %u (%s): must be followed by the %s that tests R%u", pc, name, opcode_names[want], in->a);
    }
    if (f & OPF_BOUNDS)
        CHECK(in->c + 1u < p->nregs, "instruction %u (%s): bounds R%u..R%u run past the register file (%u registers)",
              pc, name, in->c, in->c + 1u, p->nregs);
    if (f & OPF_MASK) CHECK(in->c <= 63, "instruction %u (%s): %u bools, at most 63", pc, name, in->c);
    if (f & OPF_SPAN)
        CHECK(in->b + in->c <= p->nregs, "instruction %u (%s): registers R%u..R%u run past the register file (%u registers)",
              pc, name, in->b, in->b + in->c - 1u, p->nregs);
    return NULL;
}

static char *verify_operands(const Program *p, uint32_t pc, const Ins *in)
{
    const char *name = opcode_names[in->op], *shape = opcode_shapes[in->op];
    const uint16_t ops[3] = {in->a, in->b, in->c};
    for (int k = 0; k < 3; k++) {
        if (shape[k] == 'R') TRY(verify_reg(p, pc, name, ops[k]));
        if (shape[k] == 'J') TRY(verify_jump(p, pc, name, ops[k]));
        if (shape[k] == 'T') TRY(verify_table(p, pc, name, ops[k]));
    }
    TRY(verify_flags(p, pc, in));
    if (opcode_flags[in->op] & OPF_W)
        CHECK(in->a >= p->nconsts, "instruction %u (%s): writes constant register K%u", pc, name, in->a);
    return NULL;
}

static char *verify_code(const Program *p)
{
    CHECK(p->ncode > 0 && p->code, "the program has no code (it must end in HALT)");
    CHECK(p->pc_line && p->pc_col, "the program has no line table");
    for (uint32_t pc = 0; pc < p->ncode; pc++) {
        const Ins *in = &p->code[pc];
        CHECK(in->op < OP__COUNT, "instruction %u: unknown opcode %u", pc, in->op);
        TRY(verify_operands(p, pc, in));
    }
    const Ins *last = &p->code[p->ncode - 1];
    CHECK(last->op == OP_HALT, "the last instruction (%u) is %s, not HALT", p->ncode - 1,
          opcode_names[last->op]);
    return NULL;
}

static char *verify_consts(const Program *p)
{
    CHECK(p->nregs <= 65536, "%u registers; the 16-bit operands reach 65536", p->nregs);
    CHECK(p->nconsts <= p->nregs, "%u constants but only %u registers", p->nconsts, p->nregs);
    CHECK(p->nconsts == 0 || p->consts, "the constant table is missing");
    CHECK(p->nstrings == 0 || p->strings, "the string table is missing");
    for (uint32_t i = 0; i < p->nconsts; i++) {
        const Const *k = &p->consts[i];
        CHECK(kind_ok(k->kind), "constant K%u has an unknown kind %u", i, k->kind);
        if (k->kind != VK_TEXT) continue;
        CHECK(k->value >= 0 && k->value < (int64_t)p->nstrings,
              "constant K%u: text index %lld is outside the string table (%u strings)", i,
              (long long)k->value, p->nstrings);
        CHECK(p->strings[k->value], "constant K%u: text index %lld names no string", i,
              (long long)k->value);
    }
    return NULL;
}

static char *verify_enums(const Program *p)
{
    CHECK(p->nenums == 0 || p->enums, "the enum table is missing");
    for (uint32_t i = 0; i < p->nenums; i++) {
        const EnumInfo *e = &p->enums[i];
        CHECK(e->name, "enum %u has no name", i);
        CHECK(e->count == 0 || (e->values && e->labels), "enum %s: its values are missing", e->name);
        for (uint32_t v = 0; v < e->count; v++) CHECK(e->values[v], "enum %s: value %u has no name", e->name, v);
    }
    CHECK(enum_ok(p, p->category_enum), "the category enum %d is not an enum (%u enums)", p->category_enum, p->nenums);
    CHECK(enum_ok(p, p->placement_enum), "the placement enum %d is not an enum (%u enums)", p->placement_enum, p->nenums);
    return NULL;
}

static char *verify_field(const Program *p, const RecordInfo *r, uint32_t i)
{
    const FieldInfo *f = &r->fields[i];
    CHECK(f->name, "record %s: field %u has no name", r->name, i);
    CHECK(kind_ok(f->kind), "record %s: field %s has an unknown kind %u", r->name, f->name, f->kind);
    CHECK(enum_ok(p, f->enum_index) && (f->kind != VK_ENUM || f->enum_index >= 0),
          "record %s: field %s names enum %d (%u enums)", r->name, f->name, f->enum_index, p->nenums);
    CHECK(f->range_kind <= 2, "record %s: field %s has an unknown range kind %u", r->name, f->name, f->range_kind);
    if (f->kind == VK_TEXT && f->has_default)
        CHECK(f->default_value >= 0 && f->default_value < (int64_t)p->nstrings && p->strings[f->default_value],
              "record %s: field %s: default text index %lld is outside the string table (%u strings)",
              r->name, f->name, (long long)f->default_value, p->nstrings);
    return NULL;
}

static char *verify_record(const Program *p, const RecordInfo *r, uint32_t i)
{
    CHECK(r->name, "record %u has no name", i);
    CHECK(r->nfields == 0 || r->fields, "record %s: its fields are missing", r->name);
    CHECK(r->nrequires == 0 || r->requires, "record %s: its requires are missing", r->name);
    CHECK((uint64_t)p->field_base + r->nfields <= p->nregs,
          "record %s: %u fields from R%u run past the register file (%u registers)", r->name,
          r->nfields, p->field_base, p->nregs);
    for (uint32_t f = 0; f < r->nfields; f++) TRY(verify_field(p, r, f));
    CHECK(r->key >= -1 && (int64_t)r->key < (int64_t)r->nfields, "record %s: key field %d is not a field",
          r->name, r->key);
    CHECK(r->check_entry < p->ncode, "record %s: check entry %u is outside the code (%u instructions)",
          r->name, r->check_entry, p->ncode);
    for (uint32_t q = 0; q < r->nrequires; q++)
        CHECK(reg_ok(p, r->requires[q].reg), "record %s: require %u reads R%u, outside the register file (%u registers)",
              r->name, q, r->requires[q].reg, p->nregs);
    return NULL;
}

static char *verify_schema(const Program *p)
{
    CHECK(p->nrecords == 0 || p->records, "the record table is missing");
    for (uint32_t i = 0; i < p->nrecords; i++) TRY(verify_record(p, &p->records[i], i));
    CHECK(p->nparams == 0 || p->params, "the param table is missing");
    for (uint32_t i = 0; i < p->nparams; i++) {
        const ParamInfo *q = &p->params[i];
        CHECK(q->name, "param %u has no name", i);
        CHECK(kind_ok(q->kind), "param %s has an unknown kind %u", q->name, q->kind);
        CHECK(enum_ok(p, q->enum_index), "param %s names enum %d (%u enums)", q->name, q->enum_index, p->nenums);
        CHECK(q->reg < p->nconsts, "param %s: R%u is not a constant register (%u constants)", q->name,
              q->reg, p->nconsts);
    }
    CHECK(p->person_entry < p->ncode, "the person entry %u is outside the code (%u instructions)",
          p->person_entry, p->ncode);
    CHECK(p->targets_entry < p->ncode, "the targets entry %u is outside the code (%u instructions)",
          p->targets_entry, p->ncode);
    const uint32_t regs[5] = {p->reg_catmask, p->reg_catcount, p->reg_primary, p->reg_placement, p->reg_branch};
    for (int i = 0; i < 5; i++)
        CHECK(reg_ok(p, regs[i]), "an outcome register R%u is outside the register file (%u registers)",
              regs[i], p->nregs);
    return NULL;
}

static char *verify_rule(const Program *p, const RuleInfo *r, uint32_t i)
{
    const char *name = r->name ? r->name : "";
    CHECK(r->kind <= RULE_CELL, "rule %u (%s) has an unknown kind %u", i, name, r->kind);
    CHECK(i == 0 || p->rules[i - 1].kind <= r->kind,
          "rule %u (%s) is out of order: lets, categories, branches, keys, filter", i, name);
    CHECK(reg_ok(p, r->reg), "rule %u (%s): R%u is outside the register file (%u registers)", i, name, r->reg, p->nregs);
    CHECK(r->value_kind == 0 || kind_ok(r->value_kind), "rule %u (%s) has an unknown value kind %u", i, name, r->value_kind);
    if (r->kind == RULE_BRANCH)   /* enum_index is the placement value */
        CHECK(p->placement_enum >= 0 && r->enum_index >= 0 &&
              (uint32_t)r->enum_index < p->enums[p->placement_enum].count,
              "rule %u (%s): %d is not a value of the placement enum", i, name, r->enum_index);
    else
        CHECK(enum_ok(p, r->enum_index), "rule %u (%s) names enum %d (%u enums)", i, name, r->enum_index, p->nenums);
    CHECK(r->pc_start <= r->pc_end && r->pc_end <= p->ncode,
          "rule %u (%s): code %u..%u is outside the code (%u instructions)", i, name, r->pc_start, r->pc_end, p->ncode);
    CHECK(r->natoms == 0 || r->atoms, "rule %u (%s): its atoms are missing", i, name);
    CHECK(r->nreads == 0 || r->reads, "rule %u (%s): its reads are missing", i, name);
    for (uint32_t a = 0; a < r->natoms; a++) {
        CHECK(r->atoms[a].pc < p->ncode, "rule %u (%s): atom %u at pc %u is outside the code (%u instructions)",
              i, name, a, r->atoms[a].pc, p->ncode);
        CHECK(reg_ok(p, r->atoms[a].reg), "rule %u (%s): atom %u reads R%u, outside the register file (%u registers)",
              i, name, a, r->atoms[a].reg, p->nregs);
    }
    for (uint32_t k = 0; k < r->nreads; k++) {
        const ReadInfo *rd = &r->reads[k];
        CHECK(reg_ok(p, rd->reg) && (rd->kind == 0 || kind_ok(rd->kind)) && enum_ok(p, rd->enum_index),
              "rule %u (%s): read %u (%s) has a bad register, kind or enum", i, name, k, rd->name ? rd->name : "");
    }
    return NULL;
}

static char *verify_rules(const Program *p)
{
    CHECK(p->nrules == 0 || p->rules, "the rule table is missing");
    for (uint32_t i = 0; i < p->nrules; i++) TRY(verify_rule(p, &p->rules[i], i));
    uint32_t ncat;
    program_rules(p, RULE_CATEGORY, &ncat);
    CHECK(ncat == p->ncategories, "the program declares %u categories but has %u category rules",
          p->ncategories, ncat);
    return NULL;
}

/* ---- text registers ----------------------------------------------------------------------
 * Text values are pointers, so an opcode that reads text (flagged TB or TC in opcodes.def)
 * must only ever see a register that holds text on every path: a text constant, a
 * text field of the entry's record, or a register every write of which copies one of those.
 * Checked per entry over the code it reaches (forward-only, so one pass in pc order sees
 * each write before its reads), so a hand-made file cannot make the VM read an integer as a
 * pointer. */

enum { RK_UNSET = 0, RK_TEXT = 1, RK_OTHER = 2 };   /* bit set: what a register may hold */

/* Mark what an entry reaches; jumps go forward only, so one ascending pass suffices. */
static void reach(const Program *p, uint32_t entry, uint8_t *seen)
{
    if (entry >= p->ncode) return;
    seen[entry] = 1;
    for (uint32_t pc = entry; pc < p->ncode; pc++) {
        if (!seen[pc]) continue;
        const Ins *in = &p->code[pc];
        const char *shape = opcode_shapes[in->op];
        uint16_t ops[3] = {in->a, in->b, in->c};
        for (int k = 0; k < 3; k++)
            if (shape[k] == 'J' && ops[k] < p->ncode) seen[ops[k]] = 1;
        if (!(opcode_flags[in->op] & OPF_END) && pc + 1 < p->ncode) seen[pc + 1] = 1;
    }
}

static char *verify_entry_text(const Program *p, uint32_t entry, const RecordInfo *ri, uint8_t *kind,
                               uint8_t *seen, bool fresh)
{
    memset(seen, 0, p->ncode);
    if (fresh) memset(kind, RK_UNSET, p->nregs);
    for (uint32_t i = 0; i < p->nconsts; i++) kind[i] = p->consts[i].kind == VK_TEXT ? RK_TEXT : RK_OTHER;
    for (uint32_t i = 0; ri && i < ri->nfields && p->field_base + i < p->nregs; i++)
        kind[p->field_base + i] = ri->fields[i].kind == VK_TEXT ? RK_TEXT : RK_OTHER;
    reach(p, entry, seen);
    for (uint32_t pc = 0; pc < p->ncode; pc++) {
        if (!seen[pc]) continue;
        const Ins *in = &p->code[pc];
        unsigned flags = opcode_flags[in->op];
        uint16_t ops[3] = {in->a, in->b, in->c};
        for (int k = 1; k < 3; k++)
            CHECK(!(flags & (k == 1 ? OPF_TB : OPF_TC)) || kind[ops[k]] == RK_TEXT,
                  "instruction %u (%s): R%u does not hold text on every path", pc, opcode_names[in->op], ops[k]);
        if (!(flags & OPF_W)) continue;
        kind[in->a] |= (flags & OPF_COPY) ? kind[in->b] : RK_OTHER;
    }
    return NULL;
}

/* The debug tables say which registers hold text for the host (explanations, schedule keys):
 * they must agree with the person entry's code. */
static char *verify_text_tables(const Program *p, const uint8_t *kind)
{
    for (uint32_t i = 0; i < p->nrules; i++) {
        const RuleInfo *r = &p->rules[i];
        if ((r->kind == RULE_LET || r->kind == RULE_KEY) && r->value_kind == VK_TEXT)
            CHECK(kind[r->reg] == RK_TEXT, "rule %u (%s): R%u does not hold text", i, r->name ? r->name : "", r->reg);
        for (uint32_t k = 0; k < r->nreads; k++)
            if (r->reads[k].kind == VK_TEXT)
                CHECK(kind[r->reads[k].reg] == RK_TEXT, "rule %u (%s): a read of R%u as text, which does not hold text",
                      i, r->name ? r->name : "", r->reads[k].reg);
    }
    for (uint32_t i = 0; i < p->nparams; i++)
        if (p->params[i].kind == VK_TEXT)
            CHECK(p->params[i].reg < p->nconsts && p->consts[p->params[i].reg].kind == VK_TEXT,
                  "param %s: its register does not hold text", p->params[i].name);
    return NULL;
}

static char *verify_text(const Program *p)
{
    /* without a record schema no host can hand the VM text fields (the API needs one) */
    if (p->ncode == 0 || p->nregs == 0 || p->nrecords == 0) return NULL;
    uint8_t *kind = xcalloc(p->nregs + 1, 1), *seen = xcalloc(p->ncode + 1, 1);
    char *e = verify_entry_text(p, p->person_entry, p->nrecords ? &p->records[0] : NULL, kind, seen, true);
    /* the targets entry runs on the registers the person entry left */
    if (!e) e = verify_entry_text(p, p->targets_entry, p->nrecords ? &p->records[0] : NULL, kind, seen, false);
    if (!e) e = verify_text_tables(p, kind);
    for (uint32_t i = 0; !e && i < p->nrecords; i++)
        e = verify_entry_text(p, p->records[i].check_entry, &p->records[i], kind, seen, true);
    free(kind);
    free(seen);
    return e;
}

char *program_verify(const Program *p)
{
    TRY(verify_consts(p));
    TRY(verify_code(p));
    TRY(verify_enums(p));
    TRY(verify_schema(p));
    TRY(verify_rules(p));
    TRY(verify_text(p));
    return NULL;
}

