/* verify.c — program_verify: what a Program must satisfy before the VM may run it and a host
 * may read its registers (see program.h). A .ddc file is untrusted input; the VM and the hosts
 * trust their Program, so everything they rely on is checked here once.
 *
 * Two parts. The structure: every table's counts, indices and strings, every operand in range
 * as opcodes.def shapes and flags it, the rule table in order with value kinds that fit each
 * rule kind. Then the registers' kinds, per path (flow_*): registers hold int64, and a text
 * value is a pointer, so every register read as text — by an opcode flagged TB/TC, or by a host
 * reading a let, key, read or param — must hold text on every path that reaches the read, and
 * every register a host reads as an int, bool, enum index or date must hold such a value on
 * every path. A dataflow over the forward-only code from each entry computes, for each
 * register, the set of what it may hold: unset (whatever an earlier run left, possibly a
 * pointer to a freed record's text), text, or a scalar. */
#include "program.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

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

static const char *kind_word(uint8_t k)
{
    static const char *const names[] = {"none", "int", "number", "percent", "bool", "text", "date", "enum"};
    return k <= VK_ENUM ? names[k] : "unknown";
}

/* ---- the structure ---------------------------------------------------------------------- */

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
    return verify_flags(p, pc, in);
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
        for (uint32_t v = 0; e->codes && v < e->count; v++)
            CHECK(e->codes[v] != NULL, "enum %s: value %u has no code", e->name, v);
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
    /* a range bounds numbers; on text it would make hosts that size or fill values by the
     * range (the compact record, generators) take a pointer for a small number */
    CHECK(f->range_kind == 0 || f->kind != VK_TEXT, "record %s: field %s is text but has a range", r->name, f->name);
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
    CHECK(r->nfields == 0 || p->field_base >= p->nconsts,
          "record %s: its fields from R%u overlap the constants (%u)", r->name, p->field_base, p->nconsts);
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

/* The first register past the field window: fields of every record start at field_base. */
static uint32_t field_end(const Program *p)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < p->nrecords; i++)
        if (p->records[i].nfields > n) n = p->records[i].nfields;
    return p->field_base + n;
}

/* Constants and the record's fields are the host's to set: no instruction writes them. */
static char *verify_writes(const Program *p)
{
    uint32_t fend = field_end(p);
    for (uint32_t pc = 0; pc < p->ncode; pc++) {
        const Ins *in = &p->code[pc];
        unsigned n = opcode_writes(opcode_flags[in->op]);
        if (!n) continue;
        const char *name = opcode_names[in->op];
        uint32_t last = in->a + n - 1u;
        CHECK(last < p->nregs, "instruction %u (%s): writes R%u..R%u, past the register file (%u registers)", pc,
              name, in->a, last, p->nregs);
        CHECK(in->a >= p->nconsts, "instruction %u (%s): writes constant register K%u", pc, name, in->a);
        CHECK(last < p->field_base || in->a >= fend, "instruction %u (%s): writes R%u, a field of the record", pc,
              name, in->a > p->field_base ? in->a : p->field_base);
    }
    return NULL;
}

/* The value kind each rule kind allows: a let or key any kind; categories, the filter and table
 * cells are conditions (bool); a branch's condition is not read by hosts (0 or bool). */
static char *verify_rule_kind(const RuleInfo *r, uint32_t i, const char *name)
{
    static const char *const what[] = {"let", "category", "branch", "key", "filter", "cell"};
    uint8_t v = r->value_kind;
    switch (r->kind) {
    case RULE_LET: case RULE_KEY:
        CHECK(kind_ok(v), "rule %u (%s): a %s's value kind %u is not a kind", i, name, what[r->kind], v);
        break;
    case RULE_BRANCH:
        CHECK(v == 0 || v == VK_BOOL, "rule %u (%s): a branch's value kind must be bool, not %s", i, name, kind_word(v));
        break;
    default:
        CHECK(v == VK_BOOL, "rule %u (%s): a %s's value kind must be bool, not %s", i, name, what[r->kind], kind_word(v));
        break;
    }
    return NULL;
}

