/* xlsx_sheet.c — streaming the chosen sheet's rows (see xlsx.h).
 *
 * The sheet part is inflated a chunk at a time into expat. At each </row> the handler
 * suspends the parser (XML_StopParser, resumable), so xlsx_next hands out exactly one row and
 * the next call resumes the parser where it stopped, in the middle of the same buffer: memory
 * holds one chunk and one row, however long the sheet. At </sheetData> the rows are over and
 * the parse is abandoned (the merged-cell list and print settings after it are not needed).
 *
 * A row's cells are kept as (column, text) in the order read, their texts back to back in one
 * buffer; on the way out they are spread into an array with a slot per column, the gaps empty. */
#include "xlsx_int.h"

#include <stdio.h>
#include <string.h>

enum { CHUNK = 64 * 1024 };

static char empty_text[1];

__attribute__((format(printf, 3, 4)))
static void row_fail(XlsxReader *r, uint32_t col, const char *fmt, ...)
{
    if (r->row_error[0]) return;                     /* the first reason is the one to fix */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->row_error, sizeof r->row_error, fmt, ap);
    va_end(ap);
    r->row_error_col = col;
}

/* ---- the cell --------------------------------------------------------------------------------- */

static void cell_begin(XlsxReader *r, const char **attrs)
{
    r->in_cell = true;
    r->in_value = r->in_inline = r->in_t = false;
    r->in_rph = 0;
    r->cell_bad = false;
    r->value.count = 0;
    const char *ref = xlsx_attr(attrs, "r"), *t = xlsx_attr(attrs, "t"), *s = xlsx_attr(attrs, "s");
    size_t tn = t ? strlen(t) : 0;                   /* (snprintf here is 5% of a large read) */
    if (!t || tn >= sizeof r->cell_type) t = "n", tn = 1;
    memcpy(r->cell_type, t, tn + 1);
    r->cell_style = UINT32_MAX;
    if (s) {
        uint64_t v = 0;
        for (; *s >= '0' && *s <= '9' && v < UINT32_MAX; s++) v = v * 10 + (uint64_t)(*s - '0');
        if (!*s && v < UINT32_MAX) r->cell_style = (uint32_t)v;
    }
    uint32_t col = r->next_col, row;
    char name[4];
    if (ref && !xlsx_parse_ref(ref, &col, &row)) {
        row_fail(r, 0, "cell reference '%.20s' is not a cell (A1 to XFD1048576)", ref);
        r->cell_bad = true;
    } else if (col >= XLSX_MAX_COLUMNS) {
        row_fail(r, 0, "a cell beyond column XFD");
        r->cell_bad = true;
    } else if (col < r->next_col) {
        row_fail(r, col + 1, "cell %s%u comes after a cell to its right", xlsx_column_name(col + 1, name), r->row);
        r->cell_bad = true;
    }
    r->cell_col = col;
}

/* Shared string number `v`, or NULL. */
static const char *shared_string(const XlsxReader *r, const char *v, size_t n)
{
    uint64_t k = 0;
    size_t i = 0;
    while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' || v[i] == '\n')) i++;
    size_t from = i;
    for (; i < n && v[i] >= '0' && v[i] <= '9' && k <= UINT32_MAX; i++) k = k * 10 + (uint64_t)(v[i] - '0');
    while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' || v[i] == '\n')) i++;
    if (i == from || i != n || k >= r->nsst) return NULL;
    return r->sst.items + r->sst_off[k];
}

