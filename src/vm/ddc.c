/* ddc.c — the .ddc file: a Program written to bytes and read back (see program.h).
 *
 * .ddc layout, little-endian, written and read field by field with explicit byte helpers (never
 * a struct image, so the file does not depend on the compiler's padding or the host):
 *   "DDC\x1A"  u32 format version  u64 opcode-table hash (program_opcode_hash)
 *   u64 total length  u64 FNV-1a 64 of every byte after the header
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

#include "base/replace.h"
#include "base/util.h"

/* ---- writing .ddc --------------------------------------------------------------------- */

/* Version 2 added the opcode hash; version 3 MOVP, and MOVJ made from a move of a constant and
 * the jump after it; version 4 enum values' codes, where each field is declared and which forms'
 * rows the run verifies (with their conditions' text); version 5 both. A file of another
 * version, or made for another instruction set (OUTCOME and LOADI2 changed the set, not the
 * format), is refused as such (not as damage) before anything else is read. */
enum { DDC_VERSION = 5, DDC_HEADER = 32, DDC_LENGTH_AT = 16, DDC_SUM_AT = 24 };
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
        put_u8(w, in->k);
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
        put_u8(w, e->codes != NULL);
        for (uint32_t v = 0; e->codes && v < e->count; v++) put_str(w, e->codes[v]);
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
    put_u32(w, f->line);
    put_u32(w, f->col);
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

/* Bytes of any value (the rule file's text): u32 length then the bytes. */
static void put_blob(StrBuf *w, const char *s, uint32_t n)
{
    put_u32(w, n);
    sb_putn(w, s ? s : "", n);
}

static void put_regs(StrBuf *w, const uint32_t *regs, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) put_u32(w, regs[i]);
}

static void put_years(StrBuf *w, const int64_t *years, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) put_i64(w, years[i]);
}

static void put_schedule(StrBuf *w, const ScheduleInfo *si)
{
    put_u8(w, si != NULL);
    if (!si) return;
    put_str(w, si->label);
    put_i32(w, si->partition_field);
    put_u32(w, si->line);
    put_u32(w, si->col);
    put_u32(w, si->ngroups);
    for (uint32_t i = 0; i < si->ngroups; i++) {
        const ScheduleGroupInfo *g = &si->groups[i];
        put_i64(w, (int64_t)g->categories);
        put_u8(w, g->pool);
        put_u32(w, g->nyears);
        put_years(w, g->years, g->nyears);
        put_regs(w, g->share_reg, g->nyears);
        put_str(w, g->cite);
        put_u32(w, g->line);
        put_u32(w, g->col);
    }
}

static void put_capacity(StrBuf *w, const CapacityInfo *ci)
{
    put_u8(w, ci != NULL);
    if (!ci) return;
    put_str(w, ci->label);
    put_str(w, ci->cite);
    put_i32(w, ci->partition_field);
    put_i32(w, ci->record);
    put_i32(w, ci->inst_partition_field);
    put_i32(w, ci->inst_type_field);
    put_i32(w, ci->inst_beds_field);
    put_i32(w, ci->upgrade_reg);
    put_u32(w, ci->headroom_reg);
    put_u32(w, ci->line);
    put_u32(w, ci->col);
    put_u32(w, ci->nbuild);
    put_years(w, ci->build_years, ci->nbuild);
    put_regs(w, ci->build_reg, ci->nbuild);
    put_u32(w, ci->nitems);
    for (uint32_t i = 0; i < ci->nitems; i++) {
        const CapacityItemInfo *it = &ci->items[i];
        put_i32(w, it->type);
        put_u32(w, it->beds_reg);
        put_u8(w, it->has_minimum);
        put_u32(w, it->minimum_reg);
        put_str(w, it->cite);
        put_u32(w, it->line);
        put_u32(w, it->col);
    }
}

