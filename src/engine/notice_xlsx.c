/* notice_xlsx.c — the public notice as an Excel workbook (libxlsxwriter; see notice.h): a
 * sheet per first level (county), each village a block — title, period, levels, the table,
 * the withheld counts, the office — with a page break before each block but the first, A4
 * portrait, one page wide. Dated with the run, so the same run makes the same bytes.
 * Built without libxlsxwriter (make XLSX=0), it says so. */
#include "notice_int.h"
#include "base/msg.h"
#include "base/replace.h"
#include "document.h"
#include "xlsx_write.h"

#ifdef DOUDI_NO_XLSX

bool notice_xlsx(const Notice *n, const char *path, char **error)
{
    (void)n;
    (void)path;
    if (error) *error = xstrdup(tr("this doudi was built without XLSX output (make XLSX=0): use --format csv or html"));
    return false;
}

#else

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

typedef struct Formats {
    lxw_format *title, *line, *head, *cell;
} Formats;

static lxw_format *new_format(lxw_workbook *wb, bool border)
{
    lxw_format *f = workbook_add_format(wb);
    format_set_font_name(f, "宋体");
    format_set_font_size(f, 11);
    format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
    if (border) {
        format_set_border(f, LXW_BORDER_THIN);
        format_set_align(f, LXW_ALIGN_CENTER);
    }
    return f;
}

static Formats make_formats(lxw_workbook *wb)
{
    Formats f = {new_format(wb, false), new_format(wb, false), new_format(wb, true), new_format(wb, true)};
    format_set_bold(f.title);
    format_set_font_size(f.title, 16);
    format_set_align(f.title, LXW_ALIGN_CENTER);
    format_set_bold(f.head);
    return f;
}

typedef struct Sheet {
    lxw_worksheet *ws;
    lxw_row_t row;
    lxw_col_t last;            /* the table's last column */
    double *width;
    lxw_row_t breaks[1024];    /* libxlsxwriter takes at most 1023 page breaks, 0-terminated */
    size_t nbreaks;
} Sheet;

static int width_of(const char *s) { return s ? utf8_width(s, strlen(s)) : 0; }

static void line(Sheet *s, const char *text, lxw_format *f)
{
    if (s->last > 0) worksheet_merge_range(s->ws, s->row, 0, s->row, s->last, text, f);
    else worksheet_write_string(s->ws, s->row, 0, text, f);
    s->row++;
}

static void put(Sheet *s, lxw_col_t c, const char *text, lxw_format *f)
{
    worksheet_write_string(s->ws, s->row, c, text, f);
    if (width_of(text) > s->width[c]) s->width[c] = width_of(text);
}

static void table(const Notice *n, const NoticeUnit *u, Sheet *s, const Formats *f)
{
    put(s, 0, doc_tr("No."), f->head);
    for (uint32_t c = 0; c < n->ni->ncols; c++)
        put(s, (lxw_col_t)(c + 1), n->ni->cols[c].label ? n->ni->cols[c].label : n->ni->cols[c].name, f->head);
    s->row++;
    size_t no = 0;
    for (size_t i = u->first; i < u->first + u->count; i++) {
        const NoticeEntry *e = &n->entries.items[i];
        if (e->withheld >= 0) continue;
        char num[32];
        snprintf(num, sizeof num, "%zu", ++no);
        put(s, 0, num, f->cell);
        for (uint32_t c = 0; c < n->ni->ncols; c++) put(s, (lxw_col_t)(c + 1), e->cells[c], f->cell);
        s->row++;
    }
}

static void block(const Notice *n, const NoticeUnit *u, Sheet *s, const Formats *f)
{
    if (s->row > 0 && s->nbreaks + 1 < sizeof s->breaks / sizeof *s->breaks) s->breaks[s->nbreaks++] = s->row;
    line(s, n->title, f->title);
    line(s, n->period, f->line);
    char *heading = notice_unit_heading(n, u);
    line(s, heading, f->line);
    free(heading);
    if (u->listed) table(n, u, s, f);
    for (size_t k = 0; k <= n->ni->nwithholds; k++) {
        char *text = notice_withheld_line(n, u, k);
        if (text) line(s, text, f->line);
        free(text);
    }
    line(s, n->office, f->line);
    line(s, n->privacy, f->line);
    s->row++;
}

static void finish_sheet(Sheet *s)
{
    for (lxw_col_t c = 0; c <= s->last; c++) worksheet_set_column(s->ws, c, c, s->width[c] + 2, NULL);
    s->breaks[s->nbreaks] = 0;
    if (s->nbreaks) worksheet_set_h_pagebreaks(s->ws, s->breaks);
    worksheet_set_paper(s->ws, 9);   /* A4 */
    worksheet_fit_to_pages(s->ws, 1, 0);
    worksheet_center_horizontally(s->ws);
}

static bool sheets(const Notice *n, lxw_workbook *wb, const Formats *f, char **error)
{
    Sheet s = {0};
    const char *current = NULL;
    size_t ncols = n->ni->ncols + 1;
    for (size_t i = 0; i <= n->units.count; i++) {
        const NoticeUnit *u = i < n->units.count ? &n->units.items[i] : NULL;
        const char *first = u && n->ni->nper ? n->entries.items[u->first].levels[0] : "";
        if (s.ws && (!u || strcmp(first, current))) {
            finish_sheet(&s);
            free(s.width);
            s = (Sheet){0};
        }
        if (!u) break;
        if (!s.ws) {
            /* a sheet per county, named as the county is (中牟县) */
            const char *want = *first ? notice_level_name(n, 0, first) : n->title;
            char *name = xlsx_new_sheet_name(wb, want, strlen(want));
            s.ws = workbook_add_worksheet(wb, name);
            free(name);
            if (!s.ws) {
                if (error && !*error) *error = xstrdup(tr("cannot add a worksheet"));
                return false;
            }
            s.last = (lxw_col_t)(ncols - 1);
            s.width = xcalloc(ncols + 1, sizeof *s.width);
            current = first;
        }
        block(n, u, &s, f);
    }
    return true;
}

bool notice_xlsx(const Notice *n, const char *path, char **error)
{
    FileReplace fr;
    int err;
    lxw_workbook *wb = xlsx_workbook_begin(&fr, path, FILE_MODE_KEEP, &err);
    if (!wb) {
        if (error) *error = xasprintf(tr("cannot write %s"), path);
        return false;
    }
    lxw_doc_properties props = {0};
    props.title = n->title;
    props.created = n->run_time ? (time_t)n->run_time : (time_t)1614643200;
    workbook_set_properties(wb, &props);
    Formats f = make_formats(wb);
    bool ok = sheets(n, wb, &f, error);
    if (ok && !n->units.count) ok = workbook_add_worksheet(wb, NULL) != NULL;
    lxw_error e = workbook_close(wb);
    if (ok && e != LXW_NO_ERROR) {
        ok = false;
        if (error) *error = xasprintf(tr("cannot write %s: %s"), path, lxw_strerror(e));
    }
    if (!ok) {
        file_replace_abort(&fr);
        return false;
    }
    err = file_replace_commit(&fr, NULL);
    if (err && error) *error = xasprintf(tr("cannot write %s: %s"), path, msg_strerror(err));
    return !err;
}

#endif
