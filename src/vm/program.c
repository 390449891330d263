/* program.c — the compiled Program: the opcode tables, freeing, the operand checks every
 * loaded program passes (program_verify), and the .ddc file format.
 *
 * .ddc layout, little-endian, written and read field by field with explicit byte helpers (never
 * a struct image, so the file does not depend on the compiler's padding or the host):
 *   "DDC\x1A"  u32 format version  u64 total length  u64 FNV-1a 64 of every byte after it
 *   then every Program field in declaration order, nested structs likewise: integers at their
 *   width (int32 as u32 two's complement, bool as u8 0/1), strings as u32 length + bytes
 *   (0xFFFFFFFF for NULL; no NUL inside), arrays as a u32 count then the elements — except that
 *   code, pc_line and pc_col share ncode, and consts follows nregs, nconsts.
 * Reading never trusts a length: every read is bounds-checked, every count is capped by what
 * the remaining bytes could hold (so nothing allocates more than a small multiple of the file),
 * and the result must pass program_verify before anyone runs it. */
#include "program.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* ---- opcode tables -------------------------------------------------------------------- */

#define OP(name, shape, comment) \
    _Static_assert(sizeof(shape) == 4, "opcode " #name ": the shape is three letters");
#include "opcodes.def"
#undef OP

const char *const opcode_names[OP__COUNT] = {
#define OP(name, shape, comment) #name,
#include "opcodes.def"
#undef OP
};

const char *const opcode_shapes[OP__COUNT] = {
#define OP(name, shape, comment) shape,
#include "opcodes.def"
#undef OP
};

const char *const opcode_comments[OP__COUNT] = {
#define OP(name, shape, comment) comment,
#include "opcodes.def"
#undef OP
};

/* ---- freeing and lookup --------------------------------------------------------------- */

static void free_strings(char **s, uint32_t n)
{
    if (!s) return;
    for (uint32_t i = 0; i < n; i++) free(s[i]);
    free(s);
}

static void free_record(RecordInfo *r)
{
    free(r->name);
    free(r->label);
    for (uint32_t i = 0; r->fields && i < r->nfields; i++) {
        free(r->fields[i].name);
        free(r->fields[i].label);
    }
    free(r->fields);
    for (uint32_t i = 0; r->requires && i < r->nrequires; i++) {
        free(r->requires[i].message);
        free(r->requires[i].text);
    }
    free(r->requires);
}

static void free_rule(RuleInfo *r)
{
    free(r->name);
    free(r->label);
    free(r->cite);
    for (uint32_t i = 0; r->atoms && i < r->natoms; i++) free(r->atoms[i].text);
    free(r->atoms);
    for (uint32_t i = 0; r->reads && i < r->nreads; i++) free(r->reads[i].name);
    free(r->reads);
}

void program_free(Program *p)
{
    if (!p) return;
    free(p->source_path);
    free(p->policy);
    free(p->policy_source);
    free(p->code);
    free(p->pc_line);
    free(p->pc_col);
    free(p->consts);
    free_strings(p->strings, p->nstrings);
    for (uint32_t i = 0; p->enums && i < p->nenums; i++) {
        free(p->enums[i].name);
        free(p->enums[i].label);
        free_strings(p->enums[i].values, p->enums[i].count);
        free_strings(p->enums[i].labels, p->enums[i].count);
    }
    free(p->enums);
    for (uint32_t i = 0; p->records && i < p->nrecords; i++) free_record(&p->records[i]);
    free(p->records);
    for (uint32_t i = 0; p->params && i < p->nparams; i++) free(p->params[i].name);
    free(p->params);
    free(p->placement_name);
    free(p->placement_label);
    for (uint32_t i = 0; p->rules && i < p->nrules; i++) free_rule(&p->rules[i]);
    free(p->rules);
    free(p);
}

/* Rules are grouped by kind (program_verify checks the order), so one scan finds the run. */
uint32_t program_rules(const Program *p, RuleKind kind, uint32_t *count)
{
    uint32_t first = 0;
    while (first < p->nrules && p->rules[first].kind < kind) first++;
    uint32_t end = first;
    while (end < p->nrules && p->rules[end].kind == kind) end++;
    if (count) *count = end - first;
    return first;
}

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

static bool writes_a(uint8_t op)
{
    return op != OP_HALT && op != OP_JMP && op != OP_JMPF && op != OP_JMPT;   /* MOVJF/MOVJT write a */
}

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

static char *verify_operands(const Program *p, uint32_t pc, const Ins *in)
{
    const char *name = opcode_names[in->op], *shape = opcode_shapes[in->op];
    const uint16_t ops[3] = {in->a, in->b, in->c};
    for (int k = 0; k < 3; k++) {
        if (shape[k] == 'R') TRY(verify_reg(p, pc, name, ops[k]));
        if (shape[k] == 'J') TRY(verify_jump(p, pc, name, ops[k]));
        if (shape[k] == 'T') TRY(verify_table(p, pc, name, ops[k]));
    }
    if (program_is_branch_pair(in->op)) {
        Opcode want = program_branch_pair_jump(in->op);
        CHECK(pc + 1 < p->ncode && p->code[pc + 1].op == want && p->code[pc + 1].a == in->a,
              "instruction %u (%s): must be followed by the %s that tests R%u", pc, name, opcode_names[want], in->a);
    }
    if (in->op == OP_IN_RANGE || in->op == OP_RANGEJF)
        CHECK(in->c + 1u < p->nregs, "instruction %u (%s): bounds R%u..R%u run past the register file (%u registers)",
              pc, name, in->c, in->c + 1u, p->nregs);
    if (in->op == OP_ALL || in->op == OP_ANY || in->op == OP_COUNT || in->op == OP_NCOUNT)
        CHECK(in->b + in->c <= p->nregs, "instruction %u (%s): registers R%u..R%u run past the register file (%u registers)",
              pc, name, in->b, in->b + in->c - 1u, p->nregs);
    if (in->op == OP_CATS) {
        CHECK(in->c <= 63, "instruction %u (%s): %u bools, at most 63", pc, name, in->c);
        CHECK(in->b + in->c <= p->nregs, "instruction %u (%s): bools R%u..R%u run past the register file (%u registers)",
              pc, name, in->b, in->b + in->c - 1u, p->nregs);
    }
    if (writes_a(in->op))
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
 * Text values are pointers, so an opcode that reads text (EQ_T.., LEN_T, VALID_ID, ID_BIRTH,
 * ID_MALE) must only ever see a register that holds text on every path: a text constant, a
 * text field of the entry's record, or a register every write of which copies one of those.
 * Checked per entry over the code it reaches (forward-only, so one pass in pc order sees
 * each write before its reads), so a hand-made file cannot make the VM read an integer as a
 * pointer. */

enum { RK_UNSET = 0, RK_TEXT = 1, RK_OTHER = 2 };   /* bit set: what a register may hold */

static bool reads_text(uint8_t op, int k)
{
    switch (op) {
    case OP_EQ_T: case OP_NE_T: case OP_LT_T: case OP_LE_T: return k == 1 || k == 2;
    case OP_LEN_T: case OP_VALID_ID: case OP_ID_BIRTH: case OP_ID_MALE: return k == 1;
    default: return false;
    }
}

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
        if (in->op != OP_HALT && in->op != OP_JMP && pc + 1 < p->ncode) seen[pc + 1] = 1;
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
        uint16_t ops[3] = {in->a, in->b, in->c};
        for (int k = 1; k < 3; k++)
            CHECK(!reads_text(in->op, k) || kind[ops[k]] == RK_TEXT,
                  "instruction %u (%s): R%u does not hold text on every path", pc, opcode_names[in->op], ops[k]);
        if (!writes_a(in->op)) continue;
        kind[in->a] |= (in->op == OP_MOV || in->op == OP_MOVJF || in->op == OP_MOVJT) ? kind[in->b] : RK_OTHER;
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

/* ---- writing .ddc --------------------------------------------------------------------- */

enum { DDC_VERSION = 1, DDC_HEADER = 24, DDC_SUM_AT = 16 };
static const char ddc_magic[4] = {'D', 'D', 'C', 0x1A};
#define NULL_STR 0xFFFFFFFFu

static void put_uint(StrBuf *w, uint64_t v, int bytes)
{
    char b[8];
    for (int i = 0; i < bytes; i++) b[i] = (char)(unsigned char)(v >> (8 * i));
    sb_putn(w, b, (size_t)bytes);
}

static void put_u8(StrBuf *w, uint8_t v) { put_uint(w, v, 1); }
static void put_u16(StrBuf *w, uint16_t v) { put_uint(w, v, 2); }
static void put_u32(StrBuf *w, uint32_t v) { put_uint(w, v, 4); }
static void put_i32(StrBuf *w, int32_t v) { put_uint(w, (uint32_t)v, 4); }
static void put_i64(StrBuf *w, int64_t v) { put_uint(w, (uint64_t)v, 8); }

static void put_str(StrBuf *w, const char *s)
{
    if (!s) {
        put_u32(w, NULL_STR);
        return;
    }
    size_t n = strlen(s);
    put_u32(w, (uint32_t)n);
    sb_putn(w, s, n);
}

static void put_code(StrBuf *w, const Program *p)
{
    put_u32(w, p->ncode);
    for (uint32_t i = 0; i < p->ncode; i++) {
        const Ins *in = &p->code[i];
        put_u8(w, in->op);
        put_u8(w, in->pad);
        put_u16(w, in->a);
        put_u16(w, in->b);
        put_u16(w, in->c);
    }
    for (uint32_t i = 0; i < p->ncode; i++) put_u32(w, p->pc_line ? p->pc_line[i] : 0);
    for (uint32_t i = 0; i < p->ncode; i++) put_u32(w, p->pc_col ? p->pc_col[i] : 0);
}

static void put_consts(StrBuf *w, const Program *p)
{
    put_u32(w, p->nregs);
    put_u32(w, p->nconsts);
    for (uint32_t i = 0; i < p->nconsts; i++) {
        put_u8(w, p->consts[i].kind);
        put_i64(w, p->consts[i].value);
    }
    put_u32(w, p->nstrings);
    for (uint32_t i = 0; i < p->nstrings; i++) put_str(w, p->strings[i]);
}

static void put_enums(StrBuf *w, const Program *p)
{
    put_u32(w, p->nenums);
    for (uint32_t i = 0; i < p->nenums; i++) {
        const EnumInfo *e = &p->enums[i];
        put_str(w, e->name);
        put_str(w, e->label);
        put_u32(w, e->count);
        for (uint32_t v = 0; v < e->count; v++) put_str(w, e->values[v]);
        for (uint32_t v = 0; v < e->count; v++) put_str(w, e->labels[v]);
    }
}

static void put_field(StrBuf *w, const FieldInfo *f)
{
    put_str(w, f->name);
    put_str(w, f->label);
    put_u8(w, f->kind);
    put_i32(w, f->enum_index);
    put_u8(w, f->key);
    put_u8(w, f->has_default);
    put_i64(w, f->default_value);
    put_u8(w, f->range_kind);
    put_i64(w, f->range_lo);
    put_i64(w, f->range_hi);
}

static void put_record(StrBuf *w, const RecordInfo *r)
{
    put_str(w, r->name);
    put_str(w, r->label);
    put_u32(w, r->nfields);
    for (uint32_t i = 0; i < r->nfields; i++) put_field(w, &r->fields[i]);
    put_i32(w, r->key);
    put_u32(w, r->check_entry);
    put_u32(w, r->nrequires);
    for (uint32_t i = 0; i < r->nrequires; i++) {
        const RequireInfo *q = &r->requires[i];
        put_str(w, q->message);
        put_u32(w, q->reg);
        put_u32(w, q->line);
        put_u32(w, q->col);
        put_str(w, q->text);
    }
}

static void put_params(StrBuf *w, const Program *p)
{
    put_u32(w, p->field_base);
    put_u32(w, p->nparams);
    for (uint32_t i = 0; i < p->nparams; i++) {
        put_str(w, p->params[i].name);
        put_u8(w, p->params[i].kind);
        put_i32(w, p->params[i].enum_index);
        put_u32(w, p->params[i].reg);
    }
}

static void put_outcome(StrBuf *w, const Program *p)
{
    put_u32(w, p->person_entry);
    put_u32(w, p->targets_entry);
    put_u32(w, p->ncategories);
    put_i32(w, p->category_enum);
    put_i32(w, p->placement_enum);
    put_str(w, p->placement_name);
    put_str(w, p->placement_label);
    put_u32(w, p->reg_catmask);
    put_u32(w, p->reg_catcount);
    put_u32(w, p->reg_primary);
    put_u32(w, p->reg_placement);
    put_u32(w, p->reg_branch);
}

static void put_rule(StrBuf *w, const RuleInfo *r)
{
    put_u8(w, r->kind);
    put_str(w, r->name);
    put_str(w, r->label);
    put_str(w, r->cite);
    put_u32(w, r->line);
    put_u32(w, r->col);
    put_u32(w, r->reg);
    put_u8(w, r->value_kind);
    put_i32(w, r->enum_index);
    put_u32(w, r->pc_start);
    put_u32(w, r->pc_end);
    put_u32(w, r->natoms);
    for (uint32_t i = 0; i < r->natoms; i++) {
        const AtomInfo *a = &r->atoms[i];
        put_u32(w, a->pc);
        put_u32(w, a->reg);
        put_u32(w, a->line);
        put_u32(w, a->col);
        put_str(w, a->text);
    }
    put_u32(w, r->nreads);
    for (uint32_t i = 0; i < r->nreads; i++) {
        const ReadInfo *rd = &r->reads[i];
        put_str(w, rd->name);
        put_u32(w, rd->reg);
        put_u8(w, rd->kind);
        put_i32(w, rd->enum_index);
    }
    put_u8(w, r->desc);
}

static uint64_t fnv1a(const unsigned char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3u;
    }
    return h;
}

/* Write v as 8 little-endian bytes at out. */
static void poke_u64(unsigned char *out, uint64_t v)
{
    for (int i = 0; i < 8; i++) out[i] = (unsigned char)(v >> (8 * i));
}

char *program_serialize(const Program *p, size_t *len)
{
    StrBuf w = {0};
    sb_putn(&w, ddc_magic, 4);
    put_u32(&w, DDC_VERSION);
    put_i64(&w, 0);                         /* length and checksum, filled in below */
    put_i64(&w, 0);
    put_str(&w, p->source_path);
    put_str(&w, p->policy);
    put_str(&w, p->policy_source);
    put_code(&w, p);
    put_consts(&w, p);
    put_enums(&w, p);
    put_u32(&w, p->nrecords);
    for (uint32_t i = 0; i < p->nrecords; i++) put_record(&w, &p->records[i]);
    put_params(&w, p);
    put_outcome(&w, p);
    put_u32(&w, p->nrules);
    for (uint32_t i = 0; i < p->nrules; i++) put_rule(&w, &p->rules[i]);
    unsigned char *b = (unsigned char *)w.items;
    *len = w.count;
    poke_u64(b + 8, w.count);
    poke_u64(b + DDC_SUM_AT, fnv1a(b + DDC_HEADER, w.count - DDC_HEADER));
    return sb_take(&w);
}

bool program_save(const Program *p, const char *path, char **error)
{
    size_t len;
    char *data = program_serialize(p, &len);
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(data, 1, len, f) == len;
    int err = errno;
    if (f && fclose(f) != 0 && ok) {
        ok = false;
        err = errno;
    }
    free(data);
    if (!ok && error) *error = msg("cannot write %s: %s", path, strerror(err));
    return ok;
}

/* ---- reading .ddc --------------------------------------------------------------------- */

typedef struct Reader {
    const unsigned char *data;
    size_t len, pos;
    const char *section;       /* what is being read, for the message */
    const char *problem;       /* the first problem found, NULL while all is well */
} Reader;

static bool fail_read(Reader *r, const char *problem)
{
    if (!r->problem) r->problem = problem;
    return false;
}

/* Name the section being read (kept once a problem is found, for the message). */
static void enter(Reader *r, const char *section)
{
    if (!r->problem) r->section = section;
}

static bool need(Reader *r, size_t n)
{
    if (r->problem) return false;
    if (r->len - r->pos < n) return fail_read(r, "the data ends early");
    return true;
}

static uint64_t get_uint(Reader *r, int bytes)
{
    if (!need(r, (size_t)bytes)) return 0;
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v |= (uint64_t)r->data[r->pos + i] << (8 * i);
    r->pos += (size_t)bytes;
    return v;
}

static uint8_t get_u8(Reader *r) { return (uint8_t)get_uint(r, 1); }
static uint16_t get_u16(Reader *r) { return (uint16_t)get_uint(r, 2); }
static uint32_t get_u32(Reader *r) { return (uint32_t)get_uint(r, 4); }

static int32_t get_i32(Reader *r)
{
    uint32_t u = get_u32(r);
    return u <= INT32_MAX ? (int32_t)u : (int32_t)(u - INT32_MAX - 1) + INT32_MIN;
}

static int64_t get_i64(Reader *r)
{
    uint64_t u = get_uint(r, 8);
    return u <= INT64_MAX ? (int64_t)u : (int64_t)(u - INT64_MAX - 1) + INT64_MIN;
}

static bool get_bool(Reader *r)
{
    uint8_t v = get_u8(r);
    if (v > 1) fail_read(r, "a flag is neither 0 nor 1");
    return v == 1;
}

static char *get_str(Reader *r)
{
    uint32_t n = get_u32(r);
    if (n == NULL_STR || !need(r, n)) return NULL;
    const char *s = (const char *)r->data + r->pos;
    if (memchr(s, '\0', n)) {
        fail_read(r, "a string holds a NUL byte");
        return NULL;
    }
    r->pos += n;
    return xstrndup(s, n);
}

/* A count of elements taking at least `min` bytes each: never more than the rest could hold. */
static uint32_t get_count(Reader *r, size_t min)
{
    uint32_t n = get_u32(r);
    if (r->problem) return 0;
    if (n > (r->len - r->pos) / min) {
        fail_read(r, "a count exceeds what the rest of the file can hold");
        return 0;
    }
    return n;
}

/* Minimum encoded sizes of the array elements, for get_count. */
enum {
    MIN_INS = 16, MIN_CONST = 9, MIN_STR = 4, MIN_ENUM = 12, MIN_ENUM_VALUE = 8, MIN_RECORD = 24,
    MIN_FIELD = 40, MIN_REQUIRE = 20, MIN_PARAM = 13, MIN_RULE = 47, MIN_ATOM = 20, MIN_READ = 13,
};

static void get_code(Reader *r, Program *p)
{
    enter(r, "code");
    uint32_t n = get_count(r, MIN_INS);
    p->code = xcalloc(n, sizeof *p->code);
    p->pc_line = xcalloc(n, sizeof *p->pc_line);
    p->pc_col = xcalloc(n, sizeof *p->pc_col);
    p->ncode = n;
    for (uint32_t i = 0; i < n; i++) {
        Ins *in = &p->code[i];
        in->op = get_u8(r);
        in->pad = get_u8(r);
        in->a = get_u16(r);
        in->b = get_u16(r);
        in->c = get_u16(r);
    }
    for (uint32_t i = 0; i < n; i++) p->pc_line[i] = get_u32(r);
    for (uint32_t i = 0; i < n; i++) p->pc_col[i] = get_u32(r);
}

static void get_consts(Reader *r, Program *p)
{
    enter(r, "constants");
    p->nregs = get_u32(r);
    uint32_t n = get_count(r, MIN_CONST);
    p->consts = xcalloc(n, sizeof *p->consts);
    p->nconsts = n;
    for (uint32_t i = 0; i < n; i++) {
        p->consts[i].kind = get_u8(r);
        p->consts[i].value = get_i64(r);
    }
    enter(r, "strings");
    n = get_count(r, MIN_STR);
    p->strings = xcalloc(n, sizeof *p->strings);
    p->nstrings = n;
    for (uint32_t i = 0; i < n; i++) p->strings[i] = get_str(r);
}

static void get_enums(Reader *r, Program *p)
{
    enter(r, "enums");
    uint32_t n = get_count(r, MIN_ENUM);
    p->enums = xcalloc(n, sizeof *p->enums);
    p->nenums = n;
    for (uint32_t i = 0; i < n; i++) {
        EnumInfo *e = &p->enums[i];
        e->name = get_str(r);
        e->label = get_str(r);
        uint32_t count = get_count(r, MIN_ENUM_VALUE);
        e->values = xcalloc(count, sizeof *e->values);
        e->labels = xcalloc(count, sizeof *e->labels);
        e->count = count;
        for (uint32_t v = 0; v < count; v++) e->values[v] = get_str(r);
        for (uint32_t v = 0; v < count; v++) e->labels[v] = get_str(r);
    }
}

static void get_field(Reader *r, FieldInfo *f)
{
    f->name = get_str(r);
    f->label = get_str(r);
    f->kind = get_u8(r);
    f->enum_index = get_i32(r);
    f->key = get_bool(r);
    f->has_default = get_bool(r);
    f->default_value = get_i64(r);
    f->range_kind = get_u8(r);
    f->range_lo = get_i64(r);
    f->range_hi = get_i64(r);
}

static void get_record(Reader *r, RecordInfo *rec)
{
    rec->name = get_str(r);
    rec->label = get_str(r);
    uint32_t n = get_count(r, MIN_FIELD);
    rec->fields = xcalloc(n, sizeof *rec->fields);
    rec->nfields = n;
    for (uint32_t i = 0; i < n; i++) get_field(r, &rec->fields[i]);
    rec->key = get_i32(r);
    rec->check_entry = get_u32(r);
    n = get_count(r, MIN_REQUIRE);
    rec->requires = xcalloc(n, sizeof *rec->requires);
    rec->nrequires = n;
    for (uint32_t i = 0; i < n; i++) {
        RequireInfo *q = &rec->requires[i];
        q->message = get_str(r);
        q->reg = get_u32(r);
        q->line = get_u32(r);
        q->col = get_u32(r);
        q->text = get_str(r);
    }
}

static void get_records(Reader *r, Program *p)
{
    enter(r, "records");
    uint32_t n = get_count(r, MIN_RECORD);
    p->records = xcalloc(n, sizeof *p->records);
    p->nrecords = n;
    for (uint32_t i = 0; i < n; i++) get_record(r, &p->records[i]);
}

static void get_params(Reader *r, Program *p)
{
    enter(r, "params");
    p->field_base = get_u32(r);
    uint32_t n = get_count(r, MIN_PARAM);
    p->params = xcalloc(n, sizeof *p->params);
    p->nparams = n;
    for (uint32_t i = 0; i < n; i++) {
        p->params[i].name = get_str(r);
        p->params[i].kind = get_u8(r);
        p->params[i].enum_index = get_i32(r);
        p->params[i].reg = get_u32(r);
    }
}

static void get_outcome(Reader *r, Program *p)
{
    enter(r, "outcome");
    p->person_entry = get_u32(r);
    p->targets_entry = get_u32(r);
    p->ncategories = get_u32(r);
    p->category_enum = get_i32(r);
    p->placement_enum = get_i32(r);
    p->placement_name = get_str(r);
    p->placement_label = get_str(r);
    p->reg_catmask = get_u32(r);
    p->reg_catcount = get_u32(r);
    p->reg_primary = get_u32(r);
    p->reg_placement = get_u32(r);
    p->reg_branch = get_u32(r);
}

static void get_rule(Reader *r, RuleInfo *ru)
{
    ru->kind = get_u8(r);
    ru->name = get_str(r);
    ru->label = get_str(r);
    ru->cite = get_str(r);
    ru->line = get_u32(r);
    ru->col = get_u32(r);
    ru->reg = get_u32(r);
    ru->value_kind = get_u8(r);
    ru->enum_index = get_i32(r);
    ru->pc_start = get_u32(r);
    ru->pc_end = get_u32(r);
    uint32_t n = get_count(r, MIN_ATOM);
    ru->atoms = xcalloc(n, sizeof *ru->atoms);
    ru->natoms = n;
    for (uint32_t i = 0; i < n; i++) {
        AtomInfo *a = &ru->atoms[i];
        a->pc = get_u32(r);
        a->reg = get_u32(r);
        a->line = get_u32(r);
        a->col = get_u32(r);
        a->text = get_str(r);
    }
    n = get_count(r, MIN_READ);
    ru->reads = xcalloc(n, sizeof *ru->reads);
    ru->nreads = n;
    for (uint32_t i = 0; i < n; i++) {
        ReadInfo *rd = &ru->reads[i];
        rd->name = get_str(r);
        rd->reg = get_u32(r);
        rd->kind = get_u8(r);
        rd->enum_index = get_i32(r);
    }
    ru->desc = get_bool(r);
}

static void get_rules(Reader *r, Program *p)
{
    enter(r, "rules");
    uint32_t n = get_count(r, MIN_RULE);
    p->rules = xcalloc(n, sizeof *p->rules);
    p->nrules = n;
    for (uint32_t i = 0; i < n; i++) get_rule(r, &p->rules[i]);
}

/* The header: magic, version, length, checksum. NULL when they hold, else the message. */
static char *check_header(const unsigned char *d, size_t len)
{
    size_t m = len < 4 ? len : 4;
    if (m && memcmp(d, ddc_magic, m) != 0) return msg("not a doudi program");
    if (len < DDC_HEADER) return msg("truncated: %zu bytes, shorter than the %d-byte header", len, DDC_HEADER);
    Reader r = {.data = d, .len = len, .pos = 4};
    uint32_t version = get_u32(&r);
    if (version != DDC_VERSION) return msg("version %u, this doudi reads %d", version, DDC_VERSION);
    uint64_t total = get_uint(&r, 8), sum = get_uint(&r, 8);
    if (total > len) return msg("truncated: %zu bytes of %llu", len, (unsigned long long)total);
    if (total < len) return msg("corrupt: %zu bytes where the header says %llu", len, (unsigned long long)total);
    if (sum != fnv1a(d + DDC_HEADER, len - DDC_HEADER)) return msg("checksum mismatch: the file is corrupt");
    return NULL;
}

static void get_program(Reader *r, Program *p)
{
    enter(r, "header");
    p->source_path = get_str(r);
    p->policy = get_str(r);
    p->policy_source = get_str(r);
    get_code(r, p);
    get_consts(r, p);
    get_enums(r, p);
    get_records(r, p);
    get_params(r, p);
    get_outcome(r, p);
    get_rules(r, p);
}

Program *program_deserialize(const unsigned char *data, size_t len, char **error)
{
    char *e = check_header(data, len);
    Program *p = NULL;
    if (!e) {
        Reader r = {.data = data, .len = len, .pos = DDC_HEADER};
        p = xcalloc(1, sizeof *p);
        get_program(&r, p);
        if (r.problem) e = msg("malformed %s section: %s", r.section, r.problem);
        else if (r.pos != len) e = msg("malformed: %zu bytes left over after the last section", len - r.pos);
        else e = program_verify(p);
    }
    if (!e) return p;
    program_free(p);
    if (error) *error = e;
    else free(e);
    return NULL;
}

Program *program_load(const char *path, char **error)
{
    size_t len;
    char *data = read_file(path, &len);
    if (!data) {
        if (error) *error = msg("cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    char *e = NULL;
    Program *p = program_deserialize((const unsigned char *)data, len, &e);
    free(data);
    if (!p && error) *error = msg("%s: %s", path, e);
    free(e);
    return p;
}
