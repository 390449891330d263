/* test_parser.c — the grammar (grammar/doudi.y): every construct parses into the AST shape
 * it should, operators bind as the language says, soft keywords work as names, and syntax
 * errors are reported (message, line and column) and recovered from.
 *
 * Expressions are compared as S-expressions — `(or a (and b (not (== c (+ d (* e f))))))` —
 * printed by sx() below from the AST, so a shape reads at a glance. Literal values are
 * fixed point with four decimals (1.5 → num:15000, 30% → pct:3000) and dates are day
 * numbers (2021-04-01 → date:18718), worked out by hand. */
#include "helpers.h"

#include <inttypes.h>

/* ---- printing the AST ------------------------------------------------------------------- */

static const char *op_name(BinOp op)
{
    switch (op) {
    case BIN_ADD: return "+";
    case BIN_SUB: return "-";
    case BIN_MUL: return "*";
    case BIN_DIV: return "/";
    case BIN_EQ: return "==";
    case BIN_NE: return "!=";
    case BIN_LT: return "<";
    case BIN_LE: return "<=";
    case BIN_GT: return ">";
    case BIN_GE: return ">=";
    case BIN_AND: return "and";
    case BIN_OR: return "or";
    case UN_NOT: return "not";
    case UN_NEG: return "neg";
    }
    return "?";
}

static void sx(StrBuf *sb, const Expr *e);

static void sx_list(StrBuf *sb, const ExprList *l)
{
    for (size_t i = 0; i < l->count; i++) {
        sb_putc(sb, ' ');
        sx(sb, l->items[i]);
    }
}

static void sx(StrBuf *sb, const Expr *e)
{
    if (!e) { sb_puts(sb, "<null>"); return; }
    switch (e->kind) {
    case EX_INT: sb_printf(sb, "%" PRId64, e->v.i); break;
    case EX_NUMBER: sb_printf(sb, "num:%" PRId64, e->v.i); break;
    case EX_PERCENT: sb_printf(sb, "pct:%" PRId64, e->v.i); break;
    case EX_DATE: sb_printf(sb, "date:%" PRId64, e->v.i); break;
    case EX_BOOL: sb_puts(sb, e->v.b ? "true" : "false"); break;
    case EX_TEXT: sb_printf(sb, "\"%s\"", e->v.s); break;
    case EX_NAME: sb_puts(sb, e->name.text); break;
    case EX_SET:
        sb_putc(sb, '{');
        for (size_t i = 0; i < e->items.count; i++) {
            if (i) sb_putc(sb, ' ');
            sx(sb, e->items.items[i]);
        }
        sb_putc(sb, '}');
        break;
    case EX_MAP:
        sb_putc(sb, '{');
        assert_int_equal(e->keys.count, e->items.count);
        for (size_t i = 0; i < e->items.count; i++) {
            sb_printf(sb, "%s%s:", i ? " " : "", e->keys.items[i].text);
            sx(sb, e->items.items[i]);
        }
        sb_putc(sb, '}');
        break;
    case EX_RANGE:
        sb_puts(sb, "(.. ");
        sx(sb, e->lhs);
        sb_putc(sb, ' ');
        sx(sb, e->rhs);
        sb_putc(sb, ')');
        break;
    case EX_UNARY:
        sb_printf(sb, "(%s ", op_name(e->op));
        sx(sb, e->lhs);
        sb_putc(sb, ')');
        break;
    case EX_BINARY:
        sb_printf(sb, "(%s ", op_name(e->op));
        sx(sb, e->lhs);
        sb_putc(sb, ' ');
        sx(sb, e->rhs);
        sb_putc(sb, ')');
        break;
    case EX_IN:
        sb_puts(sb, e->negated ? "(not-in " : "(in ");
        sx(sb, e->lhs);
        sb_putc(sb, ' ');
        sx(sb, e->rhs);
        sb_putc(sb, ')');
        break;
    case EX_CALL:
        sb_printf(sb, "(call %s", e->name.text);
        sx_list(sb, &e->items);
        sb_putc(sb, ')');
        break;
    case EX_INDEX:
        sb_puts(sb, "(index ");
        sx(sb, e->lhs);
        sb_putc(sb, ' ');
        sx(sb, e->rhs);
        sb_putc(sb, ')');
        break;
    case EX_CASE:
        sb_puts(sb, "(case");
        assert_int_equal(e->conds.count, e->items.count);
        for (size_t i = 0; i < e->conds.count; i++) {
            sb_puts(sb, " (");
            sx(sb, e->conds.items[i]);
            sb_putc(sb, ' ');
            sx(sb, e->items.items[i]);
            sb_putc(sb, ')');
        }
        sb_puts(sb, " (else ");
        sx(sb, e->rhs);
        sb_puts(sb, "))");
        break;
    case EX_IF:
        sb_puts(sb, "(if ");
        sx(sb, e->cond);
        sb_putc(sb, ' ');
        sx(sb, e->lhs);
        sb_putc(sb, ' ');
        sx(sb, e->rhs);
        sb_putc(sb, ')');
        break;
    }
}

static void assert_sx_at(const Expr *e, const char *want, const char *file, int line)
{
    StrBuf sb = {0};
    sx(&sb, e);
    int same = strcmp(sb_str(&sb), want) == 0;
    if (!same) print_error("%s:%d: expression\n  want: %s\n  got:  %s\n", file, line, want, sb_str(&sb));
    sb_free(&sb);
    if (!same) _fail(file, line);
}
#define assert_sx(e, want) assert_sx_at((e), (want), __FILE__, __LINE__)

/* "int", "int by care_mode", "enum(a \"A\", b)" */
static void type_str(StrBuf *sb, const TypeExpr *t)
{
    if (!t) { sb_puts(sb, "<none>"); return; }
    switch (t->kind) {
    case TE_NAMED: sb_puts(sb, t->name.text); break;
    case TE_TABLE:
        type_str(sb, t->elem);
        sb_printf(sb, " by %s", t->key.text);
        break;
    case TE_ENUM:
        sb_puts(sb, "enum(");
        for (size_t i = 0; i < t->values.count; i++) {
            if (i) sb_puts(sb, ", ");
            sb_puts(sb, t->values.items[i].name.text);
            if (t->values.items[i].label) sb_printf(sb, " \"%s\"", t->values.items[i].label);
        }
        sb_putc(sb, ')');
        break;
    }
}

static void assert_type_at(const TypeExpr *t, const char *want, const char *file, int line)
{
    StrBuf sb = {0};
    type_str(&sb, t);
    int same = strcmp(sb_str(&sb), want) == 0;
    if (!same) print_error("%s:%d: type\n  want: %s\n  got:  %s\n", file, line, want, sb_str(&sb));
    sb_free(&sb);
    if (!same) _fail(file, line);
}
#define assert_type(t, want) assert_type_at((t), (want), __FILE__, __LINE__)

/* Strings that may be NULL. */
#define assert_str_or_null(got, want)                                   \
    do {                                                                \
        const char *g_ = (got), *w_ = (want);                           \
        if (!w_) assert_null(g_);                                       \
        else { assert_non_null(g_); assert_string_equal(g_, w_); }      \
    } while (0)

/* Parse a file that must be free of diagnostics and hold `n` declarations. */
static Parsed *parse_ok(const char *text, size_t n)
{
    Parsed *p = parse_text(text);
    assert_no_diags(&p->diags);
    assert_int_equal(p->mod->decls.count, n);
    return p;
}

static Decl *decl_at(Parsed *p, size_t i, DeclKind kind)
{
    assert_true(i < p->mod->decls.count);
    Decl *d = p->mod->decls.items[i];
    if (d->kind != kind)
        fail_msg("declaration %zu is a %s, not a %s", i, ast_decl_kind_name(d->kind), ast_decl_kind_name(kind));
    return d;
}

