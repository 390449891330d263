/* fmt.c — the canonical formatter (`doudi fmt`), see fmt.h.
 *
 * The module is printed from its AST, so the layout depends on what the file means, not on
 * how it was typed: full-width punctuation outside strings comes out as ASCII without a
 * rule of its own, and parentheses are exactly those the grammar's precedence needs.
 *
 * Only comments (the scanner keeps them as byte spans) and blank lines come from the source
 * text; both are woven in by source position while printing. Each item (a declaration, a
 * record field, a placement branch, ...) knows its source range: comments before its start
 * print on their own lines above it; comments inside its range also move above it, since the
 * item is reflowed and has no line of its own for them; a comment after its end on the same
 * source line stays trailing on the item's last printed line. A blank line (or several)
 * between two items, or around a comment, prints as one blank line. The AST has no spans for
 * braces and some keywords, so blocks find theirs by scanning the source past strings and
 * comments.
 *
 * Output is built as a list of Lines (text plus an optional trailing comment). Items inside
 * a block are laid out as aligned columns, gofmt-style, counting display cells (CJK
 * characters are two wide): consecutive rows of one kind share column widths, a blank line
 * starts a new run. A row's last column can be a tail (cite "…", blank in …) that moves to a
 * continuation line, still aligned, when it would push its row past LIMIT. Long conditions
 * break before their top-level `and`/`or` into as few lines as fit, as even as possible.
 * A last pass aligns the trailing comments of consecutive lines and joins the text.
 */
#include "fmt.h"
#include "base/util.h"
#include "base/date.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    LIMIT = 100,              /* the line width (cells) the layout keeps within where it can */
    IND = 2,                  /* one level of indentation */
    MAX_CELLS = 4,            /* aligned columns in a row of a block */
    COMMENT_GAP = 2,          /* spaces before a trailing comment */
    TAIL_GAP = 1,             /* spaces before a row's tail (cite, blank in), at least */
};

typedef struct Line {
    char *text;               /* NULL: a blank line */
    char *comment;            /* trailing comment, or NULL */
} Line;

typedef struct Printer {
    const Module *m;
    const char *src;          /* the module's source text (comments, blank lines) */
    uint32_t src_len;
    size_t next_comment;      /* index of the first comment not yet printed */
    uint32_t pos;             /* source offset just past what was printed last */
    bool block_open;          /* the last line opened a block: no blank line may follow */
    VEC(Line) lines;
} Printer;

/* One item of a block, as aligned cells. */
typedef struct Row {
    int kind;                 /* only neighbouring rows of the same kind align together */
    int ncell;                /* cells present; the last is padded only if a tail follows */
    char *cell[MAX_CELLS];
    char *tail;               /* optional last column (cite "…", blank in …), or NULL */
    bool tail_inline;         /* laid out: the tail stays on the row's line */
    int col[MAX_CELLS + 1];   /* laid out: the column where each cell, then the tail, starts */
    char *text;               /* laid out: the row's line(s) */
    uint32_t start, end;      /* its source range */
    const Expr *chain;        /* the last cell is `chain_kw chain`, which may break over lines */
    const char *chain_kw;
    const Field *field;       /* a field of an inline enum type: wrapped after layout */
    size_t first, count;      /* a table group: its columns */
} Row;

typedef VEC(Row) RowList;

static int width_of(const char *s) { return utf8_width(s, strlen(s)); }
static int max_int(int a, int b) { return a > b ? a : b; }

/* ---- the source: white space, strings, comments ---------------------------------------------- */

/* Bytes of white space at src[i] other than a line end (a full-width space counts, as in
 * the scanner), or 0. */
static int space_at(const Printer *p, uint32_t i)
{
    const char *s = p->src + i;
    if (*s == ' ' || *s == '\t' || *s == '\r') return 1;
    if (i + 3 <= p->src_len && !memcmp(s, "\xE3\x80\x80", 3)) return 3;
    return 0;
}

/* Whether src[from, to) holds an empty line: two line ends with only spaces between. */
static bool has_blank_line(const Printer *p, uint32_t from, uint32_t to)
{
    bool after_newline = false;
    if (to > p->src_len) to = p->src_len;
    for (uint32_t i = from; i < to;) {
        int n = space_at(p, i);
        if (n) {
            i += (uint32_t)n;
            continue;
        }
        if (p->src[i] == '\n' && after_newline) return true;
        after_newline = p->src[i] == '\n';
        i++;
    }
    return false;
}

/* Whether src[from, to) is white space within one line. */
static bool only_spaces(const Printer *p, uint32_t from, uint32_t to)
{
    for (uint32_t i = from; i < to;) {
        int n = space_at(p, i);
        if (!n) return false;
        i += (uint32_t)n;
    }
    return true;
}

/* Whether src[i] starts with `what`. */
static bool at_text(const Printer *p, uint32_t i, const char *what)
{
    size_t n = strlen(what);
    return i + n <= p->src_len && !memcmp(p->src + i, what, n);
}

/* The quote that closes a string opened at src[i] by an input method's quote, or NULL. */
static const char *wide_closing_quote(const Printer *p, uint32_t i)
{
    static const char *const pairs[][2] = {{"“", "”"}, {"‘", "’"}, {"＂", "＂"}};
    for (size_t k = 0; k < sizeof pairs / sizeof *pairs; k++)
        if (at_text(p, i, pairs[k][0])) return pairs[k][1];
    return NULL;
}

/* The offset after a comment or string starting at src[i]; i itself if none starts there.
 * Strings end as the scanner ends them: '"' with backslash escapes, '“' at the first '”'
 * ('‘' at '’', '＂' at '＂'); a comment starts with '#' or '＃'. */
static uint32_t skip_opaque(const Printer *p, uint32_t i)
{
    const char *s = p->src;
    uint32_t n = p->src_len;
    if ((unsigned char)s[i] < 0x80 && s[i] != '#' && s[i] != '"') return i;   /* most bytes */
    if (s[i] == '#' || at_text(p, i, "＃")) {
        while (i < n && s[i] != '\n') i++;
        return i;
    }
    if (s[i] == '"') {
        for (i++; i < n && s[i] != '"' && s[i] != '\n'; i++)
            if (s[i] == '\\' && i + 1 < n && s[i + 1] != '\n') i++;
        return i < n && s[i] == '"' ? i + 1 : i;
    }
    const char *close = wide_closing_quote(p, i);
    if (close) {
        for (i += 3; i < n && s[i] != '\n'; i++)
            if (at_text(p, i, close)) return i + 3;
        return i;
    }
    return i;
}

/* Whether src[i] is the brace `ch` ('{' or '}'), in ASCII or full-width. */
static bool at_brace(const Printer *p, uint32_t i, char ch)
{
    return p->src[i] == ch || ((unsigned char)p->src[i] == 0xEF && at_text(p, i, ch == '{' ? "｛" : "｝"));
}

/* Offset of the first brace `ch` at or after `from` outside strings and comments. The AST
 * has no spans for braces and keywords; blocks find theirs with this. */
static uint32_t find_char(const Printer *p, uint32_t from, char ch)
{
    uint32_t i = from;
    while (i < p->src_len && !at_brace(p, i, ch)) {
        uint32_t j = skip_opaque(p, i);
        i = j > i ? j : i + 1;
    }
    return i;
}

/* Offset of the first token at or after `from`. */
static uint32_t next_token(const Printer *p, uint32_t from)
{
    uint32_t i = from;
    while (i < p->src_len) {
        int n = space_at(p, i);
        if (n) i += (uint32_t)n;
        else if (p->src[i] == '\n') i++;
        else if (p->src[i] == '#' || at_text(p, i, "＃")) i = skip_opaque(p, i);
        else break;
    }
    return i;
}

/* ---- lines and comments ---------------------------------------------------------------------- */

