/* import.c — CSV ledgers into the store (see import.h). */
#define _XOPEN_SOURCE 700   /* realpath */
#include "import.h"
#include "base/crash.h"
#include "keyset.h"
#include "review.h"
#include "base/msg.h"
#include "rows.h"
#include "base/date.h"
#include "base/resid.h"
#include "base/strset.h"
#include "vm/record.h"
#include "vm/values.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* ---- the import ----------------------------------------------------------------------------- */

typedef struct Importer {
    Ledger *l;
    const Program *p;
    Vm *vm;
    const RecordInfo *ri;
    const char *path;          /* as given, for messages */
    const char *source;        /* the file's absolute path: what its review entries are keyed by */
    FILE *report;
    ImportStats *stats;
    RowSource *src;            /* the CSV file or the workbook's sheet */
    RowCheck check;            /* the header's columns and the row's values (column_of, values, owned alias them) */
    uint32_t header_line;      /* the header's line (or sheet row: title rows may come first) */
    int *column_of;            /* field index -> 0-based column, or -1 */
    size_t ncolumns;           /* in the header */
    int64_t *values;
    char **owned;
    KeySet keys;               /* the ledger's keys, then this file's, with their first lines */
    StrBuf key;                /* the row's key as stored, reused */
    StrSet reviewed;           /* the key cells of the rows sent to review (review.h) */
    ReviewMatch *match;        /* other files' review entries these rows may take out (review.h) */
    LedgerUpsert *upsert;
    const StrSet *only_keys;   /* ImportOptions.only_keys */
    char *error;               /* the first failure to store a review entry */
} Importer;

/* s (n bytes) into buf with the full-width parentheses （ ） read as ( ): staff type a label
 * such as 乡镇（街道） as 乡镇(街道) as often as not, and a column with a default would
 * otherwise be dropped without a word. The length, or cap when it does not fit. */
static size_t fold_parens(const char *s, size_t n, char *buf, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        const unsigned char *u = (const unsigned char *)s + i;
        if (i + 2 < n && u[0] == 0xEF && u[1] == 0xBC && (u[2] == 0x88 || u[2] == 0x89)) {
            c = u[2] == 0x88 ? '(' : ')';
            i += 2;
        }
        if (k == cap) return cap;
        buf[k++] = c;
    }
    return k;
}

static bool header_matches(const FieldInfo *f, const char *cell, size_t n)
{
    const char *s = cell;
    value_trim(&s, &n);
    if (strlen(f->name) == n && strncasecmp(f->name, s, n) == 0) return true;
    if (!f->label) return false;
    char a[256], b[256];
    size_t na = fold_parens(f->label, strlen(f->label), a, sizeof a), nb = fold_parens(s, n, b, sizeof b);
    return na < sizeof a && na == nb && memcmp(a, b, na) == 0;
}

/* "persons.csv:12:6", "台账.xlsx!F12": where a message points. The caller frees. */
static char *where(const RowSource *src, uint32_t line, uint32_t col)
{
    StrBuf sb = {0};
    rows_where(src, line, col, &sb);
    return sb_take(&sb);
}

static bool map_header(RowCheck *im, const Row *h, char **error)
{
    const RecordInfo *ri = im->ri;
    im->ncolumns = h->count;
    im->column_of = xmalloc((ri->nfields + 1) * sizeof *im->column_of);
    StrBuf missing = {0}, hints = {0};
    for (uint32_t i = 0; i < ri->nfields; i++) {
        im->column_of[i] = -1;
        for (size_t c = 0; c < h->count; c++)
            if (header_matches(&ri->fields[i], h->cells[c], h->lens[c])) {
                if (im->column_of[i] >= 0) {
                    char *at = where(im->src, h->line, (uint32_t)c + 1), name[12];
                    *error = xasprintf("%s: column '%s' appears twice in the header (also column %s)", at,
                                       ri->fields[i].name, rows_column_name(im->src, (uint32_t)im->column_of[i] + 1, name));
                    free(at);
                    sb_free(&missing);
                    sb_free(&hints);
                    return false;
                }
                im->column_of[i] = (int)c;
            }
        if (im->column_of[i] < 0 && !ri->fields[i].has_default) {
            if (missing.count) sb_puts(&missing, ", ");
            sb_printf(&missing, "%s", ri->fields[i].name);
            if (ri->fields[i].label) sb_printf(&missing, " (%s)", ri->fields[i].label);
            sb_printf(&hints, "%s%s: ", hints.count ? "; " : "", ri->fields[i].name);
            program_default_hint(im->p, &ri->fields[i], &hints);
        }
    }
    if (missing.count) {
        char *at = where(im->src, h->line, 0);
        *error = xasprintf("%s: the header has no column for: %s (if the file may lack it, the field needs a "
                           "default: %s)", at, sb_str(&missing), sb_str(&hints));
        free(at);
        sb_free(&missing);
        sb_free(&hints);
        return false;
    }
    sb_free(&missing);
    sb_free(&hints);
    return true;
}

