/* test_values.c — reading and writing single typed values (src/values.c).
 *
 * The program the values belong to is built by hand below (a few enums with labels, a field
 * per kind, fields with ranges), so these tests do not depend on the compiler. Every table row
 * is worked out from the rules in values.h / INTERPRETATION.md §1 and types.h's representation:
 * number and percent in fixed point with 4 decimals (1.5 = 15000, 30% = 3000), dates as days
 * since 1970-01-01 (2021-01-01 = 51*365 + 13 leap days = 18628, so 2021-04-01 = 18628 + 31 + 28
 * + 31 = 18718), enums as the value's index.
 *
 * Inputs are written with S("...") so that a row may hold a NUL byte; the robustness tests
 * copy each input into a buffer of exactly its length, so that under `make SAN=1` any read past
 * the end is caught. */
#include "helpers.h"
#include "vm/values.h"

#include <inttypes.h>

#define S(lit) lit, (sizeof lit - 1)

/* ---- the hand-made program ----------------------------------------------------------------- */

static char *sex_values[] = {"male", "female"};
static char *sex_labels[] = {"男", "女"};
static char *sup_values[] = {"none", "unable", "able"};
static char *sup_labels[] = {"无", "无履行能力", "有履行能力"};
static char *big_values[] = {"e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9", "e10", "e11"};
static char *big_labels[] = {"甲", NULL, "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸", "子", "丑"};
static char *bare_values[] = {"Alpha", "beta"};

enum { EN_SEX, EN_SUP, EN_BIG, EN_BARE, NENUMS };

static EnumInfo enums[NENUMS] = {
    [EN_SEX] = {.name = "sex", .count = 2, .values = sex_values, .labels = sex_labels},
    [EN_SUP] = {.name = "supporter", .count = 3, .values = sup_values, .labels = sup_labels},
    [EN_BIG] = {.name = "big", .count = 12, .values = big_values, .labels = big_labels},
    [EN_BARE] = {.name = "bare", .count = 2, .values = bare_values, .labels = NULL},
};

static const Program prog = {.nenums = NENUMS, .enums = enums};

#define FIELD(n, k, e) {.name = n, .kind = k, .enum_index = e}

/* One field per kind, for value_parse. */
static FieldInfo kind_fields[] = {
    FIELD("age", VK_INT, -1),          FIELD("income", VK_NUMBER, -1), FIELD("share", VK_PERCENT, -1),
    FIELD("dibao", VK_BOOL, -1),       FIELD("name", VK_TEXT, -1),     FIELD("birth_date", VK_DATE, -1),
    FIELD("sex", VK_ENUM, EN_SEX),
};

/* Fields with ranges, for value_in_range. */
enum { R_GRADE, R_GRADE3, R_INCOME, R_SHARE, R_BIRTH, R_MASK, R_SUPMASK, R_NONE, R_TEXT, NRANGED };
static FieldInfo ranged[NRANGED] = {
    [R_GRADE] = {.name = "disability_grade", .kind = VK_INT, .enum_index = -1, .range_kind = 1, .range_lo = 0, .range_hi = 4},
    [R_GRADE3] = {.name = "grade3", .kind = VK_INT, .enum_index = -1, .range_kind = 1, .range_lo = 0, .range_hi = 3},
    [R_INCOME] = {.name = "ratio", .kind = VK_NUMBER, .enum_index = -1, .range_kind = 1, .range_lo = 0, .range_hi = 15000},
    [R_SHARE] = {.name = "share", .kind = VK_PERCENT, .enum_index = -1, .range_kind = 1, .range_lo = 0, .range_hi = 10000},
    [R_BIRTH] = {.name = "birth_date", .kind = VK_DATE, .enum_index = -1, .range_kind = 1, .range_lo = -25567, .range_hi = 18718},
    [R_MASK] = {.name = "even", .kind = VK_INT, .enum_index = -1, .range_kind = 2, .range_lo = 0x15},   /* {0, 2, 4} */
    [R_SUPMASK] = {.name = "supporter", .kind = VK_ENUM, .enum_index = EN_SUP, .range_kind = 2, .range_lo = 0x3},
    [R_NONE] = {.name = "free", .kind = VK_INT, .enum_index = -1},
    [R_TEXT] = {.name = "id", .kind = VK_TEXT, .enum_index = -1, .range_kind = 1, .range_lo = 5, .range_hi = 6},
};

/* A copy of s in a buffer of exactly n bytes (no terminator), so ASan sees over-reads. */
static char *exact_copy(const char *s, size_t n)
{
    char *b = malloc(n ? n : 1);
    assert_non_null(b);
    memcpy(b, s, n);
    return b;
}

/* ---- parsing: accepted spellings ----------------------------------------------------------- */

typedef struct ParseOk {
    uint8_t kind;
    int32_t en;
    const char *text;
    size_t len;
    int64_t want;
    const char *want_text;     /* VK_TEXT */
} ParseOk;

