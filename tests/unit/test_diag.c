/* test_diag.c — src/diag.c: source files and positions, and diagnostics rendered as text
 * (`path:line:col: severity: message`, the source line, a caret under the span) and as JSON.
 *
 * Columns count characters; the caret line is indented by display cells, so under Chinese
 * text each character takes two cells, and tabs are copied so the caret lines up whatever the
 * terminal's tab width. Every expected text below is written out by hand. */
#include "helpers.h"
#include "base/msg.h"

#include <errno.h>

/* A list holding one diagnostic over [start, end) of `text`, rendered. */
static char *render_one(const char *text, uint32_t start, uint32_t end, DiagSeverity sev,
                        const char *msg, const char *note)
{
    SourceFile *sf = source_new("t.doudi", text, strlen(text));
    DiagList dl = {0};
    diag_add(&dl, sev, "test", (Span){sf, start, end}, "%s", msg);
    if (note) diag_note(&dl, "%s", note);
    char *out = render_diags(&dl);
    diag_free(&dl);
    source_free(sf);
    return out;
}

typedef struct RenderCase {
    const char *what, *text;
    uint32_t start, end;
    const char *want;
} RenderCase;

static const RenderCase render_cases[] = {
    {"one ASCII character", "let x = y + 1\n", 8, 9,
     "t.doudi:1:9: error: m\n"
     "  let x = y + 1\n"
     "          ^\n"},
    {"a span of five", "let x = y + 1\n", 8, 13,
     "t.doudi:1:9: error: m\n"
     "  let x = y + 1\n"
     "          ^~~~~\n"},
    {"Chinese before and under the caret: two cells each", "let 年龄 = 年纪 + 1\n", 13, 19,
     "t.doudi:1:10: error: m\n"
     "  let 年龄 = 年纪 + 1\n"
     "             ^~~~\n"},
    {"a whole line of mixed text", "年龄 >= 60", 0, 12,
     "t.doudi:1:1: error: m\n"
     "  年龄 >= 60\n"
     "  ^~~~~~~~~~\n"},
    {"full-width punctuation is two cells", "f（x）\n", 4, 5,
     "t.doudi:1:3: error: m\n"
     "  f（x）\n"
     "     ^\n"},
    {"the full-width character itself", "f（x）\n", 1, 4,
     "t.doudi:1:2: error: m\n"
     "  f（x）\n"
     "   ^~\n"},
    {"a tab is kept as a tab", "\tlet x = y\n", 9, 10,
     "t.doudi:1:10: error: m\n"
     "  \tlet x = y\n"
     "  \t        ^\n"},
    {"a tab after Chinese", "年\ty\n", 4, 5,
     "t.doudi:1:3: error: m\n"
     "  年\ty\n"
     "    \t^\n"},
    {"second line", "let a = 1\nlet b = c\n", 18, 19,
     "t.doudi:2:9: error: m\n"
     "  let b = c\n"
     "          ^\n"},
    {"end of a file without a final newline", "let x =", 7, 7,
     "t.doudi:1:8: error: m\n"
     "  let x =\n"
     "         ^\n"},
    {"end of a file after its final newline", "let x =\n", 8, 8,
     "t.doudi:2:1: error: m\n"
     "  \n"
     "  ^\n"},
    {"an empty span inside a line", "let x = 1\n", 4, 4,
     "t.doudi:1:5: error: m\n"
     "  let x = 1\n"
     "      ^\n"},
    {"a span over two lines is underlined to the end of the first", "ab cd\nef\n", 3, 8,
     "t.doudi:1:4: error: m\n"
     "  ab cd\n"
     "     ^~\n"},
    {"CRLF line ends are not shown", "a = b\r\nc = d\r\n", 7, 8,
     "t.doudi:2:1: error: m\n"
     "  c = d\n"
     "  ^\n"},
    {"a span at the end of a CRLF line", "a = b\r\nc\r\n", 4, 5,
     "t.doudi:1:5: error: m\n"
     "  a = b\n"
     "      ^\n"},
};

