/* import.c — CSV ledgers into the store (see import.h). */
#define _XOPEN_SOURCE 700   /* realpath */
#include "import.h"
#include "base/crash.h"
#include "csv.h"
#include "base/resid.h"
#include "vm/record.h"
#include "vm/values.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- a set of keys seen in this file (first line of each) ------------------------------- */

typedef struct KeySet {
    char **keys;
    uint32_t *lines;
    size_t cap, count;
} KeySet;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void keyset_grow(KeySet *ks)
{
    KeySet bigger = {.cap = ks->cap ? ks->cap * 2 : 1024};
    bigger.keys = xcalloc(bigger.cap, sizeof *bigger.keys);
    bigger.lines = xcalloc(bigger.cap, sizeof *bigger.lines);
    for (size_t i = 0; i < ks->cap; i++) {
        if (!ks->keys[i]) continue;
        size_t j = hash_str(ks->keys[i]) & (bigger.cap - 1);
        while (bigger.keys[j]) j = (j + 1) & (bigger.cap - 1);
        bigger.keys[j] = ks->keys[i];
        bigger.lines[j] = ks->lines[i];
    }
    bigger.count = ks->count;
    free(ks->keys);
    free(ks->lines);
    *ks = bigger;
}

/* Add key; returns 0 if new, else the line where it was first seen. */
static uint32_t keyset_add(KeySet *ks, const char *key, uint32_t line)
{
    if ((ks->count + 1) * 2 > ks->cap) keyset_grow(ks);
    size_t j = hash_str(key) & (ks->cap - 1);
    while (ks->keys[j]) {
        if (!strcmp(ks->keys[j], key)) return ks->lines[j];
        j = (j + 1) & (ks->cap - 1);
    }
    ks->keys[j] = xstrdup(key);
    ks->lines[j] = line;
    ks->count++;
    return 0;
}

static void keyset_free(KeySet *ks)
{
    for (size_t i = 0; i < ks->cap; i++) free(ks->keys[i]);
    free(ks->keys);
    free(ks->lines);
}

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
    int *column_of;            /* field index -> 0-based CSV column, or -1 */
    size_t ncolumns;           /* in the header */
    int64_t *values;
    char **owned;
    KeySet keys;
    LedgerUpsert *upsert;
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

static bool map_header(Importer *im, const CsvRecord *h, char **error)
{
    const RecordInfo *ri = im->ri;
    im->ncolumns = h->count;
    im->column_of = xmalloc((ri->nfields + 1) * sizeof *im->column_of);
    StrBuf missing = {0};
    for (uint32_t i = 0; i < ri->nfields; i++) {
        im->column_of[i] = -1;
        for (size_t c = 0; c < h->count; c++)
            if (header_matches(&ri->fields[i], h->fields[c], h->lens[c])) {
                if (im->column_of[i] >= 0) {
                    StrBuf sb = {0};
                    sb_printf(&sb, "%s:1:%zu: column '%s' appears twice in the header (also column %d)",
                              im->path, c + 1, ri->fields[i].name, im->column_of[i] + 1);
                    *error = sb_take(&sb);
                    sb_free(&missing);
                    return false;
                }
                im->column_of[i] = (int)c;
            }
        if (im->column_of[i] < 0 && !ri->fields[i].has_default) {
            if (missing.count) sb_puts(&missing, ", ");
            sb_printf(&missing, "%s", ri->fields[i].name);
            if (ri->fields[i].label) sb_printf(&missing, " (%s)", ri->fields[i].label);
        }
    }
    if (missing.count) {
        StrBuf sb = {0};
        sb_printf(&sb, "%s:1: the header has no column for: %s", im->path, sb_str(&missing));
        *error = sb_take(&sb);
        sb_free(&missing);
        return false;
    }
    sb_free(&missing);
    return true;
}

static void to_review(Importer *im, const CsvRecord *rec, uint32_t col, const char *reason)
{
    if (im->report) {
        /* a message for people: resident ids in it masked (the review table keeps the row whole) */
        char *shown = xstrdup(reason);
        resident_id_mask(shown);
        fprintf(im->report, "%s:%u:%u: %s\n", im->path, rec->line, col, shown);
        free(shown);
    }
    ReviewEntry e = {.source = im->source, .line = rec->line, .col = col, .reason = reason,
                     .raw = rec->raw, .raw_len = rec->raw ? rec->raw_len : 0, .record = im->ri->name};
    if (!im->error) ledger_review_add(im->l, &e, &im->error);
    im->stats->review++;
}

static void free_owned(Importer *im)
{
    for (uint32_t i = 0; i < im->ri->nfields; i++) {
        free(im->owned[i]);
        im->owned[i] = NULL;
    }
}

static void field_name(const FieldInfo *f, char *buf, size_t n)
{
    if (f->label) snprintf(buf, n, "%s (%s)", f->name, f->label);
    else snprintf(buf, n, "%s", f->name);
}

