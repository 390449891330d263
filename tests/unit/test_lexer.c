/* test_lexer.c — the scanner (grammar/doudi.l), driven directly through flex's reentrant API.
 *
 * Each input is scanned to the end with a ParseCtx that has no start token, so what comes back
 * is exactly the token stream the parser would see. Tokens are compared as short strings
 * ("name:年龄", "pct:3000", "not in", "(") and diagnostics as "LINE:COL severity: message",
 * so each table row reads like the input it describes. Expected values are worked out from
 * the language's rules (fixed point with 4 decimals, day numbers since 1970-01-01, columns in
 * characters), not copied from the scanner's output. */
#include "helpers.h"
#include "doudi.tab.h"
#include "doudi.lex.h"

#include <inttypes.h>

enum { MAX_TOKS = 32, MAX_DIAGS = 4 };

typedef struct Tok {
    int kind;
    uint32_t start, end;       /* byte span */
    const char *s;             /* IDENT, STRING; literal text for numbers */
    int64_t i;                 /* INT, NUMBER, PERCENT, DATE */
    bool b;                    /* BOOL */
} Tok;

typedef struct Lexed {
    Arena arena;
    SourceFile *src;
    DiagList diags;
    Module module;             /* collects comments */
    Tok toks[MAX_TOKS];
    size_t n;
} Lexed;

static Lexed *lex(const char *text)
{
    Lexed *lx = calloc(1, sizeof *lx);
    assert_non_null(lx);
    lx->src = source_new("t.doudi", text, strlen(text));
    lx->module.source = lx->src;
    ParseCtx ctx = {.arena = &lx->arena, .src = lx->src, .diags = &lx->diags, .module = &lx->module};
    yyscan_t sc;
    assert_int_equal(ddlex_init_extra(&ctx, &sc), 0);
    YY_BUFFER_STATE buf = dd_scan_bytes(lx->src->text, (int)lx->src->len, sc);
    for (;;) {
        DDSTYPE v;
        DDLTYPE loc = {0};
        memset(&v, 0, sizeof v);
        int k = ddlex(&v, &loc, sc);
        if (k == 0) break;
        assert_true(lx->n < MAX_TOKS);
        Tok t = {.kind = k, .start = loc.start, .end = loc.end};
        if (k == IDENT || k == STRING) t.s = v.s;
        else if (k == INT || k == NUMBER || k == PERCENT || k == DATE) { t.i = v.lit.i; t.s = v.lit.text; }
        else if (k == BOOL) t.b = v.b;
        lx->toks[lx->n++] = t;
    }
    dd_delete_buffer(buf, sc);
    ddlex_destroy(sc);
    return lx;
}

static void lex_free(Lexed *lx)
{
    diag_free(&lx->diags);
    arena_free(&lx->arena);
    source_free(lx->src);
    free(lx);
}

/* ---- token names ------------------------------------------------------------------------ */

typedef struct Spelling { const char *text; int kind; } Spelling;

/* Every reserved word of the language and the token it scans to. */
static const Spelling keywords[] = {
    {"policy", KW_POLICY}, {"source", KW_SOURCE}, {"enum", KW_ENUM}, {"code", KW_CODE},
    {"record", KW_RECORD}, {"key", KW_KEY}, {"default", KW_DEFAULT}, {"require", KW_REQUIRE}, {"param", KW_PARAM},
    {"let", KW_LET}, {"category", KW_CATEGORY}, {"cite", KW_CITE}, {"when", KW_WHEN},
    {"placement", KW_PLACEMENT}, {"first", KW_FIRST}, {"match", KW_MATCH},
    {"otherwise", KW_OTHERWISE}, {"schedule", KW_SCHEDULE}, {"per", KW_PER},
    {"order", KW_ORDER}, {"by", KW_BY}, {"asc", KW_ASC}, {"desc", KW_DESC}, {"each", KW_EACH},
    {"pool", KW_POOL}, {"capacity", KW_CAPACITY}, {"from", KW_FROM}, {"headroom", KW_HEADROOM},
    {"build", KW_BUILD}, {"beds", KW_BEDS}, {"minimum", KW_MINIMUM}, {"upgrade", KW_UPGRADE},
    {"table", KW_TABLE}, {"row", KW_ROW}, {"column", KW_COLUMN}, {"group", KW_GROUP},
    {"total", KW_TOTAL}, {"count", KW_COUNT}, {"existing", KW_EXISTING}, {"blank", KW_BLANK},
    {"example", KW_EXAMPLE}, {"test", KW_TEST}, {"given", KW_GIVEN}, {"expect", KW_EXPECT},
    {"and", KW_AND}, {"or", KW_OR}, {"not", KW_NOT}, {"in", KW_IN}, {"case", KW_CASE},
    {"then", KW_THEN}, {"else", KW_ELSE}, {"if", KW_IF},
    {"notice", KW_NOTICE}, {"period", KW_PERIOD}, {"office", KW_OFFICE}, {"mask", KW_MASK},
    {"withhold", KW_WITHHOLD},
};

