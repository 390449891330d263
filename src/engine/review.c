/* review.c — the review queue sent back to the clerk, and taken out of review again (see
 * review.h). */
#define _XOPEN_SOURCE 700   /* realpath */
#include "review.h"
#include "csv.h"
#include "import.h"
#include "rows.h"
#include "xlsx_write.h"
#include "xlsx.h"
#include "base/replace.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef DOUDI_NO_XLSX
#include <xlsxwriter.h>
#endif

/* The reason column's header. */
#define REVIEW_REASON "原因"
/* Where a run's entries come from, in the reason column and as their sheet's name. */
#define RUN_SHEET "第%lld次运行"

/* ---- the entries, grouped by source file and record type ------------------------------------ */

typedef struct ReviewRow {
    uint32_t line, col;
    char *reason;
    char **cells;
    size_t ncells;
} ReviewRow;

typedef struct ReviewGroup {
    char *source, *record;
    int64_t run;               /* the persons run `run` could not evaluate (source "run N"); 0: a file's rows */
    bool xlsx;                 /* the source is a workbook: its cells are lettered */
    char **header;
    size_t nheader;
    size_t ncols;              /* the widest of the header and the rows (the reason column follows) */
    ReviewRow *rows;
    size_t nrows, cap;
} ReviewGroup;

typedef struct Groups {
    ReviewGroup *g;
    size_t n, cap;
} Groups;

char *review_key_norm(const char *s, size_t n, char *out, size_t cap)
{
    while (n && (*s == ' ' || *s == '\t')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) n--;
    if (!cap) return out;
    if (n >= cap) n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
    if (n && out[n - 1] == 'x') out[n - 1] = 'X';
    return out;
}

/* The raw row (one CSV line as the importer kept it) as cells. */
static void split_raw(const char *raw, size_t len, char ***cells, size_t *n)
{
    *cells = NULL;
    *n = 0;
    if (!len) return;
    char *err = NULL;
    CsvReader *r = csv_open_memory(raw, len, "utf-8", &err);
    CsvRecord rec;
    if (r && csv_next(r, &rec) != 0) {
        *cells = xcalloc(rec.count, sizeof **cells);
        for (size_t i = 0; i < rec.count; i++) (*cells)[i] = xstrndup(rec.fields[i], rec.lens[i]);
        *n = rec.count;
    } else {   /* not CSV after all: the text as one cell, nothing lost */
        *cells = xcalloc(1, sizeof **cells);
        (*cells)[0] = xstrndup(raw, len);
        *n = 1;
    }
    if (r) csv_close(r);
    free(err);
}

static void free_cells(char **cells, size_t n)
{
    for (size_t i = 0; i < n; i++) free(cells[i]);
    free(cells);
}

/* The entry's row in its group (the last one, or a new one when the source or record type
 * changes: entries come ordered by them). */
static ReviewRow *add_row(Groups *gs, const ReviewEntry *e)
{
    ReviewGroup *g = gs->n ? &gs->g[gs->n - 1] : NULL;
    if (!g || strcmp(g->source, e->source) || strcmp(g->record, e->record)) {
        if (gs->n == gs->cap) {
            gs->cap = gs->cap ? gs->cap * 2 : 4;
            gs->g = xrealloc(gs->g, gs->cap * sizeof *gs->g);
        }
        g = &gs->g[gs->n++];
        *g = (ReviewGroup){.source = xstrdup(e->source), .record = xstrdup(e->record), .run = e->run};
    }
    if (g->nrows == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 16;
        g->rows = xrealloc(g->rows, g->cap * sizeof *g->rows);
    }
    ReviewRow *r = &g->rows[g->nrows++];
    *r = (ReviewRow){.line = e->line, .col = e->col, .reason = xstrdup(e->reason)};
    return r;
}

static bool collect(void *ctx, int64_t id, const ReviewEntry *e)
{
    (void)id;
    ReviewRow *r = add_row(ctx, e);
    split_raw(e->raw, e->raw_len, &r->cells, &r->ncells);
    return true;
}