static void put_form(StrBuf *w, const FormInfo *f)
{
    put_str(w, f->name);
    put_str(w, f->label);
    put_i32(w, f->partition_field);
    put_u32(w, f->line);
    put_u32(w, f->col);
    put_u8(w, f->verify_rows);
    put_u32(w, f->nrows);
    for (uint32_t i = 0; i < f->nrows; i++) {
        const FormRow *r = &f->rows[i];
        put_str(w, r->name);
        put_str(w, r->label);
        put_u8(w, r->total);
        put_i32(w, r->reg);
        put_i32(w, r->capacity_item);
        put_u32(w, r->line);
        put_u32(w, r->col);
        put_str(w, r->cond);
    }
    put_u32(w, f->ncols);
    for (uint32_t i = 0; i < f->ncols; i++) {
        const FormColumn *c = &f->cols[i];
        put_str(w, c->name);
        put_str(w, c->label);
        put_str(w, c->group);
        put_u8(w, c->cell);
        put_i32(w, c->reg);
        put_i64(w, c->year);
        put_u32(w, c->line);
        put_u32(w, c->col);
    }
    for (size_t i = 0; i < (size_t)f->nrows * f->ncols; i++) put_u8(w, f->blank[i]);
}

/* The notice comes last and may be absent altogether: a file written before notices existed
 * ends after the forms and still reads (as a program without a notice). */
static void put_notice(StrBuf *w, const NoticeInfo *n)
{
    put_u8(w, n != NULL);
    if (!n) return;
    put_str(w, n->label);
    put_u32(w, n->line);
    put_u32(w, n->col);
    put_u32(w, n->nper);
    for (uint32_t i = 0; i < n->nper; i++) put_i32(w, n->per_fields[i]);
    put_u32(w, n->period_from_reg);
    put_u32(w, n->period_to_reg);
    put_u32(w, n->office_reg);
    put_u32(w, n->ncols);
    for (uint32_t i = 0; i < n->ncols; i++) {
        const NoticeColumnInfo *c = &n->cols[i];
        put_str(w, c->name);
        put_str(w, c->label);
        put_u8(w, c->source);
        put_u8(w, c->mask);
        put_i32(w, c->field);
        put_u32(w, c->reg);
        put_u8(w, c->kind);
        put_i32(w, c->enum_index);
        put_u32(w, c->line);
        put_u32(w, c->col);
    }
    put_u32(w, n->nwithholds);
    for (uint32_t i = 0; i < n->nwithholds; i++) {
        const NoticeWithholdInfo *h = &n->withholds[i];
        put_str(w, h->label);
        put_u32(w, h->reg);
        put_u32(w, h->line);
        put_u32(w, h->col);
    }
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
    put_i64(&w, (int64_t)program_opcode_hash());
    put_i64(&w, 0);                         /* length and checksum, filled in below */
    put_i64(&w, 0);
    put_str(&w, p->source_path);
    put_str(&w, p->policy);
    put_str(&w, p->policy_source);
    put_blob(&w, p->source_text, p->source_len);
    put_code(&w, p);
    put_consts(&w, p);
    put_enums(&w, p);
    put_u32(&w, p->nrecords);
    for (uint32_t i = 0; i < p->nrecords; i++) put_record(&w, &p->records[i]);
    put_params(&w, p);
    put_outcome(&w, p);
    put_u32(&w, p->nrules);
    for (uint32_t i = 0; i < p->nrules; i++) put_rule(&w, &p->rules[i]);
    put_schedule(&w, p->schedule);
    put_capacity(&w, p->capacity);
    put_u32(&w, p->nforms);
    for (uint32_t i = 0; i < p->nforms; i++) put_form(&w, &p->forms[i]);
    put_notice(&w, p->notice);
    unsigned char *b = (unsigned char *)w.items;
    *len = w.count;
    poke_u64(b + DDC_LENGTH_AT, w.count);
    poke_u64(b + DDC_SUM_AT, fnv1a(b + DDC_HEADER, w.count - DDC_HEADER));
    return sb_take(&w);
}

