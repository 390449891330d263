/* report_html.c — a run as one HTML page (see report_html.h).
 *
 * Everything is read first — the run's row, every form for the city and each county (report.c,
 * the same loading the other formats use), the outcomes counted per county, the capacity plan,
 * the review queue — into a Page, then written section by section into one buffer, then to the
 * file. The page's fixed text is the catalogue's Chinese (document.h); labels are the rule
 * file's. Every number shown in a table sits in a cell that says what it is (data-table or
 * data-form, data-unit, data-row, data-col), for the checks of tests/cli/report_html.test.sh. */
#include "report_html.h"
#include "document.h"
#include "report.h"
#include "svg.h"
#include "base/fixed.h"
#include "base/resid.h"
#include "base/sort.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nearmiss_free(NearMiss *nm)
{
    if (!nm) return;
    for (uint32_t c = 0; nm->categories && c < nm->ncategories; c++) free(nm->categories[c].by_atom);
    free(nm->categories);
    nm->categories = NULL;
    nm->ncategories = 0;
}

const char *nearmiss_atom_label(const Program *p, const AtomInfo *a)
{
    const char *name = a->text;
    if (!strncmp(name, "not ", 4)) name += 4;
    const RecordInfo *rec = p->nrecords ? &p->records[0] : NULL;
    for (uint32_t i = 0; rec && i < rec->nfields; i++)
        if (!strcmp(rec->fields[i].name, name)) return rec->fields[i].label;
    uint32_t n, first = program_rules(p, RULE_LET, &n);
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(p->rules[first + i].name, name)) return p->rules[first + i].label;
    n = 0;
    first = program_rules(p, RULE_CATEGORY, &n);
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(p->rules[first + i].name, name)) return p->rules[first + i].label;
    return NULL;
}

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

/* ---- what the page is made of ----------------------------------------------------------------- */

typedef struct Outcome {
    char *partition;
    int primary, placement;    /* indices into the enums, -1 when not found */
    bool has_year;
    int64_t year;
    int64_t n;
} Outcome;

typedef struct Capacity {
    CapacityRow row;           /* its strings owned */
    int64_t *by_year;          /* by the plan's build years */
} Capacity;

typedef struct ReviewGroup {
    char *record, *reason;     /* the reason's kind: ids masked, values and numbers folded */
    uint32_t col;
    int64_t n;
} ReviewGroup;

typedef struct Page {
    Ledger *l;
    const Program *p;
    const NearMiss *near;
    RunInfo info;
    Report *forms;             /* p->nforms, each the city then every county */
    int32_t county_field;      /* the partition the county sections are of, or -1 */
    VEC(char *) counties;
    VEC(Outcome) outcomes;
    VEC(Capacity) capacity;
    VEC(ReviewGroup) review;
    VEC(int64_t) years;        /* every year of the outcomes, increasing */
    StrBuf out;
} Page;

static int enum_find_name(const Program *p, int32_t en, const char *name)
{
    if (en < 0 || (uint32_t)en >= p->nenums) return -1;
    for (uint32_t i = 0; i < p->enums[en].count; i++)
        if (!strcmp(p->enums[en].values[i], name)) return (int)i;
    return -1;
}

static const char *enum_label(const Program *p, int32_t en, int i)
{
    if (en < 0 || (uint32_t)en >= p->nenums || i < 0 || (uint32_t)i >= p->enums[en].count) return "";
    const EnumInfo *e = &p->enums[en];
    return e->labels[i] ? e->labels[i] : e->values[i];
}

static void add_name(Page *pg, const char *name)
{
    for (size_t i = 0; i < pg->counties.count; i++)
        if (!strcmp(pg->counties.items[i], name)) return;
    VEC_PUSH(&pg->counties, xstrdup(name));
}

static void add_year(Page *pg, int64_t y)
{
    size_t i = 0;
    while (i < pg->years.count && pg->years.items[i] < y) i++;
    if (i < pg->years.count && pg->years.items[i] == y) return;
    VEC_PUSH(&pg->years, y);
    memmove(pg->years.items + i + 1, pg->years.items + i, (pg->years.count - 1 - i) * sizeof *pg->years.items);
    pg->years.items[i] = y;
}

static bool on_outcome(void *ctx, const char *partition, const char *primary, const char *placement, bool has_year,
                       int64_t year, int64_t n)
{
    Page *pg = ctx;
    Outcome o = {xstrdup(partition), enum_find_name(pg->p, pg->p->category_enum, primary),
                 enum_find_name(pg->p, pg->p->placement_enum, placement), has_year, year, n};
    VEC_PUSH(&pg->outcomes, o);
    if (has_year) add_year(pg, year);
    if (pg->county_field >= 0 && *partition) add_name(pg, partition);
    return true;
}

static bool on_capacity(void *ctx, const CapacityRow *row)
{
    Page *pg = ctx;
    Capacity c = {*row, xcalloc(pg->p->capacity->nbuild + 1, sizeof(int64_t))};
    c.row.partition = xstrdup(row->partition);
    c.row.type = xstrdup(row->type);
    VEC_PUSH(&pg->capacity, c);
    return true;
}

