/* diff_render.c — a diff's report as text, as JSON, and as Markdown for a merge-request
 * comment (see diff.h).
 *
 * The Markdown is a summary under a size limit: the verdict and the differences from the
 * approved changes first, then the counts per category, placement and year, the moves, the
 * form cells and capacity numbers that change, and the first changed people with a one-line
 * reason each; what does not fit is left out from that point on, and the comment says so
 * and names the full report. */
#include "diff_int.h"
#include "markdown.h"
#include "base/resid.h"

#include "base/msg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- text ------------------------------------------------------------------------------------ */

static int width_of(const char *s) { return utf8_width(s, strlen(s)); }

static void put_padded(StrBuf *sb, const char *s, int width)
{
    sb_puts(sb, s);
    sb_pad(sb, width - width_of(s));
}

static void put_right(StrBuf *sb, const char *s, int width)
{
    sb_pad(sb, width - width_of(s));
    sb_puts(sb, s);
}

static bool shown(const Figure *f)
{
    /* `review` rows only when someone is in review */
    size_t n = strlen(f->name);
    return !(n > 7 && !strcmp(f->name + n - 7, " review") && f->before == 0 && f->after == 0);
}

/* The figures of a section (and of one form, when form >= 0) to print. */
static bool selected(const Figure *f, Section s, int form, bool changed_only)
{
    return f->section == s && (form < 0 || f->form == form) && shown(f) && (!changed_only || change_of(f) != 0);
}

/* Print the selected figures, one a line: NAME  BEFORE → AFTER  CHANGE, or NAME  COUNT.
 * Returns how many. */
static size_t put_figures(StrBuf *out, const Diff *d, Section s, int form, bool changed_only)
{
    int w = 0;
    size_t n = 0;
    for (size_t i = 0; i < d->figs.count; i++)
        if (selected(&d->figs.items[i], s, form, changed_only) && width_of(d->figs.items[i].name) > w)
            w = width_of(d->figs.items[i].name);
    for (size_t i = 0; i < d->figs.count; i++) {
        const Figure *f = &d->figs.items[i];
        if (!selected(f, s, form, changed_only)) continue;
        n++;
        char b[32], a[32];
        sb_puts(out, "  ");
        put_padded(out, f->name, w);
        if (f->kind == FIG_DELTA) {
            snprintf(b, sizeof b, "%lld", (long long)f->before);
            snprintf(a, sizeof a, "%lld", (long long)f->after);
            put_right(out, b, 9);
            sb_puts(out, " → ");
            put_right(out, a, 7);
            StrBuf c = {0};
            diff_put_change(&c, f, change_of(f));
            put_right(out, sb_str(&c), 8);
            sb_free(&c);
        } else {
            snprintf(a, sizeof a, "%lld", (long long)f->after);
            put_right(out, a, 9);
        }
        sb_putc(out, '\n');
    }
    return n;
}

static void put_section(StrBuf *out, const Diff *d, Section s, const char *title, bool changed_only)
{
    sb_printf(out, "\n%s\n", title);
    if (!put_figures(out, d, s, -1, changed_only)) sb_puts(out, tr("  (no change)\n"));
}

/* County cells are listed in the text when there are at most this many (JSON lists them all). */
enum { LIST_COUNTY_CELLS = 20 };

static const Figure *first_of(const Diff *d, Section s, int form)
{
    for (size_t i = 0; i < d->figs.count; i++)
        if (d->figs.items[i].section == s && (form < 0 || d->figs.items[i].form == form)) return &d->figs.items[i];
    return NULL;
}

static void put_outcome(StrBuf *out, const Diff *d, const Outcome *o)
{
    if (!o->present) {
        sb_puts(out, tr("not evaluated (in review)"));
        return;
    }
    if (!*o->primary) {
        if (*o->categories) sb_printf(out, tr("not a target, categories %s"), o->categories);
        else sb_puts(out, tr("not a target"));
        return;
    }
    const char *placement = *o->placement ? o->placement : tr("none");
    if (o->has_year)
        sb_printf(out, tr("categories %s, primary %s, %s %s, year %lld"), o->categories, o->primary,
                  d->placement_name, placement, (long long)o->year);
    else
        sb_printf(out, tr("categories %s, primary %s, %s %s, year none"), o->categories, o->primary,
                  d->placement_name, placement);
}

static void put_indented(StrBuf *out, const char *text, const char *indent)
{
    for (const char *s = text; *s;) {
        const char *e = strchr(s, '\n');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        sb_puts(out, indent);
        sb_putn(out, s, n);
        sb_putc(out, '\n');
        if (!e) break;
        s = e + 1;
    }
}

