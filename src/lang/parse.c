/* parse.c — drives the generated scanner and parser (see parse.h), and names the invisible
 * characters a copy and paste can bring into a rule file. */
#include "parse.h"
#include "doudi.tab.h"
#include "doudi.lex.h"

#include <stdlib.h>
#include <string.h>

/* ---- invisible characters -------------------------------------------------------------------
 *
 * Two names that look the same must not be two names: a zero-width space or a byte order mark
 * pasted into `age` makes an `age` that is not `age`. The scanner refuses most of these
 * characters outright (they are not letters); the rest it reads as letters of a name, and
 * parse_name reports them. Either way the message says which character it is. */

static const struct { uint32_t lo, hi; const char *name; } invisible[] = {
    {0x00AD, 0x00AD, "U+00AD SOFT HYPHEN"},
    {0x034F, 0x034F, "U+034F COMBINING GRAPHEME JOINER"},
    {0x061C, 0x061C, "U+061C ARABIC LETTER MARK (a bidi control)"},
    {0x115F, 0x1160, "a Hangul filler (U+115F, U+1160)"},
    {0x17B4, 0x17B5, "an invisible Khmer vowel (U+17B4, U+17B5)"},
    {0x180B, 0x180F, "a Mongolian variation selector or vowel separator (U+180B..U+180F)"},
    {0x200B, 0x200B, "U+200B ZERO WIDTH SPACE"},
    {0x200C, 0x200C, "U+200C ZERO WIDTH NON-JOINER"},
    {0x200D, 0x200D, "U+200D ZERO WIDTH JOINER"},
    {0x200E, 0x200E, "U+200E LEFT-TO-RIGHT MARK (a bidi control)"},
    {0x200F, 0x200F, "U+200F RIGHT-TO-LEFT MARK (a bidi control)"},
    {0x202A, 0x202E, "a bidi embedding or override (U+202A..U+202E)"},
    {0x2060, 0x2060, "U+2060 WORD JOINER"},
    {0x2061, 0x2064, "an invisible operator (U+2061..U+2064)"},
    {0x2066, 0x2069, "a bidi isolate (U+2066..U+2069)"},
    {0x206A, 0x206F, "a deprecated format character (U+206A..U+206F)"},
    {0x3164, 0x3164, "U+3164 HANGUL FILLER"},
    {0xFE00, 0xFE0F, "a variation selector (U+FE00..U+FE0F)"},
    {0xFEFF, 0xFEFF, "U+FEFF ZERO WIDTH NO-BREAK SPACE (a byte order mark)"},
    {0xFFA0, 0xFFA0, "U+FFA0 HALFWIDTH HANGUL FILLER"},
    {0xFFF0, 0xFFFB, "an interlinear annotation or unassigned special (U+FFF0..U+FFFB)"},
    {0x1BCA0, 0x1BCA3, "a shorthand format control (U+1BCA0..U+1BCA3)"},
    {0x1D173, 0x1D17A, "a musical formatting control (U+1D173..U+1D17A)"},
    {0xE0000, 0xE0FFF, "a tag or variation selector (U+E0000..U+E0FFF)"},
};

const char *parse_invisible_name(uint32_t cp)
{
    for (size_t i = 0; i < sizeof invisible / sizeof *invisible; i++)
        if (cp >= invisible[i].lo && cp <= invisible[i].hi) return invisible[i].name;
    return NULL;
}

/* text without its invisible characters (into `out`, which has room); false if it had none. */
static bool drop_invisible(const char *text, size_t len, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        int k = utf8_decode(text + i, len - i, &cp);
        if (!parse_invisible_name(cp)) {
            memcpy(out + n, text + i, (size_t)k);
            n += (size_t)k;
        }
        i += (size_t)k;
    }
    out[n] = '\0';
    return n != len;
}

const char *parse_name(ParseCtx *ctx, const char *text, Span at)
{
    size_t len = strlen(text);
    bool ascii = true;
    for (size_t i = 0; i < len && ascii; i++) ascii = (unsigned char)text[i] < 0x80;
    if (ascii) return text;
    char *clean = arena_alloc(ctx->arena, len + 1);
    if (!drop_invisible(text, len, clean)) return text;
    int chars = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        int k = utf8_decode(text + i, len - i, &cp);
        const char *what = parse_invisible_name(cp);
        chars++;
        if (what) {
            Span sp = {at.file, at.start + (uint32_t)i, at.start + (uint32_t)(i + (size_t)k)};
            diag_add(ctx->diags, DIAG_ERROR, "invisible-character", sp,
                     "the name '%s' has an invisible character as its character %d: %s; delete it",
                     clean, chars, what);
        }
        i += (size_t)k;
    }
    return clean;
}

