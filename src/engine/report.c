/* report.c — loading a run's forms and rendering them as text, CSV and JSON (see report.h;
 * the workbook is report_xlsx.c). */
#include "report.h"
#include "csv.h"
#include "base/date.h"
#include "base/replace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool failf(char **error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool failf(char **error, const char *fmt, ...)
{
    if (error && !*error) {
        va_list ap;
        va_start(ap, fmt);
        *error = xvasprintf(fmt, ap);
        va_end(ap);
    }
    return false;
}

bool report_parse_format(const char *s, ReportFormat *out)
{
    static const char *const names[] = {"text", "csv", "json", "xlsx"};
    for (int i = 0; i < 4; i++)
        if (s && !strcmp(s, names[i])) {
            *out = (ReportFormat)i;
            return true;
        }
    return false;
}

const FormInfo *report_find_form(const Program *p, const char *form)
{
    if (!form || !*form) return NULL;
    for (uint32_t i = 0; i < p->nforms; i++)
        if (!strcmp(p->forms[i].name, form)) return &p->forms[i];
    for (uint32_t i = 0; i < p->nforms; i++)
        if (p->forms[i].label && !strcmp(p->forms[i].label, form)) return &p->forms[i];
    const FormInfo *found = NULL;
    size_t n = strlen(form);
    for (uint32_t i = 0; i < p->nforms; i++) {
        const char *label = p->forms[i].label;
        if (!label || strncmp(label, form, n)) continue;
        /* "附件1" starts "附件1 …" but not "附件10 …": the prefix ends where a word does */
        if (label[n] >= '0' && label[n] <= '9') continue;
        if (found) return NULL;
        found = &p->forms[i];
    }
    return found;
}

const char *report_partition_name(const Program *p, int32_t field, const char *value)
{
    const char *key = value ? program_partition_find(p, field, value) : NULL;
    return program_partition_name(p, field, key ? key : value);
}

/* ---- loading -------------------------------------------------------------------------------- */

typedef VEC(char *) Names;