static const ParseOk parse_ok[] = {
    /* int */
    {VK_INT, -1, S("0"), 0, NULL},
    {VK_INT, -1, S("42"), 42, NULL},
    {VK_INT, -1, S("+7"), 7, NULL},
    {VK_INT, -1, S("-3"), -3, NULL},
    {VK_INT, -1, S("-0"), 0, NULL},
    {VK_INT, -1, S("007"), 7, NULL},
    {VK_INT, -1, S(" 12 "), 12, NULL},
    {VK_INT, -1, S("\t12\r\n"), 12, NULL},
    {VK_INT, -1, S("9223372036854775807"), INT64_MAX, NULL},
    {VK_INT, -1, S("-9223372036854775808"), INT64_MIN, NULL},
    /* number: 4 decimals, the rest must be zeros */
    {VK_NUMBER, -1, S("1.5"), 15000, NULL},
    {VK_NUMBER, -1, S("2"), 20000, NULL},
    {VK_NUMBER, -1, S("-0.3333"), -3333, NULL},
    {VK_NUMBER, -1, S("0.0001"), 1, NULL},
    {VK_NUMBER, -1, S("-0.5"), -5000, NULL},
    {VK_NUMBER, -1, S(".5"), 5000, NULL},
    {VK_NUMBER, -1, S("-.5"), -5000, NULL},
    {VK_NUMBER, -1, S("5."), 50000, NULL},
    {VK_NUMBER, -1, S("+3.25"), 32500, NULL},
    {VK_NUMBER, -1, S("1.50000"), 15000, NULL},
    {VK_NUMBER, -1, S("12345.6789"), 123456789, NULL},
    {VK_NUMBER, -1, S("922337203685477.5807"), INT64_MAX, NULL},
    {VK_NUMBER, -1, S("-922337203685477.5808"), INT64_MIN, NULL},
    {VK_NUMBER, -1, S("　1.5　"), 15000, NULL},
    /* percent: with % (2 decimals) or a fraction of at most 1 */
    {VK_PERCENT, -1, S("30%"), 3000, NULL},
    {VK_PERCENT, -1, S("12.5%"), 1250, NULL},
    {VK_PERCENT, -1, S("30％"), 3000, NULL},
    {VK_PERCENT, -1, S("30 %"), 3000, NULL},
    {VK_PERCENT, -1, S("100%"), 10000, NULL},
    {VK_PERCENT, -1, S("0%"), 0, NULL},
    {VK_PERCENT, -1, S("0.01%"), 1, NULL},
    {VK_PERCENT, -1, S("150%"), 15000, NULL},
    {VK_PERCENT, -1, S("-5%"), -500, NULL},
    {VK_PERCENT, -1, S("33.33%"), 3333, NULL},
    {VK_PERCENT, -1, S("0.3"), 3000, NULL},
    {VK_PERCENT, -1, S("0.125"), 1250, NULL},
    {VK_PERCENT, -1, S("1"), 10000, NULL},
    {VK_PERCENT, -1, S("0"), 0, NULL},
    {VK_PERCENT, -1, S("-1"), -10000, NULL},
    {VK_PERCENT, -1, S("0.0001"), 1, NULL},
    {VK_PERCENT, -1, S(" 30% "), 3000, NULL},
    /* bool */
    {VK_BOOL, -1, S("1"), 1, NULL},
    {VK_BOOL, -1, S("0"), 0, NULL},
    {VK_BOOL, -1, S("true"), 1, NULL},
    {VK_BOOL, -1, S("TRUE"), 1, NULL},
    {VK_BOOL, -1, S("True"), 1, NULL},
    {VK_BOOL, -1, S("false"), 0, NULL},
    {VK_BOOL, -1, S("FALSE"), 0, NULL},
    {VK_BOOL, -1, S("yes"), 1, NULL},
    {VK_BOOL, -1, S("YES"), 1, NULL},
    {VK_BOOL, -1, S("no"), 0, NULL},
    {VK_BOOL, -1, S("No"), 0, NULL},
    {VK_BOOL, -1, S("y"), 1, NULL},
    {VK_BOOL, -1, S("Y"), 1, NULL},
    {VK_BOOL, -1, S("n"), 0, NULL},
    {VK_BOOL, -1, S("N"), 0, NULL},
    {VK_BOOL, -1, S("是"), 1, NULL},
    {VK_BOOL, -1, S("否"), 0, NULL},
    {VK_BOOL, -1, S("　是　"), 1, NULL},
    {VK_BOOL, -1, S(" TRUE\r"), 1, NULL},
    /* date: 2021-04-01 = 18718 in every spelling */
    {VK_DATE, -1, S("2021-04-01"), 18718, NULL},
    {VK_DATE, -1, S("2021-4-1"), 18718, NULL},
    {VK_DATE, -1, S("2021/4/1"), 18718, NULL},
    {VK_DATE, -1, S("2021/04/01"), 18718, NULL},
    {VK_DATE, -1, S("2021.4.1"), 18718, NULL},
    {VK_DATE, -1, S("2021年4月1日"), 18718, NULL},
    {VK_DATE, -1, S("2021年04月01日"), 18718, NULL},
    {VK_DATE, -1, S("20210401"), 18718, NULL},
    {VK_DATE, -1, S(" 2021-04-01　"), 18718, NULL},
    {VK_DATE, -1, S("2021-03-01"), 18687, NULL},        /* 18628 + 31 + 28 */
    {VK_DATE, -1, S("2020-02-29"), 18321, NULL},        /* 2020-01-01 = 18628 - 366 = 18262; + 59 */
    {VK_DATE, -1, S("1950/3/7"), -7240, NULL},          /* -(20*365 + 5) + 65 */
    {VK_DATE, -1, S("2000.12.31"), 11322, NULL},        /* 2000-01-01 = 10957; + 365 */
    {VK_DATE, -1, S("1970-01-01"), 0, NULL},
    {VK_DATE, -1, S("19000101"), -25567, NULL},         /* -(70*365 + 17) */
    /* a midnight time part, as Excel and its CSV exports write dates: 1958-05-08 =
     * -(12*365 + 3) + 127 = -4256 (1958-01-01 is 12 years and 3 leap days before 1970; May 8 is
     * day 31+28+31+30+8 = 128 of the year) */
    {VK_DATE, -1, S("1958-05-08 00:00:00"), -4256, NULL},
    {VK_DATE, -1, S("1958/5/8 0:00"), -4256, NULL},
    {VK_DATE, -1, S("1958-05-08T00:00:00"), -4256, NULL},
    {VK_DATE, -1, S("1958-05-08 00:00:00.000"), -4256, NULL},
    {VK_DATE, -1, S("1958.5.8 00:00"), -4256, NULL},
    {VK_DATE, -1, S("1958年5月8日 0:00:00"), -4256, NULL},
    {VK_DATE, -1, S(" 1958-05-08 00:00:00 "), -4256, NULL},
    /* enum: identifier (any ASCII case) or exact label */
    {VK_ENUM, EN_SEX, S("male"), 0, NULL},
    {VK_ENUM, EN_SEX, S("MALE"), 0, NULL},
    {VK_ENUM, EN_SEX, S("Female"), 1, NULL},
    {VK_ENUM, EN_SEX, S("男"), 0, NULL},
    {VK_ENUM, EN_SEX, S("女"), 1, NULL},
    {VK_ENUM, EN_SEX, S(" 女　"), 1, NULL},
    {VK_ENUM, EN_SUP, S("无"), 0, NULL},
    {VK_ENUM, EN_SUP, S("无履行能力"), 1, NULL},
    {VK_ENUM, EN_SUP, S("able"), 2, NULL},
    {VK_ENUM, EN_SUP, S("Unable"), 1, NULL},
    {VK_ENUM, EN_BIG, S("e11"), 11, NULL},
    {VK_ENUM, EN_BIG, S("丑"), 11, NULL},
    {VK_ENUM, EN_BARE, S("alpha"), 0, NULL},
    {VK_ENUM, EN_BARE, S("BETA"), 1, NULL},
    /* text: trimmed, a lowercase x ending a resident id read as X */
    {VK_TEXT, -1, S("张三"), 0, "张三"},
    {VK_TEXT, -1, S("  张三  "), 0, "张三"},
    {VK_TEXT, -1, S("　张三　"), 0, "张三"},
    {VK_TEXT, -1, S("\xC2\xA0张 三\xC2\xA0"), 0, "张 三"},
    {VK_TEXT, -1, S("\t410122\n"), 0, "410122"},
    {VK_TEXT, -1, S("41012219500307123x"), 0, "41012219500307123X"},
    {VK_TEXT, -1, S(" 41012219500307123x "), 0, "41012219500307123X"},
    {VK_TEXT, -1, S("41012219500307123X"), 0, "41012219500307123X"},
    {VK_TEXT, -1, S("410122195003071234"), 0, "410122195003071234"},
    {VK_TEXT, -1, S("4101221950030712x"), 0, "4101221950030712x"},       /* 17 characters */
    {VK_TEXT, -1, S("410122195003071234x"), 0, "410122195003071234x"},   /* 19 characters */
    {VK_TEXT, -1, S("a1012219500307123x"), 0, "a1012219500307123x"},     /* not all digits */
    {VK_TEXT, -1, S("x"), 0, "x"},
    {VK_TEXT, -1, S("中牟县（城关镇）"), 0, "中牟县（城关镇）"},
};