/* The cell's value as text into r->cells; its kind; a reason into err when not to be used. */
static uint8_t cell_text(XlsxReader *r, char *err, size_t errlen)
{
    const char *t = r->cell_type, *v = r->value.items ? r->value.items : "";
    size_t n = r->value.count, at = r->cells.count;
    err[0] = '\0';
    if (n == 0 && strcmp(t, "inlineStr") != 0) return XLSX_EMPTY;
    if (!strcmp(t, "s")) {
        const char *s = shared_string(r, v, n);
        if (!s) {
            snprintf(err, errlen, "shared string '%.20s' does not exist (the workbook has %zu)", v, r->nsst);
            return XLSX_ERROR;
        }
        sb_puts(&r->cells, s);
        return r->cells.count > at ? XLSX_TEXT : XLSX_EMPTY;
    }
    if (!strcmp(t, "inlineStr") || !strcmp(t, "str")) {
        sb_putn(&r->cells, v, n);
        xlsx_unescape(&r->cells, at);
        return r->cells.count > at ? XLSX_TEXT : XLSX_EMPTY;
    }
    if (!strcmp(t, "b")) {
        bool one = n == 1 && v[0] == '1', zero = n == 1 && v[0] == '0';
        if (one || zero) sb_puts(&r->cells, one ? "TRUE" : "FALSE");
        else snprintf(err, errlen, "'%.20s' is not a boolean cell's value", v);
        return one || zero ? XLSX_BOOL : XLSX_ERROR;
    }
    if (!strcmp(t, "e")) {
        sb_putn(&r->cells, v, n);
        snprintf(err, errlen, "the cell holds Excel's error value %.40s", v);
        return XLSX_ERROR;
    }
    if (!strcmp(t, "d")) return xlsx_iso_date_text(v, n, &r->cells, err, errlen);
    bool is_date = r->cell_style < r->nxf && r->xf_date[r->cell_style];
    return xlsx_number_text(v, n, is_date, r->date1904, &r->cells, err, errlen);
}

static void cell_end(XlsxReader *r)
{
    r->in_cell = false;
    if (r->cell_bad) return;
    char err[256];
    size_t at = r->cells.count;
    uint8_t kind = cell_text(r, err, sizeof err);
    size_t len = r->cells.count - at;
    sb_putc(&r->cells, '\0');
    size_t eoff = SIZE_MAX;
    if (err[0]) {
        eoff = r->errs.count;
        sb_puts(&r->errs, err);
        sb_putc(&r->errs, '\0');
    }
    r->next_col = r->cell_col + 1;
    if (kind == XLSX_EMPTY && eoff == SIZE_MAX) return;
    if (r->ncell == r->cell_cap) {
        r->cell_cap = r->cell_cap ? r->cell_cap * 2 : 64;
        r->cell = xrealloc(r->cell, r->cell_cap * sizeof *r->cell);
    }
    r->cell[r->ncell++] = (XlsxCell){r->cell_col, at, len, eoff, kind};
}

/* ---- the row ---------------------------------------------------------------------------------- */

static void row_begin(XlsxReader *r, const char **attrs)
{
    r->in_row = true;
    r->ncell = 0;
    r->cells.count = r->errs.count = 0;
    r->row_error[0] = '\0';
    r->row_error_col = 0;
    r->next_col = 0;
    const char *ref = xlsx_attr(attrs, "r");
    uint32_t row = r->last_row + 1;
    if (ref) {
        uint64_t v = 0;
        const char *s = ref;
        for (; *s >= '0' && *s <= '9' && v <= XLSX_MAX_ROWS; s++) v = v * 10 + (uint64_t)(*s - '0');
        if (*s || s == ref || v == 0 || v > XLSX_MAX_ROWS) row_fail(r, 0, "row number '%.20s' is not 1 to %u", ref, XLSX_MAX_ROWS);
        else row = (uint32_t)v;
    }
    if (row <= r->last_row && !r->row_error[0]) row_fail(r, 0, "row %u comes after row %u", row, r->last_row);
    if (row > XLSX_MAX_ROWS) row = XLSX_MAX_ROWS;
    r->row = row;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    XlsxReader *r = ud;
    const char *local = xlsx_local(name);
    if (!r->in_row) {
        if (!strcmp(local, "row")) row_begin(r, attrs);
    } else if (!r->in_cell) {
        if (!strcmp(local, "c")) cell_begin(r, attrs);
    } else if (!strcmp(local, "v")) {
        r->in_value = true;
    } else if (!strcmp(local, "is")) {
        r->in_inline = true;
    } else if (r->in_inline && !strcmp(local, "rPh")) {
        r->in_rph++;
    } else if (r->in_inline && !strcmp(local, "t")) {
        r->in_t = true;
    }
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    XlsxReader *r = ud;
    const char *local = xlsx_local(name);
    if (r->in_cell) {
        if (!strcmp(local, "c")) cell_end(r);
        else if (!strcmp(local, "v")) r->in_value = false;
        else if (!strcmp(local, "is")) r->in_inline = false;
        else if (!strcmp(local, "t")) r->in_t = false;
        else if (!strcmp(local, "rPh") && r->in_rph) r->in_rph--;
    } else if (r->in_row && !strcmp(local, "row")) {
        r->in_row = false;
        r->row_ready = true;
        if (r->row > r->last_row) r->last_row = r->row;
        XML_StopParser(r->xp, XML_TRUE);
    } else if (!strcmp(local, "sheetData")) {
        r->sheet_end = true;
        XML_StopParser(r->xp, XML_FALSE);
    }
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    XlsxReader *r = ud;
    if (!r->in_cell || !(r->in_value || (r->in_inline && r->in_t && !r->in_rph))) return;
    if (r->value.count + r->cells.count + (size_t)len > XLSX_MAX_ROW) {
        if (!r->cell_bad) row_fail(r, r->cell_col + 1, "the row holds more than %zu MiB of text", XLSX_MAX_ROW >> 20);
        r->cell_bad = true;
        return;
    }
    sb_putn(&r->value, s, (size_t)len);
}

