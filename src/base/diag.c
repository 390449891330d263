/* diag.c — see diag.h. */
#include "diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void index_lines(SourceFile *sf)
{
    size_t cap = 64, n = 0;
    sf->line_starts = xmalloc(cap * sizeof *sf->line_starts);
    sf->line_starts[n++] = 0;
    for (size_t i = 0; i < sf->len; i++) {
        if (sf->text[i] != '\n') continue;
        if (n == cap) {
            cap *= 2;
            sf->line_starts = xrealloc(sf->line_starts, cap * sizeof *sf->line_starts);
        }
        sf->line_starts[n++] = (uint32_t)(i + 1);
    }
    sf->line_count = n;
}

SourceFile *source_new(const char *path, const char *text, size_t len)
{
    SourceFile *sf = xcalloc(1, sizeof *sf);
    sf->path = xstrdup(path);
    sf->text = xstrndup(text, len);
    sf->len = len;
    index_lines(sf);
    return sf;
}

SourceFile *source_read(const char *path)
{
    size_t len;
    char *text = read_file(path, &len);
    if (!text) return NULL;
    SourceFile *sf = xcalloc(1, sizeof *sf);
    sf->path = xstrdup(path);
    sf->text = text;
    sf->len = len;
    index_lines(sf);
    return sf;
}

void source_free(SourceFile *sf)
{
    if (!sf) return;
    free(sf->path);
    free(sf->text);
    free(sf->line_starts);
    free(sf);
}

void source_position(const SourceFile *sf, uint32_t offset, int *line, int *col)
{
    size_t lo = 0, hi = sf->line_count;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (sf->line_starts[mid] <= offset) lo = mid; else hi = mid;
    }
    *line = (int)lo + 1;
    uint32_t start = sf->line_starts[lo];
    if (offset > sf->len) offset = (uint32_t)sf->len;
    *col = utf8_chars(sf->text + start, offset - start) + 1;
}

const char *source_line(const SourceFile *sf, int line, size_t *len)
{
    if (line < 1 || (size_t)line > sf->line_count) { *len = 0; return ""; }
    uint32_t start = sf->line_starts[line - 1];
    uint32_t end = (size_t)line < sf->line_count ? sf->line_starts[line] : (uint32_t)sf->len;
    while (end > start && (sf->text[end - 1] == '\n' || sf->text[end - 1] == '\r')) end--;
    *len = end - start;
    return sf->text + start;
}

Span span_join(Span a, Span b)
{
    if (!a.file) return b;
    if (!b.file) return a;
    Span s = a;
    if (b.start < s.start) s.start = b.start;
    if (b.end > s.end) s.end = b.end;
    return s;
}

static char *vformat(const char *fmt, va_list ap)
{
    StrBuf sb = {0};
    sb_vprintf(&sb, fmt, ap);
    return sb_take(&sb);
}

void diag_add(DiagList *dl, DiagSeverity sev, const char *code, Span span, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    Diag d = {.severity = sev, .code = code, .span = span, .message = vformat(fmt, ap)};
    va_end(ap);
    VEC_PUSH(dl, d);
    if (sev == DIAG_ERROR) dl->errors++;
    else if (sev == DIAG_WARNING) dl->warnings++;
}

void diag_note(DiagList *dl, const char *fmt, ...)
{
    if (dl->count == 0) return;
    Diag *d = &dl->items[dl->count - 1];
    va_list ap;
    va_start(ap, fmt);
    free(d->note);
    d->note = vformat(fmt, ap);
    va_end(ap);
    d->note_span = (Span){0};
}

void diag_note_at(DiagList *dl, Span span, const char *fmt, ...)
{
    if (dl->count == 0) return;
    Diag *d = &dl->items[dl->count - 1];
    va_list ap;
    va_start(ap, fmt);
    free(d->note);
    d->note = vformat(fmt, ap);
    va_end(ap);
    d->note_span = span;
}

void diag_free(DiagList *dl)
{
    for (size_t i = 0; i < dl->count; i++) {
        free(dl->items[i].message);
        free(dl->items[i].note);
    }
    free(dl->items);
    memset(dl, 0, sizeof *dl);
}

static int diag_cmp(const Diag *a, const Diag *b)
{
    const char *pa = a->span.file ? a->span.file->path : "";
    const char *pb = b->span.file ? b->span.file->path : "";
    int c = strcmp(pa, pb);
    if (c) return c;
    if (a->span.start != b->span.start) return a->span.start < b->span.start ? -1 : 1;
    return 0;
}