static void check_parse_ok(const ParseOk *r, size_t row)
{
    char *buf = exact_copy(r->text, r->len);
    int64_t v = 12345;
    char *owned = (char *)"untouched";
    char err[200] = "";
    bool ok = value_parse_kind(&prog, r->kind, r->en, buf, r->len, &v, &owned, err, sizeof err);
    if (!ok) fail_msg("row %zu (%s '%s'): unexpected error: %s", row, value_kind_name(r->kind), r->text, err);
    if (r->kind == VK_TEXT) {
        assert_non_null(owned);
        assert_ptr_equal((const char *)(intptr_t)v, owned);
        if (strcmp(owned, r->want_text) != 0)
            fail_msg("row %zu: '%s' read as '%s', want '%s'", row, r->text, owned, r->want_text);
        free(owned);
    } else {
        assert_null(owned);
        if (v != r->want)
            fail_msg("row %zu (%s '%s'): got %" PRId64 ", want %" PRId64, row, value_kind_name(r->kind), r->text,
                     v, r->want);
    }
    free(buf);
}

static void test_parse_accepts(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(parse_ok); i++) check_parse_ok(&parse_ok[i], i);
}

/* value_parse goes by the field's kind and enum. */
static void test_parse_by_field(void **state)
{
    (void)state;
    static const struct { size_t field; const char *text; int64_t want; } rows[] = {
        {0, "35", 35}, {1, "1.25", 12500}, {2, "12.5%", 1250}, {3, "否", 0}, {5, "2021年3月1日", 18687},
        {6, "女", 1},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        int64_t v = -1;
        char *owned = NULL;
        char err[200] = "";
        assert_true(value_parse(&prog, &kind_fields[rows[i].field], rows[i].text, strlen(rows[i].text), &v, &owned,
                                err, sizeof err));
        assert_int_equal(v, rows[i].want);
        assert_null(owned);
    }
    int64_t v = 0;
    char *owned = NULL;
    char err[200] = "";
    assert_true(value_parse(&prog, &kind_fields[4], S(" 张三 "), &v, &owned, err, sizeof err));
    assert_string_equal(owned, "张三");
    assert_ptr_equal((const char *)(intptr_t)v, owned);
    free(owned);
    /* owned may be NULL for kinds that own nothing (params) */
    assert_true(value_parse_kind(&prog, VK_PERCENT, -1, S("10%"), &v, NULL, err, sizeof err));
    assert_int_equal(v, 1000);
    /* err may be NULL */
    assert_false(value_parse_kind(&prog, VK_INT, -1, S("x"), &v, NULL, NULL, 0));
}

/* ---- parsing: errors ----------------------------------------------------------------------- */

typedef struct ParseErr {
    uint8_t kind;
    int32_t en;
    const char *text;
    size_t len;
    const char *want;
} ParseErr;

