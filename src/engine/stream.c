/* stream.c — the streaming run (see stream.h). */
#include "stream.h"
#include "base/msg.h"
#include "base/quicksort.h"
#include "base/replace.h"
#include "base/resid.h"
#include "base/sort.h"
#include "base/strset.h"
#include "csv.h"
#include "keyset.h"
#include "rows.h"
#include "vm/values.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A person's result row, kept for the results file (the run's ledger does not store it). */
enum { KEPT_INLINE = 24 };     /* key bytes a Kept holds itself: a resident id has 18 */

typedef struct Kept {
    uint64_t prefix[3];        /* the key's first 24 bytes, big-endian, zero-padded: the whole
                                  key of most persons, so that neither the sort nor the results
                                  file reads another line of memory for it */
    uint32_t key_len;
    uint32_t key_at;           /* a longer key: where it is in Streamer.keytext, in 8 bytes */
    uint32_t categories, primary, placement;   /* texts in Streamer.texts */
    int32_t year;              /* -1: none */
} Kept;                        /* 48 bytes: a row's memory is most of the run's */

enum { NAME_CACHE = 64 };

typedef struct Streamer {
    Ledger *l;
    const StreamOptions *opt;
    bool threaded;             /* opt->jobs > 1: rows are read on a worker thread (see note_row) */
    FILE *report;
    ImportStats *read;
    RowSource *src;
    RowCheck check;
    Row row;                   /* the row last read */
    uint32_t cur_line;         /* the person the run handles now: their line and row, for a */
    const char *cur_raw;       /* review by the run (person_reviewed) */
    uint32_t bad_col;          /* the row last read is to go to review (next_person gave 2): */
    char bad_reason[600];      /* where and why */
    KeySet keys;               /* the keys read so far, with their first lines */
    StrBuf key;
    StrBuf review;             /* the review file's text, when one is asked for */
    Kept *kept;                /* the result rows, one per person evaluated */
    size_t nkept, kept_cap, next_kept;
    StrBuf keytext;            /* their keys longer than KEPT_INLINE, each NUL-terminated,
                                  at multiples of 8 bytes */
    char keybuf[KEPT_INLINE + 1];      /* next_result's key, from its prefix */
    StrSet texts;              /* their sets of categories ("a|b"), primary categories and
                                  placements: a few distinct texts */
    /* primary categories and placements seen (the program's strings: one pointer, one text,
     * all run long), each with its id in texts */
    const char *name_ptr[NAME_CACHE];
    uint32_t name_id[NAME_CACHE];
} Streamer;

static void review_line(Streamer *s, const char *file, uint32_t line, uint32_t col, const char *reason,
                        const char *raw)
{
    if (!s->opt->review_path) return;
    csv_write_cell(&s->review, file);
    sb_printf(&s->review, ",%u,%u,", line, col);
    csv_write_cell(&s->review, msg_text(reason));
    sb_putc(&s->review, ',');
    csv_write_cell(&s->review, raw ? raw : "");
    sb_putc(&s->review, '\n');
}

/* A row to review, as the reading thread describes it to the run's (see note_row). */
typedef struct Refusal {
    uint32_t line, col;
    const char *where;         /* "persons.csv:12:3", as the import reports it */
    const char *reason;
    const char *raw;           /* NULL: none */
    size_t raw_len;
} Refusal;

/* A bad row, as the import sends it to review: reported (ids masked) and into the review file.
 * (Not into the scratch ledger's review table: nothing reads it there — the streamed forms
 * count no review rows, and the run's own entries are the run's.) */
static void to_review(Streamer *s, const Refusal *r)
{
    if (s->report) {
        char *shown = xstrdup(msg_text(r->reason));
        resident_id_mask(shown);
        fprintf(s->report, "%s: %s\n", r->where, shown);
        free(shown);
    }
    review_line(s, s->opt->path, r->line, r->col, r->reason, r->raw);
    s->read->review++;
}

/* The row last read goes to review at col for reason: next_person gives 2, and the run hands
 * the row back (note_row, then row_taken) in its turn. */
static int refuse(Streamer *s, uint32_t col, const char *reason)
{
    s->bad_col = col;
    snprintf(s->bad_reason, sizeof s->bad_reason, "%s", reason);
    return 2;
}