static bool on_capacity_year(void *ctx, const char *partition, const char *type, int64_t year, int64_t n)
{
    Page *pg = ctx;
    const CapacityInfo *ci = pg->p->capacity;
    for (size_t i = 0; i < pg->capacity.count; i++) {
        Capacity *c = &pg->capacity.items[i];
        if (strcmp(c->row.partition, partition) || strcmp(c->row.type, type)) continue;
        for (uint32_t y = 0; y < ci->nbuild; y++)
            if (ci->build_years[y] == year) c->by_year[y] = n;
    }
    return true;
}

/* A require's own message stays as written; other reasons lose what is particular to one row
 * — quoted values become '…' and numbers n (but in parentheses, where the message lists what
 * it accepts) — so that rows wrong the same way count together.
 * Resident ids are masked first: the page is read by people. */
static char *review_kind(const Program *p, const char *reason)
{
    for (uint32_t r = 0; r < p->nrecords; r++)
        for (uint32_t q = 0; q < p->records[r].nrequires; q++)
            if (!strcmp(p->records[r].requires[q].message, reason)) return xstrdup(reason);
    char *masked = xstrdup(reason);
    resident_id_mask(masked);
    StrBuf sb = {0};
    int depth = 0;   /* numbers in parentheses are the message's own: (1/0, true/false, …) */
    for (const char *s = masked; *s;) {
        if (*s == '\'' && strchr(s + 1, '\'')) {
            sb_puts(&sb, "'…'");
            s = strchr(s + 1, '\'') + 1;
        } else if (*s >= '0' && *s <= '9' && depth == 0) {
            sb_putc(&sb, 'n');
            while (*s >= '0' && *s <= '9') s++;
        } else {
            depth += *s == '(' ? 1 : *s == ')' && depth > 0 ? -1 : 0;
            sb_putc(&sb, *s++);
        }
    }
    free(masked);
    return sb_take(&sb);
}

static bool on_review(void *ctx, const char *record, uint32_t col, const char *reason, int64_t n)
{
    Page *pg = ctx;
    char *kind = review_kind(pg->p, reason);
    for (size_t i = 0; i < pg->review.count; i++) {
        ReviewGroup *g = &pg->review.items[i];
        if (g->col == col && !strcmp(g->record, record) && !strcmp(g->reason, kind)) {
            g->n += n;
            free(kind);
            return true;
        }
    }
    ReviewGroup g = {xstrdup(record), kind, col, n};
    VEC_PUSH(&pg->review, g);
    return true;
}

