/* test_keyset.c — src/engine/keyset.c, an import's set of record keys.
 *
 * What the import relies on: a key new to the file gives 0 and is noted with its line; the
 * same key again gives that first line (however often it comes back); a key the ledger held
 * before says so (stored) and still counts as new to the file the first time; keys are
 * compared whole (a prefix, a longer key are other keys, whatever their length against an
 * entry's 4-byte padding; a reservation keeps the keys so far). The large case notes 300,000 keys
 * (the table and the text buffer grow many times) and finds each again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/keyset.h"

static void test_first_line(void **state)
{
    (void)state;
    KeySet ks = {0};
    bool stored = true;
    assert_int_equal(keyset_see(&ks, "410102", 6, 2, &stored), 0);
    assert_false(stored);
    assert_int_equal(keyset_see(&ks, "41010", 5, 3, &stored), 0);
    assert_int_equal(keyset_see(&ks, "4101021", 7, 4, &stored), 0);
    assert_int_equal(keyset_see(&ks, "410102", 6, 5, &stored), 2);
    assert_int_equal(keyset_see(&ks, "410102", 6, 9, &stored), 2);
    assert_false(stored);
    assert_int_equal(ks.count, 3);
    keyset_free(&ks);
}

static void test_stored(void **state)
{
    (void)state;
    KeySet ks = {0};
    bool stored = false;
    keyset_add_stored(&ks, "a", 1);
    keyset_add_stored(&ks, "b", 1);
    keyset_add_stored(&ks, "a", 1);
    assert_int_equal(ks.in_ledger, 2);
    assert_int_equal(keyset_see(&ks, "a", 1, 7, &stored), 0);   /* new to the file */
    assert_true(stored);
    assert_int_equal(keyset_see(&ks, "a", 1, 8, &stored), 7);   /* then a duplicate */
    assert_true(stored);
    assert_int_equal(keyset_see(&ks, "c", 1, 9, &stored), 0);
    assert_false(stored);
    keyset_free(&ks);
}

static void test_many(void **state)
{
    (void)state;
    KeySet ks = {0};
    char key[32];
    bool stored;
    for (uint32_t i = 0; i < 300000; i++) {
        int n = snprintf(key, sizeof key, "4101%014u", i * 7919u);
        if (i % 2) keyset_add_stored(&ks, key, (size_t)n);
        else assert_int_equal(keyset_see(&ks, key, (size_t)n, i + 1, &stored), 0);
    }
    for (uint32_t i = 0; i < 300000; i++) {
        int n = snprintf(key, sizeof key, "4101%014u", i * 7919u);
        uint32_t first = keyset_see(&ks, key, (size_t)n, 1000000 + i, &stored);
        assert_int_equal(stored, i % 2);
        assert_int_equal(first, i % 2 ? 0 : i + 1);
    }
    assert_int_equal(ks.count, 300000);
    keyset_free(&ks);
}

/* Keys of every length from 0 to 40, alike but for their last byte or their length: an entry
 * is padded to 4 bytes, and a key must not match a longer one whose padding it shares. A
 * reservation made with keys already in the set keeps them. */
static void test_lengths(void **state)
{
    (void)state;
    KeySet ks = {0};
    char key[48];
    memset(key, 'x', sizeof key);
    bool stored;
    for (uint32_t len = 0; len <= 40; len++) assert_int_equal(keyset_see(&ks, key, len, len + 1, &stored), 0);
    keyset_reserve(&ks, 100000, 100000 * 24);
    assert_true(ks.cap >= 100000 * 10 / 7);
    for (uint32_t len = 0; len <= 40; len++) {
        assert_int_equal(keyset_line(&ks, key, len), len + 1);
        key[len ? len - 1 : 0] = 'y';   /* alike but for its last byte: another key */
        assert_int_equal(keyset_line(&ks, key, len), len ? 0 : 1);
        key[len ? len - 1 : 0] = 'x';
    }
    assert_int_equal(keyset_see(&ks, key, 7, 99, &stored), 8);
    assert_false(stored);
    assert_int_equal(ks.count, 41);
    keyset_free(&ks);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_line),
        cmocka_unit_test(test_stored),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_lengths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