static void put_matrix(StrBuf *out, const Diff *d)
{
    size_t nv = d->nvalues, np = d->places.count;
    const char **label = xcalloc(nv + 1, sizeof *label);
    for (size_t i = 0; i < nv; i++) label[i] = i < np ? d->places.items[i] : i == np ? tr("none") : tr("review");
    const char *corner = tr("before \\ after");
    int first = width_of(corner);
    for (size_t i = 0; i < nv; i++)
        if (width_of(label[i]) > first) first = width_of(label[i]);
    int *w = xcalloc(nv + 1, sizeof *w);
    for (size_t c = 0; c < nv; c++) {
        w[c] = width_of(label[c]);
        for (size_t r = 0; r < nv; r++) {
            char n[32];
            snprintf(n, sizeof n, "%lld", (long long)d->matrix[r * nv + c]);
            if ((int)strlen(n) > w[c]) w[c] = (int)strlen(n);
        }
    }
    sb_puts(out, "  ");
    put_padded(out, corner, first);
    for (size_t c = 0; c < nv; c++) {
        sb_puts(out, "  ");
        put_right(out, label[c], w[c]);
    }
    sb_putc(out, '\n');
    for (size_t r = 0; r < nv; r++) {
        sb_puts(out, "  ");
        put_padded(out, label[r], first);
        for (size_t c = 0; c < nv; c++) {
            char n[32];
            snprintf(n, sizeof n, "%lld", (long long)d->matrix[r * nv + c]);
            sb_puts(out, "  ");
            put_right(out, n, w[c]);
        }
        sb_putc(out, '\n');
    }
    free(w);
    free(label);
}

static void put_side(StrBuf *out, const Side *s, const char *which)
{
    sb_printf(out, which[0] == 'o' ? tr("old rules: %s\n  run as of %s: %llu persons, %llu targets, %llu scheduled, %llu in review\n")
                                   : tr("new rules: %s\n  run as of %s: %llu persons, %llu targets, %llu scheduled, %llu in review\n"),
              s->rules_path, s->run.as_of, (unsigned long long)s->run.persons, (unsigned long long)s->run.targets,
              (unsigned long long)s->run.scheduled, (unsigned long long)s->run.review);
    if (s->imported) {
        sb_printf(out, tr("  imported with them: persons.csv %llu rows, %llu rejected"), (unsigned long long)s->persons.rows,
                  (unsigned long long)s->persons.review);
        if (s->has_institutions)
            sb_printf(out, tr("; institutions.csv %llu rows, %llu rejected"), (unsigned long long)s->institutions.rows,
                      (unsigned long long)s->institutions.review);
        sb_putc(out, '\n');
    }
}

/* People who enter or leave every row of a form: "12 more persons are counted in no row of
 * 附件1 after the change (outside its rows: 0 → 12), so 合计 leaves them out". Nothing when the
 * count is not known on both sides or did not change. */
static void put_outside(StrBuf *out, const DiffForm *f, const char *indent)
{
    int64_t b = f->outside[0], a = f->outside[1];
    if (b < 0 || a < 0 || a == b) return;
    const char *form = f->label && *f->label ? f->label : f->name;
    int64_t n = a > b ? a - b : b - a;
    sb_puts(out, indent);
    if (a > b && f->total_label)
        sb_printf(out, n == 1 ? tr("%lld more person is counted in no row of %s after the change (outside its rows: %lld → %lld): %s leaves them out\n")
                              : tr("%lld more persons are counted in no row of %s after the change (outside its rows: %lld → %lld): %s leaves them out\n"),
                  (long long)n, form, (long long)b, (long long)a, f->total_label);
    else if (a > b)
        sb_printf(out, n == 1 ? tr("%lld more person is counted in no row of %s after the change (outside its rows: %lld → %lld)\n")
                              : tr("%lld more persons are counted in no row of %s after the change (outside its rows: %lld → %lld)\n"),
                  (long long)n, form, (long long)b, (long long)a);
    else
        sb_printf(out, n == 1 ? tr("%lld person counted in no row of %s before the change is in one after it (outside its rows: %lld → %lld)\n")
                              : tr("%lld persons counted in no row of %s before the change are in one after it (outside its rows: %lld → %lld)\n"),
                  (long long)n, form, (long long)b, (long long)a);
}