static char *verify_rule(const Program *p, const RuleInfo *r, uint32_t i)
{
    const char *name = r->name ? r->name : "";
    CHECK(r->kind <= RULE_CELL, "rule %u (%s) has an unknown kind %u", i, name, r->kind);
    CHECK(i == 0 || p->rules[i - 1].kind <= r->kind,
          "rule %u (%s) is out of order: lets, categories, branches, keys, filter", i, name);
    CHECK(reg_ok(p, r->reg), "rule %u (%s): R%u is outside the register file (%u registers)", i, name, r->reg, p->nregs);
    TRY(verify_rule_kind(r, i, name));
    if (r->kind == RULE_BRANCH)   /* enum_index is the placement value */
        CHECK(p->placement_enum >= 0 && r->enum_index >= 0 &&
              (uint32_t)r->enum_index < p->enums[p->placement_enum].count,
              "rule %u (%s): %d is not a value of the placement enum", i, name, r->enum_index);
    else
        CHECK(enum_ok(p, r->enum_index), "rule %u (%s) names enum %d (%u enums)", i, name, r->enum_index, p->nenums);
    CHECK(r->pc_start < p->ncode && r->pc_start <= r->pc_end && r->pc_end <= p->ncode,
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
    /* a person's categories are a bit mask, each bit named by the category enum's value */
    CHECK(p->ncategories <= 63, "the program declares %u categories (at most 63)", p->ncategories);
    CHECK(p->ncategories == 0 ||
              (p->category_enum >= 0 && p->enums[p->category_enum].count == p->ncategories),
          "the program declares %u categories but its category enum names %u", p->ncategories,
          p->category_enum >= 0 ? p->enums[p->category_enum].count : 0);
    return NULL;
}

/* ---- kinds, per path ----------------------------------------------------------------------
 * The entries a host runs, and the state each starts from:
 *   the person entry         constants and records[0]'s fields; everything else unset
 *   the targets entry        the registers the person entry left (vm_continue)
 *   each record's check      constants and that record's fields
 *   each key, filter, cell   alone, [pc_start, pc_end) (vm_run_region): the registers the
 *                            person entry left, the fields reloaded
 * Fields and constants are never written (verify_writes), so they hold what the host loaded
 * all through a run. A state is one byte per register: the set of what it may hold. Code only
 * jumps forward, so one pass in pc order sees every path into an instruction before it: the
 * state falling through is carried along, and what a jump brings waits in pending[target]
 * until the pass gets there. */

enum { KU = 1, KT = 2, KS = 4 };   /* may be unset (left by an earlier run), text, a scalar */

/* Bounds on a hostile file's cost. Work is counted in register-state bytes touched: a compiled
 * program's entries are disjoint, so it costs about (rules + jumps) × registers, within
 * WORK_FACTOR × (code + 16) × (registers + 16). The states waiting at jump targets at once are
 * bounded too. */
enum { WORK_FACTOR = 4, PENDING_BYTES = 64 << 20 };

typedef struct Flow {
    const Program *p;
    uint8_t *cur;              /* the state before the instruction at hand */
    uint8_t **pending;         /* [ncode]: the join of what jumps bring to a pc, or NULL */
    size_t npending;
    uint8_t *out;              /* the join of the states leaving the entry (HALT or region end) */
    uint64_t work, budget;
    const char *entry;         /* for messages: "the person entry", ... */
} Flow;

static char *spend(Flow *f, uint64_t n)
{
    f->work += n;
    CHECK(f->work <= f->budget, "the program is too costly to verify: its entries, rules and jumps over %u "
          "registers exceed %llu steps", f->p->nregs, (unsigned long long)f->budget);
    return NULL;
}

static uint8_t const_kind(const Program *p, uint32_t r) { return p->consts[r].kind == VK_TEXT ? KT : KS; }
static uint8_t want_of(uint8_t value_kind) { return value_kind == VK_TEXT ? KT : KS; }

/* The state at the start of a run with record ri's fields loaded (ri may be NULL). */
static void base_state(const Program *p, const RecordInfo *ri, uint8_t *s)
{
    memset(s, KU, p->nregs);
    for (uint32_t i = 0; i < p->nconsts; i++) s[i] = const_kind(p, i);
    for (uint32_t i = 0; ri && i < ri->nfields; i++)
        s[p->field_base + i] = ri->fields[i].kind == VK_TEXT ? KT : KS;
}

static void join(uint8_t *dst, const uint8_t *src, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) dst[i] |= src[i];
}

/* What INDEX reads: an entry of the table at c. A constant size (a table param) bounds the
 * entries; a size read at run time could name any register after c. */
static uint8_t table_kind(const Flow *f, uint32_t c)
{
    const Program *p = f->p;
    if (c >= p->nconsts) return KU | KT | KS;
    uint8_t k = 0;
    for (uint32_t i = 1; i <= (uint32_t)p->consts[c].value; i++) k |= f->cur[c + i];
    return k ? k : KS;
}

static char *text_read(const Flow *f, uint32_t pc, uint32_t r)
{
    CHECK(f->cur[r] == KT, "instruction %u (%s): R%u is read as text but does not hold text on every path from %s",
          pc, opcode_names[f->p->code[pc].op], r, f->entry);
    return NULL;
}

