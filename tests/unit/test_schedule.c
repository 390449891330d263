/* test_schedule.c — engine/schedule.c's ranking against its definition.
 *
 * The oracle is the rule itself, without sorting: an entry's rank in its partition and group
 * is one plus the number of entries there that come before it — by each order key in turn
 * (numbers as numbers, texts by their bytes, `desc` reversing either), then by record key. It
 * is computed pairwise here and compared with schedule_assign_ranked's ranks, over keys built
 * to tie: a few values each, negative numbers, texts alike in their first 16 or 24 bytes or
 * one the start of another, text keys before, between and after number keys, ascending and
 * descending, more number keys than the ranking's row of words holds, none but the record
 * key to break ties; record keys short and long, some alike in their first 30 bytes. */
#include "helpers.h"
#include "engine/schedule.h"

#include <stdint.h>

typedef struct Entry {
    const char *partition;
    int category;
    int64_t keys[8];           /* text keys as pointers to their text */
    char key[48];
} Entry;

static uint64_t rng_state = 7;
static uint32_t rng(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}

static const char *const TEXTS[] = {
    "", "a", "ab", "abcdefghijklmnop", "abcdefghijklmnopq", "abcdefghijklmnopr", "abcdefghijklmno",
    "abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwx", "abcdefghijklmnopqrstuvwxy", "b", "\xe5\xbc\xa0", "\xe5\xbc\xa0\xe4\xb8\x89", "z",
};
static const char *const PARTS[] = {"410102", "410103", "410184"};
static unsigned number_values = 5;   /* how many small numbers a number key takes */

/* A schedule of one group per category (0 and 1), keys of the given kinds and directions. */
static Schedule *new_schedule(uint32_t nkeys, const uint8_t *kind, const bool *desc)
{
    Schedule *s = xcalloc(1, sizeof *s);
    s->ngroups = 2;
    s->groups = xcalloc(2, sizeof *s->groups);
    for (int g = 0; g < 2; g++) {
        s->groups[g].nshares = 1;
        s->groups[g].years = xcalloc(1, sizeof(int64_t));
        s->groups[g].cumulative = xcalloc(1, sizeof(int64_t));
        s->groups[g].years[0] = 2021;
        s->groups[g].cumulative[0] = 10000;
    }
    s->group_of = xcalloc(2, sizeof *s->group_of);
    s->group_of[1] = 1;
    s->nkeys = nkeys;
    s->key_kind = xcalloc(nkeys + 1, 1);
    s->key_desc = xcalloc(nkeys + 1, sizeof *s->key_desc);
    memcpy(s->key_kind, kind, nkeys);
    memcpy(s->key_desc, desc, nkeys * sizeof *desc);
    return s;
}

/* Whether a comes before b by the rule (keys in turn, then the record key). */
static bool before(const Entry *a, const Entry *b, uint32_t nkeys, const uint8_t *kind, const bool *desc)
{
    for (uint32_t k = 0; k < nkeys; k++) {
        int c;
        if (kind[k] == VK_TEXT) {
            const unsigned char *x = (const unsigned char *)(intptr_t)a->keys[k];
            const unsigned char *y = (const unsigned char *)(intptr_t)b->keys[k];
            while (*x && *x == *y) x++, y++;
            c = (*x > *y) - (*x < *y);
        } else {
            c = (a->keys[k] > b->keys[k]) - (a->keys[k] < b->keys[k]);
        }
        if (desc[k]) c = -c;
        if (c) return c < 0;
    }
    return strcmp(a->key, b->key) < 0;
}