static void names_add(Names *n, const char *s)
{
    for (size_t i = 0; i < n->count; i++)
        if (!strcmp(n->items[i], s)) return;
    VEC_PUSH(n, xstrdup(s));
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *text_or_empty(const char *s) { return s ? s : ""; }

static bool same_partition(int32_t a, int32_t b) { return a >= 0 && a == b; }

static bool is_capacity_cell(const FormColumn *c) { return c->cell == FORM_EXISTING || c->cell == FORM_BUILD; }

static bool table_reads_capacity(const FormInfo *d)
{
    for (size_t i = 0; i < d->ncols; i++)
        if (is_capacity_cell(&d->cols[i])) return true;
    return false;
}

static int index_of_row(const FormInfo *d, const char *name)
{
    for (size_t i = 0; i < d->nrows; i++)
        if (!strcmp(d->rows[i].name, name)) return (int)i;
    return -1;
}

static int index_of_column(const FormInfo *d, const char *name)
{
    for (size_t i = 0; i < d->ncols; i++)
        if (!strcmp(d->cols[i].name, name)) return (int)i;
    return -1;
}

static int index_of_partition(const Report *rep, const char *name)
{
    for (size_t i = 0; i < rep->npartitions; i++)
        if (!strcmp(rep->partitions[i], name)) return (int)i;
    return -1;
}

static bool add_name(void *ctx, const char *name)
{
    names_add(ctx, name);
    return true;
}

/* Every partition of the run for tables partitioned like `d`: the partitions of those forms'
 * counts and, when the capacity plan is partitioned the same way, of the plan. */
static bool load_partitions(Ledger *l, const Program *p, const FormInfo *d, Report *rep, char **error)
{
    if (d->partition_field < 0) return true;
    Names names = {0};
    bool ok = true;
    for (size_t t = 0; ok && t < p->nforms; t++)
        if (same_partition(d->partition_field, p->forms[t].partition_field))
            ok = ledger_each_partition(l, rep->run, p->forms[t].name, add_name, &names, error);
    if (ok && p->capacity && same_partition(d->partition_field, p->capacity->partition_field))
        ok = ledger_each_partition(l, rep->run, NULL, add_name, &names, error);
    if (names.count) qsort(names.items, names.count, sizeof *names.items, compare_names);   /* none: no array */
    rep->partitions = names.items;
    rep->npartitions = names.count;
    return ok;
}

/* Stored numbers, per partition: raw[p][row * ncols + col]. Without `per`, one partition. */
typedef struct Raw {
    int64_t **cells;
    size_t nparts;
    bool overflow;             /* a sum left int64: the report is refused, never wrapped */
} Raw;

/* *to += n, or the overflow noted (*to unchanged). Stored numbers come from a run, but a
 * hand-made program's capacity plan can make them as large as it likes. */
static void add_to(int64_t *to, int64_t n, bool *overflow)
{
    int64_t sum;
    if (__builtin_add_overflow(*to, n, &sum)) *overflow = true;
    else *to = sum;
}

static int64_t *raw_cells(Raw *raw, const Report *rep, const char *partition)
{
    if (rep->table->partition_field < 0) return raw->cells[0];
    int pi = index_of_partition(rep, partition);
    return pi >= 0 ? raw->cells[pi] : NULL;
}

typedef struct Loading {
    Report *rep;
    Raw *raw;
    char **error;
} Loading;

static bool add_count(void *ctx, const char *partition, const char *row, const char *col, int64_t n)
{
    Loading *ld = ctx;
    const FormInfo *d = ld->rep->table;
    int ri = index_of_row(d, row), ci = index_of_column(d, col);
    if (ri < 0 || ci < 0 || d->rows[ri].total || d->cols[ci].cell != FORM_COUNT)
        return failf(ld->error, "run %lld counted form '%s' with %s '%s', which this rule file's table lacks "
                     "(the run used other rules: report it with the rule file it was run with)",
                     (long long)ld->rep->run, d->name, ri < 0 ? "row" : "column", ri < 0 ? row : col);
    int64_t *cells = raw_cells(ld->raw, ld->rep, partition);
    if (cells) add_to(&cells[(size_t)ri * ld->rep->ncols + (size_t)ci], n, &ld->raw->overflow);
    return true;
}

static bool load_counts(Ledger *l, Report *rep, Raw *raw, char **error)
{
    Loading ld = {rep, raw, error};
    return ledger_each_form_count(l, rep->run, rep->table->name, add_count, &ld, error) || (error && *error);
}

/* Put `v` into every capacity column of the row named `type` that `want` selects. */
static void put_capacity(Loading *ld, int64_t *cells, const char *type, FormCell kind, int64_t year, int64_t v)
{
    const Report *rep = ld->rep;
    const FormInfo *d = rep->table;
    int ri = index_of_row(d, type);
    if (!cells || ri < 0 || d->rows[ri].total) return;
    for (size_t c = 0; c < rep->ncols; c++) {
        const FormColumn *col = &d->cols[c];
        if (col->cell == kind && col->year == year) add_to(&cells[(size_t)ri * rep->ncols + c], v, &ld->raw->overflow);
    }
}

static int64_t *capacity_cells(Loading *ld, const char *partition)
{
    return ld->rep->table->partition_field >= 0 ? raw_cells(ld->raw, ld->rep, partition) : ld->raw->cells[0];
}

static bool add_capacity(void *ctx, const CapacityRow *row)
{
    Loading *ld = ctx;
    int64_t *cells = capacity_cells(ld, row->partition);
    put_capacity(ld, cells, row->type, FORM_EXISTING, 0, row->existing);
    put_capacity(ld, cells, row->type, FORM_BUILD, 0, row->tasks);
    return true;
}

static bool add_year(void *ctx, const char *partition, const char *type, int64_t year, int64_t n)
{
    Loading *ld = ctx;
    if (year != 0) put_capacity(ld, capacity_cells(ld, partition), type, FORM_BUILD, year, n);   /* 0: `build total` */
    return true;
}

static bool load_capacity(Ledger *l, const Program *p, Report *rep, Raw *raw, char **error)
{
    if (!table_reads_capacity(rep->table) || !p->capacity) return true;
    Loading ld = {rep, raw, error};
    return ledger_each_capacity(l, rep->run, add_capacity, &ld, error) &&
           ledger_each_capacity_year(l, rep->run, add_year, &ld, error);
}

static void fill_sheet(Report *rep, ReportSheet *s, Raw *raw, int only)
{
    const FormInfo *d = rep->table;
    size_t nr = rep->nrows, nc = rep->ncols;
    s->cells = xcalloc(nr * nc + 1, sizeof *s->cells);
    s->blank = xcalloc(nr * nc + 1, sizeof *s->blank);
    for (size_t p = 0; p < raw->nparts; p++) {
        if (only >= 0 && (size_t)only != p) continue;
        for (size_t i = 0; i < nr * nc; i++) add_to(&s->cells[i], raw->cells[p][i], &raw->overflow);
    }
    for (size_t i = 0; i < nr; i++)
        for (size_t c = 0; c < nc; c++) {
            s->blank[i * nc + c] = d->blank[i * nc + c];
            if (s->blank[i * nc + c]) s->cells[i * nc + c] = 0;
        }
    /* a total row: the sum of the other rows' non-blank cells; blank when they all are */
    for (size_t t = 0; t < nr; t++) {
        if (!d->rows[t].total) continue;
        for (size_t c = 0; c < nc; c++) {
            if (s->blank[t * nc + c]) continue;
            int64_t sum = 0;
            bool any = false;
            for (size_t i = 0; i < nr; i++) {
                if (d->rows[i].total || s->blank[i * nc + c]) continue;
                add_to(&sum, s->cells[i * nc + c], &raw->overflow);
                any = true;
            }
            s->cells[t * nc + c] = sum;
            s->blank[t * nc + c] = !any;
        }
    }
}

/* The run's counties for a message: "410102 中原区, 410103 二七区" (a text field's: as they are). */
static void list_partitions(StrBuf *sb, const Program *p, int32_t field, char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *name = program_partition_name(p, field, keys[i]);
        sb_printf(sb, "%s%s", i ? ", " : "", keys[i]);
        if (strcmp(name, keys[i])) sb_printf(sb, " %s", name);
    }
}