/* A jump's state arrives at t, or leaves the region when t is past its end. */
static char *edge(Flow *f, uint32_t t, uint32_t end)
{
    const Program *p = f->p;
    TRY(spend(f, p->nregs));
    if (t >= end) {
        join(f->out, f->cur, p->nregs);
        return NULL;
    }
    if (f->pending[t]) {
        join(f->pending[t], f->cur, p->nregs);
        return NULL;
    }
    CHECK((f->npending + 1) * (size_t)p->nregs <= PENDING_BYTES,
          "%s: too many jumps pending at once to verify (%zu)", f->entry, f->npending + 1);
    f->pending[t] = xmalloc(p->nregs);
    memcpy(f->pending[t], f->cur, p->nregs);
    f->npending++;
    return NULL;
}

/* One instruction: its text reads, its write, its jumps. */
static char *step(Flow *f, uint32_t pc, uint32_t end)
{
    const Ins *in = &f->p->code[pc];
    unsigned flags = opcode_flags[in->op];
    if (flags & OPF_TB) TRY(text_read(f, pc, in->b));
    if (flags & OPF_TC) TRY(text_read(f, pc, in->c));
    const char *shape = opcode_shapes[in->op];
    if (shape[2] == 'T' && in->c < f->p->nconsts) TRY(spend(f, (uint64_t)f->p->consts[in->c].value));
    if (flags & OPF_W) f->cur[in->a] = flags & OPF_COPY ? f->cur[in->b] : shape[2] == 'T' ? table_kind(f, in->c) : KS;
    for (unsigned k = 1; k < opcode_writes(flags); k++) f->cur[in->a + k] = KS;
    const uint16_t ops[3] = {in->a, in->b, in->c};
    for (int k = 0; k < 3; k++)
        if (shape[k] == 'J') TRY(edge(f, ops[k], end));
    return NULL;
}

/* The state a jump left at pc, joined with what falls through (when *live). */
static char *arrive(Flow *f, uint32_t pc, bool *live)
{
    const Program *p = f->p;
    if (!f->pending[pc]) return NULL;
    TRY(spend(f, p->nregs));
    if (*live) join(f->cur, f->pending[pc], p->nregs);
    else memcpy(f->cur, f->pending[pc], p->nregs);
    free(f->pending[pc]);
    f->pending[pc] = NULL;
    f->npending--;
    *live = true;
    return NULL;
}

static char *flow_from(Flow *f, uint32_t start, uint32_t end)
{
    const Program *p = f->p;
    bool live = true;          /* f->cur holds: the previous instruction falls through */
    for (uint32_t pc = start; pc < end; pc++) {
        TRY(arrive(f, pc, &live));
        if (!live) continue;
        TRY(spend(f, 1));
        TRY(step(f, pc, end));
        uint8_t op = p->code[pc].op;
        if (op == OP_HALT) join(f->out, f->cur, p->nregs);
        if (opcode_flags[op] & OPF_END) live = false;
    }
    if (live) join(f->out, f->cur, p->nregs);   /* a region's code falls off its end */
    return NULL;
}

/* Run the dataflow from `start` with state `in` until the code ends or, for a region, until
 * it leaves [start, end); f->out is the join of every state leaving. */
static char *flow(Flow *f, uint32_t start, uint32_t end, const uint8_t *in, const char *entry)
{
    const Program *p = f->p;
    f->entry = entry;
    TRY(spend(f, p->nregs));
    memcpy(f->cur, in, p->nregs);
    memset(f->out, 0, p->nregs);
    char *e = flow_from(f, start, end);
    for (uint32_t pc = start; f->npending && pc < p->ncode; pc++)   /* after an error */
        if (f->pending[pc]) {
            free(f->pending[pc]);
            f->pending[pc] = NULL;
            f->npending--;
        }
    return e;
}

/* ---- what hosts read after each entry ----------------------------------------------------- */

static char *host_read(const Flow *f, const uint8_t *s, uint32_t r, uint8_t value_kind, const char *what,
                       uint32_t i, const char *name)
{
    uint8_t want = want_of(value_kind);
    if (s[r] == want) return NULL;
    const char *has = s[r] & KU ? "is not written on every path" : s[r] & (KT | KS) & ~want ? "may hold another kind" : "";
    return msg("rule %u (%s): %s R%u is read as %s after %s, but it %s", i, name, what, r,
               want == KT ? "text" : kind_word(value_kind ? value_kind : VK_INT), f->entry, has);
}