static void test_render(void **state)
{
    (void)state;
    int failed = 0;
    for (size_t i = 0; i < ARRAY_LEN(render_cases); i++) {
        const RenderCase *c = &render_cases[i];
        char *got = render_one(c->text, c->start, c->end, DIAG_ERROR, "m", NULL);
        if (strcmp(got, c->want)) {
            print_error("%s:\n--- want\n%s--- got\n%s---\n", c->what, c->want, got);
            failed++;
        }
        free(got);
    }
    if (failed) fail_msg("%d of %zu renderings differ", failed, ARRAY_LEN(render_cases));
}

static void test_render_severity_and_note(void **state)
{
    (void)state;
    char *got = render_one("category a when x = 1\n", 18, 19, DIAG_ERROR, "unexpected '='",
                           "to compare two values write '=='");
    assert_string_equal(got, "t.doudi:1:19: error: unexpected '='\n"
                             "  category a when x = 1\n"
                             "                    ^\n"
                             "  note: to compare two values write '=='\n");
    free(got);
    got = render_one("a（b\n", 1, 4, DIAG_WARNING, "full-width '（' read as '('", NULL);
    assert_string_equal(got, "t.doudi:1:2: warning: full-width '（' read as '('\n"
                             "  a（b\n"
                             "   ^~\n");
    free(got);
    got = render_one("x\n", 0, 1, DIAG_NOTE, "declared here", NULL);
    assert_string_equal(got, "t.doudi:1:1: note: declared here\n  x\n  ^\n");
    free(got);

    /* a diagnostic that points nowhere has no position and no excerpt */
    DiagList dl = {0};
    diag_add(&dl, DIAG_ERROR, "io", (Span){0}, "cannot read %s", "x.doudi");
    diag_note(&dl, "check the path");
    got = render_diags(&dl);
    assert_string_equal(got, "error: cannot read x.doudi\n  note: check the path\n");
    free(got);
    diag_free(&dl);
}

static void test_render_all(void **state)
{
    (void)state;
    SourceFile *sf = source_new("rules/a.doudi", "let 年龄 = x\nlet b = （1）\n", strlen("let 年龄 = x\nlet b = （1）\n"));
    DiagList dl = {0};
    diag_add(&dl, DIAG_ERROR, "unknown-name", (Span){sf, 13, 14}, "unknown name '%s'", "x");
    diag_note(&dl, "did you mean '%s'?", "年龄");
    diag_add(&dl, DIAG_WARNING, "full-width", (Span){sf, 23, 26}, "full-width '（' read as '('");
    char *got = render_diags(&dl);
    assert_string_equal(got, "rules/a.doudi:1:10: error: unknown name 'x'\n"
                             "  let 年龄 = x\n"
                             "             ^\n"
                             "  note: did you mean '年龄'?\n"
                             "rules/a.doudi:2:9: warning: full-width '（' read as '('\n"
                             "  let b = （1）\n"
                             "          ^~\n");
    free(got);
    diag_free(&dl);
    source_free(sf);
}

static void test_json(void **state)
{
    (void)state;
    DiagList dl = {0};
    char *got = NULL;
    StrBuf sb = {0};
    diag_render_json(&sb, &dl);
    assert_string_equal(sb_str(&sb), "[]\n");
    sb_free(&sb);

    SourceFile *sf = source_new("dir/a\"b.doudi", "let x = ab\n年龄\n", strlen("let x = ab\n年龄\n"));
    diag_add(&dl, DIAG_ERROR, "unknown-name", (Span){sf, 8, 10}, "line1\nline2\t\"q\" \\ 年");
    diag_note(&dl, "did you mean 'x'?");
    diag_add(&dl, DIAG_WARNING, NULL, (Span){sf, 11, 17}, "w\x01");
    diag_add(&dl, DIAG_ERROR, "io", (Span){0}, "no file");
    diag_render_json(&sb, &dl);
    got = sb_take(&sb);
    assert_string_equal(got,
        "[\n"
        " {\"file\":\"dir/a\\\"b.doudi\",\"line\":1,\"column\":9,\"end_line\":1,\"end_column\":11,"
        "\"severity\":\"error\",\"code\":\"unknown-name\",\"message\":\"line1\\nline2\\t\\\"q\\\" \\\\ 年\","
        "\"message_en\":\"line1\\nline2\\t\\\"q\\\" \\\\ 年\","
        "\"note\":\"did you mean 'x'?\",\"note_en\":\"did you mean 'x'?\"},\n"
        " {\"file\":\"dir/a\\\"b.doudi\",\"line\":2,\"column\":1,\"end_line\":2,\"end_column\":3,"
        "\"severity\":\"warning\",\"code\":\"\",\"message\":\"w\\u0001\",\"message_en\":\"w\\u0001\"},\n"
        " {\"file\":\"\",\"line\":0,\"column\":0,\"end_line\":0,\"end_column\":0,"
        "\"severity\":\"error\",\"code\":\"io\",\"message\":\"no file\",\"message_en\":\"no file\"}\n"
        "]\n");
    free(got);
    diag_free(&dl);
    source_free(sf);
}