static void to_review(Importer *im, const Row *rec, uint32_t col, const char *reason)
{
    if (im->report) {
        /* a message for people: resident ids in it masked (the review table keeps the row whole) */
        char *shown = xstrdup(msg_text(reason)), *at = where(im->src, rec->line, col);
        resident_id_mask(shown);
        /* a CSV row line is FILE:LINE:COL always (column 0 for the whole row): the form tools
         * that read the report have parsed since the first import */
        fprintf(im->report, "%s%s: %s\n", at, rows_kind(im->src) == ROWS_CSV && !col ? ":0" : "", shown);
        free(shown);
        free(at);
    }
    size_t kc = im->column_of && im->column_of[im->ri->key] >= 0 ? (size_t)im->column_of[im->ri->key] : SIZE_MAX;
    char key[256];
    if (kc < rec->count && *review_key_norm(rec->cells[kc], rec->lens[kc], key, sizeof key))
        strset_add(&im->reviewed, key, NULL);
    ReviewEntry e = {.source = im->source, .line = rec->line, .col = col, .reason = reason,
                     .raw = rec->raw, .raw_len = rec->raw ? rec->raw_len : 0, .record = im->ri->name};
    if (!im->error) ledger_review_add(im->l, &e, &im->error);
    im->stats->review++;
}

static void free_owned(RowCheck *im)
{
    if (!im->owns) return;   /* most rows own none: no pass over the fields */
    for (uint32_t i = 0; i < im->ri->nfields; i++)
        if (im->owned[i]) {
            free(im->owned[i]);
            im->owned[i] = NULL;
        }
    im->owns = false;
}

static void field_name(const FieldInfo *f, char *buf, size_t n)
{
    if (f->label) snprintf(buf, n, "%s (%s)", f->name, f->label);
    else snprintf(buf, n, "%s", f->name);
}

/* An enum's spellings as ledgers write them — identifiers, labels, codes — each with the value
 * the general reader gives for exactly that text: a cell equal to one is read by comparing
 * bytes (a county written as its code cost the general reader some 60 strlen calls). */
typedef struct Spelling {
    const char *text;          /* the program's */
    uint32_t len;
    int32_t value;
} Spelling;

typedef struct EnumSpellings {
    Spelling *items;
    uint32_t count;
    /* open addressing over the spellings (index + 1; 0 empty), by spelling_hash: a cell finds
     * its spelling in a probe or two, not by trying each (a dozen county codes alike but for
     * their last digits) */
    uint16_t *slots;
    uint32_t mask;
} EnumSpellings;

/* Length, first, middle and last byte: enough to tell an enum's spellings apart mostly. */
static inline uint32_t spelling_hash(const char *s, size_t n)
{
    uint32_t h = (uint32_t)n * 0x9E3779B1u ^ (unsigned char)s[0] * 0x85EBCA77u ^
                 (unsigned char)s[n - 1] * 0xC2B2AE3Du ^ (unsigned char)s[n / 2] * 0x27D4EB2Fu;
    return h ^ h >> 15;
}