static const RecordInfo *record_named(const Program *p, const char *name)
{
    for (uint32_t i = 0; i < p->nrecords; i++)
        if (!strcmp(p->records[i].name, name)) return &p->records[i];
    return NULL;
}

typedef struct RunCollect {
    Ledger *l;
    const Program *p;
    Groups *gs;
    int64_t only;              /* the run asked for (--source "run N"), 0: the latest, whichever */
    char **error;
} RunCollect;

/* A source naming the persons the latest run could not evaluate: "run", or "run N" (*run = N). */
static bool run_source(const char *s, int64_t *run)
{
    *run = 0;
    if (!strcmp(s, "run")) return true;
    if (strncmp(s, "run ", 4) || s[4] < '1' || s[4] > '9') return false;
    char *end;
    long long n = strtoll(s + 4, &end, 10);
    if (*end) return false;
    *run = n;
    return true;
}

/* A person the latest run could not evaluate: their record as the ledger holds it, field by
 * field under the record's labels — a row the clerk can correct and import again. A record
 * gone since (or of a type these rules do not declare): its key alone. */
static bool collect_run(void *ctx, int64_t id, const ReviewEntry *e)
{
    (void)id;
    RunCollect *rc = ctx;
    if (rc->only && e->run != rc->only) return true;   /* an older run's: not the latest's any more */
    ReviewRow *r = add_row(rc->gs, e);
    const RecordInfo *ri = record_named(rc->p, e->record);
    bool found = false;
    if (ri && ri->key >= 0) {
        char **cells = xcalloc(ri->nfields + 1, sizeof *cells);
        if (!ledger_record_texts(rc->l, ri, e->raw, cells, &found, rc->error)) {
            free(cells);
            return false;
        }
        if (found) {
            r->cells = cells;
            r->ncells = ri->nfields;
        } else {
            free(cells);
        }
    }
    if (!found) {
        size_t at = ri && ri->key >= 0 ? (size_t)ri->key : 0;
        r->cells = xcalloc(at + 1, sizeof *r->cells);
        for (size_t i = 0; i < at; i++) r->cells[i] = xstrdup("");
        r->cells[at] = xstrndup(e->raw, e->raw_len);
        r->ncells = at + 1;
    }
    return true;
}

static void groups_free(Groups *gs)
{
    for (size_t i = 0; i < gs->n; i++) {
        ReviewGroup *g = &gs->g[i];
        for (size_t k = 0; k < g->nrows; k++) {
            free(g->rows[k].reason);
            free_cells(g->rows[k].cells, g->rows[k].ncells);
        }
        free(g->rows);
        free_cells(g->header, g->nheader);
        free(g->source);
        free(g->record);
    }
    free(gs->g);
}

static uint32_t names_field(void *ctx, const char *cell, size_t len)
{
    return import_header_field(ctx, cell, len);
}

static bool ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcasecmp(s + n - k, suffix);
}

/* The rows of a file that was itself exported here carry the reason column: the new one
 * replaces it. (The header cell 原因 naming no field.) */
static void drop_reason_column(ReviewGroup *g, const RecordInfo *ri)
{
    for (size_t c = g->nheader; c-- > 0;) {
        if (strcmp(g->header[c], REVIEW_REASON) || (ri && import_header_field(ri, g->header[c], strlen(g->header[c]))))
            continue;
        free(g->header[c]);
        memmove(g->header + c, g->header + c + 1, (g->nheader - c - 1) * sizeof *g->header);
        g->nheader--;
        for (size_t k = 0; k < g->nrows; k++) {
            ReviewRow *r = &g->rows[k];
            if (r->col == c + 1) r->col = 0;
            else if (r->col > c + 1) r->col--;
            if (c >= r->ncells) continue;
            free(r->cells[c]);
            memmove(r->cells + c, r->cells + c + 1, (r->ncells - c - 1) * sizeof *r->cells);
            r->ncells--;
        }
    }
}

/* The header of the group's source, read again from the file (as the import found it); the
 * record's field labels when the file cannot be read or has no header any more. */