static bool is_category(const Program *p, const char *name)
{
    for (uint32_t i = 0; i < p->nrules; i++)
        if (p->rules[i].kind == RULE_CATEGORY && !strcmp(p->rules[i].name, name)) return true;
    return false;
}

/* What the row labels are, in the words of the official forms' corner cell (附件1: 人员类别,
 * 附件2: 建设机构类别): the rows other than totals all types of institution (named by the
 * capacity plan's items), or all categories of persons; NULL when they are something else. */
static const char *corner_of(const Program *p, const FormInfo *d)
{
    bool institutions = true, categories = true, any = false;
    for (uint32_t r = 0; r < d->nrows; r++) {
        if (d->rows[r].total) continue;
        any = true;
        institutions &= d->rows[r].capacity_item >= 0;
        categories &= is_category(p, d->rows[r].name);
    }
    return !any ? NULL : institutions ? "建设机构类别" : categories ? "人员类别" : NULL;
}

bool report_load(Ledger *l, const Program *p, const char *form, const char *county, int64_t run,
                 bool every_county, Report *out, char **error)
{
    memset(out, 0, sizeof *out);
    const FormInfo *d = report_find_form(p, form);
    if (!d) {
        if (p->nforms == 0) return failf(error, "the rule file declares no form (no `table`)");
        StrBuf sb = {0};
        for (size_t i = 0; i < p->nforms; i++) {
            if (i) sb_puts(&sb, ", ");
            sb_puts(&sb, p->forms[i].name);
        }
        failf(error, "no form named '%s'; the rule file declares: %s", text_or_empty(form), sb_str(&sb));
        sb_free(&sb);
        return false;
    }
    out->table = d;
    out->corner = corner_of(p, d);
    out->nrows = d->nrows;
    out->ncols = d->ncols;
    RunInfo info;
    if (!ledger_run_info(l, run, &info, error)) {
        report_free(out);
        return false;
    }
    out->run = info.id;
    out->run_time = info.finished;
    ledger_run_info_free(&info);
    if (!load_partitions(l, p, d, out, error)) {
        report_free(out);
        return false;
    }
    int only = -1;
    if (county) {
        if (d->partition_field < 0) {
            failf(error, "form '%s' is one table for the whole city (it has no `per`): --county does not apply",
                  d->name);
            report_free(out);
            return false;
        }
        /* --county by code, name or identifier: the partition it names */
        const char *key = program_partition_find(p, d->partition_field, county);
        only = index_of_partition(out, key ? key : county);
        if (only < 0) {
            StrBuf sb = {0};
            list_partitions(&sb, p, d->partition_field, out->partitions, out->npartitions);
            failf(error, "run %lld knows no county '%s'; the counties are: %s", (long long)out->run, county,
                  out->npartitions ? sb_str(&sb) : "(none: the run found nobody)");
            sb_free(&sb);
            report_free(out);
            return false;
        }
    }
    Raw raw = {0};
    raw.nparts = d->partition_field >= 0 ? out->npartitions : 1;
    raw.cells = xcalloc(raw.nparts + 1, sizeof *raw.cells);
    for (size_t k = 0; k < raw.nparts; k++) raw.cells[k] = xcalloc(out->nrows * out->ncols + 1, sizeof **raw.cells);
    bool ok = load_counts(l, out, &raw, error) && load_capacity(l, p, out, &raw, error);
    if (ok) {
        size_t n = county ? 1 : every_county && d->partition_field >= 0 ? 1 + out->npartitions : 1;
        out->sheets = xcalloc(n + 1, sizeof *out->sheets);
        out->nsheets = n;
        for (size_t k = 0; k < n; k++) {
            ReportSheet *s = &out->sheets[k];
            int part = county ? only : (int)k - 1;   /* -1: the city */
            StrBuf unit = {0};
            if (part >= 0) {
                s->partition = xstrdup(out->partitions[part]);
                s->code = xstrdup(program_partition_code(p, d->partition_field, out->partitions[part]));
                s->name = xstrdup(program_partition_name(p, d->partition_field, out->partitions[part]));
                sb_puts(&unit, s->name);
            } else if (d->partition_field >= 0) {
                sb_printf(&unit, "全市（%zu个区县合计）", out->npartitions);
            } else {
                sb_puts(&unit, "全市");
            }
            s->unit = sb_take(&unit);
            if (!s->name) s->name = xstrdup("全市");
            fill_sheet(out, s, &raw, part);
        }
        if (raw.overflow)
            ok = failf(error, "form '%s' of run %lld: a cell's sum is beyond the largest number a report holds",
                       d->name, (long long)out->run);
    }
    for (size_t k = 0; k < raw.nparts; k++) free(raw.cells[k]);
    free(raw.cells);
    if (!ok) report_free(out);
    return ok;
}

