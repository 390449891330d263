/* parse.c — drives the generated scanner and parser (see parse.h).
 *
 * The input is scanned whole into a token array first, so brackets can be matched with the
 * whole file in view before the grammar reads a token. A bracket slip otherwise surfaces far
 * from where it was made (a missing '}' of the placement block as "unexpected 'schedule'" ten
 * lines on, then a cascade); here it is reported at the bracket, once:
 *
 *   - an opener still open where a new declaration begins (a declaration keyword first on its
 *     line, indented no deeper than the line of the outermost open bracket), where an outer
 *     bracket closes, or at the end of the input is "never closed", with a note there; the
 *     missing closers are added to the stream, and the grammar's errors between the opener
 *     and that place are not shown (they follow from the bracket);
 *   - a closer of the wrong kind on the line of the innermost opener is taken for that
 *     opener's closer ("'}' cannot close the '(' …: type ')'");
 *   - a closer indented deeper than its opener's line that closes it, followed later by a
 *     closer indented like that line with nothing to close, was typed in the middle of the
 *     block: it is the stray one, and the block ends at the later closer;
 *   - a closer first on its line indented like the line of an outer opener of its kind, not
 *     like the innermost one's, closes the outer one: the inner ones were never closed;
 *   - any other closer that matches no open bracket is dropped, and reported unless the
 *     grammar already reported an error in its declaration before it (a missing opener shows
 *     as "expected '{'" there, which says more).
 *
 * It also names the invisible characters a copy and paste can bring into a rule file.
 */
#include "parse.h"
#include "doudi.tab.h"
#include "doudi.lex.h"
#include "base/msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Token {
    int kind;                 /* the grammar's token number; 0 at the end of the input */
    bool synthetic;           /* a closer the driver added */
    DDSTYPE val;
    Span loc;
} Token;

typedef VEC(Token) TokenVec;

typedef struct Range { uint32_t start, end; } Range;

enum { TYPED_MAX = 32, MAX_UNCLOSED_SHOWN = 3 };

/* A closer that matched nothing, reported after the parse (see the header comment). */
typedef struct Stray {
    Span at;
    int kind;                 /* ')' ']' '}' */
    int innermost_kind;       /* the innermost open bracket's kind, or 0 */
    uint32_t decl_start;      /* where its declaration began */
    Span last_open;           /* the last opener of its kind, already closed (file NULL: none) */
    Span last_close;
    Span innermost;           /* the innermost open bracket, if any */
} Stray;

struct ParseFeed {
    TokenVec toks;            /* bracket-checked: what the grammar reads */
    size_t next;
    bool last_synthetic;      /* the token handed out last was added by the driver */
    VEC(Range) quiet;         /* the grammar's errors here follow from a reported bracket */
    VEC(Stray) strays;
    int bracket_errors;       /* reported by the bracket pass */
    int eof_unclosed;         /* ... of them, openers still open at the end of the input */
};

typedef struct Open {
    int kind;                 /* '(' '[' '{' */
    Span span;
} Open;

typedef VEC(Open) OpenStack;

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
                     clean, chars, tr(what));
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
        free(d->message_en);
        d->message = xasprintf(tr("invisible character %s; delete it"), tr(what));
        d->message_en = xasprintf("invisible character %s; delete it", what);
    }
}

/* ---- scanning everything ------------------------------------------------------------------- */

static bool scan_all(ParseCtx *ctx, TokenVec *out)
{
    yyscan_t scanner;
    if (ddlex_init_extra(ctx, &scanner) != 0) return false;
    YY_BUFFER_STATE buf = dd_scan_bytes(ctx->src->text + ctx->offset, (int)(ctx->src->len - ctx->offset), scanner);
    /* sized once for the common case (a token and its space take a few bytes); pages never
     * written to cost nothing */
    out->cap = ctx->src->len / 2 + 16;
    out->items = xmalloc(out->cap * sizeof *out->items);
    for (;;) {
        Token t = {0};
        t.kind = ddlex(&t.val, &t.loc, scanner);
        VEC_PUSH(out, t);
        if (t.kind == 0) break;
    }
    dd_delete_buffer(buf, scanner);
    ddlex_destroy(scanner);
    return true;
}

/* ---- the source around a token ------------------------------------------------------------- */

static uint32_t line_start(const SourceFile *sf, uint32_t off)
{
    int line, col;
    source_position(sf, off, &line, &col);
    return sf->line_starts[line - 1];
}

/* White space (a full-width space too) from the start of the line up to off, in characters;
 * -1 when something else stands before off on its line. */