static void read_header(ReviewGroup *g, const RecordInfo *ri)
{
    char *err = NULL;
    RowSource *src = ri && !g->run ? rows_open(g->source, NULL, &err) : NULL;
    free(err);
    g->xlsx = src ? rows_kind(src) == ROWS_XLSX : ends_with_ci(g->source, ".xlsx");
    Row row;
    size_t skipped = 0, need = ri && ri->nfields < 2 ? ri->nfields : 2;
    if (src && rows_find_header(src, names_field, (void *)ri, need, &row, &skipped) == 1 && skipped != SIZE_MAX) {
        g->header = xcalloc(row.count, sizeof *g->header);
        for (size_t i = 0; i < row.count; i++) g->header[i] = xstrndup(row.cells[i], row.lens[i]);
        g->nheader = row.count;
    } else if (ri) {
        g->header = xcalloc(ri->nfields, sizeof *g->header);
        for (uint32_t i = 0; i < ri->nfields; i++)
            g->header[i] = xstrdup(ri->fields[i].label ? ri->fields[i].label : ri->fields[i].name);
        g->nheader = ri->nfields;
    }
    if (src) rows_close(src);
    drop_reason_column(g, ri);
    /* a workbook leaves out the empty cells at a row's end: its header may be the widest */
    g->ncols = g->nheader;
    for (size_t k = 0; k < g->nrows; k++) {
        if (g->rows[k].ncells > g->ncols) g->ncols = g->rows[k].ncells;
        if (g->rows[k].col > g->ncols) g->ncols = g->rows[k].col;
    }
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The reason and where it was: "… （persons.csv:12:6）", "… （台账.xlsx!F12）". */
static char *reason_text(const ReviewGroup *g, const ReviewRow *r)
{
    StrBuf sb = {0};
    const char *file = base_name(g->source);
    sb_printf(&sb, "%s（", r->reason);
    if (g->run) {
        sb_printf(&sb, RUN_SHEET, (long long)g->run);
    } else if (g->xlsx && r->col) {
        char letters[4];
        sb_printf(&sb, "%s!%s%u", file, xlsx_column_name(r->col, letters), r->line);
    } else if (g->xlsx) {
        sb_printf(&sb, "%s!%u:%u", file, r->line, r->line);
    } else if (r->col) {
        sb_printf(&sb, "%s:%u:%u", file, r->line, r->col);
    } else {
        sb_printf(&sb, "%s:%u", file, r->line);
    }
    sb_puts(&sb, "）");
    return sb_take(&sb);
}

static const char *cell_at(const ReviewRow *r, size_t c) { return c < r->ncells ? r->cells[c] : ""; }
static const char *head_at(const ReviewGroup *g, size_t c) { return c < g->nheader ? g->header[c] : ""; }

/* ---- writing the file: 0600 (the rows hold full ids), put in place whole (base/replace.h) ------ */

static void csv_group(const ReviewGroup *g, StrBuf *sb)
{
    for (size_t c = 0; c < g->ncols; c++) {
        csv_write_cell(sb, head_at(g, c));
        sb_putc(sb, ',');
    }
    sb_puts(sb, REVIEW_REASON "\n");
    for (size_t k = 0; k < g->nrows; k++) {
        const ReviewRow *r = &g->rows[k];
        for (size_t c = 0; c < g->ncols; c++) {
            csv_write_cell(sb, cell_at(r, c));
            sb_putc(sb, ',');
        }
        char *why = reason_text(g, r);
        csv_write_cell(sb, why);
        free(why);
        sb_putc(sb, '\n');
    }
}

static bool write_csv(const Groups *gs, const char *path, char **error)
{
    if (gs->n > 1) {
        StrBuf names = {0};
        for (size_t i = 0; i < gs->n; i++) sb_printf(&names, "%s%s", i ? ", " : "", gs->g[i].source);
        *error = xasprintf("rows of %zu files are in review, each with its own columns: a CSV holds one (choose it "
                           "with --source FILE: %s), a workbook all",
                           gs->n, sb_str(&names));
        sb_free(&names);
        return false;
    }
    StrBuf sb = {0};
    sb_puts(&sb, "\xEF\xBB\xBF");
    if (gs->n) csv_group(&gs->g[0], &sb);
    else sb_puts(&sb, REVIEW_REASON "\n");
    bool ok = true;
    if (!path) {
        ok = fwrite(sb.items, 1, sb.count, stdout) == sb.count && fflush(stdout) == 0;
        if (!ok) *error = xasprintf("cannot write the review: %s", strerror(errno));
    } else {
        int err = file_replace(path, sb.items, sb.count, 0600, NULL);
        ok = !err;
        if (err) *error = xasprintf("cannot write %s: %s", path, strerror(err));
    }
    sb_free(&sb);
    return ok;
}

/* ---- XLSX ------------------------------------------------------------------------------------ */

#ifdef DOUDI_NO_XLSX

static bool write_xlsx(const Groups *gs, const char *path, char **error)
{
    (void)gs;
    (void)path;
    *error = xstrdup("this doudi was built without XLSX output (make XLSX=0): use a .csv");
    return false;
}

#else

typedef struct ReviewFormats {
    lxw_format *head, *text, *bad;
} ReviewFormats;

static lxw_format *text_format(lxw_workbook *wb)
{
    lxw_format *f = workbook_add_format(wb);
    format_set_font_name(f, "宋体");
    format_set_font_size(f, 11);
    format_set_num_format(f, "@");
    return f;
}

static ReviewFormats review_formats(lxw_workbook *wb)
{
    ReviewFormats f = {.head = text_format(wb), .text = text_format(wb), .bad = text_format(wb)};
    format_set_bold(f.head);
    format_set_border(f.head, LXW_BORDER_THIN);
    format_set_bg_color(f.bad, 0xFFC7CE);
    format_set_font_color(f.bad, 0x9C0006);
    return f;
}

static double text_width(const char *s)
{
    int w = utf8_width(s, strlen(s));
    return w < 6 ? 8 : w > 40 ? 42 : w + 2;
}

static bool xlsx_group(lxw_workbook *wb, const ReviewFormats *f, const ReviewGroup *g, const char *name)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    if (!ws) return false;
    double *width = xcalloc(g->ncols + 1, sizeof *width);
    for (size_t c = 0; c < g->ncols; c++) {
        worksheet_write_string(ws, 0, (lxw_col_t)c, head_at(g, c), f->head);
        width[c] = text_width(head_at(g, c));
    }
    worksheet_write_string(ws, 0, (lxw_col_t)g->ncols, REVIEW_REASON, f->head);
    width[g->ncols] = 40;
    for (size_t k = 0; k < g->nrows; k++) {
        const ReviewRow *r = &g->rows[k];
        lxw_row_t y = (lxw_row_t)(k + 1);
        for (size_t c = 0; c < g->ncols; c++) {
            const char *s = cell_at(r, c);
            lxw_format *fmt = r->col == c + 1 ? f->bad : f->text;
            if (*s) worksheet_write_string(ws, y, (lxw_col_t)c, s, fmt);
            else worksheet_write_blank(ws, y, (lxw_col_t)c, fmt);
            if (text_width(s) > width[c]) width[c] = text_width(s);
        }
        char *why = reason_text(g, r);
        worksheet_write_string(ws, y, (lxw_col_t)g->ncols, why, f->text);
        free(why);
        if (r->col) {
            lxw_comment_options opt = {.author = "doudi", .width = 300, .height = 80};
            worksheet_write_comment_opt(ws, y, (lxw_col_t)(r->col - 1), r->reason, &opt);
        }
    }
    /* the text format on the whole columns too: what the clerk types stays text (an id keeps
     * its 18 digits) */
    for (size_t c = 0; c <= g->ncols; c++) worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, width[c], f->text);
    free(width);
    worksheet_freeze_panes(ws, 1, 0);
    worksheet_autofilter(ws, 0, 0, (lxw_row_t)g->nrows, (lxw_col_t)g->ncols);
    return true;
}

