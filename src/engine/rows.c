/* rows.c — the row source over csv.h and xlsx.h (see rows.h). Each call passes through to the
 * reader of the file's kind and copies the record's fields into a Row; nothing is buffered
 * but the first row while the header is looked for. */
#include "rows.h"
#include "csv.h"
#include "xlsx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

struct RowSource {
    RowsKind kind;
    char *path;
    CsvReader *csv;
    XlsxReader *xlsx;
    /* A copy of the first row, kept while the header is looked for. */
    char **first_cells;
    size_t *first_lens;
    char *first_raw;
    size_t first_count, first_raw_len;
    uint32_t first_line;
};

/* ---- opening ------------------------------------------------------------------------------- */

static bool has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), e = strlen(ext);
    return n > e && !strcasecmp(path + n - e, ext);
}

/* The first bytes of a regular file (n is set to how many were read; 0 for other files). */
static bool sniff(const char *path, unsigned char *head, size_t *n, char **error)
{
    *n = 0;
    struct stat st;
    if (stat(path, &st) != 0) {
        if (error) *error = xasprintf("%s: %s", path, strerror(errno));
        return false;
    }
    if (!S_ISREG(st.st_mode)) return true;           /* a pipe: text, read once by csv.c */
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (error) *error = xasprintf("%s: %s", path, strerror(errno));
        return false;
    }
    *n = fread(head, 1, 8, f);
    fclose(f);
    return true;
}