static int indent_before(const SourceFile *sf, uint32_t off)
{
    int n = 0;
    for (uint32_t i = line_start(sf, off); i < off;) {
        if (sf->text[i] == ' ' || sf->text[i] == '\t') { i++; n++; continue; }
        if (i + 3 <= off && !memcmp(sf->text + i, "\xE3\x80\x80", 3)) { i += 3; n++; continue; }
        return -1;
    }
    return n;
}

/* The indentation of the line off stands on. */
static int line_indent(const SourceFile *sf, uint32_t off)
{
    uint32_t s = line_start(sf, off), i = s;
    while (i < off && (sf->text[i] == ' ' || sf->text[i] == '\t')) i++;
    return indent_before(sf, i);
}

static bool same_line(const SourceFile *sf, uint32_t a, uint32_t b)
{
    return line_start(sf, a) == line_start(sf, b);
}

static int line_of(const SourceFile *sf, uint32_t off)
{
    int line, col;
    source_position(sf, off, &line, &col);
    return line;
}

/* A token as typed (a keyword, or a bracket that may be full-width). */
static const char *typed(const ParseCtx *ctx, Span sp, char buf[TYPED_MAX])
{
    size_t n = sp.end - sp.start < TYPED_MAX - 1 ? sp.end - sp.start : TYPED_MAX - 1;
    memcpy(buf, ctx->src->text + sp.start, n);
    buf[n] = '\0';
    return buf;
}

/* ---- brackets ------------------------------------------------------------------------------ */

static int closer_of(int opener) { return opener == '(' ? ')' : opener == '[' ? ']' : '}'; }
static int opener_of(int closer) { return closer == ')' ? '(' : closer == ']' ? '[' : '{'; }
static bool is_opener(int k) { return k == '(' || k == '[' || k == '{'; }
static bool is_closer(int k) { return k == ')' || k == ']' || k == '}'; }
static int slot(int k) { return k == '(' || k == ')' ? 0 : k == '[' || k == ']' ? 1 : 2; }

/* A keyword that only ever begins a declaration (`enum` unless it is the type `enum(…)`). */
static bool starts_declaration(const TokenVec *in, size_t i)
{
    switch (in->items[i].kind) {
    case KW_POLICY: case KW_RECORD: case KW_PARAM: case KW_LET: case KW_CATEGORY:
    case KW_PLACEMENT: case KW_SCHEDULE: case KW_CAPACITY: case KW_TABLE: case KW_EXAMPLE:
    case KW_TEST:
        return true;
    case KW_ENUM:
        return i + 1 < in->count && in->items[i + 1].kind != '(';
    case KW_NOTICE:           /* a soft keyword: a declaration only as `notice "…"` */
        return i + 1 < in->count && in->items[i + 1].kind == STRING;
    default:
        return false;
    }
}

typedef enum { AT_DECLARATION, AT_OUTER_CLOSER, AT_END } CloseReason;

typedef struct Matcher {
    ParseCtx *ctx;
    ParseFeed *f;
    OpenStack stack;
    Span last_open[3], last_close[3];
    uint32_t decl_start;      /* the declaration being read */
    Span prev_end;            /* just after the last real token */
    bool repl;                /* REPL input, not a file */
    struct {                  /* per kind: a closer that may have closed its opener too early */
        bool set;
        Open open;            /* the opener it closed */
        size_t depth;         /* the opener's place in the stack */
        size_t at;            /* the closer's place in the output */
        Span span;
    } early[3];
} Matcher;

static void emit(Matcher *m, Token t)
{
    VEC_PUSH(&m->f->toks, t);
    if (!t.synthetic && t.kind != 0) m->prev_end = (Span){t.loc.file, t.loc.end, t.loc.end};
}

