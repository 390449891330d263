/* report_xlsx.c — a report as an Excel workbook, laid out like the printed attachment
 * (libxlsxwriter; see report.h).
 *
 * Each sheet: the title merged across the form (bold, centred, larger), the 填表单位 line (the
 * county by name), the header as on the form — a group's label merged over its columns, any
 * other label merged down over both header rows, the corner cell over the row labels likewise,
 * worded as the official forms word it (人员类别, 建设机构类别: Report.corner) — then the rows,
 * every cell of the grid bordered, blank cells bordered and empty. Totals are formulas, with
 * their values cached (a reader that computes nothing sees the numbers): a total row sums the
 * other rows of its column; a 合计/小计 column closing a group sums the group's other columns
 * in the rows where the counts do add up (小计 of 附件1 counts everyone in the row, and a
 * person may be none of 低保, 低收入, 建档立卡: there the number stands). A county's sheet is
 * named by the county's name and carries its code in the page footer. Columns are as wide as their widest label
 * or number counting a CJK character as two (Excel's width unit is about one digit of the
 * default font), the panes frozen below the header, the page landscape A4, one page wide.
 *
 * The workbook's creation time is the run's (runs.finished_at), not the clock: libxlsxwriter
 * dates its zip entries 1980-01-01, so the same run gives the same bytes every time.
 *
 * Optional: built with DOUDI_NO_XLSX (`make XLSX=0`), there is no libxlsxwriter and
 * report_xlsx says so instead. */
#include "report.h"
#include "xlsx_write.h"
#include "base/replace.h"

#ifdef DOUDI_NO_XLSX

bool report_xlsx(const Report *rep, const char *path, char **error)
{
    return report_xlsx_many(rep, 1, path, error);
}

bool report_xlsx_many(const Report *reps, size_t n, const char *path, char **error)
{
    (void)reps;
    (void)n;
    (void)path;
    if (error) *error = xstrdup("this doudi was built without XLSX output (make XLSX=0): use --format csv");
    return false;
}

#else

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

typedef struct Formats {
    lxw_format *title, *unit, *head, *label, *number, *blank;
} Formats;

static lxw_format *new_format(lxw_workbook *wb, bool border)
{
    lxw_format *f = workbook_add_format(wb);
    format_set_font_name(f, "宋体");
    format_set_font_size(f, 11);
    format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
    if (border) format_set_border(f, LXW_BORDER_THIN);
    return f;
}

static Formats make_formats(lxw_workbook *wb)
{
    Formats f;
    f.title = new_format(wb, false);
    format_set_bold(f.title);
    format_set_font_size(f.title, 16);
    format_set_align(f.title, LXW_ALIGN_CENTER);
    f.unit = new_format(wb, false);
    f.head = new_format(wb, true);
    format_set_bold(f.head);
    format_set_align(f.head, LXW_ALIGN_CENTER);
    format_set_text_wrap(f.head);
    f.label = new_format(wb, true);
    f.number = new_format(wb, true);
    format_set_align(f.number, LXW_ALIGN_RIGHT);
    format_set_num_format(f.number, "0");
    f.blank = new_format(wb, true);
    return f;
}

static int width_of(const char *s) { return s ? utf8_width(s, strlen(s)) : 0; }

/* ---- totals as formulas ------------------------------------------------------------------------ */

/* "B5" */
static void cell_ref(char out[16], lxw_row_t row, lxw_col_t col) { lxw_rowcol_to_cell(out, row, col); }

/* Column c's total row: =SUM over the other rows (runs of them, a total row between them left out). */
static void total_row_formula(const Report *rep, size_t row, lxw_col_t x, lxw_row_t first_row, StrBuf *out)
{
    const FormInfo *d = rep->table;
    sb_puts(out, "=SUM(");
    bool any = false;
    for (size_t i = 0; i < rep->nrows;) {
        if (i == row || d->rows[i].total) {
            i++;
            continue;
        }
        size_t j = i;
        while (j + 1 < rep->nrows && j + 1 != row && !d->rows[j + 1].total) j++;
        char a[16], b[16];
        cell_ref(a, first_row + (lxw_row_t)i, x);
        cell_ref(b, first_row + (lxw_row_t)j, x);
        sb_printf(out, "%s%s:%s", any ? "," : "", a, b);
        any = true;
        i = j + 1;
    }
    sb_puts(out, ")");
}

static bool is_sum_label(const char *label) { return label && (!strcmp(label, "合计") || !strcmp(label, "小计")); }

/* The first column of the group column c closes when c is a 合计/小计 column that ends a group
 * of at least two other columns; -1 otherwise. */
