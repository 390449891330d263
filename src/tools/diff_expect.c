/* diff_expect.c — an approved-changes file (docs/rule-changes.md) checked against a diff's
 * figures (see diff.h). */
#include "diff_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the approved-changes file --------------------------------------------------------------- */

static bool all_digits(const char *s)
{
    if (!*s) return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return false;
    return true;
}

static bool year_token(const char *s, bool review_ok)
{
    return (all_digits(s) && strlen(s) <= 9) || !strcmp(s, "none") || (review_ok && !strcmp(s, "review"));
}

/* Split a line's figure into words (in a copy the caller frees); "->" and "→" are words of
 * their own, with or without spaces around them. */
static char *split_words(const char *line, char **w, size_t max, size_t *count)
{
    StrBuf sb = {0};
    for (const char *s = line; *s; s++) {
        if (!strncmp(s, "->", 2)) {
            sb_puts(&sb, " -> ");
            s++;
        } else if (!strncmp(s, "\xe2\x86\x92", 3)) {
            sb_puts(&sb, " -> ");
            s += 2;
        } else {
            sb_putc(&sb, *s == '\t' ? ' ' : *s);
        }
    }
    char *buf = sb_take(&sb);
    size_t n = 0;
    for (char *s = buf; *s;) {
        while (*s == ' ') s++;
        if (!*s) break;
        if (n < max) w[n] = s;
        n++;
        while (*s && *s != ' ') s++;
        if (*s) *s++ = '\0';
    }
    *count = n;
    return buf;
}

/* Read the figure named by a line's words into a canonical name; NULL with a message. */
static char *figure_of(const Diff *d, char **w, size_t n, int *kind, StrBuf *msg)
{
    StrBuf sb = {0};
    const char *cat = NULL, *year = NULL;
    *kind = FIG_DELTA;
    if (n == 1 && !strcmp(w[0], "changed")) {
        *kind = FIG_COUNT;
        sb_puts(&sb, "changed"); /* not a message: made in English, shown by msg_text; or a figure's name */
    } else if (n == 2 && !strcmp(w[0], "category")) {
        if (strcmp(w[1], "none") && strcmp(w[1], "review") && !diff_known(d, "category", w[1], NULL))
            sb_printf(msg, "no category '%s' in either rule file", w[1]); /* not a message: made in English, shown by msg_text; or a figure's name */
        else sb_printf(&sb, "category %s", w[1]); /* not a message: made in English, shown by msg_text; or a figure's name */
    } else if (n == 3 && !strcmp(w[0], "category")) {
        cat = w[1], year = w[2];
    } else if (n == 2 && !strcmp(w[0], "member")) {
        if (!diff_known(d, "category", w[1], NULL)) sb_printf(msg, "no category '%s' in either rule file", w[1]); /* not a message: made in English, shown by msg_text; or a figure's name */
        else sb_printf(&sb, "member %s", w[1]); /* not a message: made in English, shown by msg_text; or a figure's name */
    } else if ((n == 2 || (n == 4 && !strcmp(w[2], "->"))) &&
               !strcmp(w[0], "placement")) {
        for (size_t i = 1; i < n && !msg->count; i += 2)
            if (strcmp(w[i], "none") && strcmp(w[i], "review") && !diff_known(d, "placement", w[i], NULL))
                sb_printf(msg, "no placement '%s' in either rule file", w[i]); /* not a message: made in English, shown by msg_text; or a figure's name */
        if (!msg->count && n == 4 && !strcmp(w[1], w[3]))
            sb_printf(msg, "'%s -> %s' is no move: a transition goes from one placement to another", w[1], w[3]); /* not a message: made in English, shown by msg_text; or a figure's name */
        if (!msg->count && n == 2) sb_printf(&sb, "placement %s", w[1]); /* not a message: made in English, shown by msg_text; or a figure's name */
        if (!msg->count && n == 4) {
            *kind = FIG_COUNT;
            sb_printf(&sb, "placement %s -> %s", w[1], w[3]); /* not a message: made in English, shown by msg_text; or a figure's name */
        }
    } else if (n == 2 && !strcmp(w[0], "year")) {
        if (!year_token(w[1], true)) sb_printf(msg, "'%s' is no year (a year, none or review)", w[1]); /* not a message: made in English, shown by msg_text; or a figure's name */
        else if (all_digits(w[1])) sb_printf(&sb, "year %lld", atoll(w[1])); /* not a message: made in English, shown by msg_text; or a figure's name */
        else sb_printf(&sb, "year %s", w[1]); /* not a message: made in English, shown by msg_text; or a figure's name */
    } else if (n == 3 && !strcmp(w[0], "form") && !strcmp(w[2], "counties")) {
        if (!diff_known(d, "form", w[1], NULL)) sb_printf(msg, "no form '%s' in the new rule file", w[1]); /* not a message: made in English, shown by msg_text; or a figure's name */
        else {
            *kind = FIG_COUNT;
            sb_printf(&sb, "form %s counties", w[1]); /* not a message: made in English, shown by msg_text; or a figure's name */
        }
    } else if (n == 5 && !strcmp(w[0], "form")) {
        if (!diff_known(d, "form", w[1], NULL)) sb_printf(msg, "no form '%s' in the new rule file", w[1]); /* not a message: made in English, shown by msg_text; or a figure's name */
        else if (!diff_known(d, "row", w[1], w[3])) sb_printf(msg, "form %s has no row '%s'", w[1], w[3]); /* not a message: made in English, shown by msg_text; or a figure's name */
        else if (!diff_known(d, "column", w[1], w[4])) sb_printf(msg, "form %s has no column '%s'", w[1], w[4]); /* not a message: made in English, shown by msg_text; or a figure's name */
        else sb_printf(&sb, "form %s %s %s %s", w[1], w[2], w[3], w[4]); /* not a message: made in English, shown by msg_text; or a figure's name */
    } else if (n == 2 && !strcmp(w[0], "capacity") && !strcmp(w[1], "counties")) {
        *kind = FIG_COUNT;
        sb_puts(&sb, "capacity counties"); /* not a message: made in English, shown by msg_text; or a figure's name */
    } else if (n == 4 && !strcmp(w[0], "capacity")) {
        if (!diff_known(d, "type", w[2], NULL)) sb_printf(msg, "no institution type '%s' in the capacity plan", w[2]); /* not a message: made in English, shown by msg_text; or a figure's name */
        else if (!diff_known(d, "plan", w[3], NULL))
            sb_printf(msg, "no number '%s' in the capacity plan (demand, required_beds, existing, existing_beds, " /* not a message: made in English, shown by msg_text; or a figure's name */
                           "new, upgrades, tasks, build_YEAR)", w[3]);
        else sb_printf(&sb, "capacity %s %s %s", w[1], w[2], w[3]); /* not a message: made in English, shown by msg_text; or a figure's name */
    } else if (n == 2 && !diff_is_keyword(w[0])) {
        cat = w[0], year = w[1];
    } else {
        sb_puts(msg, "not a figure (docs/rule-changes.md lists them: changed, category, member, placement, year, " /* not a message: made in English, shown by msg_text; or a figure's name */
                     "CATEGORY YEAR, form, capacity)");
    }
    if (cat) {
        if (!diff_known(d, "category", cat, NULL)) sb_printf(msg, "no category '%s' in either rule file", cat); /* not a message: made in English, shown by msg_text; or a figure's name */
        else if (!year_token(year, false)) sb_printf(msg, "'%s' is no year (a year or none)", year); /* not a message: made in English, shown by msg_text; or a figure's name */
        else {
            char y[24];
            if (all_digits(year)) snprintf(y, sizeof y, "%lld", atoll(year));
            else snprintf(y, sizeof y, "%s", year);
            diff_catyear_name(&sb, cat, y);
        }
    }
    if (msg->count) {
        sb_free(&sb);
        return NULL;
    }
    return sb_take(&sb);
}