void diff_render_text(const Diff *d, StrBuf *out)
{
    if (d->population)
        sb_printf(out, d->population_is_ledger ? tr("population: %s (a ledger, run in a temporary copy)\n")
                                               : tr("population: %s (each rule file reads its files)\n"),
                  d->population);
    put_side(out, &d->side[0], "old");
    put_side(out, &d->side[1], "new");
    sb_printf(out, d->changed == 1 ? tr("\nchanged: %llu person\n") : tr("\nchanged: %llu persons\n"),
              (unsigned long long)d->changed);
    put_section(out, d, S_CATEGORY, tr("people per primary category"), false);
    put_section(out, d, S_MEMBER, tr("people in each category (a person may be in several)"), false);
    put_section(out, d, S_PLACEMENT, tr("people per placement"), false);
    put_section(out, d, S_YEAR, tr("people per year"), false);
    put_section(out, d, S_CATYEAR, tr("people per primary category and year: the changes"), true);
    sb_printf(out, tr("\ntransitions: %s before (rows) × after (columns)\n"), d->placement_name);
    put_matrix(out, d);
    put_section(out, d, S_TRANSITION, tr("moves"), false);

    if (d->people.count < d->changed)
        sb_printf(out, tr("\nchanged people: %llu, the first %zu by key\n"), (unsigned long long)d->changed,
                  d->people.count);
    else
        sb_printf(out, tr("\nchanged people: %llu\n"), (unsigned long long)d->changed);
    for (size_t i = 0; i < d->people.count; i++) {
        const Person *p = &d->people.items[i];
        sb_printf(out, tr("\n  %s\n    before: "), p->key);
        put_outcome(out, d, &p->was);
        sb_puts(out, tr("\n    after:  "));
        put_outcome(out, d, &p->now);
        sb_putc(out, '\n');
        for (int s = 0; s < 2; s++) {
            bool same = s && p->explain[0][0] && p->explain[1][0] && !strcmp(p->explain[0][0], p->explain[1][0]);
            if (same) {
                sb_puts(out, tr("    -- explanation by the new rules: the same, word for word\n"));
                continue;
            }
            sb_puts(out, s ? tr("    -- explanation by the new rules\n") : tr("    -- explanation by the old rules\n"));
            if (p->explain[s][0]) put_indented(out, p->explain[s][0], "      ");
            else sb_printf(out, tr("      not evaluated: %s\n"), msg_text(p->why[s]));
        }
    }

    for (size_t k = 0; k < d->forms.count; k++) {
        sb_printf(out, tr("\nform %s %s: the city's cells that changed\n"), d->forms.items[k].name, d->forms.items[k].label);
        if (!put_figures(out, d, S_FORM, (int)k, true)) sb_puts(out, tr("  (no change)\n"));
        put_outside(out, &d->forms.items[k], "  ");
        const Figure *c = first_of(d, S_FORM_COUNTIES, (int)k);
        sb_printf(out, tr("  county cells changed: %lld  (`%s: N`, or each as `form %s COUNTY ROW COLUMN`)\n"),
                  c ? (long long)c->after : 0LL, c ? c->name : "", d->forms.items[k].name);
        if (c && c->after && c->after <= LIST_COUNTY_CELLS) put_figures(out, d, S_FORM_COUNTY, (int)k, true);
    }
    if (first_of(d, S_CAPACITY, -1)) {
        sb_puts(out, tr("\ncapacity plan: the city's numbers that changed\n"));
        if (!put_figures(out, d, S_CAPACITY, -1, true)) sb_puts(out, tr("  (no change)\n"));
        const Figure *c = first_of(d, S_CAPACITY_COUNTIES, -1);
        sb_printf(out, tr("  county numbers changed: %lld  (`capacity counties: N`, or each as `capacity COUNTY TYPE "
                       "NUMBER`)\n"),
                  c ? (long long)c->after : 0LL);
        if (c && c->after && c->after <= LIST_COUNTY_CELLS) put_figures(out, d, S_CAPACITY_COUNTY, -1, true);
    }
    if (d->checked) {
        sb_printf(out, d->approvals == 1 ? tr("\napproved changes: %s (%zu figure)\n")
                                         : tr("\napproved changes: %s (%zu figures)\n"),
                  d->expect_path, d->approvals);
        for (size_t i = 0; i < d->mismatches.count; i++) sb_printf(out, "  %s\n", msg_text(d->mismatches.items[i]));
        if (d->mismatches.count)
            sb_printf(out, d->mismatches.count == 1 ? tr("%zu figure differs from the approved changes\n")
                                                    : tr("%zu figures differ from the approved changes\n"),
                      d->mismatches.count);
        else sb_puts(out, tr("every figure is as approved\n"));
    }
}

/* ---- JSON ------------------------------------------------------------------------------------- */

static void json_side(StrBuf *out, const Side *s)
{
    sb_puts(out, "{\"rules\": ");
    sb_json_string(out, s->rules_path);
    sb_puts(out, ", \"as_of\": ");
    sb_json_string(out, s->run.as_of);
    sb_printf(out, ", \"persons\": %llu, \"targets\": %llu, \"scheduled\": %llu, \"review\": %llu",
              (unsigned long long)s->run.persons, (unsigned long long)s->run.targets,
              (unsigned long long)s->run.scheduled, (unsigned long long)s->run.review);
    if (s->imported) {
        sb_printf(out, ", \"import\": {\"persons\": {\"rows\": %llu, \"rejected\": %llu}",
                  (unsigned long long)s->persons.rows, (unsigned long long)s->persons.review);
        if (s->has_institutions)
            sb_printf(out, ", \"institutions\": {\"rows\": %llu, \"rejected\": %llu}",
                      (unsigned long long)s->institutions.rows, (unsigned long long)s->institutions.review);
        sb_putc(out, '}');
    }
    sb_putc(out, '}');
}

