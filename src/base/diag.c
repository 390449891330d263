/* diag.c — see diag.h. */
#include "diag.h"
#include "msg.h"

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

/* One conversion `spec` (with `stars` of its '*' width and precision) of a value taken from ap
 * by its length modifier and conversion. */
static void put_conversion(StrBuf *sb, const char *spec, const int *stars, int nstars, char len,
                           char conv, va_list *ap)
{
#define PUT(value) do { \
        if (nstars == 2) sb_printf(sb, spec, stars[0], stars[1], value); \
        else if (nstars == 1) sb_printf(sb, spec, stars[0], value); \
        else sb_printf(sb, spec, value); \
    } while (0)
    switch (conv) {
    case 'd': case 'i': case 'c':
        if (len == 'L') PUT(va_arg(*ap, long long));
        else if (len == 'l') PUT(va_arg(*ap, long));
        else if (len == 'z') PUT(va_arg(*ap, size_t));
        else PUT(va_arg(*ap, int));
        break;
    case 'u': case 'o': case 'x': case 'X':
        if (len == 'L') PUT(va_arg(*ap, unsigned long long));
        else if (len == 'l') PUT(va_arg(*ap, unsigned long));
        else if (len == 'z') PUT(va_arg(*ap, size_t));
        else PUT(va_arg(*ap, unsigned));
        break;
    case 'e': case 'f': case 'g': case 'E': case 'F': case 'G':
        PUT(va_arg(*ap, double));
        break;
    case 's':
        PUT(msg_english(va_arg(*ap, const char *)));
        break;
    case 'p':
        PUT(va_arg(*ap, void *));
        break;
    default:
        break;
    }
#undef PUT
}

/* The English of a message: fmt with its arguments, where a %s argument that is the Chinese of a
 * catalogue entry (a phrase such as "a let" passed through tr()) is put back in English, so
 * that message_en has no Chinese but the rule file's own. The conversions are those of the
 * diagnostics' formats: flags, width and precision (also '*'), hh h l ll z j t, d i u o x X c
 * s p e f g. */
static char *format_english(const char *fmt, va_list ap)
{
    StrBuf sb = {0};
    va_list args;
    va_copy(args, ap);
    for (const char *p = fmt; *p;) {
        if (*p != '%') { sb_putc(&sb, *p++); continue; }
        const char *start = p++;
        if (*p == '%') { sb_putc(&sb, *p++); continue; }
        int stars[2], nstars = 0;
        while (*p && strchr("-+ #0123456789.*", *p)) {
            if (*p == '*' && nstars < 2) stars[nstars++] = va_arg(args, int);
            p++;
        }
        char len = 0;
        while (*p && strchr("hlLjzt", *p)) {
            len = (*p == 'l' && len == 'l') || *p == 'L' || *p == 'j' ? 'L' : *p == 't' ? 'z' : *p;
            p++;
        }
        if (!*p) break;
        char spec[32];
        size_t n = (size_t)(p + 1 - start);
        if (n >= sizeof spec) break;
        memcpy(spec, start, n);
        spec[n] = 0;
        put_conversion(&sb, spec, stars, nstars, len, *p++, &args);
    }
    va_end(args);
    return sb_take(&sb);
}

/* The message in the current language into *text and in English into *en. */
static void format_both(const char *fmt, va_list ap, char **text, char **en)
{
    const char *local = tr(fmt);
    va_list again;
    va_copy(again, ap);
    *text = vformat(local, ap);
    *en = msg_lang() == MSG_EN ? xstrdup(*text) : format_english(fmt, again);
    va_end(again);
}

static void push(DiagList *dl, Diag d)
{
    VEC_PUSH(dl, d);
    if (d.severity == DIAG_ERROR) dl->errors++;
    else if (d.severity == DIAG_WARNING) dl->warnings++;
}

void diag_add(DiagList *dl, DiagSeverity sev, const char *code, Span span, const char *fmt, ...)
{
    Diag d = {.severity = sev, .code = code, .span = span};
    va_list ap;
    va_start(ap, fmt);
    format_both(fmt, ap, &d.message, &d.message_en);
    va_end(ap);
    push(dl, d);
}

void diag_note(DiagList *dl, const char *fmt, ...)
{
    if (dl->count == 0) return;
    Diag *d = &dl->items[dl->count - 1];
    free(d->note);
    free(d->note_en);
    va_list ap;
    va_start(ap, fmt);
    format_both(fmt, ap, &d->note, &d->note_en);
    va_end(ap);
    d->note_span = (Span){0};
}

void diag_note_at(DiagList *dl, Span span, const char *fmt, ...)
{
    if (dl->count == 0) return;
    Diag *d = &dl->items[dl->count - 1];
    free(d->note);
    free(d->note_en);
    va_list ap;
    va_start(ap, fmt);
    format_both(fmt, ap, &d->note, &d->note_en);
    va_end(ap);
    d->note_span = span;
}

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

void diag_push_copy(DiagList *dl, const Diag *d)
{
    Diag c = *d;
    c.message = xstrdup(d->message);
    c.message_en = xstrdup(d->message_en);
    c.note = dup_or_null(d->note);
    c.note_en = dup_or_null(d->note_en);
    push(dl, c);
}

