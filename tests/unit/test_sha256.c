/* test_sha256.c — src/sha256.c.
 *
 * Expected digests: the FIPS 180-2 appendix B / NIST CAVP examples ("abc", the 448-bit and
 * 896-bit messages, one million 'a'), the empty message, and messages of 'a' whose lengths
 * straddle the padding boundaries (55, 56, 57, 63, 64, 65, 119, 120 bytes: 55 is the longest
 * that pads within one block, 56 the shortest that needs a second), computed independently with
 * coreutils sha256sum. The incremental API is checked against the one-shot digest over many
 * random chunkings of the same buffer (a fixed-seed generator, so a failure repeats). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/sha256.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof *(a))

/* xorshift64*: deterministic, independent of the C library's rand(). */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static void hex_of(const uint8_t d[32], char out[65]) { sha256_to_hex(d, out); }

/* ---- known answers ------------------------------------------------------------------- */

typedef struct Vector {
    const char *msg;
    const char *hex;
} Vector;

static const Vector vectors[] = {
    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
     "mnopqrstnopqrstu",
     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    {"The quick brown fox jumps over the lazy dog",
     "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"},
    {"\xE5\x85\x9C\xE5\xBA\x95", /* 兜底 in UTF-8 */
     "9b974d5fa242bffc94661dc233dffed6b532edb9a36bdd5ec5729c4ce7ca8ff1"},
};

static void test_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(vectors); i++) {
        char hex[65];
        sha256_hex(vectors[i].msg, strlen(vectors[i].msg), hex);
        if (strcmp(hex, vectors[i].hex) != 0)
            fail_msg("vector %zu (\"%.20s\"): want %s, got %s", i, vectors[i].msg, vectors[i].hex, hex);
    }
}