/* ---- in Chinese ----------------------------------------------------------------------------- */

/* With Chinese on, diag_add translates its format through the catalogue (any catalogued text
 * will do: here base's "No such file or directory" → "文件或目录不存在"), the severity words and
 * the note's are Chinese with a full-width colon, the position and the code stay as they are,
 * and the English is kept for JSON's message_en. A format with no English words ("%s") is its
 * own translation. */
static void test_chinese(void **state)
{
    (void)state;
    SourceFile *sf = source_new("t.doudi", "let x = y\n", 10);
    DiagList dl = {0};
    msg_set_lang(MSG_ZH);
    diag_add(&dl, DIAG_ERROR, "io", (Span){sf, 8, 9}, "No such file or directory");
    diag_note(&dl, "%s", "年龄");
    diag_add(&dl, DIAG_WARNING, "w", (Span){0}, "%s", "只有中文");
    StrBuf sb = {0};
    diag_render_all(&sb, &dl);
    assert_string_equal(sb_str(&sb),
        "t.doudi:1:9: 错误：文件或目录不存在\n"
        "  let x = y\n"
        "          ^\n"
        "  注：年龄\n"
        "警告：只有中文\n");
    sb_free(&sb);
    diag_render_json(&sb, &dl);
    assert_string_equal(sb_str(&sb),
        "[\n"
        " {\"file\":\"t.doudi\",\"line\":1,\"column\":9,\"end_line\":1,\"end_column\":10,"
        "\"severity\":\"error\",\"code\":\"io\",\"message\":\"文件或目录不存在\","
        "\"message_en\":\"No such file or directory\",\"note\":\"年龄\",\"note_en\":\"年龄\"},\n"
        " {\"file\":\"\",\"line\":0,\"column\":0,\"end_line\":0,\"end_column\":0,"
        "\"severity\":\"warning\",\"code\":\"w\",\"message\":\"只有中文\",\"message_en\":\"只有中文\"}\n"
        "]\n");
    sb_free(&sb);
    msg_set_lang(MSG_EN);
    diag_free(&dl);
    source_free(sf);
}

/* A phrase passed through tr() as an argument is Chinese in the message and English again in
 * message_en (msg_english: by the very pointer tr() returned); an argument that merely spells
 * the same Chinese (a label from a rule file) stays as written, and the other conversions
 * (%d, %.*s, %zu, %lld, %%) format alike in both. */
