/* test_strset.c — src/base/strset.c, the string set with dense ids.
 *
 * What a caller relies on: ids 0, 1, 2, ... in order of first addition; adding a string again
 * returns its id and says it was not added; finding an absent string gives STRSET_NONE; the
 * copies stay at their address while the set grows; keys are byte strings (NUL bytes and the
 * empty string included, a prefix is a different key); an arena-backed set allocates nothing
 * of its own (the arena releases it; LeakSanitizer checks both kinds under `make SAN=1 test`).
 * The large case adds 200,000 distinct strings, enough to grow the table many times, and finds
 * each again by a freshly made copy of its text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/strset.h"

static void test_ids_in_order(void **state)
{
    (void)state;
    StrSet s = {0};
    bool added;
    assert_int_equal(strset_find(&s, "a"), STRSET_NONE);
    assert_int_equal(strset_add(&s, "年龄", &added), 0);
    assert_true(added);
    assert_int_equal(strset_add(&s, "age", &added), 1);
    assert_true(added);
    assert_int_equal(strset_add(&s, "年龄", &added), 0);
    assert_false(added);
    assert_int_equal(strset_add(&s, "Age", NULL), 2);   /* case matters */
    assert_int_equal(strset_count(&s), 3);
    assert_int_equal(strset_find(&s, "age"), 1);
    assert_int_equal(strset_find(&s, "ag"), STRSET_NONE);
    assert_int_equal(strset_find(&s, "agee"), STRSET_NONE);
    assert_string_equal(strset_text(&s, 0), "年龄");
    assert_int_equal(strset_len(&s, 0), strlen("年龄"));
    strset_free(&s);
    assert_int_equal(strset_count(&s), 0);
    assert_int_equal(strset_find(&s, "age"), STRSET_NONE);
    strset_free(&s);   /* freeing twice is harmless */
}

/* Byte strings: the empty string, embedded NULs, and a prefix of a key are all distinct keys. */
static void test_byte_keys(void **state)
{
    (void)state;
    StrSet s = {0};
    const char k1[] = {'k', 0, 1, 2};
    const char k2[] = {'k', 0, 1, 3};
    assert_int_equal(strset_add_n(&s, "", 0, NULL), 0);
    assert_int_equal(strset_add_n(&s, k1, sizeof k1, NULL), 1);
    assert_int_equal(strset_add_n(&s, k2, sizeof k2, NULL), 2);
    assert_int_equal(strset_add_n(&s, k1, 1, NULL), 3);          /* "k" */
    assert_int_equal(strset_find_n(&s, k2, sizeof k2), 2);
    assert_int_equal(strset_find(&s, "k"), 3);
    assert_int_equal(strset_find(&s, ""), 0);
    assert_int_equal(strset_len(&s, 1), 4);
    assert_memory_equal(strset_text(&s, 1), k1, 4);
    assert_int_equal(strset_text(&s, 1)[4], '\0');                /* NUL-terminated copy */
    strset_free(&s);
}

static void make_key(char *buf, size_t n, unsigned i)
{
    snprintf(buf, n, "name_%u_%x", i, i * 2654435761u);
}

/* Many keys: every id stays right, and the first copies keep their address as the set grows. */
static void test_many(void **state)
{
    (void)state;
    enum { N = 200000 };
    StrSet s = {0};
    char buf[64];
    make_key(buf, sizeof buf, 0);
    assert_int_equal(strset_add(&s, buf, NULL), 0);
    const char *first = strset_text(&s, 0);
    for (unsigned i = 1; i < N; i++) {
        make_key(buf, sizeof buf, i);
        bool added;
        assert_int_equal(strset_add(&s, buf, &added), i);
        assert_true(added);
    }
    assert_int_equal(strset_count(&s), N);
    assert_ptr_equal(strset_text(&s, 0), first);
    for (unsigned i = 0; i < N; i++) {
        make_key(buf, sizeof buf, i);
        if (strset_find(&s, buf) != i) fail_msg("%s: id %u, want %u", buf, strset_find(&s, buf), i);
        assert_string_equal(strset_text(&s, i), buf);
    }
    make_key(buf, sizeof buf, N);
    assert_int_equal(strset_find(&s, buf), STRSET_NONE);
    strset_free(&s);
}

/* A long key (past one chunk of copies) is kept whole. */
static void test_long_key(void **state)
{
    (void)state;
    StrSet s = {0};
    size_t n = 200 * 1024;
    char *big = malloc(n);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++) big[i] = (char)('a' + i % 26);
    assert_int_equal(strset_add(&s, "short", NULL), 0);
    assert_int_equal(strset_add_n(&s, big, n, NULL), 1);
    assert_int_equal(strset_add(&s, "after", NULL), 2);
    assert_int_equal(strset_find_n(&s, big, n), 1);
    assert_int_equal(strset_find_n(&s, big, n - 1), STRSET_NONE);
    assert_memory_equal(strset_text(&s, 1), big, n);
    assert_string_equal(strset_text(&s, 2), "after");
    free(big);
    strset_free(&s);
}

/* From an arena: the same behaviour, released with the arena. */
static void test_arena(void **state)
{
    (void)state;
    Arena a = {0};
    StrSet s;
    strset_init_arena(&s, &a);
    char buf[64];
    for (unsigned i = 0; i < 5000; i++) {
        make_key(buf, sizeof buf, i);
        assert_int_equal(strset_add(&s, buf, NULL), i);
    }
    for (unsigned i = 0; i < 5000; i++) {
        make_key(buf, sizeof buf, i);
        assert_int_equal(strset_find(&s, buf), i);
    }
    assert_int_equal(strset_add(&s, "name_0_0", NULL), 0);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_in_order),
        cmocka_unit_test(test_byte_keys),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_long_key),
        cmocka_unit_test(test_arena),
    };
    return cmocka_run_group_tests_name("strset", tests, NULL, NULL);
}