/* ---- expressions -------------------------------------------------------------------------- */

typedef struct ExprCase { const char *src, *want; } ExprCase;

static const ExprCase expr_cases[] = {
    /* precedence, loosest to tightest: or, and, not, comparisons and in, + -, * /, unary - */
    {"a or b and not c == d + e * f", "(or a (and b (not (== c (+ d (* e f))))))"},
    {"a and b or c", "(or (and a b) c)"},
    {"a or b or c", "(or (or a b) c)"},
    {"a and b and c", "(and (and a b) c)"},
    {"not a and b", "(and (not a) b)"},
    {"not not a", "(not (not a))"},
    {"not a == b", "(not (== a b))"},
    {"a - b - c", "(- (- a b) c)"},
    {"a / b * c", "(* (/ a b) c)"},
    {"a + b * c - d / e", "(- (+ a (* b c)) (/ d e))"},
    {"-a * b", "(* (neg a) b)"},
    {"- -a", "(neg (neg a))"},
    {"a - -1", "(- a (neg 1))"},
    {"(a or b) and c", "(and (or a b) c)"},
    {"a * (b + c)", "(* a (+ b c))"},
    {"a + b >= c * 2", "(>= (+ a b) (* c 2))"},
    {"a != b", "(!= a b)"},
    {"a < b", "(< a b)"},
    {"a <= b", "(<= a b)"},
    {"a > b", "(> a b)"},
    {"a >= b", "(>= a b)"},
    {"a == b and c != d", "(and (== a b) (!= c d))"},
    /* in and not in */
    {"x in 1..2", "(in x (.. 1 2))"},
    {"x in {a, b}", "(in x {a b})"},
    {"x not in {a, b}", "(not-in x {a b})"},
    {"x in s", "(in x s)"},
    {"x in -1..-2", "(in x (.. (neg 1) (neg 2)))"},
    {"x + 1 in 1..2", "(in (+ x 1) (.. 1 2))"},
    {"x in 0..4 and y", "(and (in x (.. 0 4)) y)"},
    {"not x in {a}", "(not (in x {a}))"},
    {"supporter in {none, unable} and grade in 1..2",
     "(and (in supporter {none unable}) (in grade (.. 1 2)))"},
    {"(x in s) == b", "(== (in x s) b)"},                 /* in does not chain: parenthesise */
    {"(x in s) in t", "(in (in x s) t)"},
    {"x in 1..n + 1", "(in x (.. 1 (+ n 1)))"},           /* bounds bind like operands of == */
    {"x in a * 2..b", "(in x (.. (* a 2) b))"},
    {"x not in 0..n - 1 or y", "(or (not-in x (.. 0 (- n 1))) y)"},
    {"x in {1} + 1", "(in x (+ {1} 1))"},                 /* a type error, found by check */
    /* calls, indexing, sets, maps */
    {"f()", "(call f)"},
    {"f(a, b + 1)", "(call f a (+ b 1))"},
    {"count_true(not a, not b)", "(call count_true (not a) (not b))"},
    {"t[k]", "(index t k)"},
    {"t[k][j]", "(index (index t k) j)"},
    {"f(x)[k]", "(index (call f x) k)"},
    {"-t[k]", "(neg (index t k))"},
    {"{}", "{}"},
    {"{1, 2,}", "{1 2}"},
    {"{a: 1, b: 2}", "{a:1 b:2}"},
    /* literals */
    {"1.5", "num:15000"},
    {"30%", "pct:3000"},
    {"12.5%", "pct:1250"},
    {"2021-04-01", "date:18718"},
    {"\"保障对象\"", "\"保障对象\""},
    {"true", "true"},
    {"false", "false"},
    {"年龄 >= 60", "(>= 年龄 60)"},
    /* case and if: `else` takes the longest expression it can */
    {"case when a then 1 when b then 2 else 3", "(case (a 1) (b 2) (else 3))"},
    {"case when a then 1 else 2 + 3", "(case (a 1) (else (+ 2 3)))"},
    {"case when x == 1 then a when x in {2, 3} then b else c",
     "(case ((== x 1) a) ((in x {2 3}) b) (else c))"},
    {"if a then b else c or d", "(if a b (or c d))"},
    {"if a then 1 else 2 == 3", "(if a 1 (== 2 3))"},
    {"if a then if b then 1 else 2 else 3", "(if a (if b 1 2) 3)"},
    {"1 + if a then 2 else 3 + 4", "(+ 1 (if a 2 (+ 3 4)))"},
    {"a and if b then c else d", "(and a (if b c d))"},
    {"case when a then if b then 1 else 2 else 3", "(case (a (if b 1 2)) (else 3))"},
};

/* Each expression through the REPL entry point and as the value of a `let` in a file. */
static void test_expressions(void **state)
{
    (void)state;
    int failed = 0;
    for (size_t i = 0; i < ARRAY_LEN(expr_cases); i++) {
        const ExprCase *c = &expr_cases[i];
        Arena a = {0};
        DiagList dl = {0};
        SourceFile *sf = source_new("repl", c->src, strlen(c->src));
        Decl *d;
        Expr *e;
        bool incomplete;
        bool ok = parse_repl_input(&a, sf, &dl, &d, &e, &incomplete);
        StrBuf got = {0};
        sx(&got, e);
        if (!ok || d || dl.count || strcmp(sb_str(&got), c->want)) {
            print_error("%s\n  want: %s\n  got:  %s (ok=%d, %zu diagnostics)\n", c->src, c->want,
                        sb_str(&got), ok, dl.count);
            failed++;
        }
        sb_free(&got);
        diag_free(&dl);
        arena_free(&a);
        source_free(sf);

        StrBuf text = {0};
        sb_printf(&text, "let v = %s\n", c->src);
        Parsed *p = parse_text(sb_str(&text));
        if (p->diags.count || p->mod->decls.count != 1) {
            print_error("let v = %s: did not parse as one declaration\n", c->src);
            failed++;
        } else {
            StrBuf g = {0};
            sx(&g, p->mod->decls.items[0]->value);
            if (strcmp(sb_str(&g), c->want)) {
                print_error("let v = %s\n  want: %s\n  got:  %s\n", c->src, c->want, sb_str(&g));
                failed++;
            }
            sb_free(&g);
        }
        parsed_free(p);
        sb_free(&text);
    }
    if (failed) fail_msg("%d of %zu expression cases failed", failed, ARRAY_LEN(expr_cases));
}

/* Comparisons do not chain: `a == b == c` is an error at the second operator, not
 * (a == b) == c. (Only the start of the message is checked here: see test_chain_message.) */
