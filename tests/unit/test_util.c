/* test_util.c — src/util.c (UTF-8, display width, edit distance, string builder) and
 * src/date.c (day numbers, calendar checks, whole years between two dates).
 *
 * Expected values come from Unicode (code points, East Asian Width), the Gregorian calendar
 * and hand-worked day counts: 1970-01-01 is day 0, 2000-01-01 is day 10957 (30 years with 7
 * leap days), 1900-01-01 is day -25567 (70 years with 17 leap days). The round trip over
 * 1900–2100 walks the calendar with its own month lengths rather than trusting date.c's. */
#include "helpers.h"
#include "base/date.h"

#include <errno.h>

/* ---- UTF-8 ---------------------------------------------------------------------------- */

typedef struct DecodeCase {
    const char *bytes;
    size_t n;                 /* bytes available */
    int len;                  /* bytes consumed */
    uint32_t cp;
} DecodeCase;

static const DecodeCase decode_cases[] = {
    {"A", 1, 1, 'A'},
    {"\t", 1, 1, '\t'},
    {"\xC3\xA9", 2, 2, 0xE9},                    /* é */
    {"\xE5\xB9\xB4", 3, 3, 0x5E74},              /* 年 */
    {"\xE9\xBE\x84", 3, 3, 0x9F84},              /* 龄 */
    {"\xEF\xBC\x88", 3, 3, 0xFF08},              /* （ */
    {"\xE3\x80\x80", 3, 3, 0x3000},              /* ideographic space */
    {"\xE2\x80\x9C", 3, 3, 0x201C},              /* “ */
    {"\xF0\x9F\x98\x80", 4, 4, 0x1F600},         /* an emoji */
    {"\xF0\xA0\x80\x80", 4, 4, 0x20000},         /* CJK extension B */
    {"\xF4\x8F\xBF\xBF", 4, 4, 0x10FFFF},        /* the last code point */
    {"\xE5\xB9\xB4rest", 7, 3, 0x5E74},          /* stops after one character */
    /* invalid: one byte consumed, U+FFFD */
    {"\x80", 1, 1, 0xFFFD},                      /* a lone continuation byte */
    {"\xBF", 1, 1, 0xFFFD},
    {"\xFF", 1, 1, 0xFFFD},
    {"\xF8\x88\x80\x80\x80", 5, 1, 0xFFFD},      /* 5-byte forms do not exist */
    {"\xC0\xAF", 2, 1, 0xFFFD},                  /* overlong '/' */
    {"\xE0\x80\xAF", 3, 1, 0xFFFD},              /* overlong '/' */
    {"\xF0\x80\x80\xAF", 4, 1, 0xFFFD},          /* overlong '/' */
    {"\xED\xA0\x80", 3, 1, 0xFFFD},              /* surrogate U+D800 */
    {"\xF4\x90\x80\x80", 4, 1, 0xFFFD},          /* U+110000 */
    {"\xE5\xB9\xB4", 2, 1, 0xFFFD},              /* cut short by n */
    {"\xE5\x41\x42", 3, 1, 0xFFFD},              /* continuation missing */
};

static void test_utf8_decode(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(decode_cases); i++) {
        const DecodeCase *c = &decode_cases[i];
        uint32_t cp = 0;
        int len = utf8_decode(c->bytes, c->n, &cp);
        if (len != c->len || cp != c->cp)
            fail_msg("case %zu: want %d bytes U+%04X, got %d bytes U+%04X", i, c->len,
                     (unsigned)c->cp, len, (unsigned)cp);
    }
    uint32_t cp = 1;
    assert_int_equal(utf8_decode("", 0, &cp), 0);
    assert_int_equal(cp, 0);
}

typedef struct WidthCase { uint32_t cp; int cells; } WidthCase;