static bool write_xlsx(const Groups *gs, const char *path, char **error)
{
    FileReplace fr;
    int err;
    lxw_workbook *wb = xlsx_workbook_begin(&fr, path, 0600, &err);   /* full ids: 0600 */
    if (!wb) {
        *error = xasprintf("cannot write %s: %s", path, strerror(err));
        return false;
    }
    lxw_doc_properties props = {.title = "待核查", .comments = "doudi review"};
    workbook_set_properties(wb, &props);
    ReviewFormats f = review_formats(wb);
    bool ok = true;
    for (size_t i = 0; i < gs->n && ok; i++) {
        /* the sheet of a source file: its name without the extension ("摸底台账"); of a run: 第N次运行 */
        char run[64];
        snprintf(run, sizeof run, RUN_SHEET, (long long)gs->g[i].run);
        const char *file = gs->g[i].run ? run : base_name(gs->g[i].source), *dot = strrchr(file, '.');
        char *name = xlsx_new_sheet_name(wb, file, dot && dot != file ? (size_t)(dot - file) : strlen(file));
        ok = xlsx_group(wb, &f, &gs->g[i], name);
        free(name);
    }
    if (!gs->n) {   /* nothing in review: a sheet with the reason column alone */
        lxw_worksheet *ws = workbook_add_worksheet(wb, "待核查");
        ok = ws && worksheet_write_string(ws, 0, 0, REVIEW_REASON, f.head) == LXW_NO_ERROR;
    }
    lxw_error e = workbook_close(wb);
    if (!ok || e != LXW_NO_ERROR) {
        *error = xasprintf("cannot write %s: %s", path, ok ? lxw_strerror(e) : "cannot add a worksheet");
        file_replace_abort(&fr);
        return false;
    }
    if ((err = file_replace_commit(&fr, NULL)) != 0) *error = xasprintf("cannot write %s: %s", path, strerror(err));
    return !err;
}