static void test_comparisons_do_not_chain(void **state)
{
    (void)state;
    static const struct { const char *src, *at; } cases[] = {
        {"let v = a == b == c\n", "1:16 error: unexpected '=='"},
        {"let v = a < b < c\n", "1:15 error: unexpected '<'"},
        {"let v = a != b >= c\n", "1:16 error: unexpected '>='"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        Parsed *p = parse_text(cases[i].src);
        assert_int_equal(p->diags.count, 1);
        assert_int_equal(p->mod->decls.count, 0);
        char *got = diag_summary(&p->diags.items[0]);
        if (strncmp(got, cases[i].at, strlen(cases[i].at)) != 0)
            fail_msg("%s: want \"%s...\", got \"%s\"", cases[i].src, cases[i].at, got);
        free(got);
        parsed_free(p);
    }
}

static void test_expression_spans(void **state)
{
    (void)state;
    Parsed *p = parse_ok("let v = a + b * c", 1);
    Expr *e = p->mod->decls.items[0]->value;
    assert_int_equal(e->span.start, 8);          /* a + b * c */
    assert_int_equal(e->span.end, 17);
    assert_int_equal(e->rhs->span.start, 12);    /* b * c */
    assert_int_equal(e->rhs->span.end, 17);
    assert_int_equal(e->lhs->name.span.start, 8);
    assert_int_equal(e->lhs->name.span.end, 9);
    parsed_free(p);

    p = parse_ok("let v = 年龄 in 0..4", 1);
    e = p->mod->decls.items[0]->value;
    assert_int_equal(e->kind, EX_IN);
    assert_int_equal(e->span.start, 8);
    assert_int_equal(e->span.end, strlen("let v = 年龄 in 0..4"));
    assert_int_equal(e->lhs->span.end, 8 + strlen("年龄"));
    parsed_free(p);
}

/* ---- declarations ------------------------------------------------------------------------- */

static void test_policy(void **state)
{
    (void)state;
    Parsed *p = parse_ok("policy \"郑州市特殊贫困群体兜底保障工作三年行动方案\" source \"郑民文〔2021〕16号\"\n"
                         "policy \"only a title\"\n", 2);
    Decl *d = decl_at(p, 0, DECL_POLICY);
    assert_string_equal(d->label, "郑州市特殊贫困群体兜底保障工作三年行动方案");
    assert_string_equal(d->source, "郑民文〔2021〕16号");
    assert_int_equal(d->span.start, 0);
    assert_int_equal(d->span.end, strlen("policy \"郑州市特殊贫困群体兜底保障工作三年行动方案\" source \"郑民文〔2021〕16号\""));
    d = decl_at(p, 1, DECL_POLICY);
    assert_string_equal(d->label, "only a title");
    assert_null(d->source);
    parsed_free(p);
}

static void test_enum(void **state)
{
    (void)state;
    Parsed *p = parse_ok("enum care_mode \"供养形式\" {\n"
                         "  home \"居家供养\"\n"
                         "  medical_rehab\n"
                         "  village_courtyard \"村级幸福大院\", township_home,\n"
                         "}\n"
                         "enum yn { yes, no }\n", 2);
    Decl *d = decl_at(p, 0, DECL_ENUM);
    assert_string_equal(d->name.text, "care_mode");
    assert_string_equal(d->label, "供养形式");
    assert_int_equal(d->values.count, 4);
    static const char *const names[] = {"home", "medical_rehab", "village_courtyard", "township_home"};
    static const char *const labels[] = {"居家供养", NULL, "村级幸福大院", NULL};
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(d->values.items[i].name.text, names[i]);
        assert_str_or_null(d->values.items[i].label, labels[i]);
    }
    /* "  home" starts at byte 5+2 of the text: after `enum care_mode "供养形式" {\n` */
    size_t line2 = strlen("enum care_mode \"供养形式\" {\n");
    assert_int_equal(d->values.items[0].name.span.start, line2 + 2);
    assert_int_equal(d->values.items[0].name.span.end, line2 + 6);
    d = decl_at(p, 1, DECL_ENUM);
    assert_null(d->label);
    assert_int_equal(d->values.count, 2);
    assert_string_equal(d->values.items[1].name.text, "no");
    parsed_free(p);
}

static void test_record(void **state)
{
    (void)state;
    Parsed *p = parse_ok(
        "record person \"保障对象\" {\n"
        "  id:          text \"身份证号\" key\n"
        "  township:    text \"乡镇（街道）\" default \"\"\n"
        "  grade:       int \"残疾等级\" in 0..4\n"
        "  sex:         enum(male \"男\", female \"女\") \"性别\"\n"
        "  mode:        care_mode in {home, township_home}\n"
        "  score:       number default -1.5\n"
        "  level:       int key default 0 in 0..4\n"
        "  require valid_resident_id(id) \"身份证号校验位不正确\"\n"
        "  require (grade == 0) == (mode == home) \"等级与类别不符\"\n"
        "}\n", 1);
    Decl *d = decl_at(p, 0, DECL_RECORD);
    assert_string_equal(d->name.text, "person");
    assert_string_equal(d->label, "保障对象");
    assert_int_equal(d->fields.count, 7);
    assert_int_equal(d->requires.count, 2);

    Field *f = d->fields.items;
    assert_string_equal(f[0].name.text, "id");
    assert_type(f[0].type, "text");
    assert_string_equal(f[0].label, "身份证号");
    assert_true(f[0].is_key);
    assert_null(f[0].default_value);
    assert_null(f[0].range);

    assert_string_equal(f[1].name.text, "township");
    assert_string_equal(f[1].label, "乡镇（街道）");
    assert_false(f[1].is_key);
    assert_sx(f[1].default_value, "\"\"");

    assert_string_equal(f[2].name.text, "grade");
    assert_type(f[2].type, "int");
    assert_sx(f[2].range, "(.. 0 4)");
    assert_null(f[2].default_value);

    assert_string_equal(f[3].name.text, "sex");
    assert_type(f[3].type, "enum(male \"男\", female \"女\")");
    assert_int_equal(f[3].type->kind, TE_ENUM);
    assert_string_equal(f[3].label, "性别");

    assert_type(f[4].type, "care_mode");
    assert_null(f[4].label);
    assert_sx(f[4].range, "{home township_home}");

    assert_type(f[5].type, "number");
    assert_sx(f[5].default_value, "(neg num:15000)");

    assert_true(f[6].is_key);
    assert_sx(f[6].default_value, "0");
    assert_sx(f[6].range, "(.. 0 4)");

    assert_sx(d->requires.items[0].cond, "(call valid_resident_id id)");
    assert_string_equal(d->requires.items[0].message, "身份证号校验位不正确");
    assert_sx(d->requires.items[1].cond, "(== (== grade 0) (== mode home))");
    assert_string_equal(d->requires.items[1].message, "等级与类别不符");
    parsed_free(p);

    p = parse_ok("record empty {}", 1);
    assert_int_equal(decl_at(p, 0, DECL_RECORD)->fields.count, 0);
    parsed_free(p);
}

static void test_param(void **state)
{
    (void)state;
    Parsed *p = parse_ok("param as_of: date \"摸底日期\" = 2021-04-01\n"
                         "param headroom: percent = 10%\n"
                         "param beds: int by care_mode = {village_courtyard: 20, township_home: 60}\n"
                         "param mode: enum(a, b \"B\") = a\n", 4);
    Decl *d = decl_at(p, 0, DECL_PARAM);
    assert_string_equal(d->name.text, "as_of");
    assert_type(d->type, "date");
    assert_string_equal(d->label, "摸底日期");
    assert_sx(d->value, "date:18718");

    d = decl_at(p, 1, DECL_PARAM);
    assert_string_equal(d->name.text, "headroom");
    assert_type(d->type, "percent");
    assert_null(d->label);
    assert_sx(d->value, "pct:1000");

    d = decl_at(p, 2, DECL_PARAM);
    assert_string_equal(d->name.text, "beds");
    assert_int_equal(d->type->kind, TE_TABLE);
    assert_type(d->type, "int by care_mode");
    assert_int_equal(d->value->kind, EX_MAP);
    assert_sx(d->value, "{village_courtyard:20 township_home:60}");

    d = decl_at(p, 3, DECL_PARAM);
    assert_type(d->type, "enum(a, b \"B\")");
    assert_sx(d->value, "a");
    parsed_free(p);
}