RowSource *rows_open(const char *path, const RowsOptions *opt, char **error)
{
    static const unsigned char zip[4] = {'P', 'K', 3, 4}, ole[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    unsigned char head[8] = {0};
    size_t n;
    if (error) *error = NULL;
    if (!sniff(path, head, &n, error)) return NULL;
    bool is_zip = n >= 4 && !memcmp(head, zip, 4), is_ole = n == 8 && !memcmp(head, ole, 8);
    const char *sheet = opt ? opt->sheet : NULL;
    char *msg = NULL;
    if (is_ole)
        msg = xasprintf("%s: an Excel 97-2003 workbook (.xls) or a password-protected one, which doudi does not "
                        "read: open it in Excel and save it, without a password, as an Excel workbook (.xlsx) or "
                        "as CSV UTF-8", path);
    else if (!is_zip && (has_ext(path, ".xlsx") || has_ext(path, ".xlsm")))
        msg = xasprintf("%s: named as a workbook, but not one (an .xlsx file is a zip archive; this one is %s)",
                        path, n == 0 ? "empty" : "not");
    else if (!is_zip && sheet)
        msg = xasprintf("%s: --sheet is for a workbook (.xlsx); this is a text file", path);
    if (msg) {
        if (error) *error = msg;
        else free(msg);
        return NULL;
    }
    RowSource *s = xcalloc(1, sizeof *s);
    s->path = xstrdup(path);
    s->kind = is_zip ? ROWS_XLSX : ROWS_CSV;
    if (is_zip) s->xlsx = xlsx_open(path, &(XlsxOptions){.sheet = sheet}, error);
    else s->csv = csv_open(path, opt ? opt->encoding : NULL, error);
    if (s->csv) csv_set_positions(s->csv, false);   /* a bad cell is named by its column number */
    if (!s->xlsx && !s->csv) {
        rows_close(s);
        return NULL;
    }
    return s;
}

static void drop_first(RowSource *s)
{
    for (size_t i = 0; i < s->first_count; i++) free(s->first_cells[i]);
    free(s->first_cells);
    free(s->first_lens);
    free(s->first_raw);
    s->first_cells = NULL;
    s->first_lens = NULL;
    s->first_raw = NULL;
    s->first_count = 0;
}

void rows_close(RowSource *s)
{
    if (!s) return;
    csv_close(s->csv);
    xlsx_close(s->xlsx);
    drop_first(s);
    free(s->path);
    free(s);
}

/* ---- rows ---------------------------------------------------------------------------------- */

/* A row's error, if any: most rows have none, and a formatted copy of "" per row is not free. */
static void copy_error(Row *row, const char *error)
{
    if (error[0]) snprintf(row->error, sizeof row->error, "%s", error);
    else row->error[0] = '\0';
}

static int next_csv(RowSource *s, Row *row)
{
    CsvRecord rec;
    int rc = csv_next(s->csv, &rec);
    row->cells = rec.fields;
    row->lens = rec.lens;
    row->count = rec.count;
    row->line = rec.line;
    row->raw = rec.raw;
    row->raw_len = rec.raw_len;
    row->utf8_checked = true;
    copy_error(row, rec.error);
    row->error_col = rec.error_col;
    return rc;
}

static int next_xlsx(RowSource *s, Row *row)
{
    XlsxRecord rec;
    int rc = xlsx_next(s->xlsx, &rec);
    row->cells = rec.fields;
    row->lens = rec.lens;
    row->count = rec.count;
    row->line = rec.line;
    row->cell_errors = rec.cell_errors;
    row->kinds = rec.kinds;
    row->raw = rec.raw;
    row->raw_len = rec.raw_len;
    copy_error(row, rec.error);
    row->error_col = rec.error_col;
    return rc;
}

int rows_next(RowSource *s, Row *row)
{
    /* what next_csv and next_xlsx do not each set (a memset would clear the message buffer,
     * most of the row, for every row) */
    row->cell_errors = NULL;
    row->kinds = NULL;
    row->utf8_checked = false;
    return s->kind == ROWS_XLSX ? next_xlsx(s, row) : next_csv(s, row);
}

/* ---- the header ------------------------------------------------------------------------------- */

/* Distinct fields the row names. */
static size_t fields_named(const Row *row, rows_field_fn names_field, void *ctx)
{
    uint32_t *seen = xmalloc((row->count + 1) * sizeof *seen);
    size_t n = 0;
    for (size_t c = 0; c < row->count; c++) {
        uint32_t f = row->lens[c] ? names_field(ctx, row->cells[c], row->lens[c]) : 0;
        bool dup = f == 0;
        for (size_t k = 0; k < n && !dup; k++) dup = seen[k] == f;
        if (!dup) seen[n++] = f;
    }
    free(seen);
    return n;
}

static void keep_first(RowSource *s, const Row *row)
{
    s->first_count = row->count;
    s->first_cells = xmalloc(row->count * sizeof *s->first_cells);
    s->first_lens = xmalloc(row->count * sizeof *s->first_lens);
    for (size_t i = 0; i < row->count; i++) {
        s->first_cells[i] = xstrndup(row->cells[i], row->lens[i]);
        s->first_lens[i] = row->lens[i];
    }
    s->first_raw = xstrndup(row->raw, row->raw_len);
    s->first_raw_len = row->raw_len;
    s->first_line = row->line;
}

int rows_find_header(RowSource *s, rows_field_fn names_field, void *ctx, size_t need, Row *row, size_t *skipped)
{
    drop_first(s);
    int rc = 0;
    for (size_t k = 0; k < ROWS_HEADER_SCAN; k++) {
        rc = rows_next(s, row);
        if (rc == 0 || rc == -2) break;
        if (k == 0) keep_first(s, row);
        if (fields_named(row, names_field, ctx) >= (need ? need : 1)) {
            *skipped = k;
            drop_first(s);
            rows_set_width(s, row->count);
            return 1;
        }
    }
    if (rc == -2 || !s->first_cells) return rc;
    memset(row, 0, sizeof *row);
    row->cells = s->first_cells;
    row->lens = s->first_lens;
    row->count = s->first_count;
    row->line = s->first_line;
    row->raw = s->first_raw;
    row->raw_len = s->first_raw_len;
    *skipped = SIZE_MAX;
    return 1;
}

void rows_set_width(RowSource *s, size_t n)
{
    if (s->xlsx) xlsx_set_width(s->xlsx, n);
}

/* ---- describing ---------------------------------------------------------------------------------- */

RowsKind rows_kind(const RowSource *s) { return s->kind; }

const char *rows_encoding(const RowSource *s) { return s->csv ? csv_encoding(s->csv) : "xlsx"; }

const char *rows_sheet(const RowSource *s) { return s->xlsx ? xlsx_sheet_name(s->xlsx) : NULL; }

const char *rows_column_name(const RowSource *s, uint32_t col, char out[12])
{
    if (s->xlsx) {
        char letters[4];
        snprintf(out, 12, "%s", xlsx_column_name(col, letters));
    } else {
        snprintf(out, 12, "%u", col);
    }
    return out;
}

void rows_where(const RowSource *s, uint32_t line, uint32_t col, StrBuf *out)
{
    if (!s->xlsx) {
        sb_printf(out, "%s:%u", s->path, line);
        if (col) sb_printf(out, ":%u", col);
        return;
    }
    sb_printf(out, "%s!", s->path);
    if (!xlsx_sheet_is_default(s->xlsx)) sb_printf(out, "%s!", xlsx_sheet_name(s->xlsx));
    char letters[4];
    if (col) sb_printf(out, "%s%u", xlsx_column_name(col, letters), line);
    else sb_printf(out, "%u:%u", line, line);
}