static void test_chinese_arguments(void **state)
{
    (void)state;
    DiagList dl = {0};
    msg_set_lang(MSG_ZH);
    char label[] = "函数";        /* the Chinese of "a function", but not tr()'s string */
    diag_add(&dl, DIAG_ERROR, "x", (Span){0}, "'%s' is %s, not a value", "f", tr("a function"));
    diag_add(&dl, DIAG_ERROR, "x", (Span){0}, "'%s' is %s, not a value", "g", label);
    diag_add(&dl, DIAG_ERROR, "x", (Span){0}, "'%.*s' has more than %u decimals", 3, "1.23456", 4u);
    diag_add(&dl, DIAG_ERROR, "x", (Span){0}, "yearly build shares must add up to 100%%, found %lld.%02lld%%",
             99LL, 5LL);
    diag_add(&dl, DIAG_ERROR, "x", (Span){0}, "this '%s' and the %zu brackets opened after it are never closed either",
             "(", (size_t)2);
    assert_string_equal(dl.items[0].message, "“f”是函数，不是值");
    assert_string_equal(dl.items[0].message_en, "'f' is a function, not a value");
    assert_string_equal(dl.items[1].message_en, "'g' is 函数, not a value");
    assert_string_equal(dl.items[2].message, "“1.2”的小数超过 4 位");
    assert_string_equal(dl.items[2].message_en, "'1.2' has more than 4 decimals");
    assert_string_equal(dl.items[3].message_en, "yearly build shares must add up to 100%, found 99.05%");
    assert_string_equal(dl.items[4].message_en, "this '(' and the 2 brackets opened after it are never closed either");
    msg_set_lang(MSG_EN);
    diag_free(&dl);
}

/* A copy owns its strings: the list it came from can go first. */
static void test_push_copy(void **state)
{
    (void)state;
    DiagList from = {0}, to = {0};
    diag_add(&from, DIAG_ERROR, "c", (Span){0}, "first %d", 1);
    diag_note(&from, "a note");
    diag_add(&from, DIAG_WARNING, "c", (Span){0}, "second");
    diag_push_copy(&to, &from.items[0]);
    diag_push_copy(&to, &from.items[1]);
    diag_free(&from);
    assert_int_equal(to.count, 2);
    assert_int_equal(to.errors, 1);
    assert_int_equal(to.warnings, 1);
    assert_string_equal(to.items[0].message, "first 1");
    assert_string_equal(to.items[0].message_en, "first 1");
    assert_string_equal(to.items[0].note, "a note");
    assert_string_equal(to.items[0].note_en, "a note");
    assert_null(to.items[1].note);
    assert_null(to.items[1].note_en);
    diag_free(&to);
}

/* ---- source files and positions ----------------------------------------------------------- */

static void test_positions(void **state)
{
    (void)state;
    SourceFile *sf = source_new("p", "a\nbc\n\nd", 7);
    assert_int_equal(sf->line_count, 4);
    static const struct { uint32_t offset; int line, col; } cases[] = {
        {0, 1, 1}, {1, 1, 2}, {2, 2, 1}, {3, 2, 2}, {4, 2, 3}, {5, 3, 1}, {6, 4, 1},
        {7, 4, 2},       /* the end of the file */
        {100, 4, 2},     /* past it: clamped */
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        int line, col;
        source_position(sf, cases[i].offset, &line, &col);
        if (line != cases[i].line || col != cases[i].col)
            fail_msg("offset %u: want %d:%d, got %d:%d", cases[i].offset, cases[i].line,
                     cases[i].col, line, col);
    }
    size_t len;
    assert_memory_equal(source_line(sf, 2, &len), "bc", 2);
    assert_int_equal(len, 2);
    source_line(sf, 3, &len);
    assert_int_equal(len, 0);
    assert_memory_equal(source_line(sf, 4, &len), "d", 1);
    assert_int_equal(len, 1);
    assert_string_equal(source_line(sf, 0, &len), "");
    assert_int_equal(len, 0);
    assert_string_equal(source_line(sf, 5, &len), "");
    assert_int_equal(len, 0);
    source_free(sf);

    /* columns count characters, not bytes */
    sf = source_new("p", "年龄 x\n  乡镇（街道）y", strlen("年龄 x\n  乡镇（街道）y"));
    int line, col;
    source_position(sf, 7, &line, &col);
    assert_int_equal(line, 1);
    assert_int_equal(col, 4);
    source_position(sf, (uint32_t)sf->len - 1, &line, &col);
    assert_int_equal(line, 2);
    assert_int_equal(col, 9);    /* two spaces, six characters, then y */
    source_free(sf);

    sf = source_new("p", "", 0);
    assert_int_equal(sf->line_count, 1);
    source_position(sf, 0, &line, &col);
    assert_int_equal(line, 1);
    assert_int_equal(col, 1);
    source_free(sf);

    sf = source_new("p", "x\r\ny", 4);
    assert_memory_equal(source_line(sf, 1, &len), "x", 1);
    assert_int_equal(len, 1);
    source_free(sf);
}