/* "+12", "-3", "0" for a change; "40" for a count. */
static bool read_value(const char *s, int kind, int64_t *out, StrBuf *msg)
{
    bool sign = *s == '+' || *s == '-';
    const char *digits = s + sign;
    if (!all_digits(digits) || strlen(digits) > 15) {
        if (kind == FIG_COUNT) sb_printf(msg, "'%s' is not a number: write a count, e.g. 40", s); /* not a message: made in English, shown by msg_text; or a figure's name */
        else sb_printf(msg, "'%s' is not a number: write a change, e.g. +12, -3 or 0", s); /* not a message: made in English, shown by msg_text; or a figure's name */
        return false;
    }
    int64_t v = atoll(digits);
    if (kind == FIG_COUNT && sign) {
        sb_printf(msg, "a count is written without a sign: %lld", (long long)v); /* not a message: made in English, shown by msg_text; or a figure's name */
        return false;
    }
    if (kind == FIG_DELTA && !sign && v != 0) {
        sb_printf(msg, "a change is written with its sign: +%lld or -%lld", (long long)v, (long long)v); /* not a message: made in English, shown by msg_text; or a figure's name */
        return false;
    }
    *out = *s == '-' ? -v : v;
    return true;
}

bool diff_parse_approvals(const Diff *d, const char *path, const char *text, size_t len, Approvals *out,
                          StrBuf *errors)
{
    size_t line = 0;
    for (const char *s = text; s < text + len;) {
        const char *e = memchr(s, '\n', (size_t)(text + len - s));
        size_t n = e ? (size_t)(e - s) : (size_t)(text + len - s);
        char *buf = xstrndup(s, n);
        s = e ? e + 1 : text + len;
        line++;
        char *hash = strchr(buf, '#');
        if (hash) *hash = '\0';
        size_t bl = strlen(buf);
        while (bl && (buf[bl - 1] == ' ' || buf[bl - 1] == '\t' || buf[bl - 1] == '\r')) buf[--bl] = '\0';
        char *t = buf;
        while (*t == ' ' || *t == '\t') t++;
        if (line == 1 && !strncmp(t, "\xef\xbb\xbf", 3)) t += 3;
        if (!*t) {
            free(buf);
            continue;
        }
        StrBuf msg = {0};
        char *colon = strrchr(t, ':');
        char *w[8], *words = NULL;
        size_t nw = 0;
        char *name = NULL;
        int kind = FIG_DELTA;
        int64_t v = 0;
        if (!colon) {
            sb_puts(&msg, "expected FIGURE: CHANGE, e.g. 'category tekun: -3'"); /* not a message: made in English, shown by msg_text; or a figure's name */
        } else {
            *colon = '\0';
            char *val = colon + 1;
            while (*val == ' ' || *val == '\t') val++;
            words = split_words(t, w, 8, &nw);
            if (nw == 0) sb_puts(&msg, "no figure before ':'"); /* not a message: made in English, shown by msg_text; or a figure's name */
            else if (nw > 8) sb_puts(&msg, "not a figure (too many words)"); /* not a message: made in English, shown by msg_text; or a figure's name */
            else if ((name = figure_of(d, w, nw, &kind, &msg)) != NULL && read_value(val, kind, &v, &msg)) {
                for (size_t i = 0; i < out->count; i++)
                    if (!strcmp(out->items[i].name, name)) {
                        sb_printf(&msg, "'%s' is already approved on line %zu", name, out->items[i].line); /* not a message: made in English, shown by msg_text; or a figure's name */
                        break;
                    }
            }
        }
        if (msg.count) {
            sb_printf(errors, "%s:%zu: %s\n", path, line, sb_str(&msg));
            free(name);
        } else {
            Approval a = {name, kind, v, line};
            VEC_PUSH(out, a);
        }
        sb_free(&msg);
        free(words);
        free(buf);
    }
    return errors->count == 0;
}