static void test_let(void **state)
{
    (void)state;
    Parsed *p = parse_ok(
        "let age \"年龄\" = years_between(birth_date, as_of)\n"
        "let self_care: enum(full \"能自理\", partial, none) \"自理能力\" =\n"
        "  case when adl_lost == 0 then full\n"
        "       when adl_lost <= 3 then partial\n"
        "       else none\n"
        "let n: int = 1\n"
        "let plain = a or b\n", 4);
    Decl *d = decl_at(p, 0, DECL_LET);
    assert_string_equal(d->name.text, "age");
    assert_null(d->type);
    assert_string_equal(d->label, "年龄");
    assert_sx(d->value, "(call years_between birth_date as_of)");

    d = decl_at(p, 1, DECL_LET);
    assert_type(d->type, "enum(full \"能自理\", partial, none)");
    assert_string_equal(d->label, "自理能力");
    assert_sx(d->value, "(case ((== adl_lost 0) full) ((<= adl_lost 3) partial) (else none))");

    d = decl_at(p, 2, DECL_LET);
    assert_type(d->type, "int");
    assert_null(d->label);
    assert_sx(d->value, "1");

    d = decl_at(p, 3, DECL_LET);
    assert_null(d->type);
    assert_null(d->label);
    parsed_free(p);
}

static void test_category(void **state)
{
    (void)state;
    Parsed *p = parse_ok(
        "category tekun \"特困供养人员\" cite \"三、(一)\"\n"
        "  when labor_capacity == none and not income_source and supporter in {none, unable}\n"
        "   and (elderly or minor or disability_grade >= 1)\n"
        "category plain when x\n"
        "category cited cite \"c\" when y\n", 3);
    Decl *d = decl_at(p, 0, DECL_CATEGORY);
    assert_string_equal(d->name.text, "tekun");
    assert_string_equal(d->label, "特困供养人员");
    assert_string_equal(d->cite, "三、(一)");
    assert_sx(d->when, "(and (and (and (== labor_capacity none) (not income_source)) "
                       "(in supporter {none unable})) (or (or elderly minor) (>= disability_grade 1)))");
    d = decl_at(p, 1, DECL_CATEGORY);
    assert_null(d->label);
    assert_null(d->cite);
    assert_sx(d->when, "x");
    d = decl_at(p, 2, DECL_CATEGORY);
    assert_null(d->label);
    assert_string_equal(d->cite, "c");
    parsed_free(p);
}

static void test_placement(void **state)
{
    (void)state;
    Parsed *p = parse_ok(
        "placement care: care_mode \"供养形式\" first match {\n"
        "  home          \"居家供养\" when home_care_met and wants_central != yes cite \"四、¶1\"\n"
        "  medical_rehab when severe_mental\n"
        "  township_home \"乡镇敬老院\" otherwise cite \"四、¶2\"\n"
        "  welfare_institution otherwise\n"
        "}\n", 1);
    Decl *d = decl_at(p, 0, DECL_PLACEMENT);
    assert_string_equal(d->name.text, "care");
    assert_type(d->type, "care_mode");
    assert_string_equal(d->label, "供养形式");
    assert_int_equal(d->branches.count, 4);
    Branch *b = d->branches.items;
    assert_string_equal(b[0].value.text, "home");
    assert_string_equal(b[0].label, "居家供养");
    assert_sx(b[0].when, "(and home_care_met (!= wants_central yes))");
    assert_string_equal(b[0].cite, "四、¶1");
    assert_string_equal(b[1].value.text, "medical_rehab");
    assert_null(b[1].label);
    assert_sx(b[1].when, "severe_mental");
    assert_null(b[1].cite);
    assert_string_equal(b[2].value.text, "township_home");
    assert_string_equal(b[2].label, "乡镇敬老院");
    assert_null(b[2].when);                       /* otherwise */
    assert_string_equal(b[2].cite, "四、¶2");
    assert_string_equal(b[3].value.text, "welfare_institution");
    assert_null(b[3].when);
    assert_null(b[3].cite);
    parsed_free(p);
}

static void test_schedule(void **state)
{
    (void)state;
    Parsed *p = parse_ok(
        "schedule \"集中供养年度安排\" per county order by adl_lost desc, category_count desc, age asc, id {\n"
        "  each tekun, orphan: 2021: 100% cite \"五、(三)\"\n"
        "  each severe_disabled: 2021: 30%, 2022: 100%\n"
        "  pool chronic_illness, disabled_care: 2021: 30%, 2022: 60%, 2023: share\n"
        "}\n"
        "schedule order by id { }\n", 2);
    Decl *d = decl_at(p, 0, DECL_SCHEDULE);
    assert_string_equal(d->label, "集中供养年度安排");
    assert_string_equal(d->per.text, "county");
    assert_int_equal(d->order.count, 4);
    static const char *const keys[] = {"adl_lost", "category_count", "age", "id"};
    static const bool desc[] = {true, true, false, false};
    for (size_t i = 0; i < 4; i++) {
        assert_sx(d->order.items[i].expr, keys[i]);
        assert_int_equal(d->order.items[i].desc, desc[i]);
    }
    assert_int_equal(d->groups.count, 3);
    SchedGroup *g = d->groups.items;
    assert_false(g[0].pool);
    assert_int_equal(g[0].categories.count, 2);
    assert_string_equal(g[0].categories.items[0].text, "tekun");
    assert_string_equal(g[0].categories.items[1].text, "orphan");
    assert_int_equal(g[0].shares.count, 1);
    assert_int_equal(g[0].shares.items[0].year, 2021);
    assert_sx(g[0].shares.items[0].percent, "pct:10000");
    assert_string_equal(g[0].cite, "五、(三)");

    assert_false(g[1].pool);
    assert_int_equal(g[1].shares.count, 2);
    assert_int_equal(g[1].shares.items[1].year, 2022);
    assert_sx(g[1].shares.items[0].percent, "pct:3000");
    assert_null(g[1].cite);

    assert_true(g[2].pool);
    assert_int_equal(g[2].categories.count, 2);
    assert_string_equal(g[2].categories.items[1].text, "disabled_care");
    assert_int_equal(g[2].shares.count, 3);
    assert_int_equal(g[2].shares.items[2].year, 2023);
    assert_sx(g[2].shares.items[2].percent, "share");    /* a percent param */

    d = decl_at(p, 1, DECL_SCHEDULE);
    assert_null(d->label);
    assert_null(d->per.text);
    assert_int_equal(d->order.count, 1);
    assert_int_equal(d->groups.count, 0);
    parsed_free(p);
}

static void test_capacity(void **state)
{
    (void)state;
    Parsed *p = parse_ok(
        "capacity \"机构建设计划\" per county from institution headroom headroom\n"
        "         build 2021: 30%, 2022: 30%, 2023: 40% cite \"五、(三) 30%、30%、40%\" {\n"
        "  village_courtyard   beds 20\n"
        "  disability_center   beds 40 minimum 1 cite \"建立一所残疾人托养中心\"\n"
        "  township_home       beds 60 + extra\n"
        "  upgrade when condition == needs_upgrade\n"
        "}\n"
        "capacity from inst headroom 10% build 2021: 100% { }\n", 2);
    Decl *d = decl_at(p, 0, DECL_CAPACITY);
    assert_string_equal(d->label, "机构建设计划");
    assert_string_equal(d->per.text, "county");
    assert_string_equal(d->from.text, "institution");
    assert_sx(d->headroom, "headroom");          /* the soft keyword read as a name */
    assert_int_equal(d->build.count, 3);
    assert_int_equal(d->build.items[0].year, 2021);
    assert_sx(d->build.items[2].percent, "pct:4000");
    assert_string_equal(d->cite, "五、(三) 30%、30%、40%");
    assert_int_equal(d->cap_items.count, 3);
    CapItem *c = d->cap_items.items;
    assert_string_equal(c[0].type.text, "village_courtyard");
    assert_sx(c[0].beds, "20");
    assert_null(c[0].minimum);
    assert_null(c[0].cite);
    assert_string_equal(c[1].type.text, "disability_center");
    assert_sx(c[1].beds, "40");
    assert_sx(c[1].minimum, "1");
    assert_string_equal(c[1].cite, "建立一所残疾人托养中心");
    assert_sx(c[2].beds, "(+ 60 extra)");
    assert_sx(d->upgrade_when, "(== condition needs_upgrade)");

    d = decl_at(p, 1, DECL_CAPACITY);
    assert_null(d->label);
    assert_null(d->per.text);
    assert_sx(d->headroom, "pct:1000");
    assert_null(d->cite);
    assert_int_equal(d->cap_items.count, 0);
    assert_null(d->upgrade_when);
    parsed_free(p);
}