static const ParseErr parse_err[] = {
    /* empty, for every kind, after trimming */
    {VK_INT, -1, S(""), "empty"},
    {VK_NUMBER, -1, S("   "), "empty"},
    {VK_PERCENT, -1, S("\t"), "empty"},
    {VK_BOOL, -1, S("　"), "empty"},
    {VK_TEXT, -1, S(" 　 \xC2\xA0"), "empty"},
    {VK_DATE, -1, S("\r\n"), "empty"},
    {VK_ENUM, EN_SEX, S(""), "empty"},
    /* int */
    {VK_INT, -1, S("3.5"), "'3.5' is not a whole number"},
    {VK_INT, -1, S("3.0"), "'3.0' is not a whole number"},
    {VK_INT, -1, S("abc"), "'abc' is not a whole number"},
    {VK_INT, -1, S("1e3"), "'1e3' is not a whole number"},
    {VK_INT, -1, S("-"), "'-' is not a whole number"},
    {VK_INT, -1, S("+-1"), "'+-1' is not a whole number"},
    {VK_INT, -1, S("1 000"), "'1 000' is not a whole number"},
    {VK_INT, -1, S("1,000"), "'1,000' is not a whole number"},
    {VK_INT, -1, S("99999999999999999999"), "'99999999999999999999' is too large"},
    {VK_INT, -1, S("9223372036854775808"), "'9223372036854775808' is too large"},
    {VK_INT, -1, S("-9223372036854775809"), "'-9223372036854775809' is too large"},
    /* number */
    {VK_NUMBER, -1, S("1.23456"), "'1.23456' has more than 4 decimals"},
    {VK_NUMBER, -1, S("0.00001"), "'0.00001' has more than 4 decimals"},
    {VK_NUMBER, -1, S("abc"), "'abc' is not a number"},
    {VK_NUMBER, -1, S("."), "'.' is not a number"},
    {VK_NUMBER, -1, S("-."), "'-.' is not a number"},
    {VK_NUMBER, -1, S("1,5"), "'1,5' is not a number"},
    {VK_NUMBER, -1, S("1.2.3"), "'1.2.3' is not a number"},
    {VK_NUMBER, -1, S("1e3"), "'1e3' is not a number"},
    {VK_NUMBER, -1, S("30%"), "'30%' is not a number"},
    {VK_NUMBER, -1, S("922337203685477.5808"), "'922337203685477.5808' is too large"},
    {VK_NUMBER, -1, S("1000000000000000"), "'1000000000000000' is too large"},
    /* percent */
    {VK_PERCENT, -1, S("30"), "'30' is ambiguous for a percent: write 30% or the fraction 0.3"},
    {VK_PERCENT, -1, S("12.5"), "'12.5' is ambiguous for a percent: write 12.5% or the fraction 0.125"},
    {VK_PERCENT, -1, S("-2"), "'-2' is ambiguous for a percent: write -2% or the fraction -0.02"},
    {VK_PERCENT, -1, S("1.0001"), "'1.0001' is ambiguous for a percent: write it with % or as a fraction of 1"},
    {VK_PERCENT, -1, S("12.345%"), "'12.345%' has more than 2 decimals"},
    {VK_PERCENT, -1, S("0.12345"), "'0.12345' has more than 4 decimals"},
    {VK_PERCENT, -1, S("abc"), "'abc' is not a percent (30% or 0.3)"},
    {VK_PERCENT, -1, S("%"), "'%' is not a percent (30% or 0.3)"},
    {VK_PERCENT, -1, S("30%%"), "'30%%' is not a percent (30% or 0.3)"},
    {VK_PERCENT, -1, S("99999999999999999%"), "'99999999999999999%' is too large"},
    /* bool */
    {VK_BOOL, -1, S("maybe"), "'maybe' is not a yes/no value (1/0, true/false, yes/no, 是/否)"},
    {VK_BOOL, -1, S("2"), "'2' is not a yes/no value (1/0, true/false, yes/no, 是/否)"},
    {VK_BOOL, -1, S("t"), "'t' is not a yes/no value (1/0, true/false, yes/no, 是/否)"},
    {VK_BOOL, -1, S("是的"), "'是的' is not a yes/no value (1/0, true/false, yes/no, 是/否)"},
    {VK_BOOL, -1, S("\xCA\xC7"), "'?" "?' is not a yes/no value (1/0, true/false, yes/no, 是/否)"}, /* 是 in GBK */
    /* date */
    {VK_DATE, -1, S("2021-02-30"), "'2021-02-30' is not a calendar date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("2021-02-29"), "'2021-02-29' is not a calendar date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("20210230"), "'20210230' is not a calendar date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("2021/13/1"), "'2021/13/1' is not a calendar date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("2021年4月31日"), "'2021年4月31日' is not a calendar date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("0000-01-01"), "'0000-01-01' is not a calendar date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("2021-00-10"), "'2021-00-10' is not a calendar date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("2021-4/1"), "'2021-4/1' is not a date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("21-04-01"), "'21-04-01' is not a date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("02021-04-01"), "'02021-04-01' is not a date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("2021-004-01"), "'2021-004-01' is not a date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("2021-04-"), "'2021-04-' is not a date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("2021-04-01x"), "'2021-04-01x' is not a date (YYYY-MM-DD)"},
    /* a time of day other than midnight is named (Excel writes date-times; 08:30 is no date) */
    {VK_DATE, -1, S("1958-05-08 08:30:00"), "'1958-05-08 08:30:00' has a time of day 08:30: a date is wanted"},
    {VK_DATE, -1, S("1958/5/8 8:30"), "'1958/5/8 8:30' has a time of day 08:30: a date is wanted"},
    {VK_DATE, -1, S("1958-05-08 00:00:01"), "'1958-05-08 00:00:01' has a time of day 00:00:01: a date is wanted"},
    {VK_DATE, -1, S("1958-05-08T23:59:59"), "'1958-05-08T23:59:59' has a time of day 23:59:59: a date is wanted"},
    {VK_DATE, -1, S("1958-05-08 00:00:00.5"), "'1958-05-08 00:00:00.5' has a time of day 00:00:00.5: a date is wanted"},
    {VK_DATE, -1, S("1958年5月8日 12:00"), "'1958年5月8日 12:00' has a time of day 12:00: a date is wanted"},
    /* ... and a time that is no time, or in a place it cannot be, is no date */
    {VK_DATE, -1, S("2021-04-01 24:00"), "'2021-04-01 24:00' is not a date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("2021-04-01 0:60"), "'2021-04-01 0:60' is not a date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("2021-04-01 0:0"), "'2021-04-01 0:0' is not a date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("2021-04-01 00:00:0"), "'2021-04-01 00:00:0' is not a date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("2021-04-01 00:00:00."), "'2021-04-01 00:00:00.' is not a date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("2021-04-01  00:00"), "'2021-04-01  00:00' is not a date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("2021-04-01 00:00 AM"), "'2021-04-01 00:00 AM' is not a date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("20210401 00:00"), "'20210401 00:00' is not a date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("2021-02-30 00:00:00"), "'2021-02-30 00:00:00' is not a calendar date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("2021年4月1"), "'2021年4月1' is not a date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("2021年4-1日"), "'2021年4-1日' is not a date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("2021040"), "'2021040' is not a date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("April 1"), "'April 1' is not a date (YYYY-MM-DD)"},
    {VK_DATE, -1, S("2021"), "'2021' is not a date (YYYY-MM-DD)"},
    /* enum */
    {VK_ENUM, EN_SEX, S("abc"), "'abc' is not one of: male 男, female 女"},
    {VK_ENUM, EN_SEX, S("男性"), "'男性' is not one of: male 男, female 女"},
    {VK_ENUM, EN_SUP, S("0"), "'0' is not one of: none 无, unable 无履行能力, able 有履行能力"},
    {VK_ENUM, EN_BARE, S("gamma"), "'gamma' is not one of: Alpha, beta"},
    {VK_ENUM, EN_BIG, S("zz"),
     "'zz' is not one of: e0 甲, e1, e2 丙, e3 丁, e4 戊, e5 己, e6 庚, e7 辛, e8 壬, e9 癸, and 2 more"},
    {VK_ENUM, 99, S("male"), "unknown enum #99"},
    /* text */
    {VK_TEXT, -1, S("\xFF\xFE"), "text is not valid UTF-8 (save the file as CSV UTF-8)"},
    {VK_TEXT, -1, S("\xD5\xC5\xC8\xFD"), "text is not valid UTF-8 (save the file as CSV UTF-8)"}, /* 张三, GBK */
    {VK_TEXT, -1, S("a\0b"), "text contains a NUL character"},
    /* the value quoted safely: cut at 40 bytes on a character, control characters as '?' */
    {VK_INT, -1, S("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
     "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' is not a whole number"},
    {VK_INT, -1, S("中中中中中中中中中中中中中中中"), "'中中中中中中中中中中中中中...' is not a whole number"},
    {VK_INT, -1, S("1\n2"), "'1?2' is not a whole number"},
    /* an unknown kind */
    {0, -1, S("1"), "unknown value kind 0"},
    {42, -1, S("1"), "unknown value kind 42"},
};

static void test_parse_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(parse_err); i++) {
        const ParseErr *r = &parse_err[i];
        char *buf = exact_copy(r->text, r->len);
        int64_t v = 777;
        char *owned = (char *)"untouched";
        char err[200] = "";
        bool ok = value_parse_kind(&prog, r->kind, r->en, buf, r->len, &v, &owned, err, sizeof err);
        if (ok) fail_msg("row %zu: '%s' was accepted as %" PRId64, i, r->text, v);
        if (strcmp(err, r->want) != 0) fail_msg("row %zu\n  want: %s\n  got:  %s", i, r->want, err);
        assert_int_equal(v, 777);          /* untouched on failure */
        assert_null(owned);
        free(buf);
    }
}

/* A short err buffer is cut, never overrun; errlen 0 writes nothing. */
static void test_parse_error_buffer(void **state)
{
    (void)state;
    char err[8];
    memset(err, 'Z', sizeof err);
    int64_t v;
    assert_false(value_parse_kind(&prog, VK_BOOL, -1, S("maybe"), &v, NULL, err, sizeof err));
    assert_string_equal(err, "'maybe'");
    char none[1] = {'Z'};
    assert_false(value_parse_kind(&prog, VK_BOOL, -1, S("maybe"), &v, NULL, none, 0));
    assert_int_equal(none[0], 'Z');
    /* text needs somewhere to put its copy */
    char e2[100];
    assert_false(value_parse_kind(&prog, VK_TEXT, -1, S("x"), &v, NULL, e2, sizeof e2));
    assert_string_equal(e2, "a text value needs a place to be stored");
}

/* ---- trimming and lookup ------------------------------------------------------------------- */

static void test_trim(void **state)
{
    (void)state;
    static const struct { const char *in; size_t len; const char *want; } rows[] = {
        {S(""), ""},
        {S("a"), "a"},
        {S("  a b  "), "a b"},
        {S("\t\r\n\v\fa\f\v\n\r\t"), "a"},
        {S("　a　"), "a"},
        {S("　　 a 　　"), "a"},
        {S("\xC2\xA0" "a" "\xC2\xA0"), "a"},
        {S("a　b"), "a　b"},
        {S("　"), ""},
        {S("\xE3\x80"), "\xE3\x80"},          /* a cut U+3000 is not a space */
        {S("中"), "中"},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        char *buf = exact_copy(rows[i].in, rows[i].len);
        const char *s = buf;
        size_t n = rows[i].len;
        value_trim(&s, &n);
        if (n != strlen(rows[i].want) || memcmp(s, rows[i].want, n) != 0)
            fail_msg("row %zu: trimmed to '%.*s', want '%s'", i, (int)n, s, rows[i].want);
        free(buf);
    }
}