static void json_outcome(StrBuf *out, const Outcome *o)
{
    if (!o->present) {
        sb_puts(out, "null");
        return;
    }
    sb_puts(out, "{\"categories\": [");
    for (const char *s = o->categories; *s;) {
        const char *e = strchr(s, '|');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        char *name = xstrndup(s, n);
        if (s != o->categories) sb_puts(out, ", ");
        sb_json_string(out, name);
        free(name);
        if (!e) break;
        s = e + 1;
    }
    sb_puts(out, "], \"primary\": ");
    if (*o->primary) sb_json_string(out, o->primary);
    else sb_puts(out, "null");
    sb_puts(out, ", \"placement\": ");
    if (*o->placement) sb_json_string(out, o->placement);
    else sb_puts(out, "null");
    if (o->has_year) sb_printf(out, ", \"year\": %lld}", (long long)o->year);
    else sb_puts(out, ", \"year\": null}");
}

static void json_explanation(StrBuf *out, const char *json, const char *why)
{
    if (!json) {
        sb_puts(out, "{\"error\": ");
        sb_json_string(out, why);
        sb_putc(out, '}');
        return;
    }
    size_t n = strlen(json);
    while (n && (json[n - 1] == '\n' || json[n - 1] == ' ')) n--;
    sb_putn(out, json, n);
}

static void json_outside(StrBuf *out, const Diff *d)
{
    sb_puts(out, ",\n  \"outside_rows\": [");
    for (size_t k = 0; k < d->forms.count; k++) {
        const DiffForm *f = &d->forms.items[k];
        sb_puts(out, k ? ", " : "");
        sb_puts(out, "{\"form\": ");
        sb_json_string(out, f->name);
        for (int s = 0; s < 2; s++) {
            sb_printf(out, ", \"%s\": ", s ? "after" : "before");   /* not a message: JSON keys */
            if (f->outside[s] < 0) sb_puts(out, "null");
            else sb_printf(out, "%lld", (long long)f->outside[s]);
        }
        sb_putc(out, '}');
    }
    sb_putc(out, ']');
}

void diff_render_json(const Diff *d, StrBuf *out)
{
    sb_puts(out, "{\n  \"population\": ");
    if (d->population) sb_json_string(out, d->population);
    else sb_puts(out, "null");
    sb_puts(out, ",\n  \"old\": ");
    json_side(out, &d->side[0]);
    sb_puts(out, ",\n  \"new\": ");
    json_side(out, &d->side[1]);
    sb_printf(out, ",\n  \"changed\": %llu,\n  \"placement\": ", (unsigned long long)d->changed);
    sb_json_string(out, d->placement_name);
    sb_puts(out, ",\n  \"figures\": [");
    for (size_t i = 0; i < d->figs.count; i++) {
        const Figure *f = &d->figs.items[i];
        sb_puts(out, i ? ",\n    " : "\n    ");
        sb_puts(out, "{\"section\": ");
        sb_json_string(out, SECTION_NAMES[f->section]);
        sb_puts(out, ", \"figure\": ");
        sb_json_string(out, f->name);
        if (f->kind == FIG_DELTA) sb_printf(out, ", \"before\": %lld, \"after\": %lld", (long long)f->before, (long long)f->after);
        sb_printf(out, ", \"change\": %lld}", (long long)change_of(f));
    }
    sb_puts(out, "\n  ],\n  \"transitions\": {\"values\": [");
    size_t np = d->places.count;
    for (size_t i = 0; i < d->nvalues; i++) {
        if (i) sb_puts(out, ", ");
        sb_json_string(out, i < np ? d->places.items[i] : i == np ? "none" : "review");
    }
    sb_puts(out, "], \"before_by_after\": [");
    for (size_t r = 0; r < d->nvalues; r++) {
        sb_puts(out, r ? ", [" : "[");
        for (size_t c = 0; c < d->nvalues; c++) sb_printf(out, "%s%lld", c ? ", " : "", (long long)d->matrix[r * d->nvalues + c]);
        sb_putc(out, ']');
    }
    sb_puts(out, "]},\n  \"people\": [");
    for (size_t i = 0; i < d->people.count; i++) {
        const Person *p = &d->people.items[i];
        sb_puts(out, i ? ",\n    " : "\n    ");
        sb_puts(out, "{\"key\": ");
        sb_json_string(out, p->key);
        sb_puts(out, ", \"before\": ");
        json_outcome(out, &p->was);
        sb_puts(out, ", \"after\": ");
        json_outcome(out, &p->now);
        sb_puts(out, ",\n     \"explanation_before\": ");
        json_explanation(out, p->explain[0][1], p->why[0]);
        sb_puts(out, ",\n     \"explanation_after\": ");
        json_explanation(out, p->explain[1][1], p->why[1]);
        sb_putc(out, '}');
    }
    sb_puts(out, d->people.count ? "\n  ]" : "]");
    json_outside(out, d);
    if (d->checked) {
        sb_puts(out, ",\n  \"approved\": {\"file\": ");
        sb_json_string(out, d->expect_path);
        sb_printf(out, ", \"lines\": %zu, \"as_approved\": %s, \"mismatches\": [", d->approvals,
                  d->mismatches.count ? "false" : "true");
        for (size_t i = 0; i < d->mismatches.count; i++) {
            if (i) sb_puts(out, ", ");
            sb_json_string(out, d->mismatches.items[i]);
        }
        sb_puts(out, "]}");
    }
    sb_puts(out, "\n}\n");
}