static int sum_column_start(const FormInfo *d, size_t c)
{
    const char *g = d->cols[c].group;
    if (!g || !is_sum_label(d->cols[c].label)) return -1;
    if (c + 1 < d->ncols && d->cols[c + 1].group && !strcmp(d->cols[c + 1].group, g)) return -1;
    size_t first = c;
    while (first > 0 && d->cols[first - 1].group && !strcmp(d->cols[first - 1].group, g)) first--;
    return c - first >= 2 ? (int)first : -1;
}

/* A cell of a sum column: =SUM of the group's other cells in the row, when they add up to the
 * stored count (and at least one is not blank); false when the count must stand as a number. */
static bool sum_column_formula(const Report *rep, const ReportSheet *s, size_t row, size_t c, lxw_row_t y,
                               StrBuf *out)
{
    int first = sum_column_start(rep->table, c);
    if (first < 0) return false;
    size_t nc = rep->ncols;
    int64_t sum = 0;
    bool any = false;
    for (size_t k = (size_t)first; k < c; k++) {
        if (s->blank[row * nc + k]) continue;
        sum += s->cells[row * nc + k];
        any = true;
    }
    if (!any || sum != s->cells[row * nc + c]) return false;
    char a[16], b[16];
    cell_ref(a, y, (lxw_col_t)(first + 1));
    cell_ref(b, y, (lxw_col_t)c);
    sb_printf(out, "=SUM(%s:%s)", a, b);
    return true;
}

static void write_count(lxw_worksheet *ws, const Formats *f, const Report *rep, const ReportSheet *s, size_t row,
                        size_t c, lxw_row_t y, lxw_row_t first_row)
{
    lxw_col_t x = (lxw_col_t)(c + 1);
    int64_t v = s->cells[row * rep->ncols + c];
    StrBuf formula = {0};
    if (rep->table->rows[row].total) total_row_formula(rep, row, x, first_row, &formula);
    else sum_column_formula(rep, s, row, c, y, &formula);
    if (formula.count) worksheet_write_formula_num(ws, y, x, sb_str(&formula), f->number, (double)v);
    else worksheet_write_number(ws, y, x, (double)v, f->number);
    sb_free(&formula);
}

/* ---- a sheet ----------------------------------------------------------------------------------- */

static bool write_sheet(lxw_workbook *wb, const Formats *f, const Report *rep, const ReportSheet *s,
                        const char *prefix, char **error)
{
    const FormInfo *d = rep->table;
    size_t nc = rep->ncols, nr = rep->nrows;
    char *want = prefix ? xasprintf("%s %s", prefix, s->name) : xstrdup(s->name);
    char *name = xlsx_new_sheet_name(wb, want, strlen(want));
    free(want);
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    free(name);
    if (!ws) {
        if (error) *error = xstrdup("cannot add a worksheet");
        return false;
    }
    bool grouped = false;
    for (size_t c = 0; c < nc; c++) grouped |= d->cols[c].group != NULL;
    lxw_row_t head = 2, first_row = grouped ? 4 : 3;   /* first_row: the first data row */
    lxw_col_t last_col = (lxw_col_t)nc;

    /* the title and the unit */
    if (nc > 0) worksheet_merge_range(ws, 0, 0, 0, last_col, d->label ? d->label : "", f->title);
    else worksheet_write_string(ws, 0, 0, d->label ? d->label : "", f->title);
    worksheet_set_row(ws, 0, 32, NULL);
    StrBuf unit = {0};
    sb_printf(&unit, "填表单位：%s", s->unit);
    worksheet_write_string(ws, 1, 0, sb_str(&unit), f->unit);
    sb_free(&unit);

    /* the header */
    double *width = xcalloc(nc + 2, sizeof *width);
    width[0] = rep->corner ? width_of(rep->corner) : 4;
    if (grouped) worksheet_merge_range(ws, head, 0, head + 1, 0, rep->corner ? rep->corner : "", f->head);
    else if (rep->corner) worksheet_write_string(ws, head, 0, rep->corner, f->head);
    else worksheet_write_blank(ws, head, 0, f->head);
    for (size_t c = 0; c < nc; c++) {
        const FormColumn *col = &d->cols[c];
        lxw_col_t x = (lxw_col_t)(c + 1);
        width[c + 1] = width_of(col->label);
        if (!grouped) {
            worksheet_write_string(ws, head, x, col->label ? col->label : "", f->head);
            continue;
        }
        if (!col->group) {
            worksheet_merge_range(ws, head, x, head + 1, x, col->label ? col->label : "", f->head);
            continue;
        }
        worksheet_write_string(ws, head + 1, x, col->label ? col->label : "", f->head);
        if (c > 0 && d->cols[c - 1].group && !strcmp(d->cols[c - 1].group, col->group))
            continue;   /* the group's header was written with its first column */
        size_t last = c;
        while (last + 1 < nc && d->cols[last + 1].group && !strcmp(d->cols[last + 1].group, col->group))
            last++;
        if (last > c) worksheet_merge_range(ws, head, x, head, (lxw_col_t)(last + 1), col->group, f->head);
        else worksheet_write_string(ws, head, x, col->group, f->head);
    }

    /* the rows */
    for (size_t i = 0; i < nr; i++) {
        lxw_row_t y = first_row + (lxw_row_t)i;
        const char *label = d->rows[i].label;
        worksheet_write_string(ws, y, 0, label ? label : "", f->label);
        if (width_of(label) > width[0]) width[0] = width_of(label);
        for (size_t c = 0; c < nc; c++) {
            lxw_col_t x = (lxw_col_t)(c + 1);
            if (s->blank[i * nc + c]) {
                worksheet_write_blank(ws, y, x, f->blank);
                continue;
            }
            int64_t v = s->cells[i * nc + c];
            write_count(ws, f, rep, s, i, c, y, first_row);
            char num[32];
            int w = snprintf(num, sizeof num, "%lld", (long long)v);
            if (w > width[c + 1]) width[c + 1] = w;
        }
    }

    /* widths: a group's label fits over its columns */
    for (size_t c = 0; c < nc; c++) {
        const char *g = d->cols[c].group;
        if (!g) continue;
        size_t last = c;
        while (last + 1 < nc && d->cols[last + 1].group && !strcmp(d->cols[last + 1].group, g))
            last++;
        double span = 0;
        for (size_t k = c; k <= last; k++) span += width[k + 1] + 2;
        double extra = width_of(g) + 2 - span;
        for (size_t k = c; extra > 0 && k <= last; k++) width[k + 1] += extra / (double)(last - c + 1);
        c = last;
    }
    for (size_t c = 0; c <= nc; c++) worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, width[c] + 2, NULL);
    free(width);

    worksheet_freeze_panes(ws, first_row, 1);
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9);   /* A4 */
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_center_horizontally(ws);
    if (s->partition) {   /* the county's code, for the office that files the forms by code */
        char *footer = xasprintf("&C区县代码：%s", s->partition);
        StrBuf esc = {0};
        for (const char *k = footer; *k; k++) {   /* a literal & is && in a footer */
            if (*k == '&' && k != footer) sb_putc(&esc, '&');
            sb_putc(&esc, *k);
        }
        worksheet_set_footer(ws, sb_str(&esc));
        sb_free(&esc);
        free(footer);
    }
    return true;
}