/* Written to a temporary file beside `path` and renamed over it: a failed or interrupted save
 * never leaves half a program where a whole one was. */
bool program_save(const Program *p, const char *path, char **error)
{
    size_t len;
    char *data = program_serialize(p, &len);
    int err = file_replace(path, data, len, FILE_MODE_KEEP, NULL);
    free(data);
    if (err && error) *error = xasprintf("cannot write %s: %s", path, strerror(err));
    return !err;
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
    MIN_INS = 16, MIN_CONST = 9, MIN_STR = 4, MIN_ENUM = 13, MIN_ENUM_VALUE = 8, MIN_RECORD = 24,
    MIN_FIELD = 48, MIN_REQUIRE = 20, MIN_PARAM = 13, MIN_RULE = 47, MIN_ATOM = 20, MIN_READ = 13,
    MIN_YEAR = 12, MIN_GROUP = 29, MIN_ITEM = 25, MIN_FORM = 29, MIN_ROW = 29, MIN_COLUMN = 33,
    MIN_PER = 4, MIN_NOTICE_COLUMN = 31, MIN_WITHHOLD = 16,
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
        in->k = get_u8(r);
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
        if (get_bool(r)) {
            e->codes = xcalloc(count + 1, sizeof *e->codes);
            for (uint32_t v = 0; v < count; v++) e->codes[v] = get_str(r);
        }
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
    f->line = get_u32(r);
    f->col = get_u32(r);
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

static char *get_blob(Reader *r, uint32_t *len)
{
    uint32_t n = get_u32(r);
    *len = 0;
    if (!need(r, n)) return NULL;
    char *s = xcalloc((size_t)n + 1, 1);
    memcpy(s, r->data + r->pos, n);
    r->pos += n;
    *len = n;
    return s;
}

/* n years and then n registers, as put_years and put_regs wrote them. */
static void get_years_regs(Reader *r, uint32_t n, int64_t **years, uint32_t **regs)
{
    *years = xcalloc((size_t)n + 1, sizeof **years);
    *regs = xcalloc((size_t)n + 1, sizeof **regs);
    for (uint32_t i = 0; i < n; i++) (*years)[i] = get_i64(r);
    for (uint32_t i = 0; i < n; i++) (*regs)[i] = get_u32(r);
}

static void get_schedule(Reader *r, Program *p)
{
    enter(r, "schedule");
    if (!get_bool(r) || r->problem) return;
    ScheduleInfo *si = p->schedule = xcalloc(1, sizeof *si);
    si->label = get_str(r);
    si->partition_field = get_i32(r);
    si->line = get_u32(r);
    si->col = get_u32(r);
    uint32_t n = get_count(r, MIN_GROUP);
    si->groups = xcalloc((size_t)n + 1, sizeof *si->groups);
    si->ngroups = n;
    for (uint32_t i = 0; i < n && !r->problem; i++) {
        ScheduleGroupInfo *g = &si->groups[i];
        g->categories = (uint64_t)get_i64(r);
        g->pool = get_bool(r);
        g->nyears = get_count(r, MIN_YEAR);
        get_years_regs(r, g->nyears, &g->years, &g->share_reg);
        g->cite = get_str(r);
        g->line = get_u32(r);
        g->col = get_u32(r);
    }
}

static void get_capacity(Reader *r, Program *p)
{
    enter(r, "capacity");
    if (!get_bool(r) || r->problem) return;
    CapacityInfo *ci = p->capacity = xcalloc(1, sizeof *ci);
    ci->label = get_str(r);
    ci->cite = get_str(r);
    ci->partition_field = get_i32(r);
    ci->record = get_i32(r);
    ci->inst_partition_field = get_i32(r);
    ci->inst_type_field = get_i32(r);
    ci->inst_beds_field = get_i32(r);
    ci->upgrade_reg = get_i32(r);
    ci->headroom_reg = get_u32(r);
    ci->line = get_u32(r);
    ci->col = get_u32(r);
    ci->nbuild = get_count(r, MIN_YEAR);
    get_years_regs(r, ci->nbuild, &ci->build_years, &ci->build_reg);
    uint32_t n = get_count(r, MIN_ITEM);
    ci->items = xcalloc((size_t)n + 1, sizeof *ci->items);
    ci->nitems = n;
    for (uint32_t i = 0; i < n && !r->problem; i++) {
        CapacityItemInfo *it = &ci->items[i];
        it->type = get_i32(r);
        it->beds_reg = get_u32(r);
        it->has_minimum = get_bool(r);
        it->minimum_reg = get_u32(r);
        it->cite = get_str(r);
        it->line = get_u32(r);
        it->col = get_u32(r);
    }
}

static void get_form(Reader *r, FormInfo *f)
{
    f->name = get_str(r);
    f->label = get_str(r);
    f->partition_field = get_i32(r);
    f->line = get_u32(r);
    f->col = get_u32(r);
    f->verify_rows = get_bool(r);
    f->nrows = get_count(r, MIN_ROW);
    f->rows = xcalloc((size_t)f->nrows + 1, sizeof *f->rows);
    for (uint32_t i = 0; i < f->nrows && !r->problem; i++) {
        FormRow *row = &f->rows[i];
        row->name = get_str(r);
        row->label = get_str(r);
        row->total = get_bool(r);
        row->reg = get_i32(r);
        row->capacity_item = get_i32(r);
        row->line = get_u32(r);
        row->col = get_u32(r);
        row->cond = get_str(r);
    }
    f->ncols = get_count(r, MIN_COLUMN);
    f->cols = xcalloc((size_t)f->ncols + 1, sizeof *f->cols);
    for (uint32_t i = 0; i < f->ncols && !r->problem; i++) {
        FormColumn *c = &f->cols[i];
        c->name = get_str(r);
        c->label = get_str(r);
        c->group = get_str(r);
        c->cell = get_u8(r);
        c->reg = get_i32(r);
        c->year = get_i64(r);
        c->line = get_u32(r);
        c->col = get_u32(r);
    }
    size_t cells = (size_t)f->nrows * f->ncols;
    if (r->problem || !need(r, cells)) {
        /* the file is refused: no layout is read; the counts stay, so that program_free frees
         * the rows' and columns' names already read */
        f->blank = xcalloc(1, 1);
        return;
    }
    f->blank = xcalloc(cells + 1, 1);
    for (size_t i = 0; i < cells; i++) f->blank[i] = get_u8(r);
}

static void get_forms(Reader *r, Program *p)
{
    enter(r, "forms");
    uint32_t n = get_count(r, MIN_FORM);
    p->forms = xcalloc((size_t)n + 1, sizeof *p->forms);
    p->nforms = n;
    for (uint32_t i = 0; i < n && !r->problem; i++) get_form(r, &p->forms[i]);
}

static void get_notice(Reader *r, Program *p)
{
    enter(r, "notice");
    if (r->pos == r->len || !get_bool(r) || r->problem) return;
    NoticeInfo *n = p->notice = xcalloc(1, sizeof *n);
    n->label = get_str(r);
    n->line = get_u32(r);
    n->col = get_u32(r);
    n->nper = get_count(r, MIN_PER);
    n->per_fields = xcalloc((size_t)n->nper + 1, sizeof *n->per_fields);
    for (uint32_t i = 0; i < n->nper; i++) n->per_fields[i] = get_i32(r);
    n->period_from_reg = get_u32(r);
    n->period_to_reg = get_u32(r);
    n->office_reg = get_u32(r);
    n->ncols = get_count(r, MIN_NOTICE_COLUMN);
    n->cols = xcalloc((size_t)n->ncols + 1, sizeof *n->cols);
    for (uint32_t i = 0; i < n->ncols && !r->problem; i++) {
        NoticeColumnInfo *c = &n->cols[i];
        c->name = get_str(r);
        c->label = get_str(r);
        c->source = get_u8(r);
        c->mask = get_u8(r);
        c->field = get_i32(r);
        c->reg = get_u32(r);
        c->kind = get_u8(r);
        c->enum_index = get_i32(r);
        c->line = get_u32(r);
        c->col = get_u32(r);
    }
    n->nwithholds = get_count(r, MIN_WITHHOLD);
    n->withholds = xcalloc((size_t)n->nwithholds + 1, sizeof *n->withholds);
    for (uint32_t i = 0; i < n->nwithholds && !r->problem; i++) {
        NoticeWithholdInfo *h = &n->withholds[i];
        h->label = get_str(r);
        h->reg = get_u32(r);
        h->line = get_u32(r);
        h->col = get_u32(r);
    }
}

/* The header: magic, version, opcode hash, length, checksum. NULL when they hold, else the
 * message. The version is read first, so a file of an older format is named as such. */
static char *check_header(const unsigned char *d, size_t len)
{
    size_t m = len < 4 ? len : 4;
    if (m && memcmp(d, ddc_magic, m) != 0) return xasprintf("not a doudi program");
    if (len < 8) return xasprintf("truncated: %zu bytes, shorter than the %d-byte header", len, DDC_HEADER);
    Reader r = {.data = d, .len = len, .pos = 4};
    uint32_t version = get_u32(&r);
    if (version != DDC_VERSION)
        return xasprintf("format version %u, this doudi reads %d: %s", version, DDC_VERSION,
                         version < DDC_VERSION ? "recompile the rule file" : "it was made by a newer doudi");
    if (len < DDC_HEADER) return xasprintf("truncated: %zu bytes, shorter than the %d-byte header", len, DDC_HEADER);
    uint64_t opcodes = get_uint(&r, 8), total = get_uint(&r, 8), sum = get_uint(&r, 8);
    if (opcodes != program_opcode_hash())
        return xasprintf("built for another instruction set (opcode table %016llx, this doudi's %016llx): "
                         "recompile the rule file", (unsigned long long)opcodes, (unsigned long long)program_opcode_hash());
    if (total > len) return xasprintf("truncated: %zu bytes of %llu", len, (unsigned long long)total);
    if (total < len) return xasprintf("corrupt: %zu bytes where the header says %llu", len, (unsigned long long)total);
    if (sum != fnv1a(d + DDC_HEADER, len - DDC_HEADER)) return xasprintf("checksum mismatch: the file is corrupt");
    return NULL;
}

static void get_program(Reader *r, Program *p)
{
    enter(r, "header");
    p->source_path = get_str(r);
    p->policy = get_str(r);
    p->policy_source = get_str(r);
    enter(r, "source");
    p->source_text = get_blob(r, &p->source_len);
    get_code(r, p);
    get_consts(r, p);
    get_enums(r, p);
    get_records(r, p);
    get_params(r, p);
    get_outcome(r, p);
    get_rules(r, p);
    get_schedule(r, p);
    get_capacity(r, p);
    get_forms(r, p);
    get_notice(r, p);
}

Program *program_deserialize(const unsigned char *data, size_t len, char **error)
{
    char *e = check_header(data, len);
    Program *p = NULL;
    if (!e) {
        Reader r = {.data = data, .len = len, .pos = DDC_HEADER};
        p = xcalloc(1, sizeof *p);
        get_program(&r, p);
        if (r.problem) e = xasprintf("malformed %s section: %s", r.section, r.problem);
        else if (r.pos != len) e = xasprintf("malformed: %zu bytes left over after the last section", len - r.pos);
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
        if (error) *error = xasprintf("cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    char *e = NULL;
    Program *p = program_deserialize((const unsigned char *)data, len, &e);
    free(data);
    if (!p && error) *error = xasprintf("%s: %s", path, e);
    free(e);
    return p;
}

int program_ddc_version(void) { return DDC_VERSION; }