static void test_enum_lookup(void **state)
{
    (void)state;
    assert_int_equal(value_enum_lookup(&enums[EN_SUP], S("able")), 2);
    assert_int_equal(value_enum_lookup(&enums[EN_SUP], S("ABLE")), 2);
    assert_int_equal(value_enum_lookup(&enums[EN_SUP], S("有履行能力")), 2);
    assert_int_equal(value_enum_lookup(&enums[EN_SUP], S(" able")), -1);   /* not trimmed here */
    assert_int_equal(value_enum_lookup(&enums[EN_SUP], S("abl")), -1);
    assert_int_equal(value_enum_lookup(&enums[EN_BARE], S("alpha")), 0);
    assert_int_equal(value_enum_lookup(&enums[EN_BIG], S("乙")), -1);     /* e1 has no label */
    assert_string_equal(value_kind_name(VK_INT), "int");
    assert_string_equal(value_kind_name(VK_PERCENT), "percent");
    assert_string_equal(value_kind_name(VK_ENUM), "enum");
    assert_string_equal(value_kind_name(0), "?");
    assert_string_equal(value_kind_name(200), "?");
}

/* ---- formatting ---------------------------------------------------------------------------- */

typedef struct FormatRow {
    uint8_t kind;
    int32_t en;
    int64_t v;
    bool labels;
    const char *want;
} FormatRow;

static const char zhang_san[] = "张三";

static const FormatRow format_rows[] = {
    {VK_INT, -1, 0, false, "0"},
    {VK_INT, -1, 42, false, "42"},
    {VK_INT, -1, -42, false, "-42"},
    {VK_INT, -1, INT64_MAX, false, "9223372036854775807"},
    {VK_INT, -1, INT64_MIN, false, "-9223372036854775808"},
    {VK_NUMBER, -1, 15000, false, "1.5"},
    {VK_NUMBER, -1, 20000, false, "2"},
    {VK_NUMBER, -1, -3333, false, "-0.3333"},
    {VK_NUMBER, -1, -5000, false, "-0.5"},
    {VK_NUMBER, -1, 1, false, "0.0001"},
    {VK_NUMBER, -1, -1, false, "-0.0001"},
    {VK_NUMBER, -1, 0, false, "0"},
    {VK_NUMBER, -1, 10, false, "0.001"},
    {VK_NUMBER, -1, -25000, false, "-2.5"},
    {VK_NUMBER, -1, -20000, false, "-2"},
    {VK_NUMBER, -1, 123456789, false, "12345.6789"},
    {VK_NUMBER, -1, 100001, false, "10.0001"},
    {VK_NUMBER, -1, INT64_MAX, false, "922337203685477.5807"},
    {VK_NUMBER, -1, INT64_MIN, false, "-922337203685477.5808"},
    {VK_PERCENT, -1, 3000, false, "30%"},
    {VK_PERCENT, -1, 1250, false, "12.5%"},
    {VK_PERCENT, -1, 10000, false, "100%"},
    {VK_PERCENT, -1, 0, false, "0%"},
    {VK_PERCENT, -1, 1, false, "0.01%"},
    {VK_PERCENT, -1, 10, false, "0.1%"},
    {VK_PERCENT, -1, 3333, false, "33.33%"},
    {VK_PERCENT, -1, -500, false, "-5%"},
    {VK_PERCENT, -1, -1, false, "-0.01%"},
    {VK_PERCENT, -1, 15000, false, "150%"},
    {VK_BOOL, -1, 1, false, "true"},
    {VK_BOOL, -1, 0, false, "false"},
    {VK_BOOL, -1, 1, true, "true"},
    {VK_DATE, -1, 18718, false, "2021-04-01"},
    {VK_DATE, -1, 0, false, "1970-01-01"},
    {VK_DATE, -1, -7240, false, "1950-03-07"},
    {VK_DATE, -1, 18321, false, "2020-02-29"},
    {VK_DATE, -1, -719162, false, "0001-01-01"},
    {VK_DATE, -1, 2932896, false, "9999-12-31"},
    {VK_DATE, -1, 2932897, false, "10000-01-01"},
    {VK_DATE, -1, INT64_MAX, false, "#9223372036854775807"},
    {VK_DATE, -1, INT64_MIN, false, "#-9223372036854775808"},
    {VK_ENUM, EN_SEX, 0, false, "male"},
    {VK_ENUM, EN_SEX, 1, true, "female (女)"},
    {VK_ENUM, EN_SUP, 0, true, "none (无)"},
    {VK_ENUM, EN_SUP, 2, false, "able"},
    {VK_ENUM, EN_BIG, 1, true, "e1"},              /* no label */
    {VK_ENUM, EN_BARE, 0, true, "Alpha"},          /* no labels at all */
    {VK_ENUM, EN_SEX, 2, true, "#2"},              /* out of range */
    {VK_ENUM, EN_SEX, -1, false, "#-1"},
    {VK_ENUM, 99, 0, false, "#0"},                 /* no such enum */
    {VK_TEXT, -1, 0, false, ""},                   /* NULL */
};

static void test_format(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(format_rows); i++) {
        const FormatRow *r = &format_rows[i];
        StrBuf sb = {0};
        sb_puts(&sb, "<");                         /* value_format appends */
        value_format(&prog, r->kind, r->en, r->v, r->labels, &sb);
        if (strcmp(sb_str(&sb) + 1, r->want) != 0 || sb.items[0] != '<')
            fail_msg("row %zu (%s %" PRId64 "): got '%s', want '%s'", i, value_kind_name(r->kind), r->v,
                     sb_str(&sb) + 1, r->want);
        sb_free(&sb);
    }
    StrBuf sb = {0};
    value_format(&prog, VK_TEXT, -1, (int64_t)(intptr_t)zhang_san, true, &sb);
    assert_string_equal(sb_str(&sb), "张三");
    sb_free(&sb);
    /* numbers need no program */
    value_format(NULL, VK_NUMBER, -1, 15000, false, &sb);
    assert_string_equal(sb_str(&sb), "1.5");
    sb_free(&sb);
}