/* ---- Markdown: the merge-request comment ---------------------------------------------------- */

/* A figure's name cut into its words ("form attachment1 410122 orphan subtotal"): names hold
 * no spaces (docs/rule-changes.md §4), so the words are the parts. At most 8. */
typedef struct Words {
    char *w[8];
    int n;
    char *buf;
} Words;

static Words split_words(const char *name)
{
    Words w = {.buf = xstrdup(name)};
    char *save = NULL;
    for (char *s = strtok_r(w.buf, " ", &save); s && w.n < 8; s = strtok_r(NULL, " ", &save)) w.w[w.n++] = s;
    return w;
}

static void change_text(StrBuf *sb, const Figure *f) { diff_put_change(sb, f, change_of(f)); }

/* "| a | b | BEFORE | AFTER | Δ |" for a figure before → after, the change in bold when it is
 * not 0; cells are the words given, escaped. No line end: the caller may add cells. */
static void md_delta_row(StrBuf *row, const char *const *cells, int ncells, const Figure *f)
{
    sb_putc(row, '|');
    for (int i = 0; i < ncells; i++) {
        sb_putc(row, ' ');
        md_text(row, cells[i], 0);
        sb_puts(row, " |");
    }
    sb_printf(row, " %lld | %lld | ", (long long)f->before, (long long)f->after);
    if (change_of(f)) sb_puts(row, "**");
    change_text(row, f);
    if (change_of(f)) sb_puts(row, "**");
    sb_puts(row, " |");
}

static void md_head(MdTable *t, const char *heading, const char *columns, const char *align)
{
    sb_printf(&t->head, "\n#### %s\n\n%s\n%s\n", heading, columns, align);
}

/* The figures of one section whose name is PREFIX VALUE, one row each (changed_only: those
 * whose change is not 0). */
static void md_simple(MdDoc *doc, const Diff *d, Section s, const char *heading, const char *what, bool changed_only)
{
    MdTable t = {.doc = doc};
    char *columns = xasprintf(tr("| %s | before | after | Δ |"), what);
    md_head(&t, heading, columns, "|---|---:|---:|---:|");
    free(columns);
    for (size_t i = 0; i < d->figs.count; i++) {
        const Figure *f = &d->figs.items[i];
        if (!selected(f, s, -1, changed_only)) continue;
        Words w = split_words(f->name);
        const char *value = w.n > 1 ? w.w[w.n - 1] : f->name;
        StrBuf row = {0};
        md_delta_row(&row, &value, 1, f);
        sb_putc(&row, '\n');
        md_table_row(&t, &row);
        sb_free(&row);
        free(w.buf);
    }
    md_table_end(&t);
}

/* People per category: primary and member side by side, a row per value. */
static void md_categories(MdDoc *doc, const Diff *d)
{
    MdTable t = {.doc = doc};
    md_head(&t, tr("People per category"),
            tr("| category | primary before | primary after | Δ | members before | members after | Δ |"),
            "|---|---:|---:|---:|---:|---:|---:|");
    StrBuf name = {0};
    for (size_t i = 0; i < d->figs.count; i++) {
        const Figure *f = &d->figs.items[i];
        if (!selected(f, S_CATEGORY, -1, false)) continue;
        const char *value = f->name + strlen("category ");
        sb_free(&name);
        sb_printf(&name, "member %s", value);   /* not a message: a figure's name */
        const Figure *m = diff_find_figure(d, sb_str(&name));
        StrBuf row = {0};
        md_delta_row(&row, &value, 1, f);
        if (m) {
            sb_printf(&row, " %lld | %lld | %s", (long long)m->before, (long long)m->after, change_of(m) ? "**" : "");
            change_text(&row, m);
            sb_printf(&row, "%s |\n", change_of(m) ? "**" : "");
        } else {
            sb_puts(&row, " | | |\n");
        }
        md_table_row(&t, &row);
        sb_free(&row);
    }
    sb_free(&name);
    md_table_end(&t);
}

/* The changed figures of primary category × year: "C Y" or "category C Y". */
static void md_category_years(MdDoc *doc, const Diff *d)
{
    MdTable t = {.doc = doc};
    md_head(&t, tr("People per primary category and year that change"), tr("| category | year | before | after | Δ |"),
            "|---|---|---:|---:|---:|");
    for (size_t i = 0; i < d->figs.count; i++) {
        const Figure *f = &d->figs.items[i];
        if (!selected(f, S_CATYEAR, -1, true)) continue;
        Words w = split_words(f->name);
        const char *cells[2] = {w.w[w.n - 2], w.w[w.n - 1]};
        StrBuf row = {0};
        md_delta_row(&row, cells, 2, f);
        sb_putc(&row, '\n');
        md_table_row(&t, &row);
        sb_free(&row);
        free(w.buf);
    }
    md_table_end(&t);
}