static void index_spellings(EnumSpellings *es)
{
    if (!es->count || es->count > 30000) return;   /* past uint16_t: the plain search */
    uint32_t cap = 8;
    while (cap < 2 * es->count) cap *= 2;
    es->slots = xcalloc(cap, sizeof *es->slots);
    es->mask = cap - 1;
    for (uint32_t k = 0; k < es->count; k++) {
        const Spelling *sp = &es->items[k];
        uint32_t j = spelling_hash(sp->text, sp->len) & es->mask;
        bool seen = false;   /* a text twice: the first one's value, as the search in order gives */
        for (; es->slots[j] && !seen; j = (j + 1) & es->mask) {
            const Spelling *o = &es->items[es->slots[j] - 1];
            seen = o->len == sp->len && memcmp(o->text, sp->text, sp->len) == 0;
        }
        if (!seen) es->slots[j] = (uint16_t)(k + 1);
    }
}

/* memcmp(a, b, n) == 0 for a spelling's few bytes, without a call: two overlapping loads a
 * side from 8 bytes up to 16, from 4 likewise, else byte by byte. */
static inline bool same_bytes(const char *a, const char *b, size_t n)
{
    if (n > 16) return memcmp(a, b, n) == 0;
    if (n >= 8) {
        uint64_t x, y, u, v;
        memcpy(&x, a, 8), memcpy(&y, b, 8), memcpy(&u, a + n - 8, 8), memcpy(&v, b + n - 8, 8);
        return x == y && u == v;
    }
    if (n >= 4) {
        uint32_t x, y, u, v;
        memcpy(&x, a, 4), memcpy(&y, b, 4), memcpy(&u, a + n - 4, 4), memcpy(&v, b + n - 4, 4);
        return x == y && u == v;
    }
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return false;
    return true;
}

/* The value of the spelling equal to s (n > 0 bytes), or false. */
static bool find_spelling(const EnumSpellings *es, const char *s, size_t n, int64_t *out)
{
    if (es->slots) {
        for (uint32_t j = spelling_hash(s, n) & es->mask; es->slots[j]; j = (j + 1) & es->mask) {
            const Spelling *sp = &es->items[es->slots[j] - 1];
            if (sp->len == n && same_bytes(sp->text, s, n)) {
                *out = sp->value;
                return true;
            }
        }
        return false;
    }
    for (uint32_t k = 0; k < es->count; k++)
        if (es->items[k].len == n && same_bytes(es->items[k].text, s, n)) {
            *out = es->items[k].value;
            return true;
        }
    return false;
}

static void add_spelling(EnumSpellings *es, const EnumInfo *e, const char *text)
{
    if (!text) return;
    size_t n = strlen(text);
    const char *t = text;
    size_t tn = n;
    value_trim(&t, &tn);
    if (n == 0 || tn != n || n > UINT32_MAX) return;   /* one the reader trims: left to it */
    int32_t v = value_enum_lookup(e, text, n);
    if (v >= 0) es->items[es->count++] = (Spelling){.text = text, .len = (uint32_t)n, .value = v};
}

/* A field as read_cells needs it for every cell, in 8 bytes (the FieldInfo is far larger):
 * its column, its kind, whether the fast reader may take it and whether it has a range. */
typedef struct FieldPlan {
    int32_t col;               /* 0-based, or -1 */
    uint8_t kind;              /* ValueKind */
    bool fast;                 /* read_fast may read it (an enum: one the program declares) */
    bool ranged;
} FieldPlan;

static void make_plan(RowCheck *c)
{
    c->plan = xcalloc(c->ri->nfields + 1, sizeof *c->plan);
    for (uint32_t i = 0; i < c->ri->nfields; i++) {
        const FieldInfo *f = &c->ri->fields[i];
        c->plan[i] = (FieldPlan){.col = c->column_of[i], .kind = (uint8_t)f->kind,
                                 .fast = f->kind != VK_ENUM || (f->enum_index >= 0 && (uint32_t)f->enum_index < c->p->nenums),
                                 .ranged = f->range_kind != 0};
    }
}