static void push_line(Printer *p, char *text)
{
    Line l = {text, NULL};
    VEC_PUSH(&p->lines, l);
}

static const Comment *pending_comment(const Printer *p)
{
    if (p->next_comment >= p->m->comments.count) return NULL;
    return &p->m->comments.items[p->next_comment];
}

/* Whether a comment starts strictly between two offsets. */
static bool comment_between(const Printer *p, uint32_t from, uint32_t to)
{
    for (size_t i = p->next_comment; i < p->m->comments.count; i++) {
        uint32_t at = p->m->comments.items[i].span.start;
        if (at >= to) break;
        if (at > from) return true;
    }
    return false;
}

/* A comment as typed, without trailing white space; a full-width '＃' comes out as '#'. */
static char *comment_text(const Printer *p, const Comment *c)
{
    uint32_t s = c->span.start, e = c->span.end;
    while (e > s && (p->src[e - 1] == ' ' || p->src[e - 1] == '\t' || p->src[e - 1] == '\r')) e--;
    if (!at_text(p, s, "＃")) return xstrndup(p->src + s, e - s);
    StrBuf sb = {0};
    sb_putc(&sb, '#');
    sb_putn(&sb, p->src + s + 3, e - s - 3);
    return sb_take(&sb);
}

/* A blank line before what starts at `at`, if the source had one since what was printed
 * last (never first in the file or in a block, never two in a row). */
static void maybe_blank(Printer *p, uint32_t at)
{
    if (p->block_open || !p->lines.count || !p->lines.items[p->lines.count - 1].text) return;
    if (p->pos < at && has_blank_line(p, p->pos, at)) push_line(p, NULL);
}

static void emit_comment(Printer *p, int indent)
{
    const Comment *c = pending_comment(p);
    StrBuf sb = {0};
    sb_pad(&sb, indent);
    char *text = comment_text(p, c);
    sb_puts(&sb, text);
    free(text);
    push_line(p, sb_take(&sb));
    p->block_open = false;
    if (c->span.end > p->pos) p->pos = c->span.end;
    p->next_comment++;
}

/* The comments that start before `before`, each on its own line. */
static void flush_comments(Printer *p, int indent, uint32_t before)
{
    const Comment *c;
    while ((c = pending_comment(p)) && c->span.start < before) {
        maybe_blank(p, c->span.start);
        emit_comment(p, indent);
    }
}

/* Laid-out text, one Line per '\n'-separated line, without trailing spaces. */
static void emit_text(Printer *p, const char *text)
{
    for (const char *s = text;;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        while (n && s[n - 1] == ' ') n--;
        push_line(p, xstrndup(s, n));
        if (!nl) break;
        s = nl + 1;
    }
    size_t len = strlen(text);
    p->block_open = len && text[len - 1] == '{';
}

/* Before an item whose source spans [start, end): the comments above it, a blank line if
 * the source had one, then the comments inside its range (they move above it). */
static void item_begin(Printer *p, int indent, uint32_t start, uint32_t end)
{
    flush_comments(p, indent, start);
    maybe_blank(p, start);
    const Comment *c;
    while ((c = pending_comment(p)) && c->span.start < end) emit_comment(p, indent);
}

/* After an item ending at `end`: a comment further on its source line stays trailing. */
static void item_end(Printer *p, uint32_t end)
{
    if (end > p->pos) p->pos = end;
    const Comment *c = pending_comment(p);
    if (!c || c->span.start < end || !only_spaces(p, end, c->span.start) || !p->lines.count) return;
    Line *l = &p->lines.items[p->lines.count - 1];
    if (!l->text || l->comment) return;
    l->comment = comment_text(p, c);
    p->pos = c->span.end;
    p->next_comment++;
}

/* A block's header `head {` at `indent` (head may run over lines), or `head {}` when the
 * block holds no items and no comments. Returns whether a body follows. */
static bool open_block(Printer *p, int indent, const char *head, uint32_t start, uint32_t open,
                       uint32_t close, bool has_items)
{
    bool empty = !has_items && !comment_between(p, open, close);
    item_begin(p, indent, start, open + 1);
    StrBuf sb = {0};
    sb_pad(&sb, indent);
    sb_puts(&sb, head);
    sb_puts(&sb, empty ? " {}" : " {");
    emit_text(p, sb_str(&sb));
    sb_free(&sb);
    item_end(p, empty ? close + 1 : open + 1);
    return !empty;
}

/* The comments left in a block (at its items' indent), then its closing brace. */
static void close_block(Printer *p, int indent, uint32_t close)
{
    flush_comments(p, indent + IND, close);
    StrBuf sb = {0};
    sb_pad(&sb, indent);
    sb_putc(&sb, '}');
    push_line(p, sb_take(&sb));
    p->block_open = false;
    item_end(p, close + 1);
}

/* ---- expressions ----------------------------------------------------------------------------- */

/* Binding strength, loosest first, as in the grammar's %left/%nonassoc lines; if and case
 * are looser than everything (their else branch is greedy). */
enum {
    PREC_COND, PREC_OR, PREC_AND, PREC_NOT, PREC_CMP, PREC_ADD, PREC_MUL, PREC_UNARY, PREC_ATOM,
};

static int binary_prec(BinOp op)
{
    switch (op) {
    case BIN_OR: return PREC_OR;
    case BIN_AND: return PREC_AND;
    case BIN_ADD: case BIN_SUB: return PREC_ADD;
    case BIN_MUL: case BIN_DIV: return PREC_MUL;
    default: return PREC_CMP;
    }
}

static int expr_prec(const Expr *e)
{
    switch (e->kind) {
    case EX_IF: case EX_CASE: return PREC_COND;
    case EX_BINARY: return binary_prec(e->op);
    case EX_IN: return PREC_CMP;
    case EX_UNARY: return e->op == UN_NOT ? PREC_NOT : PREC_UNARY;
    default: return PREC_ATOM;
    }
}

static void put_expr(StrBuf *sb, const Expr *e, int min_prec);

/* A string literal with ASCII quotes; its content as it was (full-width characters too). */
static void put_string(StrBuf *sb, const char *s)
{
    sb_putc(sb, '"');
    for (; *s; s++) {
        switch (*s) {
        case '"': sb_puts(sb, "\\\""); break;
        case '\\': sb_puts(sb, "\\\\"); break;
        case '\n': sb_puts(sb, "\\n"); break;
        case '\t': sb_puts(sb, "\\t"); break;
        default: sb_putc(sb, *s);
        }
    }
    sb_putc(sb, '"');
}

/* Fixed point with `digits` decimals, trailing zeros dropped (at least one kept if `keep`). */
static void put_fixed(StrBuf *sb, int64_t v, int digits, bool keep)
{
    int64_t scale = digits == 2 ? 100 : 10000;
    sb_printf(sb, "%lld", (long long)(v / scale));
    int64_t frac = v % scale;
    if (!frac && !keep) return;
    char buf[24];
    snprintf(buf, sizeof buf, "%0*lld", digits, (long long)frac);
    size_t n = strlen(buf);
    while (n > 1 && buf[n - 1] == '0') n--;
    sb_putc(sb, '.');
    sb_putn(sb, buf, n);
}

/* A number, date or percent as written; '％' becomes '%'. Nodes made without source text
 * (not by the parser) print from their value. */
static void put_literal(StrBuf *sb, const Expr *e)
{
    if (e->lit) {
        for (const char *s = e->lit; *s; s++) {
            if (!strncmp(s, "％", 3)) {
                sb_putc(sb, '%');
                s += 2;
            } else {
                sb_putc(sb, *s);
            }
        }
        return;
    }
    char date[16];
    switch (e->kind) {
    case EX_DATE: date_format(e->v.i, date); sb_puts(sb, date); break;
    case EX_NUMBER: put_fixed(sb, e->v.i, 4, true); break;
    case EX_PERCENT: put_fixed(sb, e->v.i, 2, false); sb_putc(sb, '%'); break;
    default: sb_printf(sb, "%lld", (long long)e->v.i);
    }
}