/* The moves off the transition matrix's diagonal: "placement A -> B", a count. */
static void md_moves(MdDoc *doc, const Diff *d)
{
    MdTable t = {.doc = doc};
    char *heading = xasprintf(tr("Moves between values of %s"), d->placement_name);
    char *columns = xasprintf(tr("| %s before | %s after | people |"), d->placement_name, d->placement_name);
    md_head(&t, heading, columns, "|---|---|---:|");
    free(heading);
    free(columns);
    for (size_t i = 0; i < d->figs.count; i++) {
        const Figure *f = &d->figs.items[i];
        if (!selected(f, S_TRANSITION, -1, false)) continue;
        Words w = split_words(f->name); /* placement A -> B */
        StrBuf row = {0};
        sb_puts(&row, "| ");
        md_text(&row, w.n == 4 ? w.w[1] : f->name, 0);
        sb_puts(&row, " | ");
        md_text(&row, w.n == 4 ? w.w[3] : "", 0);
        sb_printf(&row, " | %lld |\n", (long long)f->after);
        md_table_row(&t, &row);
        sb_free(&row);
        free(w.buf);
    }
    md_table_end(&t);
}

/* The cells of form k that change: the city's, then each county's; the number of county cells
 * that changed beside. Words: form F WHERE ROW COLUMN. */
static void md_form(MdDoc *doc, const Diff *d, size_t k)
{
    const DiffForm *form = &d->forms.items[k];
    const Figure *c = first_of(d, S_FORM_COUNTIES, (int)k);
    MdTable t = {.doc = doc};
    StrBuf heading = {0}, label = {0}, name = {0};
    md_text(&label, form->label ? form->label : form->name, 0);
    md_code(&name, form->name);
    sb_printf(&heading, c && c->after == 1 ? tr("Cells of %s (%s) that change: %lld county cell")
                                           : tr("Cells of %s (%s) that change: %lld county cells"),
              sb_str(&label), sb_str(&name), c ? (long long)c->after : 0LL);
    md_head(&t, sb_str(&heading), tr("| where | row | column | before | after | Δ |"), "|---|---|---|---:|---:|---:|");
    sb_free(&heading);
    sb_free(&label);
    sb_free(&name);
    for (size_t i = 0; i < d->figs.count; i++) {
        const Figure *f = &d->figs.items[i];
        if (!selected(f, S_FORM, (int)k, true) && !selected(f, S_FORM_COUNTY, (int)k, true)) continue;
        Words w = split_words(f->name);
        if (w.n == 5) {
            const char *cells[3] = {w.w[2], w.w[3], w.w[4]};
            StrBuf row = {0};
            md_delta_row(&row, cells, 3, f);
            sb_putc(&row, '\n');
            md_table_row(&t, &row);
            sb_free(&row);
        }
        free(w.buf);
    }
    md_table_end(&t);
}

/* The numbers of the capacity plan that change. Words: capacity WHERE TYPE NUMBER. */
static void md_capacity(MdDoc *doc, const Diff *d)
{
    const Figure *c = first_of(d, S_CAPACITY_COUNTIES, -1);
    MdTable t = {.doc = doc};
    char *heading = xasprintf(c && c->after == 1 ? tr("Numbers of the capacity plan that change: %lld county number")
                                                 : tr("Numbers of the capacity plan that change: %lld county numbers"),
                              c ? (long long)c->after : 0LL);
    md_head(&t, heading, tr("| where | institution type | number | before | after | Δ |"), "|---|---|---|---:|---:|---:|");
    free(heading);
    for (size_t i = 0; i < d->figs.count; i++) {
        const Figure *f = &d->figs.items[i];
        if (!selected(f, S_CAPACITY, -1, true) && !selected(f, S_CAPACITY_COUNTY, -1, true)) continue;
        Words w = split_words(f->name);
        if (w.n == 4) {
            const char *cells[3] = {w.w[1], w.w[2], w.w[3]};
            StrBuf row = {0};
            md_delta_row(&row, cells, 3, f);
            sb_putc(&row, '\n');
            md_table_row(&t, &row);
            sb_free(&row);
        }
        free(w.buf);
    }
    md_table_end(&t);
}

/* Whether any figure of section s (of form `form`, or any: -1) changed. */
static bool any_change(const Diff *d, Section s, int form)
{
    for (size_t i = 0; i < d->figs.count; i++)
        if (selected(&d->figs.items[i], s, form, true)) return true;
    return false;
}

/* Each form's changed cells and the capacity plan's changed numbers; one line for all that do
 * not change. */