#endif

bool review_export(Ledger *l, const Program *p, const ReviewExport *opt, ReviewExportStats *stats, char **error)
{
    *stats = (ReviewExportStats){0};
    char real[PATH_MAX];
    const char *source = opt->source ? (realpath(opt->source, real) ? real : opt->source) : NULL;
    Groups gs = {0};
    bool ok = ledger_each_review(l, NULL, source, collect, &gs, error);
    int64_t only_run = 0;
    if (ok && (!opt->source || run_source(opt->source, &only_run))) {
        RunCollect rc = {l, p, &gs, only_run, error};
        ok = ledger_each_run_review(l, collect_run, &rc, error);
    }
    for (size_t i = 0; ok && i < gs.n; i++) {
        read_header(&gs.g[i], record_named(p, gs.g[i].record));
        stats->rows += gs.g[i].nrows;
    }
    stats->files = gs.n;
    if (ok && opt->xlsx) {
        if (!opt->path) {
            *error = xstrdup("a workbook needs a file to go to (-o FILE.xlsx)");
            ok = false;
        } else {
            ok = write_xlsx(&gs, opt->path, error);
        }
    } else if (ok) {
        ok = write_csv(&gs, opt->path, error);
    }
    groups_free(&gs);
    return ok;
}

/* ---- taking rows out of review when they are read again ------------------------------------- */

typedef struct MatchEntry {
    int64_t id;
    uint32_t col;              /* the offending column, 1-based; 0 the whole row */
    uint64_t hash;             /* of the field cells but the offending one */
    char **cells;
    size_t ncells;
    int key_col;               /* the 0-based column of the record's key in the entry's own file, or
                                  -1 when that file's header cannot be read any more */
    bool matched;
} MatchEntry;

struct ReviewMatch {
    Ledger *l;
    const RecordInfo *ri;
    const char *source;
    char *header_source;       /* the entry source whose key column was found last ... */
    int header_key_col;        /* ... and that column (-1: none) */
    int *columns;              /* the field columns of the file being imported, ascending */
    size_t ncolumns;
    MatchEntry *e;             /* sorted by offending column, then hash */
    size_t n, cap;
    uint32_t *cols;            /* the distinct offending columns */
    int *col_position;         /* each one's index into columns, or -1 (not a field's) */
    size_t *col_start;         /* entries of cols[k]: e[col_start[k] .. col_start[k + 1]) */
    size_t ncols;
    uint64_t *shares;          /* scratch: the current row's cell shares, per field column */
};

static void trimmed(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t')) (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r' || (*s)[*n - 1] == '\n'))
        (*n)--;
}