static void add_mismatch(Diff *d, StrBuf *out, StrBuf *line)
{
    VEC_PUSH(&d->mismatches, xstrdup(sb_str(line)));
    if (out) sb_printf(out, "%s\n", sb_str(line));
    line->count = 0;
}

int diff_expect(Diff *d, const char *path, StrBuf *mismatches, char **error)
{
    size_t len = 0;
    char *text = read_file(path, &len);
    if (!text) {
        diff_failf(error, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    Approvals ap = {0};
    StrBuf errors = {0};
    bool ok = diff_parse_approvals(d, path, text, len, &ap, &errors);
    free(text);
    if (!ok) {
        if (errors.count && errors.items[errors.count - 1] == '\n') errors.items[--errors.count] = '\0';
        *error = sb_take(&errors);
        for (size_t i = 0; i < ap.count; i++) free(ap.items[i].name);
        VEC_FREE(&ap);
        return -1;
    }
    sb_free(&errors);
    diff_names_free(&d->mismatches);
    free(d->expect_path);
    d->expect_path = xstrdup(path);
    d->checked = true;
    d->approvals = ap.count;
    bool *approved = xcalloc(d->figs.count + 1, sizeof *approved);
    StrBuf line = {0};
    for (size_t i = 0; i < ap.count; i++) {
        const Approval *a = &ap.items[i];
        const Figure *f = diff_find_figure(d, a->name);
        Figure zero = {a->name, (uint8_t)a->kind, 0, -1, -1, 0, 0};
        if (f) approved[f - d->figs.items] = true;
        else f = &zero;
        int64_t actual = change_of(f);
        if (actual == a->value) continue;
        sb_printf(&line, "%s:%zu: expected ", path, a->line); /* not a message: made in English, shown by msg_text; or a figure's name */
        diff_put_change(&line, f, a->value);
        sb_puts(&line, ", actual ");
        diff_put_change(&line, f, actual);
        if (f->kind == FIG_DELTA)
            sb_printf(&line, " (%s: %lld → %lld)", f->name, (long long)f->before, (long long)f->after);
        else sb_printf(&line, " (%s)", f->name);
        add_mismatch(d, mismatches, &line);
    }
    for (size_t i = 0; i < d->figs.count; i++) {
        const Figure *f = &d->figs.items[i];
        if (approved[i] || change_of(f) == 0) continue;
        if (f->bulk >= 0 && approved[f->bulk]) continue;           /* approved by its `counties` line */
        if (f->section == S_FORM_COUNTIES || f->section == S_CAPACITY_COUNTIES) continue; /* cell by cell */
        sb_printf(&line, "unapproved change: %s: ", f->name); /* not a message: made in English, shown by msg_text; or a figure's name */
        diff_put_change(&line, f, change_of(f));
        if (f->kind == FIG_DELTA) sb_printf(&line, " (%lld → %lld)", (long long)f->before, (long long)f->after);
        add_mismatch(d, mismatches, &line);
    }
    sb_free(&line);
    free(approved);
    for (size_t i = 0; i < ap.count; i++) free(ap.items[i].name);
    VEC_FREE(&ap);
    return d->mismatches.count ? 1 : 0;
}