static int compare_review(const void *a, const void *b)
{
    const ReviewGroup *x = a, *y = b;
    if (x->n != y->n) return x->n > y->n ? -1 : 1;
    int c = strcmp(x->record, y->record);
    if (c) return c;
    if (x->col != y->col) return x->col < y->col ? -1 : 1;
    return strcmp(x->reason, y->reason);
}

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* By partition, then in the order of the placement enum (the order of the forms' rows). */
static int compare_capacity(const void *a, const void *b, void *ctx)
{
    const Capacity *x = a, *y = b;
    const Program *p = ctx;
    int c = strcmp(x->row.partition, y->row.partition);
    if (c) return c;
    int i = enum_find_name(p, p->placement_enum, x->row.type);
    int j = enum_find_name(p, p->placement_enum, y->row.type);
    return i != j ? (i < j ? -1 : 1) : strcmp(x->row.type, y->row.type);
}

static int32_t county_field_of(const Program *p)
{
    for (uint32_t f = 0; f < p->nforms; f++)
        if (p->forms[f].partition_field >= 0) return p->forms[f].partition_field;
    if (p->schedule) return p->schedule->partition_field;
    return p->capacity ? p->capacity->partition_field : -1;
}

static bool load_forms(Page *pg, char **error)
{
    pg->forms = xcalloc(pg->p->nforms + 1, sizeof *pg->forms);
    for (uint32_t f = 0; f < pg->p->nforms; f++) {
        Report *rep = &pg->forms[f];
        if (!report_load(pg->l, pg->p, pg->p->forms[f].name, NULL, pg->info.id, true, rep, error)) return false;
        if (pg->p->forms[f].partition_field == pg->county_field)
            for (size_t i = 0; i < rep->npartitions; i++) add_name(pg, rep->partitions[i]);
    }
    return true;
}

static bool load(Page *pg, int64_t run, char **error)
{
    if (!ledger_run_info(pg->l, run, &pg->info, error)) return false;
    pg->county_field = county_field_of(pg->p);
    if (!load_forms(pg, error)) return false;
    if (!ledger_each_outcome(pg->l, pg->p, pg->info.id, pg->county_field, on_outcome, pg, error)) return false;
    if (pg->p->capacity && (!ledger_each_capacity(pg->l, pg->info.id, on_capacity, pg, error) ||
                            !ledger_each_capacity_year(pg->l, pg->info.id, on_capacity_year, pg, error)))
        return false;
    if (!ledger_each_review_count(pg->l, pg->info.id, on_review, pg, error)) return false;
    /* qsort may not be given a NULL array, even of no elements */
    if (pg->counties.count) qsort(pg->counties.items, pg->counties.count, sizeof *pg->counties.items, compare_names);
    sort_with(pg->capacity.items, pg->capacity.count, sizeof *pg->capacity.items, compare_capacity, (void *)pg->p);
    if (pg->review.count) qsort(pg->review.items, pg->review.count, sizeof *pg->review.items, compare_review);
    return true;
}

static void page_free(Page *pg)
{
    for (uint32_t f = 0; pg->forms && f < pg->p->nforms; f++) report_free(&pg->forms[f]);
    free(pg->forms);
    for (size_t i = 0; i < pg->counties.count; i++) free(pg->counties.items[i]);
    VEC_FREE(&pg->counties);
    for (size_t i = 0; i < pg->outcomes.count; i++) free(pg->outcomes.items[i].partition);
    VEC_FREE(&pg->outcomes);
    for (size_t i = 0; i < pg->capacity.count; i++) {
        free((char *)pg->capacity.items[i].row.partition);
        free((char *)pg->capacity.items[i].row.type);
        free(pg->capacity.items[i].by_year);
    }
    VEC_FREE(&pg->capacity);
    for (size_t i = 0; i < pg->review.count; i++) {
        free(pg->review.items[i].record);
        free(pg->review.items[i].reason);
    }
    VEC_FREE(&pg->review);
    VEC_FREE(&pg->years);
    ledger_run_info_free(&pg->info);
    sb_free(&pg->out);
}

/* ---- HTML pieces ----------------------------------------------------------------------------- */

static const char *const css =
    "body{font-family:\"Noto Sans CJK SC\",\"WenQuanYi Micro Hei\",\"Microsoft YaHei\",\"SimSun\",sans-serif;"
    "font-size:12px;color:#111;max-width:186mm;margin:0 auto;padding:8px}"
    "h1{font-size:20px;margin:8px 0 4px}h2{font-size:16px;border-bottom:2px solid #3b6ea8;padding-bottom:2px;"
    "margin:18px 0 6px}h3{font-size:13px;margin:12px 0 4px}"
    "p{margin:3px 0}.note{color:#555;font-size:11px}"
    "table{border-collapse:collapse;margin:4px 0 8px}th,td{border:1px solid #999;padding:2px 5px}"
    "th{background:#eef2f7;font-weight:normal}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "td.blank{background:#f6f6f6}tr.total td,tr.total th{font-weight:bold}td.code{font-family:monospace}"
    "svg.chart{display:block;max-width:100%;height:auto;margin:4px 0}"
    ".county,.part{break-before:page;page-break-before:always}"
    "@page{size:A4;margin:12mm}@media print{body{max-width:none;padding:0}th{background:none}}";

static void esc(Page *pg, const char *s) { doc_escape(&pg->out, s ? s : ""); }

static void tag_text(Page *pg, const char *tag, const char *text)
{
    sb_printf(&pg->out, "<%s>", tag);
    esc(pg, text);
    sb_printf(&pg->out, "</%s>\n", tag);
}

/* A number cell saying what it is. */
static void num(Page *pg, const char *row, const char *col, int64_t v)
{
    sb_puts(&pg->out, "<td class=\"n\" data-row=\"");
    esc(pg, row);
    sb_puts(&pg->out, "\" data-col=\"");
    esc(pg, col);
    sb_printf(&pg->out, "\">%lld</td>", (long long)v);
}

static void th(Page *pg, const char *text)
{
    sb_puts(&pg->out, "<th>");
    esc(pg, text);
    sb_puts(&pg->out, "</th>");
}

static void table_open(Page *pg, const char *name, const char *unit)
{
    sb_puts(&pg->out, "<table data-table=\"");
    esc(pg, name);
    sb_puts(&pg->out, "\" data-unit=\"");
    esc(pg, unit);
    sb_puts(&pg->out, "\">\n");
}

/* ---- the stamp ------------------------------------------------------------------------------ */

static void stamp_row(Page *pg, const char *label, const char *text)
{
    sb_puts(&pg->out, "<tr>");
    th(pg, label);
    sb_puts(&pg->out, "<td>");
    esc(pg, text);
    sb_puts(&pg->out, "</td></tr>\n");
}

static void stamp_count(Page *pg, const char *label, const char *what, int64_t v)
{
    sb_puts(&pg->out, "<tr>");
    th(pg, label);
    num(pg, what, "n", v);
    sb_puts(&pg->out, "</tr>\n");
}

static void stamp(Page *pg)
{
    const Program *p = pg->p;
    StrBuf title = {0}, when = {0};
    sb_printf(&title, doc_tr("%s: report of the run"), p->policy ? p->policy : "");
    tag_text(pg, "h1", sb_str(&title));
    if (p->policy_source) tag_text(pg, "p", p->policy_source);
    table_open(pg, "stamp", "");
    stamp_row(pg, doc_tr("Rule file"), pg->info.rules_path);
    sb_puts(&pg->out, "<tr>");
    th(pg, doc_tr("SHA-256 of the rule file"));
    sb_puts(&pg->out, "<td class=\"code\">");
    esc(pg, pg->info.rules_sha256);
    sb_puts(&pg->out, "</td></tr>\n");
    stamp_count(pg, doc_tr("Run"), "run", pg->info.id);
    stamp_row(pg, doc_tr("As of"), pg->info.as_of);
    if (pg->info.finished) doc_time(&when, pg->info.finished);
    stamp_row(pg, doc_tr("Finished"), sb_str(&when));
    stamp_count(pg, doc_tr("Persons in the ledger"), "persons", (int64_t)pg->info.counts.persons);
    stamp_count(pg, doc_tr("Targets (in at least one category)"), "targets", (int64_t)pg->info.counts.targets);
    stamp_count(pg, doc_tr("Given a year of centralized care"), "scheduled", (int64_t)pg->info.counts.scheduled);
    stamp_count(pg, doc_tr("Sent to review"), "review", (int64_t)pg->info.counts.review);
    sb_puts(&pg->out, "</table>\n");
    sb_free(&title);
    sb_free(&when);
}

/* ---- the city: people per category, placement and year --------------------------------------- */

/* Targets of `partition` (NULL: all) with primary / placement `index` (by_primary) in year
 * column y (years.count: no year; years.count + 1: every year). */
static int64_t count_of(const Page *pg, const char *partition, bool by_primary, int index, size_t y)
{
    int64_t n = 0;
    for (size_t i = 0; i < pg->outcomes.count; i++) {
        const Outcome *o = &pg->outcomes.items[i];
        if (partition && strcmp(o->partition, partition)) continue;
        if (index >= 0 && (by_primary ? o->primary : o->placement) != index) continue;
        bool in_column = y == pg->years.count + 1 || (y == pg->years.count ? !o->has_year
                                                      : o->has_year && o->year == pg->years.items[y]);
        if (in_column) n += o->n;
    }
    return n;
}

static const char *year_col(const Page *pg, size_t y, char buf[32])
{
    if (y == pg->years.count) return "none";
    if (y == pg->years.count + 1) return "total";
    snprintf(buf, 32, "%lld", (long long)pg->years.items[y]);
    return buf;
}

/* Rows: the categories (by_primary) or the placement values; columns: each year, no year, all. */
static void outcome_table(Page *pg, bool by_primary)
{
    const Program *p = pg->p;
    int32_t en = by_primary ? p->category_enum : p->placement_enum;
    if (en < 0) return;
    table_open(pg, by_primary ? "categories" : "placements", "city");
    sb_puts(&pg->out, "<tr>");
    th(pg, by_primary ? doc_tr("Primary category") : p->placement_label ? p->placement_label : p->placement_name);
    for (size_t y = 0; y < pg->years.count; y++) {
        char *t = xasprintf(doc_tr("year %lld"), (long long)pg->years.items[y]);
        th(pg, t);
        free(t);
    }
    th(pg, doc_tr("No year"));
    th(pg, doc_tr("Total"));
    sb_puts(&pg->out, "</tr>\n");
    for (uint32_t i = 0; i < p->enums[en].count; i++) {
        sb_puts(&pg->out, "<tr>");
        th(pg, enum_label(p, en, (int)i));
        for (size_t y = 0; y <= pg->years.count + 1; y++) {
            char buf[32];
            num(pg, p->enums[en].values[i], year_col(pg, y, buf), count_of(pg, NULL, by_primary, (int)i, y));
        }
        sb_puts(&pg->out, "</tr>\n");
    }
    sb_puts(&pg->out, "<tr class=\"total\">");
    th(pg, doc_tr("Total"));
    for (size_t y = 0; y <= pg->years.count + 1; y++) {
        char buf[32];
        num(pg, "total", year_col(pg, y, buf), count_of(pg, NULL, by_primary, -1, y));
    }
    sb_puts(&pg->out, "</tr>\n</table>\n");
}

static void outcome_chart(Page *pg, bool by_primary, const char *title)
{
    const Program *p = pg->p;
    int32_t en = by_primary ? p->category_enum : p->placement_enum;
    if (en < 0) return;
    uint32_t n = p->enums[en].count;
    SvgRow *rows = xcalloc(n + 1, sizeof *rows);
    for (uint32_t i = 0; i < n; i++) {
        rows[i].label = enum_label(p, en, (int)i);
        rows[i].values[0] = count_of(pg, NULL, by_primary, (int)i, pg->years.count + 1);
    }
    SvgChart c = {.title = title, .mode = SVG_SIMPLE, .nseries = 1, .rows = rows, .nrows = n};
    svg_chart(&pg->out, &c);
    free(rows);
}

static void year_chart(Page *pg)
{
    size_t n = pg->years.count + 1;
    SvgRow *rows = xcalloc(n + 1, sizeof *rows);
    char **labels = xcalloc(n + 1, sizeof *labels);
    for (size_t y = 0; y < n; y++) {
        labels[y] = y < pg->years.count ? xasprintf(doc_tr("year %lld"), (long long)pg->years.items[y])
                                        : xstrdup(doc_tr("No year"));
        rows[y].label = labels[y];
        rows[y].values[0] = count_of(pg, NULL, true, -1, y);
    }
    SvgChart c = {.title = doc_tr("Targets per year of centralized care"), .mode = SVG_SIMPLE, .nseries = 1,
                  .rows = rows, .nrows = n};
    svg_chart(&pg->out, &c);
    for (size_t y = 0; y < n; y++) free(labels[y]);
    free(labels);
    free(rows);
}

/* ---- forms ------------------------------------------------------------------------------------ */

static bool same_group(const FormInfo *d, size_t c)
{
    const char *a = d->cols[c].group, *b = c + 1 < d->ncols ? d->cols[c + 1].group : NULL;
    return a && b && !strcmp(a, b);
}

static void form_head(Page *pg, const FormInfo *d)
{
    bool grouped = false;
    for (size_t c = 0; c < d->ncols; c++) grouped |= d->cols[c].group != NULL;
    sb_printf(&pg->out, "<tr><th%s></th>", grouped ? " rowspan=\"2\"" : "");
    for (size_t c = 0; c < d->ncols; c++) {
        if (!d->cols[c].group) {
            sb_printf(&pg->out, "<th%s>", grouped ? " rowspan=\"2\"" : "");
            esc(pg, d->cols[c].label ? d->cols[c].label : d->cols[c].name);
            sb_puts(&pg->out, "</th>");
            continue;
        }
        size_t last = c;
        while (same_group(d, last)) last++;
        sb_printf(&pg->out, "<th colspan=\"%zu\">", last - c + 1);
        esc(pg, d->cols[c].group);
        sb_puts(&pg->out, "</th>");
        c = last;
    }
    sb_puts(&pg->out, "</tr>\n");
    if (!grouped) return;
    sb_puts(&pg->out, "<tr>");
    for (size_t c = 0; c < d->ncols; c++)
        if (d->cols[c].group) th(pg, d->cols[c].label ? d->cols[c].label : d->cols[c].name);
    sb_puts(&pg->out, "</tr>\n");
}

static void form_table(Page *pg, const Report *rep, const ReportSheet *s)
{
    const FormInfo *d = rep->table;
    tag_text(pg, "h3", d->label ? d->label : d->name);
    char *unit = xasprintf(doc_tr("Unit: %s"), s->unit);
    sb_puts(&pg->out, "<p class=\"note\">");
    esc(pg, unit);
    free(unit);
    sb_puts(&pg->out, "</p>\n<table class=\"form\" data-form=\"");
    esc(pg, d->name);
    sb_puts(&pg->out, "\" data-unit=\"");
    esc(pg, s->partition ? s->partition : "city");
    sb_puts(&pg->out, "\">\n");
    form_head(pg, d);
    for (size_t r = 0; r < rep->nrows; r++) {
        sb_printf(&pg->out, "<tr%s>", d->rows[r].total ? " class=\"total\"" : "");
        th(pg, d->rows[r].label ? d->rows[r].label : d->rows[r].name);
        for (size_t c = 0; c < rep->ncols; c++) {
            if (s->blank[r * rep->ncols + c]) {
                sb_puts(&pg->out, "<td class=\"blank\" data-row=\"");
                esc(pg, d->rows[r].name);
                sb_puts(&pg->out, "\" data-col=\"");
                esc(pg, d->cols[c].name);
                sb_puts(&pg->out, "\"></td>");
            } else {
                num(pg, d->rows[r].name, d->cols[c].name, s->cells[r * rep->ncols + c]);
            }
        }
        sb_puts(&pg->out, "</tr>\n");
    }
    sb_puts(&pg->out, "</table>\n");
}

/* The sheet of form f for county `county` (NULL: the city), or NULL. */
static const ReportSheet *sheet_of(const Page *pg, uint32_t f, const char *county)
{
    const Report *rep = &pg->forms[f];
    for (size_t i = 0; i < rep->nsheets; i++) {
        const char *part = rep->sheets[i].partition;
        if (county ? part && !strcmp(part, county) : !part) return &rep->sheets[i];
    }
    return NULL;
}

static void forms_of(Page *pg, const char *county)
{
    for (uint32_t f = 0; f < pg->p->nforms; f++) {
        if (county && pg->p->forms[f].partition_field != pg->county_field) continue;
        const ReportSheet *s = sheet_of(pg, f, county);
        if (s) form_table(pg, &pg->forms[f], s);
    }
}

/* ---- a county's schedule ----------------------------------------------------------------------- */

static char *group_label(const Page *pg, const ScheduleGroupInfo *g)
{
    StrBuf sb = {0};
    for (uint32_t c = 0; c < pg->p->ncategories && c < 64; c++)
        if (g->categories >> c & 1) {
            if (sb.count) sb_puts(&sb, "、");
            sb_puts(&sb, enum_label(pg->p, pg->p->category_enum, (int)c));
        }
    return sb_take(&sb);
}

static char *group_name(const Page *pg, const ScheduleGroupInfo *g)
{
    StrBuf sb = {0};
    for (uint32_t c = 0; c < pg->p->ncategories && c < 64; c++)
        if (g->categories >> c & 1) {
            if (sb.count) sb_putc(&sb, '+');
            sb_puts(&sb, pg->p->enums[pg->p->category_enum].values[c]);
        }
    return sb_take(&sb);
}

/* Scheduled targets of the county in group g in year y (every year when y < 0). */
static int64_t scheduled(const Page *pg, const char *county, const ScheduleGroupInfo *g, int64_t y, bool every)
{
    int64_t n = 0;
    for (size_t i = 0; i < pg->outcomes.count; i++) {
        const Outcome *o = &pg->outcomes.items[i];
        if (strcmp(o->partition, county) || !o->has_year || o->primary < 0 || o->primary >= 64) continue;
        if (!(g->categories >> o->primary & 1)) continue;
        if (every || o->year == y) n += o->n;
    }
    return n;
}

static void schedule_table(Page *pg, const char *county)
{
    const ScheduleInfo *si = pg->p->schedule;
    table_open(pg, "schedule", county);
    sb_puts(&pg->out, "<tr>");
    th(pg, doc_tr("Group"));
    for (size_t y = 0; y < pg->years.count; y++) {
        char *t = xasprintf(doc_tr("year %lld"), (long long)pg->years.items[y]);
        th(pg, t);
        free(t);
    }
    th(pg, doc_tr("Total"));
    th(pg, doc_tr("Cumulative shares"));
    sb_puts(&pg->out, "</tr>\n");
    for (uint32_t k = 0; k < si->ngroups; k++) {
        const ScheduleGroupInfo *g = &si->groups[k];
        char *label = group_label(pg, g), *name = group_name(pg, g);
        sb_puts(&pg->out, "<tr>");
        th(pg, label);
        for (size_t y = 0; y < pg->years.count; y++) {
            char buf[32];
            num(pg, name, year_col(pg, y, buf), scheduled(pg, county, g, pg->years.items[y], false));
        }
        num(pg, name, "total", scheduled(pg, county, g, 0, true));
        StrBuf shares = {0};
        for (uint32_t y = 0; y < g->nyears; y++) {
            if (y) sb_puts(&shares, "，");
            sb_printf(&shares, "%lld：", (long long)g->years[y]);
            fixed_format(pg->p->consts[g->share_reg[y]].value, 2, &shares);
            sb_putc(&shares, '%');
        }
        sb_puts(&pg->out, "<td>");
        esc(pg, sb_str(&shares));
        sb_puts(&pg->out, "</td></tr>\n");
        sb_free(&shares);
        free(label);
        free(name);
    }
    sb_puts(&pg->out, "</table>\n");
}

static void schedule_chart(Page *pg, const char *county)
{
    const ScheduleInfo *si = pg->p->schedule;
    size_t ny = pg->years.count < SVG_MAX_SERIES ? pg->years.count : SVG_MAX_SERIES;
    SvgRow *rows = xcalloc(si->ngroups + 1, sizeof *rows);
    SvgTick *ticks = xcalloc((size_t)si->ngroups * ny + 1, sizeof *ticks);
    char **texts = xcalloc((size_t)si->ngroups * (ny + 1) + 1, sizeof *texts);
    size_t nt = 0, ntext = 0;
    for (uint32_t k = 0; k < si->ngroups; k++) {
        const ScheduleGroupInfo *g = &si->groups[k];
        int64_t total = scheduled(pg, county, g, 0, true);
        texts[ntext] = group_label(pg, g);
        rows[k].label = texts[ntext++];
        for (size_t y = 0; y < ny; y++) rows[k].values[y] = scheduled(pg, county, g, pg->years.items[y], false);
        rows[k].ticks = ticks + nt;
        for (uint32_t y = 0; y < g->nyears && total > 0; y++) {
            int64_t share = pg->p->consts[g->share_reg[y]].value;
            StrBuf t = {0};
            fixed_format(share, 2, &t);
            sb_putc(&t, '%');
            texts[ntext] = sb_take(&t);
            ticks[nt++] = (SvgTick){fixed_quota(share, total), texts[ntext++]};
            rows[k].nticks++;
        }
    }
    SvgChart c = {.title = doc_tr("The yearly schedule per group, against the cumulative quotas"),
                  .mode = SVG_STACKED, .nseries = ny, .rows = rows, .nrows = si->ngroups};
    char **series = xcalloc(ny + 1, sizeof *series);
    for (size_t y = 0; y < ny; y++) c.series[y] = series[y] = xasprintf(doc_tr("year %lld"), (long long)pg->years.items[y]);
    svg_chart(&pg->out, &c);
    for (size_t y = 0; y < ny; y++) free(series[y]);
    free(series);
    for (size_t i = 0; i < ntext; i++) free(texts[i]);
    free(texts);
    free(ticks);
    free(rows);
}

/* ---- a county's capacity plan ------------------------------------------------------------------- */

static void capacity_cells(Page *pg, const Capacity *c)
{
    const CapacityInfo *ci = pg->p->capacity;
    const CapacityRow *r = &c->row;
    num(pg, r->type, "demand", r->demand);
    num(pg, r->type, "required_beds", r->required_beds);
    num(pg, r->type, "existing", r->existing);
    num(pg, r->type, "existing_beds", r->existing_beds);
    num(pg, r->type, "new", r->build);
    num(pg, r->type, "upgrades", r->upgrades);
    for (uint32_t y = 0; y < ci->nbuild; y++) {
        char col[32];
        snprintf(col, sizeof col, "%lld", (long long)ci->build_years[y]);
        num(pg, r->type, col, c->by_year[y]);
    }
    num(pg, r->type, "tasks", r->tasks);
}

static void capacity_table(Page *pg, const char *county)
{
    const CapacityInfo *ci = pg->p->capacity;
    table_open(pg, "capacity", county);
    sb_puts(&pg->out, "<tr>");
    th(pg, doc_tr("Institution type"));
    const char *heads[] = {doc_tr("Persons placed"), doc_tr("Beds required"), doc_tr("Existing institutions"),
                           doc_tr("Existing beds"), doc_tr("New institutions"), doc_tr("Upgrades")};
    for (size_t i = 0; i < sizeof heads / sizeof *heads; i++) th(pg, heads[i]);
    for (uint32_t y = 0; y < ci->nbuild; y++) {
        char *t = xasprintf(doc_tr("Tasks %lld"), (long long)ci->build_years[y]);
        th(pg, t);
        free(t);
    }
    th(pg, doc_tr("Tasks in all"));
    sb_puts(&pg->out, "</tr>\n");
    for (size_t i = 0; i < pg->capacity.count; i++) {
        const Capacity *c = &pg->capacity.items[i];
        if (strcmp(c->row.partition, county)) continue;
        sb_puts(&pg->out, "<tr>");
        th(pg, enum_label(pg->p, pg->p->placement_enum, enum_find_name(pg->p, pg->p->placement_enum, c->row.type)));
        capacity_cells(pg, c);
        sb_puts(&pg->out, "</tr>\n");
    }
    sb_puts(&pg->out, "</table>\n");
}

static void capacity_chart(Page *pg, const char *county)
{
    SvgRow *rows = xcalloc(pg->capacity.count + 1, sizeof *rows);
    size_t n = 0;
    for (size_t i = 0; i < pg->capacity.count; i++) {
        const Capacity *c = &pg->capacity.items[i];
        if (strcmp(c->row.partition, county)) continue;
        rows[n].label = enum_label(pg->p, pg->p->placement_enum, enum_find_name(pg->p, pg->p->placement_enum, c->row.type));
        rows[n].values[0] = c->row.required_beds;
        rows[n].values[1] = c->row.existing_beds;
        n++;
    }
    SvgChart c = {.title = doc_tr("Beds required and existing"), .mode = SVG_GROUPED, .nseries = 2,
                  .series = {doc_tr("Beds required"), doc_tr("Existing beds")}, .rows = rows, .nrows = n};
    if (n) svg_chart(&pg->out, &c);
    free(rows);
}

/* ---- sections ---------------------------------------------------------------------------------- */

static void city(Page *pg)
{
    sb_puts(&pg->out, "<section id=\"city\">\n");
    tag_text(pg, "h2", doc_tr("The city"));
    tag_text(pg, "h3", doc_tr("Targets per primary category"));
    outcome_chart(pg, true, doc_tr("Targets per primary category"));
    if (pg->p->placement_enum >= 0) {
        const char *t = pg->p->placement_label ? pg->p->placement_label : pg->p->placement_name;
        char *title = xasprintf(doc_tr("Targets per %s"), t);
        tag_text(pg, "h3", title);
        outcome_chart(pg, false, title);
        free(title);
    }
    tag_text(pg, "h3", doc_tr("Targets per year of centralized care"));
    year_chart(pg);
    outcome_table(pg, true);
    outcome_table(pg, false);
    forms_of(pg, NULL);
    sb_puts(&pg->out, "</section>\n");
}

static void county(Page *pg, const char *name)
{
    sb_puts(&pg->out, "<section class=\"county\" id=\"county-");
    esc(pg, name);
    sb_puts(&pg->out, "\">\n");
    const FieldInfo *f = &pg->p->records[0].fields[pg->county_field];
    /* the county's name, and its code beside it when it has one: 中牟县 410122 */
    const char *shown = program_partition_name(pg->p, pg->county_field, name);
    const char *code = program_partition_code(pg->p, pg->county_field, name);
    char *unit = strcmp(shown, code) ? xasprintf("%s %s", shown, code) : xstrdup(shown);
    char *title = xasprintf(doc_tr("%s: %s"), f->label ? f->label : f->name, unit);
    free(unit);
    tag_text(pg, "h2", title);
    free(title);
    forms_of(pg, name);
    if (pg->p->schedule && pg->p->schedule->partition_field == pg->county_field) {
        tag_text(pg, "h3", pg->p->schedule->label ? pg->p->schedule->label : doc_tr("The yearly schedule"));
        schedule_chart(pg, name);
        schedule_table(pg, name);
    }
    if (pg->p->capacity && pg->p->capacity->partition_field == pg->county_field) {
        tag_text(pg, "h3", pg->p->capacity->label ? pg->p->capacity->label : doc_tr("The capacity plan"));
        capacity_chart(pg, name);
        capacity_table(pg, name);
    }
    sb_puts(&pg->out, "</section>\n");
}

static void review(Page *pg)
{
    sb_puts(&pg->out, "<section class=\"part\" id=\"review\">\n");
    tag_text(pg, "h2", doc_tr("The review queue"));
    if (!pg->review.count) {
        tag_text(pg, "p", doc_tr("Nothing waits for review."));
        sb_puts(&pg->out, "</section>\n");
        return;
    }
    tag_text(pg, "p", doc_tr("Rows of the imports and persons of this run that could not be evaluated, counted by "
                             "column and reason (values particular to a row written as '…' and n)."));
    table_open(pg, "review", "");
    sb_puts(&pg->out, "<tr>");
    th(pg, doc_tr("Record"));
    th(pg, doc_tr("Column"));
    th(pg, doc_tr("Reason"));
    th(pg, doc_tr("Rows"));
    sb_puts(&pg->out, "</tr>\n");
    for (size_t i = 0; i < pg->review.count; i++) {
        const ReviewGroup *g = &pg->review.items[i];
        char row[32];
        snprintf(row, sizeof row, "%zu", i + 1);
        sb_puts(&pg->out, "<tr><td>");
        esc(pg, g->record);
        sb_puts(&pg->out, "</td><td>");
        if (g->col) sb_printf(&pg->out, doc_tr("column %u"), g->col);
        else esc(pg, doc_tr("the whole row"));
        sb_puts(&pg->out, "</td><td>");
        esc(pg, g->reason);
        sb_puts(&pg->out, "</td>");
        num(pg, row, "rows", g->n);
        sb_puts(&pg->out, "</tr>\n");
    }
    sb_puts(&pg->out, "</table>\n</section>\n");
}

static void near_rows(Page *pg, const NearMissCategory *nc)
{
    const RuleInfo *ri = &pg->p->rules[nc->rule];
    for (uint32_t k = 0; k < ri->natoms; k++) {
        if (!nc->by_atom[k]) continue;
        char row[200];
        snprintf(row, sizeof row, "%s/%u", ri->name, k);
        StrBuf cond = {0};
        sb_puts(&cond, "<code>");
        doc_escape(&cond, ri->atoms[k].text);
        sb_puts(&cond, "</code>");
        const char *label = nearmiss_atom_label(pg->p, &ri->atoms[k]);
        if (label) {
            sb_puts(&cond, "（");
            doc_escape(&cond, label);
            sb_puts(&cond, "）");
        }
        sb_puts(&pg->out, "<tr><td></td><td colspan=\"3\">");
        sb_printf(&pg->out, doc_tr("every condition but %s"), sb_str(&cond));
        sb_puts(&pg->out, "</td>");
        sb_free(&cond);
        num(pg, row, "near", (int64_t)nc->by_atom[k]);
        sb_puts(&pg->out, "</tr>\n");
    }
}

static void near_misses(Page *pg)
{
    const NearMiss *nm = pg->near;
    sb_puts(&pg->out, "<section class=\"part\" id=\"near-miss\">\n");
    tag_text(pg, "h2", doc_tr("Near misses"));
    char *intro = xasprintf(doc_tr("Persons not in a category although every condition but one holds, and which "
                                   "condition keeps them out; evaluated as of %s over the ledger as it is now."),
                            nm->as_of);
    tag_text(pg, "p", intro);
    free(intro);
    SvgRow *rows = xcalloc(nm->ncategories + 1, sizeof *rows);
    for (uint32_t c = 0; c < nm->ncategories; c++) {
        const RuleInfo *ri = &pg->p->rules[nm->categories[c].rule];
        rows[c].label = ri->label ? ri->label : ri->name;
        rows[c].values[0] = (int64_t)nm->categories[c].near;
    }
    SvgChart chart = {.title = doc_tr("Near misses per category"), .mode = SVG_SIMPLE, .nseries = 1, .rows = rows,
                      .nrows = nm->ncategories};
    svg_chart(&pg->out, &chart);
    free(rows);
    table_open(pg, "near-miss", "city");
    sb_puts(&pg->out, "<tr>");
    th(pg, doc_tr("Category"));
    th(pg, doc_tr("In it"));
    th(pg, doc_tr("Not in it"));
    th(pg, doc_tr("One condition short"));
    th(pg, doc_tr("Kept out by that condition alone"));
    sb_puts(&pg->out, "</tr>\n");
    for (uint32_t c = 0; c < nm->ncategories; c++) {
        const NearMissCategory *nc = &nm->categories[c];
        const RuleInfo *ri = &pg->p->rules[nc->rule];
        sb_puts(&pg->out, "<tr>");
        th(pg, ri->label ? ri->label : ri->name);
        num(pg, ri->name, "members", (int64_t)nc->members);
        num(pg, ri->name, "others", (int64_t)nc->others);
        num(pg, ri->name, "near", (int64_t)nc->near);
        sb_puts(&pg->out, "<td></td></tr>\n");
        near_rows(pg, nc);
    }
    sb_puts(&pg->out, "</table>\n</section>\n");
}

static void page(Page *pg)
{
    StrBuf title = {0};
    sb_printf(&title, doc_tr("%s: report of the run"), pg->p->policy ? pg->p->policy : "");
    sb_puts(&pg->out, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    esc(pg, sb_str(&title));
    sb_printf(&pg->out, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n", css);
    sb_free(&title);
    stamp(pg);
    sb_puts(&pg->out, "</header>\n");
    city(pg);
    for (size_t i = 0; pg->county_field >= 0 && i < pg->counties.count; i++) county(pg, pg->counties.items[i]);
    review(pg);
    if (pg->near) near_misses(pg);
    sb_puts(&pg->out, "</body>\n</html>\n");
}

bool report_html(Ledger *l, const Program *p, int64_t run, const NearMiss *near, const char *path, char **error)
{
    if (p->nrecords == 0) return failf(error, tr("the rule file declares no record"));
    Page pg = {.l = l, .p = p, .near = near};
    bool ok = load(&pg, run, error);
    if (ok) {
        page(&pg);
        ok = doc_write(path, &pg.out, error);
    }
    page_free(&pg);
    return ok;
}