static void test_table(void **state)
{
    (void)state;
    Parsed *p = parse_ok(
        "table attachment1 \"附件1 摸底统计表\" per county {\n"
        "  row tekun \"特困供养人员\" when primary == tekun\n"
        "  row total \"合计\" total\n"
        "  group \"人员数\" {\n"
        "    column dibao    \"低保对象\" count when dibao blank in tekun, orphan\n"
        "    column subtotal \"小计\"     count\n"
        "  }\n"
        "  column all      \"全部\"     count blank in total\n"
        "  column existing \"现有机构数\" existing\n"
        "  column old      \"旧\"       existing blank in tekun\n"
        "  column plan2021 \"2021年\"   build 2021\n"
        "  column plan_all \"合计\"     build total blank in total\n"
        "  column remark   \"备注\"     blank\n"
        "}\n"
        "table t \"T\" { }\n", 2);
    Decl *d = decl_at(p, 0, DECL_TABLE);
    assert_string_equal(d->name.text, "attachment1");
    assert_string_equal(d->label, "附件1 摸底统计表");
    assert_string_equal(d->per.text, "county");
    assert_int_equal(d->rows.count, 2);
    assert_string_equal(d->rows.items[0].name.text, "tekun");
    assert_string_equal(d->rows.items[0].label, "特困供养人员");
    assert_sx(d->rows.items[0].when, "(== primary tekun)");
    assert_false(d->rows.items[0].total);
    assert_string_equal(d->rows.items[1].name.text, "total");
    assert_true(d->rows.items[1].total);
    assert_null(d->rows.items[1].when);

    static const struct {
        const char *name, *label, *group;
        CellKind cell;
        const char *expr;          /* NULL: none */
        int64_t year;
        const char *blank;         /* blank rows joined by ',' */
    } want[] = {
        {"dibao", "低保对象", "人员数", CELL_COUNT, "dibao", 0, "tekun,orphan"},
        {"subtotal", "小计", "人员数", CELL_COUNT, NULL, 0, ""},
        {"all", "全部", NULL, CELL_COUNT, NULL, 0, "total"},
        {"existing", "现有机构数", NULL, CELL_EXISTING, NULL, 0, ""},
        {"old", "旧", NULL, CELL_EXISTING, NULL, 0, "tekun"},
        {"plan2021", "2021年", NULL, CELL_BUILD, NULL, 2021, ""},
        {"plan_all", "合计", NULL, CELL_BUILD, NULL, 0, "total"},
        {"remark", "备注", NULL, CELL_BLANK, NULL, 0, ""},
    };
    assert_int_equal(d->columns.count, ARRAY_LEN(want));
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        TableColumn *c = &d->columns.items[i];
        assert_string_equal(c->name.text, want[i].name);
        assert_string_equal(c->label, want[i].label);
        assert_str_or_null(c->group, want[i].group);
        assert_int_equal(c->cell, want[i].cell);
        if (want[i].expr) assert_sx(c->expr, want[i].expr);
        else assert_null(c->expr);
        assert_int_equal(c->year, want[i].year);
        StrBuf sb = {0};
        for (size_t k = 0; k < c->blank_rows.count; k++)
            sb_printf(&sb, "%s%s", k ? "," : "", c->blank_rows.items[k].text);
        assert_string_equal(sb_str(&sb), want[i].blank);
        sb_free(&sb);
    }
    d = decl_at(p, 1, DECL_TABLE);
    assert_null(d->per.text);
    assert_int_equal(d->rows.count + d->columns.count, 0);
    parsed_free(p);
}

static void test_example_and_test(void **state)
{
    (void)state;
    Parsed *p = parse_ok(
        "example elder \"孤寡老人\" {\n"
        "  age: 70\n"
        "  dibao: true,\n"
        "  county: \"410122\"\n"
        "}\n"
        "test \"孤儿进福利机构\" {\n"
        "  given elder { age: 10 guardian: none }\n"
        "  expect { primary: orphan, care: welfare_institution }\n"
        "}\n"
        "test \"no base\" { given { } expect { } }\n", 3);
    Decl *d = decl_at(p, 0, DECL_EXAMPLE);
    assert_string_equal(d->name.text, "elder");
    assert_string_equal(d->label, "孤寡老人");
    assert_int_equal(d->given.count, 3);
    assert_string_equal(d->given.items[0].name.text, "age");
    assert_sx(d->given.items[0].value, "70");
    assert_string_equal(d->given.items[1].name.text, "dibao");
    assert_sx(d->given.items[1].value, "true");
    assert_sx(d->given.items[2].value, "\"410122\"");

    d = decl_at(p, 1, DECL_TEST);
    assert_string_equal(d->label, "孤儿进福利机构");
    assert_null(d->name.text);
    assert_string_equal(d->base.text, "elder");
    assert_int_equal(d->given.count, 2);
    assert_string_equal(d->given.items[1].name.text, "guardian");
    assert_sx(d->given.items[1].value, "none");
    assert_int_equal(d->expect.count, 2);
    assert_string_equal(d->expect.items[0].name.text, "primary");
    assert_sx(d->expect.items[1].value, "welfare_institution");

    d = decl_at(p, 2, DECL_TEST);
    assert_null(d->base.text);
    assert_int_equal(d->given.count, 0);
    assert_int_equal(d->expect.count, 0);
    parsed_free(p);
}

/* Words that open a clause are still names elsewhere: a field may be called `beds`. */
static void test_soft_keywords(void **state)
{
    (void)state;
    static const char *const soft[] = {
        "source", "first", "match", "order", "asc", "desc", "each", "pool", "from", "headroom",
        "build", "beds", "upgrade", "row", "column", "group", "total", "count", "existing",
        "blank", "given", "expect", "otherwise",
    };
    StrBuf sb = {0};
    sb_puts(&sb, "record r {\n");
    for (size_t i = 0; i < ARRAY_LEN(soft); i++) sb_printf(&sb, "  %s: int\n", soft[i]);
    sb_puts(&sb, "}\n");
    Parsed *p = parse_ok(sb_str(&sb), 1);
    Decl *d = decl_at(p, 0, DECL_RECORD);
    assert_int_equal(d->fields.count, ARRAY_LEN(soft));
    for (size_t i = 0; i < ARRAY_LEN(soft); i++) assert_string_equal(d->fields.items[i].name.text, soft[i]);
    parsed_free(p);
    sb_free(&sb);

    p = parse_ok("let beds = total * count - headroom + from(order, desc)\n"
                 "let total = t[group]\n"
                 "category count when existing and not blank\n"
                 "enum column { row, given, expect }\n", 4);
    assert_string_equal(decl_at(p, 0, DECL_LET)->name.text, "beds");
    assert_sx(p->mod->decls.items[0]->value, "(+ (- (* total count) headroom) (call from order desc))");
    assert_sx(p->mod->decls.items[1]->value, "(index t group)");
    assert_sx(decl_at(p, 2, DECL_CATEGORY)->when, "(and existing (not blank))");
    assert_string_equal(decl_at(p, 3, DECL_ENUM)->values.items[2].name.text, "expect");
    parsed_free(p);

    /* hard keywords are not names */
    p = parse_text("let when = 1\n");
    assert_diag(&p->diags, 0, "1:5 error: unexpected 'when'");
    parsed_free(p);
}

/* ---- syntax errors and recovery ----------------------------------------------------------- */