static void test_source_read(void **state)
{
    (void)state;
    errno = 0;
    assert_null(source_read("/nonexistent/doudi.doudi"));
    assert_int_not_equal(errno, 0);
    SourceFile *sf = source_read("rules/zhengzhou-2021.doudi");
    if (!sf) fail_msg("cannot read rules/zhengzhou-2021.doudi (run from the top of the tree)");
    assert_string_equal(sf->path, "rules/zhengzhou-2021.doudi");
    assert_int_equal(strlen(sf->text), sf->len);
    size_t newlines = 0;
    for (size_t i = 0; i < sf->len; i++) newlines += sf->text[i] == '\n';
    assert_int_equal(sf->line_count, newlines + 1);
    source_free(sf);
}

static void test_span_join(void **state)
{
    (void)state;
    SourceFile *sf = source_new("p", "0123456789", 10);
    Span a = {sf, 2, 5}, b = {sf, 8, 10}, none = {0};
    Span j = span_join(a, b);
    assert_ptr_equal(j.file, sf);
    assert_int_equal(j.start, 2);
    assert_int_equal(j.end, 10);
    j = span_join(b, a);
    assert_int_equal(j.start, 2);
    assert_int_equal(j.end, 10);
    j = span_join(none, b);
    assert_int_equal(j.start, 8);
    j = span_join(a, none);
    assert_int_equal(j.end, 5);
    source_free(sf);
}

/* ---- the list ----------------------------------------------------------------------------- */

static void test_list(void **state)
{
    (void)state;
    DiagList dl = {0};
    diag_note(&dl, "nothing to attach to");          /* harmless on an empty list */
    assert_int_equal(dl.count, 0);
    for (int i = 0; i < 20; i++)
        diag_add(&dl, i % 3 == 0 ? DIAG_ERROR : i % 3 == 1 ? DIAG_WARNING : DIAG_NOTE, "c",
                 (Span){0}, "number %d", i);
    assert_int_equal(dl.count, 20);
    assert_int_equal(dl.errors, 7);
    assert_int_equal(dl.warnings, 7);
    assert_string_equal(dl.items[19].message, "number 19");
    diag_note(&dl, "first");
    diag_note(&dl, "second %s", "note");             /* replaces the first */
    assert_string_equal(dl.items[19].note, "second note");
    assert_null(dl.items[18].note);
    diag_free(&dl);
    assert_int_equal(dl.count, 0);
    assert_null(dl.items);
}

static void test_sort(void **state)
{
    (void)state;
    SourceFile *a = source_new("a.doudi", "0123456789", 10), *b = source_new("b.doudi", "0123456789", 10);
    DiagList dl = {0};
    diag_add(&dl, DIAG_ERROR, "c", (Span){b, 5, 6}, "b5");
    diag_add(&dl, DIAG_ERROR, "c", (Span){a, 9, 10}, "a9");
    diag_add(&dl, DIAG_WARNING, "c", (Span){a, 2, 3}, "a2 first");
    diag_add(&dl, DIAG_ERROR, "c", (Span){a, 2, 4}, "a2 second");
    diag_add(&dl, DIAG_ERROR, "c", (Span){0}, "nowhere");
    diag_sort(&dl);
    static const char *const want[] = {"nowhere", "a2 first", "a2 second", "a9", "b5"};
    for (size_t i = 0; i < ARRAY_LEN(want); i++) assert_string_equal(dl.items[i].message, want[i]);
    diag_free(&dl);
    source_free(a);
    source_free(b);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_render_severity_and_note),
        cmocka_unit_test(test_render_all),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_chinese),
        cmocka_unit_test(test_chinese_arguments),
        cmocka_unit_test(test_push_copy),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_source_read),
        cmocka_unit_test(test_span_join),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_sort),
    };
    return cmocka_run_group_tests_name("diag", tests, NULL, NULL);
}
