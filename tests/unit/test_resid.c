/* test_resid.c — resident ids (src/base/resid.c): the check character, validity, the birth
 * date and sex digits, and masking for human-facing output. Expected values are worked out by
 * hand from GB 11643-1999 (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, "10X98765432"). */
#include "helpers.h"

#include "base/date.h"
#include "base/resid.h"

static void test_check_char(void **state)
{
    (void)state;
    /* 4 1 0 1 2 2 1 9 5 0 0 3 0 7 1 2 3: Σ = 28+9+0+5+16+8+2+9+30+0+0+27+0+35+8+8+6 = 191,
     * 191 mod 11 = 4 → "10X98765432"[4] = '8' */
    assert_int_equal(resident_id_check_char("41012219500307123"), '8');
    /* 1 1 0 1 0 5 1 9 4 9 1 2 3 1 0 0 2: Σ = 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167,
     * 167 mod 11 = 2 → 'X' */
    assert_int_equal(resident_id_check_char("11010519491231002"), 'X');
    assert_true(resident_id_valid("410122195003071238"));
    assert_true(resident_id_valid("11010519491231002X"));
    assert_false(resident_id_valid("11010519491231002x"));     /* import reads x as X first */
    assert_false(resident_id_valid("410122195003071234"));     /* wrong check character */
    assert_false(resident_id_valid("41012219500307123"));      /* 17 characters */
    assert_false(resident_id_valid("4101221950030712388"));    /* 19 */
    assert_false(resident_id_valid("990122195003071236"));     /* province 99 */
    assert_false(resident_id_valid("410122195002301239"));     /* 30 February */
}

/* The length is judged in characters: 17 or 19 is wrong, 18 and the older 15 are not (the
 * other checks judge those); a full-width digit is one character, as the clerk counts. */
static void test_wrong_length(void **state)
{
    (void)state;
    int n;
    assert_true(resident_id_wrong_length("41012219500307123", &n));
    assert_int_equal(n, 17);
    assert_true(resident_id_wrong_length("4101221950030712388", &n));
    assert_int_equal(n, 19);
    assert_true(resident_id_wrong_length("", &n));
    assert_int_equal(n, 0);
    assert_true(resident_id_wrong_length("4101221950030712３", &n));   /* 17 characters, 19 bytes */
    assert_int_equal(n, 17);
    assert_false(resident_id_wrong_length("410122195003071234", &n));  /* 18: a wrong check digit */
    assert_int_equal(n, 18);
    assert_false(resident_id_wrong_length("410122500307123", &n));     /* 15: the older format */
    assert_false(resident_id_wrong_length("41012219500307123８", &n)); /* 18 characters, 20 bytes */
    assert_int_equal(n, 18);
}

static void test_birth_and_sex(void **state)
{
    (void)state;
    int64_t days;
    assert_true(resident_id_birth("410122195003071238", &days));
    assert_int_equal(days, days_from_civil(1950, 3, 7));
    assert_false(resident_id_birth("4101221950030712", &days));
    assert_int_equal(resident_id_male("410122195003071238"), 1);   /* digit 17: 3, odd */
    assert_int_equal(resident_id_male("11010519491231002X"), 0);   /* 2, even */
    assert_int_equal(resident_id_male("1101051949123100"), -1);
}

static void masked(const char *in, const char *want)
{
    char *s = xstrdup(in);
    resident_id_mask(s);
    assert_string_equal(s, want);
    free(s);
}

static void test_mask(void **state)
{
    (void)state;
    masked("id 410122195003071238.", "id 410122********1238.");
    masked("11010519491231002X,11010519491231002x", "110105********002X,110105********002x");
    /* the older 15-digit form hides digits 7–12 (YYMMDD) */
    masked("老证 410122500307123 号", "老证 410122******123 号");
    /* the birth date the id encodes is the same secret, wherever the text writes it */
    masked("410122195003071238 born 1950-03-07; 1950-03-08 stays",
           "410122********1238 born ****-**-**; 1950-03-08 stays");
    masked("410122500307123 1950-03-07", "410122******123 ****-**-**");
    /* other runs of digits are no ids */
    masked("12345678901234567 1234567890123456789 13812345678", "12345678901234567 1234567890123456789 13812345678");
    /* nor are the digits of a commit hash or a checksum (a hex word of 32 or more with a
     * letter); an id among letters, CJK text or punctuation is still one: privacy first */
    masked("base 4f1c410122195003071238e9a0b1c2d3e4f5a6b7c8d9e0f1 and 410122500307123abcdef0123456789abcdef",
           "base 4f1c410122195003071238e9a0b1c2d3e4f5a6b7c8d9e0f1 and 410122500307123abcdef0123456789abcdef");
    masked("x410122195003071238x 410122195003071238.csv", "x410122********1238x 410122********1238.csv");
    masked("身份证号410122195003071238的人", "身份证号410122********1238的人");
    /* 18 digits and a short hex tail are no hash */
    masked("410122195003071238abc", "410122********1238abc");
    masked("", "");
    char s[] = "birth_date = 1950-03-07";
    resident_id_mask_date(s, "410122195003071238");
    assert_string_equal(s, "birth_date = ****-**-**");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_char),
        cmocka_unit_test(test_wrong_length),
        cmocka_unit_test(test_birth_and_sex),
        cmocka_unit_test(test_mask),
    };
    return cmocka_run_group_tests_name("resid", tests, NULL, NULL);
}