/* Three mistakes in three declarations: all three reported, the rest still parsed. */
static void test_three_errors(void **state)
{
    (void)state;
    Parsed *p = parse_text(
        "policy \"p\"\n"                       /* 1 */
        "let a = 1 +* 2\n"                     /* 2: '*' cannot start an operand */
        "let b = 2\n"                          /* 3 */
        "category c \"C\" cite \"x\" b > 1\n"  /* 4: 'when' is missing */
        "let d = 4\n"                          /* 5 */
        "record r {\n"                         /* 6 */
        "  x: int\n"                           /* 7 */
        "  y int\n"                            /* 8: ':' is missing */
        "}\n"                                  /* 9 */
        "let e = 5\n");                        /* 10 */
    assert_int_equal(p->diags.count, 3);
    assert_int_equal(p->diags.errors, 3);
    assert_diag(&p->diags, 0, "2:12 error: unexpected '*'");
    assert_diag(&p->diags, 1, "4:25 error: unexpected name; expected 'when'");
    assert_diag(&p->diags, 2, "8:5 error: unexpected name; expected ':'");
    for (size_t i = 0; i < 3; i++) assert_string_equal(p->diags.items[i].code, "syntax");

    /* policy, b, d, r (with its good field), e */
    assert_int_equal(p->mod->decls.count, 5);
    decl_at(p, 0, DECL_POLICY);
    assert_string_equal(decl_at(p, 1, DECL_LET)->name.text, "b");
    assert_string_equal(decl_at(p, 2, DECL_LET)->name.text, "d");
    Decl *r = decl_at(p, 3, DECL_RECORD);
    assert_int_equal(r->fields.count, 1);
    assert_string_equal(r->fields.items[0].name.text, "x");
    assert_string_equal(decl_at(p, 4, DECL_LET)->name.text, "e");
    assert_sx(p->mod->decls.items[4]->value, "5");

    char *text = render_diags(&p->diags);
    assert_string_equal(text,
                        "t.doudi:2:12: error: unexpected '*'\n"
                        "  let a = 1 +* 2\n"
                        "             ^\n"
                        "t.doudi:4:25: error: unexpected name; expected 'when'\n"
                        "  category c \"C\" cite \"x\" b > 1\n"
                        "                          ^\n"
                        "t.doudi:8:5: error: unexpected name; expected ':'\n"
                        "    y int\n"
                        "      ^~~\n");
    free(text);
    parsed_free(p);
}

/* Inside a block, an error costs one item: the parser resumes at the next one. */
static void test_recovery_inside_blocks(void **state)
{
    (void)state;
    Parsed *p = parse_text(
        "enum t { a, b, c }\n"                                 /* 1 */
        "placement p: t first match {\n"                       /* 2 */
        "  a when x == 1 cite\n"                               /* 3 */
        "  b \"B\" when y\n"                                   /* 4: cite needs a string */
        "  c otherwise\n"                                      /* 5 */
        "}\n"                                                  /* 6 */
        "schedule order by id {\n"                             /* 7 */
        "  each a: 2021 30%\n"                                 /* 8: ':' missing after 2021 */
        "  each b: 2021: 100%\n"                               /* 9 */
        "}\n"                                                  /* 10 */
        "capacity from inst headroom 10% build 2021: 100% {\n" /* 11 */
        "  a 20\n"                                             /* 12: 'beds' missing */
        "  b beds 20\n"                                        /* 13 */
        "}\n"                                                  /* 14 */
        "table tb \"T\" {\n"                                   /* 15 */
        "  row a \"A\" when x\n"                               /* 16 */
        "  column c count\n"                                   /* 17: label missing */
        "  column d \"D\" count\n"                             /* 18 */
        "}\n");                                                /* 19 */
    assert_int_equal(p->diags.count, 4);
    assert_diag(&p->diags, 0, "4:3 error: unexpected name; expected string");
    assert_diag(&p->diags, 1, "8:16 error: unexpected percent; expected ':'");
    assert_diag(&p->diags, 2, "12:5 error: unexpected integer; expected 'beds'");
    assert_diag(&p->diags, 3, "17:12 error: unexpected 'count'; expected string");

    assert_int_equal(p->mod->decls.count, 5);
    Decl *pl = decl_at(p, 1, DECL_PLACEMENT);
    assert_int_equal(pl->branches.count, 2);
    assert_string_equal(pl->branches.items[0].value.text, "b");
    assert_string_equal(pl->branches.items[1].value.text, "c");
    Decl *sc = decl_at(p, 2, DECL_SCHEDULE);
    assert_int_equal(sc->groups.count, 1);
    assert_string_equal(sc->groups.items[0].categories.items[0].text, "b");
    Decl *cap = decl_at(p, 3, DECL_CAPACITY);
    assert_int_equal(cap->cap_items.count, 1);
    assert_string_equal(cap->cap_items.items[0].type.text, "b");
    Decl *tb = decl_at(p, 4, DECL_TABLE);
    assert_int_equal(tb->rows.count, 1);
    assert_int_equal(tb->columns.count, 1);
    assert_string_equal(tb->columns.items[0].name.text, "d");
    parsed_free(p);
}

/* `=` where `==` was meant gets a note saying so. */
static void test_assign_for_compare_hint(void **state)
{
    (void)state;
    Parsed *p = parse_text("let old = true\ncategory elderly when old = true\n");
    assert_int_equal(p->diags.count, 1);
    assert_diag(&p->diags, 0, "2:27 error: unexpected '='");
    assert_non_null(p->diags.items[0].note);
    assert_string_equal(p->diags.items[0].note, "to compare two values write '=='");
    char *text = render_diags(&p->diags);
    assert_string_equal(text, "t.doudi:2:27: error: unexpected '='\n"
                              "  category elderly when old = true\n"
                              "                            ^\n"
                              "  note: to compare two values write '=='\n");
    free(text);
    parsed_free(p);

    /* the same with a full-width '＝': the warning, then the error with its note */
    p = parse_text("let v = a ＝ b\n");
    assert_int_equal(p->diags.count, 2);
    assert_diag(&p->diags, 0, "1:11 warning: full-width '＝' read as '='");
    assert_diag(&p->diags, 1, "1:11 error: unexpected '='");
    assert_null(p->diags.items[0].note);
    assert_string_equal(p->diags.items[1].note, "to compare two values write '=='");
    parsed_free(p);

    /* other unexpected tokens get no such note */
    p = parse_text("let v = a +* b\n");
    assert_int_equal(p->diags.count, 1);
    assert_null(p->diags.items[0].note);
    parsed_free(p);
}

typedef struct ShortCase { const char *src, *diag; } ShortCase;

/* Where the parser expects few things it says which. */
static const ShortCase short_errors[] = {
    {"param x int = 1\n", "1:9 error: unexpected name; expected ':'"},
    {"placement p: t first {\n}\n", "1:22 error: unexpected '{'; expected 'match'"},
    {"schedule order id { }\n", "1:16 error: unexpected name; expected 'by'"},
    {"test \"t\" { expect { } }\n", "1:12 error: unexpected 'expect'; expected 'given'"},
    {"table t { }\n", "1:9 error: unexpected '{'; expected string"},
    {"category 年龄 \"x\" cite 1 when a\n", "1:22 error: unexpected integer; expected string"},
    {"let v = f(a b)\n", "1:13 error: unexpected name; expected ',' or ')'"},
};

static void test_short_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(short_errors); i++) {
        Parsed *p = parse_text(short_errors[i].src);
        if (p->diags.count < 1) fail_msg("%s: no error", short_errors[i].src);
        assert_diag(&p->diags, 0, short_errors[i].diag);
        parsed_free(p);
    }
}

