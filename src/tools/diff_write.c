/* diff_write.c — `doudi diff ... --write-expect FILE`: the approved-changes file the diff
 * would pass with (docs/rule-changes.md), written over an existing one with the least change.
 *
 * An existing file keeps its comments, blank lines, order and spacing. Of its figure lines,
 * one whose change is still as written stays byte for byte; one whose change moved gets only
 * its value rewritten (its words, its spacing and its comment stay); one whose figure no
 * longer changes is removed — except `changed`, which a reviewer writes to state how many
 * people move, 0 included. The figures that change and no line approves are appended in the
 * report's order, each as the line `unapproved change:` would name it. County cells are
 * written one by one, as the text report lists them, when there are at most 20 of a form (or
 * of the capacity plan) to add and each county can be named; otherwise the bulk line
 * `form F counties: N` approves them. A file that does not exist yet starts with a comment
 * naming both rule files and the population, then `changed: N`.
 *
 * Nothing is written here: the caller replaces the file (atomically) with the text. */
#include "diff_int.h"
#include "base/msg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_COUNTY_LINES = 20 };  /* as many county figures as the text report lists one by one */

typedef struct Writer {
    const Diff *d;
    const char *path;
    StrBuf *out, *log;
    bool *approved;            /* per figure: a line of the file names it */
    int changes;
} Writer;

static size_t lines_in(const StrBuf *sb)
{
    size_t n = 0;
    for (size_t i = 0; i < sb->count; i++) n += sb->items[i] == '\n';
    return n;
}

/* A line's value: after the last ':' before any '#', up to a blank, a '#' or the end. */
static bool value_span(const char *line, size_t n, size_t *vs, size_t *ve)
{
    const char *hash = memchr(line, '#', n);
    size_t end = hash ? (size_t)(hash - line) : n;
    size_t colon = end;
    while (colon > 0 && line[colon - 1] != ':') colon--;
    if (colon == 0) return false;
    size_t s = colon;
    while (s < end && (line[s] == ' ' || line[s] == '\t')) s++;
    size_t e = s;
    while (e < end && line[e] != ' ' && line[e] != '\t' && line[e] != '\r') e++;
    *vs = s;
    *ve = e;
    return e > s;
}

/* One line of the existing file (without its '\n'), approving figure `a`. The log names a
 * rewritten or added line by its number in the new text, a removed one by its old number. */
static void keep_line(Writer *w, const char *line, size_t n, bool newline, const Approval *a)
{
    const Figure *f = diff_find_figure(w->d, a->name);
    if (f) w->approved[f - w->d->figs.items] = true;
    Figure zero = {a->name, (uint8_t)a->kind, 0, -1, -1, 0, 0};
    if (!f) f = &zero;
    int64_t actual = change_of(f);
    size_t vs, ve;
    StrBuf was = {0}, now = {0};
    diff_put_change(&was, f, a->value);
    diff_put_change(&now, f, actual);
    if (actual == a->value || !value_span(line, n, &vs, &ve)) {
        sb_putn(w->out, line, n);
        if (newline) sb_putc(w->out, '\n');
    } else if (actual == 0 && strcmp(a->name, "changed")) {
        sb_printf(w->log, tr("%s:%zu: %s: %s removed: the figure no longer changes\n"), w->path, a->line, f->name,
                  sb_str(&was));
        w->changes++;
    } else {
        size_t at = lines_in(w->out) + 1;
        sb_putn(w->out, line, vs);
        sb_puts(w->out, sb_str(&now));
        sb_putn(w->out, line + ve, n - ve);
        if (newline) sb_putc(w->out, '\n');
        sb_printf(w->log, "%s:%zu: %s: %s → %s\n", w->path, at, f->name, sb_str(&was), sb_str(&now));
        w->changes++;
    }
    sb_free(&was);
    sb_free(&now);
}

/* The existing file, line by line, its figure lines checked against the diff. */
static void rewrite_existing(Writer *w, const char *text, size_t len, const Approvals *ap)
{
    size_t line = 0, k = 0;
    for (const char *s = text; s < text + len;) {
        const char *e = memchr(s, '\n', (size_t)(text + len - s));
        size_t n = e ? (size_t)(e - s) : (size_t)(text + len - s);
        line++;
        if (k < ap->count && ap->items[k].line == line) {
            keep_line(w, s, n, e != NULL, &ap->items[k++]);
        } else {
            sb_putn(w->out, s, n);
            if (e) sb_putc(w->out, '\n');
        }
        s = e ? e + 1 : text + len;
    }
    if (w->out->count && w->out->items[w->out->count - 1] != '\n') sb_putc(w->out, '\n');
}