/* Operators and punctuation (ASCII spellings). */
static const Spelling puncts[] = {
    {"not in", KW_NOTIN}, {"..", DOTDOT}, {"==", EQEQ}, {"!=", NEQ}, {"<=", LE}, {">=", GE},
    {"<", '<'}, {">", '>'}, {"=", '='}, {"(", '('}, {")", ')'}, {",", ','}, {":", ':'},
    {"+", '+'}, {"-", '-'}, {"*", '*'}, {"/", '/'}, {"{", '{'}, {"}", '}'},
    {"[", '['}, {"]", ']'},
};

static const char *spelling(int kind)
{
    for (size_t i = 0; i < ARRAY_LEN(keywords); i++)
        if (keywords[i].kind == kind) return keywords[i].text;
    for (size_t i = 0; i < ARRAY_LEN(puncts); i++)
        if (puncts[i].kind == kind) return puncts[i].text;
    return NULL;
}

/* "name:x", "str:x", "int:1", "num:15000", "pct:3000", "date:18718", "true", "(", "not in". */
static void render_tok(StrBuf *sb, const Tok *t)
{
    switch (t->kind) {
    case IDENT: sb_printf(sb, "name:%s", t->s); break;
    case STRING: sb_printf(sb, "str:%s", t->s); break;
    case INT: sb_printf(sb, "int:%" PRId64, t->i); break;
    case NUMBER: sb_printf(sb, "num:%" PRId64, t->i); break;
    case PERCENT: sb_printf(sb, "pct:%" PRId64, t->i); break;
    case DATE: sb_printf(sb, "date:%" PRId64, t->i); break;
    case BOOL: sb_puts(sb, t->b ? "true" : "false"); break;
    default: {
        const char *s = spelling(t->kind);
        if (s) sb_puts(sb, s);
        else sb_printf(sb, "token#%d", t->kind);
    }
    }
}

/* The whole stream, tokens separated by " | ", diagnostics by "\n". */
static char *render_toks(const Lexed *lx)
{
    StrBuf sb = {0};
    for (size_t i = 0; i < lx->n; i++) {
        if (i) sb_puts(&sb, " | ");
        render_tok(&sb, &lx->toks[i]);
    }
    return sb_take(&sb);
}

static char *render_diag_lines(const DiagList *dl)
{
    StrBuf sb = {0};
    for (size_t i = 0; i < dl->count; i++) {
        char *one = diag_summary(&dl->items[i]);
        if (i) sb_putc(&sb, '\n');
        sb_puts(&sb, one);
        free(one);
    }
    return sb_take(&sb);
}

static char *join(const char *const *items, size_t max, const char *sep)
{
    StrBuf sb = {0};
    for (size_t i = 0; i < max && items[i]; i++) {
        if (i) sb_puts(&sb, sep);
        sb_puts(&sb, items[i]);
    }
    return sb_take(&sb);
}

/* ---- token streams ---------------------------------------------------------------------- */

typedef struct StreamCase {
    const char *input;
    const char *toks[MAX_TOKS];     /* rendered tokens, in order */
    const char *diags[MAX_DIAGS];   /* "LINE:COL severity: message", in order */
} StreamCase;

static void run_streams(const StreamCase *cases, size_t n)
{
    int failed = 0;
    for (size_t c = 0; c < n; c++) {
        Lexed *lx = lex(cases[c].input);
        char *got_t = render_toks(lx), *want_t = join(cases[c].toks, MAX_TOKS, " | ");
        char *got_d = render_diag_lines(&lx->diags), *want_d = join(cases[c].diags, MAX_DIAGS, "\n");
        if (strcmp(got_t, want_t) || strcmp(got_d, want_d)) {
            print_error("input: %s\n  want tokens: %s\n  got tokens:  %s\n  want diags:\n%s\n  got diags:\n%s\n",
                        cases[c].input, want_t, got_t, want_d, got_d);
            failed++;
        }
        free(got_t); free(want_t); free(got_d); free(want_d);
        lex_free(lx);
    }
    if (failed) fail_msg("%d of %zu cases failed", failed, n);
}

static void test_keywords(void **state)
{
    (void)state;
    assert_int_equal(ARRAY_LEN(keywords), 57);
    for (size_t i = 0; i < ARRAY_LEN(keywords); i++) {
        Lexed *lx = lex(keywords[i].text);
        if (lx->n != 1 || lx->toks[0].kind != keywords[i].kind)
            fail_msg("'%s' did not scan as its keyword", keywords[i].text);
        assert_int_equal(lx->toks[0].start, 0);
        assert_int_equal(lx->toks[0].end, strlen(keywords[i].text));
        assert_no_diags(&lx->diags);
        lex_free(lx);
    }
    Lexed *lx = lex("true false");
    assert_int_equal(lx->n, 2);
    assert_int_equal(lx->toks[0].kind, BOOL);
    assert_true(lx->toks[0].b);
    assert_int_equal(lx->toks[1].kind, BOOL);
    assert_false(lx->toks[1].b);
    lex_free(lx);
}