/* The key seen before in the file: the row reviewed as the import reviews it (2), or 1. */
static int unique(Streamer *s, const Row *rec)
{
    const RecordInfo *ri = s->check.ri;
    const FieldInfo *kf = &ri->fields[ri->key];
    s->key.count = 0;
    value_format(s->check.p, kf->kind, kf->enum_index, s->check.values[ri->key], false, &s->key);
    bool stored;
    uint32_t first = keyset_see(&s->keys, sb_str(&s->key), s->key.count, rec->line, &stored);
    if (!first) return 1;
    char reason[256];
    snprintf(reason, sizeof reason,
             rows_kind(s->src) == ROWS_XLSX ? "duplicate %s %s: the first is in row %u"
                                            : "duplicate %s %s: the first is at line %u",
             kf->name, sb_str(&s->key), first);
    return refuse(s, (uint32_t)s->check.column_of[ri->key] + 1, reason);
}

/* RunSource.next: the next row's values (1), or a bad row to review (2). Runs on a worker
 * thread when threaded: it writes nothing the calling thread reads. */
static int next_person(void *ctx, int64_t *values, const char **key, char *why, size_t whylen, char **error)
{
    (void)key, (void)why, (void)whylen;
    Streamer *s = ctx;
    row_check_release(&s->check);
    int rc = rows_next(s->src, &s->row);
    if (rc == 0) return 0;
    if (rc == -2) {   /* the file became unreadable: the run fails */
        *error = xasprintf("%s: %s", s->opt->path, s->row.error);
        return -2;
    }
    s->read->rows++;
    int kc = s->check.column_of[s->check.ri->key];
    if (kc >= 0 && (size_t)kc < s->row.count) keyset_prefetch(&s->keys, s->row.cells[kc], s->row.lens[kc]);
    if (!row_check(&s->check, &s->row)) return refuse(s, s->check.col, s->check.reason);
    if (unique(s, &s->row) == 2) return 2;
    s->read->added++;
    memcpy(values, s->check.values, s->check.ri->nfields * sizeof *values);
    if (!s->threaded) {
        s->cur_line = s->row.line;
        s->cur_raw = s->row.raw;
    }
    return 1;
}

/* ---- what the reading thread tells the run's about a row (RunSource.note / taken) ----------- */

static void put_u32(StrBuf *out, uint32_t v) { sb_putn(out, (const char *)&v, sizeof v); }

static uint32_t get_u32(const char **p)
{
    uint32_t v;
    memcpy(&v, *p, sizeof v);
    *p += sizeof v;
    return v;
}

/* RunSource.note: 'R', a row to review (line, column, where, reason, its text), or 'P', a
 * person (line, text: for a review by the run). The text: a byte 0 (none) or 1, then its
 * bytes to the end. Strings end with NUL (the text too). */
static void note_row(void *ctx, StrBuf *out)
{
    Streamer *s = ctx;
    bool bad = s->bad_col != UINT32_MAX;
    sb_putc(out, bad ? 'R' : 'P');
    put_u32(out, s->row.line);
    if (bad) {
        put_u32(out, s->bad_col);
        rows_where(s->src, s->row.line, s->bad_col, out);
        if (rows_kind(s->src) == ROWS_CSV && !s->bad_col) sb_puts(out, ":0");
        sb_putc(out, '\0');
        sb_puts(out, s->bad_reason);
        sb_putc(out, '\0');
        s->bad_col = UINT32_MAX;
    }
    sb_putc(out, s->row.raw ? 1 : 0);
    if (s->row.raw) sb_putn(out, s->row.raw, s->row.raw_len);
    sb_putc(out, '\0');
}

/* RunSource.taken, on the run's thread in the file's order: a bad row is reviewed now; a
 * person becomes the one a review by the run is about. */
static bool row_taken(void *ctx, const char *note, size_t len, char **error)
{
    Streamer *s = ctx;
    const char *p = note, *end = note + len;
    char kind = *p++;
    uint32_t line = get_u32(&p);
    Refusal r = {.line = line};
    if (kind == 'R') {
        r.col = get_u32(&p);
        r.where = p;
        p += strlen(p) + 1;
        r.reason = p;
        p += strlen(p) + 1;
    }
    bool has_raw = *p++;
    const char *raw = has_raw ? p : NULL;
    size_t raw_len = has_raw ? (size_t)(end - p) - 1 : 0;
    if (kind == 'R') {
        r.raw = raw;
        r.raw_len = raw_len;
        to_review(s, &r);
        return true;
    }
    s->cur_line = line;
    s->cur_raw = raw;
    return true;
}