/* Whatever value_format writes, value_parse reads back to the same value. */
static void test_round_trip(void **state)
{
    (void)state;
    static const struct { uint8_t kind; int32_t en; int64_t v; } rows[] = {
        {VK_INT, -1, 0}, {VK_INT, -1, -17}, {VK_INT, -1, INT64_MIN}, {VK_INT, -1, INT64_MAX},
        {VK_NUMBER, -1, 15000}, {VK_NUMBER, -1, -3333}, {VK_NUMBER, -1, 1}, {VK_NUMBER, -1, -5000},
        {VK_NUMBER, -1, INT64_MIN}, {VK_NUMBER, -1, INT64_MAX},
        {VK_PERCENT, -1, 3000}, {VK_PERCENT, -1, 1250}, {VK_PERCENT, -1, 10000}, {VK_PERCENT, -1, 0},
        {VK_PERCENT, -1, 1}, {VK_PERCENT, -1, -500}, {VK_PERCENT, -1, 15000},
        {VK_BOOL, -1, 0}, {VK_BOOL, -1, 1},
        {VK_DATE, -1, 18718}, {VK_DATE, -1, -7240}, {VK_DATE, -1, -719162}, {VK_DATE, -1, 2932896},
        {VK_ENUM, EN_SEX, 0}, {VK_ENUM, EN_SEX, 1}, {VK_ENUM, EN_BIG, 11}, {VK_ENUM, EN_BARE, 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        for (int labels = 0; labels < 2; labels++) {
            if (labels && rows[i].kind == VK_ENUM) continue;   /* "male (男)" is for reading by people */
            StrBuf sb = {0};
            value_format(&prog, rows[i].kind, rows[i].en, rows[i].v, labels, &sb);
            int64_t back = 0;
            char err[200] = "";
            if (!value_parse_kind(&prog, rows[i].kind, rows[i].en, sb.items, sb.count, &back, NULL, err, sizeof err))
                fail_msg("row %zu: '%s' does not read back: %s", i, sb_str(&sb), err);
            if (back != rows[i].v) fail_msg("row %zu: '%s' read back as %" PRId64, i, sb_str(&sb), back);
            sb_free(&sb);
        }
    }
    /* an enum's label alone reads back too */
    int64_t v;
    assert_true(value_parse_kind(&prog, VK_ENUM, EN_SUP, S("无履行能力"), &v, NULL, NULL, 0));
    assert_int_equal(v, 1);
}

/* ---- ranges -------------------------------------------------------------------------------- */

typedef struct RangeRow {
    int field;
    int64_t v;
    const char *want;          /* NULL: in range */
} RangeRow;

static const RangeRow range_rows[] = {
    {R_GRADE, 0, NULL},
    {R_GRADE, 4, NULL},
    {R_GRADE, 5, "5 is outside 0..4"},
    {R_GRADE, -1, "-1 is outside 0..4"},
    {R_GRADE3, 4, "4 is outside 0..3"},
    {R_GRADE3, INT64_MIN, "-9223372036854775808 is outside 0..3"},
    {R_INCOME, 15000, NULL},
    {R_INCOME, 16000, "1.6 is outside 0..1.5"},
    {R_INCOME, -1, "-0.0001 is outside 0..1.5"},
    {R_SHARE, 10000, NULL},
    {R_SHARE, 12000, "120% is outside 0%..100%"},
    {R_SHARE, -500, "-5% is outside 0%..100%"},
    {R_BIRTH, -25567, NULL},
    {R_BIRTH, 18718, NULL},
    {R_BIRTH, 18719, "2021-04-02 is outside 1900-01-01..2021-04-01"},
    {R_BIRTH, -25568, "1899-12-31 is outside 1900-01-01..2021-04-01"},
    {R_MASK, 0, NULL},
    {R_MASK, 2, NULL},
    {R_MASK, 4, NULL},
    {R_MASK, 3, "3 is not one of 0, 2, 4"},
    {R_MASK, 64, "64 is not one of 0, 2, 4"},
    {R_MASK, -1, "-1 is not one of 0, 2, 4"},
    {R_MASK, INT64_MAX, "9223372036854775807 is not one of 0, 2, 4"},
    {R_SUPMASK, 0, NULL},
    {R_SUPMASK, 1, NULL},
    {R_SUPMASK, 2, "able is not one of none, unable"},
    {R_NONE, INT64_MIN, NULL},
    {R_NONE, INT64_MAX, NULL},
    {R_TEXT, 0, NULL},         /* text has no range */
};

static void test_range(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(range_rows); i++) {
        const RangeRow *r = &range_rows[i];
        char err[200] = "";
        bool ok = value_in_range(&prog, &ranged[r->field], r->v, err, sizeof err);
        if (!r->want) {
            if (!ok) fail_msg("row %zu: %" PRId64 " rejected: %s", i, r->v, err);
            continue;
        }
        if (ok) fail_msg("row %zu: %" PRId64 " accepted, want '%s'", i, r->v, r->want);
        if (strcmp(err, r->want) != 0) fail_msg("row %zu\n  want: %s\n  got:  %s", i, r->want, err);
    }
    /* a mask with 63 allowed: the top bit of the mask */
    FieldInfo top = {.name = "t", .kind = VK_INT, .enum_index = -1, .range_kind = 2, .range_lo = INT64_MIN};
    assert_true(value_in_range(&prog, &top, 63, NULL, 0));
    char err[64];
    assert_false(value_in_range(&prog, &top, 62, err, sizeof err));
    assert_string_equal(err, "62 is not one of 63");
}

/* ---- JSON ---------------------------------------------------------------------------------- */

/* The members as "name=value;" ("name=(null);" for null), checking that value[len] is NUL. */
typedef struct Collect {
    StrBuf log;
    int calls, stop_after;
} Collect;

static bool collect(const char *name, const char *value, size_t len, bool is_null, void *ctx)
{
    Collect *c = ctx;
    assert_non_null(name);
    assert_non_null(value);
    assert_int_equal(value[len], '\0');
    if (is_null) assert_int_equal(len, 0);
    sb_printf(&c->log, "%s=", name);
    if (is_null) sb_puts(&c->log, "(null)");
    else sb_putn(&c->log, value, len);
    sb_putc(&c->log, ';');
    return ++c->calls != c->stop_after;
}

typedef struct JsonOk {
    const char *text;
    size_t len;
    const char *want;
} JsonOk;

static const JsonOk json_ok[] = {
    {S("{}"), ""},
    {S(" \t\r\n{ \n } \n"), ""},
    {S("{\"a\":1}"), "a=1;"},
    {S("{\"a\": \"x\", \"b\": true, \"c\": false, \"d\": null, \"e\": -1.5e3}"),
     "a=x;b=true;c=false;d=(null);e=-1.5e3;"},
    {S("{\n\t\"age\" :\r\n 35 ,\n\t\"dibao\"\t:\"是\"\n}\n"), "age=35;dibao=是;"},
    {S("{\"s\":\"q\\\"b\\\\s\\/n\\nt\\tr\\rb\\bf\\f\"}"), "s=q\"b\\s/n\nt\tr\rb\bf\f;"},
    {S("{\"name\":\"\\u4e2d\\u6587\"}"), "name=中文;"},
    {S("{\"\\u59D3\\u540D\":\"x\"}"), "姓名=x;"},
    {S("{\"e\":\"\\ud83d\\ude00\"}"), "e=\xF0\x9F\x98\x80;"},
    {S("{\"e\":\"\\uD83D\\uDE00!\"}"), "e=\xF0\x9F\x98\x80!;"},
    {S("{\"e\":\"\\u0041\\u00e9\\u20AC\\uffff\"}"), "e=A\xC3\xA9\xE2\x82\xAC\xEF\xBF\xBF;"},
    {S("{\"姓名\":\"张三\",\"性别\":\"女\"}"), "姓名=张三;性别=女;"},
    {S("{\"a\":0,\"b\":-0,\"c\":0.5,\"d\":1E+2,\"e\":2e-3,\"f\":123456789012345678901234}"),
     "a=0;b=-0;c=0.5;d=1E+2;e=2e-3;f=123456789012345678901234;"},
    {S("{\"id\":410122195003071234}"), "id=410122195003071234;"},
    {S("{\"\":\"\"}"), "=;"},
    {S("{\"a\":\"\",\"b\":\" \"}"), "a=;b= ;"},
    {S("\xEF\xBB\xBF{\"a\":1}"), "a=1;"},           /* BOM */
    {S("{\"a\":\"}\",\"b\":\",\"}"), "a=};b=,;"},
    {S("{\"A\":1,\"a\":2}"), "A=1;a=2;"},            /* names are case-sensitive */
};