void report_free(Report *rep)
{
    if (!rep) return;
    for (size_t i = 0; i < rep->npartitions; i++) free(rep->partitions[i]);
    free(rep->partitions);
    for (size_t i = 0; i < rep->nsheets; i++) {
        free(rep->sheets[i].partition);
        free(rep->sheets[i].name);
        free(rep->sheets[i].unit);
        free(rep->sheets[i].code);
        free(rep->sheets[i].cells);
        free(rep->sheets[i].blank);
    }
    free(rep->sheets);
    memset(rep, 0, sizeof *rep);
}

/* ---- text ----------------------------------------------------------------------------------- */

static int width_of(const char *s) { return s ? utf8_width(s, strlen(s)) : 0; }

static bool has_groups(const FormInfo *d)
{
    for (size_t i = 0; i < d->ncols; i++)
        if (d->cols[i].group) return true;
    return false;
}

/* Columns c and c+1 sit under the same group header. */
static bool same_group(const FormInfo *d, size_t c)
{
    const char *a = d->cols[c].group, *b = c + 1 < d->ncols ? d->cols[c + 1].group : NULL;
    return a && b && !strcmp(a, b);
}

static void put_centered(StrBuf *sb, const char *s, int width)
{
    int w = width_of(s), left = (width - w) / 2;
    sb_pad(sb, left);
    sb_puts(sb, text_or_empty(s));
    sb_pad(sb, width - w - left);
}