/* The scanner's "unexpected character '…'" for an invisible one would show nothing between
 * the quotes: say which character it is instead. */
static void name_invisible(const ParseCtx *ctx, size_t from)
{
    for (size_t i = from; i < ctx->diags->count; i++) {
        Diag *d = &ctx->diags->items[i];
        if (strcmp(d->code, "bad-character") || !d->span.file) continue;
        uint32_t cp;
        const char *at = d->span.file->text + d->span.start;
        int k = utf8_decode(at, d->span.file->len - d->span.start, &cp);
        const char *what = parse_invisible_name(cp);
        if (!what || d->span.end - d->span.start != (uint32_t)k) continue;
        free(d->message);
        d->message = xasprintf("invisible character %s; delete it", what);
    }
}

static bool run_parser(ParseCtx *ctx)
{
    yyscan_t scanner;
    size_t first_diag = ctx->diags->count;
    if (ddlex_init_extra(ctx, &scanner) != 0) return false;
    /* Notepad on Windows starts a UTF-8 file with a byte order mark: skip it */
    if (ctx->src->len >= 3 && memcmp(ctx->src->text, "\xEF\xBB\xBF", 3) == 0) ctx->offset = 3;
    YY_BUFFER_STATE buf = dd_scan_bytes(ctx->src->text + ctx->offset, (int)(ctx->src->len - ctx->offset), scanner);
    int rc = ddparse(scanner, ctx);
    dd_delete_buffer(buf, scanner);
    ddlex_destroy(scanner);
    name_invisible(ctx, first_diag);
    return rc == 0 && ctx->syntax_errors == 0;
}

/* Rule files are UTF-8; point at the first byte that is not, rather than lexing garbage. */
static bool check_utf8(const SourceFile *src, DiagList *diags)
{
    size_t i = 0;
    while (i < src->len) {
        uint32_t cp;
        int n = utf8_decode(src->text + i, src->len - i, &cp);
        if (cp == 0xFFFD && n == 1 && (unsigned char)src->text[i] >= 0x80) {
            Span at = {src, (uint32_t)i, (uint32_t)i + 1};
            diag_add(diags, DIAG_ERROR, "bad-encoding", at,
                     "this file is not valid UTF-8 (byte 0x%02X); save it as UTF-8",
                     (unsigned char)src->text[i]);
            return false;
        }
        i += (size_t)n;
    }
    return true;
}

Module *parse_module(Arena *a, const SourceFile *src, DiagList *diags)
{
    Module *m = arena_alloc(a, sizeof *m);
    m->source = src;
    if (!check_utf8(src, diags)) return m;
    ParseCtx ctx = {.arena = a, .src = src, .diags = diags, .module = m, .start_token = START_FILE};
    run_parser(&ctx);
    if (ctx.syntax_errors > PARSE_MAX_ERRORS)
        diag_add(diags, DIAG_ERROR, "too-many-errors", (Span){src, (uint32_t)src->len, (uint32_t)src->len},
                 "too many syntax errors; stopped after %d", PARSE_MAX_ERRORS);
    return m;
}

bool parse_repl_input(Arena *a, const SourceFile *src, DiagList *diags, Decl **decl, Expr **expr,
                      bool *incomplete)
{
    *decl = NULL;
    *expr = NULL;
    *incomplete = false;
    if (!check_utf8(src, diags)) return false;
    Module *m = arena_alloc(a, sizeof *m);
    m->source = src;
    ParseCtx ctx = {.arena = a, .src = src, .diags = diags, .module = m, .start_token = START_REPL};
    int errors_before = diags->errors;
    bool ok = run_parser(&ctx) && diags->errors == errors_before;
    if (!ok) {
        *incomplete = ctx.hit_eof && ctx.syntax_errors == 1;
        return false;
    }
    *decl = ctx.repl_decl;
    *expr = ctx.repl_expr;
    return true;
}
