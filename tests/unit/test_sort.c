/* test_sort.c — base/sort.c: the stable merge sort with a context.
 *
 * Checked against what sorting means, not against another sort: the output is ordered, it is a
 * permutation of the input (each element carries its input position, and every position comes
 * out once), equal keys keep their input order, and each comparison sees the context it was
 * given — also when two threads sort at once with contexts asking for opposite orders. */
#include "helpers.h"
#include "base/sort.h"

#include <pthread.h>

typedef struct Item {
    int key;
    int seq;                   /* the input position */
    char pad[16];              /* an element wider than a word: the sort copies `size` bytes */
} Item;

typedef struct Order {
    int sign;                  /* 1 ascending, -1 descending */
    long calls;
} Order;

static int by_key(const void *a, const void *b, void *ctx)
{
    Order *o = ctx;
    o->calls++;
    const Item *x = a, *y = b;
    return o->sign * ((x->key > y->key) - (x->key < y->key));
}

static uint64_t rng_state = 42;
static uint32_t rng(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}

static Item *make_items(size_t n, int keys, uint64_t seed)
{
    uint64_t s = seed;
    Item *a = calloc(n + 1, sizeof *a);
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        a[i].key = (int)((s >> 33) % (uint64_t)keys);
        a[i].seq = (int)i;
        memset(a[i].pad, (int)(i & 0x7F), sizeof a[i].pad);
    }
    return a;
}

/* 0 when a (n items, sorted by sign) is ordered, stable and a permutation of 0..n-1. */
static int check_sorted(const Item *a, size_t n, int sign)
{
    char *seen = calloc(n + 1, 1);
    int bad = 0;
    for (size_t i = 0; i < n && !bad; i++) {
        if (a[i].seq < 0 || (size_t)a[i].seq >= n || seen[a[i].seq]) bad = 1;
        else seen[a[i].seq] = 1;
        if (a[i].pad[0] != (char)(a[i].seq & 0x7F) || a[i].pad[15] != (char)(a[i].seq & 0x7F)) bad = 2;
        if (i && sign * (a[i].key - a[i - 1].key) < 0) bad = 3;
        if (i && a[i].key == a[i - 1].key && a[i].seq < a[i - 1].seq) bad = 4;
    }
    free(seen);
    return bad;
}

static void test_sorts_every_size(void **state)
{
    (void)state;
    for (size_t n = 0; n <= 300; n++) {
        for (int keys = 1; keys <= 1000; keys *= 10) {
            Item *a = make_items(n, keys, rng());
            Order o = {1, 0};
            sort_with(a, n, sizeof *a, by_key, &o);
            int bad = check_sorted(a, n, 1);
            if (bad) fail_msg("n %zu, %d keys: check %d failed", n, keys, bad);
            free(a);
        }
    }
}

static void test_sorted_and_reversed_inputs(void **state)
{
    (void)state;
    size_t n = 5000;
    Item *a = make_items(n, 1000000, 7);
    Order up = {1, 0}, down = {-1, 0};
    sort_with(a, n, sizeof *a, by_key, &up);
    assert_int_equal(check_sorted(a, n, 1), 0);
    long first = up.calls;
    up.calls = 0;
    sort_with(a, n, sizeof *a, by_key, &up);        /* already in order: one pass of checks */
    assert_int_equal(check_sorted(a, n, 1), 0);
    assert_true(up.calls < first / 4);
    for (size_t i = 0; i < n; i++) a[i].seq = (int)i;   /* the new input order */
    sort_with(a, n, sizeof *a, by_key, &down);      /* the context decides the order */
    assert_true(down.calls > 0);
    for (size_t i = 1; i < n; i++) assert_true(a[i].key <= a[i - 1].key);
    free(a);
}

typedef struct Job {
    int sign;
    int bad;
} Job;

static void *sort_many(void *arg)
{
    Job *j = arg;
    for (int round = 0; round < 40 && !j->bad; round++) {
        size_t n = 2000 + (size_t)round * 37;
        Item *a = make_items(n, 50, (uint64_t)round * 2654435761u + (uint64_t)j->sign);
        Order o = {j->sign, 0};
        sort_with(a, n, sizeof *a, by_key, &o);
        j->bad = check_sorted(a, n, j->sign);
        free(a);
    }
    return NULL;
}

/* A key's sort words: big-endian, NUL past the key, ordered as the keys' bytes are, and back
 * to the key's bytes with sort_word_bytes — for every length 0..24, bytes of every value. */
static void test_key_words(void **state)
{
    (void)state;
    for (int round = 0; round < 2000; round++) {
        char key[25] = {0}, other[25] = {0}, back[24];
        size_t n = rng() % 25, m = rng() % 25;
        for (size_t i = 0; i < n; i++) key[i] = (char)(1 + rng() % 255);   /* keys hold no NUL */
        for (size_t i = 0; i < m; i++) other[i] = rng() % 2 ? key[i] : (char)(1 + rng() % 255);
        uint64_t w[3], v[3];
        for (unsigned k = 0; k < 3; k++) {
            w[k] = sort_key_word(key, n, k);
            v[k] = sort_key_word(other, m, k);
            sort_word_bytes(w[k], back + 8 * k);
        }
        assert_memory_equal(back, key, 24);   /* its bytes, then NULs */
        assert_int_equal(w[0] >> 56, (unsigned char)key[0]);
        int bytes = memcmp(key, other, 24), words = 0;
        for (unsigned k = 0; k < 3 && !words; k++) words = w[k] < v[k] ? -1 : w[k] > v[k];
        assert_int_equal(bytes < 0 ? -1 : bytes > 0, words);
    }
}

static void test_two_threads_two_orders(void **state)
{
    (void)state;
    Job up = {1, 0}, down = {-1, 0};
    pthread_t t1, t2;
    assert_int_equal(pthread_create(&t1, NULL, sort_many, &up), 0);
    assert_int_equal(pthread_create(&t2, NULL, sort_many, &down), 0);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    assert_int_equal(up.bad, 0);
    assert_int_equal(down.bad, 0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sorts_every_size),
        cmocka_unit_test(test_sorted_and_reversed_inputs),
        cmocka_unit_test(test_two_threads_two_orders),
        cmocka_unit_test(test_key_words),
    };
    return cmocka_run_group_tests_name("sort", tests, NULL, NULL);
}