static const StreamCase identifiers[] = {
    {"x", {"name:x"}, {0}},
    {"_a1", {"name:_a1"}, {0}},
    {"adl_eat", {"name:adl_eat"}, {0}},
    {"年龄", {"name:年龄"}, {0}},
    {"年龄2", {"name:年龄2"}, {0}},
    {"a年b", {"name:a年b"}, {0}},
    {"café", {"name:café"}, {0}},
    {"保障对象 出生日期", {"name:保障对象", "name:出生日期"}, {0}},
    /* a keyword inside a longer word is a name */
    {"policy2", {"name:policy2"}, {0}},
    {"nothing", {"name:nothing"}, {0}},
    {"notices", {"name:notices"}, {0}},
    {"iff", {"name:iff"}, {0}},
    {"inside", {"name:inside"}, {0}},
    {"True", {"name:True"}, {0}},
    {"when_", {"name:when_"}, {0}},
    /* CJK punctuation is not part of a name ('、' is an input method's ',') */
    {"年、龄", {"name:年", ",", "name:龄"}, {"1:2 warning: full-width '、' read as ','"}},
    /* full-width letters and digits, '＿' and '——' (an input method's '_') are read as ASCII,
     * one warning per run; a keyword so typed is the keyword */
    {"ａｇｅ", {"name:age"}, {"1:1 warning: full-width 'ａｇｅ' read as 'age'"}},
    {"adl＿eat", {"name:adl_eat"}, {"1:4 warning: full-width '＿' read as '_'"}},
    {"edge——household", {"name:edge_household"}, {"1:5 warning: full-width '——' read as '_'"}},
    {"年龄２", {"name:年龄2"}, {"1:3 warning: full-width '２' read as '2'"}},
    {"ｗｈｅｎ x", {"when", "name:x"}, {"1:1 warning: full-width 'ｗｈｅｎ' read as 'when'"}},
    {"ｔｒｕｅ", {"true"}, {"1:1 warning: full-width 'ｔｒｕｅ' read as 'true'"}},
    /* a single em dash is punctuation, not a name */
    {"a—b", {"name:a", "name:b"}, {"1:2 error: unexpected character '—'"}},
    {"年龄（", {"name:年龄", "("}, {"1:3 warning: full-width '（' read as '('"}},
    {"2abc", {"name:2abc"}, {"1:1 error: a name cannot start with a digit: '2abc'"}},
    {"x 3年", {"name:x", "name:3年"}, {"1:3 error: a name cannot start with a digit: '3年'"}},
};

static void test_identifiers(void **state)
{
    (void)state;
    run_streams(identifiers, ARRAY_LEN(identifiers));
}

static const StreamCase punctuation[] = {
    {".. == != <= >= < > = ( ) , : + - * / { } [ ]",
     {"..", "==", "!=", "<=", ">=", "<", ">", "=", "(", ")", ",", ":", "+", "-", "*", "/",
      "{", "}", "[", "]"}, {0}},
    {"a<=b", {"name:a", "<=", "name:b"}, {0}},
    {"a==b", {"name:a", "==", "name:b"}, {0}},
    {"a=b", {"name:a", "=", "name:b"}, {0}},
    {"a<b", {"name:a", "<", "name:b"}, {0}},
    {"f(x)[k]", {"name:f", "(", "name:x", ")", "[", "name:k", "]"}, {0}},
    {"-1", {"-", "int:1"}, {0}},
    {"0..4", {"int:0", "..", "int:4"}, {0}},
    {"1.5..2", {"num:15000", "..", "int:2"}, {0}},
    {"2021-4-1", {"int:2021", "-", "int:4", "-", "int:1"}, {0}},
    {"30%abc", {"pct:3000", "name:abc"}, {0}},
};

static void test_punctuation(void **state)
{
    (void)state;
    run_streams(punctuation, ARRAY_LEN(punctuation));
}

/* ---- literals --------------------------------------------------------------------------- */

typedef struct LiteralCase {
    const char *input;
    int kind;
    int64_t value;
    const char *diag;           /* NULL: none; the value is not checked when there is one */
    const char *text;           /* the text kept for fmt, when it is not the input (ASCII) */
} LiteralCase;