static void make_spellings(RowCheck *c)
{
    c->spell = xcalloc(c->ri->nfields + 1, sizeof *c->spell);
    for (uint32_t i = 0; i < c->ri->nfields; i++) {
        const FieldInfo *f = &c->ri->fields[i];
        if (f->kind != VK_ENUM || f->enum_index < 0 || (uint32_t)f->enum_index >= c->p->nenums) continue;
        const EnumInfo *e = &c->p->enums[f->enum_index];
        EnumSpellings *es = &c->spell[i];
        es->items = xmalloc(((size_t)e->count * 3 + 1) * sizeof *es->items);
        for (uint32_t k = 0; k < e->count; k++) {
            add_spelling(es, e, e->values[k]);
            if (e->labels) add_spelling(es, e, e->labels[k]);
            if (e->codes) add_spelling(es, e, e->codes[k]);
        }
        index_spellings(es);
    }
}

void row_check_free(RowCheck *c)
{
    for (uint32_t i = 0; c->spell && i < c->ri->nfields; i++) {
        free(c->spell[i].items);
        free(c->spell[i].slots);
    }
    free(c->spell);
    free(c->plan);
    free(c->column_of);
    c->spell = NULL;
    c->plan = NULL;
    c->column_of = NULL;
}

/* The spellings a ledger file has most often, read without value_parse's general reader: the
 * cell whole (not trimmed), and only where the value is certain — digits for an int, 0 or 1
 * for a yes/no, one of an enum's spellings, YYYY-MM-DD, text as it is (valid UTF-8 — checked
 * unless the row's reader vouches for it — no NUL, not an id with a lowercase x). The value is
 * what value_parse gives for the same text; text points into the row, which outlives the
 * row's store. Anything else: false, and the general reader decides. */
static bool read_fast(const RowCheck *c, uint32_t field, uint8_t kind, const char *s, size_t n, bool utf8_checked,
                      int64_t *out)
{
    switch (kind) {
    case VK_BOOL:
        if (n != 1 || (s[0] != '0' && s[0] != '1')) return false;
        *out = s[0] - '0';
        return true;
    case VK_INT: {
        if (n == 0 || n > 18) return false;
        int64_t v = 0;
        for (size_t i = 0; i < n; i++) {
            if (s[i] < '0' || s[i] > '9') return false;
            v = v * 10 + (s[i] - '0');
        }
        *out = v;
        return true;
    }
    case VK_ENUM: {
        /* a cell may hold NUL bytes: lengths compared, not C strings */
        return n > 0 && find_spelling(&c->spell[field], s, n, out);
    }
    case VK_DATE: return n == 10 && date_parse(s, n, out);
    case VK_TEXT: {
        if (n == 0) return false;
        /* spaces about it: the general reader trims them. Ends that cannot begin or end one
         * (an ASCII space or control, U+00A0 C2 A0, U+3000 E3 80 80) need no closer look. */
        unsigned char a = (unsigned char)s[0], z = (unsigned char)s[n - 1];
        if (a <= ' ' || a == 0xC2 || a == 0xE3 || z <= ' ' || z == 0xA0 || z == 0x80) {
            const char *t = s;
            size_t tn = n;
            value_trim(&t, &tn);
            if (tn != n) return false;
        }
        if (strlen(s) != n || (n == 18 && s[17] == 'x') || (!utf8_checked && !utf8_valid(s, n))) return false;
        *out = (int64_t)(intptr_t)s;
        return true;
    }
    default: return false;
    }
}

/* The row turned down: where (1-based column, 0 for the whole row) and why. False. */
static bool reject(RowCheck *c, uint32_t col, const char *reason)
{
    c->col = col;
    snprintf(c->reason, sizeof c->reason, "%s", reason);
    return false;
}