static void put_list(StrBuf *sb, const ExprList *l)
{
    for (size_t i = 0; i < l->count; i++) {
        if (i) sb_puts(sb, ", ");
        put_expr(sb, l->items[i], PREC_COND);
    }
}

static void put_map(StrBuf *sb, const Expr *e)
{
    sb_putc(sb, '{');
    for (size_t i = 0; i < e->items.count; i++) {
        sb_printf(sb, "%s%s: ", i ? ", " : "", e->keys.items[i].text);
        put_expr(sb, e->items.items[i], PREC_COND);
    }
    sb_putc(sb, '}');
}

/* and, or, + - * / are left-associative; comparisons do not chain. */
static void put_binary(StrBuf *sb, const Expr *e)
{
    int prec = binary_prec(e->op);
    put_expr(sb, e->lhs, prec == PREC_CMP ? prec + 1 : prec);
    sb_printf(sb, " %s ", ast_op_text(e->op));
    put_expr(sb, e->rhs, prec + 1);
}

/* The right side of `in`: a range of two unary operands, or one unary operand. */
static void put_in_rhs(StrBuf *sb, const Expr *e)
{
    if (e->kind != EX_RANGE) {
        put_expr(sb, e, PREC_UNARY);
        return;
    }
    put_expr(sb, e->lhs, PREC_UNARY);
    sb_puts(sb, "..");
    put_expr(sb, e->rhs, PREC_UNARY);
}

/* Inside if and case, a condition or result followed by a keyword is parenthesised when it
 * is itself an if or a case (a nested case would take the outer arms as its own). */
static void put_case(StrBuf *sb, const Expr *e)
{
    sb_puts(sb, "case");
    for (size_t i = 0; i < e->conds.count; i++) {
        sb_puts(sb, " when ");
        put_expr(sb, e->conds.items[i], PREC_OR);
        sb_puts(sb, " then ");
        put_expr(sb, e->items.items[i], PREC_OR);
    }
    sb_puts(sb, " else ");
    put_expr(sb, e->rhs, PREC_COND);
}

static void put_if(StrBuf *sb, const Expr *e)
{
    sb_puts(sb, "if ");
    put_expr(sb, e->cond, PREC_OR);
    sb_puts(sb, " then ");
    put_expr(sb, e->lhs, PREC_OR);
    sb_puts(sb, " else ");
    put_expr(sb, e->rhs, PREC_COND);
}

static void put_unary(StrBuf *sb, const Expr *e)
{
    bool not = e->op == UN_NOT;
    sb_puts(sb, not ? "not " : "-");
    put_expr(sb, e->lhs, not ? PREC_NOT : PREC_UNARY);
}

/* e on one line, parenthesised when it binds looser than its context allows. */
static void put_expr(StrBuf *sb, const Expr *e, int min_prec)
{
    bool paren = expr_prec(e) < min_prec;
    if (paren) sb_putc(sb, '(');
    switch (e->kind) {
    case EX_INT: case EX_NUMBER: case EX_PERCENT: case EX_DATE: put_literal(sb, e); break;
    case EX_BOOL: sb_puts(sb, e->v.b ? "true" : "false"); break;
    case EX_TEXT: put_string(sb, e->v.s); break;
    case EX_NAME: sb_puts(sb, e->name.text); break;
    case EX_SET: sb_putc(sb, '{'); put_list(sb, &e->items); sb_putc(sb, '}'); break;
    case EX_MAP: put_map(sb, e); break;
    case EX_RANGE: put_in_rhs(sb, e); break;
    case EX_UNARY: put_unary(sb, e); break;
    case EX_BINARY: put_binary(sb, e); break;
    case EX_IN:
        put_expr(sb, e->lhs, PREC_CMP + 1);
        sb_puts(sb, e->negated ? " not in " : " in ");
        put_in_rhs(sb, e->rhs);
        break;
    case EX_CALL:
        sb_printf(sb, "%s(", e->name.text);
        put_list(sb, &e->items);
        sb_putc(sb, ')');
        break;
    case EX_INDEX:
        put_expr(sb, e->lhs, PREC_ATOM);
        sb_putc(sb, '[');
        put_expr(sb, e->rhs, PREC_COND);
        sb_putc(sb, ']');
        break;
    case EX_CASE: put_case(sb, e); break;
    case EX_IF: put_if(sb, e); break;
    }
    if (paren) sb_putc(sb, ')');
}

static char *expr_text(const Expr *e, int min_prec)
{
    StrBuf sb = {0};
    put_expr(&sb, e, min_prec);
    return sb_take(&sb);
}

/* ---- types and small pieces ------------------------------------------------------------------ */

static void put_label(StrBuf *sb, const char *label)
{
    if (!label) return;
    sb_putc(sb, ' ');
    put_string(sb, label);
}

static char *enum_value_text(const EnumValueDecl *v)
{
    StrBuf sb = {0};
    sb_puts(&sb, v->name.text);
    put_label(&sb, v->label);
    if (v->code) {
        sb_puts(&sb, " code ");
        put_string(&sb, v->code);
    }
    return sb_take(&sb);
}

/* `code "410102"`, or NULL */
static char *code_text(const char *code)
{
    if (!code) return NULL;
    StrBuf sb = {0};
    sb_puts(&sb, "code ");
    put_string(&sb, code);
    return sb_take(&sb);
}

static void put_type(StrBuf *sb, const TypeExpr *t)
{
    switch (t->kind) {
    case TE_NAMED: sb_puts(sb, t->name.text); break;
    case TE_TABLE: sb_printf(sb, "%s by %s", t->elem->name.text, t->key.text); break;
    case TE_ENUM:
        sb_puts(sb, "enum(");
        for (size_t i = 0; i < t->values.count; i++) {
            char *v = enum_value_text(&t->values.items[i]);
            sb_printf(sb, "%s%s", i ? ", " : "", v);
            free(v);
        }
        sb_putc(sb, ')');
        break;
    }
}

static char *type_text(const TypeExpr *t)
{
    StrBuf sb = {0};
    put_type(&sb, t);
    return sb_take(&sb);
}

/* `"label"` (no leading space), or "" */
static char *label_text(const char *label)
{
    StrBuf sb = {0};
    if (label) put_string(&sb, label);
    return sb_take(&sb);
}

/* `cite "…"`, or NULL */
static char *cite_text(const char *cite)
{
    if (!cite) return NULL;
    StrBuf sb = {0};
    sb_puts(&sb, "cite ");
    put_string(&sb, cite);
    return sb_take(&sb);
}

static void put_names(StrBuf *sb, const NameList *l)
{
    for (size_t i = 0; i < l->count; i++) sb_printf(sb, "%s%s", i ? ", " : "", l->items[i].text);
}

/* `2021: 30%, 2022: 100%` */
static void put_shares(StrBuf *sb, const ShareList *l)
{
    for (size_t i = 0; i < l->count; i++) {
        sb_printf(sb, "%s%lld: ", i ? ", " : "", (long long)l->items[i].year);
        put_expr(sb, l->items[i].percent, PREC_UNARY);
    }
}

static void put_per(StrBuf *sb, const Name *per)
{
    if (per->text) sb_printf(sb, " per %s", per->text);
}

/* ---- filling lines --------------------------------------------------------------------------- */

/* A sequence of pieces to set on as few lines as fit. */
typedef struct Fill {
    int n;
    const int *w;             /* width of each piece */
    const int *join;          /* width of what joins piece i to piece i-1 on one line */
    const int *cont;          /* column where piece i starts when it begins a line */
    int first;                /* column where piece 0 starts */
    int line_tail;            /* width added at the end of a broken line (a comma) */
    int last_tail;            /* width after the last piece */
} Fill;