void diag_sort(DiagList *dl)
{
    /* insertion sort: stable, lists are short */
    for (size_t i = 1; i < dl->count; i++) {
        Diag d = dl->items[i];
        size_t j = i;
        while (j > 0 && diag_cmp(&dl->items[j - 1], &d) > 0) {
            dl->items[j] = dl->items[j - 1];
            j--;
        }
        dl->items[j] = d;
    }
}

static const char *severity_name(DiagSeverity s)
{
    return s == DIAG_ERROR ? "error" : s == DIAG_WARNING ? "warning" : "note";
}

/* Source line, then a caret under the span's first character and ~ under the rest of the
 * span on that line; indentation counts display cells (tabs kept as tabs). */
static void render_excerpt(StrBuf *out, const Span *sp)
{
    int line, col;
    source_position(sp->file, sp->start, &line, &col);
    size_t len;
    const char *text = source_line(sp->file, line, &len);
    sb_puts(out, "  ");
    sb_putn(out, text, len);
    sb_puts(out, "\n  ");
    size_t before = sp->start - sp->file->line_starts[line - 1];
    if (before > len) before = len;
    for (size_t i = 0; i < before;) {
        uint32_t cp;
        int n = utf8_decode(text + i, before - i, &cp);
        if (cp == '\t') sb_putc(out, '\t');
        else sb_pad(out, utf8_cp_width(cp));
        i += (size_t)n;
    }
    size_t end = sp->end > sp->start ? sp->end - sp->file->line_starts[line - 1] : before;
    if (end > len) end = len;
    int width = end > before ? utf8_width(text + before, end - before) : 1;
    sb_putc(out, '^');
    for (int i = 1; i < width; i++) sb_putc(out, '~');
    sb_putc(out, '\n');
}

void diag_render(StrBuf *out, const Diag *d)
{
    if (d->span.file) {
        int line, col;
        source_position(d->span.file, d->span.start, &line, &col);
        sb_printf(out, "%s:%d:%d: ", d->span.file->path, line, col);
    }
    sb_printf(out, "%s: %s\n", severity_name(d->severity), d->message);
    if (d->span.file) render_excerpt(out, &d->span);
    if (d->note && d->note_span.file) {
        int line, col;
        source_position(d->note_span.file, d->note_span.start, &line, &col);
        sb_printf(out, "%s:%d:%d: note: %s\n", d->note_span.file->path, line, col, d->note);
        render_excerpt(out, &d->note_span);
    } else if (d->note) {
        sb_printf(out, "  note: %s\n", d->note);
    }
}

void diag_render_all(StrBuf *out, const DiagList *dl)
{
    for (size_t i = 0; i < dl->count; i++) diag_render(out, &dl->items[i]);
}

void diag_render_json(StrBuf *out, const DiagList *dl)
{
    sb_puts(out, "[");
    for (size_t i = 0; i < dl->count; i++) {
        const Diag *d = &dl->items[i];
        int line = 0, col = 0, eline = 0, ecol = 0;
        if (d->span.file) {
            source_position(d->span.file, d->span.start, &line, &col);
            source_position(d->span.file, d->span.end, &eline, &ecol);
        }
        sb_puts(out, i ? ",\n {" : "\n {");
        sb_puts(out, "\"file\":");
        sb_json_string(out, d->span.file ? d->span.file->path : "");
        sb_printf(out, ",\"line\":%d,\"column\":%d,\"end_line\":%d,\"end_column\":%d,", line, col,
                  eline, ecol);
        sb_puts(out, "\"severity\":");
        sb_json_string(out, severity_name(d->severity));
        sb_puts(out, ",\"code\":");
        sb_json_string(out, d->code ? d->code : "");
        sb_puts(out, ",\"message\":");
        sb_json_string(out, d->message);
        if (d->note) {
            sb_puts(out, ",\"note\":");
            sb_json_string(out, d->note);
        }
        if (d->note && d->note_span.file) {
            int nline, ncol;
            source_position(d->note_span.file, d->note_span.start, &nline, &ncol);
            sb_printf(out, ",\"note_line\":%d,\"note_column\":%d", nline, ncol);
        }
        sb_puts(out, "}");
    }
    sb_puts(out, dl->count ? "\n]\n" : "]\n");
}