/* After 50 syntax errors the parser stops and says so (at the end of the file). */
static void test_too_many_errors(void **state)
{
    (void)state;
    StrBuf sb = {0};
    for (int i = 0; i < 60; i++) sb_puts(&sb, "let a = 1 +* 2\n");
    Parsed *p = parse_text(sb_str(&sb));
    assert_int_equal(p->diags.count, PARSE_MAX_ERRORS + 1);
    for (int i = 0; i < PARSE_MAX_ERRORS; i++) {
        char want[64];
        snprintf(want, sizeof want, "%d:12 error: unexpected '*'", i + 1);
        assert_diag(&p->diags, (size_t)i, want);
    }
    Diag *last = &p->diags.items[PARSE_MAX_ERRORS];
    assert_string_equal(last->code, "too-many-errors");
    assert_string_equal(last->message, "too many syntax errors; stopped after 50");
    assert_int_equal(last->span.start, sb.count);
    parsed_free(p);
    sb_free(&sb);
}

/* Invalid UTF-8 is reported at its first bad byte, before any lexing. */
static void test_bad_encoding(void **state)
{
    (void)state;
    Parsed *p = parse_text("let 年 = 1\nlet x = \"\xff\"\n");
    assert_int_equal(p->diags.count, 1);
    assert_diag(&p->diags, 0, "2:10 error: this file is not valid UTF-8 (byte 0xFF); save it as UTF-8");
    assert_int_equal(p->mod->decls.count, 0);
    parsed_free(p);
}

/* ---- the REPL entry point ----------------------------------------------------------------- */

typedef struct ReplCase {
    const char *src;
    bool ok, incomplete, is_decl;
} ReplCase;

static const ReplCase repl_cases[] = {
    {"(a and", false, true, false},
    {"a )", false, false, false},
    {"f(1, ", false, true, false},
    {"{a, b", false, true, false},
    {"record r {\n  x: int", false, true, false},
    {"case when a then 1", false, true, false},
    {"a +* b", false, false, false},
    {"a b", false, false, false},
    {"let x = 1", true, false, true},
    {"age >= 60 and not dibao", true, false, false},
    {"count", true, false, false},
};

static void test_repl(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(repl_cases); i++) {
        const ReplCase *c = &repl_cases[i];
        Arena a = {0};
        DiagList dl = {0};
        SourceFile *sf = source_new("repl", c->src, strlen(c->src));
        Decl *d = (Decl *)1;
        Expr *e = (Expr *)1;
        bool incomplete = !c->incomplete;
        bool ok = parse_repl_input(&a, sf, &dl, &d, &e, &incomplete);
        if (ok != c->ok || incomplete != c->incomplete)
            fail_msg("'%s': want ok=%d incomplete=%d, got ok=%d incomplete=%d", c->src, c->ok,
                     c->incomplete, ok, incomplete);
        if (ok) {
            assert_true(c->is_decl ? d != NULL && e == NULL : d == NULL && e != NULL);
            assert_int_equal(dl.count, 0);
        } else {
            assert_null(d);
            assert_null(e);
            assert_int_equal(dl.errors, 1);
        }
        diag_free(&dl);
        arena_free(&a);
        source_free(sf);
    }

    Arena a = {0};
    DiagList dl = {0};
    SourceFile *sf = source_new("repl", "a )", 3);
    Decl *d;
    Expr *e;
    bool incomplete;
    parse_repl_input(&a, sf, &dl, &d, &e, &incomplete);
    assert_diag(&dl, 0, "1:3 error: unexpected ')': no '(' is open here");
    diag_free(&dl);
    arena_free(&a);
    source_free(sf);
}

/* ---- chains, nesting, invisible characters -------------------------------------------------- */

/* After `a == b` the parser may also see 'and', 'or' or the end of the declaration; bison's
 * list of what it expected there ('+', '-', '*' or '/') misleads, so a chained comparison is
 * reported by its token alone, with a note. */
static void test_chain_message(void **state)
{
    (void)state;
    Parsed *p = parse_text("let v = a == b == c\n");
    assert_int_equal(p->diags.count, 1);
    assert_diag(&p->diags, 0, "1:16 error: unexpected '=='");
    parsed_free(p);
}

/* `in` and `not in` are comparisons: `x in s in t` and `x in s == b` are errors at the second
 * operator (they were read as (x in s) in t before), with a note that says what to write; the
 * message names only the token, since the list of what may follow misleads here (bison would
 * name '+', '-', '*', '/' and '..', not 'and', 'or' or the end). */