/* RunSource.reviewed: the person just given could not be evaluated (the run stores it). */
static void person_reviewed(void *ctx, const char *reason)
{
    Streamer *s = ctx;
    review_line(s, s->opt->path, s->cur_line, 0, reason, s->cur_raw);
}

/* The id in s->texts of a primary category or placement, by its pointer where it was seen. */
static uint32_t name_id(Streamer *s, const char *name)
{
    if (!name) name = "";
    size_t slot = ((uintptr_t)name >> 3) & (NAME_CACHE - 1);
    if (s->name_ptr[slot] != name) {
        s->name_id[slot] = strset_add(&s->texts, name, NULL);
        s->name_ptr[slot] = name;
    }
    return s->name_id[slot];
}

/* RunSource.result: keep the row for the results file. */
static bool keep_result(void *ctx, const ResultRow *r, char **error)
{
    Streamer *s = ctx;
    if (s->nkept == s->kept_cap) {
        s->kept_cap = s->kept_cap ? 2 * s->kept_cap : 4096;
        s->kept = xrealloc(s->kept, s->kept_cap * sizeof *s->kept);
    }
    Kept *k = &s->kept[s->nkept];
    if (r->key_len > UINT32_MAX || (r->key_len > KEPT_INLINE && s->keytext.count / 8 > UINT32_MAX)) {
        *error = xstrdup("the keys are too long to be kept in memory");
        return false;
    }
    s->nkept++;
    k->key_len = (uint32_t)r->key_len;
    if (r->key_len > KEPT_INLINE) {
        k->key_at = (uint32_t)(s->keytext.count / 8);
        sb_putn(&s->keytext, r->key, r->key_len);
        do sb_putc(&s->keytext, '\0');
        while (s->keytext.count % 8);
    }
    for (unsigned w = 0; w < 3; w++) k->prefix[w] = sort_key_word(r->key, r->key_len, w);
    k->categories = strset_add(&s->texts, r->categories, NULL);
    k->primary = name_id(s, r->primary);
    k->placement = name_id(s, r->placement);
    k->year = r->has_year ? (int32_t)r->year : -1;
    return true;
}

/* Byte order, as SQLite's BINARY collation sorts the stored results (keys hold no NUL). Longer
 * keys are in keytext. */
static inline int kept_cmp(const Kept *x, const Kept *y, const char *keytext)
{
    for (int w = 0; w < 3; w++)
        if (x->prefix[w] != y->prefix[w]) return x->prefix[w] < y->prefix[w] ? -1 : 1;
    /* the first 24 bytes alike: a key that has no more comes first */
    if (x->key_len <= KEPT_INLINE || y->key_len <= KEPT_INLINE)
        return (x->key_len > KEPT_INLINE) - (y->key_len > KEPT_INLINE);
    return strcmp(keytext + (size_t)x->key_at * 8, keytext + (size_t)y->key_at * 8);
}

/* The rows in key order (unique keys: duplicates went to review). */
QUICKSORT_DEFINE(sort_kept, Kept, const char *, kept_cmp)

/* RunSource.results: the rows kept, in key order (byte order, as the ledger sorts them). */
static int next_result(void *ctx, ResultRow *out, char **error)
{
    (void)error;
    Streamer *s = ctx;
    if (s->next_kept == 0) sort_kept(s->kept, s->nkept, s->keytext.items);
    if (s->next_kept == s->nkept) return 0;
    const Kept *k = &s->kept[s->next_kept++];
    const char *key = k->key_len > KEPT_INLINE ? s->keytext.items + (size_t)k->key_at * 8 : s->keybuf;
    if (k->key_len <= KEPT_INLINE) {
        for (unsigned w = 0; w < 3; w++) sort_word_bytes(k->prefix[w], s->keybuf + 8 * w);
        s->keybuf[k->key_len] = '\0';
    }
    *out = (ResultRow){.key = key, .key_len = k->key_len,
                       .categories = strset_text(&s->texts, k->categories), .primary = strset_text(&s->texts, k->primary),
                       .placement = strset_text(&s->texts, k->placement), .has_year = k->year >= 0, .year = k->year};
    return 1;
}

/* The rows earlier imports into this ledger sent to review (the institutions), first in the
 * review file. */
static bool earlier_entry(void *ctx, int64_t id, const ReviewEntry *e)
{
    (void)id;
    Streamer *s = ctx;
    review_line(s, e->source, e->line, e->col, e->reason, e->raw);
    return true;
}

/* The review file, put in place whole (base/replace.h; 0600: it holds full ids) before the run
 * commits (RunSource.finish): if it cannot be written, neither is the results file. */