static void md_cells(MdDoc *doc, const Diff *d)
{
    StrBuf same = {0};
    for (size_t k = 0; k < d->forms.count; k++) {
        if (any_change(d, S_FORM, (int)k) || any_change(d, S_FORM_COUNTY, (int)k)) {
            md_form(doc, d, k);
            StrBuf line = {0};
            put_outside(&line, &d->forms.items[k], "\n**");
            if (line.count) {
                line.items[--line.count] = '\0';      /* the sentence in bold, then its line end */
                sb_puts(&line, "**\n");
                md_add(doc, &line);
            }
            sb_free(&line);
            continue;
        }
        sb_puts(&same, same.count ? tr(", ") : "");
        md_code(&same, d->forms.items[k].name);
    }
    bool capacity = first_of(d, S_CAPACITY, -1) != NULL;
    if (capacity && (any_change(d, S_CAPACITY, -1) || any_change(d, S_CAPACITY_COUNTY, -1))) md_capacity(doc, d);
    else if (capacity) {
        sb_puts(&same, same.count ? tr(", ") : "");
        sb_puts(&same, tr("the capacity plan"));
    }
    if (same.count) {
        StrBuf line = {0};
        sb_printf(&line, tr("\nNo cell changes in: %s.\n"), sb_str(&same));
        md_add(doc, &line);
        sb_free(&line);
    }
    sb_free(&same);
}

/* ---- the changed people, one line each ---- */

static const char *or_none(const char *s) { return s && *s ? s : tr("none"); }

/* Why a person was not evaluated, stored in English, in the reader's language. */
static const char *why_not(const char *why) { return why && *why ? msg_text(why) : tr("none"); }

/* Whether category c is in the '|'-joined list. */
static bool has_category(const char *list, const char *c, size_t n)
{
    for (const char *s = list; *s;) {
        const char *e = strchr(s, '|');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == n && !strncmp(s, c, n)) return true;
        if (!e) break;
        s = e + 1;
    }
    return false;
}

/* The categories of `a` that `b` lacks, joined by ", ". */
static void categories_missing(StrBuf *out, const char *a, const char *b)
{
    for (const char *s = a; *s;) {
        const char *e = strchr(s, '|');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (!has_category(b, s, len)) {
            if (out->count) sb_puts(out, ", ");
            sb_putn(out, s, len);
        }
        if (!e) break;
        s = e + 1;
    }
}