/* The form as a sheet name's prefix when several share a workbook: the first word of its label
 * ("附件1"), or its name. */
static char *form_prefix(const FormInfo *d)
{
    if (!d->label) return xstrdup(d->name);
    size_t n = strcspn(d->label, " ");
    return n ? xstrndup(d->label, n) : xstrdup(d->name);
}

bool report_xlsx_many(const Report *reps, size_t n, const char *path, char **error)
{
    FileReplace fr;
    int err;
    lxw_workbook *wb = xlsx_workbook_begin(&fr, path, FILE_MODE_KEEP, &err);
    if (!wb) {
        if (error) {
            StrBuf sb = {0};
            sb_printf(&sb, "cannot write %s", path); /* not a message: an error, shown through msg_text */
            *error = sb_take(&sb);
        }
        return false;
    }
    const FormInfo *first = n ? reps[0].table : NULL;
    lxw_doc_properties props = {0};
    props.title = (char *)(!first ? "" : n > 1 ? "" : first->label ? first->label : first->name);
    props.comments = "doudi report";
    /* the run's time, so the same run makes the same file; 2021-03-02 (the plan's date) when unknown */
    props.created = n && reps[0].run_time ? (time_t)reps[0].run_time : (time_t)1614643200;
    workbook_set_properties(wb, &props);
    Formats f = make_formats(wb);
    bool ok = true;
    for (size_t k = 0; k < n && ok; k++) {
        char *prefix = n > 1 ? form_prefix(reps[k].table) : NULL;
        for (size_t i = 0; i < reps[k].nsheets && ok; i++)
            ok = write_sheet(wb, &f, &reps[k], &reps[k].sheets[i], prefix, error);
        free(prefix);
    }
    lxw_error e = workbook_close(wb);
    if (ok && e != LXW_NO_ERROR) {
        ok = false;
        if (error) {
            StrBuf sb = {0};
            sb_printf(&sb, "cannot write %s: %s", path, lxw_strerror(e)); /* not a message: an error, shown through msg_text */
            *error = sb_take(&sb);
        }
    }
    if (!ok) {
        file_replace_abort(&fr);
        return false;
    }
    err = file_replace_commit(&fr, NULL);
    if (err && error) *error = xasprintf("cannot write %s: %s", path, strerror(err));
    return !err;
}

bool report_xlsx(const Report *rep, const char *path, char **error)
{
    return report_xlsx_many(rep, 1, path, error);
}

#endif