/* ---- starting and stopping -------------------------------------------------------------------- */

/* Inflate the whole part once, so a damaged zip is found before any row is read. */
static bool check_part(XlsxReader *r, zip_uint64_t idx, char **error)
{
    zip_file_t *zf = zip_fopen_index(r->za, idx, 0);
    if (!zf) {
        *error = xlsx_zip_message(r, zip_get_error(r->za), r->sheet_part);
        return false;
    }
    char *buf = xmalloc(CHUNK);
    zip_int64_t n;
    while ((n = zip_fread(zf, buf, CHUNK)) > 0) {}
    if (n < 0) *error = xlsx_zip_message(r, zip_file_get_error(zf), r->sheet_part);
    free(buf);
    zip_fclose(zf);
    return n == 0;
}

bool xlsx_sheet_start(XlsxReader *r, char **error)
{
    zip_int64_t idx = zip_name_locate(r->za, r->sheet_part, ZIP_FL_NOCASE);
    if (idx < 0) {
        *error = xasprintf("%s: the workbook is damaged: sheet '%s' has no part %s", r->name, r->sheet_name,
                           r->sheet_part);
        return false;
    }
    if (!check_part(r, (zip_uint64_t)idx, error)) return false;
    r->zf = zip_fopen_index(r->za, (zip_uint64_t)idx, 0);
    if (!r->zf) {
        *error = xlsx_zip_message(r, zip_get_error(r->za), r->sheet_part);
        return false;
    }
    r->xp = XML_ParserCreateNS(NULL, '\x01');
    XML_SetUserData(r->xp, r);
    XML_SetElementHandler(r->xp, on_start, on_end);
    XML_SetCharacterDataHandler(r->xp, on_text);
    xlsx_refuse_doctype(r->xp);
    return true;
}

void xlsx_sheet_free(XlsxReader *r)
{
    if (r->xp) XML_ParserFree(r->xp);
    if (r->zf) zip_fclose(r->zf);
    r->xp = NULL;
    r->zf = NULL;
    sb_free(&r->cells);
    sb_free(&r->errs);
    sb_free(&r->value);
    sb_free(&r->raw);
    free(r->cell);
    free(r->ptrs);
    free(r->lens);
    free(r->kinds);
    free(r->cerrs);
}

/* ---- reading ------------------------------------------------------------------------------------ */

static void parse_error(XlsxReader *r)
{
    if (XML_GetErrorCode(r->xp) == XML_ERROR_ABORTED)
        snprintf(r->fatal, sizeof r->fatal, "%s has a DOCTYPE, which no workbook part has", r->sheet_part);
    else
        snprintf(r->fatal, sizeof r->fatal, "sheet '%s' is not well-formed XML after row %u (%s)", r->sheet_name,
                 r->last_row, XML_ErrorString(XML_GetErrorCode(r->xp)));
}