/* A field cell's share of a row's hash: FNV-1a over its trimmed text, seeded by its column,
 * then mixed (splitmix64's finaliser). A row's hash is the sum of its field cells' shares, so
 * the hash without one cell is the sum less that cell's share: a row is hashed once, whatever
 * the number of offending columns it is compared for. */
static uint64_t cell_share(const char *s, size_t n, size_t col)
{
    trimmed(&s, &n);
    uint64_t h = 1469598103934665603ull ^ ((uint64_t)col * 0x9E3779B97F4A7C15ull);
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    h ^= h >> 30;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBull;
    return h ^ (h >> 31);
}

/* The shares of the row's field cells into m->shares; their sum. */
static uint64_t row_shares(ReviewMatch *m, char *const *cells, const size_t *lens, size_t count)
{
    uint64_t sum = 0;
    for (size_t k = 0; k < m->ncolumns; k++) {
        size_t c = (size_t)m->columns[k];
        const char *s = c < count ? cells[c] : "";
        m->shares[k] = cell_share(s, c < count ? (lens ? lens[c] : strlen(s)) : 0, c);
        sum += m->shares[k];
    }
    return sum;
}

/* Which of the field columns (an index into m->columns) the 1-based column `col` is, or -1. */
static int field_position(const ReviewMatch *m, uint32_t col)
{
    for (size_t k = 0; col && k < m->ncolumns; k++)
        if ((uint32_t)m->columns[k] + 1 == col) return (int)k;
    return -1;
}

/* The row's hash without the cell in column `col` (1-based; 0: the whole row). */
static uint64_t hash_without(const ReviewMatch *m, uint64_t sum, int position)
{
    return position >= 0 ? sum - m->shares[position] : sum;
}

static bool same_row(const ReviewMatch *m, const MatchEntry *e, char *const *cells, const size_t *lens, size_t count)
{
    for (size_t k = 0; k < m->ncolumns; k++) {
        size_t c = (size_t)m->columns[k];
        if (c + 1 == e->col) continue;
        const char *a = c < e->ncells ? e->cells[c] : "", *b = c < count ? cells[c] : "";
        size_t na = strlen(a), nb = c < count ? lens[c] : 0;
        trimmed(&a, &na);
        trimmed(&b, &nb);
        if (na != nb || memcmp(a, b, na)) return false;
    }
    return true;
}

/* The column of the record's key in `source`, by its header read again (as the import read
 * it); -1 when the file is gone or its header names no key. Entries come grouped by source, so
 * the last answer is kept. */
static int key_column(ReviewMatch *m, const char *source)
{
    if (m->header_source && !strcmp(m->header_source, source)) return m->header_key_col;
    free(m->header_source);
    m->header_source = xstrdup(source);
    m->header_key_col = -1;
    if (!m->ri || m->ri->key < 0) return -1;
    char *err = NULL;
    RowSource *src = rows_open(source, NULL, &err);
    free(err);
    Row row;
    size_t skipped = 0, need = m->ri->nfields < 2 ? m->ri->nfields : 2;
    if (src && rows_find_header(src, names_field, (void *)m->ri, need, &row, &skipped) == 1 && skipped != SIZE_MAX)
        for (size_t c = 0; c < row.count && m->header_key_col < 0; c++)
            if (import_header_field(m->ri, row.cells[c], row.lens[c]) == (uint32_t)m->ri->key + 1)
                m->header_key_col = (int)c;
    if (src) rows_close(src);
    return m->header_key_col;
}

static bool load_entry(void *ctx, int64_t id, const ReviewEntry *e)
{
    ReviewMatch *m = ctx;
    if (!strcmp(e->source, m->source)) return true;   /* the import replaces these itself */
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->e = xrealloc(m->e, m->cap * sizeof *m->e);
    }
    MatchEntry *me = &m->e[m->n++];
    *me = (MatchEntry){.id = id, .col = e->col, .key_col = key_column(m, e->source)};
    split_raw(e->raw, e->raw_len, &me->cells, &me->ncells);
    uint64_t sum = row_shares(m, me->cells, NULL, me->ncells);
    me->hash = hash_without(m, sum, field_position(m, e->col));
    return true;
}