/* Report the opener as never closed, with a note at `where`, and add its closer. */
static void never_closed(Matcher *m, Open o, Token where, CloseReason why, const Open *outer, bool report)
{
    ParseCtx *ctx = m->ctx;
    char b1[TYPED_MAX], b2[TYPED_MAX];
    char close[2] = {(char)closer_of(o.kind), 0};
    if (report) {
        diag_add(ctx->diags, DIAG_ERROR, "unclosed-bracket", o.span, "this '%s' is never closed", typed(ctx, o.span, b1));
        if (why == AT_DECLARATION)
            diag_note_at(ctx->diags, where.loc, "'%s' begins the next declaration: type '%s' before it",
                         typed(ctx, where.loc, b2), close);
        else if (why == AT_OUTER_CLOSER)
            diag_note_at(ctx->diags, where.loc, "this '%s' closes the '%c' of line %d: type '%s' before it",
                         typed(ctx, where.loc, b2), outer->kind, line_of(ctx->src, outer->span.start), close);
        else if (m->repl)   /* at the end of the last token, not on an empty last line */
            diag_note_at(ctx->diags, m->prev_end.file ? m->prev_end : where.loc,
                         "the input ends here: type '%s' to close it", close);
        else
            diag_note_at(ctx->diags, m->prev_end.file ? m->prev_end : where.loc,
                         "the file ends here: type '%s' to close it", close);
        m->f->bracket_errors++;
        if (why == AT_END) m->f->eof_unclosed++;
    }
    if (why != AT_END) VEC_PUSH(&m->f->quiet, ((Range){o.span.start, where.loc.start}));
    Token t = {.kind = closer_of(o.kind), .loc = m->prev_end, .synthetic = true};
    emit(m, t);
}

/* Close every open bracket above stack index `keep` (innermost first). A slip leaves one or
 * two open; a file that leaves thousands open (generated or mangled) gets its outermost
 * MAX_UNCLOSED_SHOWN named and the rest counted in one error, not an error each. */
static void close_down_to(Matcher *m, size_t keep, Token where, CloseReason why)
{
    const Open *outer = keep > 0 && why == AT_OUTER_CLOSER ? &m->stack.items[keep - 1] : NULL;
    size_t n = m->stack.count - keep;
    if (n > MAX_UNCLOSED_SHOWN) {
        Open first_unnamed = m->stack.items[keep + MAX_UNCLOSED_SHOWN];
        char b[TYPED_MAX];
        diag_add(m->ctx->diags, DIAG_ERROR, "unclosed-bracket", first_unnamed.span,
                 "this '%s' and the %zu brackets opened after it are never closed either",
                 typed(m->ctx, first_unnamed.span, b), n - MAX_UNCLOSED_SHOWN - 1);
        m->f->bracket_errors++;
        if (why == AT_END) m->f->eof_unclosed++;
    }
    while (m->stack.count > keep) {
        Open o = m->stack.items[--m->stack.count];
        never_closed(m, o, where, why, outer, m->stack.count < keep + MAX_UNCLOSED_SHOWN);
    }
}

/* A closer of the wrong kind on the innermost opener's line: read as that opener's closer. */
static void mismatched(Matcher *m, Token t)
{
    Open o = m->stack.items[--m->stack.count];
    char b1[TYPED_MAX], b2[TYPED_MAX];
    diag_add(m->ctx->diags, DIAG_ERROR, "mismatched-bracket", t.loc, "'%s' cannot close the '%s' of line %d: type '%c'",
             typed(m->ctx, t.loc, b1), typed(m->ctx, o.span, b2), line_of(m->ctx->src, o.span.start),
             closer_of(o.kind));
    diag_note_at(m->ctx->diags, o.span, "this '%s' is the innermost open bracket", b2);
    m->f->bracket_errors++;
    m->last_open[slot(o.kind)] = o.span;
    m->last_close[slot(o.kind)] = t.loc;
    t.kind = closer_of(o.kind);
    emit(m, t);
}

/* A closer first on its line, indented deeper than its opener's line, may close it early
 * (a '}' typed in the middle of a block): remember it, in case a closer that lines up with the
 * opener comes later with nothing to close. */
static void note_early(Matcher *m, Open o, Token t)
{
    int ind = indent_before(m->ctx->src, t.loc.start);
    int k = slot(o.kind);
    for (int i = 0; i < 3; i++)
        if (m->early[i].set && m->early[i].depth > m->stack.count) m->early[i].set = false;
    if (ind < 0 || ind <= line_indent(m->ctx->src, o.span.start)) return;
    m->early[k].set = true;
    m->early[k].open = o;
    m->early[k].depth = m->stack.count;
    m->early[k].at = m->f->toks.count;
    m->early[k].span = t.loc;
}

/* A closer with nothing to close that lines up with an opener closed early: the early closer
 * was the stray one. Drop it and close the opener here; true when so. */