static char *rule_reads(const Flow *f, const uint8_t *s, const RuleInfo *r, uint32_t i)
{
    const char *name = r->name ? r->name : "";
    if (r->kind != RULE_BRANCH) TRY(host_read(f, s, r->reg, r->value_kind, "its value", i, name));
    for (uint32_t k = 0; k < r->nreads; k++) TRY(host_read(f, s, r->reads[k].reg, r->reads[k].kind, "a read", i, name));
    return NULL;
}

/* After the person entry (and still after the targets entry): the lets, categories and the
 * values the rules read, and the outcome registers. */
static char *person_reads(const Flow *f, const uint8_t *s)
{
    const Program *p = f->p;
    for (uint32_t i = 0; i < p->nrules; i++)
        if (p->rules[i].kind <= RULE_BRANCH) TRY(rule_reads(f, s, &p->rules[i], i));
    const uint32_t regs[5] = {p->reg_catmask, p->reg_catcount, p->reg_primary, p->reg_placement, p->reg_branch};
    for (int i = 0; i < 5; i++)
        CHECK(s[regs[i]] == KS, "the outcome register R%u does not hold a number on every path from %s", regs[i], f->entry);
    return NULL;
}

/* Which main entry reaches pc: a table cell belongs to the targets entry or to a record's check
 * (the capacity plan's upgrade condition); its register is read after that one. */
static void reach(const Program *p, uint32_t entry, uint8_t *seen)
{
    memset(seen, 0, p->ncode);
    seen[entry] = 1;
    for (uint32_t pc = entry; pc < p->ncode; pc++) {
        if (!seen[pc]) continue;
        const Ins *in = &p->code[pc];
        const char *shape = opcode_shapes[in->op];
        const uint16_t ops[3] = {in->a, in->b, in->c};
        for (int k = 0; k < 3; k++)
            if (shape[k] == 'J') seen[ops[k]] = 1;
        if (!(opcode_flags[in->op] & OPF_END) && pc + 1 < p->ncode) seen[pc + 1] = 1;
    }
}

/* After the targets entry: keys and the filter always (the schedule reads them), cells that
 * this entry's code computes. */
static char *targets_reads(const Flow *f, const uint8_t *s, const uint8_t *seen)
{
    const Program *p = f->p;
    TRY(person_reads(f, s));
    for (uint32_t i = 0; i < p->nrules; i++) {
        const RuleInfo *r = &p->rules[i];
        if (r->kind == RULE_KEY || r->kind == RULE_FILTER || (r->kind == RULE_CELL && seen[r->pc_start]))
            TRY(rule_reads(f, s, r, i));
    }
    return NULL;
}

/* After a record's check entry: its requires, and the cells its code computes. */
static char *check_reads(Flow *f, const uint8_t *s, const RecordInfo *ri, const uint8_t *seen)
{
    const Program *p = f->p;
    for (uint32_t q = 0; q < ri->nrequires; q++)
        CHECK(s[ri->requires[q].reg] == KS, "record %s: require %u reads R%u, which does not hold a bool on every path from %s",
              ri->name, q, ri->requires[q].reg, f->entry);
    uint32_t n, first = program_rules(p, RULE_CELL, &n);
    TRY(spend(f, n));
    for (uint32_t i = first; i < first + n; i++)
        if (seen[p->rules[i].pc_start]) TRY(rule_reads(f, s, &p->rules[i], i));
    return NULL;
}

/* A cell no entry computes would be read as whatever an earlier run left. */
static char *cells_reached(const Program *p, const uint8_t *reached)
{
    for (uint32_t i = 0; i < p->nrules; i++) {
        const RuleInfo *r = &p->rules[i];
        CHECK(r->kind != RULE_CELL || reached[r->pc_start],
              "rule %u (%s): a cell whose code neither the targets entry nor a record's check reaches", i,
              r->name ? r->name : "");
    }
    return NULL;
}

/* A text param's register holds text, any other's a scalar: overriding one (vm_set_param)
 * stores a value of the param's kind. A per-enum table param names its size register; its
 * entries follow (vm_set_param refuses to override it). */