void diag_free(DiagList *dl)
{
    for (size_t i = 0; i < dl->count; i++) {
        free(dl->items[i].message);
        free(dl->items[i].note);
        free(dl->items[i].message_en);
        free(dl->items[i].note_en);
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

/* The severity as JSON names it: never translated. */
static const char *severity_name(DiagSeverity s)
{
    return s == DIAG_ERROR ? "error" : s == DIAG_WARNING ? "warning" : "note";
}

/* "error: %s" in the current language (错误：%s). */
static const char *severity_format(DiagSeverity s)
{
    return s == DIAG_ERROR ? tr("error: %s") : s == DIAG_WARNING ? tr("warning: %s") : tr("note: %s");
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
    sb_printf(out, severity_format(d->severity), d->message);
    sb_putc(out, '\n');
    if (d->span.file) render_excerpt(out, &d->span);
    if (d->note && d->note_span.file) {
        int line, col;
        source_position(d->note_span.file, d->note_span.start, &line, &col);
        sb_printf(out, "%s:%d:%d: ", d->note_span.file->path, line, col);
        sb_printf(out, tr("note: %s"), d->note);
        sb_putc(out, '\n');
        render_excerpt(out, &d->note_span);
    } else if (d->note) {
        sb_puts(out, "  ");
        sb_printf(out, tr("note: %s"), d->note);
        sb_putc(out, '\n');
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
        sb_puts(out, ",\"message_en\":");
        sb_json_string(out, d->message_en);
        if (d->note) {
            sb_puts(out, ",\"note\":");
            sb_json_string(out, d->note);
            sb_puts(out, ",\"note_en\":");
            sb_json_string(out, d->note_en);
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

/* ---- SARIF 2.1.0 ------------------------------------------------------------------------------ */

/* A path as a URI reference: every byte but the unreserved characters and '/' percent-encoded
 * (a Chinese file name is UTF-8 bytes, each written %XX). */
static void sarif_uri(StrBuf *out, const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    sb_putc(out, '"');
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-._~/", *p)) {
            sb_putc(out, (char)*p);
        } else {
            sb_putc(out, '%');
            sb_putc(out, hex[*p >> 4]);
            sb_putc(out, hex[*p & 15]);
        }
    }
    sb_putc(out, '"');
}

static const char *diag_code(const Diag *d) { return d->code && *d->code ? d->code : "doudi"; }

/* The distinct codes, in order of first appearance: the run's rules. */
static size_t sarif_rules(const DiagList *dl, const char **codes)
{
    size_t n = 0;
    for (size_t i = 0; i < dl->count; i++) {
        const char *c = diag_code(&dl->items[i]);
        size_t k = 0;
        while (k < n && strcmp(codes[k], c)) k++;
        if (k == n) codes[n++] = c;
    }
    return n;
}

static void sarif_region(StrBuf *out, const Span *sp)
{
    int line, col, eline, ecol;
    source_position(sp->file, sp->start, &line, &col);
    source_position(sp->file, sp->end > sp->start ? sp->end : sp->start, &eline, &ecol);
    if (sp->end <= sp->start) ecol = col + 1;
    sb_printf(out, "\"region\": {\"startLine\": %d, \"startColumn\": %d, \"endLine\": %d, \"endColumn\": %d}", line,
              col, eline, ecol);
}

static void sarif_result(StrBuf *out, const Diag *d, const char **codes, size_t ncodes)
{
    size_t rule = 0;
    while (rule < ncodes && strcmp(codes[rule], diag_code(d))) rule++;
    sb_puts(out, "{\"ruleId\": ");
    sb_json_string(out, diag_code(d));
    sb_printf(out, ", \"ruleIndex\": %zu, \"level\": \"%s\", \"message\": {\"text\": ", rule, severity_name(d->severity));
    StrBuf text = {0};
    sb_puts(&text, d->message);
    if (d->note) sb_printf(&text, "\nnote: %s", d->note);
    sb_json_string(out, sb_str(&text));
    sb_free(&text);
    sb_puts(out, "}");
    if (d->span.file) {
        sb_puts(out, ",\n        \"locations\": [{\"physicalLocation\": {\"artifactLocation\": {\"uri\": ");
        sarif_uri(out, d->span.file->path);
        sb_puts(out, "}, ");
        sarif_region(out, &d->span);
        sb_puts(out, "}}]");
    }
    sb_putc(out, '}');
}

void diag_render_sarif(StrBuf *out, const DiagList *dl)
{
    const char **codes = xcalloc(dl->count + 1, sizeof *codes);
    size_t ncodes = sarif_rules(dl, codes);
    sb_puts(out, "{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"version\": \"2.1.0\",\n"
                 "  \"runs\": [{\n    \"tool\": {\"driver\": {\"name\": \"doudi\", \"rules\": [");
    for (size_t i = 0; i < ncodes; i++) {
        sb_puts(out, i ? ", {\"id\": " : "{\"id\": ");
        sb_json_string(out, codes[i]);
        sb_putc(out, '}');
    }
    sb_puts(out, "]}},\n    \"columnKind\": \"unicodeCodePoints\",\n    \"results\": [");
    for (size_t i = 0; i < dl->count; i++) {
        sb_puts(out, i ? ",\n      " : "\n      ");
        sarif_result(out, &dl->items[i], codes, ncodes);
    }
    sb_puts(out, dl->count ? "\n    ]\n  }]\n}\n" : "]\n  }]\n}\n");
    free(codes);
}