static bool closes_late(Matcher *m, Token t)
{
    int k = slot(t.kind);
    if (!m->early[k].set || m->early[k].depth != m->stack.count) return false;
    Open o = m->early[k].open;
    if (indent_before(m->ctx->src, t.loc.start) != line_indent(m->ctx->src, o.span.start)) return false;
    TokenVec *out = &m->f->toks;
    size_t at = m->early[k].at;
    memmove(out->items + at, out->items + at + 1, (out->count - at - 1) * sizeof *out->items);
    out->count--;
    for (int i = 0; i < 3; i++)
        if (m->early[i].set && m->early[i].at > at) m->early[i].at--;
    char b1[TYPED_MAX], b2[TYPED_MAX];
    diag_add(m->ctx->diags, DIAG_ERROR, "stray-bracket", m->early[k].span,
             "unexpected '%s': the '%s' of line %d is closed at line %d", typed(m->ctx, m->early[k].span, b1),
             typed(m->ctx, o.span, b2), line_of(m->ctx->src, o.span.start), line_of(m->ctx->src, t.loc.start));
    diag_note_at(m->ctx->diags, t.loc, "this '%s' closes it: it is indented like line %d", typed(m->ctx, t.loc, b1),
                 line_of(m->ctx->src, o.span.start));
    m->f->bracket_errors++;
    m->early[k].set = false;
    m->last_open[k] = o.span;
    m->last_close[k] = t.loc;
    emit(m, t);
    return true;
}

/* A closer first on its line that would close an opener on a line indented otherwise, while
 * a deeper opener of its kind sits on a line indented like it: that deeper one is the opener
 * it closes, and those above it were never closed. Returns the stack index to close to. */
static size_t lined_up_opener(Matcher *m, Token t, size_t j)
{
    int ind = indent_before(m->ctx->src, t.loc.start);
    if (ind < 0 || line_indent(m->ctx->src, m->stack.items[j - 1].span.start) == ind) return j;
    for (size_t k = j - 1; k > 0; k--)
        if (m->stack.items[k - 1].kind == m->stack.items[j - 1].kind &&
            line_indent(m->ctx->src, m->stack.items[k - 1].span.start) == ind)
            return k;
    return j;
}

static void closer(Matcher *m, Token t)
{
    int want = opener_of(t.kind);
    size_t j = m->stack.count;
    while (j > 0 && m->stack.items[j - 1].kind != want) j--;
    if (j > 0) j = lined_up_opener(m, t, j);
    if (j > 0) {
        close_down_to(m, j, t, AT_OUTER_CLOSER);
        Open o = m->stack.items[--m->stack.count];
        m->last_open[slot(o.kind)] = o.span;
        m->last_close[slot(o.kind)] = t.loc;
        note_early(m, o, t);
        emit(m, t);
        return;
    }
    if (closes_late(m, t)) return;
    if (m->stack.count && same_line(m->ctx->src, m->stack.items[m->stack.count - 1].span.start, t.loc.start)) {
        mismatched(m, t);
        return;
    }
    Stray s = {.at = t.loc, .kind = t.kind, .decl_start = m->decl_start};
    if (m->last_open[slot(t.kind)].file && m->last_open[slot(t.kind)].start >= m->decl_start) {
        /* the opener it would have closed, if its declaration has one */
        s.last_open = m->last_open[slot(t.kind)];
        s.last_close = m->last_close[slot(t.kind)];
    }
    if (m->stack.count) {
        s.innermost = m->stack.items[m->stack.count - 1].span;
        s.innermost_kind = m->stack.items[m->stack.count - 1].kind;
    }
    VEC_PUSH(&m->f->strays, s);
}

/* Does this token end the open brackets: a declaration keyword first on its line, indented
 * no deeper than the line of the outermost open bracket? */
static bool ends_brackets(Matcher *m, const TokenVec *in, size_t i)
{
    if (!m->stack.count || !starts_declaration(in, i)) return false;
    int ind = indent_before(m->ctx->src, in->items[i].loc.start);
    return ind >= 0 && ind <= line_indent(m->ctx->src, m->stack.items[0].span.start);
}

static void match_brackets(ParseCtx *ctx, ParseFeed *f, const TokenVec *in, bool repl)
{
    Matcher m = {.ctx = ctx, .f = f, .repl = repl};
    f->toks.cap = in->count + 16;      /* room for a few added closers without growing */
    f->toks.items = xmalloc(f->toks.cap * sizeof *f->toks.items);
    for (size_t i = 0; i < in->count; i++) {
        Token t = in->items[i];
        if (t.kind == 0) {
            close_down_to(&m, 0, t, AT_END);
            emit(&m, t);
            break;
        }
        if (ends_brackets(&m, in, i)) close_down_to(&m, 0, t, AT_DECLARATION);
        if (!m.stack.count && starts_declaration(in, i)) {
            m.decl_start = t.loc.start;
            memset(m.early, 0, sizeof m.early);
        }
        if (is_opener(t.kind)) {
            VEC_PUSH(&m.stack, ((Open){t.kind, t.loc}));
            emit(&m, t);
        } else if (is_closer(t.kind)) {
            closer(&m, t);
        } else {
            emit(&m, t);
        }
    }
    VEC_FREE(&m.stack);
}