/* Break before piece i (brk[i]) when it would not fit in `limit`; returns the line count. */
static int fill_greedy(const Fill *f, int limit, bool *brk)
{
    int col = f->first + f->w[0], lines = 1;
    for (int i = 1; i < f->n; i++) {
        int same = col + f->join[i] + f->w[i];
        int tail = i == f->n - 1 ? f->last_tail : f->line_tail;
        brk[i] = same + tail > limit;
        if (brk[i]) lines++;
        col = brk[i] ? f->cont[i] + f->w[i] : same;
    }
    return lines;
}

/* As few lines as fit in LIMIT, made as even as possible: the narrowest limit that still
 * gives that many lines. */
static void fill_balanced(const Fill *f, bool *brk)
{
    int lines = fill_greedy(f, LIMIT, brk), best = LIMIT;
    for (int limit = LIMIT - 1; limit > 0 && fill_greedy(f, limit, brk) == lines; limit--)
        best = limit;
    fill_greedy(f, best, brk);
}

typedef struct Piece {
    const char *op;           /* the operator before it, NULL for the first */
    char *text;
} Piece;

typedef VEC(Piece) PieceList;

/* The operands of a chain of one left-associative operator, as they print. */
static void chain_pieces(PieceList *out, const Expr *e, BinOp op, const char *op_before)
{
    Piece pc = {op_before, NULL};
    if (e->kind == EX_BINARY && e->op == op) {
        chain_pieces(out, e->lhs, op, op_before);
        pc.op = ast_op_text(op);
        pc.text = expr_text(e->rhs, binary_prec(op) + 1);
    } else {
        pc.text = expr_text(e, binary_prec(op));
    }
    VEC_PUSH(out, pc);
}

static void put_pieces(StrBuf *sb, const PieceList *pcs, const bool *brk, int at, int indent,
                       const char *kw)
{
    int kwlen = kw ? (int)strlen(kw) : 0;
    sb_pad(sb, indent - at);
    if (kw) sb_printf(sb, "%s ", kw);
    sb_puts(sb, pcs->items[0].text);
    for (size_t i = 1; i < pcs->count; i++) {
        const char *op = pcs->items[i].op;
        if (brk[i]) {
            sb_putc(sb, '\n');
            sb_pad(sb, kw ? max_int(indent, indent + kwlen - (int)strlen(op)) : indent);
        } else {
            sb_putc(sb, ' ');
        }
        sb_printf(sb, "%s %s", op, pcs->items[i].text);
    }
}

/* `[kw ]e` at column `indent` (the text so far ends at column `at`), broken before the
 * top-level and/or of e when it does not fit in LIMIT. Continuation lines right-align their
 * operator with kw so the operands line up (`when a` / ` and b`), or start at indent when
 * there is no kw. */
static void put_chain(StrBuf *sb, int at, int indent, const char *kw, const Expr *e)
{
    PieceList pcs = {0};
    if (e->kind == EX_BINARY && (e->op == BIN_AND || e->op == BIN_OR)) {
        chain_pieces(&pcs, e, e->op, NULL);
    } else {
        Piece pc = {NULL, expr_text(e, PREC_COND)};
        VEC_PUSH(&pcs, pc);
    }
    int n = (int)pcs.count, kwlen = kw ? (int)strlen(kw) + 1 : 0;
    int *w = xcalloc((size_t)n * 3, sizeof *w), *join = w + n, *cont = w + 2 * n;
    bool *brk = xcalloc((size_t)n, sizeof *brk);
    for (int i = 0; i < n; i++) {
        w[i] = width_of(pcs.items[i].text);
        if (!i) continue;
        join[i] = (int)strlen(pcs.items[i].op) + 2;
        cont[i] = indent + (kw ? kwlen : (int)strlen(pcs.items[i].op) + 1);
    }
    Fill f = {n, w, join, cont, indent + kwlen, 0, 0};
    fill_balanced(&f, brk);
    put_pieces(sb, &pcs, brk, at, indent, kw);
    for (int i = 0; i < n; i++) free(pcs.items[i].text);
    free(pcs.items);
    free(w);
    free(brk);
}

/* A case of two or more arms as a table of arms under `case`:
 *   case when a then x
 *        when b then y
 *        else z */
static void put_case_lines(StrBuf *sb, int indent, const Expr *e)
{
    for (size_t i = 0; i < e->conds.count; i++) {
        sb_pad(sb, i ? indent + 5 : indent);
        sb_puts(sb, i ? "when " : "case when ");
        put_expr(sb, e->conds.items[i], PREC_OR);
        sb_puts(sb, " then ");
        put_expr(sb, e->items.items[i], PREC_OR);
        sb_putc(sb, '\n');
    }
    sb_pad(sb, indent + 5);
    sb_puts(sb, "else ");
    put_expr(sb, e->rhs, PREC_COND);
}

/* `head value` (head ends in '='): on one line if it fits; otherwise the value goes on the
 * next line, indented, broken at its top-level and/or if it still does not fit. */
static void put_value(StrBuf *sb, const Expr *v)
{
    if (v->kind == EX_CASE && v->conds.count >= 2) {
        sb_putc(sb, '\n');
        put_case_lines(sb, IND, v);
        return;
    }
    char *one = expr_text(v, PREC_COND);
    if (utf8_width(sb_str(sb), sb->count) + 1 + width_of(one) <= LIMIT) {
        sb_putc(sb, ' ');
        sb_puts(sb, one);
    } else {
        sb_putc(sb, '\n');
        put_chain(sb, 0, IND, NULL, v);
    }
    free(one);
}

/* ---- rows: aligned columns ------------------------------------------------------------------- */

static void column_widths(const Row *rows, size_t n, int *width)
{
    for (int j = 0; j < MAX_CELLS; j++) width[j] = 0;
    for (size_t i = 0; i < n; i++) {
        int padded = rows[i].ncell - 1 + (rows[i].tail && rows[i].tail_inline);
        for (int j = 0; j < padded; j++) width[j] = max_int(width[j], width_of(rows[i].cell[j]));
    }
}

/* Where column j starts; a column empty in every row takes no room. */
static int column_start(int indent, const int *width, int j)
{
    int col = indent;
    for (int k = 0; k < j; k++)
        if (width[k]) col += width[k] + 1;
    return col;
}

static int row_last_width(const Row *r) { return width_of(r->cell[r->ncell - 1]); }

/* Where a row's tail starts: TAIL_GAP after the column before it, or under that column's
 * start when no row of the run keeps its tail inline. */
static int tail_start(const Row *r, int indent, const int *width)
{
    int col = column_start(indent, width, r->ncell);
    return width[r->ncell - 1] ? col + TAIL_GAP - 1 : col;
}

/* Is some row's inline tail past LIMIT? */
static bool tails_overflow(const Row *rows, size_t n, int indent, const int *width)
{
    for (size_t i = 0; i < n; i++) {
        const Row *r = &rows[i];
        if (r->tail_inline && tail_start(r, indent, width) + width_of(r->tail) > LIMIT)
            return true;
    }
    return false;
}

/* Which tails stay inline: not those whose row is too long even alone; then, while some
 * inline tail still ends past LIMIT, the row with the widest last cell (which sets the tail
 * column) gives its tail up. Leaves the final column widths in `width`. */
static void decide_tails(Row *rows, size_t n, int indent, int *width)
{
    for (size_t i = 0; i < n; i++) rows[i].tail_inline = rows[i].tail != NULL;
    column_widths(rows, n, width);
    for (size_t i = 0; i < n; i++) {
        Row *r = &rows[i];
        if (r->tail_inline && column_start(indent, width, r->ncell - 1) + row_last_width(r) +
                                      TAIL_GAP + width_of(r->tail) > LIMIT)
            r->tail_inline = false;
    }
    column_widths(rows, n, width);
    while (tails_overflow(rows, n, indent, width)) {
        Row *widest = NULL;
        for (size_t i = 0; i < n; i++) {
            if (!rows[i].tail_inline) continue;
            if (!widest || row_last_width(&rows[i]) > row_last_width(widest)) widest = &rows[i];
        }
        widest->tail_inline = false;
        column_widths(rows, n, width);
    }
}