/* East Asian Width: W and F take two cells; Na, H, N and A one. */
static const WidthCase width_cases[] = {
    {'a', 1}, {' ', 1}, {0xE9, 1},
    {0x5E74, 2},              /* 年 CJK unified ideograph */
    {0x4E00, 2}, {0x9FA5, 2},
    {0x3400, 2},              /* CJK extension A */
    {0x20000, 2},             /* CJK extension B */
    {0x3001, 2},              /* 、 */
    {0x3002, 2},              /* 。 */
    {0x3000, 2},              /* ideographic space (F) */
    {0x3014, 2},              /* 〔 */
    {0x3042, 2},              /* あ */
    {0xAC00, 2},              /* 가 */
    {0xFF01, 2}, {0xFF05, 2}, {0xFF08, 2}, {0xFF09, 2}, {0xFF0C, 2}, {0xFF1A, 2},
    {0xFF1B, 2}, {0xFF1C, 2}, {0xFF1D, 2}, {0xFF1E, 2},   /* ！ ％ （ ） ， ： ； ＜ ＝ ＞ */
    {0xFF21, 2},              /* Ａ full-width letter */
    {0xFFE5, 2},              /* ￥ */
    {0xFF61, 1}, {0xFF71, 1}, /* half-width forms */
    {0x1F600, 2},
    {0x00B6, 1},              /* ¶ */
};

static void test_utf8_width(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(width_cases); i++)
        if (utf8_cp_width(width_cases[i].cp) != width_cases[i].cells)
            fail_msg("U+%04X: want %d cells, got %d", (unsigned)width_cases[i].cp,
                     width_cases[i].cells, utf8_cp_width(width_cases[i].cp));

    static const struct { const char *s; int cells, chars; } strs[] = {
        {"", 0, 0},
        {"age", 3, 3},
        {"年龄", 4, 2},
        {"a年b", 4, 3},
        {"（x）", 5, 3},
        {"乡镇（街道）", 12, 6},
        {"\t", 1, 1},
        {"郑民文〔2021〕16号", 18, 12},
        {"\xFF" "a", 2, 2},          /* an invalid byte is one replacement character */
    };
    for (size_t i = 0; i < ARRAY_LEN(strs); i++) {
        size_t n = strlen(strs[i].s);
        if (utf8_width(strs[i].s, n) != strs[i].cells || utf8_chars(strs[i].s, n) != strs[i].chars)
            fail_msg("\"%s\": want %d cells %d chars, got %d cells %d chars", strs[i].s,
                     strs[i].cells, strs[i].chars, utf8_width(strs[i].s, n), utf8_chars(strs[i].s, n));
    }
    /* only the first n bytes count */
    assert_int_equal(utf8_width("年龄", 3), 2);
    assert_int_equal(utf8_chars("年龄", 3), 1);
}

static void test_utf8_valid(void **state)
{
    (void)state;
    assert_true(utf8_valid("", 0));
    assert_true(utf8_valid("abc", 3));
    assert_true(utf8_valid("保障对象（全角）", strlen("保障对象（全角）")));
    assert_false(utf8_valid("a\xFF", 2));
    assert_false(utf8_valid("\xE5\xB9", 2));              /* truncated */
    assert_false(utf8_valid("\xC0\xAF", 2));              /* overlong */
    assert_false(utf8_valid("\xED\xA0\x80", 3));          /* surrogate */
    assert_true(utf8_valid("\xE5\xB9\xB4", 3));
    assert_false(utf8_valid("\xE5\xB9\xB4", 2));          /* n cuts the character */
}

/* ---- edit distance -------------------------------------------------------------------- */

typedef struct EditCase { const char *a, *b; int cap, want; } EditCase;

static const EditCase edit_cases[] = {
    {"kitten", "sitting", 10, 3},
    {"flaw", "lawn", 10, 2},
    {"", "", 5, 0},
    {"abc", "", 5, 3},
    {"", "abc", 5, 3},
    {"same", "same", 0, 0},
    {"tekun", "tekum", 2, 1},
    {"orphan", "orphen", 2, 1},
    {"adl_eat", "adl_aet", 3, 2},            /* a swap is two edits (Levenshtein, not Damerau) */
    {"dibao", "dibao_", 2, 1},
    {"severe_disabled", "sever_disabled", 2, 1},
    {"年龄", "年纪", 5, 3},                  /* counted in bytes: 龄 and 纪 differ in all 3 */
    {"abcdef", "uvwxyz", 2, 3},              /* over the cap: cap + 1 */
    {"abc", "", 1, 2},
};