/* A clause of the reason, after "; " when one came before. */
static void clause(StrBuf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void clause(StrBuf *out, const char *fmt, ...)
{
    if (out->count) sb_puts(out, tr("; "));
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(out, fmt, ap);
    va_end(ap);
}

static void year_of(const Outcome *o, char out[24])
{
    if (o->has_year) snprintf(out, 24, "%lld", (long long)o->year);
    else snprintf(out, 24, "%s", tr("none"));
}

/* What changed for a person, in one line: each part of the outcome that differs, as a label
 * with before → after; a year that moved alone is said to be the schedule's doing. */
static void person_reason(const Diff *d, const Person *p, StrBuf *out)
{
    if (!p->was.present || !p->now.present) {
        if (!p->was.present) clause(out, tr("not evaluated by the old rules: %s"), why_not(p->why[0]));
        if (!p->now.present) clause(out, tr("not evaluated by the new rules: %s"), why_not(p->why[1]));
        return;
    }
    const Outcome *a = &p->was, *b = &p->now;
    StrBuf added = {0}, dropped = {0};
    categories_missing(&added, b->categories, a->categories);
    categories_missing(&dropped, a->categories, b->categories);
    if (added.count) clause(out, tr("categories added: %s"), sb_str(&added));
    if (dropped.count) clause(out, tr("categories dropped: %s"), sb_str(&dropped));
    sb_free(&added);
    sb_free(&dropped);
    if (strcmp(a->primary, b->primary)) clause(out, tr("primary category: %s → %s"), or_none(a->primary), or_none(b->primary));
    bool moved = strcmp(a->placement, b->placement) != 0;
    if (moved) clause(out, tr("%s: %s → %s"), d->placement_name, or_none(a->placement), or_none(b->placement));
    char ya[24], yb[24];
    year_of(a, ya);
    year_of(b, yb);
    if (strcmp(ya, yb)) {
        bool alone = out->count == 0;
        clause(out, tr("year: %s → %s"), ya, yb);
        if (alone) clause(out, tr("categories and %s unchanged: the schedule's shares or ranking moved the year"),
                          d->placement_name);
    }
}

static void md_people(MdDoc *doc, const Diff *d, int limit)
{
    size_t n = d->people.count < (size_t)limit ? d->people.count : (size_t)limit;
    if (!n) return;
    MdTable t = {.doc = doc};
    if (n < d->changed)
        sb_printf(&t.head, tr("\n#### Changed people: %llu, the first %zu by key\n\n"), (unsigned long long)d->changed, n);
    else sb_printf(&t.head, tr("\n#### Changed people: %llu\n\n"), (unsigned long long)d->changed);
    for (size_t i = 0; i < n; i++) {
        const Person *p = &d->people.items[i];
        StrBuf reason = {0}, row = {0};
        person_reason(d, p, &reason);
        sb_puts(&row, "- ");
        md_code(&row, p->key);
        sb_puts(&row, tr(": "));
        md_text(&row, sb_str(&reason), 600);
        sb_putc(&row, '\n');
        md_table_row(&t, &row);
        sb_free(&row);
        sb_free(&reason);
    }
    md_table_end(&t);
}

/* ---- the verdict and the whole comment ---- */

static void md_verdict(MdDoc *doc, const Diff *d, const DiffMarkdown *opt)
{
    StrBuf v = {0};
    sb_printf(&v, d->changed == 1 ? tr("**%llu person changes category, placement or year.**")
                                  : tr("**%llu people change category, placement or year.**"),
              (unsigned long long)d->changed);
    if (opt->approval_note) {
        sb_puts(&v, " ");
        md_text(&v, opt->approval_note, 0);
    }
    StrBuf path = {0};
    if (d->checked) md_code(&path, d->expect_path);
    if (d->checked && d->mismatches.count)
        sb_printf(&v, d->mismatches.count == 1 ? tr(" ❌ **%zu figure differs from the approved changes** (%s).\n")
                                               : tr(" ❌ **%zu figures differ from the approved changes** (%s).\n"),
                  d->mismatches.count, sb_str(&path));
    else if (d->checked)
        sb_printf(&v, d->approvals == 1 ? tr(" ✅ Every figure is as approved (%s, %zu line).\n")
                                        : tr(" ✅ Every figure is as approved (%s, %zu lines).\n"),
                  sb_str(&path), d->approvals);
    else sb_puts(&v, tr(" No approved-changes file was checked.\n"));
    sb_free(&path);
    md_add(doc, &v);
    sb_free(&v);
    if (!d->checked || !d->mismatches.count) return;
    MdTable t = {.doc = doc};
    sb_puts(&t.head, tr("\n#### Differences from the approved changes\n\n"));
    for (size_t i = 0; i < d->mismatches.count; i++) {
        StrBuf row = {0};
        sb_puts(&row, "- ");
        md_code(&row, msg_text(d->mismatches.items[i]));
        sb_putc(&row, '\n');
        md_table_row(&t, &row);
        sb_free(&row);
    }
    md_table_end(&t);
}

static void md_header(MdDoc *doc, const Diff *d, const DiffMarkdown *opt)
{
    StrBuf h = {0}, a = {0}, b = {0};
    sb_puts(&h, "### ");
    if (opt->title) {
        md_text(&h, opt->title, 0);
    } else {
        md_code(&a, d->side[0].rules_path);
        md_code(&b, d->side[1].rules_path);
        sb_printf(&h, tr("Rule change: %s → %s"), sb_str(&a), sb_str(&b));
    }
    sb_puts(&h, "\n\n");
    if (d->population) {
        sb_free(&a);
        md_code(&a, d->population);
        sb_printf(&h, tr("Population %s: %llu persons, as of %s."), sb_str(&a), (unsigned long long)d->side[1].run.persons,
                  d->side[1].run.as_of);
    } else {
        sb_printf(&h, tr("A ledger of %llu persons, as of %s."), (unsigned long long)d->side[1].run.persons,
                  d->side[1].run.as_of);
    }
    sb_free(&a);
    sb_free(&b);
    sb_puts(&h, "\n\n");
    md_add(doc, &h);
    sb_free(&h);
}

static void md_footer(StrBuf *f, const DiffMarkdown *opt)
{
    sb_puts(f, "\n---\n");
    if (opt->full_text && opt->full_json) {
        StrBuf text = {0}, json = {0};
        md_code(&text, opt->full_text);
        md_code(&json, opt->full_json);
        sb_printf(f, tr("The full report, with both explanations of every listed person, is in %s (text) and %s (JSON)."),
                  sb_str(&text), sb_str(&json));
        sb_free(&text);
        sb_free(&json);
    } else {
        sb_puts(f, tr("The full report, with both explanations of every listed person, is printed by "
                      "`doudi diff --format text` (or `--format json`)."));
    }
    sb_puts(f, opt->show_ids ? tr(" Resident ids are shown in full.\n") : tr(" Resident ids are masked.\n"));
}

void diff_render_markdown(const Diff *d, const DiffMarkdown *opt, StrBuf *out)
{
    StrBuf footer = {0}, cut = {0};
    md_footer(&footer, opt);
    size_t limit = opt->limit ? opt->limit : DIFF_MARKDOWN_LIMIT;
    sb_printf(&cut, tr("\n*This comment stops at %zu bytes: what is left out is in the full report.*\n"), limit);
    MdDoc doc = {.limit = limit, .reserve = footer.count + cut.count + 64};
    md_header(&doc, d, opt);
    md_verdict(&doc, d, opt);
    md_categories(&doc, d);
    md_simple(&doc, d, S_PLACEMENT, tr("People per placement"), d->placement_name, false);
    md_simple(&doc, d, S_YEAR, tr("People per year"), tr("year"), false);
    md_category_years(&doc, d);
    md_moves(&doc, d);
    md_cells(&doc, d);
    md_people(&doc, d, opt->people);
    if (doc.full) md_close(&doc, &cut);
    md_close(&doc, &footer);
    if (!opt->show_ids) resident_id_mask(doc.out.items);
    sb_putn(out, doc.out.items, doc.out.count);
    sb_free(&doc.out);
    sb_free(&footer);
    sb_free(&cut);
}