static void test_empty_null_pointer(void **state)
{
    (void)state;
    char hex[65];
    sha256_hex(NULL, 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    Sha256 c;
    sha256_init(&c);
    sha256_update(&c, NULL, 0);
    uint8_t d[32];
    sha256_final(&c, d);
    hex_of(d, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_raw_digest_bytes(void **state)
{
    (void)state;
    static const uint8_t want[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                     0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                     0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    uint8_t d[32];
    sha256("abc", 3, d);
    assert_memory_equal(d, want, 32);
}

typedef struct Boundary {
    size_t n;
    const char *hex;
} Boundary;

static const Boundary boundaries[] = {
    {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
    {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
    {57, "f13b2d724659eb3bf47f2dd6af1accc87b81f09f59f2b75e5c0bed6589dfe8c6"},
    {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
    {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
    {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
    {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
    {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
};

static void test_padding_boundaries(void **state)
{
    (void)state;
    char a[128];
    memset(a, 'a', sizeof a);
    for (size_t i = 0; i < ARRAY_LEN(boundaries); i++) {
        char hex[65];
        sha256_hex(a, boundaries[i].n, hex);
        if (strcmp(hex, boundaries[i].hex) != 0)
            fail_msg("%zu x 'a': want %s, got %s", boundaries[i].n, boundaries[i].hex, hex);
    }
}

static void test_all_byte_values(void **state)
{
    (void)state;
    uint8_t bytes[256];
    for (int i = 0; i < 256; i++) bytes[i] = (uint8_t)i;
    char hex[65];
    sha256_hex(bytes, sizeof bytes, hex);
    assert_string_equal(hex, "40aff2e9d2d8922e47afd4648e6967497158785fbd1da870e7110266bf944880");
}

static void test_million_a(void **state)
{
    (void)state;
    const char *want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    size_t n = 1000000;
    char *a = malloc(n);
    assert_non_null(a);
    memset(a, 'a', n);
    char hex[65];
    sha256_hex(a, n, hex);
    assert_string_equal(hex, want);
    free(a);

    /* The same message fed 1000 bytes at a time, and one byte at a time. */
    char chunk[1000];
    memset(chunk, 'a', sizeof chunk);
    Sha256 c;
    uint8_t d[32];
    sha256_init(&c);
    for (int i = 0; i < 1000; i++) sha256_update(&c, chunk, sizeof chunk);
    sha256_final(&c, d);
    hex_of(d, hex);
    assert_string_equal(hex, want);
    sha256_init(&c);
    for (size_t i = 0; i < n; i++) sha256_update(&c, "a", 1);
    sha256_final(&c, d);
    hex_of(d, hex);
    assert_string_equal(hex, want);
}

/* ---- incremental == one-shot --------------------------------------------------------- */

static void test_random_chunkings(void **state)
{
    (void)state;
    enum { MAX = 5000 };
    uint8_t *buf = malloc(MAX);
    assert_non_null(buf);
    for (size_t i = 0; i < MAX; i++) buf[i] = (uint8_t)rng();
    for (int trial = 0; trial < 500; trial++) {
        size_t len = (size_t)(rng() % (MAX + 1));
        uint8_t want[32], got[32];
        sha256(buf, len, want);
        Sha256 c;
        sha256_init(&c);
        size_t pos = 0;
        while (pos < len) {
            /* Mix tiny, block-sized and large pieces, and empty updates. */
            size_t step;
            switch (rng() % 4) {
            case 0: step = (size_t)(rng() % 4); break;
            case 1: step = 64; break;
            case 2: step = (size_t)(rng() % 130); break;
            default: step = (size_t)(rng() % 2000); break;
            }
            if (step > len - pos) step = len - pos;
            sha256_update(&c, buf + pos, step);
            pos += step;
        }
        sha256_final(&c, got);
        if (memcmp(want, got, 32) != 0) {
            free(buf);
            fail_msg("trial %d: %zu bytes, chunked digest differs from the one-shot digest", trial, len);
        }
    }
    free(buf);
}

/* A copied context continues independently: hash(prefix) and hash(prefix + suffix). */
static void test_context_copy(void **state)
{
    (void)state;
    Sha256 a, b;
    sha256_init(&a);
    sha256_update(&a, "ab", 2);
    b = a;
    sha256_update(&b, "c", 1);
    uint8_t da[32], db[32], want_ab[32], want_abc[32];
    sha256_final(&a, da);
    sha256_final(&b, db);
    sha256("ab", 2, want_ab);
    sha256("abc", 3, want_abc);
    assert_memory_equal(da, want_ab, 32);
    assert_memory_equal(db, want_abc, 32);
}

/* Reusing a context after final needs sha256_init, and then gives the same answer. */
static void test_reinit(void **state)
{
    (void)state;
    Sha256 c;
    uint8_t d1[32], d2[32];
    sha256_init(&c);
    sha256_update(&c, "abc", 3);
    sha256_final(&c, d1);
    sha256_init(&c);
    sha256_update(&c, "abc", 3);
    sha256_final(&c, d2);
    assert_memory_equal(d1, d2, 32);
}

static void test_hex_format(void **state)
{
    (void)state;
    uint8_t d[32];
    for (int i = 0; i < 32; i++) d[i] = (uint8_t)(i * 8 + 7);
    char hex[65];
    memset(hex, 'Z', sizeof hex);
    sha256_to_hex(d, hex);
    assert_int_equal(strlen(hex), 64);
    assert_string_equal(hex, "070f171f272f373f474f575f676f777f878f979fa7afb7bfc7cfd7dfe7eff7ff");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_empty_null_pointer),
        cmocka_unit_test(test_raw_digest_bytes),
        cmocka_unit_test(test_padding_boundaries),
        cmocka_unit_test(test_all_byte_values),
        cmocka_unit_test(test_million_a),
        cmocka_unit_test(test_random_chunkings),
        cmocka_unit_test(test_context_copy),
        cmocka_unit_test(test_reinit),
        cmocka_unit_test(test_hex_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