static int cmp_entry(const void *a, const void *b)
{
    const MatchEntry *x = a, *y = b;
    if (x->col != y->col) return x->col < y->col ? -1 : 1;
    return (x->hash > y->hash) - (x->hash < y->hash);
}

/* Sort the entries by column and hash, and note where each column's run starts: a row is then
 * hashed once per distinct offending column and looked up by binary search. */
static void index_entries(ReviewMatch *m)
{
    if (m->n) qsort(m->e, m->n, sizeof *m->e, cmp_entry);   /* qsort of NULL is undefined, even of 0 */
    m->cols = xcalloc(m->n + 1, sizeof *m->cols);
    m->col_position = xcalloc(m->n + 1, sizeof *m->col_position);
    m->col_start = xcalloc(m->n + 2, sizeof *m->col_start);
    for (size_t i = 0; i < m->n; i++)
        if (!i || m->e[i].col != m->e[i - 1].col) {
            m->cols[m->ncols] = m->e[i].col;
            m->col_position[m->ncols] = field_position(m, m->e[i].col);
            m->col_start[m->ncols++] = i;
        }
    m->col_start[m->ncols] = m->n;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void match_free(ReviewMatch *m)
{
    free(m->header_source);
    for (size_t i = 0; i < m->n; i++) free_cells(m->e[i].cells, m->e[i].ncells);
    free(m->e);
    free(m->cols);
    free(m->col_start);
    free(m->col_position);
    free(m->shares);
    free(m->columns);
    free(m);
}

ReviewMatch *review_match_open(Ledger *l, const RecordInfo *ri, const char *source, const int *column_of,
                               char **error)
{
    const char *record = ri->name;
    uint32_t nfields = ri->nfields;
    ReviewMatch *m = xcalloc(1, sizeof *m);
    m->l = l;
    m->ri = ri;
    m->source = source;
    m->columns = xcalloc(nfields + 1, sizeof *m->columns);
    m->shares = xcalloc(nfields + 1, sizeof *m->shares);
    for (uint32_t f = 0; f < nfields; f++)
        if (column_of[f] >= 0) m->columns[m->ncolumns++] = column_of[f];
    qsort(m->columns, m->ncolumns, sizeof *m->columns, cmp_int);
    if (!ledger_each_review(l, record, NULL, load_entry, m, error)) {
        match_free(m);
        return NULL;
    }
    index_entries(m);
    return m;
}

void review_match_row(ReviewMatch *m, char *const *cells, const size_t *lens, size_t count)
{
    if (!m || !m->n || !m->ncolumns) return;
    uint64_t sum = row_shares(m, cells, lens, count);
    for (size_t k = 0; k < m->ncols; k++) {
        uint64_t h = hash_without(m, sum, m->col_position[k]);
        size_t lo = m->col_start[k], hi = m->col_start[k + 1];
        while (lo < hi) {   /* the first entry of the column with hash >= h */
            size_t mid = lo + (hi - lo) / 2;
            if (m->e[mid].hash < h) lo = mid + 1;
            else hi = mid;
        }
        for (size_t i = lo; i < m->col_start[k + 1] && m->e[i].hash == h; i++)
            if (!m->e[i].matched && same_row(m, &m->e[i], cells, lens, count)) m->e[i].matched = true;
    }
}

bool review_match_close(ReviewMatch *m, review_key_fn read_again, void *ctx, char **error)
{
    if (!m) return true;
    bool ok = true;
    for (size_t i = 0; ok && read_again && i < m->n; i++) {
        MatchEntry *e = &m->e[i];
        /* only the entry's key cell: its other cells may hold other people's ids (a guardian's,
         * the household head's), and a row read for them is no correction of this one */
        if (!e->matched && e->key_col >= 0 && (size_t)e->key_col < e->ncells) {
            char key[256];
            review_key_norm(e->cells[e->key_col], strlen(e->cells[e->key_col]), key, sizeof key);
            e->matched = *key && read_again(ctx, key);
        }
        if (e->matched) ok = ledger_review_delete(m->l, e->id, error);
    }
    match_free(m);
    return ok;
}
