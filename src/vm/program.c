/* program.c — the compiled Program: the opcode tables made from opcodes.def, freeing, and
 * finding rules by kind. Its .ddc file format is ddc.c; the checks every loaded program
 * passes before it may run are verify.c. */
#include "program.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/msg.h"
#include "base/util.h"

/* ---- opcode tables -------------------------------------------------------------------- */

#define OP(name, shape, flags, fused, comment) \
    _Static_assert(sizeof(shape) == 4, "opcode " #name ": the shape is three letters");
#include "opcodes.def"
#undef OP

const char *const opcode_names[OP__COUNT] = {
#define OP(name, shape, flags, fused, comment) #name,
#include "opcodes.def"
#undef OP
};

const char *const opcode_shapes[OP__COUNT] = {
#define OP(name, shape, flags, fused, comment) shape,
#include "opcodes.def"
#undef OP
};

/* opcodes.def writes flags by their short names */
#define W OPF_W
#define COPY OPF_COPY
#define TB OPF_TB
#define TC OPF_TC
#define SPAN OPF_SPAN
#define MASK OPF_MASK
#define BOUNDS OPF_BOUNDS
#define END OPF_END
#define K OPF_K
#define PAIRED OPF_PAIRED
#define W2 OPF_W2
#define W5 OPF_W5
const uint16_t opcode_flags[OP__COUNT] = {
#define OP(name, shape, flags, fused, comment) (flags),
#include "opcodes.def"
#undef OP
};
#undef W
#undef COPY
#undef TB
#undef TC
#undef SPAN
#undef MASK
#undef BOUNDS
#undef END
#undef K
#undef PAIRED
#undef W2
#undef W5

const uint8_t opcode_fused[OP__COUNT] = {
#define OP(name, shape, flags, fused, comment) OP_##fused,
#include "opcodes.def"
#undef OP
};

const char *const opcode_comments[OP__COUNT] = {
#define OP(name, shape, flags, fused, comment) comment,
#include "opcodes.def"
#undef OP
};

static uint64_t fnv_bytes(uint64_t h, const void *data, size_t n)
{
    const unsigned char *s = data;
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 0x100000001b3u;
    return h;
}

uint64_t program_opcode_hash(void)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (int op = 0; op < OP__COUNT; op++) {
        h = fnv_bytes(h, opcode_names[op], strlen(opcode_names[op]) + 1);
        h = fnv_bytes(h, opcode_shapes[op], 4);
        const unsigned char f[2] = {(unsigned char)(opcode_flags[op] & 0xFF), (unsigned char)(opcode_flags[op] >> 8)};
        h = fnv_bytes(h, f, 2);
    }
    return h;
}

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

static void free_schedule(ScheduleInfo *si)
{
    if (!si) return;
    free(si->label);
    for (uint32_t i = 0; si->groups && i < si->ngroups; i++) {
        free(si->groups[i].years);
        free(si->groups[i].share_reg);
        free(si->groups[i].cite);
    }
    free(si->groups);
    free(si);
}

static void free_capacity(CapacityInfo *ci)
{
    if (!ci) return;
    free(ci->label);
    free(ci->cite);
    free(ci->build_years);
    free(ci->build_reg);
    for (uint32_t i = 0; ci->items && i < ci->nitems; i++) free(ci->items[i].cite);
    free(ci->items);
    free(ci);
}

static void free_form(FormInfo *f)
{
    free(f->name);
    free(f->label);
    for (uint32_t i = 0; f->rows && i < f->nrows; i++) {
        free(f->rows[i].name);
        free(f->rows[i].label);
        free(f->rows[i].cond);
    }
    free(f->rows);
    for (uint32_t i = 0; f->cols && i < f->ncols; i++) {
        free(f->cols[i].name);
        free(f->cols[i].label);
        free(f->cols[i].group);
    }
    free(f->cols);
    free(f->blank);
}

static void free_notice(NoticeInfo *n)
{
    if (!n) return;
    free(n->label);
    free(n->per_fields);
    for (uint32_t i = 0; n->cols && i < n->ncols; i++) {
        free(n->cols[i].name);
        free(n->cols[i].label);
    }
    free(n->cols);
    for (uint32_t i = 0; n->withholds && i < n->nwithholds; i++) free(n->withholds[i].label);
    free(n->withholds);
    free(n);
}