static const LiteralCase literals[] = {
    {"0", INT, 0, NULL, NULL},
    {"42", INT, 42, NULL, NULL},
    {"007", INT, 7, NULL, NULL},
    {"9223372036854775807", INT, INT64_MAX, NULL, NULL},
    {"9223372036854775808", INT, 0, "1:1 error: '9223372036854775808' is too large (at most 9223372036854775807)", NULL},
    /* numbers: fixed point with four decimals */
    {"1.5", NUMBER, 15000, NULL, NULL},
    {"0.0001", NUMBER, 1, NULL, NULL},
    {"10.25", NUMBER, 102500, NULL, NULL},
    {"2.50000", NUMBER, 25000, NULL, NULL},                 /* zeros past the 4th decimal are exact */
    {"3.14159", NUMBER, 0, "1:1 error: '3.14159' has more than 4 decimals", NULL},
    {"922337203685477.5807", NUMBER, INT64_MAX, NULL, NULL},   /* the same limit as a CSV cell */
    {"922337203685477.5808", NUMBER, 0, "1:1 error: '922337203685477.5808' is too large (at most 922337203685477.5807)", NULL},
    /* percents: the same fixed point, so 30% = 0.3 = 3000 */
    {"30%", PERCENT, 3000, NULL, NULL},
    {"12.5%", PERCENT, 1250, NULL, NULL},
    {"100%", PERCENT, 10000, NULL, NULL},
    {"0%", PERCENT, 0, NULL, NULL},
    {"0.25%", PERCENT, 25, NULL, NULL},
    {"1.5%", PERCENT, 150, NULL, NULL},
    {"12.50%", PERCENT, 1250, NULL, NULL},
    {"30％", PERCENT, 3000, "1:3 warning: full-width '％' read as '%'", "30%"},
    /* full-width digits, '．' and '。' as a decimal point, '－' in a date: read as ASCII, one
     * warning per run, the ASCII kept for fmt */
    {"６５", INT, 65, "1:1 warning: full-width '６５' read as '65'", "65"},
    {"6５", INT, 65, "1:2 warning: full-width '５' read as '5'", "65"},
    {"１．５", NUMBER, 15000, "1:1 warning: full-width '１．５' read as '1.5'", "1.5"},
    {"1。5", NUMBER, 15000, "1:2 warning: full-width '。' read as '.'", "1.5"},
    {"３０％", PERCENT, 3000, "1:1 warning: full-width '３０％' read as '30%'", "30%"},
    {"２０２１－０４－０１", DATE, 18718, "1:1 warning: full-width '２０２１－０４－０１' read as '2021-04-01'",
     "2021-04-01"},
    {"2021-04-０1", DATE, 18718, "1:9 warning: full-width '０' read as '0'", "2021-04-01"},
    {"12.345%", PERCENT, 0, "1:1 error: '12.345%' has more than 2 decimals", NULL},
    /* dates: days since 1970-01-01 */
    {"1970-01-01", DATE, 0, NULL, NULL},
    {"1969-12-31", DATE, -1, NULL, NULL},
    {"2000-01-01", DATE, 10957, NULL, NULL},
    {"2021-04-01", DATE, 18718, NULL, NULL},
    {"2024-02-29", DATE, 19782, NULL, NULL},
    {"2021-02-29", DATE, 0, "1:1 error: '2021-02-29' is not a calendar date", NULL},
    {"2021-13-01", DATE, 0, "1:1 error: '2021-13-01' is not a calendar date", NULL},
    {"2021-04-31", DATE, 0, "1:1 error: '2021-04-31' is not a calendar date", NULL},
    {"2021-00-10", DATE, 0, "1:1 error: '2021-00-10' is not a calendar date", NULL},
};

static void test_literals(void **state)
{
    (void)state;
    int failed = 0;
    for (size_t c = 0; c < ARRAY_LEN(literals); c++) {
        const LiteralCase *lc = &literals[c];
        Lexed *lx = lex(lc->input);
        char *d = render_diag_lines(&lx->diags);
        bool is_error = lc->diag && strstr(lc->diag, " error: ");
        bool ok = lx->n == 1 && lx->toks[0].kind == lc->kind && lx->toks[0].start == 0 &&
                  lx->toks[0].end == strlen(lc->input) &&
                  strcmp(lx->toks[0].s, lc->text ? lc->text : lc->input) == 0 &&   /* for fmt */
                  strcmp(d, lc->diag ? lc->diag : "") == 0 &&
                  (is_error || lx->toks[0].i == lc->value);
        if (!ok) {
            char *t = render_toks(lx);
            print_error("input %s: want kind %d value %" PRId64 " diag \"%s\"\n  got %s, diags \"%s\"\n",
                        lc->input, lc->kind, lc->value, lc->diag ? lc->diag : "", t, d);
            free(t);
            failed++;
        }
        free(d);
        lex_free(lx);
    }
    if (failed) fail_msg("%d literal cases failed", failed);
}

/* ---- strings ---------------------------------------------------------------------------- */

typedef struct StringCase {
    const char *input;
    const char *value;          /* after unescaping */
    const char *diags[MAX_DIAGS];
} StringCase;