static void test_in_does_not_chain(void **state)
{
    (void)state;
    static const struct { const char *src, *want; } cases[] = {
        {"let v = x in s in t\n", "1:16 error: unexpected 'in'"},
        {"let v = x in s not in t\n", "1:16 error: unexpected 'not in'"},
        {"let v = x in s == b\n", "1:16 error: unexpected '=='"},
        {"let v = x in 1..2 in t\n", "1:19 error: unexpected 'in'"},
        {"let v = b == x in s\n", "1:16 error: unexpected 'in'"},
        {"let v = a == b == c\n", "1:16 error: unexpected '=='"},
        {"let v = a < b <= c\n", "1:15 error: unexpected '<='"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        Parsed *p = parse_text(cases[i].src);
        if (p->diags.count != 1) fail_msg("%s: %zu diagnostics, want 1", cases[i].src, p->diags.count);
        assert_diag(&p->diags, 0, cases[i].want);
        assert_non_null(p->diags.items[0].note);
        assert_string_equal(p->diags.items[0].note,
                            "comparisons and 'in' do not chain: write parentheses, e.g. '(x in s) == b', "
                            "or join them with 'and'");
        parsed_free(p);
    }
    /* a comparison token where an operand should start is not a chain: no such note */
    Parsed *p = parse_text("let v = == b\n");
    assert_int_equal(p->diags.count, 1);
    assert_null(p->diags.items[0].note);
    parsed_free(p);
}

/* The parser's stack is bounded (YYMAXDEPTH 10,000 entries): a file nesting deeper gets one
 * error where the stack is full, not unbounded memory. 7 entries come before the first '(' of
 * `let x = ((...`: the start, START_FILE, the file so far, 'let', x, the empty label, '='; so
 * the 9,993rd '(' (column 8 + 9,993) is the one that does not fit. 9,000 open and closed
 * brackets are fine, and add no node: the value is the literal inside. */
static void test_nesting_limit(void **state)
{
    (void)state;
    StrBuf sb = {0};
    sb_puts(&sb, "let x = ");
    for (int i = 0; i < 20000; i++) sb_putc(&sb, '(');
    sb_puts(&sb, "1");
    for (int i = 0; i < 20000; i++) sb_putc(&sb, ')');
    Parsed *p = parse_text(sb_str(&sb));
    assert_int_equal(p->diags.count, 1);
    assert_string_equal(p->diags.items[0].code, "too-deep");
    assert_diag(&p->diags, 0, "1:10001 error: nested too deeply: more than 10000 brackets, operators and clauses "
                              "are open here; split the expression into lets");
    parsed_free(p);
    sb_free(&sb);
    sb_puts(&sb, "let x = ");
    for (int i = 0; i < 9000; i++) sb_putc(&sb, '(');
    sb_puts(&sb, "1");
    for (int i = 0; i < 9000; i++) sb_putc(&sb, ')');
    p = parse_ok(sb_str(&sb), 1);
    assert_sx(p->mod->decls.items[0]->value, "1");
    parsed_free(p);
    sb_free(&sb);
}

/* A character that shows as nothing, inside a name, is an error at that character that says
 * which it is; the name goes on without it (so `a<BOM>ge` is `age` to the rest of the file).
 * Those the scanner does not take as letters (zero-width space, soft hyphen, bidi controls)
 * are named the same way instead of printed between quotes, where they would not show. */
static void test_invisible_characters(void **state)
{
    (void)state;
    static const struct { const char *src, *name, *want; } cases[] = {
        /* U+FEFF (EF BB BF) as the 2nd character of `age`: column 10 */
        {"let a\xEF\xBB\xBFge = 1\n", "age",
         "1:6 error: the name 'age' has an invisible character as its character 2: "
         "U+FEFF ZERO WIDTH NO-BREAK SPACE (a byte order mark); delete it"},
        /* U+061C ARABIC LETTER MARK (D8 9C) after 年龄: character 3, column 7 */
        {"let 年龄\xD8\x9C = 1\n", "年龄",
         "1:7 error: the name '年龄' has an invisible character as its character 3: "
         "U+061C ARABIC LETTER MARK (a bidi control); delete it"},
        /* a variation selector U+FE0F (EF B8 8F) first in a name after `x`: character 2 */
        {"let x\xEF\xB8\x8F = 1\n", "x",
         "1:6 error: the name 'x' has an invisible character as its character 2: "
         "a variation selector (U+FE00..U+FE0F); delete it"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        Parsed *p = parse_text(cases[i].src);
        assert_int_equal(p->diags.count, 1);
        assert_string_equal(p->diags.items[0].code, "invisible-character");
        assert_diag(&p->diags, 0, cases[i].want);
        assert_int_equal(p->mod->decls.count, 1);
        assert_string_equal(p->mod->decls.items[0]->name.text, cases[i].name);
        parsed_free(p);
    }
    static const struct { const char *src, *want; } outside[] = {
        {"let x = a +\xE2\x80\x8B 1\n", "1:12 error: invisible character U+200B ZERO WIDTH SPACE; delete it"},
        {"let x\xC2\xAD = 1\n", "1:6 error: invisible character U+00AD SOFT HYPHEN; delete it"},
        {"let x = \xE2\x80\xAE" "1\n", "1:9 error: invisible character a bidi embedding or override "
                                     "(U+202A..U+202E); delete it"},
        {"let x = a @ 1\n", "1:11 error: unexpected character '@'"},   /* visible: as before */
    };
    for (size_t i = 0; i < ARRAY_LEN(outside); i++) {
        Parsed *p = parse_text(outside[i].src);
        assert_true(p->diags.count >= 1);
        assert_diag(&p->diags, 0, outside[i].want);
        parsed_free(p);
    }
    /* in a string or a comment they are text, not an error */
    Parsed *p = parse_ok("let x = \"a\xE2\x80\x8B" "b\" # \xEF\xBB\xBF\n", 1);
    parsed_free(p);
}

/* ---- reported bugs (skipped unless DOUDI_KNOWN_BUGS=1) ------------------------------------ */

/* "unexpected end of file" should point at the end of the input, not at the last token. */
static void test_bug_eof_position(void **state)
{
    (void)state;
    Parsed *p = parse_text("let x =");
    char *got = p->diags.count ? diag_summary(&p->diags.items[0]) : NULL;
    parsed_free(p);
    int same = got && strcmp(got, "1:8 error: unexpected end of file") == 0;
    if (!same) print_error("want 1:8 error: unexpected end of file, got %s\n", got ? got : "nothing");
    free(got);
    assert_true(same);
}

/* parse.h: "*incomplete is set when the input ended inside an open ... string". */
static void test_bug_repl_open_string(void **state)
{
    (void)state;
    Arena a = {0};
    DiagList dl = {0};
    SourceFile *sf = source_new("repl", "\"abc", 4);
    Decl *d;
    Expr *e;
    bool incomplete;
    bool ok = parse_repl_input(&a, sf, &dl, &d, &e, &incomplete);
    diag_free(&dl);
    arena_free(&a);
    source_free(sf);
    /* strings do not span lines: an open string is an error, not a reason to read on */
    assert_false(ok);
    assert_false(incomplete);
}

/* The scanner turns ';' (and '；') into a token the grammar never declares. */
static void test_bug_semicolon_token(void **state)
{
    (void)state;
    Parsed *p = parse_text("let v = a ; b\n");
    bool named = p->diags.count >= 1 && !strstr(p->diags.items[0].message, "invalid token");
    parsed_free(p);
    assert_true(named);
}

/* Windows Notepad saves "UTF-8" with a byte order mark; the file should still read. */
static void test_bug_byte_order_mark(void **state)
{
    (void)state;
    Parsed *p = parse_text("\xEF\xBB\xBFpolicy \"x\"\n");
    int errors = p->diags.errors;
    size_t decls = p->mod->decls.count;
    parsed_free(p);
    assert_int_equal(errors, 0);
    assert_int_equal(decls, 1);
}

/* ---- the real rule file ------------------------------------------------------------------- */

static void test_zhengzhou(void **state)
{
    (void)state;
    const char *path = "rules/zhengzhou-2021.doudi";
    SourceFile *sf = source_read(path);
    if (!sf) fail_msg("cannot read %s (run the tests from the top of the tree)", path);
    Arena a = {0};
    DiagList dl = {0};
    Module *m = parse_module(&a, sf, &dl);
    assert_no_diags(&dl);
    int counts[DECL_NOTICE + 1] = {0};
    for (size_t i = 0; i < m->decls.count; i++) counts[m->decls.items[i]->kind]++;
    static const struct { DeclKind kind; int n; } want[] = {
        {DECL_POLICY, 1}, {DECL_ENUM, 2}, {DECL_RECORD, 2}, {DECL_PARAM, 7}, {DECL_LET, 7},
        {DECL_CATEGORY, 6}, {DECL_PLACEMENT, 1}, {DECL_SCHEDULE, 1}, {DECL_CAPACITY, 1},
        {DECL_TABLE, 2}, {DECL_EXAMPLE, -1}, {DECL_TEST, -1},   /* -1: some, however many */
        {DECL_NOTICE, 1},
    };
    int total = 0;
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        int n = want[i].n < 0 && counts[want[i].kind] > 0 ? counts[want[i].kind] : want[i].n;
        if (counts[want[i].kind] != n)
            fail_msg("%s: %d declarations, want %d", ast_decl_kind_name(want[i].kind),
                     counts[want[i].kind], n);
        total += n;
    }
    assert_int_equal(m->decls.count, total);

    /* categories in declaration order (it is the order of precedence) */
    static const char *const cats[] = {"tekun", "severe_disabled", "chronic_illness",
                                       "disabled_care", "orphan", "lonely_elderly"};
    size_t k = 0;
    for (size_t i = 0; i < m->decls.count; i++)
        if (m->decls.items[i]->kind == DECL_CATEGORY) assert_string_equal(m->decls.items[i]->name.text, cats[k++]);
    diag_free(&dl);
    arena_free(&a);
    source_free(sf);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expressions),
        cmocka_unit_test(test_comparisons_do_not_chain),
        cmocka_unit_test(test_expression_spans),
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_enum),
        cmocka_unit_test(test_record),
        cmocka_unit_test(test_param),
        cmocka_unit_test(test_let),
        cmocka_unit_test(test_category),
        cmocka_unit_test(test_placement),
        cmocka_unit_test(test_schedule),
        cmocka_unit_test(test_capacity),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_example_and_test),
        cmocka_unit_test(test_soft_keywords),
        cmocka_unit_test(test_three_errors),
        cmocka_unit_test(test_recovery_inside_blocks),
        cmocka_unit_test(test_assign_for_compare_hint),
        cmocka_unit_test(test_short_errors),
        cmocka_unit_test(test_too_many_errors),
        cmocka_unit_test(test_bad_encoding),
        cmocka_unit_test(test_repl),
        cmocka_unit_test(test_bug_eof_position),
        cmocka_unit_test(test_bug_repl_open_string),
        cmocka_unit_test(test_bug_semicolon_token),
        cmocka_unit_test(test_bug_byte_order_mark),
        cmocka_unit_test(test_chain_message),
        cmocka_unit_test(test_in_does_not_chain),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_invisible_characters),
        cmocka_unit_test(test_zhengzhou),
    };
    return cmocka_run_group_tests_name("parser", tests, NULL, NULL);
}