void program_free(Program *p)
{
    if (!p) return;
    free(p->source_path);
    free(p->source_text);
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
        if (p->enums[i].codes) free_strings(p->enums[i].codes, p->enums[i].count);
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
    free_schedule(p->schedule);
    free_capacity(p->capacity);
    for (uint32_t i = 0; p->forms && i < p->nforms; i++) free_form(&p->forms[i]);
    free(p->forms);
    free_notice(p->notice);
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


/* ---- partitions ------------------------------------------------------------------------------
 * A schedule, capacity plan, form or notice `per FIELD` splits people by that field of the
 * subject record. A text field's partitions are its values as they are; an enum field's are its
 * declared values, named by their codes when the enum has codes (the ledger's forms and plans
 * keep codes, as when the county was a text column) and else by their identifiers. */

static const EnumInfo *partition_enum(const Program *p, uint32_t rec, int32_t field)
{
    if (!p || rec >= p->nrecords || field < 0 || (uint32_t)field >= p->records[rec].nfields) return NULL;
    const FieldInfo *f = &p->records[rec].fields[field];
    if (f->kind != VK_ENUM || f->enum_index < 0 || (uint32_t)f->enum_index >= p->nenums) return NULL;
    return &p->enums[f->enum_index];
}

static const char *value_key(const EnumInfo *e, uint32_t v)
{
    return e->codes && e->codes[v] ? e->codes[v] : e->values[v];
}

const char *program_partition_key(const Program *p, uint32_t rec, int32_t field, int64_t value)
{
    if (field < 0) return "";
    const EnumInfo *e = partition_enum(p, rec, field);
    if (!e) {
        const char *s = (const char *)(intptr_t)value;
        return s ? s : "";
    }
    return value >= 0 && (uint64_t)value < e->count ? value_key(e, (uint32_t)value) : "";
}

uint32_t program_partitions(const Program *p, int32_t field)
{
    const EnumInfo *e = partition_enum(p, 0, field);
    return e ? e->count : 0;
}

const char *program_partition(const Program *p, int32_t field, uint32_t i)
{
    const EnumInfo *e = partition_enum(p, 0, field);
    return e && i < e->count ? value_key(e, i) : NULL;
}

/* The declared value a partition's key (or its code, identifier or label) names, or -1. */
static int32_t partition_value(const EnumInfo *e, const char *key)
{
    for (uint32_t i = 0; i < e->count; i++)
        if (!strcmp(value_key(e, i), key) || !strcmp(e->values[i], key) ||
            (e->labels && e->labels[i] && !strcmp(e->labels[i], key)) || (e->codes && e->codes[i] && !strcmp(e->codes[i], key)))
            return (int32_t)i;
    return -1;
}

const char *program_partition_find(const Program *p, int32_t field, const char *text)
{
    const EnumInfo *e = partition_enum(p, 0, field);
    if (!e) return text;
    int32_t v = text ? partition_value(e, text) : -1;
    return v >= 0 ? value_key(e, (uint32_t)v) : NULL;
}

const char *program_partition_name(const Program *p, int32_t field, const char *key)
{
    const EnumInfo *e = partition_enum(p, 0, field);
    int32_t v = e && key ? partition_value(e, key) : -1;
    if (v < 0) return key;
    return e->labels && e->labels[v] ? e->labels[v] : e->values[v];
}

const char *program_partition_code(const Program *p, int32_t field, const char *key)
{
    const EnumInfo *e = partition_enum(p, 0, field);
    int32_t v = e && key ? partition_value(e, key) : -1;
    if (v < 0) return key;
    return e->codes && e->codes[v] ? e->codes[v] : e->values[v];
}

/* ---- hints ------------------------------------------------------------------------------------ */

void program_default_hint(const Program *p, const FieldInfo *f, StrBuf *out)
{
    StrBuf value = {0}, where = {0};
    program_default_parts(p, f, &value, &where);
    sb_printf(out, tr("add %s to its declaration%s"), sb_str(&value), sb_str(&where));
    sb_free(&value);
    sb_free(&where);
}

void program_default_parts(const Program *p, const FieldInfo *f, StrBuf *out, StrBuf *where)
{
    sb_puts(out, "`default "); /* not a message: rule-file text */
    switch (f->kind) {
    case VK_BOOL: sb_puts(out, "false"); break;
    case VK_PERCENT: sb_puts(out, "0%"); break;
    case VK_TEXT: sb_puts(out, "\"\""); break;
    case VK_DATE: sb_puts(out, "…"); break;
    case VK_ENUM:
        if (f->enum_index >= 0 && (uint32_t)f->enum_index < p->nenums && p->enums[f->enum_index].count)
            sb_puts(out, p->enums[f->enum_index].values[0]);
        else sb_puts(out, "…");
        break;
    default: sb_puts(out, "0"); break;
    }
    sb_putc(out, '`');
    if (f->line && p->source_path) sb_printf(where, " (%s:%u:%u)", p->source_path, f->line, f->col);
}