static const StringCase strings[] = {
    {"\"abc\"", "abc", {0}},
    {"\"\"", "", {0}},
    {"\"a\\\"b\"", "a\"b", {0}},
    {"\"a\\\\b\"", "a\\b", {0}},
    {"\"a\\\\\"", "a\\", {0}},
    {"\"a\\nb\"", "a\nb", {0}},
    {"\"a\\tb\"", "a\tb", {0}},
    {"\"保障对象\"", "保障对象", {0}},
    {"\"a # not a comment\"", "a # not a comment", {0}},
    /* full-width punctuation inside a string stays as typed, without a warning */
    {"\"乡镇（街道）：＝％，\"", "乡镇（街道）：＝％，", {0}},
    {"\"“引号”\"", "“引号”", {0}},
    /* full-width quotes delimit a string like ASCII ones, with one warning at the opening quote */
    {"“保障对象”", "保障对象", {"1:1 warning: full-width '“' read as '\"'"}},
    {"“他说\"好\"”", "他说\"好\"", {"1:1 warning: full-width '“' read as '\"'"}},
    {"“a\\nb”", "a\nb", {"1:1 warning: full-width '“' read as '\"'"}},
    {"“——…”", "——…", {"1:1 warning: full-width '“' read as '\"'"}},
    {"‘保障对象’", "保障对象", {"1:1 warning: full-width '‘' read as '\"'"}},
    {"＂保障对象＂", "保障对象", {"1:1 warning: full-width '＂' read as '\"'"}},
    {"“６５、ａ”", "６５、ａ", {"1:1 warning: full-width '“' read as '\"'"}},
    /* ASCII single quotes: an error that names the quote to type, read as a string */
    {"'特困'", "特困", {"1:1 error: a string is written between double quotes: type '\"' for each '''"}},
    /* an unknown escape is reported at its backslash; the character is kept */
    {"\"a\\qb\"", "aqb", {"1:3 error: unknown escape '\\q' in string"}},
    /* unterminated strings end at the end of the line, reported at the opening quote */
    {"\"abc", "", {"1:1 error: this '\"' is never closed"}},
    {"“abc", "", {"1:1 error: this '“' is never closed"}},
    {"“abc\"", "", {"1:1 error: this '“' is never closed"}},
    {"‘abc”", "", {"1:1 error: this '‘' is never closed"}},
};

static void test_strings(void **state)
{
    (void)state;
    int failed = 0;
    for (size_t c = 0; c < ARRAY_LEN(strings); c++) {
        const StringCase *sc = &strings[c];
        Lexed *lx = lex(sc->input);
        char *d = render_diag_lines(&lx->diags), *want_d = join(sc->diags, MAX_DIAGS, "\n");
        bool ok = lx->n == 1 && lx->toks[0].kind == STRING && strcmp(lx->toks[0].s, sc->value) == 0 &&
                  lx->toks[0].start == 0 && lx->toks[0].end == strlen(sc->input) &&
                  strcmp(d, want_d) == 0;
        if (!ok) {
            char *t = render_toks(lx);
            print_error("input %s:\n  want str:%s | diags:\n%s\n  got %s | diags:\n%s\n", sc->input,
                        sc->value, want_d, t, d);
            free(t);
            failed++;
        }
        free(d);
        free(want_d);
        lex_free(lx);
    }
    if (failed) fail_msg("%d string cases failed", failed);
}

static const StreamCase unterminated[] = {
    /* the string stops at the newline; scanning goes on with the next line */
    {"\"abc\nx", {"str:", "name:x"}, {"1:1 error: this '\"' is never closed"}},
    {"let t = \"特困\nlet u = 1",
     {"let", "name:t", "=", "str:", "let", "name:u", "=", "int:1"},
     {"1:9 error: this '\"' is never closed"}},
};

static void test_unterminated(void **state)
{
    (void)state;
    run_streams(unterminated, ARRAY_LEN(unterminated));
    Lexed *lx = lex("x = “年龄\ny");
    assert_int_equal(lx->n, 4);
    assert_int_equal(lx->diags.count, 1);
    /* the error is at the opening quote, its note at the end of the line */
    assert_int_equal(lx->diags.items[0].span.start, 4);
    assert_int_equal(lx->diags.items[0].span.end, 7);
    assert_int_equal(lx->diags.items[0].note_span.start, strlen("x = “年龄"));
    assert_int_equal(lx->diags.items[0].note_span.end, strlen("x = “年龄"));
    assert_string_equal(lx->diags.items[0].note,
                        "a string ends on the line it starts: type '”' before the end of the line");
    lex_free(lx);
}

/* ---- full-width punctuation ------------------------------------------------------------- */

