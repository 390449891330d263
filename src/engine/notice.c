/* notice.c — the public notice of a run: gathered from the ledger, rendered as HTML and CSV
 * (see notice.h; the workbook is notice_xlsx.c).
 *
 * Gathering reads the run's targets into a table by key, then every person record once:
 * a target is evaluated again (person and targets entries) for its withholding conditions and
 * the columns that are fields or lets, masked as declared, and kept as an entry; then the
 * entries are sorted by their levels and key and cut into villages. Masking happens here, as
 * each cell is made: no full name or id is kept past the person being read. */
#include "notice_int.h"
#include "csv.h"
#include "document.h"
#include "base/date.h"
#include "vm/record.h"
#include "vm/values.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool notice_parse_format(const char *s, NoticeFormat *out)
{
    static const char *const names[] = {"html", "csv", "xlsx"};
    for (int i = 0; i < 3; i++)
        if (s && !strcmp(s, names[i])) {
            *out = (NoticeFormat)i;
            return true;
        }
    return false;
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

/* ---- masks ------------------------------------------------------------------------------------ */

/* The byte offsets of s's characters (UTF-8), and their number. */
static size_t char_starts(const char *s, size_t *starts, size_t cap)
{
    size_t n = strlen(s), k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int len = utf8_decode(s + i, n - i, &cp);
        if (len <= 0) len = 1;
        if (k < cap) starts[k] = i;
        k++;
        i += (size_t)len;
    }
    return k;
}

/* Characters [0, keep_head) and [n - keep_tail, n) of s, stars between. */
static void mask_middle(const char *s, size_t keep_head, size_t keep_tail, StrBuf *out)
{
    enum { MAX = 256 };
    size_t starts[MAX], n = char_starts(s, starts, MAX), len = strlen(s);
    if (n > MAX) n = MAX;   /* a longer value is cut: a notice cell never needs more */
    if (keep_head + keep_tail > n) keep_head = keep_tail = 0;
    for (size_t i = 0; i < n; i++) {
        size_t end = i + 1 < n ? starts[i + 1] : len;
        if (i < keep_head || i >= n - keep_tail) sb_putn(out, s + starts[i], end - starts[i]);
        else sb_putc(out, '*');
    }
}

void notice_mask_name(const char *s, StrBuf *out)
{
    enum { MAX = 4 };
    size_t starts[MAX], n = char_starts(s ? s : "", starts, MAX);
    if (n == 0) return;
    if (n == 1) sb_putc(out, '*');
    else if (n == 2) mask_middle(s, 1, 0, out);
    else mask_middle(s, 1, 1, out);
}

void notice_mask_id(const char *s, StrBuf *out)
{
    enum { MAX = 4 };
    size_t starts[MAX], n = char_starts(s ? s : "", starts, MAX);
    if (n >= 11) mask_middle(s, 6, 4, out);
    else if (n >= 3) mask_middle(s, 1, 1, out);
    else mask_middle(s ? s : "", 0, 0, out);
}

/* ---- the run's targets, by key ------------------------------------------------------------------ */

typedef struct Target {
    char *key, *primary, *placement, *categories;
    bool has_year;
    int64_t year;
} Target;

typedef struct Targets {
    Target *items;
    size_t count;
    uint32_t *slot;            /* index + 1, open addressing */
    size_t nslots;
} Targets;