static void test_json_ok(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(json_ok); i++) {
        char *buf = exact_copy(json_ok[i].text, json_ok[i].len);
        Collect c = {0};
        char err[200] = "";
        if (!json_parse_flat_object(buf, json_ok[i].len, collect, &c, err, sizeof err))
            fail_msg("row %zu: %s", i, err);
        if (strcmp(sb_str(&c.log), json_ok[i].want) != 0)
            fail_msg("row %zu\n  want: %s\n  got:  %s", i, json_ok[i].want, sb_str(&c.log));
        sb_free(&c.log);
        free(buf);
    }
}

/* A string value with \u0000-free escapes reaches value_parse as its text. */
static void test_json_values_parse(void **state)
{
    (void)state;
    Collect c = {0};
    char err[200];
    const char text[] = "{\"share\":\"30\\uff05\",\"when\":\"2021\\u5e744\\u67081\\u65e5\"}";
    assert_true(json_parse_flat_object(text, strlen(text), collect, &c, err, sizeof err));
    assert_string_equal(sb_str(&c.log), "share=30％;when=2021年4月1日;");
    sb_free(&c.log);
}

typedef struct JsonErr {
    const char *text;
    size_t len;
    const char *want;
} JsonErr;

static const JsonErr json_err[] = {
    {S(""), "expected '{' (a JSON object), found the end of the input at byte 0"},
    {S("   "), "expected '{' (a JSON object), found the end of the input at byte 3"},
    {S("[1]"), "expected '{' (a JSON object), found '[' at byte 0"},
    {S("null"), "expected '{' (a JSON object), found 'n' at byte 0"},
    {S("{"), "expected a member name (a string), found the end of the input at byte 1"},
    {S("{\"a\":1,}"), "trailing comma before '}' at byte 6"},
    {S("{\"a\":1 , \n}"), "trailing comma before '}' at byte 7"},
    {S("{,}"), "expected a member name (a string), found ',' at byte 1"},
    {S("{\"a\":1,,\"b\":2}"), "expected a member name (a string), found ',' at byte 7"},
    {S("{\"a\":\"xy"), "unterminated string at byte 5"},
    {S("{\"a\":\"xy\\"), "unterminated string at byte 5"},
    {S("{\"a\\"), "unterminated string at byte 1"},
    {S("{\"a"), "unterminated string at byte 1"},
    {S("{\"a\":\"中"), "unterminated string at byte 5"},
    {S("{\"a\":{\"b\":1}}"), "member 'a': nested objects and arrays are not supported at byte 5"},
    {S("{\"a\":[1]}"), "member 'a': nested objects and arrays are not supported at byte 5"},
    {S("{\"a\":1,\"a\":2}"), "duplicate member 'a' at byte 7"},
    {S("{\"a\":1,\"\\u0061\":2}"), "duplicate member 'a' at byte 7"},
    {S("{\"姓名\":1, \"姓名\":2}"), "duplicate member '姓名' at byte 13"},
    {S("{\"a\" 1}"), "expected ':' after the member name, found '1' at byte 5"},
    {S("{\"a\"}"), "expected ':' after the member name, found '}' at byte 4"},
    {S("{\"a\":}"), "expected a value, found '}' at byte 5"},
    {S("{\"a\":"), "expected a value, found the end of the input at byte 5"},
    {S("{\"a\":1 \"b\":2}"), "expected ',' or '}', found '\"' at byte 7"},
    {S("{\"a\":1 中}"), "expected ',' or '}', found '中' at byte 7"},
    {S("{\"a\":1"), "expected ',' or '}', found the end of the input at byte 6"},
    {S("{a:1}"), "expected a member name (a string), found 'a' at byte 1"},
    {S("{'a':1}"), "expected a member name (a string), found ''' at byte 1"},
    {S("{\"a\":1}x"), "unexpected text after the object at byte 7"},
    {S("{\"a\":1} {}"), "unexpected text after the object at byte 8"},
    {S("{\"a\":1}\0"), "unexpected text after the object at byte 7"},
    {S("{\"a\":01}"), "invalid number at byte 5"},
    {S("{\"a\":-}"), "invalid number at byte 5"},
    {S("{\"a\":-"), "invalid number at byte 5"},
    {S("{\"a\":1.}"), "invalid number at byte 5"},
    {S("{\"a\":1e}"), "invalid number at byte 5"},
    {S("{\"a\":1e+}"), "invalid number at byte 5"},
    {S("{\"a\":.5}"), "expected a value, found '.' at byte 5"},
    {S("{\"a\":+1}"), "expected a value, found '+' at byte 5"},
    {S("{\"a\":tru}"), "expected a value, found 't' at byte 5"},
    {S("{\"a\":True}"), "expected a value, found 'T' at byte 5"},
    {S("{\"a\":yes}"), "expected a value, found 'y' at byte 5"},
    {S("{\"a\":truex}"), "expected ',' or '}', found 'x' at byte 9"},
    {S("{\"a\":nulll}"), "expected ',' or '}', found 'l' at byte 9"},
    {S("{\"a\":\"\\q\"}"), "invalid escape '\\q' at byte 6"},
    {S("{\"a\":\"\\中\"}"), "invalid escape '\\中' at byte 6"},
    {S("{\"a\":\"\\U0041\"}"), "invalid escape '\\U' at byte 6"},
    {S("{\"a\":\"\\u12\"}"), "invalid \\u escape (4 hex digits expected) at byte 6"},
    {S("{\"a\":\"\\u12g4\"}"), "invalid \\u escape (4 hex digits expected) at byte 6"},
    {S("{\"a\":\"\\u12"), "invalid \\u escape (4 hex digits expected) at byte 6"},
    {S("{\"a\":\"\\ud83d\"}"), "unpaired surrogate \\uD83D at byte 6"},
    {S("{\"a\":\"\\ud83dx\"}"), "unpaired surrogate \\uD83D at byte 6"},
    {S("{\"a\":\"\\ud83d\\u0041\"}"), "unpaired surrogate \\uD83D at byte 6"},
    {S("{\"a\":\"\\ud83d\\ud83d\"}"), "unpaired surrogate \\uD83D at byte 6"},
    {S("{\"a\":\"\\ud83d\\n\"}"), "unpaired surrogate \\uD83D at byte 6"},
    {S("{\"a\":\"\\ude00\"}"), "unpaired surrogate \\uDE00 at byte 6"},
    {S("{\"a\":\"\\u0000\"}"), "\\u0000 (a NUL character) is not allowed at byte 6"},
    {S("{\"a\":\"x\ny\"}"), "control character U+000A in a string (write it as an escape) at byte 7"},
    {S("{\"a\":\"x\0y\"}"), "control character U+0000 in a string (write it as an escape) at byte 7"},
    {S("{\"a\":\"\xFF\"}"), "invalid UTF-8 in a string at byte 6"},
    {S("{\"a\":\"\xD5\xC5\"}"), "invalid UTF-8 in a string at byte 6"},      /* GBK */
    {S("{\"a\":\"\xED\xA0\xBD\"}"), "invalid UTF-8 in a string at byte 6"},  /* an encoded surrogate */
    {S("{\"a\":\"\xC0\xAF\"}"), "invalid UTF-8 in a string at byte 6"},      /* overlong */
    {S("{\"\xFF\":1}"), "invalid UTF-8 in a string at byte 2"},
    {S("\xEF\xBB{}"), "expected '{' (a JSON object), found byte 0xEF at byte 0"},
    {S("\x01{}"), "expected '{' (a JSON object), found byte 0x01 at byte 0"},
};