static const StreamCase fullwidth[] = {
    {"f（x）", {"name:f", "(", "name:x", ")"},
     {"1:2 warning: full-width '（' read as '('", "1:4 warning: full-width '）' read as ')'"}},
    {"a，b", {"name:a", ",", "name:b"}, {"1:2 warning: full-width '，' read as ','"}},
    {"a：int", {"name:a", ":", "name:int"}, {"1:2 warning: full-width '：' read as ':'"}},
    /* doudi has no ';': both spellings are an error that names it, and no token */
    {"a；", {"name:a"}, {"1:2 error: unexpected '；': doudi needs no ';' (a declaration ends where the next begins)"}},
    {"a;", {"name:a"}, {"1:2 error: unexpected ';': doudi needs no ';' (a declaration ends where the next begins)"}},
    {"5％", {"pct:500"}, {"1:2 warning: full-width '％' read as '%'"}},
    {"a＝1", {"name:a", "=", "int:1"}, {"1:2 warning: full-width '＝' read as '='"}},
    {"a＞1", {"name:a", ">", "int:1"}, {"1:2 warning: full-width '＞' read as '>'"}},
    {"a＜1", {"name:a", "<", "int:1"}, {"1:2 warning: full-width '＜' read as '<'"}},
    {"x “是”", {"name:x", "str:是"}, {"1:3 warning: full-width '“' read as '\"'"}},
    {"a　b", {"name:a", "name:b"}, {"1:2 warning: full-width space read as ' '"}},
    /* two-character operators: one warning per run of full-width characters */
    {"a＝＝1", {"name:a", "==", "int:1"}, {"1:2 warning: full-width '＝＝' read as '=='"}},
    {"a＞＝1", {"name:a", ">=", "int:1"}, {"1:2 warning: full-width '＞＝' read as '>='"}},
    {"a＜＝1", {"name:a", "<=", "int:1"}, {"1:2 warning: full-width '＜＝' read as '<='"}},
    {"a！＝1", {"name:a", "!=", "int:1"}, {"1:2 warning: full-width '！＝' read as '!='"}},
    {"a！=1", {"name:a", "!=", "int:1"}, {"1:2 warning: full-width '！' read as '!'"}},
    {"a>＝1", {"name:a", ">=", "int:1"}, {"1:3 warning: full-width '＝' read as '='"}},
    {"a＜=1", {"name:a", "<=", "int:1"}, {"1:2 warning: full-width '＜' read as '<'"}},
    {"a!＝1", {"name:a", "!=", "int:1"}, {"1:3 warning: full-width '＝' read as '='"}},
    {"a=＝1", {"name:a", "==", "int:1"}, {"1:3 warning: full-width '＝' read as '='"}},
    /* columns count characters, so they stay right after Chinese text and on later lines */
    {"let 年龄 = f（x）", {"let", "name:年龄", "=", "name:f", "(", "name:x", ")"},
     {"1:11 warning: full-width '（' read as '('", "1:13 warning: full-width '）' read as ')'"}},
    {"# 注释（不警告）\n  老年人：bool",
     {"name:老年人", ":", "name:bool"}, {"2:6 warning: full-width '：' read as ':'"}},
    /* maths signs an input method offers */
    {"a≥1", {"name:a", ">=", "int:1"}, {"1:2 warning: '≥' read as '>='"}},
    {"a≤1", {"name:a", "<=", "int:1"}, {"1:2 warning: '≤' read as '<='"}},
    {"a≠1", {"name:a", "!=", "int:1"}, {"1:2 warning: '≠' read as '!='"}},
    {"a≧1 a≦1", {"name:a", ">=", "int:1", "name:a", "<=", "int:1"},
     {"1:2 warning: '≧' read as '>='", "1:6 warning: '≦' read as '<='"}},
    /* Chinese punctuation mode: 、 for ',', 【】 for [], 《》 for <>, full-width braces */
    {"{a、b}", {"{", "name:a", ",", "name:b", "}"}, {"1:3 warning: full-width '、' read as ','"}},
    {"t【k】", {"name:t", "[", "name:k", "]"},
     {"1:2 warning: full-width '【' read as '['", "1:4 warning: full-width '】' read as ']'"}},
    {"t［k］", {"name:t", "[", "name:k", "]"},
     {"1:2 warning: full-width '［' read as '['", "1:4 warning: full-width '］' read as ']'"}},
    {"｛a｝", {"{", "name:a", "}"},
     {"1:1 warning: full-width '｛' read as '{'", "1:3 warning: full-width '｝' read as '}'"}},
    {"a《1 b》＝2", {"name:a", "<", "int:1", "name:b", ">=", "int:2"},
     {"1:2 warning: full-width '《' read as '<'", "1:6 warning: full-width '》＝' read as '>='"}},
    {"1＋2－3＊4／5", {"int:1", "+", "int:2", "-", "int:3", "*", "int:4", "/", "int:5"},
     {"1:2 warning: full-width '＋' read as '+'", "1:4 warning: full-width '－' read as '-'",
      "1:6 warning: full-width '＊' read as '*'", "1:8 warning: full-width '／' read as '/'"}},
    {"0．．4", {"int:0", "..", "int:4"}, {"1:2 warning: full-width '．．' read as '..'"}},
    {"a ＃ 注释\nb", {"name:a", "name:b"}, {"1:3 warning: full-width '＃' read as '#'"}},
    /* not in the table: an error, not a silent guess */
    {"a？", {"name:a"}, {"1:2 error: unexpected character '？'"}},
};

static void test_fullwidth(void **state)
{
    (void)state;
    run_streams(fullwidth, ARRAY_LEN(fullwidth));
}

