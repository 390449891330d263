/* record.c — checking a record before it is evaluated (see record.h). */
#include "record.h"
#include "values.h"
#include "base/msg.h"
#include "base/resid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__) && !defined(DOUDI_NO_SIMD)
#include <emmintrin.h>
#endif

#include "base/util.h"

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
    return record_check_requires(vm, ri, values, out);
}

bool record_check_requires(Vm *vm, const RecordInfo *ri, const int64_t *values, RecordCheck *out)
{
    out->verdict = RECORD_OK;
    out->field = out->require = -1;
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

/* ---- the compact record (see record.h) --------------------------------------------------------- */

static uint8_t field_width(const Program *p, const FieldInfo *f)
{
    switch (f->kind) {
    case VK_BOOL: return 1;
    case VK_DATE: return 4;
    case VK_ENUM:
        return f->enum_index >= 0 && (uint32_t)f->enum_index < p->nenums && p->enums[f->enum_index].count <= 256 ? 1 : 8;
    case VK_INT:
        if (f->range_kind == 2) return 1;   /* a mask of allowed small values, 0..63 */
        if (f->range_kind == 1 && f->range_lo >= 0 && f->range_hi <= 255) return 1;
        if (f->range_kind == 1 && f->range_lo >= INT32_MIN && f->range_hi <= INT32_MAX) return 4;
        return 8;
    default: return 8;
    }
}

void record_layout_init(RecordLayout *l, const Program *p, const RecordInfo *ri)
{
    uint32_t n = ri->nfields;
    *l = (RecordLayout){.nfields = n};
    l->order = xcalloc(n + 1, sizeof *l->order);
    l->offset = xcalloc(n + 1, sizeof *l->offset);
    l->width = xcalloc(n + 1, 1);
    for (uint32_t i = 0; i < n; i++) l->width[i] = field_width(p, &ri->fields[i]);
    uint32_t k = 0, at = 0;
    static const uint8_t widths[3] = {8, 4, 1};
    uint32_t *counts[3] = {&l->n8, &l->n4, &l->n1};
    for (int w = 0; w < 3; w++)
        for (uint32_t i = 0; i < n; i++) {
            if (l->width[i] != widths[w]) continue;
            l->order[k++] = i;
            l->offset[i] = at;
            at += widths[w];
            (*counts[w])++;
        }
    l->size = at;
    l->runs = xcalloc(n + 1, sizeof *l->runs);
    for (uint32_t j = 0; j < n; j++) {
        struct RecordRun *last = l->nruns ? &l->runs[l->nruns - 1] : NULL;
        uint32_t f = l->order[j];
        if (last && last->width == l->width[f] && last->field + last->count == f) last->count++;
        else l->runs[l->nruns++] = (struct RecordRun){f, 1, l->width[f]};
    }
}

void record_layout_free(RecordLayout *l)
{
    free(l->order);
    free(l->offset);
    free(l->width);
    free(l->runs);
    *l = (RecordLayout){0};
}

bool record_pack(const RecordLayout *l, const int64_t *values, uint8_t *out)
{
    const uint32_t *o = l->order;
    uint8_t *at = out;
    for (uint32_t k = 0; k < l->n8; k++, at += 8) memcpy(at, &values[o[k]], 8);
    for (uint32_t k = l->n8; k < l->n8 + l->n4; k++, at += 4) {
        int64_t v = values[o[k]];
        if (v < INT32_MIN || v > INT32_MAX) return false;
        int32_t x = (int32_t)v;
        memcpy(at, &x, 4);
    }
    for (uint32_t k = l->n8 + l->n4; k < l->nfields; k++, at++) {
        int64_t v = values[o[k]];
        if (v < 0 || v > 255) return false;
        *at = (uint8_t)v;
    }
    return true;
}

#if defined(__SSE2__) && !defined(DOUDI_NO_SIMD)
/* Sixteen bytes at src widened into dst[0..15]. */
static inline void widen16(const uint8_t *src, int64_t *dst)
{
    const __m128i zero = _mm_setzero_si128();
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)src);
    __m128i w[2] = {_mm_unpacklo_epi8(b, zero), _mm_unpackhi_epi8(b, zero)};
    for (int h = 0; h < 2; h++) {
        __m128i d[2] = {_mm_unpacklo_epi16(w[h], zero), _mm_unpackhi_epi16(w[h], zero)};
        for (int q = 0; q < 2; q++) {
            __m128i *out = (__m128i *)(void *)(dst + 8 * h + 4 * q);
            _mm_storeu_si128(out, _mm_unpacklo_epi32(d[q], zero));
            _mm_storeu_si128(out + 1, _mm_unpackhi_epi32(d[q], zero));
        }
    }
}
#endif

/* n bytes widened to int64s. With SSE2 (every x86-64) sixteen at a time, the last sixteen
 * overlapping the ones before (written twice, alike) rather than a loop over the rest: the
 * plain loop, five instructions a byte, was a tenth of a person's evaluation over compact
 * records. */
static inline void widen_bytes(const uint8_t *src, int64_t *dst, uint32_t n)
{
#if defined(__SSE2__) && !defined(DOUDI_NO_SIMD)
    if (n >= 16) {
        for (uint32_t i = 0; i + 16 < n; i += 16) widen16(src + i, dst + i);
        widen16(src + n - 16, dst + n - 16);
        return;
    }
#endif
    for (uint32_t i = 0; i < n; i++) dst[i] = src[i];
}

/* The hot half: a plain loop per run of consecutive fields of one width, no per-field
 * switch and no scatter. */
static inline void unpack(const RecordLayout *l, const uint8_t *rec, int64_t *values)
{
    for (uint32_t r = 0; r < l->nruns; r++) {
        const struct RecordRun *run = &l->runs[r];
        int64_t *dst = values + run->field;
        uint32_t n = run->count;
        if (run->width == 8) {
            for (uint32_t i = 0; i < n; i++) memcpy(&dst[i], rec + 8 * i, 8);   /* a few: no call */
        } else if (run->width == 4) {
            for (uint32_t i = 0; i < n; i++) {
                int32_t x;
                memcpy(&x, rec + 4 * i, 4);
                dst[i] = x;
            }
        } else {
            widen_bytes(rec, dst, n);
        }
        rec += (size_t)n * run->width;
    }
}

void record_unpack(const RecordLayout *l, const uint8_t *rec, int64_t *values) { unpack(l, rec, values); }

bool record_run(Vm *vm, uint32_t entry, const RecordLayout *l, const uint8_t *rec)
{
    const Program *p = vm->prog;
    if (p->field_base > p->nregs || l->nfields > p->nregs - p->field_base) return false;   /* never: the schema fits */
    unpack(l, rec, vm->regs + p->field_base);
    return vm_continue(vm, entry);
}