static void put_dashes(StrBuf *sb, int n)
{
    for (int i = 0; i < n; i++) sb_putc(sb, '-');
}

/* A rule line: `+` at every column boundary, except inside a group when `groups_open`. */
static void text_rule(StrBuf *sb, const FormInfo *d, const int *w, bool groups_open)
{
    sb_putc(sb, '+');
    put_dashes(sb, w[0] + 2);
    for (size_t c = 0; c < d->ncols; c++) {
        sb_putc(sb, '+');
        put_dashes(sb, w[c + 1] + 2);
        while (groups_open && same_group(d, c)) {
            c++;
            put_dashes(sb, w[c + 1] + 3);
        }
    }
    sb_puts(sb, "+\n");
}

void report_text(const Report *rep, const ReportSheet *s, StrBuf *out)
{
    const FormInfo *d = rep->table;
    size_t nc = rep->ncols;
    /* w[0]: the row labels; w[c + 1]: column c — its label and its numbers */
    int *w = xcalloc(nc + 2, sizeof *w);
    for (size_t i = 0; i < rep->nrows; i++) {
        int lw = width_of(d->rows[i].label);
        if (lw > w[0]) w[0] = lw;
    }
    for (size_t c = 0; c < nc; c++) {
        w[c + 1] = width_of(d->cols[c].label);
        for (size_t i = 0; i < rep->nrows; i++) {
            if (s->blank[i * nc + c]) continue;
            char num[32];
            int nw = snprintf(num, sizeof num, "%lld", (long long)s->cells[i * nc + c]);
            if (nw > w[c + 1]) w[c + 1] = nw;
        }
    }
    /* a group header wider than its columns widens them, the extra spread from the left */
    for (size_t c = 0; c < nc; c++) {
        if (!d->cols[c].group) continue;
        size_t last = c;
        while (same_group(d, last)) last++;
        int span = -3;
        for (size_t k = c; k <= last; k++) span += w[k + 1] + 3;
        int extra = width_of(d->cols[c].group) - span;
        for (size_t k = c; extra > 0; k = k == last ? c : k + 1, extra--) w[k + 1]++;
        c = last;
    }

    sb_printf(out, "%s\n填表单位：%s\n", text_or_empty(d->label), s->unit);
    bool grouped = has_groups(d);
    text_rule(out, d, w, true);
    if (grouped) {
        /* line 1: the group headers over their columns */
        sb_putc(out, '|');
        sb_pad(out, w[0] + 2);
        for (size_t c = 0; c < nc; c++) {
            sb_putc(out, '|');
            const char *g = d->cols[c].group;
            int span = w[c + 1] + 2;
            while (same_group(d, c)) span += w[++c + 1] + 3;
            if (g) put_centered(out, g, span);
            else sb_pad(out, span);
        }
        sb_puts(out, "|\n");
        /* line 2: a rule under each group; the other headers, spanning both lines, sit here */
        sb_putc(out, '|');
        sb_pad(out, w[0] + 2);
        for (size_t c = 0; c < nc; c++) {
            bool g = d->cols[c].group, prev = c > 0 && d->cols[c - 1].group;
            sb_putc(out, g || prev ? '+' : '|');
            if (g) put_dashes(out, w[c + 1] + 2);
            else {
                sb_putc(out, ' ');
                put_centered(out, d->cols[c].label, w[c + 1]);
                sb_putc(out, ' ');
            }
        }
        sb_puts(out, nc && d->cols[nc - 1].group ? "+\n" : "|\n");
        /* line 3: the labels of grouped columns */
        sb_putc(out, '|');
        sb_pad(out, w[0] + 2);
        for (size_t c = 0; c < nc; c++) {
            sb_puts(out, "| ");
            if (d->cols[c].group) put_centered(out, d->cols[c].label, w[c + 1]);
            else sb_pad(out, w[c + 1]);
            sb_putc(out, ' ');
        }
        sb_puts(out, "|\n");
    } else {
        sb_putc(out, '|');
        sb_pad(out, w[0] + 2);
        for (size_t c = 0; c < nc; c++) {
            sb_puts(out, "| ");
            put_centered(out, d->cols[c].label, w[c + 1]);
            sb_putc(out, ' ');
        }
        sb_puts(out, "|\n");
    }
    text_rule(out, d, w, false);
    for (size_t i = 0; i < rep->nrows; i++) {
        const FormRow *row = &d->rows[i];
        if (row->total && i > 0) text_rule(out, d, w, false);
        sb_puts(out, "| ");
        sb_puts(out, text_or_empty(row->label));
        sb_pad(out, w[0] - width_of(row->label));
        sb_putc(out, ' ');
        for (size_t c = 0; c < nc; c++) {
            sb_puts(out, "| ");
            if (s->blank[i * nc + c]) sb_pad(out, w[c + 1]);
            else sb_printf(out, "%*lld", w[c + 1], (long long)s->cells[i * nc + c]);
            sb_putc(out, ' ');
        }
        sb_puts(out, "|\n");
        if (row->total && i + 1 < rep->nrows) text_rule(out, d, w, false);
    }
    text_rule(out, d, w, false);
    free(w);
}