static void test_edit_distance(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(edit_cases); i++) {
        const EditCase *c = &edit_cases[i];
        int got = edit_distance(c->a, c->b, c->cap);
        if (got != c->want)
            fail_msg("edit_distance(\"%s\", \"%s\", %d): want %d, got %d", c->a, c->b, c->cap, c->want, got);
    }
    /* symmetric */
    assert_int_equal(edit_distance("sitting", "kitten", 10), 3);
    /* "returns > cap as soon as it exceeds cap" */
    assert_true(edit_distance("", "abcdef", 2) > 2);
    assert_true(edit_distance("disability_grade", "x", 3) > 3);
}

/* ---- string builder and JSON strings -------------------------------------------------- */

static void test_strbuf(void **state)
{
    (void)state;
    StrBuf sb = {0};
    assert_string_equal(sb_str(&sb), "");
    sb_puts(&sb, "a");
    sb_putc(&sb, 'b');
    sb_putn(&sb, "cdef", 2);
    sb_printf(&sb, "%d-%s", 42, "年");
    sb_pad(&sb, 3);
    assert_string_equal(sb_str(&sb), "abcd42-年   ");
    assert_int_equal(sb.count, strlen("abcd42-年   "));
    for (int i = 0; i < 1000; i++) sb_putc(&sb, 'x');      /* growth */
    assert_int_equal(sb.count, strlen("abcd42-年   ") + 1000);
    char *s = sb_take(&sb);
    assert_int_equal(strlen(s), strlen("abcd42-年   ") + 1000);
    assert_null(sb.items);
    assert_int_equal(sb.count, 0);
    free(s);
    s = sb_take(&sb);                                       /* empty: an empty string */
    assert_string_equal(s, "");
    free(s);
    sb_free(&sb);
}

static void test_json_string(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } cases[] = {
        {"", "\"\""},
        {"plain", "\"plain\""},
        {"a\"b", "\"a\\\"b\""},
        {"back\\slash", "\"back\\\\slash\""},
        {"l1\nl2\r\tend", "\"l1\\nl2\\r\\tend\""},
        {"\x01\x1f", "\"\\u0001\\u001f\""},
        {"保障对象（全角）", "\"保障对象（全角）\""},     /* UTF-8 passes through */
        {"'single' /slash", "\"'single' /slash\""},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        StrBuf sb = {0};
        sb_json_string(&sb, cases[i].in);
        assert_string_equal(sb_str(&sb), cases[i].out);
        sb_free(&sb);
    }
}

static void test_read_file(void **state)
{
    (void)state;
    size_t len = 99;
    errno = 0;
    assert_null(read_file("/nonexistent/doudi/file", &len));
    assert_int_not_equal(errno, 0);
    char *text = read_file("rules/zhengzhou-2021.doudi", &len);
    if (!text) fail_msg("cannot read rules/zhengzhou-2021.doudi (run from the top of the tree)");
    assert_int_equal(strlen(text), len);
    assert_true(len > 1000);
    free(text);
    text = read_file("/dev/null", &len);                   /* empty: "" and 0 */
    assert_non_null(text);
    assert_string_equal(text, "");
    assert_int_equal(len, 0);
    free(text);
}

/* ---- dates ---------------------------------------------------------------------------- */