/* Run the parser until a row is ready, the rows are over, or the sheet cannot be read on. */
static void advance(XlsxReader *r)
{
    for (;;) {
        enum XML_Status st;
        if (r->suspended) {
            r->suspended = false;
            st = XML_ResumeParser(r->xp);
        } else if (r->final_fed) {
            return;
        } else {
            void *buf = XML_GetBuffer(r->xp, CHUNK);
            zip_int64_t n = buf ? zip_fread(r->zf, buf, CHUNK) : -1;
            if (n < 0) {
                char *msg = buf ? xlsx_zip_message(r, zip_file_get_error(r->zf), r->sheet_part)
                                : xstrdup("out of memory");
                size_t skip = strlen(r->name);               /* the caller names the file */
                snprintf(r->fatal, sizeof r->fatal, "%s", strncmp(msg, r->name, skip) ? msg : msg + skip + 2);
                free(msg);
                return;
            }
            r->final_fed = n == 0;
            st = XML_ParseBuffer(r->xp, (int)n, r->final_fed);
        }
        if (st == XML_STATUS_SUSPENDED) {
            r->suspended = true;
            return;
        }
        if (st == XML_STATUS_ERROR) {
            if (!r->sheet_end) parse_error(r);
            r->final_fed = true;
            return;
        }
    }
}

static void grow_out(XlsxReader *r, size_t count)
{
    if (count <= r->out_cap) return;
    size_t cap = r->out_cap ? r->out_cap : 16;
    while (cap < count) cap *= 2;
    r->ptrs = xrealloc(r->ptrs, cap * sizeof *r->ptrs);
    r->lens = xrealloc(r->lens, cap * sizeof *r->lens);
    r->kinds = xrealloc(r->kinds, cap * sizeof *r->kinds);
    r->cerrs = xrealloc(r->cerrs, cap * sizeof *r->cerrs);
    r->out_cap = cap;
}

/* The row as one CSV line: a field is quoted when it holds a comma, quote or line break. */
static void write_raw(XlsxReader *r, size_t count)
{
    r->raw.count = 0;
    for (size_t i = 0; i < count; i++) {
        const char *s = r->ptrs[i];
        size_t n = r->lens[i];
        if (i) sb_putc(&r->raw, ',');
        if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) && !memchr(s, '\r', n)) {
            sb_putn(&r->raw, s, n);
            continue;
        }
        sb_putc(&r->raw, '"');
        for (size_t k = 0; k < n; k++) {
            if (s[k] == '"') sb_putc(&r->raw, '"');
            sb_putc(&r->raw, s[k]);
        }
        sb_putc(&r->raw, '"');
    }
    sb_putn(&r->raw, "", 0);
    if (r->raw.items) r->raw.items[r->raw.count] = '\0';
}

/* Spread the row's cells into the record. */
static void fill_record(XlsxReader *r, XlsxRecord *rec)
{
    size_t count = r->width ? r->width : 1;
    for (size_t i = 0; i < r->ncell; i++)
        if (r->cell[i].col + 1 > count) count = r->cell[i].col + 1;
    grow_out(r, count);
    for (size_t i = 0; i < count; i++) {
        r->ptrs[i] = empty_text;
        r->lens[i] = 0;
        r->kinds[i] = XLSX_EMPTY;
        r->cerrs[i] = NULL;
    }
    for (size_t i = 0; i < r->ncell; i++) {
        const XlsxCell *c = &r->cell[i];
        r->ptrs[c->col] = r->cells.items + c->off;
        r->lens[c->col] = c->len;
        r->kinds[c->col] = c->kind;
        r->cerrs[c->col] = c->err == SIZE_MAX ? NULL : r->errs.items + c->err;
    }
    write_raw(r, count);
    rec->fields = r->ptrs;
    rec->lens = r->lens;
    rec->count = count;
    rec->line = r->row;
    rec->kinds = r->kinds;
    rec->cell_errors = r->cerrs;
    rec->raw = r->raw.items ? r->raw.items : empty_text;
    rec->raw_len = r->raw.count;
    snprintf(rec->error, sizeof rec->error, "%s", r->row_error);
    rec->error_col = r->row_error_col;
}

int xlsx_next(XlsxReader *r, XlsxRecord *rec)
{
    memset(rec, 0, sizeof *rec);
    rec->raw = empty_text;
    while (!r->done) {
        r->row_ready = false;
        advance(r);
        if (r->fatal[0]) {
            snprintf(rec->error, sizeof rec->error, "%s", r->fatal);
            r->done = true;
            return -2;
        }
        if (!r->row_ready) break;
        if (r->ncell == 0 && !r->row_error[0]) continue;         /* an empty row */
        fill_record(r, rec);
        return rec->error[0] ? -1 : 1;
    }
    r->done = true;
    return 0;
}

void xlsx_set_width(XlsxReader *r, size_t n) { r->width = n > XLSX_MAX_COLUMNS ? XLSX_MAX_COLUMNS : n; }