/* Read each field of the row; false (row reviewed) at the first bad cell. */
static bool read_cells(Importer *im, const CsvRecord *rec)
{
    const RecordInfo *ri = im->ri;
    char reason[512], why[300], fname[160];
    for (uint32_t i = 0; i < ri->nfields; i++) {
        const FieldInfo *f = &ri->fields[i];
        int c = im->column_of[i];
        const char *cell = c >= 0 && (size_t)c < rec->count ? rec->fields[c] : "";
        size_t len = c >= 0 && (size_t)c < rec->count ? rec->lens[c] : 0;
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
            to_review(im, rec, c >= 0 ? (uint32_t)c + 1 : 0, reason);
            return false;
        }
        if (!value_parse(im->p, f, cell, len, &im->values[i], &im->owned[i], why, sizeof why) ||
            !value_in_range(im->p, f, im->values[i], why, sizeof why)) {
            field_name(f, fname, sizeof fname);
            snprintf(reason, sizeof reason, "%s: %s", fname, why);
            to_review(im, rec, (uint32_t)c + 1, reason);
            return false;
        }
    }
    return true;
}

/* The CSV column of the first field a require's text names (for the diagnostic's column). */
static uint32_t require_column(const Importer *im, const RequireInfo *rq)
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

static bool check_requires(Importer *im, const CsvRecord *rec)
{
    RecordCheck rc;
    if (record_check(im->vm, im->ri, im->values, &rc)) return true;
    uint32_t col = rc.verdict == RECORD_REQUIRE ? require_column(im, &im->ri->requires[rc.require])
                 : rc.verdict == RECORD_RANGE && im->column_of[rc.field] >= 0 ? (uint32_t)im->column_of[rc.field] + 1
                 : 0;
    to_review(im, rec, col, rc.reason);
    return false;
}

static bool store(Importer *im, char **error)
{
    switch (ledger_upsert(im->upsert, im->values, error)) {
    case 1: im->stats->added++; return true;
    case 2: im->stats->updated++; return true;
    case 0: im->stats->unchanged++; return true;
    default: return false;
    }
}

static bool import_row(Importer *im, const CsvRecord *rec, char **error)
{
    char reason[256];
    im->stats->rows++;
    if (rec->error[0]) {
        to_review(im, rec, rec->error_col, rec->error);
        return true;
    }
    if (rec->count < im->ncolumns) {
        snprintf(reason, sizeof reason, "the row has %zu fields, the header %zu", rec->count, im->ncolumns);
        to_review(im, rec, 0, reason);
        return true;
    }
    for (size_t c = im->ncolumns; c < rec->count; c++)
        if (rec->lens[c]) {
            snprintf(reason, sizeof reason, "the row has %zu fields, the header %zu", rec->count, im->ncolumns);
            to_review(im, rec, (uint32_t)c + 1, reason);
            return true;
        }
    bool ok = read_cells(im, rec) && check_requires(im, rec);
    if (ok) {
        StrBuf key = {0};
        const FieldInfo *kf = &im->ri->fields[im->ri->key];
        value_format(im->p, kf->kind, kf->enum_index, im->values[im->ri->key], false, &key);
        uint32_t first = keyset_add(&im->keys, sb_str(&key), rec->line);
        if (first) {
            snprintf(reason, sizeof reason, "duplicate %s %s: the first is at line %u", kf->name, sb_str(&key), first);
            to_review(im, rec, (uint32_t)im->column_of[im->ri->key] + 1, reason);
            ok = false;
        }
        sb_free(&key);
    }
    bool stored = !ok || store(im, error);
    free_owned(im);
    return stored;
}

static bool import_rows(Importer *im, CsvReader *csv, char **error)
{
    CsvRecord rec;
    int rc = csv_next(csv, &rec);
    if (rc <= 0) {
        StrBuf sb = {0};
        sb_printf(&sb, "%s: %s", im->path, rc == 0 ? "the file is empty (no header line)" : rec.error);
        *error = sb_take(&sb);
        return false;
    }
    if (!map_header(im, &rec, error) || !ledger_declare_record(im->l, im->p, im->ri, error) ||
        !(im->upsert = ledger_upsert_open(im->l, im->p, im->ri, error)) ||
        !ledger_review_clear(im->l, im->source, im->ri->name, error))
        return false;
    while ((rc = csv_next(csv, &rec)) != 0) {
        if (rc == -2) {   /* the file became unreadable: fail the whole import */
            StrBuf sb = {0};
            sb_printf(&sb, "%s: %s", im->path, rec.error);
            *error = sb_take(&sb);
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
    return true;
}

bool import_csv(Ledger *l, const Program *p, Vm *vm, uint32_t record, const char *path,
                const char *encoding, FILE *report, ImportStats *stats, char **error)
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
    CsvReader *csv = csv_open(path, encoding, error);
    if (!csv) return false;
    snprintf(stats->encoding, sizeof stats->encoding, "%s", csv_encoding(csv));
    /* review entries are keyed by the file itself, not by how its path was typed (./p.csv and
     * p.csv are one file, and so are their review entries) */
    char real[PATH_MAX];
    const char *source = realpath(path, real) ? real : path;
    Importer im = {.l = l, .p = p, .vm = vm, .ri = ri, .path = path, .source = source, .report = report, .stats = stats};
    im.values = xcalloc(ri->nfields + 1, sizeof *im.values);
    im.owned = xcalloc(ri->nfields + 1, sizeof *im.owned);
    bool ok = ledger_begin(l, error);
    if (ok) {
        ok = import_rows(&im, csv, error);
        ledger_upsert_close(im.upsert);
        free(im.error);
        if (ok) CRASH_POINT("import.before-commit");
        if (ok) ok = ledger_commit(l, error);
        if (ok) CRASH_POINT("import.after-commit");
        if (!ok) ledger_rollback(l);
    }
    csv_close(csv);
    keyset_free(&im.keys);
    free(im.column_of);
    free(im.values);
    free(im.owned);
    return ok;
}
