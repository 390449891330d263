/* quicksort.h — an in-place quicksort with its comparison inlined, for arrays of millions of
 * small records sorted by key (a run's result rows, an import's held rows).
 *
 * glibc's qsort calls its comparison through a pointer for every pair, and sorts an element
 * wider than 32 bytes through an array of pointers to it (a cache miss per comparison); this
 * compares and swaps the records themselves. Quicksort with the median of three as pivot,
 * insertion sort below 17 elements, and past a depth only a pathological order reaches, the
 * merge sort of sort.h. Not stable: for keys known to be unique, where every sort gives the
 * same order.
 *
 *     QUICKSORT_DEFINE(sort_rows, Row, const char *, row_cmp)
 *
 * defines `static void sort_rows(Row *a, size_t n, const char *ctx)` ordering by
 * `int row_cmp(const Row *x, const Row *y, const char *ctx)` (negative: x first), which should
 * be `static inline`. */
#ifndef DOUDI_QUICKSORT_H
#define DOUDI_QUICKSORT_H

#include "sort.h"

#include <stddef.h>

#define QUICKSORT_DEFINE(name, T, Ctx, cmp)                                                      \
    static int name##_by_pointer(const void *a, const void *b, void *ctx)                        \
    {                                                                                            \
        return cmp((const T *)a, (const T *)b, *(Ctx *)ctx);                                     \
    }                                                                                            \
    static void name##_at_depth(T *a, size_t n, Ctx ctx, int depth)                              \
    {                                                                                            \
        while (n > 16) {                                                                         \
            if (depth-- == 0) {                                                                  \
                sort_with(a, n, sizeof *a, name##_by_pointer, &ctx);                             \
                return;                                                                          \
            }                                                                                    \
            size_t mid = n / 2;                                                                  \
            T t;                                                                                 \
            if (cmp(&a[mid], &a[0], ctx) < 0) t = a[mid], a[mid] = a[0], a[0] = t;               \
            if (cmp(&a[n - 1], &a[mid], ctx) < 0) t = a[n - 1], a[n - 1] = a[mid], a[mid] = t;  \
            if (cmp(&a[mid], &a[0], ctx) < 0) t = a[mid], a[mid] = a[0], a[0] = t;               \
            T pivot = a[mid];                                                                    \
            size_t i = 0, j = n - 1; /* Hoare: a[0..j] <= pivot <= a[j+1..n-1] */                \
            for (;;) {                                                                           \
                while (cmp(&a[i], &pivot, ctx) < 0) i++;                                         \
                while (cmp(&pivot, &a[j], ctx) < 0) j--;                                         \
                if (i >= j) break;                                                               \
                t = a[i], a[i] = a[j], a[j] = t;                                                 \
                i++, j--;                                                                        \
            }                                                                                    \
            size_t left = j + 1;                                                                 \
            if (left < n - left) {                                                               \
                name##_at_depth(a, left, ctx, depth);                                            \
                a += left;                                                                       \
                n -= left;                                                                       \
            } else {                                                                             \
                name##_at_depth(a + left, n - left, ctx, depth);                                 \
                n = left;                                                                        \
            }                                                                                    \
        }                                                                                        \
        for (size_t i = 1; i < n; i++) {                                                         \
            T x = a[i];                                                                          \
            size_t j = i;                                                                        \
            for (; j > 0 && cmp(&x, &a[j - 1], ctx) < 0; j--) a[j] = a[j - 1];                  \
            a[j] = x;                                                                            \
        }                                                                                        \
    }                                                                                            \
    static void name(T *a, size_t n, Ctx ctx) { name##_at_depth(a, n, ctx, 64); }

#endif