static void pad_to(StrBuf *sb, int *cur, int col)
{
    if (*cur < col) sb_pad(sb, col - *cur);
    *cur = col > *cur ? col : *cur;
}

/* Display width of the text after the last line break in sb. */
static int last_line_width(const StrBuf *sb)
{
    const char *s = sb->count ? sb->items : "";
    const char *nl = strrchr(s, '\n');
    const char *line = nl ? nl + 1 : s;
    return utf8_width(line, strlen(line));
}

/* The cells padded to their columns; a last cell of a long condition breaks over lines.
 * The tail follows inline, or on the last line of a broken condition if there is room at
 * the tail column, or else on a line of its own at that column. */
static void render_row(Row *r, int indent, const int *width)
{
    StrBuf sb = {0};
    int cur = 0;
    for (int j = 0; j < r->ncell; j++) r->col[j] = column_start(indent, width, j);
    int tail_col = r->col[r->ncell] = tail_start(r, indent, width);
    for (int j = 0; j < r->ncell; j++) {
        pad_to(&sb, &cur, r->col[j]);
        if (j == r->ncell - 1 && r->chain && cur + width_of(r->cell[j]) > LIMIT)
            put_chain(&sb, cur, cur, r->chain_kw, r->chain);
        else
            sb_puts(&sb, r->cell[j]);
        cur = last_line_width(&sb);
    }
    if (r->tail) {
        bool fits = cur + TAIL_GAP <= tail_col && tail_col + width_of(r->tail) <= LIMIT;
        if (!r->tail_inline && !fits) {
            sb_putc(&sb, '\n');
            cur = 0;
        }
        pad_to(&sb, &cur, tail_col);
        sb_puts(&sb, r->tail);
    }
    r->text = sb_take(&sb);
}

/* Lay out rows in runs: neighbours of one kind with no blank line between them. */
static void layout_rows(const Printer *p, Row *rows, size_t n, int indent)
{
    int width[MAX_CELLS];
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && rows[j].kind == rows[i].kind; j++)
            if (has_blank_line(p, rows[j - 1].end, rows[j].start)) break;
        decide_tails(rows + i, j - i, indent, width);
        for (size_t k = i; k < j; k++)
            if (rows[k].ncell) render_row(&rows[k], indent, width);
    }
}

static void emit_row(Printer *p, const Row *r, int indent)
{
    item_begin(p, indent, r->start, r->end);
    emit_text(p, r->text);
    item_end(p, r->end);
}

static void emit_rows(Printer *p, const RowList *rows, int indent)
{
    for (size_t i = 0; i < rows->count; i++) emit_row(p, &rows->items[i], indent);
}

static void free_rows(RowList *rows)
{
    for (size_t i = 0; i < rows->count; i++) {
        Row *r = &rows->items[i];
        for (int j = 0; j < r->ncell; j++) free(r->cell[j]);
        free(r->tail);
        free(r->text);
    }
    VEC_FREE(rows);
}