/* UTF-8 with a byte-order mark: Excel reads a CSV without one in the machine's ANSI code page
 * (GBK on a Chinese Windows) and garbles the labels; with it, Excel (and LibreOffice, and
 * `doudi import`) take UTF-8. Lines end in LF alone: Excel, LibreOffice and every CSV reader
 * accept it, and the file diffs cleanly. The first field of the header is empty — the form
 * gives no name to its row-label column. */
void report_csv(const Report *rep, const ReportSheet *s, StrBuf *out)
{
    const FormInfo *d = rep->table;
    size_t nc = rep->ncols;
    sb_puts(out, "\xEF\xBB\xBF");
    for (size_t c = 0; c < nc; c++) {
        const FormColumn *col = &d->cols[c];
        StrBuf h = {0};
        if (col->group) sb_printf(&h, "%s/", col->group);
        sb_puts(&h, text_or_empty(col->label));
        sb_putc(out, ',');
        csv_write_cell(out, sb_str(&h));
        sb_free(&h);
    }
    sb_putc(out, '\n');
    for (size_t i = 0; i < rep->nrows; i++) {
        csv_write_cell(out, d->rows[i].label);
        for (size_t c = 0; c < nc; c++) {
            sb_putc(out, ',');
            if (!s->blank[i * nc + c]) sb_printf(out, "%lld", (long long)s->cells[i * nc + c]);
        }
        sb_putc(out, '\n');
    }
}

/* ---- JSON ----------------------------------------------------------------------------------- */

static void json_string_or_null(StrBuf *sb, const char *s)
{
    if (s) sb_json_string(sb, s);
    else sb_puts(sb, "null");
}