static void check_ranks(uint32_t nkeys, const uint8_t *kind, const bool *desc, size_t n)
{
    Entry *e = xcalloc(n, sizeof *e);
    Schedule *s = new_schedule(nkeys, kind, desc);
    for (size_t i = 0; i < n; i++) {
        e[i].partition = PARTS[rng() % 3];
        e[i].category = (int)(rng() % 2);
        for (uint32_t k = 0; k < nkeys; k++)
            e[i].keys[k] = kind[k] == VK_TEXT ? (int64_t)(intptr_t)TEXTS[rng() % (sizeof TEXTS / sizeof *TEXTS)]
                                              : (int64_t)(rng() % number_values) - 2 + (rng() % 7 == 0 ? INT64_MIN / 2 : 0);
        if (rng() % 2)   /* unique; some alike in their first 30 bytes, longer than the ranking's 24 */
            snprintf(e[i].key, sizeof e[i].key, "4101%08u%06u", (unsigned)(rng() % 100000000), (unsigned)i);
        else
            snprintf(e[i].key, sizeof e[i].key, "410102000000000000000000000000%06u", (unsigned)i);
        assert_true(schedule_add(s, e[i].partition, e[i].category, e[i].keys, e[i].key, (uint32_t)i));
    }
    int64_t *years = xcalloc(n, sizeof *years), *ranks = xcalloc(n, sizeof *ranks), *sizes = xcalloc(n, sizeof *sizes);
    schedule_assign_ranked(s, years, ranks, sizes);
    for (size_t i = 0; i < n; i++) {
        int64_t want = 1, size = 0;
        for (size_t j = 0; j < n; j++) {
            if (strcmp(e[j].partition, e[i].partition) || e[j].category != e[i].category) continue;
            size++;
            if (j != i && before(&e[j], &e[i], nkeys, kind, desc)) want++;
        }
        if (ranks[i] != want || sizes[i] != size)
            fail_msg("entry %zu (%s, key %s): rank %lld of %lld, want %lld of %lld", i, e[i].partition, e[i].key,
                     (long long)ranks[i], (long long)sizes[i], (long long)want, (long long)size);
        assert_int_equal(years[i], 2021);
    }
    free(years);
    free(ranks);
    free(sizes);
    schedule_free(s);
    free(e);
}

static void test_number_keys(void **state)
{
    (void)state;
    const uint8_t kind[] = {VK_INT, VK_INT, VK_DATE};
    const bool desc[] = {true, false, true};
    check_ranks(3, kind, desc, 400);
}

static void test_text_key_last(void **state)
{
    (void)state;
    const uint8_t kind[] = {VK_INT, VK_INT, VK_TEXT};   /* as adl_lost desc, age desc, id */
    const bool asc[] = {true, true, false}, desc[] = {true, false, true};
    check_ranks(3, kind, asc, 400);
    check_ranks(3, kind, desc, 400);
}

static void test_text_key_first(void **state)
{
    (void)state;
    /* the keys after a text key decide only where the texts are alike */
    const uint8_t kind[] = {VK_TEXT, VK_INT, VK_TEXT, VK_INT};
    const bool d1[] = {false, true, true, false}, d2[] = {true, false, false, true};
    check_ranks(4, kind, d1, 500);
    check_ranks(4, kind, d2, 500);
}

static void test_more_keys_than_a_row_holds(void **state)
{
    (void)state;
    /* eight number keys, more than the ranking's words hold: the rest decide by comparison */
    const uint8_t kind[] = {VK_INT, VK_INT, VK_INT, VK_INT, VK_INT, VK_INT, VK_INT, VK_INT};
    const bool d1[] = {false, true, false, true, false, true, false, true}, d2[8] = {false};
    number_values = 2;   /* so that rows often tie on all the keys they hold */
    check_ranks(8, kind, d1, 500);
    check_ranks(8, kind, d2, 500);
    number_values = 5;
}

static void test_no_text_key(void **state)
{
    (void)state;
    /* the record key alone breaks the ties of one number key */
    const uint8_t kind[] = {VK_INT};
    const bool asc[] = {false}, desc[] = {true};
    check_ranks(1, kind, asc, 400);
    check_ranks(1, kind, desc, 400);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number_keys),
        cmocka_unit_test(test_text_key_last),
        cmocka_unit_test(test_text_key_first),
        cmocka_unit_test(test_more_keys_than_a_row_holds),
        cmocka_unit_test(test_no_text_key),
    };
    return cmocka_run_group_tests_name("schedule", tests, NULL, NULL);
}