/* A stray closer is reported unless the grammar reported an error in its declaration before
 * it: a missing opener shows there as "expected '{'", and the closer follows from it. */
static void report_strays(ParseCtx *ctx, ParseFeed *f, size_t first_diag)
{
    for (size_t i = 0; i < f->strays.count; i++) {
        Stray *s = &f->strays.items[i];
        bool explained = false;
        for (size_t k = first_diag; k < ctx->diags->count && !explained; k++) {
            const Diag *d = &ctx->diags->items[k];
            explained = !strcmp(d->code, "syntax") && d->span.start >= s->decl_start && d->span.start < s->at.start;
        }
        if (explained) continue;
        char b1[TYPED_MAX], b2[TYPED_MAX];
        int want = opener_of(s->kind);
        diag_add(ctx->diags, DIAG_ERROR, "stray-bracket", s->at, "unexpected '%s': no '%c' is open here",
                 typed(ctx, s->at, b1), want);
        if (s->innermost.file) {
            diag_note_at(ctx->diags, s->innermost, "the innermost open bracket is this '%s', closed by '%c'",
                         typed(ctx, s->innermost, b2), closer_of(s->innermost_kind));
        } else if (s->last_open.file) {
            int line, col;
            source_position(ctx->src, s->last_close.start, &line, &col);
            diag_note_at(ctx->diags, s->last_open, "it would close this '%s', which is already closed at %d:%d",
                         typed(ctx, s->last_open, b2), line, col);
        }
        f->bracket_errors++;
    }
}

/* ---- the grammar's token source ------------------------------------------------------------ */

/* The grammar reads the bracket-checked tokens (grammar/doudi.y points yylex here). */
int parse_token(DDSTYPE *lval, DDLTYPE *lloc, yyscan_t feed_ptr)
{
    ParseFeed *f = feed_ptr;
    Token *t = &f->toks.items[f->next < f->toks.count - 1 ? f->next++ : f->toks.count - 1];
    *lval = t->val;
    *lloc = t->loc;
    f->last_synthetic = t->synthetic;
    return t->kind;
}

bool parse_quiet_at(const ParseCtx *ctx, Span at)
{
    const ParseFeed *f = ctx->feed;
    if (!f) return false;
    if (f->last_synthetic) return true;
    for (size_t i = 0; i < f->quiet.count; i++)
        if (at.start >= f->quiet.items[i].start && at.start < f->quiet.items[i].end) return true;
    return false;
}

static void feed_free(ParseFeed *f)
{
    VEC_FREE(&f->toks);
    VEC_FREE(&f->quiet);
    VEC_FREE(&f->strays);
}

static bool run_parser(ParseCtx *ctx, ParseFeed *f)
{
    /* Notepad on Windows starts a UTF-8 file with a byte order mark: skip it */
    if (ctx->src->len >= 3 && memcmp(ctx->src->text, "\xEF\xBB\xBF", 3) == 0) ctx->offset = 3;
    bool repl = ctx->start_token == START_REPL;
    TokenVec raw = {0};
    size_t lex_first = ctx->diags->count;
    if (!scan_all(ctx, &raw)) return false;
    match_brackets(ctx, f, &raw, repl);
    VEC_FREE(&raw);
    ctx->feed = f;
    size_t first_diag = ctx->diags->count;
    int rc = ddparse(f, ctx);
    report_strays(ctx, f, first_diag);
    name_invisible(ctx, lex_first);
    ctx->feed = NULL;
    return rc == 0 && ctx->syntax_errors == 0 && f->bracket_errors == 0;
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
    ParseFeed f = {0};
    run_parser(&ctx, &f);
    feed_free(&f);
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
    ParseFeed f = {0};
    int errors_before = diags->errors;
    bool ok = run_parser(&ctx, &f) && diags->errors == errors_before;
    /* more may follow: the input ended inside brackets and nothing else is wrong, or the
     * grammar's one error is at the end of the input */
    int errors = diags->errors - errors_before;
    bool open_at_end = f.eof_unclosed > 0 && errors == f.eof_unclosed && ctx.syntax_shown == 0;
    bool clause_at_end = f.bracket_errors == 0 && ctx.hit_eof && ctx.syntax_errors == 1;
    feed_free(&f);
    if (!ok) {
        *incomplete = open_at_end || clause_at_end;
        return false;
    }
    *decl = ctx.repl_decl;
    *expr = ctx.repl_expr;
    return true;
}