/* Read each field of the row; false (c->col, c->reason) at the first bad cell. */
static bool read_cells(RowCheck *im, const Row *rec)
{
    const RecordInfo *ri = im->ri;
    char reason[512], why[300], fname[160];
    const FieldPlan *plan = im->plan;
    int64_t *values = im->values;
    for (uint32_t i = 0; i < ri->nfields; i++) {
        const FieldPlan *fp = &plan[i];
        int c = fp->col;
        const char *cell = "";
        size_t len = 0;
        if ((size_t)(unsigned)c < rec->count) {   /* -1, no column, is never below it */
            cell = rec->cells[c];
            len = rec->lens[c];
            if (rec->cell_errors && rec->cell_errors[c]) {
                /* a workbook's cell whose value is not to be used: an error value, lost digits */
                field_name(&ri->fields[i], fname, sizeof fname);
                snprintf(reason, sizeof reason, "%s: %s", fname, rec->cell_errors[c]);
                return reject(im, (uint32_t)c + 1, reason);
            }
        }
        if (fp->fast && read_fast(im, i, fp->kind, cell, len, rec->utf8_checked, &values[i]) &&
            (!fp->ranged || value_in_range(im->p, &ri->fields[i], values[i], why, sizeof why)))
            continue;
        const FieldInfo *f = &ri->fields[i];
        const char *t = cell;
        size_t tn = len;
        value_trim(&t, &tn);
        if (tn == 0) {
            if (f->has_default) {
                im->values[i] = f->kind == VK_TEXT ? (int64_t)(intptr_t)im->p->strings[f->default_value]
                                                   : f->default_value;
                continue;
            }
            field_name(f, fname, sizeof fname);
            snprintf(reason, sizeof reason, "%s: empty", fname);
            return reject(im, c >= 0 ? (uint32_t)c + 1 : 0, reason);
        }
        im->owns = true;   /* the general reader may make a text the row owns */
        if (!value_parse(im->p, f, cell, len, &im->values[i], &im->owned[i], why, sizeof why) ||
            !value_in_range(im->p, f, im->values[i], why, sizeof why)) {
            field_name(f, fname, sizeof fname);
            snprintf(reason, sizeof reason, "%s: %s", fname, why);
            return reject(im, (uint32_t)c + 1, reason);
        }
    }
    return true;
}

/* The CSV column of the first field a require's text names (for the diagnostic's column). */
static uint32_t require_column(const RowCheck *im, const RequireInfo *rq)
{
    const char *s = rq->text;
    while (*s) {
        while (*s && !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) s++;
        const char *start = s;
        while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_') s++;
        for (uint32_t i = 0; i < im->ri->nfields; i++)
            if (strlen(im->ri->fields[i].name) == (size_t)(s - start) &&
                !strncmp(im->ri->fields[i].name, start, (size_t)(s - start)) && im->column_of[i] >= 0)
                return (uint32_t)im->column_of[i] + 1;
    }
    return 0;
}

static bool check_requires(RowCheck *im)
{
    RecordCheck rc;
    if (record_check_requires(im->vm, im->ri, im->values, &rc)) return true;   /* read_cells checked the ranges */
    uint32_t col = rc.verdict == RECORD_REQUIRE ? require_column(im, &im->ri->requires[rc.require])
                 : rc.verdict == RECORD_RANGE && im->column_of[rc.field] >= 0 ? (uint32_t)im->column_of[rc.field] + 1
                 : 0;
    return reject(im, col, rc.reason);
}

/* A row with more or fewer cells than the header. False. */
static bool reject_shape(RowCheck *c, const Row *rec, uint32_t col)
{
    char reason[256];
    snprintf(reason, sizeof reason, "the row has %zu fields, the header %zu", rec->count, c->ncolumns);
    return reject(c, col, reason);
}

/* The row's shape (malformed, more or fewer cells than the header), then its cells, then the
 * record's `require` constraints. */
bool row_check(RowCheck *c, const Row *rec)
{
    if (rec->error[0]) return reject(c, rec->error_col, rec->error);
    if (rec->count < c->ncolumns) return reject_shape(c, rec, 0);
    for (size_t k = c->ncolumns; k < rec->count; k++)
        if (rec->lens[k]) return reject_shape(c, rec, (uint32_t)k + 1);
    return read_cells(c, rec) && check_requires(c);
}

void row_check_release(RowCheck *c)
{
    free_owned(c);
}

static bool store(Importer *im, bool stored, char **error)
{
    switch (ledger_upsert(im->upsert, im->values, stored, error)) {
    case 1: im->stats->added++; return true;
    case 2: im->stats->updated++; return true;
    case 0: im->stats->unchanged++; return true;
    case 3: return true;   /* held: ledger_upsert_finish counts it */
    default: return false;
    }
}