static uint32_t hash_key(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void targets_index(Targets *t)
{
    t->nslots = 16;
    while (t->nslots < 2 * t->count + 2) t->nslots *= 2;
    t->slot = xcalloc(t->nslots, sizeof *t->slot);
    for (size_t i = 0; i < t->count; i++) {
        size_t j = hash_key(t->items[i].key) & (t->nslots - 1);
        while (t->slot[j]) j = (j + 1) & (t->nslots - 1);
        t->slot[j] = (uint32_t)i + 1;
    }
}

static const Target *targets_find(const Targets *t, const char *key)
{
    for (size_t j = hash_key(key) & (t->nslots - 1); t->slot[j]; j = (j + 1) & (t->nslots - 1))
        if (!strcmp(t->items[t->slot[j] - 1].key, key)) return &t->items[t->slot[j] - 1];
    return NULL;
}

static void targets_free(Targets *t)
{
    for (size_t i = 0; i < t->count; i++) {
        free(t->items[i].key);
        free(t->items[i].primary);
        free(t->items[i].placement);
        free(t->items[i].categories);
    }
    free(t->items);
    free(t->slot);
}

static bool load_targets(Ledger *l, int64_t run, Targets *t, char **error)
{
    LedgerResults *c = ledger_results(l, run, error);
    if (!c) return false;
    size_t cap = 0;
    ResultRow r;
    int rc;
    while ((rc = ledger_results_next(c, &r, error)) == 1) {
        if (!r.primary[0]) continue;
        if (t->count == cap) {
            cap = cap ? 2 * cap : 1024;
            t->items = xrealloc(t->items, cap * sizeof *t->items);
        }
        t->items[t->count++] = (Target){xstrndup(r.key, r.key_len), xstrdup(r.primary), xstrdup(r.placement),
                                        xstrdup(r.categories), r.has_year, r.year};
    }
    ledger_results_close(c);
    targets_index(t);
    return rc == 0;
}

/* ---- cells ---------------------------------------------------------------------------------- */

static int enum_index_of(const EnumInfo *e, const char *name)
{
    for (uint32_t i = 0; e && i < e->count; i++)
        if (!strcmp(e->values[i], name)) return (int)i;
    return -1;
}

/* The label of enum value `name` of enum `en`, or the name itself. */
static void put_enum_label(const Program *p, int32_t en, const char *name, StrBuf *out)
{
    const EnumInfo *e = en >= 0 && (uint32_t)en < p->nenums ? &p->enums[en] : NULL;
    int i = enum_index_of(e, name);
    sb_puts(out, i >= 0 && e->labels[i] ? e->labels[i] : name);
}

/* A value as the notice shows it: an enum by its label, a bool as 是/否, others as written. */
static void put_value(const Program *p, uint8_t kind, int32_t en, int64_t v, StrBuf *out)
{
    if (kind == VK_ENUM && en >= 0 && (uint32_t)en < p->nenums && v >= 0 && (uint64_t)v < p->enums[en].count) {
        const EnumInfo *e = &p->enums[en];
        sb_puts(out, e->labels[v] ? e->labels[v] : e->values[v]);
    } else if (kind == VK_BOOL) {
        sb_puts(out, v ? doc_tr("yes (a value in a document)") : doc_tr("no (a value in a document)"));
    } else {
        value_format(p, kind, en, v, false, out);
    }
}

/* Every category of "a|b|c" by its label, joined by 、; or how many there are. */
static void put_categories(const Program *p, const char *list, bool count, StrBuf *out)
{
    int n = 0;
    for (const char *s = list; *s;) {
        const char *bar = strchr(s, '|');
        size_t len = bar ? (size_t)(bar - s) : strlen(s);
        char *name = xstrndup(s, len);
        if (!count) {
            if (n) sb_puts(out, "、");
            put_enum_label(p, p->category_enum, name, out);
        }
        free(name);
        n++;
        s += len + (bar ? 1 : 0);
    }
    if (count) sb_printf(out, "%d", n);
}

static void put_outcome(const Program *p, const NoticeColumnInfo *c, const Target *t, StrBuf *out)
{
    switch (c->source) {
    case NOTICE_PRIMARY: put_enum_label(p, p->category_enum, t->primary, out); break;
    case NOTICE_CATEGORIES: put_categories(p, t->categories, false, out); break;
    case NOTICE_CATEGORY_COUNT: put_categories(p, t->categories, true, out); break;
    case NOTICE_PLACEMENT: put_enum_label(p, p->placement_enum, t->placement, out); break;
    case NOTICE_YEAR: if (t->has_year) sb_printf(out, "%lld", (long long)t->year); break;
    }
}

static char *cell(const Program *p, const Vm *vm, const NoticeColumnInfo *c, const int64_t *values, const Target *t)
{
    StrBuf raw = {0}, out = {0};
    if (c->source == NOTICE_FIELD) {
        const FieldInfo *f = &p->records[0].fields[c->field];
        put_value(p, f->kind, f->enum_index, values[c->field], &raw);
    } else if (c->source == NOTICE_LET) {
        put_value(p, c->kind, c->enum_index, vm->regs[c->reg], &raw);
    } else {
        put_outcome(p, c, t, &raw);
    }
    if (c->mask == NOTICE_MASK_NAME) notice_mask_name(sb_str(&raw), &out);
    else if (c->mask == NOTICE_MASK_ID) notice_mask_id(sb_str(&raw), &out);
    else sb_puts(&out, sb_str(&raw));
    sb_free(&raw);
    return sb_take(&out);
}

/* ---- gathering ------------------------------------------------------------------------------- */

typedef struct Gather {
    Notice *n;
    Ledger *l;
    Vm *vm;
    const char *county;
    Targets targets;
    StrBuf key;
} Gather;

/* The first withholding condition that holds, nwithholds when the person cannot be evaluated
 * as a target any more, or -1: listed. */
static int withheld_as(Gather *g, const int64_t *values)
{
    const Program *p = g->n->p;
    const NoticeInfo *ni = g->n->ni;
    RecordCheck rc;
    bool ok = record_check(g->vm, &p->records[0], values, &rc) &&
              vm_run(g->vm, p->person_entry, values, p->records[0].nfields) && g->vm->regs[p->reg_catmask] != 0 &&
              vm_continue(g->vm, p->targets_entry);
    if (!ok) return (int)ni->nwithholds;
    for (uint32_t k = 0; k < ni->nwithholds; k++)
        if (g->vm->regs[ni->withholds[k].reg]) return (int)k;
    return -1;
}

/* Level i of a person: the text, or an enum's partition key (its code). */
static const char *level_of(const Program *p, const NoticeInfo *ni, const int64_t *values, uint32_t i)
{
    return program_partition_key(p, 0, ni->per_fields[i], values[ni->per_fields[i]]);
}

static void add_entry(Gather *g, const int64_t *values, const Target *t)
{
    const Program *p = g->n->p;
    const NoticeInfo *ni = g->n->ni;
    NoticeEntry e = {.levels = xcalloc(ni->nper + 1, sizeof *e.levels), .key = xstrdup(t->key)};
    for (uint32_t i = 0; i < ni->nper; i++) {
        e.levels[i] = xstrdup(level_of(p, ni, values, i));
    }
    e.withheld = withheld_as(g, values);
    if (e.withheld < 0) {
        e.cells = xcalloc(ni->ncols + 1, sizeof *e.cells);
        for (uint32_t c = 0; c < ni->ncols; c++) e.cells[c] = cell(p, g->vm, &ni->cols[c], values, t);
    }
    VEC_PUSH(&g->n->entries, e);
}

static const char *key_of(Gather *g, const int64_t *values)
{
    const RecordInfo *ri = &g->n->p->records[0];
    const FieldInfo *kf = &ri->fields[ri->key];
    g->key.count = 0;
    value_format(g->n->p, kf->kind, kf->enum_index, values[ri->key], false, &g->key);
    return sb_str(&g->key);
}

static bool gather_persons(Gather *g, char **error)
{
    const Program *p = g->n->p;
    const RecordInfo *ri = &p->records[0];
    LedgerCursor *c = ledger_records(g->l, p, ri, false, error);
    if (!c) return false;
    int64_t *values = xcalloc(ri->nfields + 1, sizeof *values);
    const char *stored;
    char why[400];
    int rc;
    while ((rc = ledger_next(c, values, &stored, why, sizeof why, error)) != 0) {
        if (rc == -2) break;
        if (rc == -1) continue;   /* unreadable: the run sent it to review, it is no target */
        const Target *t = targets_find(&g->targets, key_of(g, values));
        if (!t) continue;
        const char *first = g->n->ni->nper ? level_of(p, g->n->ni, values, 0) : "";
        if (g->county && strcmp(first, g->county)) continue;
        add_entry(g, values, t);
    }
    free(values);
    ledger_cursor_close(c);
    return rc == 0;
}

static uint32_t entry_levels;   /* qsort has no context argument in C11 */

static int compare_entries(const void *a, const void *b)
{
    const NoticeEntry *x = a, *y = b;
    for (uint32_t i = 0; i < entry_levels; i++) {
        int c = strcmp(x->levels[i], y->levels[i]);
        if (c) return c;
    }
    return strcmp(x->key, y->key);
}

static bool same_unit(const Notice *n, const NoticeEntry *a, const NoticeEntry *b)
{
    for (uint32_t i = 0; i < n->ni->nper; i++)
        if (strcmp(a->levels[i], b->levels[i])) return false;
    return true;
}

static void cut_units(Notice *n)
{
    entry_levels = n->ni->nper;
    if (n->entries.count) qsort(n->entries.items, n->entries.count, sizeof *n->entries.items, compare_entries);
    for (size_t i = 0; i < n->entries.count;) {
        NoticeUnit u = {.first = i, .withheld = xcalloc(n->ni->nwithholds + 2, sizeof *u.withheld)};
        while (i < n->entries.count && same_unit(n, &n->entries.items[u.first], &n->entries.items[i])) {
            const NoticeEntry *e = &n->entries.items[i++];
            if (e->withheld < 0) u.listed++;
            else u.withheld[e->withheld]++;
        }
        u.count = i - u.first;
        VEC_PUSH(&n->units, u);
    }
}

/* The counties the run knows, for the message about an unknown one. */
static char *known_counties(Gather *g, char **error)
{
    const char *county = g->county;
    g->county = NULL;
    StrBuf sb = {0};
    if (gather_persons(g, error)) {
        cut_units(g->n);
        const char *last = NULL;
        for (size_t i = 0; i < g->n->units.count; i++) {
            const char *c = g->n->entries.items[g->n->units.items[i].first].levels[0];
            if (last && !strcmp(last, c)) continue;
            sb_printf(&sb, "%s%s", sb.count ? ", " : "", c);
            last = c;
        }
    }
    g->county = county;
    return sb_take(&sb);
}

/* ---- the fixed text ----------------------------------------------------------------------------- */

static char *date_text(int64_t days)
{
    StrBuf sb = {0};
    doc_date(&sb, days);
    return sb_take(&sb);
}

static void make_header(Notice *n, const Vm *vm, const RunInfo *info)
{
    const Program *p = n->p;
    const NoticeInfo *ni = n->ni;
    n->title = xstrdup(ni->label ? ni->label : doc_tr("Public notice"));
    int64_t from = vm->regs[ni->period_from_reg], to = vm->regs[ni->period_to_reg];
    char *a = date_text(from), *b = date_text(to);
    n->period = xasprintf(doc_tr("Period of publicity: %s to %s (%lld days)"), a, b, (long long)(to - from + 1));
    free(a);
    free(b);
    const char *office = (const char *)(intptr_t)vm->regs[ni->office_reg];
    n->office = xasprintf(doc_tr("Objections during the period of publicity may be made to %s."), office ? office : "");
    n->basis = xasprintf(doc_tr("Basis: %s; run %lld of the rules, as of %s."), p->policy ? p->policy : "",
                         (long long)info->id, info->as_of);
    n->privacy = xstrdup(doc_tr("Names and resident ids are shown in part; persons the rules withhold are not "
                            "listed by name and are only counted per village."));
    n->level_labels = xcalloc(ni->nper + 1, sizeof *n->level_labels);
    for (uint32_t i = 0; i < ni->nper; i++) {
        const FieldInfo *f = &p->records[0].fields[ni->per_fields[i]];
        n->level_labels[i] = xstrdup(f->label ? f->label : f->name);
    }
    n->withhold_labels = xcalloc(ni->nwithholds + 2, sizeof *n->withhold_labels);
    for (uint32_t k = 0; k < ni->nwithholds; k++)
        n->withhold_labels[k] = xstrdup(ni->withholds[k].label ? ni->withholds[k].label : "");
    n->withhold_labels[ni->nwithholds] = xstrdup(doc_tr("record changed since the run, not checked again"));
    n->run_time = info->finished;
}

const char *notice_level_name(const Notice *n, uint32_t level, const char *text)
{
    return program_partition_name(n->p, n->ni->per_fields[level], text);
}

char *notice_unit_heading(const Notice *n, const NoticeUnit *u)
{
    StrBuf sb = {0};
    const NoticeEntry *e = &n->entries.items[u->first];
    for (uint32_t i = 0; i < n->ni->nper; i++) {
        if (i) sb_puts(&sb, "　");
        /* a county of an enum with codes: its name, then its code (中牟县 410122) */
        const char *name = notice_level_name(n, i, e->levels[i]);
        const char *code = program_partition_code(n->p, n->ni->per_fields[i], e->levels[i]);
        char *shown = strcmp(name, code) ? xasprintf("%s %s", name, code) : xstrdup(name);
        sb_printf(&sb, doc_tr("%s: %s"), n->level_labels[i], shown);
        free(shown);
    }
    return sb_take(&sb);
}

char *notice_withheld_line(const Notice *n, const NoticeUnit *u, size_t k)
{
    if (!u->withheld[k]) return NULL;
    return xasprintf(doc_tr("%s: %lld, not listed by name"), n->withhold_labels[k], (long long)u->withheld[k]);
}

static void notice_free(Notice *n)
{
    free(n->title);
    free(n->period);
    free(n->office);
    free(n->basis);
    free(n->privacy);
    for (uint32_t i = 0; n->level_labels && i < n->ni->nper; i++) free(n->level_labels[i]);
    free(n->level_labels);
    for (uint32_t k = 0; n->withhold_labels && k <= n->ni->nwithholds; k++) free(n->withhold_labels[k]);
    free(n->withhold_labels);
    for (size_t i = 0; i < n->entries.count; i++) {
        NoticeEntry *e = &n->entries.items[i];
        for (uint32_t l = 0; l < n->ni->nper; l++) free(e->levels[l]);
        free(e->levels);
        free(e->key);
        for (uint32_t c = 0; e->cells && c < n->ni->ncols; c++) free(e->cells[c]);
        free(e->cells);
    }
    VEC_FREE(&n->entries);
    for (size_t i = 0; i < n->units.count; i++) free(n->units.items[i].withheld);
    VEC_FREE(&n->units);
}

/* ---- HTML ------------------------------------------------------------------------------------- */

static const char *const notice_css =
    "body{font-family:\"Noto Sans CJK SC\",\"WenQuanYi Micro Hei\",\"Microsoft YaHei\",\"SimSun\",sans-serif;"
    "margin:0;color:#111}"
    ".unit{padding:12mm 14mm;page-break-after:always;break-after:page}"
    ".unit:last-child{page-break-after:auto;break-after:auto}"
    "h1{font-size:20px;text-align:center;margin:0 0 6px}"
    "h2{font-size:14px;margin:10px 0 6px}"
    "p{margin:4px 0;font-size:13px}"
    ".period{text-align:center}"
    ".note{color:#444;font-size:12px}"
    "table{border-collapse:collapse;width:100%;font-size:13px}"
    "th,td{border:1px solid #333;padding:3px 6px;text-align:center}"
    "th{background:#eee}"
    "@page{size:A4;margin:0}"
    "@media print{th{background:none}}";

static void html_text(StrBuf *out, const char *tag, const char *cls, const char *text)
{
    sb_printf(out, "<%s%s%s%s>", tag, cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    doc_escape(out, text);
    sb_printf(out, "</%s>\n", tag);
}

static void html_table(const Notice *n, const NoticeUnit *u, StrBuf *out)
{
    sb_puts(out, "<table>\n<thead><tr><th>");
    doc_escape(out, doc_tr("No."));
    sb_puts(out, "</th>");
    for (uint32_t c = 0; c < n->ni->ncols; c++) {
        sb_puts(out, "<th>");
        doc_escape(out, n->ni->cols[c].label ? n->ni->cols[c].label : n->ni->cols[c].name);
        sb_puts(out, "</th>");
    }
    sb_puts(out, "</tr></thead>\n<tbody>\n");
    size_t no = 0;
    for (size_t i = u->first; i < u->first + u->count; i++) {
        const NoticeEntry *e = &n->entries.items[i];
        if (e->withheld >= 0) continue;
        sb_printf(out, "<tr><td>%zu</td>", ++no);
        for (uint32_t c = 0; c < n->ni->ncols; c++) {
            sb_puts(out, "<td>");
            doc_escape(out, e->cells[c]);
            sb_puts(out, "</td>");
        }
        sb_puts(out, "</tr>\n");
    }
    sb_puts(out, "</tbody>\n</table>\n");
}

static void html_unit(const Notice *n, const NoticeUnit *u, StrBuf *out)
{
    char *heading = notice_unit_heading(n, u);
    sb_puts(out, "<section class=\"unit\">\n");
    html_text(out, "h1", NULL, n->title);
    html_text(out, "p", "period", n->period);
    html_text(out, "h2", NULL, heading);
    if (u->listed) html_table(n, u, out);
    for (size_t k = 0; k <= n->ni->nwithholds; k++) {
        char *line = notice_withheld_line(n, u, k);
        if (line) html_text(out, "p", "withheld", line);
        free(line);
    }
    html_text(out, "p", "office", n->office);
    html_text(out, "p", "note", n->privacy);
    html_text(out, "p", "note", n->basis);
    sb_puts(out, "</section>\n");
    free(heading);
}

static void notice_html(const Notice *n, StrBuf *out)
{
    sb_puts(out, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    doc_escape(out, n->title);
    sb_printf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", notice_css);
    for (size_t i = 0; i < n->units.count; i++) html_unit(n, &n->units.items[i], out);
    if (!n->units.count) {
        html_text(out, "h1", NULL, n->title);
        html_text(out, "p", "period", doc_tr("Nobody to list."));
    }
    sb_puts(out, "</body>\n</html>\n");
}

/* ---- CSV -------------------------------------------------------------------------------------- */

static void csv_row_start(const Notice *n, const NoticeEntry *e, StrBuf *out)
{
    for (uint32_t l = 0; l < n->ni->nper; l++) {
        csv_write_cell(out, e->levels[l]);
        sb_putc(out, ',');
    }
}

static void csv_unit(const Notice *n, const NoticeUnit *u, StrBuf *out)
{
    size_t no = 0;
    for (size_t i = u->first; i < u->first + u->count; i++) {
        const NoticeEntry *e = &n->entries.items[i];
        if (e->withheld >= 0) continue;
        csv_row_start(n, e, out);
        sb_printf(out, "%zu", ++no);
        for (uint32_t c = 0; c < n->ni->ncols; c++) {
            sb_putc(out, ',');
            csv_write_cell(out, e->cells[c]);
        }
        sb_puts(out, ",\n");
    }
    for (size_t k = 0; k <= n->ni->nwithholds; k++) {
        char *line = notice_withheld_line(n, u, k);
        if (!line) continue;
        csv_row_start(n, &n->entries.items[u->first], out);
        for (uint32_t c = 0; c < n->ni->ncols; c++) sb_putc(out, ',');
        sb_putc(out, ',');
        csv_write_cell(out, line);
        sb_putc(out, '\n');
        free(line);
    }
}

static void notice_csv(const Notice *n, StrBuf *out)
{
    sb_puts(out, "\xEF\xBB\xBF");
    const char *lines[] = {n->title, n->period, n->office, n->privacy, n->basis};
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        csv_write_cell(out, lines[i]);
        sb_putc(out, '\n');
    }
    sb_putc(out, '\n');
    for (uint32_t l = 0; l < n->ni->nper; l++) {
        csv_write_cell(out, n->level_labels[l]);
        sb_putc(out, ',');
    }
    csv_write_cell(out, doc_tr("No."));
    for (uint32_t c = 0; c < n->ni->ncols; c++) {
        sb_putc(out, ',');
        csv_write_cell(out, n->ni->cols[c].label ? n->ni->cols[c].label : n->ni->cols[c].name);
    }
    sb_putc(out, ',');
    csv_write_cell(out, doc_tr("Remarks"));
    sb_putc(out, '\n');
    for (size_t i = 0; i < n->units.count; i++) csv_unit(n, &n->units.items[i], out);
}

/* ---- the whole ------------------------------------------------------------------------------------ */

/* The run's as_of into the VM's as_of param; returns the register and its old value to give
 * back, or -1 when the rules have no such param. */
static int64_t set_as_of(const Program *p, Vm *vm, const char *as_of, int64_t *saved)
{
    int64_t day;
    for (uint32_t i = 0; i < p->nparams; i++)
        if (!strcmp(p->params[i].name, "as_of") && p->params[i].kind == VK_DATE && date_parse(as_of, strlen(as_of), &day)) {
            *saved = vm->regs[p->params[i].reg];
            vm->regs[p->params[i].reg] = day;
            return p->params[i].reg;
        }
    return -1;
}

static bool gather(Gather *g, int64_t run, char **error)
{
    if (!load_targets(g->l, run, &g->targets, error) || !gather_persons(g, error)) return false;
    cut_units(g->n);
    if (!g->county || g->n->units.count) return true;
    notice_free(g->n);
    *g->n = (Notice){.p = g->n->p, .ni = g->n->ni};
    char *known = known_counties(g, error);
    failf(error, tr("run %lld knows no county '%s'; the counties are: %s"), (long long)run, g->county,
          known && *known ? known : tr("(none: the run identified nobody)"));
    free(known);
    return false;
}

static bool render(const Notice *n, NoticeFormat format, const char *path, char **error)
{
    if (format == NOTICE_XLSX) return notice_xlsx(n, path, error);
    StrBuf sb = {0};
    if (format == NOTICE_HTML) notice_html(n, &sb);
    else notice_csv(n, &sb);
    bool ok = doc_write(path, &sb, error);
    sb_free(&sb);
    return ok;
}

bool notice_write(Ledger *l, const Program *p, Vm *vm, const char *county, int64_t run, NoticeFormat format,
                  const char *path, char **error)
{
    if (!p->notice) return failf(error, tr("the rule file declares no notice (no `notice` block)"));
    if (format == NOTICE_XLSX && !path) return failf(error, tr("an xlsx workbook needs a file to go to (-o FILE.xlsx)"));
    if (p->nrecords == 0 || p->records[0].key < 0) return failf(error, tr("the rule file declares no record with a key"));
    RunInfo info;
    if (!ledger_run_info(l, run, &info, error)) return false;
    int64_t saved = 0, reg = set_as_of(p, vm, info.as_of, &saved);
    Notice n = {.p = p, .ni = p->notice};
    /* --county by code, name or identifier: the level key it names */
    const char *key = county && p->notice->nper ? program_partition_find(p, p->notice->per_fields[0], county) : NULL;
    Gather g = {.n = &n, .l = l, .vm = vm, .county = key ? key : county};
    make_header(&n, vm, &info);
    bool ok = gather(&g, info.id, error) && render(&n, format, path, error);
    if (reg >= 0) vm->regs[reg] = saved;
    targets_free(&g.targets);
    sb_free(&g.key);
    notice_free(&n);
    ledger_run_info_free(&info);
    return ok;
}
