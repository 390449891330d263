/* sort.h — a stable merge sort whose comparison takes a context.
 *
 * C11's qsort has no context argument, and a file-level variable standing in for one is shared
 * by every thread: two runs ranking their schedules at once (an embedding host's threads)
 * would each sort with the other's data. Stable, so that equal elements keep their order and
 * the result is the same on every C library. */
#ifndef DOUDI_SORT_H
#define DOUDI_SORT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Bytes 8w .. 8w+7 of a key of n bytes, big-endian, zero past its end: words that compare as
 * unsigned integers in the key's byte order (a shorter key first), so that a sort compares
 * keys — their first 8, 16, 24 bytes — without reading their text. */
static inline uint64_t sort_key_word(const char *key, size_t n, unsigned w)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (n >= 8 * (size_t)w + 8) {   /* a whole word of the key: one load */
        uint64_t x;
        memcpy(&x, key + 8 * (size_t)w, sizeof x);
        return __builtin_bswap64(x);
    }
#endif
    uint64_t v = 0;
    for (size_t i = 8 * (size_t)w; i < 8 * (size_t)w + 8; i++) v = v << 8 | (i < n ? (unsigned char)key[i] : 0);
    return v;
}

/* The 8 bytes of word w back from sort_key_word: big-endian into out[0..7] (the key's bytes,
 * and NULs past its end). */
static inline void sort_word_bytes(uint64_t v, char out[8])
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
    memcpy(out, &v, sizeof v);
#else
    for (int i = 0; i < 8; i++) out[i] = (char)(v >> (56 - 8 * i));
#endif
}

typedef int (*SortCompare)(const void *a, const void *b, void *ctx);

/* Sort n elements of `size` bytes at base, in the order cmp gives (negative: a first). */
void sort_with(void *base, size_t n, size_t size, SortCompare cmp, void *ctx);

#endif