static bool import_row(Importer *im, const Row *rec, char **error)
{
    char reason[256];
    im->stats->rows++;
    int kc = im->column_of[im->ri->key];
    if (kc >= 0 && (size_t)kc < rec->count) keyset_prefetch(&im->keys, rec->cells[kc], rec->lens[kc]);
    review_match_row(im->match, rec->cells, rec->lens, rec->count);
    if (!row_check(&im->check, rec)) {
        to_review(im, rec, im->check.col, im->check.reason);
        free_owned(&im->check);
        return true;
    }
    bool ok = true, stored = false;
    if (ok) {
        const FieldInfo *kf = &im->ri->fields[im->ri->key];
        im->key.count = 0;
        value_format(im->p, kf->kind, kf->enum_index, im->values[im->ri->key], false, &im->key);
        if (im->only_keys && strset_find_n(im->only_keys, sb_str(&im->key), im->key.count) == STRSET_NONE) {
            free_owned(&im->check);
            return true;
        }
        uint32_t first = keyset_see(&im->keys, sb_str(&im->key), im->key.count, rec->line, &stored);
        if (first) {
            snprintf(reason, sizeof reason,
                     rows_kind(im->src) == ROWS_XLSX ? "duplicate %s %s: the first is in row %u"
                                                     : "duplicate %s %s: the first is at line %u",
                     kf->name, sb_str(&im->key), first);
            to_review(im, rec, (uint32_t)im->column_of[im->ri->key] + 1, reason);
            ok = false;
        }
    }
    bool done = !ok || store(im, stored, error);
    free_owned(&im->check);
    return done;
}

uint32_t import_header_field(const RecordInfo *ri, const char *cell, size_t len)
{
    for (uint32_t i = 0; i < ri->nfields; i++)
        if (header_matches(&ri->fields[i], cell, len)) return i + 1;
    return 0;
}

/* Which field (index + 1) a header cell names, or 0: for rows_find_header. */
static uint32_t names_field(void *ctx, const char *cell, size_t len)
{
    const RowCheck *c = ctx;
    return import_header_field(c->ri, cell, len);
}

bool row_check_header(RowCheck *c, const char *path, char **error)
{
    Row rec;
    size_t skipped = 0, need = c->ri->nfields < 2 ? c->ri->nfields : 2;
    int rc = rows_find_header(c->src, names_field, c, need, &rec, &skipped);
    if (rc == 0 || rc == -2) {
        *error = xasprintf("%s: %s", path, rc == 0 ? "the file is empty (no header line)" : rec.error);
        return false;
    }
    c->header_line = rec.line;
    if (!map_header(c, &rec, error)) return false;
    make_spellings(c);
    make_plan(c);
    return true;
}

/* Whether this import read a row with the key `key`: stored, or sent to review again. */
static bool read_here(void *ctx, const char *key)
{
    const Importer *im = ctx;
    return keyset_line(&im->keys, key, strlen(key)) || strset_find(&im->reviewed, key) != STRSET_NONE;
}

static void note_stored(void *ctx, const char *key, size_t len)
{
    keyset_add_stored(ctx, key, len);
}

/* Read the ledger's keys first (each row then one statement: INSERT if new, UPDATE if not)
 * unless the ledger is far larger than the file — a few changed rows into a national ledger —
 * where reading every key would cost more than it saves: then each row is tried as new, and
 * updated when the ledger turns out to hold its key. The counts are the same either way. The
 * sizes are estimates (file bytes, ledger pages); a person takes ~160 bytes in either.
 * DOUDI_IMPORT_KEYS=read or =probe picks one way whatever the sizes (for the tests of both). */
static bool know_keys(const Importer *im)
{
    const char *force = getenv("DOUDI_IMPORT_KEYS");
    if (force && !strcmp(force, "read")) return true;
    if (force && !strcmp(force, "probe")) return false;
    struct stat st;
    int64_t file = stat(im->path, &st) == 0 ? (int64_t)st.st_size : 0;
    return ledger_bytes(im->l) <= 8 * file + (64 << 20);
}