static void test_json_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(json_err); i++) {
        char *buf = exact_copy(json_err[i].text, json_err[i].len);
        Collect c = {0};
        char err[200] = "";
        if (json_parse_flat_object(buf, json_err[i].len, collect, &c, err, sizeof err))
            fail_msg("row %zu: accepted, want '%s'", i, json_err[i].want);
        if (strcmp(err, json_err[i].want) != 0) fail_msg("row %zu\n  want: %s\n  got:  %s", i, json_err[i].want, err);
        sb_free(&c.log);
        free(buf);
    }
}

/* Members before the defect were already delivered, in order; the callback can stop the parse. */
static void test_json_callback(void **state)
{
    (void)state;
    Collect c = {0};
    char err[200];
    const char bad[] = "{\"a\":1,\"b\":2,\"a\":3}";
    assert_false(json_parse_flat_object(bad, strlen(bad), collect, &c, err, sizeof err));
    assert_string_equal(sb_str(&c.log), "a=1;b=2;");
    assert_string_equal(err, "duplicate member 'a' at byte 13");
    sb_free(&c.log);

    Collect stop = {.stop_after = 2};
    const char good[] = "{\"a\":1,\"b\":2,\"c\":3}";
    strcpy(err, "junk");
    assert_false(json_parse_flat_object(good, strlen(good), collect, &stop, err, sizeof err));
    assert_int_equal(stop.calls, 2);
    assert_string_equal(sb_str(&stop.log), "a=1;b=2;");
    assert_string_equal(err, "");      /* the callback gives its own reason */
    sb_free(&stop.log);

    /* NULL text reads as empty; NULL err is allowed */
    Collect none = {0};
    assert_false(json_parse_flat_object(NULL, 0, collect, &none, NULL, 0));
    assert_int_equal(none.calls, 0);
}

/* Many members: the duplicate check stays exact as its table grows. */
static void test_json_many_members(void **state)
{
    (void)state;
    StrBuf sb = {0};
    sb_putc(&sb, '{');
    for (int i = 0; i < 1000; i++) sb_printf(&sb, "%s\"f%d\":%d", i ? "," : "", i, i);
    sb_putc(&sb, '}');
    Collect c = {0};
    char err[200] = "";
    assert_true(json_parse_flat_object(sb.items, sb.count, collect, &c, err, sizeof err));
    assert_int_equal(c.calls, 1000);
    sb_free(&c.log);
    /* and the same with a repeat of the 500th name at the end */
    sb.count--;
    size_t at = sb.count + 1;
    sb_puts(&sb, ",\"f500\":1}");
    Collect d = {0};
    assert_false(json_parse_flat_object(sb.items, sb.count, collect, &d, err, sizeof err));
    char want[80];
    snprintf(want, sizeof want, "duplicate member 'f500' at byte %zu", at);
    assert_string_equal(err, want);
    assert_int_equal(d.calls, 1000);
    sb_free(&d.log);
    sb_free(&sb);
}

/* ---- robustness ---------------------------------------------------------------------------- */

static const char full_json[] =
    "\xEF\xBB\xBF{ \"id\": \"41012219500307123x\", \"\\u59d3\\u540d\": \"\\u5f20\\u4e09\",\n"
    "  \"e\": \"\\ud83d\\ude00\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"age\": -12.5e+3, \"n\": null,\n"
    "  \"t\": true, \"f\": false, \"z\": 0, \"性别\": \"女\" }";

/* Every proper prefix of a valid text fails with a positioned reason; the whole text parses. */
static void test_json_prefixes(void **state)
{
    (void)state;
    size_t n = sizeof full_json - 1;
    for (size_t k = 0; k <= n; k++) {
        char *buf = exact_copy(full_json, k);
        Collect c = {0};
        char err[200] = "";
        bool ok = json_parse_flat_object(buf, k, collect, &c, err, sizeof err);
        if (k == n) {
            if (!ok) fail_msg("the whole text: %s", err);
            assert_int_equal(c.calls, 9);
        } else {
            if (ok) fail_msg("prefix of %zu bytes accepted", k);
            if (!strstr(err, " at byte ")) fail_msg("prefix of %zu bytes: reason without a position: '%s'", k, err);
        }
        sb_free(&c.log);
        free(buf);
    }
}

/* Each byte of the valid text replaced by each troublesome byte: never a crash (ASan/UBSan), and
 * every failure has a positioned reason. */
static void test_json_mutations(void **state)
{
    (void)state;
    static const unsigned char bytes[] = {'"', '\\', '{', '}', '[', ',', ':', 'u', 'd', '0', ' ', 0, 0x80, 0xFF, 0xED};
    size_t n = sizeof full_json - 1;
    for (size_t k = 0; k < n; k++) {
        for (size_t b = 0; b < sizeof bytes; b++) {
            char *buf = exact_copy(full_json, n);
            buf[k] = (char)bytes[b];
            Collect c = {0};
            char err[200] = "";
            if (!json_parse_flat_object(buf, n, collect, &c, err, sizeof err) && !strstr(err, " at byte "))
                fail_msg("byte %zu := 0x%02X: reason without a position: '%s'", k, bytes[b], err);
            sb_free(&c.log);
            free(buf);
        }
    }
}

/* Every prefix of every spelling, for every kind: never a crash, never a leak, always a reason. */
static void test_parse_prefixes(void **state)
{
    (void)state;
    static const char *const inputs[] = {
        "2021年04月01日", "-922337203685477.5808", "12.5％", " 41012219500307123x　", "无履行能力",
        "99999999999999999999", "\xE3\x80\x80\xC2\xA0", "2021/4/1", "是",
    };
    for (size_t i = 0; i < ARRAY_LEN(inputs); i++) {
        size_t n = strlen(inputs[i]);
        for (size_t k = 0; k <= n; k++) {
            for (uint8_t kind = VK_INT; kind <= VK_ENUM; kind++) {
                char *buf = exact_copy(inputs[i], k);
                int64_t v;
                char *owned = NULL;
                char err[200] = "";
                bool ok = value_parse_kind(&prog, kind, EN_SUP, buf, k, &v, &owned, err, sizeof err);
                if (!ok && !err[0]) fail_msg("'%.*s' as %s: no reason", (int)k, inputs[i], value_kind_name(kind));
                free(owned);
                free(buf);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_accepts),
        cmocka_unit_test(test_parse_by_field),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_error_buffer),
        cmocka_unit_test(test_trim),
        cmocka_unit_test(test_enum_lookup),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_json_ok),
        cmocka_unit_test(test_json_values_parse),
        cmocka_unit_test(test_json_errors),
        cmocka_unit_test(test_json_callback),
        cmocka_unit_test(test_json_many_members),
        cmocka_unit_test(test_json_prefixes),
        cmocka_unit_test(test_json_mutations),
        cmocka_unit_test(test_parse_prefixes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
