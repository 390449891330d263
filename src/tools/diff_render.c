/* diff_render.c — a diff's report as text and as JSON (see diff.h). */
#include "diff_int.h"

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
    if (!put_figures(out, d, s, -1, changed_only)) sb_puts(out, "  (no change)\n");
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
        sb_puts(out, "not evaluated (in review)");
        return;
    }
    if (!*o->primary) {
        sb_printf(out, "not a target%s%s", *o->categories ? ", categories " : "", o->categories);
        return;
    }
    sb_printf(out, "categories %s, primary %s, %s %s, year ", o->categories, o->primary, d->placement_name,
              *o->placement ? o->placement : "none");
    if (o->has_year) sb_printf(out, "%lld", (long long)o->year);
    else sb_puts(out, "none");
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
    for (size_t i = 0; i < nv; i++) label[i] = i < np ? d->places.items[i] : i == np ? "none" : "review";
    int first = width_of("before \\ after");
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
    put_padded(out, "before \\ after", first);
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
    sb_printf(out, "%s rules: %s\n  run as of %s: %llu persons, %llu targets, %llu scheduled, %llu in review\n", which,
              s->rules_path, s->run.as_of, (unsigned long long)s->run.persons, (unsigned long long)s->run.targets,
              (unsigned long long)s->run.scheduled, (unsigned long long)s->run.review);
    if (s->imported) {
        sb_printf(out, "  imported with them: persons.csv %llu rows, %llu rejected", (unsigned long long)s->persons.rows,
                  (unsigned long long)s->persons.review);
        if (s->has_institutions)
            sb_printf(out, "; institutions.csv %llu rows, %llu rejected", (unsigned long long)s->institutions.rows,
                      (unsigned long long)s->institutions.review);
        sb_putc(out, '\n');
    }
}

void diff_render_text(const Diff *d, StrBuf *out)
{
    if (d->population)
        sb_printf(out, "population: %s (%s)\n", d->population,
                  d->population_is_ledger ? "a ledger, run in a temporary copy" : "imported into a temporary ledger");
    put_side(out, &d->side[0], "old");
    put_side(out, &d->side[1], "new");
    sb_printf(out, "\nchanged: %llu %s\n", (unsigned long long)d->changed, d->changed == 1 ? "person" : "persons");
    put_section(out, d, S_CATEGORY, "people per primary category", false);
    put_section(out, d, S_MEMBER, "people in each category (a person may be in several)", false);
    put_section(out, d, S_PLACEMENT, "people per placement", false);
    put_section(out, d, S_YEAR, "people per year", false);
    put_section(out, d, S_CATYEAR, "people per primary category and year: the changes", true);
    sb_printf(out, "\ntransitions: %s before (rows) × after (columns)\n", d->placement_name);
    put_matrix(out, d);
    put_section(out, d, S_TRANSITION, "moves", false);

    sb_printf(out, "\nchanged people: %llu", (unsigned long long)d->changed);
    if (d->people.count < d->changed) sb_printf(out, ", the first %zu by key", d->people.count);
    sb_putc(out, '\n');
    for (size_t i = 0; i < d->people.count; i++) {
        const Person *p = &d->people.items[i];
        sb_printf(out, "\n  %s\n    before: ", p->key);
        put_outcome(out, d, &p->was);
        sb_puts(out, "\n    after:  ");
        put_outcome(out, d, &p->now);
        sb_putc(out, '\n');
        for (int s = 0; s < 2; s++) {
            sb_printf(out, "    -- explanation by the %s rules", s ? "new" : "old");
            if (s && p->explain[0][0] && p->explain[1][0] && !strcmp(p->explain[0][0], p->explain[1][0])) {
                sb_puts(out, ": the same, word for word\n");
                continue;
            }
            sb_putc(out, '\n');
            if (p->explain[s][0]) put_indented(out, p->explain[s][0], "      ");
            else sb_printf(out, "      not evaluated: %s\n", p->why[s]);
        }
    }

    for (size_t k = 0; k < d->forms.count; k++) {
        sb_printf(out, "\nform %s %s: the city's cells that changed\n", d->forms.items[k].name, d->forms.items[k].label);
        if (!put_figures(out, d, S_FORM, (int)k, true)) sb_puts(out, "  (no change)\n");
        const Figure *c = first_of(d, S_FORM_COUNTIES, (int)k);
        sb_printf(out, "  county cells changed: %lld  (`%s: N`, or each as `form %s COUNTY ROW COLUMN`)\n",
                  c ? (long long)c->after : 0LL, c ? c->name : "", d->forms.items[k].name);
        if (c && c->after && c->after <= LIST_COUNTY_CELLS) put_figures(out, d, S_FORM_COUNTY, (int)k, true);
    }
    if (first_of(d, S_CAPACITY, -1)) {
        sb_puts(out, "\ncapacity plan: the city's numbers that changed\n");
        if (!put_figures(out, d, S_CAPACITY, -1, true)) sb_puts(out, "  (no change)\n");
        const Figure *c = first_of(d, S_CAPACITY_COUNTIES, -1);
        sb_printf(out, "  county numbers changed: %lld  (`capacity counties: N`, or each as `capacity COUNTY TYPE "
                       "NUMBER`)\n",
                  c ? (long long)c->after : 0LL);
        if (c && c->after && c->after <= LIST_COUNTY_CELLS) put_figures(out, d, S_CAPACITY_COUNTY, -1, true);
    }
    if (d->checked) {
        sb_printf(out, "\napproved changes: %s (%zu %s)\n", d->expect_path, d->approvals,
                  d->approvals == 1 ? "figure" : "figures");
        for (size_t i = 0; i < d->mismatches.count; i++) sb_printf(out, "  %s\n", d->mismatches.items[i]);
        if (d->mismatches.count)
            sb_printf(out, "%zu %s from the approved changes\n", d->mismatches.count,
                      d->mismatches.count == 1 ? "figure differs" : "figures differ");
        else sb_puts(out, "every figure is as approved\n");
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