static bool import_rows(Importer *im, char **error)
{
    Row rec;
    int rc;
    bool mapped = row_check_header(&im->check, im->path, error);
    im->column_of = im->check.column_of;
    im->ncolumns = im->check.ncolumns;
    im->header_line = im->check.header_line;
    bool keys_known = know_keys(im);
    if (!mapped || !ledger_declare_record(im->l, im->p, im->ri, error) ||
        !ledger_declare_absent(im->l, im->p, error) ||
        (keys_known && !ledger_each_key(im->l, im->ri, note_stored, &im->keys, error)) ||
        !(im->upsert = ledger_upsert_open(im->l, im->p, im->ri, keys_known, error)) ||
        !ledger_review_clear(im->l, im->source, im->ri->name, error) ||
        !(im->match = review_match_open(im->l, im->ri, im->source, im->column_of, error)))
        return false;
    while ((rc = rows_next(im->src, &rec)) != 0) {
        if (rc == -2) {   /* the file became unreadable: fail the whole import */
            *error = xasprintf("%s: %s", im->path, rec.error);
            return false;
        }
        if (!import_row(im, &rec, error)) return false;
        if (im->error) {
            *error = im->error;
            im->error = NULL;
            return false;
        }
        CRASH_POINT("import.row");
    }
    uint64_t updated, unchanged;
    if (!ledger_upsert_finish(im->upsert, &updated, &unchanged, error)) return false;
    im->stats->updated += updated;
    im->stats->unchanged += unchanged;
    /* the rows read here leave review wherever they were read before (review.h) */
    ReviewMatch *m = im->match;
    im->match = NULL;
    return review_match_close(m, read_here, im, error);
}

bool import_file(Ledger *l, const Program *p, Vm *vm, uint32_t record, const char *path,
                 const ImportOptions *opt, FILE *report, ImportStats *stats, char **error)
{
    memset(stats, 0, sizeof *stats);
    if (record >= p->nrecords) {
        *error = xstrdup("the rule file declares no such record");
        return false;
    }
    const RecordInfo *ri = &p->records[record];
    if (ri->key < 0) {
        *error = xstrdup("the record has no key");
        return false;
    }
    RowsOptions ro = {.encoding = opt ? opt->encoding : NULL, .sheet = opt ? opt->sheet : NULL};
    RowSource *src = rows_open(path, &ro, error);
    if (!src) return false;
    snprintf(stats->encoding, sizeof stats->encoding, "%s", rows_encoding(src));
    if (rows_sheet(src)) snprintf(stats->sheet, sizeof stats->sheet, "%s", rows_sheet(src));
    /* review entries are keyed by the file itself, not by how its path was typed (./p.csv and
     * p.csv are one file, and so are their review entries) */
    char real[PATH_MAX];
    const char *source = realpath(path, real) ? real : path;
    Importer im = {.l = l, .p = p, .vm = vm, .ri = ri, .path = path, .source = source, .report = report,
                   .stats = stats, .src = src, .only_keys = opt ? opt->only_keys : NULL};
    im.values = xcalloc(ri->nfields + 1, sizeof *im.values);
    im.owned = xcalloc(ri->nfields + 1, sizeof *im.owned);
    im.check = (RowCheck){.p = p, .vm = vm, .ri = ri, .src = src, .values = im.values, .owned = im.owned};
    bool ok = ledger_begin(l, error);
    if (ok) {
        ok = import_rows(&im, error);
        ledger_upsert_close(im.upsert);
        free(im.error);
        if (ok) CRASH_POINT("import.before-commit");
        if (ok) ok = ledger_commit(l, error);
        if (ok) CRASH_POINT("import.after-commit");
        if (!ok) ledger_rollback(l);
    }
    rows_close(src);
    keyset_free(&im.keys);
    sb_free(&im.key);
    strset_free(&im.reviewed);
    review_match_close(im.match, NULL, NULL, NULL);   /* after a failure: only freed */
    row_check_free(&im.check);
    free(im.values);
    free(im.owned);
    return ok;
}