/* The warning's span is exactly the full-width character (3 bytes in UTF-8). */
static void test_fullwidth_spans(void **state)
{
    (void)state;
    Lexed *lx = lex("let 年龄 = f（x）");
    /* l e t ␠ 年(3) 龄(3) ␠ = ␠ f （(3) x ）(3) */
    static const uint32_t spans[][2] = {{0, 3}, {4, 10}, {11, 12}, {13, 14}, {14, 17}, {17, 18}, {18, 21}};
    assert_int_equal(lx->n, ARRAY_LEN(spans));
    for (size_t i = 0; i < lx->n; i++) {
        assert_int_equal(lx->toks[i].start, spans[i][0]);
        assert_int_equal(lx->toks[i].end, spans[i][1]);
    }
    assert_int_equal(lx->diags.count, 2);
    assert_int_equal(lx->diags.items[0].span.start, 14);
    assert_int_equal(lx->diags.items[0].span.end, 17);
    assert_int_equal(lx->diags.items[1].span.start, 18);
    assert_int_equal(lx->diags.items[1].span.end, 21);
    assert_int_equal(lx->diags.items[0].severity, DIAG_WARNING);
    assert_string_equal(lx->diags.items[0].code, "full-width");
    lex_free(lx);

    lx = lex("a＞＝1");
    assert_int_equal(lx->n, 3);
    assert_int_equal(lx->toks[1].start, 1);   /* ＞＝ is one token of 6 bytes, one warning */
    assert_int_equal(lx->toks[1].end, 7);
    assert_int_equal(lx->diags.count, 1);
    assert_int_equal(lx->diags.items[0].span.start, 1);
    assert_int_equal(lx->diags.items[0].span.end, 7);
    lex_free(lx);

    lx = lex("x>=６５");                       /* the warning covers the run, not the token */
    assert_int_equal(lx->diags.count, 1);
    assert_int_equal(lx->diags.items[0].span.start, 3);
    assert_int_equal(lx->diags.items[0].span.end, 9);
    lex_free(lx);
}

/* ---- not in, comments, bad characters ---------------------------------------------------- */

static const StreamCase not_in[] = {
    {"a not in b", {"name:a", "not in", "name:b"}, {0}},
    {"a not  in {b}", {"name:a", "not in", "{", "name:b", "}"}, {0}},
    {"a not\tin(b)", {"name:a", "not in", "(", "name:b", ")"}, {0}},
    {"not a", {"not", "name:a"}, {0}},
    {"not inside", {"not", "name:inside"}, {0}},
    {"not in_x", {"not", "name:in_x"}, {0}},
    {"not in年", {"not", "name:in年"}, {0}},
    {"nothing in x", {"name:nothing", "in", "name:x"}, {0}},
    {"x in {a}", {"name:x", "in", "{", "name:a", "}"}, {0}},
};

static void test_not_in(void **state)
{
    (void)state;
    run_streams(not_in, ARRAY_LEN(not_in));
    Lexed *lx = lex("a not  in b");
    assert_int_equal(lx->toks[1].kind, KW_NOTIN);
    assert_int_equal(lx->toks[1].start, 2);     /* one token from 'not' to 'in' */
    assert_int_equal(lx->toks[1].end, 9);
    lex_free(lx);
}

static const StreamCase comments[] = {
    {"a # comment\nb", {"name:a", "name:b"}, {0}},
    {"# only a comment", {0}, {0}},
    {"a#b", {"name:a"}, {0}},
    {"a # “（），：”@$ 、\"\nb", {"name:a", "name:b"}, {0}},
    {"\"#\" # \"", {"str:#"}, {0}},
};

static void test_comments(void **state)
{
    (void)state;
    run_streams(comments, ARRAY_LEN(comments));
    /* comments are kept with their spans (for fmt) when there is a module */
    Lexed *lx = lex("a # c1\n# 注释\nb");
    assert_int_equal(lx->module.comments.count, 2);
    assert_int_equal(lx->module.comments.items[0].span.start, 2);
    assert_int_equal(lx->module.comments.items[0].span.end, 6);
    assert_int_equal(lx->module.comments.items[1].span.start, 7);
    assert_int_equal(lx->module.comments.items[1].span.end, 7 + strlen("# 注释"));
    lex_free(lx);
}

static const StreamCase bad_chars[] = {
    {"@", {0}, {"1:1 error: unexpected character '@'"}},
    {"a $ b", {"name:a", "name:b"}, {"1:3 error: unexpected character '$'"}},
    /* other languages' operators: an error naming the word, read as that word */
    {"a & b | c", {"name:a", "and", "name:b", "or", "name:c"},
     {"1:3 error: unexpected '&': write 'and'", "1:7 error: unexpected '|': write 'or'"}},
    {"a && b || c", {"name:a", "and", "name:b", "or", "name:c"},
     {"1:3 error: unexpected '&&': write 'and'", "1:8 error: unexpected '||': write 'or'"}},
    {"!a", {"not", "name:a"}, {"1:1 error: unexpected '!': write 'not' ('!=' is 'is not equal to')"}},
    {"！a", {"not", "name:a"}, {"1:1 error: unexpected '！': write 'not' ('!=' is 'is not equal to')"}},
    {"a % b", {"name:a", "name:b"}, {"1:3 error: unexpected character '%'"}},
    {"1.", {"int:1"}, {"1:2 error: unexpected character '.'"}},
    {".5", {"int:5"}, {"1:1 error: unexpected character '.'"}},
    {"x。", {"name:x"}, {"1:2 error: unexpected character '。'"}},
    {"a ？ b", {"name:a", "name:b"}, {"1:3 error: unexpected character '？'"}},
    {"a\n  年龄 @ 1", {"name:a", "name:年龄", "int:1"}, {"2:6 error: unexpected character '@'"}},
};