void report_json(const Report *rep, const ReportSheet *s, StrBuf *out)
{
    const FormInfo *d = rep->table;
    size_t nc = rep->ncols;
    sb_puts(out, "{\n  \"form\": ");
    sb_json_string(out, d->name);
    sb_puts(out, ",\n  \"title\": ");
    json_string_or_null(out, d->label);
    sb_puts(out, ",\n  \"unit\": ");
    sb_json_string(out, s->unit);
    if (s->partition) {
        sb_puts(out, ",\n  \"code\": ");
        sb_json_string(out, s->code);
    }
    sb_printf(out, ",\n  \"run\": %lld,\n  \"columns\": [", (long long)rep->run);
    for (size_t c = 0; c < nc; c++) {
        const FormColumn *col = &d->cols[c];
        sb_puts(out, c ? ",\n    {\"name\": " : "\n    {\"name\": ");
        sb_json_string(out, col->name);
        sb_puts(out, ", \"label\": ");
        json_string_or_null(out, col->label);
        sb_puts(out, ", \"group\": ");
        json_string_or_null(out, col->group);
        sb_putc(out, '}');
    }
    sb_puts(out, nc ? "\n  ],\n  \"rows\": [" : "],\n  \"rows\": [");
    for (size_t i = 0; i < rep->nrows; i++) {
        const FormRow *row = &d->rows[i];
        sb_puts(out, i ? ",\n    {\"name\": " : "\n    {\"name\": ");
        sb_json_string(out, row->name);
        sb_puts(out, ", \"label\": ");
        json_string_or_null(out, row->label);
        sb_puts(out, ", \"cells\": [");
        for (size_t c = 0; c < nc; c++) {
            if (c) sb_puts(out, ", ");
            if (s->blank[i * nc + c]) sb_puts(out, "null");
            else sb_printf(out, "%lld", (long long)s->cells[i * nc + c]);
        }
        sb_puts(out, "]}");
    }
    sb_puts(out, rep->nrows ? "\n  ]\n}\n" : "]\n}\n");
}

/* ---- writing -------------------------------------------------------------------------------- */

static bool write_out(const char *path, const StrBuf *sb, char **error)
{
    if (!path) {
        fwrite(sb->items ? sb->items : "", 1, sb->count, stdout);
        if (fflush(stdout) != 0 || ferror(stdout)) return failf(error, "cannot write the report: %s", strerror(errno));
        return true;
    }
    int err = file_replace(path, sb->items, sb->count, FILE_MODE_KEEP, NULL);
    return !err || failf(error, "cannot write %s: %s", path, strerror(err));
}

/* --form all: every form in one workbook, each as it would be alone. */
static bool write_all(Ledger *l, const Program *p, const char *county, int64_t run, ReportFormat format,
                      const char *out_path, char **error)
{
    if (format != REPORT_XLSX) return failf(error, "every form at once (--form all) goes to one workbook: -o FILE.xlsx");
    if (p->nforms == 0) return failf(error, "the rule file declares no form (no `table`)");
    Report *reps = xcalloc(p->nforms, sizeof *reps);
    size_t n = 0;
    bool ok = true;
    for (uint32_t i = 0; ok && i < p->nforms; i++) {
        const char *c = p->forms[i].partition_field >= 0 ? county : NULL;
        ok = report_load(l, p, p->forms[i].name, c, run, true, &reps[n], error);
        if (ok) n++;
    }
    if (ok) ok = report_xlsx_many(reps, n, out_path, error);
    for (size_t i = 0; i < n; i++) report_free(&reps[i]);
    free(reps);
    return ok;
}

bool report_write(Ledger *l, const Program *p, const char *form, const char *county, int64_t run,
                  ReportFormat format, const char *out_path, char **error)
{
    if (format == REPORT_XLSX && !out_path)
        return failf(error, "an xlsx workbook needs a file to go to (-o FILE.xlsx)");
    if (form && !strcmp(form, "all") && !report_find_form(p, form)) return write_all(l, p, county, run, format, out_path, error);
    Report rep;
    if (!report_load(l, p, form, county, run, format == REPORT_XLSX, &rep, error)) return false;
    bool ok;
    if (format == REPORT_XLSX) {
        ok = report_xlsx(&rep, out_path, error);
    } else {
        StrBuf sb = {0};
        const ReportSheet *s = &rep.sheets[0];
        if (format == REPORT_TEXT) report_text(&rep, s, &sb);
        else if (format == REPORT_CSV) report_csv(&rep, s, &sb);
        else report_json(&rep, s, &sb);
        ok = write_out(out_path, &sb, error);
        sb_free(&sb);
    }
    report_free(&rep);
    return ok;
}