static void add_line(Writer *w, const Figure *f)
{
    StrBuf v = {0};
    diff_put_change(&v, f, change_of(f));
    sb_printf(w->out, "%s: %s\n", f->name, sb_str(&v));
    sb_printf(w->log, tr("%s:%zu: %s: %s added\n"), w->path, lines_in(w->out), f->name, sb_str(&v));
    w->changes++;
    sb_free(&v);
}

/* A county's name as a figure line can hold it: no blank, no ':' or '#', not a keyword. */
static bool nameable_county(const Figure *f)
{
    if (strchr(f->name, ':') || strchr(f->name, '#') || strchr(f->name, '\t')) return false;
    size_t words = 0, at = f->section == S_FORM_COUNTY ? 2 : 1;   /* the county's word */
    const char *county = NULL;
    for (const char *s = f->name; *s; s++)
        if (*s == ' ' && ++words == at) county = s + 1;
    if (!county || !strncmp(county, "city ", 5) || !strncmp(county, "counties ", 9)) return false;
    return words == (f->section == S_FORM_COUNTY ? 4u : 3u);
}

/* Per `counties` figure: approve its county cells in bulk (more than the report lists, or a
 * county no line can name). */
static bool *bulk_choice(const Writer *w)
{
    const Diff *d = w->d;
    size_t *n = xcalloc(d->figs.count + 1, sizeof *n);
    bool *bulk = xcalloc(d->figs.count + 1, sizeof *bulk);
    for (size_t i = 0; i < d->figs.count; i++) {
        const Figure *f = &d->figs.items[i];
        if (f->bulk < 0 || w->approved[i] || change_of(f) == 0) continue;
        if (++n[f->bulk] > MAX_COUNTY_LINES || !nameable_county(f)) bulk[f->bulk] = true;
    }
    free(n);
    return bulk;
}

static void add_missing(Writer *w)
{
    const Diff *d = w->d;
    bool *bulk = bulk_choice(w);
    for (size_t i = 0; i < d->figs.count; i++) {
        const Figure *f = &d->figs.items[i];
        if (w->approved[i] || change_of(f) == 0) continue;
        if (f->section == S_FORM_COUNTIES || f->section == S_CAPACITY_COUNTIES) continue;  /* with their cells */
        if (f->bulk >= 0 && w->approved[f->bulk]) continue;
        if (f->bulk >= 0 && bulk[f->bulk]) {
            w->approved[f->bulk] = true;
            add_line(w, &d->figs.items[f->bulk]);
            continue;
        }
        add_line(w, f);
    }
    free(bulk);
}

static void header(Writer *w)
{
    const Diff *d = w->d;
    /* the file's own comment, in the language of the examples */
    sb_printf(w->out, "# Approved changes: %s →\n#   %s\n", /* not a message */
              d->side[0].rules_path ? d->side[0].rules_path : "", d->side[1].rules_path ? d->side[1].rules_path : "");
    if (d->population) sb_printf(w->out, "# over %s. Grammar: docs/rule-changes.md.\n", d->population); /* not a message */
    else sb_puts(w->out, "# Grammar: docs/rule-changes.md.\n"); /* not a message */
    const Figure *changed = diff_find_figure(d, "changed");
    if (changed) {
        w->approved[changed - d->figs.items] = true;
        add_line(w, changed);
    }
}

int diff_write_expect(Diff *d, const char *path, StrBuf *out, StrBuf *log, char **error)
{
    size_t len = 0;
    char *text = read_file(path, &len);
    if (!text && errno != ENOENT) {
        diff_failf(error, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    Approvals ap = {0};
    StrBuf errors = {0};
    if (text && !diff_parse_approvals(d, path, text, len, &ap, &errors)) {
        if (errors.count && errors.items[errors.count - 1] == '\n') errors.items[--errors.count] = '\0';
        *error = sb_take(&errors);
        for (size_t i = 0; i < ap.count; i++) free(ap.items[i].name);
        VEC_FREE(&ap);
        free(text);
        return -1;
    }
    sb_free(&errors);
    Writer w = {d, path, out, log, xcalloc(d->figs.count + 1, sizeof(bool)), 0};
    if (text) rewrite_existing(&w, text, len, &ap);
    else header(&w);
    add_missing(&w);
    for (size_t i = 0; i < ap.count; i++) free(ap.items[i].name);
    VEC_FREE(&ap);
    free(w.approved);
    free(text);
    return w.changes;
}