static bool finish_review(void *ctx, char **error)
{
    Streamer *s = ctx;
    const char *path = s->opt->review_path;
    int err = file_replace(path, s->review.items, s->review.count, 0600, NULL);
    if (err) *error = xasprintf("cannot write %s: %s", path, strerror(err));
    return !err;
}

static bool stream_body(Streamer *s, const Program *p, Vm *vm, const char *results_path, RunProgress progress,
                        void *ctx, RunStats *stats, char **error)
{
    if (!row_check_header(&s->check, s->opt->path, error)) return false;
    /* Tables sized for the file's rows at once. At most one row in 100 bytes (a row of the
     * survey ledger takes some 160): an estimate too large costs address space only, pages
     * being taken as rows fill them; one too small, a copy of all so far. Up to 16 million
     * rows: past that they grow as they fill, and no table asks for gigabytes it may never
     * use. The key set's slots (touched at random, so all of them) for rows of 170 bytes:
     * growing it rehashes every key; its entries at 24 bytes (an 18-character id's). */
    struct stat st;
    size_t expected = 0;
    if (stat(s->opt->path, &st) == 0 && S_ISREG(st.st_mode) && rows_kind(s->src) == ROWS_CSV) {
        expected = (size_t)st.st_size / 100;
        if (expected > (size_t)1 << 24) expected = (size_t)1 << 24;
        keyset_reserve(&s->keys, (size_t)st.st_size / 170, expected * 24);
        if (!s->opt->store_results) {
            s->kept_cap = expected + 1;
            s->kept = xmalloc(s->kept_cap * sizeof *s->kept);
            memory_advise_huge(s->kept, s->kept_cap * sizeof *s->kept);
        }
    }
    if (s->opt->review_path) {
        sb_puts(&s->review, "file,line,column,reason,row\n");   /* not a message: a file's header */
        if (!ledger_each_review(s->l, NULL, NULL, earlier_entry, s, error)) return false;
    }
    bool keep = !s->opt->store_results;
    RunSource src = {.next = next_person, .reviewed = person_reviewed, .note = note_row, .taken = row_taken,
                     .result = keep ? keep_result : NULL, .results = keep ? next_result : NULL, .checked = true,
                     .expected = expected,
                     .ctx = s, .finish = s->opt->review_path ? finish_review : NULL};
    return run_rules_from(s->l, p, vm, &src, s->opt->jobs, results_path, progress, ctx, stats, error);
}

bool stream_run(Ledger *l, const Program *p, Vm *vm, const StreamOptions *opt, const char *results_path,
                FILE *report, RunProgress progress, void *ctx, ImportStats *read, RunStats *stats, char **error)
{
    memset(read, 0, sizeof *read);
    memset(stats, 0, sizeof *stats);
    if (p->nrecords == 0 || p->records[0].key < 0) {
        *error = xstrdup("the rule file declares no record with a key");
        return false;
    }
    const RecordInfo *ri = &p->records[0];
    RowsOptions ro = {.encoding = opt->encoding, .sheet = opt->sheet};
    RowSource *src = rows_open(opt->path, &ro, error);
    if (!src) return false;
    snprintf(read->encoding, sizeof read->encoding, "%s", rows_encoding(src));
    if (rows_sheet(src)) snprintf(read->sheet, sizeof read->sheet, "%s", rows_sheet(src));
    Streamer s = {.l = l, .opt = opt, .threaded = opt->jobs > 1,
                  .report = report, .read = read, .src = src, .bad_col = UINT32_MAX};
    /* the rows' `require`s run on the reading thread: with a Vm of their own when that is a
     * worker */
    Vm *check_vm = s.threaded ? vm_copy(vm) : vm;
    s.check = (RowCheck){.p = p, .vm = check_vm, .ri = ri, .src = src, .values = xcalloc(ri->nfields + 1, sizeof(int64_t)),
                         .owned = xcalloc(ri->nfields + 1, sizeof(char *))};
    bool ok = stream_body(&s, p, vm, results_path, progress, ctx, stats, error);
    row_check_release(&s.check);
    if (check_vm != vm) vm_free(check_vm);
    free(s.check.values);
    free(s.check.owned);
    row_check_free(&s.check);
    rows_close(src);
    keyset_free(&s.keys);
    sb_free(&s.key);
    sb_free(&s.review);
    free(s.kept);
    sb_free(&s.keytext);
    strset_free(&s.texts);
    return ok;
}