static int row_cmp(const void *a, const void *b)
{
    const Row *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Blocks keep several kinds of item in separate lists; print them in source order. */
static void sort_rows(RowList *rows)
{
    if (rows->count > 1) qsort(rows->items, rows->count, sizeof *rows->items, row_cmp);
}

static Row *new_row(RowList *rows, int kind, Span span)
{
    Row r = {.kind = kind, .start = span.start, .end = span.end};
    VEC_PUSH(rows, r);
    return &rows->items[rows->count - 1];
}

static void set_cells(Row *r, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    for (int j = 0; j < n; j++) r->cell[j] = va_arg(ap, char *);
    va_end(ap);
    r->ncell = n;
}

/* ---- declarations without a block ------------------------------------------------------------ */

static void policy_text(StrBuf *sb, const Decl *d)
{
    sb_puts(sb, "policy ");
    put_string(sb, d->label);
    if (d->source) {
        sb_puts(sb, " source ");
        put_string(sb, d->source);
    }
    if (d->cite_rule.text) sb_printf(sb, " cite %s", d->cite_rule.text);
}

/* param and let: `let name[: type] ["label"] = value` */
static void binding_text(StrBuf *sb, const Decl *d)
{
    sb_printf(sb, "%s %s", d->kind == DECL_PARAM ? "param" : "let", d->name.text);
    if (d->type) {
        sb_puts(sb, ": ");
        put_type(sb, d->type);
    }
    put_label(sb, d->label);
    sb_puts(sb, " =");
    put_value(sb, d->value);
}

/* `category name "label" cite "…" when cond`, the condition on its own line if too long. */
static void category_text(StrBuf *sb, const Decl *d)
{
    sb_printf(sb, "category %s", d->name.text);
    put_label(sb, d->label);
    if (d->cite) {
        sb_puts(sb, " cite ");
        put_string(sb, d->cite);
    }
    char *when = expr_text(d->when, PREC_COND);
    if (utf8_width(sb_str(sb), sb->count) + 6 + width_of(when) <= LIMIT) {
        sb_printf(sb, " when %s", when);
    } else {
        sb_putc(sb, '\n');
        put_chain(sb, 0, IND, "when", d->when);
    }
    free(when);
}

static void print_simple(Printer *p, const Decl *d)
{
    StrBuf sb = {0};
    switch (d->kind) {
    case DECL_POLICY: policy_text(&sb, d); break;
    case DECL_CATEGORY: category_text(&sb, d); break;
    default: binding_text(&sb, d); break;
    }
    item_begin(p, 0, d->span.start, d->span.end);
    emit_text(p, sb_str(&sb));
    item_end(p, d->span.end);
    sb_free(&sb);
}

/* A top-level block: header found from `search` (past any expression in the header), rows
 * already laid out, closing brace the last byte of the declaration. */
static void print_block(Printer *p, const Decl *d, const char *head, uint32_t search, RowList *rows)
{
    uint32_t open = find_char(p, search, '{'), close = d->span.end - 1;
    if (open_block(p, 0, head, d->span.start, open, close, rows->count > 0)) {
        emit_rows(p, rows, IND);
        close_block(p, 0, close);
    }
    free_rows(rows);
}

/* ---- enum and record ------------------------------------------------------------------------- */

static void print_enum(Printer *p, const Decl *d)
{
    RowList rows = {0};
    for (size_t i = 0; i < d->values.count; i++) {
        const EnumValueDecl *v = &d->values.items[i];
        uint32_t end = v->code ? v->code_span.end : v->label ? v->label_span.end : v->name.span.end;
        Span sp = {NULL, v->name.span.start, end};
        Row *r = new_row(&rows, 0, sp);
        /* a value named `code` after one without a code keeps its comma: without it, `code`
         * would start the code clause of the value before (language.md §4.3) */
        bool comma = !v->code && i + 1 < d->values.count && !strcmp(d->values.items[i + 1].name.text, "code");
        if (v->code) set_cells(r, 3, xstrdup(v->name.text), label_text(v->label), code_text(v->code));
        else if (comma && v->label) {
            char *l = label_text(v->label);
            set_cells(r, 2, xstrdup(v->name.text), xasprintf("%s,", l));
            free(l);
        }
        else if (comma) set_cells(r, 1, xasprintf("%s,", v->name.text));
        else if (v->label) set_cells(r, 2, xstrdup(v->name.text), label_text(v->label));
        else set_cells(r, 1, xstrdup(v->name.text));
    }
    layout_rows(p, rows.items, rows.count, IND);
    StrBuf head = {0};
    sb_printf(&head, "enum %s", d->name.text);
    put_label(&head, d->label);
    print_block(p, d, sb_str(&head), d->name.span.end, &rows);
    sb_free(&head);
}

/* `key default x in 0..4`, or NULL */
static char *field_attrs(const Field *f)
{
    StrBuf sb = {0};
    if (f->is_key) sb_puts(&sb, " key");
    if (f->default_value) {
        sb_puts(&sb, " default ");
        put_expr(&sb, f->default_value, PREC_UNARY);
    }
    if (f->range) {
        sb_puts(&sb, " in ");
        put_in_rhs(&sb, f->range);
    }
    if (!sb.count) return NULL;
    char *s = xstrdup(sb_str(&sb) + 1);
    sb_free(&sb);
    return s;
}

/* What follows a field's type: ` "label" key default …` */
static char *field_after_type(const Field *f)
{
    StrBuf sb = {0};
    put_label(&sb, f->label);
    char *attrs = field_attrs(f);
    if (attrs) sb_printf(&sb, " %s", attrs);
    free(attrs);
    return sb_take(&sb);
}

/* name:, type, label, attributes in columns. A field of an inline enum type keeps type,
 * label and attributes in one cell, so its long type does not widen the others' columns. */
static void field_row(RowList *rows, const Field *f)
{
    Row *r = new_row(rows, 0, f->span);
    StrBuf name = {0};
    sb_printf(&name, "%s:", f->name.text);
    char *attrs = field_attrs(f);
    if (f->type->kind == TE_ENUM) {
        StrBuf rest = {0};
        put_type(&rest, f->type);
        char *after = field_after_type(f);
        sb_puts(&rest, after);
        free(after);
        set_cells(r, 2, sb_take(&name), sb_take(&rest));
        r->field = f;
        free(attrs);
    } else if (attrs) {
        set_cells(r, 4, sb_take(&name), type_text(f->type), label_text(f->label), attrs);
    } else if (f->label) {
        set_cells(r, 3, sb_take(&name), type_text(f->type), label_text(f->label));
    } else {
        set_cells(r, 2, sb_take(&name), type_text(f->type));
    }
}

static void require_row(RowList *rows, const Require *q)
{
    StrBuf sb = {0};
    sb_puts(&sb, "require ");
    put_expr(&sb, q->cond, PREC_COND);
    sb_putc(&sb, ' ');
    put_string(&sb, q->message);
    set_cells(new_row(rows, 1, q->span), 1, sb_take(&sb));
}

static void put_wrapped_values(StrBuf *sb, char **texts, const bool *brk, int n, int start)
{
    sb_puts(sb, "enum(");
    for (int i = 0; i < n; i++) {
        if (i) sb_putc(sb, ',');
        if (i && brk[i]) {
            sb_putc(sb, '\n');
            sb_pad(sb, start);
        } else if (i) {
            sb_putc(sb, ' ');
        }
        sb_puts(sb, texts[i]);
    }
    sb_putc(sb, ')');
}

/* A field whose inline enum runs past LIMIT: its values wrap, aligned after `enum(`. */
static void wrap_enum_field(Row *r)
{
    const Field *f = r->field;
    int n = (int)f->type->values.count;
    if (n < 2 || width_of(r->text) <= LIMIT) return;
    char **texts = xcalloc((size_t)n, sizeof *texts);
    int *w = xcalloc((size_t)n * 3, sizeof *w), *join = w + n, *cont = w + 2 * n;
    bool *brk = xcalloc((size_t)n, sizeof *brk);
    int start = r->col[1] + (int)strlen("enum(");
    for (int i = 0; i < n; i++) {
        texts[i] = enum_value_text(&f->type->values.items[i]);
        w[i] = width_of(texts[i]);
        join[i] = 2;
        cont[i] = start;
    }
    char *after = field_after_type(f);
    Fill fill = {n, w, join, cont, start, 1, 1 + width_of(after)};
    fill_balanced(&fill, brk);
    StrBuf sb = {0};
    sb_pad(&sb, r->col[0]);
    sb_puts(&sb, r->cell[0]);
    sb_pad(&sb, r->col[1] - r->col[0] - width_of(r->cell[0]));
    put_wrapped_values(&sb, texts, brk, n, start);
    sb_puts(&sb, after);
    free(r->text);
    r->text = sb_take(&sb);
    for (int i = 0; i < n; i++) free(texts[i]);
    free(texts);
    free(after);
    free(w);
    free(brk);
}

static void print_record(Printer *p, const Decl *d)
{
    RowList rows = {0};
    for (size_t i = 0; i < d->fields.count; i++) field_row(&rows, &d->fields.items[i]);
    for (size_t i = 0; i < d->requires.count; i++) require_row(&rows, &d->requires.items[i]);
    sort_rows(&rows);
    layout_rows(p, rows.items, rows.count, IND);
    for (size_t i = 0; i < rows.count; i++)
        if (rows.items[i].field) wrap_enum_field(&rows.items[i]);
    StrBuf head = {0};
    sb_printf(&head, "record %s", d->name.text);
    put_label(&head, d->label);
    print_block(p, d, sb_str(&head), d->name.span.end, &rows);
    sb_free(&head);
}

/* ---- placement, schedule, capacity ----------------------------------------------------------- */

/* `first second`, or `second` on a continuation line at column `cont` when the header
 * (with its ` {`) would run past LIMIT. */
static void put_head(StrBuf *sb, const char *first, const char *second, int cont)
{
    sb_puts(sb, first);
    if (width_of(first) + 1 + width_of(second) + 2 <= LIMIT) {
        sb_putc(sb, ' ');
    } else {
        sb_putc(sb, '\n');
        sb_pad(sb, cont);
    }
    sb_puts(sb, second);
}

static void print_placement(Printer *p, const Decl *d)
{
    RowList rows = {0};
    for (size_t i = 0; i < d->branches.count; i++) {
        const Branch *b = &d->branches.items[i];
        StrBuf cond = {0};
        if (b->when) {
            sb_puts(&cond, "when ");
            put_expr(&cond, b->when, PREC_COND);
        } else {
            sb_puts(&cond, "otherwise");
        }
        Row *r = new_row(&rows, 0, b->span);
        set_cells(r, 3, xstrdup(b->value.text), label_text(b->label), sb_take(&cond));
        r->tail = cite_text(b->cite);
        r->chain = b->when;
        r->chain_kw = "when";
    }
    layout_rows(p, rows.items, rows.count, IND);
    StrBuf head = {0};
    sb_printf(&head, "placement %s: ", d->name.text);
    put_type(&head, d->type);
    put_label(&head, d->label);
    sb_puts(&head, " first match");
    print_block(p, d, sb_str(&head), d->type->span.end, &rows);
    sb_free(&head);
}

static void schedule_head(StrBuf *sb, const Decl *d)
{
    StrBuf first = {0}, second = {0};
    sb_puts(&first, "schedule");
    put_label(&first, d->label);
    put_per(&first, &d->per);
    if (d->when) {
        sb_puts(&first, " when ");
        put_expr(&first, d->when, PREC_COND);
    }
    sb_puts(&second, "order by ");
    for (size_t i = 0; i < d->order.count; i++) {
        if (i) sb_puts(&second, ", ");
        put_expr(&second, d->order.items[i].expr, PREC_COND);
        if (d->order.items[i].desc) sb_puts(&second, " desc");
    }
    put_head(sb, sb_str(&first), sb_str(&second), (int)strlen("schedule "));
    sb_free(&first);
    sb_free(&second);
}

static void print_schedule(Printer *p, const Decl *d)
{
    RowList rows = {0};
    for (size_t i = 0; i < d->groups.count; i++) {
        const SchedGroup *g = &d->groups.items[i];
        StrBuf names = {0}, shares = {0};
        sb_puts(&names, g->pool ? "pool " : "each ");
        put_names(&names, &g->categories);
        sb_putc(&names, ':');
        put_shares(&shares, &g->shares);
        Row *r = new_row(&rows, 0, g->span);
        set_cells(r, 2, sb_take(&names), sb_take(&shares));
        r->tail = cite_text(g->cite);
    }
    layout_rows(p, rows.items, rows.count, IND);
    StrBuf head = {0};
    schedule_head(&head, d);
    print_block(p, d, sb_str(&head), d->order.items[d->order.count - 1].span.end, &rows);
    sb_free(&head);
}

static void capacity_head(StrBuf *sb, const Decl *d)
{
    StrBuf first = {0}, second = {0};
    sb_puts(&first, "capacity");
    put_label(&first, d->label);
    put_per(&first, &d->per);
    sb_printf(&first, " from %s headroom ", d->from.text);
    put_expr(&first, d->headroom, PREC_COND);
    sb_puts(&second, "build ");
    put_shares(&second, &d->build);
    if (d->cite) {
        sb_puts(&second, " cite ");
        put_string(&second, d->cite);
    }
    put_head(sb, sb_str(&first), sb_str(&second), (int)strlen("capacity "));
    sb_free(&first);
    sb_free(&second);
}

static void cap_item_row(RowList *rows, const CapItem *c)
{
    StrBuf beds = {0};
    sb_puts(&beds, "beds ");
    put_expr(&beds, c->beds, PREC_COND);
    if (c->minimum) {
        sb_puts(&beds, " minimum ");
        put_expr(&beds, c->minimum, PREC_COND);
    }
    Row *r = new_row(rows, 0, c->span);
    set_cells(r, 2, xstrdup(c->type.text), sb_take(&beds));
    r->tail = cite_text(c->cite);
}

/* `upgrade when cond`: the AST keeps only the condition, so the clause starts at the first
 * token after whatever item precedes it. */
static void upgrade_row(const Printer *p, RowList *rows, const Decl *d, uint32_t body)
{
    uint32_t at = d->upgrade_when->span.start, prev = body;
    for (size_t i = 0; i < d->cap_items.count; i++) {
        uint32_t end = d->cap_items.items[i].span.end;
        if (end <= at && end > prev) prev = end;
    }
    StrBuf sb = {0};
    sb_puts(&sb, "upgrade when ");
    put_expr(&sb, d->upgrade_when, PREC_COND);
    Span sp = {NULL, next_token(p, prev), d->upgrade_when->span.end};
    set_cells(new_row(rows, 1, sp), 1, sb_take(&sb));
}

static void print_capacity(Printer *p, const Decl *d)
{
    uint32_t search = d->build.items[d->build.count - 1].span.end;
    RowList rows = {0};
    for (size_t i = 0; i < d->cap_items.count; i++) cap_item_row(&rows, &d->cap_items.items[i]);
    if (d->upgrade_when) upgrade_row(p, &rows, d, find_char(p, search, '{') + 1);
    sort_rows(&rows);
    layout_rows(p, rows.items, rows.count, IND);
    StrBuf head = {0};
    capacity_head(&head, d);
    print_block(p, d, sb_str(&head), search, &rows);
    sb_free(&head);
}

/* ---- tables ---------------------------------------------------------------------------------- */

enum { ROW_TABLE_ROW, ROW_COLUMN, ROW_GROUP };

static void table_row_row(RowList *rows, const TableRow *t)
{
    StrBuf name = {0}, what = {0};
    sb_printf(&name, "row %s", t->name.text);
    if (t->total) {
        sb_puts(&what, "total");
    } else {
        sb_puts(&what, "when ");
        put_expr(&what, t->when, PREC_COND);
    }
    Row *r = new_row(rows, ROW_TABLE_ROW, t->span);
    set_cells(r, 3, sb_take(&name), label_text(t->label), sb_take(&what));
    r->chain = t->when;
    r->chain_kw = "when";
}

static char *cell_spec(const TableColumn *c)
{
    StrBuf sb = {0};
    switch (c->cell) {
    case CELL_COUNT:
        sb_puts(&sb, "count");
        if (c->expr) {
            sb_puts(&sb, " when ");
            put_expr(&sb, c->expr, PREC_COND);
        }
        break;
    case CELL_EXISTING: sb_puts(&sb, "existing"); break;
    case CELL_BUILD:
        if (c->year) sb_printf(&sb, "build %lld", (long long)c->year);
        else sb_puts(&sb, "build total");
        break;
    case CELL_BLANK: sb_puts(&sb, "blank"); break;
    }
    return sb_take(&sb);
}

static void column_row(RowList *rows, const TableColumn *c)
{
    StrBuf name = {0};
    sb_printf(&name, "column %s", c->name.text);
    Row *r = new_row(rows, ROW_COLUMN, c->span);
    set_cells(r, 3, sb_take(&name), label_text(c->label), cell_spec(c));
    r->chain = c->cell == CELL_COUNT ? c->expr : NULL;
    r->chain_kw = "count when";
    if (c->blank_rows.count) {
        StrBuf blank = {0};
        sb_puts(&blank, "blank in ");
        put_names(&blank, &c->blank_rows);
        r->tail = sb_take(&blank);
    }
}

/* The parser folds a group's columns into the table's list, each pointing at the group's
 * header string: consecutive columns with the same pointer are one group. Its row spans
 * from the `group` keyword (the first token after the item before) to its closing brace. */
static void group_rows(RowList *rows, const Decl *d)
{
    const TableColumn *cols = d->columns.items;
    for (size_t i = 0, j; i < d->columns.count; i = j) {
        for (j = i + 1; j < d->columns.count && cols[j].group == cols[i].group; j++) {}
        if (!cols[i].group) {
            for (size_t k = i; k < j; k++) column_row(rows, &cols[k]);
            continue;
        }
        Span sp = {NULL, cols[i].span.start, cols[j - 1].span.end};
        Row *r = new_row(rows, ROW_GROUP, sp);
        r->first = i;
        r->count = j - i;
    }
}

static void place_groups(const Printer *p, RowList *rows, uint32_t body)
{
    for (size_t i = 0; i < rows->count; i++) {
        Row *r = &rows->items[i];
        if (r->kind != ROW_GROUP) continue;
        r->start = next_token(p, i ? rows->items[i - 1].end : body);
        r->end = find_char(p, r->end, '}') + 1;
    }
}

static void print_group(Printer *p, const Decl *d, const Row *g)
{
    RowList rows = {0};
    for (size_t k = 0; k < g->count; k++) column_row(&rows, &d->columns.items[g->first + k]);
    layout_rows(p, rows.items, rows.count, 2 * IND);
    StrBuf head = {0};
    sb_puts(&head, "group ");
    put_string(&head, d->columns.items[g->first].group);
    uint32_t open = find_char(p, g->start, '{'), close = g->end - 1;
    if (open_block(p, IND, sb_str(&head), g->start, open, close, true)) {
        emit_rows(p, &rows, 2 * IND);
        close_block(p, IND, close);
    }
    sb_free(&head);
    free_rows(&rows);
}

static void print_table(Printer *p, const Decl *d)
{
    uint32_t open = find_char(p, d->name.span.end, '{'), close = d->span.end - 1;
    RowList rows = {0};
    for (size_t i = 0; i < d->rows.count; i++) table_row_row(&rows, &d->rows.items[i]);
    group_rows(&rows, d);
    sort_rows(&rows);
    place_groups(p, &rows, open + 1);
    layout_rows(p, rows.items, rows.count, IND);
    StrBuf head = {0};
    sb_printf(&head, "table %s ", d->name.text);
    put_string(&head, d->label);
    put_per(&head, &d->per);
    if (open_block(p, 0, sb_str(&head), d->span.start, open, close, rows.count > 0)) {
        for (size_t i = 0; i < rows.count; i++) {
            if (rows.items[i].kind == ROW_GROUP) print_group(p, d, &rows.items[i]);
            else emit_row(p, &rows.items[i], IND);
        }
        close_block(p, 0, close);
    }
    sb_free(&head);
    free_rows(&rows);
}

/* ---- the public notice ----------------------------------------------------------------------- */

enum { ROW_NOTICE_COLUMN, ROW_WITHHOLD };

static void notice_head(StrBuf *sb, const Decl *d)
{
    StrBuf first = {0}, second = {0};
    sb_puts(&first, "notice ");
    put_string(&first, d->label);
    sb_puts(&first, " per ");
    put_names(&first, &d->notice_per);
    sb_puts(&second, "period ");
    put_expr(&second, d->period_from, PREC_UNARY);
    sb_puts(&second, ", ");
    put_expr(&second, d->period_to, PREC_UNARY);
    sb_puts(&second, " office ");
    put_expr(&second, d->office, PREC_UNARY);
    put_head(sb, sb_str(&first), sb_str(&second), (int)strlen("notice "));
    sb_free(&first);
    sb_free(&second);
}

static void print_notice(Printer *p, const Decl *d)
{
    RowList rows = {0};
    for (size_t i = 0; i < d->notice_columns.count; i++) {
        const NoticeColumn *c = &d->notice_columns.items[i];
        StrBuf name = {0};
        sb_printf(&name, "column %s", c->name.text);
        Row *r = new_row(&rows, ROW_NOTICE_COLUMN, c->span);
        if (c->mask.text) set_cells(r, 3, sb_take(&name), label_text(c->label), xasprintf("mask %s", c->mask.text));
        else set_cells(r, 2, sb_take(&name), label_text(c->label));
    }
    for (size_t i = 0; i < d->withholds.count; i++) {
        const Withhold *w = &d->withholds.items[i];
        StrBuf when = {0};
        sb_puts(&when, "when ");
        put_expr(&when, w->when, PREC_COND);
        Row *r = new_row(&rows, ROW_WITHHOLD, w->span);
        set_cells(r, 3, xstrdup("withhold"), label_text(w->label), sb_take(&when));
        r->chain = w->when;
        r->chain_kw = "when";
    }
    sort_rows(&rows);
    layout_rows(p, rows.items, rows.count, IND);
    StrBuf head = {0};
    notice_head(&head, d);
    print_block(p, d, sb_str(&head), d->office->span.end, &rows);
    sb_free(&head);
}

/* ---- examples and tests ---------------------------------------------------------------------- */

static void value_rows(const Printer *p, RowList *rows, const FieldValueList *l, int indent)
{
    for (size_t i = 0; i < l->count; i++) {
        const FieldValue *fv = &l->items[i];
        StrBuf name = {0};
        sb_printf(&name, "%s:", fv->name.text);
        set_cells(new_row(rows, 0, fv->span), 2, sb_take(&name), expr_text(fv->value, PREC_COND));
    }
    layout_rows(p, rows->items, rows->count, indent);
}

static void print_example(Printer *p, const Decl *d)
{
    RowList rows = {0};
    value_rows(p, &rows, &d->given, IND);
    StrBuf head = {0};
    sb_printf(&head, "example %s", d->name.text);
    put_label(&head, d->label);
    print_block(p, d, sb_str(&head), d->name.span.end, &rows);
    sb_free(&head);
}

/* `given [base] { … }` or `expect { … }` inside a test, starting at the first token after
 * `from`; returns the offset after its closing brace. */
static uint32_t print_values_block(Printer *p, const char *head, const FieldValueList *l,
                                   uint32_t from)
{
    uint32_t start = next_token(p, from), open = find_char(p, start, '{');
    uint32_t close = find_char(p, l->count ? l->items[l->count - 1].span.end : open + 1, '}');
    RowList rows = {0};
    value_rows(p, &rows, l, 2 * IND);
    if (open_block(p, IND, head, start, open, close, l->count > 0)) {
        emit_rows(p, &rows, 2 * IND);
        close_block(p, IND, close);
    }
    free_rows(&rows);
    return close + 1;
}

static void print_test(Printer *p, const Decl *d)
{
    uint32_t open = find_char(p, d->name.span.end, '{'), close = d->span.end - 1;
    StrBuf head = {0};
    sb_puts(&head, "test ");
    put_string(&head, d->label);
    open_block(p, 0, sb_str(&head), d->span.start, open, close, true);
    sb_free(&head);
    uint32_t at = open + 1;
    for (size_t i = 0; i < d->cases.count; i++) {
        const TestCase *tc = &d->cases.items[i];
        StrBuf given = {0};
        sb_puts(&given, "given");
        if (tc->base.text) sb_printf(&given, " %s", tc->base.text);
        at = print_values_block(p, sb_str(&given), &tc->given, at);
        at = print_values_block(p, "expect", &tc->expect, at);
        sb_free(&given);
    }
    close_block(p, 0, close);
}

/* ---- the module ------------------------------------------------------------------------------ */

static void print_decl(Printer *p, const Decl *d)
{
    switch (d->kind) {
    case DECL_POLICY: case DECL_PARAM: case DECL_LET: case DECL_CATEGORY: print_simple(p, d); break;
    case DECL_ENUM: print_enum(p, d); break;
    case DECL_RECORD: print_record(p, d); break;
    case DECL_PLACEMENT: print_placement(p, d); break;
    case DECL_SCHEDULE: print_schedule(p, d); break;
    case DECL_CAPACITY: print_capacity(p, d); break;
    case DECL_TABLE: print_table(p, d); break;
    case DECL_EXAMPLE: print_example(p, d); break;
    case DECL_TEST: print_test(p, d); break;
    case DECL_NOTICE: print_notice(p, d); break;
    }
}

/* Trailing comments of consecutive lines start in one column, two cells past the longest. */
static void align_comments(Printer *p, int *col)
{
    size_t n = p->lines.count;
    for (size_t i = 0, j; i < n; i = j) {
        int widest = 0;
        for (j = i; j < n && p->lines.items[j].comment; j++)
            widest = max_int(widest, width_of(p->lines.items[j].text));
        for (size_t k = i; k < j; k++) col[k] = widest + COMMENT_GAP;
        if (j == i) j++;
    }
}

static char *render(Printer *p)
{
    while (p->lines.count && !p->lines.items[p->lines.count - 1].text) p->lines.count--;
    int *col = xcalloc(p->lines.count + 1, sizeof *col);
    align_comments(p, col);
    StrBuf out = {0};
    for (size_t i = 0; i < p->lines.count; i++) {
        const Line *l = &p->lines.items[i];
        if (l->text) sb_puts(&out, l->text);
        if (l->comment) {
            sb_pad(&out, col[i] - width_of(l->text));
            sb_puts(&out, l->comment);
        }
        sb_putc(&out, '\n');
    }
    free(col);
    return sb_take(&out);
}

static void free_lines(Printer *p)
{
    for (size_t i = 0; i < p->lines.count; i++) {
        free(p->lines.items[i].text);
        free(p->lines.items[i].comment);
    }
    VEC_FREE(&p->lines);
}

char *fmt_module(const Module *m)
{
    Printer p = {.m = m};
    p.src = m->source ? m->source->text : "";
    p.src_len = m->source ? (uint32_t)m->source->len : 0;
    for (size_t i = 0; i < m->decls.count; i++) print_decl(&p, m->decls.items[i]);
    flush_comments(&p, 0, UINT32_MAX);
    char *out = render(&p);
    free_lines(&p);
    return out;
}

bool fmt_is_canonical(const Module *m)
{
    char *text = fmt_module(m);
    size_t len = strlen(text);
    bool same = m->source && len == m->source->len && !memcmp(text, m->source->text, len);
    free(text);
    return same;
}