static char *verify_params(const Program *p)
{
    uint8_t *table = NULL;     /* by constant register: the size of a table some INDEX reads */
    char *e = NULL;
    for (uint32_t i = 0; i < p->nparams && !e; i++) {
        const ParamInfo *q = &p->params[i];
        uint8_t want = want_of(q->kind);
        if (const_kind(p, q->reg) == want) continue;
        if (!table) {
            table = xcalloc(p->nconsts, 1);
            for (uint32_t pc = 0; pc < p->ncode; pc++)
                if (opcode_shapes[p->code[pc].op][2] == 'T' && p->code[pc].c < p->nconsts) table[p->code[pc].c] = 1;
        }
        int64_t n = p->consts[q->reg].value;
        bool entries = table[q->reg] && n >= 0 && n < (int64_t)(p->nconsts - q->reg);
        for (int64_t k = 1; entries && k <= n; k++) entries = const_kind(p, q->reg + (uint32_t)k) == want;
        if (!entries) e = msg("param %s: its register does not hold %s", q->name, want == KT ? "text" : "a number");
    }
    free(table);
    return e;
}

typedef struct Entries {
    Flow f;
    uint8_t *base, *person, *seen, *reached;
} Entries;

/* What an entry's code reaches, added to what any reaches. */
static char *mark_reach(Entries *x, uint32_t entry)
{
    const Program *p = x->f.p;
    TRY(spend(&x->f, p->ncode));
    reach(p, entry, x->seen);
    for (uint32_t pc = 0; pc < p->ncode; pc++) x->reached[pc] |= x->seen[pc];
    return NULL;
}

static char *flow_person_targets(Entries *x)
{
    const Program *p = x->f.p;
    const RecordInfo *subject = p->nrecords ? &p->records[0] : NULL;
    base_state(p, subject, x->base);
    TRY(flow(&x->f, p->person_entry, p->ncode, x->base, "the person entry"));
    memcpy(x->person, x->f.out, p->nregs);
    if (subject) TRY(person_reads(&x->f, x->person));
    TRY(flow(&x->f, p->targets_entry, p->ncode, x->person, "the targets entry"));
    TRY(mark_reach(x, p->targets_entry));
    if (subject) TRY(targets_reads(&x->f, x->f.out, x->seen));
    return NULL;
}

/* Keys, the filter and cells, each run alone (doudi_value): from the person entry's state. A
 * rule without code of its own reads that state as it is. */
static char *flow_regions(Entries *x)
{
    const Program *p = x->f.p;
    for (uint32_t i = program_rules(p, RULE_KEY, NULL); i < p->nrules; i++) {
        const RuleInfo *r = &p->rules[i];
        char what[64];
        snprintf(what, sizeof what, "rule %u run alone", i);
        const uint8_t *out = x->person;
        if (r->pc_start < r->pc_end) {
            TRY(flow(&x->f, r->pc_start, r->pc_end, x->person, what));
            out = x->f.out;
        }
        x->f.entry = what;
        if (p->nrecords) TRY(host_read(&x->f, out, r->reg, r->value_kind, "its value", i, r->name ? r->name : ""));
    }
    return NULL;
}

static char *flow_checks(Entries *x)
{
    const Program *p = x->f.p;
    for (uint32_t i = 0; i < p->nrecords; i++) {
        const RecordInfo *ri = &p->records[i];
        char what[300];
        snprintf(what, sizeof what, "record %.200s's check entry", ri->name);
        TRY(spend(&x->f, p->nregs));
        base_state(p, ri, x->base);
        TRY(flow(&x->f, ri->check_entry, p->ncode, x->base, what));
        TRY(mark_reach(x, ri->check_entry));
        TRY(check_reads(&x->f, x->f.out, ri, x->seen));
    }
    return p->nrecords ? cells_reached(p, x->reached) : NULL;
}

static char *verify_kinds(const Program *p)
{
    Entries x = {.f = {.p = p}};
    size_t n = p->nregs ? p->nregs : 1;
    x.f.cur = xmalloc(n);
    x.f.out = xmalloc(n);
    x.f.pending = xcalloc(p->ncode, sizeof *x.f.pending);
    x.f.budget = (uint64_t)WORK_FACTOR * (p->ncode + 16) * (p->nregs + 16);
    x.base = xmalloc(n);
    x.person = xmalloc(n);
    x.seen = xmalloc(p->ncode);
    x.reached = xcalloc(p->ncode, 1);
    char *e = flow_person_targets(&x);
    if (!e) e = flow_regions(&x);
    if (!e) e = flow_checks(&x);
    free(x.f.cur);
    free(x.f.out);
    free(x.f.pending);
    free(x.base);
    free(x.person);
    free(x.seen);
    free(x.reached);
    return e;
}

char *program_verify(const Program *p)
{
    TRY(verify_consts(p));
    TRY(verify_code(p));
    TRY(verify_enums(p));
    TRY(verify_schema(p));
    TRY(verify_rules(p));
    TRY(verify_writes(p));
    TRY(verify_params(p));
    TRY(verify_kinds(p));
    TRY(program_verify_plan(p));
    return NULL;
}