static bool leap_year(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned month_days(int64_t y, unsigned m)
{
    static const unsigned days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return days[m - 1] + (m == 2 && leap_year(y));
}

static void test_days_from_civil_known(void **state)
{
    (void)state;
    static const struct { int64_t y; unsigned m, d; int64_t days; } cases[] = {
        {1970, 1, 1, 0},
        {1970, 1, 2, 1},
        {1969, 12, 31, -1},
        {1971, 1, 1, 365},
        {1972, 3, 1, 365 + 365 + 31 + 29},     /* 1972 is a leap year */
        {2000, 1, 1, 10957},
        {2000, 3, 1, 10957 + 31 + 29},         /* 2000 is a leap year (divisible by 400) */
        {1900, 1, 1, -25567},
        {1900, 3, 1, -25567 + 31 + 28},        /* 1900 is not (divisible by 100) */
        {2021, 1, 1, 18628},
        {2021, 4, 1, 18718},
        {2024, 2, 29, 19782},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        int64_t got = days_from_civil(cases[i].y, cases[i].m, cases[i].d);
        if (got != cases[i].days)
            fail_msg("%04d-%02u-%02u: want day %d, got %d", (int)cases[i].y, cases[i].m, cases[i].d,
                     (int)cases[i].days, (int)got);
    }
}

/* Every day of 1900–2100: days_from_civil and civil_from_days agree with a calendar walked
 * one day at a time, and each day number is one more than the day before. */
static void test_date_round_trip(void **state)
{
    (void)state;
    int64_t y = 1900;
    unsigned m = 1, d = 1;
    int64_t first = days_from_civil(1900, 1, 1), count = 0;
    for (int64_t z = first; y <= 2100; z++, count++) {
        if (days_from_civil(y, m, d) != z)
            fail_msg("%04d-%02u-%02u: want day %d", (int)y, m, d, (int)z);
        int64_t cy;
        unsigned cm, cd;
        civil_from_days(z, &cy, &cm, &cd);
        if (cy != y || cm != m || cd != d)
            fail_msg("day %d: want %04d-%02u-%02u, got %04d-%02u-%02u", (int)z, (int)y, m, d,
                     (int)cy, cm, cd);
        assert_true(date_valid(y, m, d));
        if (++d > month_days(y, m)) {
            d = 1;
            if (++m > 12) { m = 1; y++; }
        }
    }
    /* 201 years, 49 of them leap (1904–2096 by fours, 2000 included, 1900 and 2100 not) */
    assert_int_equal(count, 201 * 365 + 49);
    assert_int_equal(days_from_civil(2100, 12, 31) - first + 1, 201 * 365 + 49);
}

static void test_date_valid(void **state)
{
    (void)state;
    static const struct { int64_t y; unsigned m, d; bool ok; } cases[] = {
        {2021, 2, 28, true}, {2021, 2, 29, false}, {2024, 2, 29, true}, {2023, 2, 29, false},
        {1900, 2, 29, false}, {2000, 2, 29, true}, {2100, 2, 29, false},
        {2021, 4, 30, true}, {2021, 4, 31, false}, {2021, 12, 31, true}, {2021, 13, 1, false},
        {2021, 0, 1, false}, {2021, 1, 0, false}, {2021, 1, 32, false},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        if (date_valid(cases[i].y, cases[i].m, cases[i].d) != cases[i].ok)
            fail_msg("%04d-%02u-%02u: want %s", (int)cases[i].y, cases[i].m, cases[i].d,
                     cases[i].ok ? "valid" : "invalid");
}

static void test_date_parse(void **state)
{
    (void)state;
    static const struct { const char *s; bool ok; int64_t days; } cases[] = {
        {"2021-04-01", true, 18718},
        {"2024-02-29", true, 19782},
        {"1970-01-01", true, 0},
        {"1900-01-01", true, -25567},
        {"2021-13-01", false, 0},
        {"2021-04-31", false, 0},
        {"2023-02-29", false, 0},
        {"2021-00-01", false, 0},
        {"2021-4-01", false, 0},
        {"2021-04-1", false, 0},
        {"2021/04/01", false, 0},
        {"20210401", false, 0},
        {"2021-04-0a", false, 0},
        {"2021-+4-01", false, 0},
        {"2021-04-01 ", false, 0},
        {"", false, 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        int64_t days = 12345;
        bool ok = date_parse(cases[i].s, strlen(cases[i].s), &days);
        if (ok != cases[i].ok || (ok && days != cases[i].days))
            fail_msg("date_parse(\"%s\"): want %s %d, got %s %d", cases[i].s,
                     cases[i].ok ? "ok" : "fail", (int)cases[i].days, ok ? "ok" : "fail", (int)days);
    }
    /* n bytes, not up to the NUL */
    int64_t days;
    assert_true(date_parse("2021-04-01T00:00", 10, &days));
    assert_int_equal(days, 18718);
}

static void test_date_format(void **state)
{
    (void)state;
    static const struct { int64_t days; const char *text; } cases[] = {
        {0, "1970-01-01"}, {-1, "1969-12-31"}, {18718, "2021-04-01"}, {19782, "2024-02-29"},
        {-25567, "1900-01-01"}, {10957, "2000-01-01"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char out[16];
        date_format(cases[i].days, out);
        assert_string_equal(out, cases[i].text);
    }
}

static int64_t day(const char *s)
{
    int64_t d;
    if (!date_parse(s, strlen(s), &d)) fail_msg("bad date in test: %s", s);
    return d;
}

static void test_years_between(void **state)
{
    (void)state;
    static const struct { const char *from, *to; int64_t years; } cases[] = {
        {"1961-04-01", "2021-04-01", 60},      /* the birthday itself: turned 60 */
        {"1961-04-02", "2021-04-01", 59},      /* birthday tomorrow: still 59 */
        {"1961-03-31", "2021-04-01", 60},
        {"2003-04-01", "2021-04-01", 18},
        {"2003-04-02", "2021-04-01", 17},
        {"2021-04-01", "2021-04-01", 0},
        {"1950-12-31", "2021-01-01", 70},
        {"1951-01-01", "2021-12-31", 70},
        /* born on 29 February: in a common year the birthday counts as passed on 1 March */
        {"2020-02-29", "2023-02-28", 2},
        {"2020-02-29", "2023-03-01", 3},
        {"2020-02-29", "2024-02-28", 3},
        {"2020-02-29", "2024-02-29", 4},
        {"2000-02-29", "2001-02-28", 0},
        {"2000-02-29", "2001-03-01", 1},
        {"1960-02-29", "2020-02-29", 60},
        {"1960-02-29", "2021-02-28", 60},
        {"1960-02-29", "2021-03-01", 61},
        /* born on 28 February or 1 March: nothing special */
        {"2020-02-28", "2023-02-28", 3},
        {"2020-03-01", "2023-02-28", 2},
        {"2020-03-01", "2024-02-29", 3},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        int64_t got = years_between(day(cases[i].from), day(cases[i].to));
        if (got != cases[i].years)
            fail_msg("years_between(%s, %s): want %d, got %d", cases[i].from, cases[i].to,
                     (int)cases[i].years, (int)got);
    }
}

/* ---- reported bugs (skipped unless DOUDI_KNOWN_BUGS=1) ------------------------------------ */

/* A Chinese name of 22 characters is 66 bytes; "did you mean" should still work for it. */
static void test_bug_edit_distance_long(void **state)
{
    (void)state;
    char a[71], b[71];
    memset(a, 'x', 70);
    a[70] = '\0';
    memcpy(b, a, sizeof a);
    b[69] = 'y';
    assert_int_equal(edit_distance(a, a, 2), 0);
    assert_int_equal(edit_distance(a, b, 2), 1);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_decode),
        cmocka_unit_test(test_utf8_width),
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_edit_distance),
        cmocka_unit_test(test_strbuf),
        cmocka_unit_test(test_json_string),
        cmocka_unit_test(test_read_file),
        cmocka_unit_test(test_days_from_civil_known),
        cmocka_unit_test(test_date_round_trip),
        cmocka_unit_test(test_date_valid),
        cmocka_unit_test(test_date_parse),
        cmocka_unit_test(test_date_format),
        cmocka_unit_test(test_years_between),
        cmocka_unit_test(test_bug_edit_distance_long),
    };
    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
