/* test_documents.c — the pieces the HTML report and the public notice are made of: the masks
 * of names and ids (engine/notice.c), the SVG writer (engine/svg.c), escaping and dates
 * (engine/document.c). Expected texts are written out by hand from the rules stated in the
 * headers: a name keeps its first and last character (张*丰; two characters: 张*), an id its
 * first six and last four; chart geometry is worked out from svg.c's constants. */
#include "helpers.h"
#include "engine/document.h"
#include "engine/notice.h"
#include "engine/svg.h"
#include "base/date.h"

static char *masked(void (*mask)(const char *, StrBuf *), const char *s)
{
    StrBuf sb = {0};
    mask(s, &sb);
    return sb_take(&sb);
}

static void test_mask_name(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"张三丰", "张*丰"}, {"张三", "张*"}, {"欧阳小明", "欧**明"}, {"王", "*"}, {"", ""},
        {"阿依古丽·买买提", "阿******提"}, {"Li", "L*"}, {"Anna", "A**a"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char *got = masked(notice_mask_name, cases[i][0]);
        if (strcmp(got ? got : "", cases[i][1])) print_error("mask name %s: got %s\n", cases[i][0], got);
        assert_string_equal(got ? got : "", cases[i][1]);
        free(got);
    }
}

static void test_mask_id(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"410102198503033113", "410102********3113"},   /* 18 characters: the birth date hidden */
        {"41018119630115241X", "410181********241X"},
        {"410122500307123", "410122*****7123"},         /* 15 characters: six and four kept */
        {"AB12345", "A*****5"},                         /* short: only the ends */
        {"12", "**"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char *got = masked(notice_mask_id, cases[i][0]);
        assert_string_equal(got ? got : "", cases[i][1]);
        free(got);
    }
}

static void test_escape_and_dates(void **state)
{
    (void)state;
    StrBuf sb = {0};
    doc_escape(&sb, "a<b>&\"c'");
    assert_string_equal(sb_str(&sb), "a&lt;b&gt;&amp;&quot;c&#39;");
    sb.count = 0;
    doc_date(&sb, days_from_civil(2021, 5, 10));
    assert_string_equal(sb_str(&sb), "2021年5月10日");   /* documents are Chinese in any language */
    sb.count = 0;
    doc_time(&sb, days_from_civil(2021, 4, 1) * 86400 + 8 * 3600 + 30 * 60);
    assert_string_equal(sb_str(&sb), "2021年4月1日 08:30 UTC");
    sb_free(&sb);
}

/* A simple chart of two rows: the label column is the widest label (4 CJK characters: 8 cells
 * × 6 px = 48) plus 2 × 6; the longest value fills the span, 640 − 60 − 2 digits × 6 − 18 = 550. */
static void test_svg_simple(void **state)
{
    (void)state;
    SvgRow rows[] = {{.label = "特困人员", .values = {10}}, {.label = "孤儿<&>", .values = {5}}};
    SvgChart c = {.title = "人数 \"按类别\"", .mode = SVG_SIMPLE, .nseries = 1, .rows = rows, .nrows = 2};
    StrBuf sb = {0};
    svg_chart(&sb, &c);
    const char *s = sb_str(&sb);
    assert_non_null(strstr(s, "<svg class=\"chart\" width=\"640\" height=\"50\""));
    assert_non_null(strstr(s, "aria-label=\"人数 &quot;按类别&quot;\""));
    assert_non_null(strstr(s, "孤儿&lt;&amp;&gt;"));
    assert_non_null(strstr(s, "<rect x=\"60\" y=\"4\" width=\"550\" height=\"14\""));   /* 10: the whole span */
    assert_non_null(strstr(s, "<rect x=\"60\" y=\"26\" width=\"275\" height=\"14\""));  /* 5: half of it */
    assert_non_null(strstr(s, ">10</text>"));
    assert_non_null(strstr(s, ">5</text>"));
    assert_null(strstr(s, "http"));           /* nothing refers outside the page, not even an xmlns */
    assert_null(strstr(s, "href"));
    sb_free(&sb);
}

/* A stacked row of 3 + 2 + 5 with ticks at the cumulative quotas 3 (30%), 6 (60%) and 10
 * (100%): segments of 3, 2 and 5 tenths of the span, a total of 10 at the end, the three tick
 * lines with their labels. Two ticks at one place draw one line and keep the last label; a
 * stack narrower than 80 px draws its tick lines but no labels. */
static void test_svg_stacked(void **state)
{
    (void)state;
    SvgTick ticks[] = {{3, "30%"}, {6, "60%"}, {10, "100%"}};
    SvgTick same[] = {{10, "30%"}, {10, "100%"}};
    SvgTick narrow[] = {{1, "75%"}};
    SvgRow rows[] = {{.label = "甲", .values = {3, 2, 5}, .ticks = ticks, .nticks = 3},
                     {.label = "乙", .values = {10, 0, 0}, .ticks = same, .nticks = 2},
                     {.label = "丙", .values = {1, 0, 0}, .ticks = narrow, .nticks = 1}};
    SvgChart c = {.title = "年度", .mode = SVG_STACKED, .nseries = 3, .series = {"2021年", "2022年", "2023年"},
                  .rows = rows, .nrows = 3, .width = 400};
    StrBuf sb = {0};
    svg_chart(&sb, &c);
    const char *s = sb_str(&sb);
    /* label column 2 cells × 6 + 12 = 24; span 400 − 24 − 2 digits × 6 − 18 = 346 */
    assert_non_null(strstr(s, "width=\"104\" height=\"14\" fill=\"#3b6ea8\""));   /* 3/10 of 346 */
    assert_non_null(strstr(s, "width=\"69\" height=\"14\" fill=\"#e08a3c\""));    /* 5/10 − 3/10 */
    assert_non_null(strstr(s, "width=\"173\" height=\"14\" fill=\"#5a9e5a\""));   /* 10/10 − 5/10 */
    /* the legend (20 px), then three rows of 30 px and the bottom padding */
    assert_non_null(strstr(s, "height=\"116\""));
    assert_non_null(strstr(s, ">2021年</text>"));
    int lines = 0, thirty = 0, hundred = 0;
    for (const char *p = s; (p = strstr(p, "stroke-width=\"1.5\"")); p++) lines++;
    for (const char *p = s; (p = strstr(p, ">30%<")); p++) thirty++;
    for (const char *p = s; (p = strstr(p, ">100%<")); p++) hundred++;
    assert_int_equal(lines, 5);     /* three, one for the two at one place, one for the narrow stack */
    assert_int_equal(thirty, 1);    /* the second row's 30% gives way to its 100% */
    assert_int_equal(hundred, 2);
    assert_null(strstr(s, ">75%<"));   /* too narrow for a label */
    sb_free(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mask_name),
        cmocka_unit_test(test_mask_id),
        cmocka_unit_test(test_escape_and_dates),
        cmocka_unit_test(test_svg_simple),
        cmocka_unit_test(test_svg_stacked),
    };
    return cmocka_run_group_tests_name("documents", tests, NULL, NULL);
}