static void test_bad_characters(void **state)
{
    (void)state;
    run_streams(bad_chars, ARRAY_LEN(bad_chars));
    Lexed *lx = lex("a ？ b");
    assert_int_equal(lx->diags.items[0].span.start, 2);  /* the whole character, 3 bytes */
    assert_int_equal(lx->diags.items[0].span.end, 5);
    assert_string_equal(lx->diags.items[0].code, "bad-character");
    lex_free(lx);
}

/* ---- spans and reentrancy --------------------------------------------------------------- */

static void test_spans(void **state)
{
    (void)state;
    const char *text = "category tekun \"特困\"\n  when age >= 60 # c\n";
    Lexed *lx = lex(text);
    static const struct { int kind; uint32_t start, end; } want[] = {
        {KW_CATEGORY, 0, 8}, {IDENT, 9, 14}, {STRING, 15, 23},   /* "特困": 2 + 6 bytes */
        {KW_WHEN, 26, 30}, {IDENT, 31, 34}, {GE, 35, 37}, {INT, 38, 40},
    };
    assert_int_equal(lx->n, ARRAY_LEN(want));
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        assert_int_equal(lx->toks[i].kind, want[i].kind);
        assert_int_equal(lx->toks[i].start, want[i].start);
        assert_int_equal(lx->toks[i].end, want[i].end);
    }
    assert_no_diags(&lx->diags);
    lex_free(lx);
}

/* Two scanners alive at once do not disturb each other (the REPL and the tests rely on it). */
static void test_two_scanners(void **state)
{
    (void)state;
    Arena arena = {0};
    DiagList diags = {0};
    SourceFile *s1 = source_new("one", "a b c", 5), *s2 = source_new("two", "1 2 3", 5);
    ParseCtx c1 = {.arena = &arena, .src = s1, .diags = &diags};
    ParseCtx c2 = {.arena = &arena, .src = s2, .diags = &diags};
    yyscan_t y1, y2;
    assert_int_equal(ddlex_init_extra(&c1, &y1), 0);
    assert_int_equal(ddlex_init_extra(&c2, &y2), 0);
    YY_BUFFER_STATE b1 = dd_scan_bytes(s1->text, 5, y1), b2 = dd_scan_bytes(s2->text, 5, y2);
    for (int i = 0; i < 3; i++) {
        DDSTYPE v1, v2;
        DDLTYPE l1 = {0}, l2 = {0};
        assert_int_equal(ddlex(&v1, &l1, y1), IDENT);
        assert_int_equal(ddlex(&v2, &l2, y2), INT);
        assert_int_equal(v1.s[0], 'a' + i);
        assert_int_equal(v2.lit.i, 1 + i);
        assert_ptr_equal(l1.file, s1);
        assert_ptr_equal(l2.file, s2);
        assert_int_equal(l1.start, 2 * i);
        assert_int_equal(l2.start, 2 * i);
    }
    dd_delete_buffer(b1, y1);
    dd_delete_buffer(b2, y2);
    ddlex_destroy(y1);
    ddlex_destroy(y2);
    assert_int_equal(diags.count, 0);
    arena_free(&arena);
    source_free(s1);
    source_free(s2);
}

/* Math signs that Chinese input methods offer (≥ ≤ ≠ ×) are not letters: `age≥60` is not one
 * name; ≥ is read as '>=' and × is an error of its own. */
static void test_math_signs_in_names(void **state)
{
    (void)state;
    static const StreamCase cases[] = {
        {"age≥60 a×b", {"name:age", ">=", "int:60", "name:a", "name:b"},
         {"1:4 warning: '≥' read as '>='", "1:9 error: unexpected character '×'"}},
    };
    run_streams(cases, ARRAY_LEN(cases));
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keywords),
        cmocka_unit_test(test_identifiers),
        cmocka_unit_test(test_punctuation),
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_unterminated),
        cmocka_unit_test(test_fullwidth),
        cmocka_unit_test(test_fullwidth_spans),
        cmocka_unit_test(test_not_in),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_bad_characters),
        cmocka_unit_test(test_spans),
        cmocka_unit_test(test_two_scanners),
        cmocka_unit_test(test_math_signs_in_names),
    };
    return cmocka_run_group_tests_name("lexer", tests, NULL, NULL);
}
